"""The shop API: sign-up, cart, checkout by card, orders, and what staff see."""

from __future__ import annotations

from sqlalchemy import func, select

from head_office.models import CartLine, Order

from .conftest import DECLINE, NO_FUNDS, PROCESSING, TIMEOUT, card, ledger_rows, levels


def test_customer_signs_up_signs_in_and_a_second_sign_up_is_refused(client, customer):
    response = client.post(
        "/api/v1/shop/customers",
        json={"email": "Marie@Example.com", "password": "long-password", "name": "Marie"},
    )
    assert response.status_code == 201
    assert response.json["email"] == "marie@example.com"
    again = client.post(
        "/api/v1/shop/customers",
        json={"email": "marie@example.com", "password": "other-password", "name": "M"},
    )
    assert again.status_code == 409
    assert again.json["code"] == "email_taken"
    signed = client.post(
        "/api/v1/session", json={"username": "marie@example.com", "password": "long-password"}
    )
    assert signed.status_code == 201
    assert signed.json["user"]["role"] == "customer"
    bad = client.post("/api/v1/shop/customers", json={"email": "not-an-email", "password": "x", "name": ""})
    assert bad.status_code == 422
    assert set(bad.json["errors"]) >= {"email", "password", "name"}


def test_customer_token_is_refused_on_staff_apis(client, customer):
    headers = customer()
    for path in (
        "/api/v1/products",
        "/api/v1/central-stock",
        "/api/v1/orders",
        "/api/v1/sagas",
        "/api/v1/payments",
        "/api/v1/dashboard",
        "/api/v1/users",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 403, path


def test_staff_token_is_refused_on_the_cart(client, manager_headers):
    assert client.get("/api/v1/shop/cart", headers=manager_headers).status_code == 403


def test_catalog_shows_what_central_stock_can_sell(client, stocked):
    stocked(on_hand=7, name="Café moulu")
    stocked(on_hand=0, name="Thé vert")
    items = {i["name"]: i for i in client.get("/api/v1/shop/products").json["items"]}
    assert items["Café moulu"]["available"] == 7
    assert items["Thé vert"]["available"] == 0
    found = client.get("/api/v1/shop/products?q=caf").json["items"]
    assert [i["name"] for i in found] == ["Café moulu"]


def test_cart_lines_and_totals_with_each_tax(client, customer, stocked):
    headers = customer()
    taxed = stocked(price_cents=1000, tax_class="standard")
    exempt = stocked(price_cents=250, tax_class="exempt")
    client.put(f"/api/v1/shop/cart/lines/{taxed.sku}", json={"qty": 3}, headers=headers)
    body = client.put(f"/api/v1/shop/cart/lines/{exempt.sku}", json={"qty": 2}, headers=headers).json
    assert body["subtotal_cents"] == 3500
    assert body["gst_cents"] == 150  # 5 % of 3000
    assert body["qst_cents"] == 299  # 9.975 % of 3000 = 299.25
    assert body["tax_cents"] == 449
    assert body["total_cents"] == 3949
    assert [(line["sku"], line["qty"], line["net_cents"]) for line in body["lines"]] == [
        (taxed.sku, 3, 3000),
        (exempt.sku, 2, 500),
    ]
    removed = client.put(f"/api/v1/shop/cart/lines/{taxed.sku}", json={"qty": 0}, headers=headers).json
    assert [line["sku"] for line in removed["lines"]] == [exempt.sku]
    bad = client.put(f"/api/v1/shop/cart/lines/{taxed.sku}", json={"qty": 10_001}, headers=headers)
    assert bad.status_code == 422
    unknown = client.put("/api/v1/shop/cart/lines/NOPE", json={"qty": 1}, headers=headers)
    assert unknown.status_code == 404
    assert client.delete("/api/v1/shop/cart", headers=headers).json["lines"] == []


def test_happy_path_reserves_captures_confirms_and_empties_the_cart(
    client, db_session, customer, stocked, checkout, manager_headers
):
    headers = customer()
    product = stocked(on_hand=10, price_cents=2000)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 2}, headers=headers)
    response = checkout(headers)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "confirmed"
    assert response.json["total_cents"] == 4599  # 4000 + 200 GST + 399 QST
    order_id = response.json["order_id"]
    assert levels(db_session, product) == {"on_hand": 10, "reserved": 2}
    assert ledger_rows(db_session, order_id) == [("capture", 4599)]
    assert client.get("/api/v1/shop/cart", headers=headers).json["lines"] == []
    order = client.get(f"/api/v1/shop/orders/{order_id}", headers=headers).json
    assert order["status"] == "confirmed"
    assert [s["name"] for s in order["saga"]["steps"]] == [
        "verify_stock",
        "reserve_stock",
        "take_payment",
        "confirm_order",
    ]
    assert {s["status"] for s in order["saga"]["steps"]} == {"done"}
    assert order["saga"]["state"] == "completed"
    payments = client.get(f"/api/v1/payments?order_id={order_id}", headers=manager_headers).json["items"]
    assert [(p["kind"], p["amount_cents"], p["order_id"]) for p in payments] == [("capture", 4599, order_id)]
    assert client.get("/api/v1/shop/products").json["items"][0]["available"] == 8


