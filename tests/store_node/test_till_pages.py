"""Till pages through the test client: sign-in, CSRF, cookies, the cart, readable refusals."""

from __future__ import annotations

import re

import pytest


def csrf(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def login(client, username: str = "cashier3", password: str = "cashier"):
    token = csrf(client)
    return client.post("/login", data={"csrf_token": token, "username": username,
                                       "password": password})


def test_pages_need_a_signed_in_user(client) -> None:
    for path in ("/sell", "/sales", "/returns", "/stock", "/central-stock", "/restock"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_sign_in_sets_a_safe_session_cookie(client) -> None:
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/sell")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/sell").get_data(as_text=True)
    assert "cashier3" in page and "events waiting" in page and 'id="code"' in page


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}])
def test_secure_cookie_is_configurable(client) -> None:
    assert "Secure" in login(client).headers["Set-Cookie"]


def test_forms_without_the_csrf_token_are_refused(client) -> None:
    response = client.post("/login", data={"username": "cashier3", "password": "cashier"})
    assert response.status_code == 403
    assert "security check failed" in response.get_data(as_text=True)
    login(client)
    assert client.post("/sell/scan", data={"code": "GRO-001"}).status_code == 403


def test_wrong_password_shows_a_message_and_throttles(client) -> None:
    token = csrf(client)
    for _ in range(5):
        response = client.post("/login", data={"csrf_token": token, "username": "cashier3",
                                               "password": "wrong"})
        assert "Wrong username or password." in response.get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": token, "username": "cashier3",
                                           "password": "cashier"})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)


def test_cart_lives_in_the_database_and_pay_records_the_sale(client, store) -> None:
    login(client)
    token = csrf(client, "/sell")
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    fragment = client.post("/sell/scan", data={"code": "2*GRO-003"}, headers=headers)
    assert "Added Sourdough bread 680 g" in fragment.get_data(as_text=True)
    assert store.scalar("SELECT count(*) FROM carts") == 1
    client.post("/sell/lines/0/discount", data={"discount": "50%"}, headers=headers)
    html = client.get("/sell").get_data(as_text=True)
    assert "needs a store manager" in html
    refused = client.post("/sell/pay", data={"mode": "card"}, headers=headers)
    assert "needs a store manager" in refused.get_data(as_text=True)
    assert 'dialog id="approval"' in refused.get_data(as_text=True)
    paid = client.post("/sell/pay", data={"mode": "card", "approver_username": "storemgr3",
                                          "approver_password": "storemgr"}, headers=headers)
    assert paid.status_code == 204 and "/receipt/" in paid.headers["HX-Redirect"]
    sale = store.rows("SELECT subtotal_cents, approved_by FROM sales")[0]
    assert sale == (499, "storemgr3")
    receipt = client.get(paid.headers["HX-Redirect"]).get_data(as_text=True)
    assert "S03-000001" in receipt and "Print receipt" in receipt


def test_sign_out_ends_the_session(client) -> None:
    login(client)
    token = csrf(client, "/sell")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/sell").status_code == 302


def test_unknown_page_is_readable_and_has_no_traceback(client) -> None:
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)
    assert "Back to the till" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"LOGIN_MAX_FAILURES": 3}])
def test_till_sign_in_lockout_answers_429_with_retry_after(client) -> None:
    for _ in range(3):
        assert login(client, password="wrong").status_code == 401
    locked = login(client)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in locked.get_data(as_text=True)


def test_till_session_holds_a_store_token_not_a_password_hash(app, client, store) -> None:
    login(client)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    stored = store.scalar("SELECT password_hash FROM users WHERE username = 'cashier3'")
    for value in map(str, data.values()):
        assert "scrypt" not in value and stored[-12:] not in value


def test_a_receipt_that_names_no_sale_is_a_readable_404_on_the_returns_page(client) -> None:
    login(client)
    for ref in ("S03-999999", "S03-" + "9" * 30, "１２３", str(2**63)):
        response = client.get("/returns", query_string={"receipt": ref})
        assert response.status_code == 404, ref
        assert 'id="receipt-form"' in response.get_data(as_text=True)
    assert client.get("/returns").status_code == 200
