"""A staff token works only where it was issued, and a user's credential changes reach the stores.

Every service here shares one secret key (the worst case the demo used to
create): the audience in the token, not the key, keeps tokens apart.
"""

from __future__ import annotations

import re

import requests
from sqlalchemy.orm import Session

from head_office.users.operations import change_password, set_active
from store_node.app import close_app
from store_node.app import create_app as create_store_app

SHARED_KEY = "sync-tests"  # head office's key in tests/sync/conftest.py


def _store_app(node):
    app = create_store_app({"DATA_DIR": str(node.folder), "TESTING": True, "SECRET_KEY": SHARED_KEY})
    return app


def _store_token(client, username, password):
    response = client.post("/api/v1/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def _head_office_token(url, username, password):
    response = requests.post(url + "/api/v1/session", json={"username": username, "password": password},
                             timeout=10)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _till_login(client, username, password):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password})


def test_head_office_token_is_refused_at_a_store(head_office, make_store):
    node = make_store(3, head_office)
    node.runner.pull(wait=True)
    app = _store_app(node)
    try:
        client = app.test_client()
        before = node.scalar("SELECT count(*) FROM stock_movements")
        for username in ("cashier2", "cashier3", "manager"):
            password = "manager" if username == "manager" else "cashier"
            headers = _head_office_token(head_office, username, password)
            adjust = client.post("/api/v1/stock/adjustments",
                                 json={"sku": "STA-002", "delta": -5, "reason": "damaged"}, headers=headers)
            assert adjust.status_code == 401, username
            sale = client.post("/api/v1/sales", headers=headers, json={
                "lines": [{"sku": "GRO-001", "qty": 1}],
                "payments": [{"tender": "cash", "amount_cents": 10_000}]})
            assert sale.status_code == 401, username
        assert node.scalar("SELECT count(*) FROM stock_movements") == before
        assert node.pending() == 0
    finally:
        close_app(app)


def test_a_token_from_another_store_is_refused(head_office, make_store):
    store_2, store_3 = make_store(2, head_office), make_store(3, head_office)
    for node in (store_2, store_3):
        node.runner.pull(wait=True)
    app_2, app_3 = _store_app(store_2), _store_app(store_3)
    try:
        at_2, at_3 = app_2.test_client(), app_3.test_client()
        for username, password in (("manager", "manager"), ("cashier2", "cashier")):
            headers = _store_token(at_2, username, password)
            assert at_2.get("/api/v1/stock", headers=headers).status_code == 200
            refused = at_3.get("/api/v1/stock", headers=headers)
            assert refused.status_code == 401 and refused.json["code"] == "invalid_token", username
        assert at_3.get("/api/v1/stock", headers=_store_token(at_3, "manager", "manager")).status_code == 200
    finally:
        close_app(app_2)
        close_app(app_3)


def test_password_change_ends_sessions_and_tokens(head_office, make_store, chain_db):
    node = make_store(3, head_office)
    node.runner.pull(wait=True)
    app = _store_app(node)
    try:
        api, till = app.test_client(), app.test_client()
        headers = _store_token(api, "cashier3", "cashier")
        assert _till_login(till, "cashier3", "cashier").status_code == 302
        assert till.get("/stock").status_code == 200

        with Session(chain_db) as session:
            change_password(session, "cashier3", "a-new-password", actor="test")
            session.commit()
        node.runner.pull(wait=True)

        refused = api.get("/api/v1/stock", headers=headers)
        assert refused.status_code == 401 and refused.json["code"] == "token_revoked"
        page = till.get("/stock")
        assert page.status_code == 302 and "/login" in page.headers["Location"]
        assert api.post("/api/v1/session",
                        json={"username": "cashier3", "password": "cashier"}).status_code == 401
        assert api.get("/api/v1/stock",
                       headers=_store_token(api, "cashier3", "a-new-password")).status_code == 200
    finally:
        close_app(app)


def test_a_disabled_account_is_refused_at_the_store_once_pulled(head_office, make_store, chain_db):
    node = make_store(3, head_office)
    node.runner.pull(wait=True)
    app = _store_app(node)
    try:
        client = app.test_client()
        headers = _store_token(client, "storemgr3", "storemgr")
        with Session(chain_db) as session:
            set_active(session, "storemgr3", False, actor="test")
            session.commit()
        assert client.get("/api/v1/stock", headers=headers).status_code == 200  # not pulled yet
        node.runner.pull(wait=True)
        assert client.get("/api/v1/stock", headers=headers).status_code == 401
        assert client.post("/api/v1/session",
                           json={"username": "storemgr3", "password": "storemgr"}).status_code == 401
    finally:
        close_app(app)
