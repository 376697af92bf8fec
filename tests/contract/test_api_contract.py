"""Schemathesis over both live services: no server error, no response that breaks its schema.

Head office runs on the real PostgreSQL, store 3 on a real SQLite file; every call is signed
in (a manager at head office, a store manager at the store, store 3's sync token on
``/sync/v1``; schemathesis also drops the token on some calls to see the 401s). Checks:
``not_a_server_error``, ``response_schema_conformance``, ``status_code_conformance`` and
``content_type_conformance``. Bounded: a fixed number of examples per operation and mode,
derandomized (every run generates the same cases), and a time budget per service.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests

from common import demo_data

from . import fuzz
from .conftest import CUSTOMER, STORE_ID, bearer

pytestmark = pytest.mark.slow

MAX_EXAMPLES = int(os.environ.get("COMPTOIR_CONTRACT_EXAMPLES", "15"))
SCENARIOS = int(os.environ.get("COMPTOIR_CONTRACT_SCENARIOS", "10"))
STEPS = 8
BUDGET_S = float(os.environ.get("COMPTOIR_CONTRACT_BUDGET_S", "45"))
STATEFUL_BUDGET_S = BUDGET_S / 2
REGISTERS = ["1", "2"]  # each with a shift open (sales need one)
KNOWN_SKUS = [product["sku"] for product in demo_data.products()[:20]]


# Steering: random SKUs and store ids would all stop at "unknown product" or "wrong store".
# Most generated bodies are rewritten to name demo products and the caller's own store, so
# the deeper checks (stock, payments, discounts, the push's events) see generated data too.


def known_sku(message: Any, key: str = "sku") -> Any:
    """Most of the time, a demo product's SKU in place of a generated one."""
    if isinstance(message, dict) and isinstance(message.get(key), str) and len(message[key]) % 4:
        message[key] = KNOWN_SKUS[len(message[key]) % len(KNOWN_SKUS)]
    return message


def payable_sale(body: Any) -> Any:
    """Lines of demo products and, most of the time, cash that covers them (no approver: a
    generated one is a failed sign-in, and enough of those lock the address out)."""
    if not isinstance(body, dict) or not isinstance(body.get("lines"), list):
        return body
    for index, line in enumerate(body["lines"]):
        if not isinstance(line, dict):
            continue
        if isinstance(line.get("sku"), str) and len(line["sku"]) % 7:
            line["sku"] = KNOWN_SKUS[(len(line["sku"]) + index) % len(KNOWN_SKUS)]
        if line.get("discount_percent") is not None and line.get("discount_cents") is not None:
            del line["discount_cents"]
    body.pop("approver", None)
    register = body.get("register")
    if isinstance(register, str) and len(register) % 5:
        body["register"] = REGISTERS[len(register) % len(REGISTERS)]
    if len(body["lines"]) % 3:
        payments = body.get("payments") if isinstance(body.get("payments"), list) else []
        cash = [p for p in payments if isinstance(p, dict) and p.get("tender") == "cash"][:19]
        body["payments"] = [*cash, {"tender": "cash", "amount_cents": 100_000_000}]
    return body


def own_store(message: Any) -> Any:
    """A push or a pull in protocol 1 as the token's own store."""
    if isinstance(message, dict):
        message["protocol"] = 1
        if "store_id" in message or isinstance(message.get("events"), list):
            message["store_id"] = STORE_ID
    return message


def replenishment_for_own_store(body: Any) -> Any:
    body = known_sku(body)
    if isinstance(body, dict) and isinstance(body.get("store_id"), int) and body["store_id"] % 2:
        body["store_id"] = STORE_ID
    return body


def head_office_schema(url: str) -> Any:
    schema = fuzz.load(url)
    fuzz.steer(
        schema,
        bodies={
            "POST /sync/v1/push": own_store,
            "POST /api/v1/central-stock/receipts": known_sku,
            "POST /api/v1/central-stock/adjustments": known_sku,
            "POST /api/v1/replenishments": replenishment_for_own_store,
        },
        queries={"GET /sync/v1/changes": own_store},
        path_parameters={
            "GET /api/v1/products/{sku}": known_sku,
            "PATCH /api/v1/products/{sku}": known_sku,
            "GET /api/v1/shop/products/{sku}": known_sku,
            "PUT /api/v1/shop/cart/lines/{sku}": known_sku,
        },
    )
    return schema


