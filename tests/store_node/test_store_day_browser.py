"""A store's whole day in a real browser, in French and in English.

Open a shift with a counted float, sell by scanner, return by scanning the receipt, take cash
out, close with a count and print the Z report. The French receipt, return slip and Z report
are kept as screenshots (``COMPTOIR_TEST_ARTIFACTS``, else a temporary folder).
"""

from __future__ import annotations

import re

import pytest

from common import demo_data
from tests.support import artifacts
from tests.support import live_server as serve

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.parametrize("app_config", [{"REQUIRE_SHIFT": True}])]

BARCODES = {p["sku"]: p["barcode"] for p in demo_data.products()}

WORDS = {
    "fr": {"sign_in": "Se connecter", "open": "Ouvrez un quart", "rounding": "Arrondi au comptant",
           "gst": "No de TPS", "register": "Caisse 1", "slip": "BORDEREAU DE RETOUR",
           "z": "RAPPORT Z", "short": "Manque", "total": "10,48\xa0$", "paid_cash": "10,50\xa0$",
           "moved": "Mouvement de fonds enregistré.", "change": "Monnaie à remettre 9,50\xa0$",
           "one_cent": "0,01\xa0$"},
    "en": {"sign_in": "Sign in", "open": "Open a shift on this register", "rounding": "Cash rounding",
           "gst": "GST no.", "register": "Register 1", "slip": "RETURN SLIP",
           "z": "Z REPORT", "short": "Short", "total": "$10.48", "paid_cash": "$10.50",
           "moved": "Cash movement recorded.", "change": "Change due $9.50", "one_cent": "$0.01"},
}


@pytest.fixture
def till(app):
    with serve(app) as base:
        yield base


def scanner(page, code: str) -> None:
    page.wait_for_timeout(200)
    page.keyboard.type(code, delay=2)
    page.keyboard.press("Enter")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_whole_day_at_the_till(browser, till, store, language) -> None:
    words = WORDS[language]
    context = browser.new_context(viewport={"width": 1024, "height": 768},
                                  locale="fr-CA" if language == "fr" else "en-CA")
    page = context.new_page()
    page.set_default_timeout(10_000)
    folder = artifacts()
    try:
        page.goto(till + "/sell")
        assert words["sign_in"] in page.inner_text("main")
        page.fill("input[name=username]", "cashier3")
        page.fill("input[name=password]", "cashier")
        page.click("button[type=submit]")

        # Opening: the till asks for a shift; the float is counted: 5 x 20 $ + 4 x 5 $ = 120 $
        page.wait_for_url(re.compile(r".*/shift\?needed=1$"))
        assert words["open"] in page.inner_text("main")
        page.fill("#open_2000", "5")
        page.fill("#open_500", "4")
        page.click("#open-shift")
        page.wait_for_url(re.compile(r".*/sell$"))

        # Selling by scanner: milk 5.89 (exempt) + chips 3.99 (taxed) = 10.48, 10.50 in cash
        scanner(page, BARCODES["GRO-001"])
        page.wait_for_selector("table.lines tbody tr:nth-child(1)")
        scanner(page, BARCODES["SNK-001"])
        page.wait_for_selector("table.lines tbody tr:nth-child(2)")
        assert page.inner_text("#total") == words["total"]
        page.keyboard.press("F4")
        page.keyboard.type("20")
        assert page.inner_text("#change-preview") == words["change"]  # 20 - 10.50, cash rounded
        page.click("#pay-cash")
        page.wait_for_url(re.compile(r".*/receipt/.*"))
        receipt = page.inner_text("article.receipt")
        for text in ("Laval", "1600, boulevard Le Corbusier", words["gst"], demo_data.GST_NUMBER,
                     demo_data.QST_NUMBER, words["register"], "cashier3", "S03-000001",
                     words["rounding"], words["paid_cash"]):
            assert text in receipt, text
        assert page.locator("article.receipt svg.code128").count() == 1
        page.emulate_media(media="print")
        if language == "fr":
            page.locator("article.receipt").screenshot(path=str(folder / "receipt-fr.png"))
        page.emulate_media(media="screen")

        # Returning by scanning the receipt's barcode: the cursor waits on the first quantity
        page.goto(till + "/returns")
        scanner(page, "S03-000001")
        page.wait_for_selector("input[name=qty_1]")
        assert page.evaluate("document.activeElement.name") == "qty_1"
        page.keyboard.type("1")
        page.fill("#return-reason", "lait tourné" if language == "fr" else "spoiled milk")
        page.check("#refund-tender input[value=cash]")
        page.click("form[method=post][action$='/returns'] button.primary")
        page.wait_for_selector("#return-slip")
        slip = page.inner_text("#return-slip")
        assert words["slip"] in slip and "S03-000001" in slip and ("lait tourné" in slip or "spoiled milk" in slip)
        assert words["rounding"] in slip and page.inner_text("#slip-rounding") == words["one_cent"]
        if language == "fr":
            page.emulate_media(media="print")
            page.locator("#return-slip").screenshot(path=str(folder / "return-slip-fr.png"))
            page.emulate_media(media="screen")

        # Cash out: 10 $ to the florist
        page.goto(till + "/shift")
        page.fill("#cash-amount", "10")
        page.fill("#cash-reason", "fleuriste" if language == "fr" else "florist")
        page.click("#cash-form button[type=submit]")
        page.wait_for_selector(f"text={words['moved']}")
        # The drawer should hold 120 + 10.50 - 5.90 (milk refunded in cash, 5.89 rounded) - 10
        # = 114.60 $

        # Closing with a count that is 1.60 $ short: 5 x 20 $ + 2 x 5 $ + 3 x 1 $
        page.fill("#close_2000", "5")
        page.fill("#close_500", "2")
        page.fill("#close_100", "3")
        page.click("#close-shift")
        page.wait_for_selector("#shift-report")
        z = page.inner_text("#shift-report")
        assert words["z"] in z and words["short"] in z
        shift = store.rows("SELECT cash_expected_cents, cash_counted_cents, over_short_cents FROM shifts")[0]
        assert shift == (12000 + 1050 - 590 - 1000, 11300, 11300 - (12000 + 1050 - 590 - 1000))
        page.emulate_media(media="print")
        assert page.locator(".receipt-actions").is_hidden()  # the printout is the report alone
        if language == "fr":
            page.locator("#shift-report").screenshot(path=str(folder / "z-report-fr.png"))
        events = [row[0] for row in store.rows("SELECT type FROM outbox ORDER BY seq")]
        assert events == ["shift_opened", "sale", "return", "cash_movement", "shift_closed"]
    finally:
        context.close()
    if language == "fr":
        for name in ("receipt-fr.png", "return-slip-fr.png", "z-report-fr.png"):
            assert (folder / name).stat().st_size > 1000, name
