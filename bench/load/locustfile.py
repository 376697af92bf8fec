"""The seed's load profile against head office (Locust).

Each simulated user waits 1 to 5 s between requests and picks one of the seed's four tasks:
the product list, one product, a store's stock, the customer list (for Comptoir: the users
list, `GET /api/v1/users`). Requests carry a manager's bearer token, fetched once per Locust
process and shared by its users (signing in is not part of the profile; a thousand sign-ins
would measure the password hash).

    locust -f bench/load/locustfile.py --host http://127.0.0.1:8000 \
        --headless --users 1000 --spawn-rate 20 --run-time 3m

`bench/load/run.sh` runs it against `serve --workers 2`, nginx in front of two instances, and
a bare Flask + Core baseline. COMPTOIR_LOAD_USERNAME / COMPTOIR_LOAD_PASSWORD choose the
account (default: the demo's manager / manager).
"""

from __future__ import annotations

import os
import random

from gevent.lock import Semaphore
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

STORES = [1, 2, 3, 4, 5]

_token: dict[str, str] = {}
_skus: list[str] = []
_token_lock = Semaphore()


class HeadOfficeUser(FastHttpUser):
    wait_time = between(1, 5)
    # One keep-alive connection per user, as a browser or a till would hold.
    concurrency = 1
    connection_timeout = 30.0
    network_timeout = 30.0

    def on_start(self) -> None:
        with _token_lock:
            if "value" not in _token:
                reply = self.client.post(
                    "/api/v1/session",
                    json={
                        "username": os.environ.get("COMPTOIR_LOAD_USERNAME", "manager"),
                        "password": os.environ.get("COMPTOIR_LOAD_PASSWORD", "manager"),
                    },
                    name="sign in (once)",
                )
                _token["value"] = reply.json()["token"]
                listed = self.client.get("/api/v1/products?page_size=500", name="catalog (once)",
                                         headers={"Authorization": f"Bearer {_token['value']}"})
                _skus.extend(item["sku"] for item in listed.json()["items"])
        self.headers = {"Authorization": f"Bearer {_token['value']}"}
        self.skus = _skus

    @task
    def product_list(self) -> None:
        self.client.get("/api/v1/products", headers=self.headers, name="/api/v1/products")

    @task
    def one_product(self) -> None:
        self.client.get(f"/api/v1/products/{random.choice(self.skus)}", headers=self.headers,
                        name="/api/v1/products/<sku>")

    @task
    def store_stock(self) -> None:
        self.client.get(f"/api/v1/stores/{random.choice(STORES)}/stock", headers=self.headers,
                        name="/api/v1/stores/<id>/stock")

    @task
    def customers(self) -> None:
        self.client.get("/api/v1/users", headers=self.headers, name="/api/v1/users")