def test_insufficient_stock_reserves_nothing_and_charges_nothing(
    client, db_session, customer, stocked, checkout
):
    headers = customer()
    product = stocked(on_hand=1)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 2}, headers=headers)
    response = checkout(headers)
    assert response.status_code == 409
    assert response.json["code"] == "insufficient_stock"
    assert product.sku in response.json["errors"]
    assert levels(db_session, product) == {"on_hand": 1, "reserved": 0}
    assert ledger_rows(db_session) == []


def test_empty_cart_and_missing_key_are_refused(client, customer, stocked):
    headers = customer()
    response = client.post(
        "/api/v1/shop/checkout", json={"card": card()}, headers={**headers, "Idempotency-Key": "k1"}
    )
    assert response.status_code == 422
    assert response.json["code"] == "empty_cart"
    product = stocked()
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 1}, headers=headers)
    missing = client.post("/api/v1/shop/checkout", json={"card": card()}, headers=headers)
    assert missing.status_code == 422
    assert missing.json["code"] == "idempotency_key_required"
    bad_card = client.post(
        "/api/v1/shop/checkout",
        json={"card": card("4242 4242 4242 4241")},
        headers={**headers, "Idempotency-Key": "k2"},
    )
    assert bad_card.status_code == 422


def _declined(client, db_session, customer, stocked, checkout, number, code):
    headers = customer()
    product = stocked(on_hand=5)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 2}, headers=headers)
    response = checkout(headers, number)
    assert response.status_code == 402, response.json
    order_id = response.json["order_id"]
    order = client.get(f"/api/v1/shop/orders/{order_id}", headers=headers).json
    assert order["status"] == "cancelled"
    assert order["saga"]["state"] == "compensated"
    steps = {s["name"]: s["status"] for s in order["saga"]["steps"]}
    assert steps["take_payment"] == "failed"
    assert steps["release_stock"] == "done"
    assert steps["cancel_order"] == "done"
    assert levels(db_session, product) == {"on_hand": 5, "reserved": 0}
    assert ledger_rows(db_session) == []
    assert len(client.get("/api/v1/shop/cart", headers=headers).json["lines"]) == 1
    return response.json


def test_declined_card_cancels_the_order_and_releases_the_stock(
    client, db_session, customer, stocked, checkout
):
    body = _declined(client, db_session, customer, stocked, checkout, DECLINE, "card_declined")
    assert body["code"] == "payment_declined"
    assert body["errors"] == {"card": ["card_declined"]}


def test_insufficient_funds_card_is_declined(client, db_session, customer, stocked, checkout):
    body = _declined(client, db_session, customer, stocked, checkout, NO_FUNDS, "insufficient_funds")
    assert body["errors"] == {"card": ["insufficient_funds"]}


def test_processing_error_card_fails_and_compensates(client, db_session, customer, stocked, checkout):
    body = _declined(client, db_session, customer, stocked, checkout, PROCESSING, "processing_error")
    assert body["code"] == "payment_failed"


