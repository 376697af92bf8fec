"""The till in a real browser (Playwright driving Chromium): what a cashier does."""

from __future__ import annotations

import re

import pytest

from common import demo_data
from tests.support import live_server as serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BARCODES = {p["sku"]: p["barcode"] for p in demo_data.products()}


@pytest.fixture
def till(app):
    with serve(app) as base:
        yield base


def sign_in(page, base: str, username: str = "cashier3", password: str = "cashier") -> None:
    page.goto(base + "/sell")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/sell$"))


def scan(page, code: str, expected_lines: int) -> None:
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"table.lines tbody tr:nth-child({expected_lines})")


def test_cashier_scans_two_products_pays_cash_and_gets_change(page, till, store) -> None:
    sign_in(page, till)
    assert page.evaluate("document.activeElement.id") == "code"
    scan(page, BARCODES["GRO-001"], 1)  # milk 5.89, exempt
    scan(page, BARCODES["SNK-002"], 2)  # chocolate 3.49, taxable
    # subtotal 9.38; GST 0.1745 -> 0.17; QST 0.3481 -> 0.35; total 9.90
    assert page.inner_text("#subtotal") == "$9.38"
    assert page.inner_text("#gst") == "$0.17" and page.inner_text("#qst") == "$0.35"
    assert page.inner_text("#total") == "$9.90"
    page.reload()  # the cart survives a reload
    assert page.inner_text("#total") == "$9.90"
    page.fill("#cash", "20")
    assert "Change due $10.10" in page.inner_text("#change-preview")
    page.click("#pay-cash")
    page.wait_for_url(re.compile(r".*/receipt/.*"))
    assert page.inner_text("#change-due") == "$10.10"
    receipt = page.inner_text("article.receipt")
    assert "S03-000001" in receipt and "Whole milk 2 L" in receipt and "$9.90" in receipt
    assert store.scalar("SELECT count(*) FROM outbox WHERE type = 'sale'") == 1
    page.click("#new-sale")
    page.wait_for_url(re.compile(r".*/sell$"))
    assert "The cart is empty" in page.inner_text("#cart")


def test_search_by_name_with_the_keyboard_and_refusal_messages(page, till, store) -> None:
    store.add_product("T-RARE", 1250, on_hand=1, name="Rare teapot")
    sign_in(page, till)
    page.keyboard.type("teapot")
    page.wait_for_selector("[data-result]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Added Rare teapot")
    page.fill("table.lines input.qty", "3")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=only 1 in stock")
    page.click("#pay-card")
    page.wait_for_selector(".alert.error")
    assert "Not enough Rare teapot (T-RARE) in stock: only 1 left, 3 asked." in page.inner_text(
        ".alert.error")
    assert store.scalar("SELECT count(*) FROM sales") == 0
    page.fill("#code", "9999999999999")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=No product with barcode or SKU")


def test_cashier_makes_a_partial_return(page, till, cashier) -> None:
    sale = cashier.sell([{"sku": "GRO-002", "qty": 2}, {"sku": "SNK-001", "qty": 1}],
                        [{"tender": "cash", "amount_cents": 5000}]).json
    sign_in(page, till)
    page.click("nav >> text=Returns")
    page.fill("input[name=receipt]", sale["receipt_number"])
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Confirm the return")
    assert page.evaluate("document.activeElement.name") == "qty_1"  # the cursor waits on the first line
    page.fill("input[name=qty_1]", "1")  # one dozen eggs of two, exempt 6.49
    page.fill("#return-reason", "broken eggs")
    page.click("text=Confirm the return")
    page.wait_for_selector("#refund")
    assert page.inner_text("#refund") == "$6.49"
    assert "$6.50 in cash" in page.inner_text(".alert.ok")  # 6.49 owed, rounded for cash
    page.goto(till + f"/returns?receipt={sale['receipt_number']}")
    page.fill("input[name=qty_1]", "1")
    page.fill("input[name=qty_2]", "1")
    page.fill("#return-reason", "changed their mind")
    page.click("text=Confirm the return")
    page.wait_for_selector("#refund")
    # eggs 6.49 + chips 3.99 + GST 0.20 + QST 0.40 = 11.08 ; total sale 17.57
    assert page.inner_text("#refund") == "$11.08"
    page.goto(till + f"/returns?receipt={sale['receipt_number']}")
    assert page.locator("text=all returned").count() == 2


def test_cashier_requests_a_restock_with_the_suggested_quantity(page, till, store) -> None:
    on_hand = store.on_hand("GRO-005")
    sign_in(page, till)
    page.click("nav >> text=Restock")
    page.fill("input[name=sku]", "GRO-005")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Send the request")
    assert page.input_value("input[name=qty]") == str(30 - on_hand)
    page.fill("input[name=qty]", "12")
    page.click("text=Send the request")
    page.wait_for_selector("text=Requested 12 × Aged cheddar 400 g from head office.")
    assert "requested" in page.inner_text("#requests")
    assert "1 event waiting" in page.inner_text("#sync-banner")
    assert store.events("restock_request")[0]["payload"]["qty"] == 12


def test_central_stock_page_says_never_received(page, till) -> None:
    sign_in(page, till)
    page.click("nav >> text=Central stock")
    assert "never received" in page.inner_text("#as-of")
