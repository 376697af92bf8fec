"""The till speaks French and English: the store's default, Accept-Language, formats, API messages."""

from __future__ import annotations

import pytest

from .test_till_pages import login


def test_pages_follow_accept_language(client) -> None:
    login(client)
    french = client.get("/sell", headers={"Accept-Language": "fr-CA,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr">' in french
    assert "Panier" in french and "Le panier est vide" in french and "TPS (5 %)" in french
    assert "0,00\xa0$" in french and "Vendre" in french
    english = client.get("/sell", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Cart" in english and "GST (5%)" in english and "$0.00" in english


@pytest.mark.parametrize("app_config", [{"LANGUAGE": "fr"}])
def test_the_store_default_applies_when_the_browser_names_no_known_language(client) -> None:
    login(client)
    page = client.get("/sell", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Panier" in page and "Se déconnecter" in page
    assert "Cart" in client.get("/sell?lang=en").get_data(as_text=True)


def test_api_messages_follow_accept_language_and_codes_stay(client) -> None:
    french = client.post("/api/v1/sales", json={}, headers={"Accept-Language": "fr"})
    english = client.post("/api/v1/sales", json={}, headers={"Accept-Language": "en"})
    assert french.status_code == english.status_code == 401
    assert french.json["code"] == english.json["code"]
    missing = client.get("/api/v1/nothing-here", headers={"Accept-Language": "fr"})
    assert missing.status_code == 404 and missing.json["message"] == "Rien ici."


def test_offline_banner_speaks_the_cashiers_words(client) -> None:
    login(client)
    page = client.get("/sell", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Hors ligne : les ventes sont gardées et partiront au retour du lien" in page
    assert "0 opération en attente" in page
    assert "http://" not in page.split('id="sync-banner"')[1].split("</div>")[0]
    assert "Error" not in page.split('id="sync-banner"')[1].split("</div>")[0]


def test_a_cashiers_language_is_saved_with_the_user_and_followed_everywhere(client, store) -> None:
    from .test_till_pages import csrf

    login(client)
    token = csrf(client, "/sell")
    chosen = client.post("/language", data={"csrf_token": token, "language": "fr", "next": "/sales"},
                         headers={"Accept-Language": "en"})
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/sales")
    assert store.scalar("SELECT language FROM users WHERE username = 'cashier3'") == "fr"
    page = client.get("/sell", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "Panier" in page  # the saved choice wins over the browser
    client.post("/language", data={"csrf_token": token, "language": "klingon"})
    assert store.scalar("SELECT language FROM users WHERE username = 'cashier3'") == "fr"


def test_domain_errors_speak_the_callers_language(cashier, store) -> None:
    body = {"lines": [{"sku": "NOPE", "qty": 1}], "payments": [{"tender": "cash", "amount_cents": 100}]}
    french = cashier.client.post("/api/v1/sales", json=body,
                                 headers={**cashier.headers, "Accept-Language": "fr-CA"})
    english = cashier.client.post("/api/v1/sales", json=body,
                                  headers={**cashier.headers, "Accept-Language": "en"})
    assert french.json["code"] == english.json["code"] == "unknown_product"
    assert french.json["message"] == "Produit 'NOPE' inconnu."
    assert english.json["message"] == "Unknown product 'NOPE'."
    store.add_product("T-ONE", 500, on_hand=1)
    short = cashier.client.post("/api/v1/sales", headers={**cashier.headers, "Accept-Language": "fr"},
                                json={"lines": [{"sku": "T-ONE", "qty": 3}]})
    assert short.status_code == 409
    assert short.json["message"] == "Pas assez de Test T-ONE (T-ONE) en stock : seulement 1, 3 demandés."


def test_a_reprint_comes_out_in_the_language_the_receipt_was_printed_in(client, cashier, store) -> None:
    from .test_till_pages import csrf

    store.add_product("T-LANG", 500, on_hand=5)
    sold = cashier.client.post(
        "/api/v1/sales", json={"lines": [{"sku": "T-LANG", "qty": 1}],
                               "payments": [{"tender": "card", "amount_cents": 575}]},
        headers={**cashier.headers, "Accept-Language": "fr-CA"})
    assert sold.status_code == 201 and sold.json["receipt_language"] == "fr"
    assert store.scalar("SELECT receipt_language FROM sales WHERE id = ?", (sold.json["id"],)) == "fr"
    assert store.events("sale")[-1]["payload"]["receipt_language"] == "fr"

    login(client)
    reprint = client.get(f"/receipt/{sold.json['receipt_number']}",
                         headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sous-total" in reprint and "TPS 5" in reprint and "Merci" in reprint
    assert "5,75\xa0$" in reprint and "Subtotal" not in reprint

    # the customer asks for it in English: printed, and reprinted, in English from now on
    token = csrf(client, "/sell")
    switched = client.post(f"/receipt/{sold.json['id']}/language",
                           data={"csrf_token": token, "language": "en"})
    assert switched.status_code == 302
    assert store.scalar("SELECT receipt_language FROM sales WHERE id = ?", (sold.json["id"],)) == "en"
    reprint = client.get(f"/receipt/{sold.json['id']}", headers={"Accept-Language": "fr"})
    assert "Subtotal" in reprint.get_data(as_text=True) and "$5.75" in reprint.get_data(as_text=True)
    client.post(f"/receipt/{sold.json['id']}/language", data={"csrf_token": token, "language": "de"})
    assert store.scalar("SELECT receipt_language FROM sales WHERE id = ?", (sold.json["id"],)) == "en"


def test_the_fields_at_fault_speak_the_callers_language(cashier, store) -> None:
    """A refused sale's ``errors`` in French for a French caller: the code's notes and
    marshmallow's, beside the same keys and codes in English."""
    store.add_product("T-TWO", 500, on_hand=5)
    over = {"lines": [{"sku": "T-TWO", "qty": 1}], "payments": [{"tender": "card", "amount_cents": 10_000}]}
    asked = {"lines": [{"sku": "T-TWO", "qty": 0}], "payments": [{"tender": "cheque", "amount_cents": 1}]}
    for body, french_notes in (
        (over, {"payments": ["La carte paie plus que le total de la vente."]}),
        (asked, {"lines": {"0": {"qty": ["La quantité doit être entre 1 et 10000."]}},
                 "payments": {"0": {"tender": ["Mode de paiement inconnu : comptant ou carte."]}}}),
    ):
        french = cashier.client.post("/api/v1/sales", json=body,
                                     headers={**cashier.headers, "Accept-Language": "fr"})
        english = cashier.client.post("/api/v1/sales", json=body,
                                      headers={**cashier.headers, "Accept-Language": "en"})
        assert french.status_code == english.status_code and french.json["code"] == english.json["code"]
        assert french.json["errors"] == french_notes, french.json
        assert english.json["errors"] != french.json["errors"]
        if french.json["code"] == "validation_error":  # the message names the fields at fault in French too
            assert "Mode de paiement inconnu" in french.json["message"]
            assert "Unknown tender" not in french.json["message"]


def test_amounts_in_a_message_are_written_the_readers_way(cashier, store) -> None:
    store.add_product("T-SIX", 575, on_hand=5, tax_class="exempt")
    body = {"lines": [{"sku": "T-SIX", "qty": 1}], "payments": [{"tender": "card", "amount_cents": 10_000}]}
    french = cashier.client.post("/api/v1/sales", json=body, headers={**cashier.headers, "Accept-Language": "fr"})
    english = cashier.client.post("/api/v1/sales", json=body, headers={**cashier.headers, "Accept-Language": "en"})
    assert "(100,00\xa0$)" in french.json["message"] and "(5,75\xa0$)" in french.json["message"]
    assert "$" not in french.json["message"].replace("\xa0$", "")
    assert "($100.00)" in english.json["message"] and "($5.75)" in english.json["message"]


def test_a_store_managers_stock_count_and_restock_are_confirmed_in_french(client, store) -> None:
    from .test_till_pages import csrf

    store.add_product("T-CNT", 300, on_hand=3, name="Biscuits")
    login(client, "storemgr3", "storemgr")
    french = {"Accept-Language": "fr"}
    token = csrf(client, "/stock/adjust?sku=T-CNT")
    counted = client.post("/stock/adjust", headers=french, data={
        "csrf_token": token, "sku": "T-CNT", "kind": "count", "counted": "5"}).get_data(as_text=True)
    assert "5 × Biscuits comptés (il y en avait 3, +2)." in counted and "Counted" not in counted
    requested = client.post("/restock", headers=french, follow_redirects=True,
                            data={"csrf_token": token, "sku": "T-CNT", "qty": "4"}).get_data(as_text=True)
    assert "4 × Biscuits demandés au siège social." in requested
    refused = client.post("/restock", headers=french, follow_redirects=True,
                          data={"csrf_token": token, "sku": "T-CNT", "qty": "x"}).get_data(as_text=True)
    assert "quantité : un nombre entier" in refused and "must be a whole number" not in refused
