"""Prometheus for real: Debian's prometheus scrapes a running chain (head office and two store
nodes); the series exist, and when a store node stops the store-silent alert goes pending."""

from __future__ import annotations

import subprocess
import time

import pytest
import requests
import yaml

from common import prometheus
from store_node.db import open_existing
from store_node.setup import init_store
from tests.packaging.conftest import require_tool
from tests.support import free_port

from .processes import Service, base_env

pytestmark = pytest.mark.slow

SILENT_AFTER_S = 10


def query(url: str, expr: str) -> list[dict]:
    reply = requests.get(url + "/api/v1/query", params={"query": expr}, timeout=10).json()
    assert reply["status"] == "success", reply
    return reply["data"]["result"]


def stocked(folder) -> int:
    db = open_existing(folder)
    try:
        return int(db.conn.execute("SELECT count(*) FROM stock WHERE on_hand > 0").fetchone()[0])
    finally:
        db.close()


def wait_for(what: str, check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def test_prometheus_scrapes_the_chain_and_a_stopped_store_goes_pending(chain_db, tokens, pg_url, tmp_path):
    binary = require_tool("prometheus")
    head_office = Service(
        ["head-office", "serve", "--workers", "1"], free_port(),
        base_env(COMPTOIR_DATABASE_URL=pg_url, COMPTOIR_SECRET_KEY="prometheus"), tmp_path / "ho.log",
    ).start()
    stores: dict[int, Service] = {}
    process = None
    try:
        for n in (1, 2):
            folder = tmp_path / f"S{n:02d}"
            init_store(folder, n, head_office.url, tokens[n])
            stores[n] = Service(
                ["store", "serve", "--data-dir", str(folder)], free_port(),
                base_env(COMPTOIR_DATA_DIR=str(folder), COMPTOIR_PUSH_INTERVAL_S="1",
                         COMPTOIR_PULL_INTERVAL_S="1"),
                tmp_path / f"S{n:02d}.log",
            ).start()

        # The packaging rules, with the store-silent threshold and hold shortened for the test.
        rules = yaml.safe_load(prometheus.RULES.read_text())
        for group in rules["groups"]:
            for rule in group["rules"]:
                if rule["alert"] == "StoreSilent":
                    assert "> 900" in rule["expr"]
                    rule["expr"] = rule["expr"].replace("> 900", f"> {SILENT_AFTER_S}")
                    rule["for"] = "10m"  # stays pending for the length of the test
        test_rules = tmp_path / "rules-test.yml"
        test_rules.write_text(yaml.safe_dump(rules))
        config = prometheus.scrape_config(
            [f"127.0.0.1:{head_office.port}"],
            {f"S{n:02d}": f"127.0.0.1:{service.port}" for n, service in stores.items()},
            [], interval_s=1,
        )
        config_path = prometheus.write_config(tmp_path / "prometheus", config, rules=test_rules)
        listen = f"127.0.0.1:{free_port()}"
        url = f"http://{listen}"
        log = open(tmp_path / "prometheus.log", "w")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            prometheus.command(binary, config_path, tmp_path / "prometheus" / "data", listen),
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        prometheus.wait_ready(url, process)

        wait_for("every target up", lambda: len(query(url, "up == 1")) == 3)
        loaded = requests.get(url + "/api/v1/rules", timeout=10).json()["data"]["groups"]
        assert {rule["name"] for group in loaded for rule in group["rules"]} >= {"StoreSilent", "SyncRejection"}

        # A sale at store 1 shows in its counters and, once pushed, in head office's.
        signed = requests.post(stores[1].url + "/api/v1/session", timeout=10,
                               json={"username": "cashier1", "password": "cashier"}).json()
        wait_for("the store seeded by sync", lambda: stocked(tmp_path / "S01") > 0)
        sale = requests.post(stores[1].url + "/api/v1/sales", timeout=10,
                             headers={"Authorization": f"Bearer {signed['token']}"},
                             json={"lines": [{"sku": "SNK-001", "qty": 1}],
                                   "payments": [{"tender": "cash", "amount_cents": 1000}]})
        assert sale.status_code == 201, sale.text
        wait_for("the sale at the store", lambda: query(
            url, 'comptoir_sales_total{job="comptoir-stores", store="S01", store_id="1"} == 1'))
        wait_for("the sale at head office", lambda: query(
            url, 'comptoir_sales_total{job="comptoir-head-office", service="head_office", store_id="1"} == 1'))
        for series in ("comptoir_sync_pending_events", "comptoir_sync_oldest_pending_age_seconds",
                       'comptoir_sync_push_total{outcome="ok"}', 'comptoir_sync_pull_total{outcome="ok"}',
                       "comptoir_store_last_contact_age_seconds", "comptoir_replenishments",
                       "comptoir_sync_rejections_parked", "comptoir_db_pool_in_use",
                       'comptoir_http_request_duration_seconds_count{endpoint="/api/v1/sales", status="201"}'):
            assert query(url, series), f"{series} is not in Prometheus"
        assert {r["metric"]["store_id"] for r in query(url, "comptoir_sync_pending_events")} == {"1", "2"}

        stores[2].stop()
        wait_for("store 2 unreachable", lambda: query(url, 'up{store="S02"} == 0'))
        def silent() -> dict[str, str]:
            alerts = requests.get(url + "/api/v1/alerts", timeout=10).json()["data"]["alerts"]
            return {a["labels"]["store_id"]: a["state"] for a in alerts if a["labels"]["alertname"] == "StoreSilent"}

        states = wait_for("StoreSilent pending for store 2", lambda: "2" in silent() and silent())
        assert states["2"] == "pending"
        assert "1" not in states  # store 1 still calls every second
        # Stores 3 to 5 have tokens but never called: silent too, counted from their token.
        assert set(states) == {"2", "3", "4", "5"}
    finally:
        if process is not None:
            process.terminate()
            process.wait(20)
        for service in stores.values():
            service.stop()
        head_office.stop()
