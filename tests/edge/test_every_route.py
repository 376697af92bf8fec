"""Every route of both services, fed what an attacker or a careless client sends: never a 500.

The routes come from each app's url_map, so a route added tomorrow is covered
without anyone remembering to.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

from tests.edge.conftest import CSRF_FIELD

SKIPPED_ENDPOINTS = {"static", "vendor", "shared_assets", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}
HOSTILE_SEGMENTS = ["nul\x00byte", "²", "339533445555403", "-1", "9" * 30]
HOSTILE_QUERIES = [
    {name: value for name in ("q", "page", "page_size", "store", "date", "from", "to", "status", "sku",
                              "receipt", "code", "limit", "category", "after", "low", "new_store", "next")}
    for value in ("x\x00y", "²", "339533445555403", "1528136557709570048", "٣", "-5", "2026-02-30")
]
FORM_FIELDS = ("sku", "qty", "code", "cash", "card", "delta", "reason", "note", "receipt", "username",
               "password", "name", "price", "store", "status", "back", "line_no", "discount", "barcode",
               "category", "tax_class", "reorder_point", "max_stock", "price_cents", "amount", "value",
               "qty_1", "qty_2", "mode", "kind", "index", "receipt_number")
HOSTILE_FORM_VALUES = ["²", "٣", "1e400", "99999999999999999999999", "-99999999999999999999", "25000000",
                       "²*GRO-001", "x" * 5000]
JSON_STRINGS = {name: "a\x00b" for name in FORM_FIELDS}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def fill(rule, value: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda _m: quote(value, safe=""), rule.rule)


def sample(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "1" if "int" in m.group(0) else "GRO-001", rule.rule)


def no_500(service, method, path, response):
    assert response.status_code < 500 or response.status_code == 503, (
        service.name, method, path, response.status_code, response.get_data(as_text=True)[:300])
    if response.status_code >= 400 and response.mimetype == "application/json":
        body = response.json
        assert set(body) == {"code", "status", "message", "errors"}, (service.name, path, body)


def test_every_route_survives_hostile_paths_and_queries(service):
    client, headers = service.page_client, service.api_headers
    for rule, method in routes(service.app):
        if method != "GET":
            continue
        paths = [fill(rule, value) for value in HOSTILE_SEGMENTS] if rule.arguments else [rule.rule]
        for path in paths:
            no_500(service, method, path, client.get(path, headers=headers))
        for query in HOSTILE_QUERIES:
            path = sample(rule) + "?" + urlencode(query)
            response = client.get(path, headers=headers)
            no_500(service, method, path, response)
            if "\x00" in query["q"]:
                assert response.status_code in (404, 405, 422), (path, response.status_code)


def test_every_route_survives_hostile_bodies(service):
    client, headers = service.page_client, service.api_headers
    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True))
    csrf = token.group(1) if token else ""
    for rule, method in routes(service.app):
        if method == "GET" or "logout" in rule.endpoint:
            continue  # (signing out would sign the test's browser out)
        paths = [sample(rule)] + ([fill(rule, v) for v in HOSTILE_SEGMENTS] if rule.arguments else [])
        for path in paths:
            is_api = path.startswith(("/api/", "/sync/"))
            deep = client.open(path, method=method, data="[" * 50_000, content_type="application/json",
                               headers=headers)
            no_500(service, method, path, deep)
            if is_api and deep.status_code != 404:
                assert deep.json["code"] == "malformed_json", (path, deep.json)
            nul = client.open(path, method=method, json=JSON_STRINGS, headers=headers)
            no_500(service, method, path, nul)
            if is_api and nul.status_code not in (401, 404) and path != "/sync/v1/push":
                assert nul.status_code == 422 and nul.json["code"] == "validation_error", (path, nul.json)
            plain = client.open(path, method=method, data=json.dumps({"sku": "x"}), content_type="text/plain",
                                headers=headers)
            no_500(service, method, path, plain)
            if is_api and plain.status_code != 404:
                assert plain.status_code == 415, (path, plain.status_code)
            if is_api:
                continue
            for value in HOSTILE_FORM_VALUES:
                form = {name: value for name in FORM_FIELDS} | {"csrf_token": csrf}
                no_500(service, method, path, client.open(path, method=method, data=form))
