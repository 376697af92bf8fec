"""Both services side by side: head office on real PostgreSQL (the demo chain), a store on a real SQLite file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from head_office.app import create_app as create_head_office
from store_node.app import close_app
from store_node.app import create_app as create_store
from tests.head_office.conftest import (  # noqa: F401 - fixtures
    TEST_SECRET,
    db_session,
    demo_chain,
    ho_connection,
    ho_database,
    ho_engine,
    ho_sessions,
)
from tests.head_office.console_support import fast_demo_hashes  # noqa: F401
from tests.store_node.conftest import data_dir, make_config, seeded_template  # noqa: F401

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Service:
    """One running service in a test client, with a signed-in API token and a signed-in browser session."""

    name: str
    app: Any
    api_headers: dict[str, str]
    page_client: Any  # a test client whose cookie session is signed in

    @property
    def client(self) -> Any:
        return self.app.test_client()


def _api_token(client: Any, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/session", json={"username": username, "password": password})
    assert response.status_code in (200, 201), response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def page_sign_in(client: Any, username: str, password: str) -> None:
    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


@pytest.fixture
def head_office(demo_chain, pg_url, fast_demo_hashes, app_extra) -> Iterator[Service]:  # noqa: F811
    app = create_head_office({"DATABASE_URL": pg_url, "SECRET_KEY": TEST_SECRET, "TESTING": True,
                              **app_extra})
    page_client = app.test_client()
    page_sign_in(page_client, "manager", "manager")
    yield Service("head_office", app, _api_token(app.test_client(), "manager", "manager"), page_client)
    for name in ("comptoir_engine", "comptoir_payments_engine"):
        if name in app.extensions:
            app.extensions[name].dispose()


@pytest.fixture
def store(data_dir, app_extra) -> Iterator[Service]:  # noqa: F811
    app = create_store(make_config(data_dir, **app_extra))
    page_client = app.test_client()
    page_sign_in(page_client, "storemgr3", "storemgr")
    try:
        yield Service("store", app, _api_token(app.test_client(), "storemgr3", "storemgr"), page_client)
    finally:
        close_app(app)


@pytest.fixture
def app_extra() -> dict[str, Any]:
    """Extra settings for both services (override in a test)."""
    return {}


@pytest.fixture(params=["head_office", "store"])
def service(request) -> Service:
    return request.getfixturevalue(request.param)
