"""Fixtures for the deployment files: the Prometheus tools (Debian's ``prometheus`` package)."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from head_office.app import create_app as create_head_office
from store_node.app import close_app
from store_node.app import create_app as create_store
from store_node.setup import init_store
from tests.head_office.conftest import ho_database  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def require_tool(name: str) -> str:
    """The tool's path; skips (or fails, when COMPTOIR_REQUIRE_PROMETHEUS=1) without it."""
    path = shutil.which(name)
    if path is None:
        reason = f"no {name} on PATH: Prometheus tests skipped (apt-get install prometheus)"
        if os.environ.get("COMPTOIR_REQUIRE_PROMETHEUS") == "1":
            pytest.fail(reason + ", and COMPTOIR_REQUIRE_PROMETHEUS=1")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def promtool() -> str:
    return require_tool("promtool")


@pytest.fixture(scope="session")
def prometheus_binary() -> str:
    return require_tool("prometheus")


@dataclass
class ServicePages:
    """What the two services serve, read from the apps themselves."""

    series: set[str]  # every sample name their /metrics can carry
    routes: dict[str, set[str]]  # service -> URL rules


def family_names(page: str) -> set[str]:
    """Every sample name a /metrics page can carry, from its TYPE lines (a labelled series with no
    sample yet is still declared) and its samples."""
    names: set[str] = set()
    for match in re.finditer(r"^# TYPE (\S+) (\S+)$", page, re.M):
        name, kind = match.groups()
        if kind == "counter":
            names.add(name if name.endswith("_total") else name + "_total")
        elif kind == "histogram":
            names.update(name + suffix for suffix in ("_bucket", "_sum", "_count"))
        else:
            names.add(name)
    names.update(re.findall(r"^([a-z_]+)[{ ]", page, re.M))
    return names


@pytest.fixture(scope="session")
def service_pages(ho_database, pg_url, tmp_path_factory) -> ServicePages:  # noqa: F811
    head_office = create_head_office({"DATABASE_URL": pg_url, "SECRET_KEY": "packaging", "TESTING": True})
    try:
        series = family_names(head_office.test_client().get("/metrics").get_data(as_text=True))
        routes = {"head_office": {rule.rule for rule in head_office.url_map.iter_rules()}}
    finally:
        head_office.extensions["comptoir_engine"].dispose()
    folder = tmp_path_factory.mktemp("store")
    init_store(folder, 1, "http://127.0.0.1:9", "packaging-token")
    import sync.monitoring  # noqa: F401 - the sync jobs' series, served by the store node

    store = create_store({"DATA_DIR": str(folder), "TESTING": True})
    try:
        series |= family_names(store.test_client().get("/metrics").get_data(as_text=True))
        routes["store"] = {rule.rule for rule in store.url_map.iter_rules()}
    finally:
        close_app(store)
    return ServicePages(series, routes)
