"""Fixtures shared by every test package.

- ``pg_url``: a real PostgreSQL for the session: ``COMPTOIR_TEST_DATABASE_URL``
  when set (CI), else an embedded one (pgserver) started once.
- ``browser`` / ``page``: Playwright driving Debian's Chromium. Skipped with a
  visible reason when no Chromium is found, unless ``COMPTOIR_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from head_office.db import normalise_url

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


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL (postgresql+psycopg://) of an empty database for this test session."""
    url = os.environ.get("COMPTOIR_TEST_DATABASE_URL")
    if url:
        yield normalise_url(url)
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