def test_timeout_card_is_resolved_by_asking_the_provider(client, db_session, customer, stocked, checkout):
    headers = customer()
    product = stocked(on_hand=5, price_cents=1000)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 1}, headers=headers)
    response = checkout(headers, TIMEOUT)
    assert response.status_code == 201, response.json
    order_id = response.json["order_id"]
    assert ledger_rows(db_session, order_id) == [("capture", 1150)]
    order = client.get(f"/api/v1/shop/orders/{order_id}", headers=headers).json
    payment = next(s for s in order["saga"]["steps"] if s["name"] == "take_payment")
    assert payment["status"] == "done"
    assert levels(db_session, product) == {"on_hand": 5, "reserved": 1}


def test_timeout_with_the_provider_unreachable_waits_then_recovers(
    app, client, db_session, customer, stocked, checkout
):
    provider = app.extensions["comptoir_payments"]
    runner = app.extensions["comptoir_sagas"]
    runner.settings.retry_s = 0
    headers = customer()
    product = stocked(on_hand=5, price_cents=1000)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 1}, headers=headers)
    provider.lookups_down = True
    response = checkout(headers, TIMEOUT, key="slow")
    assert response.status_code == 202
    assert response.json["status"] == "pending"
    order_id = response.json["order_id"]
    order = client.get(f"/api/v1/shop/orders/{order_id}", headers=headers).json
    assert order["saga"]["state"] == "running"
    assert ledger_rows(db_session, order_id) == [("capture", 1150)]
    provider.lookups_down = False
    assert runner.recover() == [(order["saga"]["id"], "completed")]
    assert ledger_rows(db_session, order_id) == [("capture", 1150)]
    again = checkout(headers, TIMEOUT, key="slow")
    assert again.status_code == 201
    assert again.json["order_id"] == order_id
    assert levels(db_session, product) == {"on_hand": 5, "reserved": 1}


def test_the_same_idempotency_key_gives_the_same_answer_and_one_order(
    client, db_session, customer, stocked, checkout
):
    headers = customer()
    product = stocked(on_hand=5)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 1}, headers=headers)
    first = checkout(headers, key="double")
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 3}, headers=headers)
    second = checkout(headers, key="double")
    assert second.status_code == first.status_code == 201
    assert second.json == first.json
    assert db_session.scalar(select(func.count()).select_from(Order)) == 1
    assert len(ledger_rows(db_session)) == 1
    declined = checkout(headers, DECLINE, key="declined")
    assert checkout(headers, DECLINE, key="declined").json == declined.json
    assert db_session.scalar(select(func.count()).select_from(Order)) == 2


def test_staff_ship_then_cancel_is_refused(client, db_session, customer, stocked, checkout, manager_headers):
    headers = customer()
    product = stocked(on_hand=4)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 3}, headers=headers)
    order_id = checkout(headers).json["order_id"]
    to_ship = client.get("/api/v1/orders?status=confirmed", headers=manager_headers).json["items"]
    assert [o["id"] for o in to_ship] == [order_id]
    shipped = client.post(f"/api/v1/orders/{order_id}/ship", headers=manager_headers)
    assert shipped.status_code == 200
    assert shipped.json["status"] == "shipped"
    assert levels(db_session, product) == {"on_hand": 1, "reserved": 0}
    assert client.post(f"/api/v1/orders/{order_id}/ship", headers=manager_headers).json["status"] == "shipped"
    assert levels(db_session, product) == {"on_hand": 1, "reserved": 0}
    refused = client.post(f"/api/v1/orders/{order_id}/cancel", headers=manager_headers)
    assert refused.status_code == 409
    assert refused.json["code"] == "already_shipped"


