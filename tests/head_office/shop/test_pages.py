"""The shop's pages and the console's online-order pages, through the test client."""

from __future__ import annotations

import re

from .conftest import card, ledger_rows, levels


def _csrf(page_html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)


def _sign_up_in_browser(client, email="page@example.com"):
    token = _csrf(client.get("/shop/signup").get_data(as_text=True))
    response = client.post("/shop/signup", data={"csrf_token": token, "name": "Léa Tremblay", "email": email,
                                                 "password": "secret-pw-1"})
    assert response.status_code == 302
    return _csrf(client.get("/shop/cart").get_data(as_text=True))


def test_customer_buys_through_the_pages(app, client, db_session, stocked):
    product = stocked(on_hand=3, name="Sirop d'érable", price_cents=1299)
    token = _sign_up_in_browser(client)
    catalog = client.get("/shop?lang=en").get_data(as_text=True)
    assert "Sirop d&#39;érable" in catalog
    assert "3 available" in catalog
    added = client.post("/shop/cart/add", data={"csrf_token": token, "sku": product.sku, "qty": "2"})
    assert added.status_code == 302, added.get_data(as_text=True)
    cart = client.get("/shop/cart?lang=en").get_data(as_text=True)
    assert "$25.98" in cart
    key = re.search(r'name="idempotency_key" value="([^"]+)"', cart).group(1)
    form = {"csrf_token": token, "idempotency_key": key, **{k: str(v) for k, v in card().items()}}
    done = client.post("/shop/checkout", data=form)
    assert done.status_code == 302
    order_page = client.get(done.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "confirmed" in order_page
    assert levels(db_session, product) == {"on_hand": 3, "reserved": 2}
    # The same form again (a double click): the same order, nothing more.
    again = client.post("/shop/checkout", data=form)
    assert again.headers["Location"] == done.headers["Location"]
    assert levels(db_session, product) == {"on_hand": 3, "reserved": 2}


def test_a_declined_card_shows_why_in_french(client, db_session, stocked):
    product = stocked(on_hand=3)
    token = _sign_up_in_browser(client)
    client.post("/shop/cart/add", data={"csrf_token": token, "sku": product.sku, "qty": "1"})
    form = {"csrf_token": token, "idempotency_key": "k-declined",
            **{k: str(v) for k, v in card("4000 0000 0000 0002").items()}}
    page = client.post("/shop/checkout?lang=fr", data=form)
    assert page.status_code == 402
    assert "Votre carte a été refusée" in page.get_data(as_text=True)
    assert levels(db_session, product) == {"on_hand": 3, "reserved": 0}


def test_customers_get_403_on_console_pages(client, stocked):
    _sign_up_in_browser(client)
    for path in ("/", "/products", "/stock", "/orders", "/sagas", "/reports"):
        assert client.get(path).status_code == 403, path


def test_staff_ship_from_the_console_and_print_a_packing_slip(client, db_session, stocked, make_user, customer,
                                                              checkout):
    product = stocked(on_hand=4, name="Tasse")
    headers = customer()
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 2}, headers=headers)
    order_id = checkout(headers).json["order_id"]
    make_user("boss", "boss-pw", "manager")
    token = _csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"csrf_token": token, "username": "boss", "password": "boss-pw"})
    listing = client.get("/orders?lang=en").get_data(as_text=True)
    assert f"#{order_id}" in listing
    slip = client.get(f"/orders/{order_id}/packing-slip?lang=en").get_data(as_text=True)
    assert "Tasse" in slip and "Packing slip" in slip
    detail = client.get(f"/orders/{order_id}?lang=en").get_data(as_text=True)
    assert "take payment" in detail and "completed" in detail
    token = _csrf(detail)
    client.post(f"/orders/{order_id}/ship", data={"csrf_token": token})
    assert levels(db_session, product) == {"on_hand": 2, "reserved": 0}
    assert "shipped" in client.get(f"/orders/{order_id}?lang=en").get_data(as_text=True)
    sagas = client.get("/sagas?state=completed&lang=en").get_data(as_text=True)
    assert f"Order {order_id}" in sagas


def test_a_console_cancel_says_when_the_refund_must_wait(app, client, db_session, stocked, make_user, customer,
                                                        checkout):
    provider = app.extensions["comptoir_payments"]
    runner = app.extensions["comptoir_sagas"]
    runner.settings.retry_s = 0
    product = stocked(on_hand=4, price_cents=1000, name="Tasse")
    headers = customer()
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 1}, headers=headers)
    order_id = checkout(headers).json["order_id"]
    make_user("boss", "boss-pw", "manager")
    token = _csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"csrf_token": token, "username": "boss", "password": "boss-pw"})
    provider.lookups_down = True
    token = _csrf(client.get(f"/orders/{order_id}?lang=en").get_data(as_text=True))
    page = client.post(f"/orders/{order_id}/cancel?lang=en", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "the refund will be retried" in page
    assert "payment refunded" not in page
    assert ledger_rows(db_session, order_id) == [("capture", 1150)]
    provider.lookups_down = False
    runner.recover()
    assert ledger_rows(db_session, order_id) == [("capture", 1150), ("refund", 1150)]
    assert levels(db_session, product) == {"on_hand": 4, "reserved": 0}
