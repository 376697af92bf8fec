"""A customer buys two products in the browser, in French (Playwright driving Chromium)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from head_office.models import Order
from tests.support import live_server

from .conftest import ledger_rows, levels

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_customer_signs_up_fills_a_cart_and_pays_in_french(app, browser, db_session, stocked):
    syrup = stocked(on_hand=6, name="Sirop d'érable", price_cents=1299, category="Épicerie")
    cheese = stocked(on_hand=2, name="Fromage en grains", price_cents=650, tax_class="exempt", category="Épicerie")
    context = browser.new_context(locale="fr-CA", extra_http_headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        with live_server(app.wsgi_app) as base:
            page.goto(base + "/shop/signup")
            assert page.locator("h1").inner_text() == "Créer un compte"
            page.get_by_label("Nom").fill("Léa Tremblay")
            page.get_by_label("Courriel").fill("lea@example.com")
            page.get_by_label("Mot de passe").fill("motdepasse-1")
            page.get_by_role("button", name="Créer un compte").click()
            assert "Bienvenue" in page.locator(".flash").inner_text()

            syrup_card = page.locator(f"article[data-sku='{syrup.sku}']")
            assert "6 en stock" in syrup_card.inner_text()
            syrup_card.get_by_label("Quantité").fill("2")
            syrup_card.get_by_role("button", name="Ajouter au panier").click()
            page.locator(f"article[data-sku='{cheese.sku}']").get_by_role("button", name="Ajouter au panier").click()

            page.get_by_role("link", name="Panier").click()
            assert page.locator("h1").inner_text() == "Panier"
            totals = page.locator("table.totals").inner_text()
            assert "TPS" in totals and "TVQ" in totals
            # 2 x 12,99 + 6,50 = 32,48; TPS 1,30 and TVQ 2,59 on the syrup only.
            assert page.locator("#total").inner_text().replace("\xa0", " ") == "36,37 $"

            page.get_by_label("Numéro de carte").fill("4242 4242 4242 4242")
            page.get_by_label("Mois d'expiration").fill("12")
            page.get_by_label("Année d'expiration").fill("2099")
            page.get_by_label("Code de sécurité").fill("123")
            page.locator("#pay").click()

            assert "Merci" in page.locator(".flash").inner_text()
            assert page.locator("#order-status").inner_text() == "confirmée"
            assert page.locator("#order-lines tbody tr").count() == 2

            page.get_by_role("link", name="Mes commandes").click()
            assert "confirmée" in page.locator("#orders").inner_text()
    finally:
        context.close()
    order = db_session.scalar(select(Order))
    assert order.status == "confirmed" and order.total_cents == 3637
    assert levels(db_session, syrup) == {"on_hand": 6, "reserved": 2}
    assert levels(db_session, cheese) == {"on_hand": 2, "reserved": 1}
    assert ledger_rows(db_session) == [("capture", 3637)]