def test_staff_cancel_refunds_once_and_releases_the_stock(
    client, db_session, customer, stocked, checkout, manager_headers
):
    headers = customer()
    product = stocked(on_hand=4, price_cents=1000)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 2}, headers=headers)
    order_id = checkout(headers).json["order_id"]
    cancelled = client.post(f"/api/v1/orders/{order_id}/cancel", headers=manager_headers)
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["status"] == "cancelled"
    assert cancelled.json["saga"]["state"] == "compensated"
    assert levels(db_session, product) == {"on_hand": 4, "reserved": 0}
    assert ledger_rows(db_session, order_id) == [("capture", 2300), ("refund", 2300)]
    again = client.post(f"/api/v1/orders/{order_id}/cancel", headers=manager_headers)
    assert again.json["status"] == "cancelled"
    assert ledger_rows(db_session, order_id) == [("capture", 2300), ("refund", 2300)]
    assert client.post(f"/api/v1/orders/{order_id}/ship", headers=manager_headers).status_code == 409
    sagas = client.get("/api/v1/sagas?state=compensated", headers=manager_headers).json
    assert [s["order_id"] for s in sagas["items"]] == [order_id]
    assert sagas["counts"]["compensated"] == 1


def test_a_customer_sees_only_their_own_orders(client, customer, stocked, checkout):
    alice, bob = customer(), customer()
    product = stocked(on_hand=5)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 1}, headers=alice)
    order_id = checkout(alice).json["order_id"]
    assert client.get(f"/api/v1/shop/orders/{order_id}", headers=bob).status_code == 404
    assert client.get("/api/v1/shop/orders", headers=bob).json["items"] == []
    assert [o["id"] for o in client.get("/api/v1/shop/orders", headers=alice).json["items"]] == [order_id]
    assert client.get("/api/v1/shop/orders/99999999999999999999", headers=alice).status_code == 404


def test_cart_lines_of_a_confirmed_order_leave_the_cart(client, db_session, customer, stocked, checkout):
    headers = customer()
    product = stocked(on_hand=5)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 1}, headers=headers)
    checkout(headers)
    assert db_session.scalar(select(func.count()).select_from(CartLine)) == 0


def test_reports_and_dashboard_show_the_online_channel(client, customer, stocked, checkout, manager_headers):
    from common.clock import business_date, utcnow

    headers = customer()
    product = stocked(on_hand=5, price_cents=1000)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 3}, headers=headers)
    order_id = checkout(headers).json["order_id"]
    today = business_date(utcnow(), "America/Montreal").isoformat()
    report = client.get(f"/api/v1/reports/sales?from={today}&to={today}", headers=manager_headers).json
    assert report["online"] == {"revenue_cents": 3000, "tax_cents": 449, "orders_count": 1, "units": 3}
    dashboard = client.get("/api/v1/dashboard", headers=manager_headers).json
    assert dashboard["online"] == {"revenue_today_cents": 3000, "orders_to_ship": 1}
    client.post(f"/api/v1/orders/{order_id}/cancel", headers=manager_headers)
    report = client.get(f"/api/v1/reports/sales?from={today}&to={today}", headers=manager_headers).json
    assert report["online"]["orders_count"] == 0
    assert client.get("/api/v1/dashboard", headers=manager_headers).json["online"]["orders_to_ship"] == 0


def test_checkout_outcomes_and_step_durations_are_exported(client, customer, stocked, checkout):
    import re as _re

    def count(outcome):
        text = client.get("/metrics").get_data(as_text=True)
        found = _re.search(rf'comptoir_checkout_total\{{outcome="{outcome}"\}} ([0-9.]+)', text)
        return float(found.group(1)) if found else 0.0

    confirmed, declined = count("confirmed"), count("declined")
    headers = customer()
    product = stocked(on_hand=5)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 1}, headers=headers)
    assert checkout(headers, DECLINE).status_code == 402
    assert checkout(headers).status_code == 201
    assert count("confirmed") == confirmed + 1
    assert count("declined") == declined + 1
    exported = client.get("/metrics").get_data(as_text=True)
    for step in ("verify_stock", "reserve_stock", "take_payment", "confirm_order", "release_stock",
                 "cancel_order"):
        assert f'comptoir_saga_step_duration_seconds_count{{step="{step}"}}' in exported


