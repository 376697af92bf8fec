"""Every shop form needs the session's CSRF token: a forged post is 403 and changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from head_office.models import CartLine, Order, User
from tests.support import live_server

from .conftest import card, levels

FORGED = ({}, {"csrf_token": "forged"})


def _csrf(page_html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_every_shop_form_carries_the_token(client, stocked):
    product = stocked(on_hand=3)
    for path in ("/shop/signup", "/shop/login"):
        assert _csrf(client.get(path).get_data(as_text=True))
    token = _csrf(client.get("/shop/signup").get_data(as_text=True))
    client.post("/shop/signup", data={"csrf_token": token, "name": "Léa", "email": "lea@example.com",
                                      "password": "secret-pw-1"})
    catalog = client.get("/shop").get_data(as_text=True)
    client.post("/shop/cart/add", data={"csrf_token": _csrf(catalog), "sku": product.sku, "qty": "1"})
    cart = client.get("/shop/cart").get_data(as_text=True)
    for page in (catalog, cart):
        forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", page, flags=re.S)
        assert forms
        for form in forms:  # the sign-out form, add to cart, each cart line, checkout
            assert 'name="csrf_token"' in form, form


def test_forged_shop_posts_are_refused_and_change_nothing(client, db_session, stocked):
    product = stocked(on_hand=3)
    for forged in FORGED:
        signup = client.post("/shop/signup", data={**forged, "name": "Eve", "email": "eve@example.com",
                                                   "password": "secret-pw-1"})
        assert signup.status_code == 403
    assert db_session.scalar(select(User).where(User.username == "eve@example.com")) is None

    token = _csrf(client.get("/shop/signup").get_data(as_text=True))
    client.post("/shop/signup", data={"csrf_token": token, "name": "Léa", "email": "lea@example.com",
                                      "password": "secret-pw-1"})
    token = _csrf(client.get("/shop/cart").get_data(as_text=True))
    assert client.post("/shop/cart/add", data={"csrf_token": token, "sku": product.sku, "qty": "1"}).status_code == 302
    for forged in FORGED:
        assert client.post("/shop/cart/add", data={**forged, "sku": product.sku, "qty": "2"}).status_code == 403
        assert client.post(f"/shop/cart/lines/{product.sku}", data={**forged, "qty": "0"}).status_code == 403
        refused = client.post("/shop/checkout", data={**forged, "idempotency_key": "forged",
                                                      **{k: str(v) for k, v in card().items()}},
                              headers={"Accept": "application/json"})
        assert refused.status_code == 403
        assert refused.json["code"] == "csrf_failed"
        assert client.post("/shop/logout", data=forged).status_code == 403
        assert client.post("/shop/login", data={**forged, "email": "lea@example.com",
                                                "password": "secret-pw-1"}).status_code == 403
    db_session.expire_all()
    assert [line.qty for line in db_session.scalars(select(CartLine))] == [1]
    assert _count(db_session, Order) == 0
    assert levels(db_session, product) == {"on_hand": 3, "reserved": 0}
    # Still signed in: the forged sign-out did nothing.
    assert client.get("/shop/cart").status_code == 200


ATTACK = """<!doctype html><html><body>
<form id="attack" method="post" action="{target}/shop/cart/add">
  <input name="sku" value="{sku}"><input name="qty" value="5">
  <button id="go" type="submit">Win a prize</button>
</form>
<form id="pay" method="post" action="{target}/shop/checkout">
  <input name="number" value="4242 4242 4242 4242"><input name="exp_month" value="12">
  <input name="exp_year" value="2099"><input name="cvc" value="123">
  <input name="idempotency_key" value="forged">
  <button id="buy" type="submit">Claim</button>
</form>
</body></html>"""


@pytest.mark.browser
@pytest.mark.slow
def test_a_page_elsewhere_cannot_fill_the_cart_or_pay_for_a_signed_in_customer(
    app, browser, db_session, stocked
):
    product = stocked(on_hand=6, price_cents=1000)

    def attacker(environ, start_response):
        body = ATTACK.format(target=environ["TARGET"], sku=product.sku).encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]

    context = browser.new_context(locale="en-CA")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        with live_server(app.wsgi_app) as shop:
            with live_server(lambda env, start: attacker({**env, "TARGET": shop}, start)) as evil:
                page.goto(shop + "/shop/signup")
                page.get_by_label("Name").fill("Léa Tremblay")
                page.get_by_label("E-mail").fill("lea@example.com")
                page.get_by_label("Password").fill("secret-pw-1")
                page.get_by_role("button", name="Create an account").click()
                assert "Welcome" in page.locator(".flash").inner_text()
                page.locator(f"article[data-sku='{product.sku}']").get_by_role("button", name="Add to cart").click()

                page.goto(evil + "/")
                with page.expect_navigation():
                    page.locator("#go").click()
                assert "403" in page.title() or "403" in page.content()
                page.goto(evil + "/")
                with page.expect_navigation():
                    page.locator("#buy").click()
                assert "403" in page.title() or "403" in page.content()

                page.goto(shop + "/shop/cart")
                assert page.locator("h1").inner_text() == "Cart"  # still signed in, cart as it was
    finally:
        context.close()
    db_session.expire_all()
    assert [line.qty for line in db_session.scalars(select(CartLine))] == [1]
    assert _count(db_session, Order) == 0
    assert levels(db_session, product) == {"on_hand": 6, "reserved": 0}
