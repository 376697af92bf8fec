"""Shop fixtures: products with central stock, customers with a token, a checkout helper."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import select

APPROVE = "4242 4242 4242 4242"
DECLINE = "4000 0000 0000 0002"
NO_FUNDS = "4000 0000 0000 9995"
PROCESSING = "4000 0000 0000 0119"
TIMEOUT = "4000 0000 0000 1000"

_keys = itertools.count(1)


def card(number=APPROVE):
    return {"number": number, "exp_month": 12, "exp_year": date.today().year + 2, "cvc": "123"}


@pytest.fixture
def stocked(db_session, make_product):
    """A product with ``on_hand`` units in the warehouse (as a supplier receipt)."""
    from head_office.stock.operations import receive_from_supplier

    def build(on_hand=10, **fields):
        product = make_product(**fields)
        if on_hand:
            receive_from_supplier(db_session, product.sku, on_hand, "test")
            db_session.commit()
        return product

    return build


@pytest.fixture
def customer(client):
    """Sign up a customer; returns the auth headers of its token."""
    counter = itertools.count(1)

    def build(email=None, password="secret-pw-1", name="Client Test"):
        email = email or f"client{next(counter)}@example.com"
        response = client.post(
            "/api/v1/shop/customers", json={"email": email, "password": password, "name": name}
        )
        assert response.status_code == 201, response.json
        token = client.post("/api/v1/session", json={"username": email, "password": password})
        assert token.status_code == 201, token.json
        return {"Authorization": f"Bearer {token.json['token']}"}

    return build


@pytest.fixture
def manager_headers(make_user, token_for):
    make_user("boss", "boss-pw", "manager")
    return token_for("boss", "boss-pw")


@pytest.fixture
def checkout(client):
    def run(headers, number=APPROVE, key=None):
        key = key or f"key-{next(_keys)}"
        return client.post(
            "/api/v1/shop/checkout", json={"card": card(number)}, headers={**headers, "Idempotency-Key": key}
        )

    return run


def levels(session, product):
    from head_office.models import CentralStock

    session.expire_all()
    row = session.execute(
        select(CentralStock.on_hand, CentralStock.reserved).where(CentralStock.product_id == product.id)
    ).one()
    return {"on_hand": row.on_hand, "reserved": row.reserved}


def ledger_rows(session, order_id=None):
    from head_office.models import PaymentAttempt

    session.expire_all()
    stmt = select(PaymentAttempt.kind, PaymentAttempt.amount_cents).where(
        PaymentAttempt.outcome == "succeeded"
    )
    if order_id is not None:
        stmt = stmt.where(PaymentAttempt.order_id == order_id)
    return sorted((row.kind, row.amount_cents) for row in session.execute(stmt))
