"""The console and the till load in Chromium with no Content-Security-Policy violation and no script error."""

from __future__ import annotations

import pytest

from tests.support import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def page(browser):
    """A page that obeys the Content-Security-Policy (the shared fixture lets tests evaluate strings)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def watch(page):
    problems: list[str] = []

    def on_console(msg):
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"{msg.text} ({msg.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def sign_in(page, base, username, password):
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")


def test_console_pages_load_with_no_csp_violation(head_office, page):
    problems = watch(page)
    with live_server(head_office.app) as base:
        sign_in(page, base, "manager", "manager")
        for path in ("/", "/reports", "/stock", "/replenishments", "/products", "/stores", "/domain",
                     "/api/docs"):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
        page.goto(base + "/replenishments")
        page.select_option("select[name=store]", index=1)  # the filter submits itself (console.js)
        page.wait_for_url("**store=*")
    assert problems == []


def test_till_pages_load_with_no_csp_violation(store, page):
    problems = watch(page)
    with live_server(store.app) as base:
        sign_in(page, base, "cashier3", "cashier")
        for path in ("/sell", "/sales", "/returns", "/stock", "/central-stock", "/restock", "/api/docs"):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
        page.goto(base + "/sell")
        page.fill("#code", "GRO-001")
        page.keyboard.press("Enter")
        page.wait_for_selector("#cart >> text=GRO-001")
    assert problems == []