def test_customers_are_not_listed_with_staff(client, customer, manager_headers):
    customer(email="shopper@example.com")
    names = [u["username"] for u in client.get("/api/v1/users", headers=manager_headers).json["items"]]
    assert "boss" in names
    assert "shopper@example.com" not in names


def test_conservation_counts_units_shipped_to_customers(client, db_session, customer, stocked, checkout,
                                                         manager_headers):
    from sqlalchemy import text

    headers = customer()
    product = stocked(on_hand=9)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 4}, headers=headers)
    order_id = checkout(headers).json["order_id"]
    client.post(f"/api/v1/orders/{order_id}/ship", headers=manager_headers)
    db_session.expire_all()
    received, on_hand, shipped = db_session.execute(
        text(
            "SELECT (SELECT sum(qty) FROM stock_movements WHERE kind = 'supplier_receipt'),"
            " (SELECT sum(on_hand) FROM central_stock),"
            " (SELECT -sum(qty) FROM stock_movements WHERE kind = 'online_shipment' AND bucket = 'on_hand')"
        )
    ).one()
    assert (received, on_hand, shipped) == (9, 5, 4)
    assert received == on_hand + shipped


def test_a_checkout_of_two_products_writes_each_reservation_to_the_ledger_and_the_change_log(
    client, db_session, customer, stocked, checkout
):
    from head_office.models import ChangeLogEntry, StockMovement

    headers = customer()
    first, second = stocked(on_hand=10), stocked(on_hand=4)
    client.put(f"/api/v1/shop/cart/lines/{second.sku}", json={"qty": 3}, headers=headers)
    client.put(f"/api/v1/shop/cart/lines/{first.sku}", json={"qty": 1}, headers=headers)
    response = checkout(headers)
    assert response.status_code == 201, response.json
    order_id = str(response.json["order_id"])
    db_session.expire_all()
    movements = db_session.execute(
        select(StockMovement.product_id, StockMovement.bucket, StockMovement.kind, StockMovement.qty)
        .where(StockMovement.ref_type == "order", StockMovement.ref_id == order_id)
        .order_by(StockMovement.product_id)
    ).all()
    assert [tuple(m) for m in movements] == [
        (first.id, "reserved", "allocation", 1),
        (second.id, "reserved", "allocation", 3),
    ]
    # What stores pull of central stock: the levels after the reservation.
    latest = {
        entry.entity_key: entry.payload
        for entry in db_session.scalars(
            select(ChangeLogEntry).where(ChangeLogEntry.entity == "central_stock").order_by(ChangeLogEntry.id)
        )
    }
    assert latest[first.sku]["reserved"] == 1 and latest[first.sku]["available"] == 9
    assert latest[second.sku]["reserved"] == 3 and latest[second.sku]["available"] == 1
    assert latest[second.sku]["on_hand"] == 4 and latest[second.sku]["in_transit"] == 0
    assert client.get("/api/v1/shop/cart", headers=headers).json["lines"] == []


def test_stock_taken_by_someone_else_during_checkout_cancels_it_with_nothing_reserved_or_charged(
    app, client, db_session, customer, stocked, checkout
):
    from head_office.models import Saga
    from head_office.stock.operations import adjust_central

    headers = customer()
    product = stocked(on_hand=3, price_cents=1000)
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 2}, headers=headers)
    provider = app.extensions["comptoir_payments"]
    store_card = provider.tokenize

    def meanwhile(card_):  # while the card is being stored, two units are written off
        token = store_card(card_)
        adjust_central(db_session, product.sku, -2, "broken", "test")
        db_session.commit()
        return token

    provider.tokenize = meanwhile
    response = checkout(headers)
    assert response.status_code == 409, response.json
    assert response.json["code"] == "insufficient_stock"
    assert product.sku in response.json["errors"]
    assert levels(db_session, product) == {"on_hand": 1, "reserved": 0}
    assert ledger_rows(db_session) == []
    order = db_session.scalar(select(Order))
    assert order.status == "cancelled"
    assert db_session.scalar(select(Saga.state)) == "compensated"
    assert db_session.scalar(select(func.count()).select_from(Order)) == 1
