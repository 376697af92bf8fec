"""Classes of hostile input on every route of both services (their url_maps, so a route added
tomorrow is covered): odd Unicode, huge numbers, ids at and past the INT32 and INT64 bounds in
paths and queries, odd JSON values and lone surrogates, long headers, and every form posted
without or with a wrong CSRF token. Never a 500, never a traceback; refused forms change nothing."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import text

from tests.edge.test_every_route import FORM_FIELDS, no_500, routes, sample

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
BOUNDS = [str(INT32_MAX), str(INT32_MAX + 1), str(INT64_MAX), str(INT64_MAX + 1), "0", "-0", "00000000001"]
ODD = ["１２３", "\u200f1\u200e", "1\u202e", "²", "①", "𝟗", "١٢٣", "1_000", " 1", "1 ", "+1", "0x10", "1e3",
       "\ufeff1", "ﬁ", "Ǆ", "\u0301", "é" * 300]
DATES = ["0001-01-01", "9999-12-31", "2026-02-29", "2026-13-01", "２０２６-０１-０１", "2026-1-1", "+2026-01-01",
         "2026-01-01T00:00:00", "20260101"]
SEGMENTS = BOUNDS + ODD
QUERY_NAMES = ("q", "page", "page_size", "store", "date", "from", "to", "status", "sku", "receipt", "code",
               "limit", "category", "after", "low", "order_id", "state", "register", "cursor", "protocol",
               "store_id", "needed", "by", "new_sku", "new_store")
JSON_VALUES = [10**30, -(10**30), 1e308, -1e308, 2**63, 2**31, -(2**31) - 1, 0.5, True, None, [], {}, [[[]]],
               {"a": {"b": 1}}, "１２３", "\u200f\u202e", "x" * 100_000]
# Raw JSON text (what json.dumps would not write): lone surrogates, a huge exponent, duplicates.
RAW_BODIES = [
    '{"username": "\\ud800", "password": "\\udfff", "sku": "\\ud800", "qty": 1, "reason": "\\ud800x"}',
    '{"qty": 1e400, "amount_cents": 1e400, "price_cents": -1e400, "counted": 1e400, "delta": 1e400}',
    '{"qty": 1, "qty": "x", "sku": "GRO-001", "sku": ["GRO-001"]}',
    '{"lines": [{"sku": "GRO-001", "qty": 1, "discount_percent": 1e-400}], "payments": []}',
    '"just a string"', "123456789012345678901234567890", "null", "[]", "{}",
]


def fill(rule, value: str) -> str:
    import re

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda _m: quote(value, safe=""), rule.rule)


def test_every_route_survives_bounds_and_odd_unicode_in_paths_and_queries(service):
    client, headers = service.page_client, service.api_headers
    for rule, method in routes(service.app):
        if method != "GET":
            continue
        if rule.arguments:
            for value in SEGMENTS:
                path = fill(rule, value)
                no_500(service, method, path, client.get(path, headers=headers))
        for value in SEGMENTS:
            path = sample(rule) + "?" + urlencode({name: value for name in QUERY_NAMES})
            no_500(service, method, path, client.get(path, headers=headers))
        for start in DATES:
            for end in ("9999-12-31", "0001-01-02", start):
                path = sample(rule) + "?" + urlencode({"date": start, "from": start, "to": end})
                no_500(service, method, path, client.get(path, headers=headers))


def test_every_route_survives_odd_json_values_and_raw_json(service):
    client, headers = service.page_client, service.api_headers
    for rule, method in routes(service.app):
        if method == "GET" or "logout" in rule.endpoint or rule.rule == "/api/v1/session" and method == "DELETE":
            continue
        path = sample(rule)
        if not path.startswith(("/api/", "/sync/")):
            continue
        for value in JSON_VALUES:
            body = {name: value for name in (*FORM_FIELDS, "lines", "payments", "amount_cents", "counted",
                                             "opening_float_cents", "counted_cash_cents", "counts", "card",
                                             "events", "protocol", "store_id", "register", "approver")}
            no_500(service, method, path, client.open(path, method=method, json=body, headers=headers))
            nested = {"lines": [{"sku": "GRO-001", "qty": value}], "payments": [{"tender": "cash",
                                                                                "amount_cents": value}],
                      "counts": {"2000": value}, "card": {"number": value, "exp_month": value,
                                                          "exp_year": value, "cvc": value}}
            no_500(service, method, path, client.open(path, method=method, json=nested, headers=headers))
        for raw in RAW_BODIES:
            response = client.open(path, method=method, data=raw, content_type="application/json",
                                   headers=headers)
            no_500(service, method, path, response)


@pytest.mark.parametrize(
    "name, value",
    [
        ("Authorization", "Bearer " + "x" * 60_000),
        ("Authorization", "Bearer \u00e9\u00e9"),
        ("Authorization", "Basic " + "a" * 10),
        ("Accept-Language", "fr-CA;q=0.9, " * 3000),
        ("Accept-Language", "xx;q=abc, ;q=, fr;q=1e400"),
        ("X-Request-Id", "r" * 20_000),
        ("X-Forwarded-For", ", ".join(["10.0.0.1"] * 3000)),
        ("Cookie", "session=" + "a" * 30_000),
        ("Idempotency-Key", "k" * 20_000),
        ("HX-Request", "true" * 5000),
        ("Content-Length", "99999999999999999999"),
    ],
)
def test_long_and_odd_headers_never_give_a_500(service, name, value):
    client = service.page_client
    for path in ("/", "/login", "/api/v1/products", "/api/v1/session", "/healthz", "/api/openapi.json"):
        for method in ("GET", "POST"):
            headers = {**service.api_headers, name: value} if name != "Authorization" else {name: value}
            if name == "Content-Length" and method == "GET":
                continue
            response = client.open(path, method=method, headers=headers,
                                   data=None if name == "Content-Length" else json.dumps({"username": "x"}),
                                   content_type="application/json")
            no_500(service, method, path, response)


def _row_counts(service) -> dict[str, int]:
    if service.name == "store":
        from store_node.db import open_existing

        db = open_existing(service.app.config["DATA_DIR"])
        try:
            names = [r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {n: db.conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
        finally:
            db.close()
    engine = service.app.extensions["comptoir_engine"]
    with engine.connect() as conn:
        names = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))]
        return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}


def test_every_form_posted_without_or_with_a_wrong_csrf_token_is_403_and_changes_nothing(service):
    client = service.page_client
    before = _row_counts(service)
    for rule, method in routes(service.app):
        path = sample(rule)
        if method == "GET" or path.startswith(("/api/", "/sync/")):
            continue
        form = {name: "1" for name in FORM_FIELDS} | {"sku": "GRO-001", "username": "manager"}
        for token in (None, "wrong", "IjAwMCI.aaaa.bbbb"):
            data = form if token is None else {**form, "csrf_token": token}
            response = client.open(path, method=method, data=data)
            no_500(service, method, path, response)
            if rule.endpoint is not None and response.status_code != 405:
                assert response.status_code == 403, (method, path, token, response.status_code)
            header = client.open(path, method=method, data=form, headers={"X-CSRF-Token": token or ""})
            no_500(service, method, path, header)
    after = _row_counts(service)
    changed = {n: (before[n], after.get(n)) for n in before if before[n] != after.get(n)}
    # Signing in attempts are counted (throttling); nothing else may move.
    assert {n for n in changed if "throttle" not in n and "login" not in n} == set(), changed
