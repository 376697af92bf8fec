"""A till that never loses a scan: a scanner's burst (keys 2 ms apart, then Enter) after every kind of edit."""

from __future__ import annotations

import re

import pytest

from common import demo_data
from tests.support import artifacts
from tests.support import live_server as serve

from .test_till_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BARCODES = {p["sku"]: p["barcode"] for p in demo_data.products()}


@pytest.fixture
def till(app):
    with serve(app) as base:
        yield base


def scanner(page, code: str) -> None:
    """What a barcode scanner does: the code's characters 2 ms apart, then Enter.

    The cashier's own keys came at least a moment before (a person types slower than a
    scanner), which is what tells the two apart.
    """
    page.wait_for_timeout(200)
    page.keyboard.type(code, delay=2)
    page.keyboard.press("Enter")


def wait_lines(page, count: int) -> None:
    try:
        page.wait_for_function(
            f"document.querySelectorAll('table.lines tbody tr').length === {count}"
        )
    except Exception:  # say where the scan went
        print("focus:", page.evaluate("document.activeElement.outerHTML.slice(0, 200)"))
        print("cart:", page.inner_text("#cart")[:600] if page.locator("#cart").count() else "none")
        raise


def skus_in_cart(page) -> list[str]:
    return [text.split(" ")[0] for text in page.locator("table.lines tbody tr td:first-child .muted.small").all_inner_texts()]


def test_a_scan_lands_in_the_cart_whatever_the_cashier_touched_last(page, till, store) -> None:
    sign_in(page, till)
    scanner(page, BARCODES["GRO-001"])
    wait_lines(page, 1)

    # 1. after typing a quantity (the field still has the focus)
    page.click("table.lines tbody tr:nth-child(1) input.qty")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    scanner(page, BARCODES["SNK-002"])
    wait_lines(page, 2)
    page.wait_for_function("document.querySelector('table.lines tbody tr input.qty').value === '2'")

    # 2. after typing a discount
    page.click("table.lines tbody tr:nth-child(2) input.disc")
    page.keyboard.type("5%")
    scanner(page, BARCODES["GRO-002"])
    wait_lines(page, 3)

    # 3. after removing a line (the focus was on the remove button)
    page.click("table.lines tbody tr:nth-child(3) button.icon")
    wait_lines(page, 2)
    scanner(page, BARCODES["GRO-003"])
    wait_lines(page, 3)

    # 4. after closing a dialog (the "empty the cart?" question, answered no)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button.danger")
    scanner(page, BARCODES["SNK-001"])
    wait_lines(page, 4)

    # 5. on the payment screen, cash amount half typed
    page.keyboard.press("F4")
    page.keyboard.type("5")
    scanner(page, BARCODES["GRO-004"])
    wait_lines(page, 5)
    assert sorted(skus_in_cart(page)) == sorted(["GRO-001", "SNK-002", "GRO-003", "SNK-001", "GRO-004"])
    assert page.evaluate("document.activeElement.id") == "code"

    # 6. on the receipt screen: a scan starts the next sale with that item
    page.click("#pay-card")
    page.wait_for_url(re.compile(r".*/receipt/.*"))
    scanner(page, BARCODES["GRO-005"])
    page.wait_for_url(re.compile(r".*/sell$"))
    wait_lines(page, 1)
    assert skus_in_cart(page) == ["GRO-005"]
    assert store.scalar("SELECT count(*) FROM sales") == 1
    lines = store.rows("SELECT sku, qty FROM sale_lines ORDER BY line_no")
    assert ("GRO-001", 2) in lines and len(lines) == 5


def test_eight_cart_lines_fit_a_1024x768_till_with_pay_in_view(browser, till) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)  # its probes eval
    page = context.new_page()
    try:
        sign_in(page, till)
        for n, sku in enumerate(["GRO-001", "GRO-002", "GRO-003", "GRO-004", "GRO-005", "SNK-001",
                                 "SNK-002", "SNK-003"], start=1):
            scanner(page, BARCODES[sku])
            wait_lines(page, n)
        for button in ("#pay-cash", "#pay-card"):
            box = page.locator(button).bounding_box()
            assert box is not None and box["y"] + box["height"] <= 768, (button, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024
        nav = page.locator("header.topbar").bounding_box()
        assert nav is not None and nav["height"] < 60  # the menu stays on one line
        page.screenshot(path=str(artifacts() / "till-1024x768-eight-lines.png"))
    finally:
        context.close()