def store_schema(url: str) -> Any:
    schema = fuzz.load(url)
    fuzz.steer(
        schema,
        bodies={
            "POST /api/v1/sales": payable_sale,
            "POST /api/v1/stock/adjustments": known_sku,
            "POST /api/v1/restock-requests": known_sku,
        },
        path_parameters={"GET /api/v1/products/{code}": lambda p: known_sku(p, "code")},
    )
    return schema


def signed_in(staff: dict[str, str], sign_out: dict[str, str] | None = None,
              store_token: dict[str, str] | None = None, customer: dict[str, str] | None = None):
    """Headers per operation: the sync token on /sync/v1, a customer's on the online shop, a
    token of its own for signing out, the staff member's everywhere else."""

    def headers_for(operation: Any) -> dict[str, str]:
        if store_token is not None and operation.path.startswith("/sync/"):
            return store_token
        if customer is not None and operation.path.startswith("/api/v1/shop/"):
            return customer
        if sign_out is not None and (operation.method, operation.path) == ("delete", "/api/v1/session"):
            return sign_out
        return staff

    return headers_for


@pytest.fixture(scope="module")
def tokens(head_office_url, store_url, chain) -> dict[str, dict[str, str]]:
    """Every token the tests use, taken before any fuzzing: generated sign-ins fail, and
    enough failures lock this address out of signing in for a while. Registers 1 and 2 get a
    shift opened, as a till does before its first sale."""
    signed = {
        "head_office": bearer(head_office_url, "manager", "manager"),
        "head_office_sign_out": bearer(head_office_url, "manager", "manager"),
        "sync": {"Authorization": f"Bearer {chain['store_token']}"},
        "customer": bearer(head_office_url, *CUSTOMER),
        "store": bearer(store_url, "storemgr3", "storemgr"),
        "store_sign_out": bearer(store_url, "storemgr3", "storemgr"),
    }
    for register in REGISTERS:
        opened = requests.post(store_url + "/api/v1/shifts", headers=signed["store"], timeout=10,
                               json={"register": register, "opening_float_cents": 20_000})
        assert opened.status_code == 201, opened.text
    return signed


def test_head_office_api_keeps_its_contract(head_office_url, tokens):
    headers_for = signed_in(tokens["head_office"], sign_out=tokens["head_office_sign_out"],
                            store_token=tokens["sync"], customer=tokens["customer"])
    report = fuzz.run(head_office_schema(head_office_url), head_office_url, headers_for,
                      max_examples=MAX_EXAMPLES, budget_s=BUDGET_S)
    print(report.summary())
    assert report.failures == {}, report.summary()
    assert report.by_operation["POST /sync/v1/push [positive]"].get(200), "no push went through"


def test_store_api_keeps_its_contract(store_url, tokens):
    headers_for = signed_in(tokens["store"], sign_out=tokens["store_sign_out"])
    report = fuzz.run(store_schema(store_url), store_url, headers_for,
                      max_examples=MAX_EXAMPLES, budget_s=BUDGET_S)
    print(report.summary())
    assert report.failures == {}, report.summary()
    assert report.by_operation["POST /api/v1/sales [positive]"].get(201), "no generated sale went through"


def test_linked_calls_keep_the_contract_on_both_services(head_office_url, store_url, tokens):
    """Sequences that follow the links schemathesis infers from each document: create a
    replenishment then approve, reject or ship it; sell then return; ask for goods then read
    the request..."""
    head_office_headers = signed_in(tokens["head_office"], store_token=tokens["sync"],
                                    customer=tokens["customer"])
    store_headers = signed_in(tokens["store"])
    reports = []
    for url, schema, headers_for in (
        (head_office_url, head_office_schema(head_office_url), head_office_headers),
        (store_url, store_schema(store_url), store_headers),
    ):
        schema = schema.exclude(method="DELETE", path="/api/v1/session")
        report = fuzz.run_stateful(schema, url, headers_for, scenarios=SCENARIOS, steps=STEPS,
                                   budget_s=STATEFUL_BUDGET_S)
        print(f"{url}: {report.links} links; {report.summary()}")
        assert report.links > 0, "schemathesis found no link to follow"
        reports.append(report)
    assert [report.failures for report in reports] == [{}, {}], "\n".join(r.summary() for r in reports)
