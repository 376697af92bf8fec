"""Fixtures shared by every test package.

- ``pg_url``: a real PostgreSQL for the session: ``COMPTOIR_TEST_DATABASE_URL``
  when set (CI), else an embedded one (pgserver) started once. The suite runs on
  pytest-xdist's workers: each worker gets a database of its own (``<name>_gw0``...
  beside the given one, or its own embedded server).
- Passwords are hashed at a lower scrypt cost in tests (``common.security.PASSWORD_METHOD``).
- ``browser`` / ``page``: Playwright driving Debian's Chromium. Skipped with a
  visible reason when no Chromium is found, unless ``COMPTOIR_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from common import security
from head_office.db import normalise_url

# scrypt at N=2^10 instead of 2^15 for every password this process hashes (the same code path:
# a hash names its cost, and verification reads it from the hash). A sign-in then costs about
# 5 ms instead of 100 to 250 ms; the suite signs in about a thousand times.
security.PASSWORD_METHOD = "scrypt:1024:8:1"

CHROMIUM = os.environ.get("COMPTOIR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def xdist_worker() -> str | None:
    """The pytest-xdist worker running this process (``gw0``, ``gw1``...), None when serial."""
    return os.environ.get("PYTEST_XDIST_WORKER")


@contextmanager
def worker_database(url: str, worker: str) -> Iterator[str]:
    """A database of its own for one xdist worker, beside ``url``'s on the same server: made
    empty when the worker starts, dropped when it ends."""
    from sqlalchemy.engine import make_url

    base = make_url(normalise_url(url))
    name = f"{base.database}_{worker}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL (postgresql+psycopg://) of an empty database for this test session (for this
    worker's, under pytest-xdist: each worker has a database of its own)."""
    url = os.environ.get("COMPTOIR_TEST_DATABASE_URL")
    worker = xdist_worker()
    if url:
        if worker is None:
            yield normalise_url(url)
        else:
            with worker_database(url, worker) as own:
                yield own
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        folder = tempfile.mkdtemp(prefix="comptoir-pg-")
        server = pgserver.get_server(folder, cleanup_mode="stop")
    try:
        server.psql("CREATE DATABASE comptoir_test;")
        yield normalise_url(server.get_uri("comptoir_test"))
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM}: browser tests skipped (apt-get install chromium)"
        if os.environ.get("COMPTOIR_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + ", and COMPTOIR_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    # The tests' own probes (wait_for_function) are evaluated strings: the pages' Content-Security-Policy
    # forbids that for page scripts, not for the test (tests/edge/test_csp_browser.py keeps the CSP on).
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()
