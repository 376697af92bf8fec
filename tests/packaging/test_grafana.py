"""The Grafana dashboards: every panel's PromQL is valid (promtool parses it) and names only series
the services export (read from their own /metrics); the alert rules likewise."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml

from .conftest import PACKAGING, ServicePages

GRAFANA = PACKAGING / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
SERIES = re.compile(r"\b(comptoir_[a-z0-9_]+|up)\b")
# Prometheus's own series.
NOT_OURS = {"up"}
# Grafana's variables, as Grafana would substitute them.
VARIABLES = {"$__rate_interval": "1m", "$__range": "1d", "$__interval": "15s", "$service": "store"}


def expressions() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, expression) for every query of every dashboard."""
    found = []
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        panels = list(board["panels"])
        for panel in panels:
            panels.extend(panel.get("panels", []))  # rows hold panels
            for target in panel.get("targets", []):
                found.append((path.name, panel["title"], target["expr"]))
    return found


def substituted(expr: str) -> str:
    for name, value in sorted(VARIABLES.items(), key=lambda item: -len(item[0])):
        expr = expr.replace(name, value)
    assert "$" not in expr, f"unknown Grafana variable in {expr}"
    return expr


def test_the_dashboards_cover_the_chain_sync_and_the_services() -> None:
    titles = {json.loads(p.read_text())["title"] for p in DASHBOARDS}
    assert titles == {"Comptoir: the chain", "Comptoir: sync health per store",
                      "Comptoir: latency and errors per service"}
    queries = " ".join(expr for _, _, expr in expressions())
    for series in ("comptoir_sales_total", "comptoir_sales_net_cents_total", "comptoir_sync_pending_events",
                   "comptoir_sync_oldest_pending_age_seconds", "comptoir_store_last_contact_age_seconds",
                   "comptoir_sync_rejections_parked", "comptoir_http_request_duration_seconds_bucket",
                   "comptoir_http_requests_total"):
        assert series in queries, series


@pytest.fixture(scope="module")
def exported(service_pages: ServicePages) -> set[str]:
    return service_pages.series


def test_every_panel_names_only_series_the_services_export(exported) -> None:
    for board, title, expr in expressions():
        unknown = set(SERIES.findall(expr)) - exported - NOT_OURS
        assert not unknown, f"{board} / {title}: {sorted(unknown)} are not exported"


def test_every_panel_query_is_valid_promql(promtool, tmp_path) -> None:
    rules = {"groups": [{"name": "dashboards", "rules": [
        {"record": f"dashboard:query_{n}", "expr": substituted(expr)}
        for n, (_, _, expr) in enumerate(expressions())
    ]}]}
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump(rules))
    result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(expressions())} rules found" in result.stdout


def test_every_alert_names_only_series_the_services_export(exported) -> None:
    rules = yaml.safe_load((PACKAGING / "prometheus" / "rules.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            unknown = set(SERIES.findall(rule["expr"])) - exported - NOT_OURS
            assert not unknown, f"{rule['alert']}: {sorted(unknown)} are not exported"


def test_grafana_provisioning_points_at_prometheus_and_the_dashboards() -> None:
    source = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    (datasource,) = source["datasources"]
    assert datasource["type"] == "prometheus" and datasource["uid"] == "comptoir-prometheus"
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == "comptoir-prometheus", (path.name, panel["title"])
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "comptoir.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
