"""The console speaks French and English; API messages follow Accept-Language, codes stay."""

from __future__ import annotations

import html
import re


def sign_in(client, username: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def test_console_pages_follow_accept_language(client, make_user, make_store) -> None:
    make_user("chef", "chef-pw", "manager")
    make_store()
    sign_in(client, "chef", "chef-pw")
    french = client.get("/", headers={"Accept-Language": "fr-CA"}).get_data(as_text=True)
    assert '<html lang="fr">' in french and "Tableau de bord" in french and "Chiffre d'affaires du jour" in french
    assert "0,00\xa0$" in french
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Dashboard" in english and "$0.00" in english


def test_api_message_in_the_callers_language(client) -> None:
    french = client.get("/api/v1/nothing", headers={"Accept-Language": "fr"})
    english = client.get("/api/v1/nothing", headers={"Accept-Language": "en"})
    assert french.status_code == english.status_code == 404
    assert french.json["code"] == english.json["code"]
    bad = client.post("/api/v1/session", data="{", content_type="application/json",
                      headers={"Accept-Language": "fr"})
    assert bad.status_code == 400 and bad.json["message"] == "Le corps de la requête n'est pas du JSON valide."


def test_a_managers_language_is_saved_with_the_user(client, make_user, make_store, db_session) -> None:
    from head_office.models import User

    make_user("chef", "chef-pw", "manager")
    make_store()
    sign_in(client, "chef", "chef-pw")
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    chosen = client.post("/language", data={"csrf_token": token, "language": "fr", "next": "/"})
    assert chosen.status_code == 303
    db_session.expire_all()
    assert db_session.query(User).filter_by(username="chef").one().language == "fr"
    french = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Tableau de bord" in french


def test_head_office_refusals_speak_french_with_the_same_codes(client, demo_chain, token_for) -> None:
    headers = token_for("manager", "manager")
    french = client.get("/api/v1/products/NOPE-1", headers={**headers, "Accept-Language": "fr-CA"})
    english = client.get("/api/v1/products/NOPE-1", headers={**headers, "Accept-Language": "en"})
    assert french.status_code == english.status_code == 404
    assert french.json["code"] == english.json["code"] == "unknown_sku"
    assert french.json["message"] == "Aucun produit avec l'UGS NOPE-1."
    assert english.json["message"] == "No product with SKU NOPE-1."
    backwards = client.get("/api/v1/reports/sales?from=2026-12-02&to=2026-12-01",
                           headers={**headers, "Accept-Language": "fr"})
    assert backwards.status_code == 400
    assert backwards.json["message"] == "La période se termine (2026-12-01) avant de commencer (2026-12-02)."
    cashier = token_for("cashier1", "cashier")
    other = client.get("/api/v1/stores/2/stock", headers={**cashier, "Accept-Language": "fr"})
    assert other.status_code == 403
    assert other.json["message"] == "Vous ne pouvez voir que le stock de votre propre magasin (magasin 1)."
    role = client.get("/api/v1/users", headers={**cashier, "Accept-Language": "fr"})
    assert role.status_code == 403 and role.json["message"] == "Votre rôle (caissier) ne permet pas de faire ceci."


def test_a_console_refusal_is_flashed_in_french(client, demo_chain) -> None:
    sign_in(client, "manager", "manager")
    page = client.get("/stock", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = client.post("/stock/adjustments", headers={"Accept-Language": "fr"}, follow_redirects=True,
                          data={"sku": "GRO-009", "delta": "-100000", "reason": "x", "csrf_token": token,
                                "back": "/stock"})
    text = refused.get_data(as_text=True)
    assert "Impossible de retirer 100000 de GRO-009" in text and 'class="flash error"' in text


def test_the_fields_at_fault_speak_the_callers_language_and_data_stays_data(client, demo_chain, token_for) -> None:
    """An answer's ``errors``: marshmallow's own messages, the validators' and the code's, in
    French for a French caller; values a client matches on (roles) as they are."""
    headers = token_for("manager", "manager")
    bad = {"sku": "bad sku!", "name": "x" * 201, "category": "Snacks", "price_cents": -1,
           "tax_class": "luxury", "reorder_point": "3"}
    french = client.post("/api/v1/products", json=bad, headers={**headers, "Accept-Language": "fr"})
    english = client.post("/api/v1/products", json=bad, headers={**headers, "Accept-Language": "en"})
    assert french.status_code == english.status_code == 422
    assert french.json["code"] == english.json["code"] and french.json["errors"].keys() == english.json["errors"].keys()
    assert french.json["errors"]["name"] == ["De 1 à 200 caractères."]
    assert english.json["errors"]["name"] == ["Length must be between 1 and 200."]
    assert french.json["errors"]["sku"][0].startswith("Lettres, chiffres")
    assert french.json["errors"]["price_cents"][0].startswith("Un prix de 0 à ")
    assert french.json["errors"]["tax_class"] == ["Doit être l'une de ces valeurs : standard, exempt."]
    assert french.json["errors"]["reorder_point"] == ["Pas un nombre entier valide."]

    duplicate = client.post("/api/v1/products", headers={**headers, "Accept-Language": "fr"}, json={
        "sku": "SNK-001", "name": "Chips", "category": "Snacks", "price_cents": 100, "tax_class": "standard"})
    assert duplicate.status_code == 409 and duplicate.json["errors"] == {"sku": ["Existe déjà."]}

    cashier = token_for("cashier1", "cashier")
    role_fr = client.get("/api/v1/users", headers={**cashier, "Accept-Language": "fr"})
    role_en = client.get("/api/v1/users", headers={**cashier, "Accept-Language": "en"})
    assert role_fr.json["errors"] == role_en.json["errors"] and role_fr.json["errors"]


def test_a_console_form_notes_its_fields_at_fault_in_french(client, demo_chain) -> None:
    sign_in(client, "manager", "manager")
    french = {"Accept-Language": "fr"}
    page = client.get("/products/new", headers=french).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = client.post("/products/new", headers=french, data={
        "csrf_token": token, "sku": "NEW-1", "name": "Pain", "category": "Boulangerie", "price": "abc",
        "tax_class": "exempt", "barcode": "", "reorder_point": "x", "max_stock": "10"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Un montant comme 12,99 (deux décimales au plus)." in text and "Un nombre entier." in text
    assert "An amount such as" not in text and "A whole number" not in text
    refused = client.post("/products/new", headers=french, data={
        "csrf_token": token, "sku": "NEW-1", "name": "P" * 201, "category": "Boulangerie", "price": "2.50",
        "tax_class": "exempt", "barcode": "123", "reorder_point": "1", "max_stock": "10"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "De 1 à 200 caractères." in text
    assert "Length must be" not in text


def test_the_reports_chart_speaks_french(client, demo_chain) -> None:
    sign_in(client, "manager", "manager")
    page = client.get("/reports?from=2026-12-01&to=2026-12-02", headers={"Accept-Language": "fr"})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "Chiffre d'affaires par journée d'affaires, du 2026-12-01 au 2026-12-02" in text
    assert "Revenue per business day" not in text and "0,00\xa0$" in text
