"""Both OpenAPI documents are exact enough for a client (or schemathesis) to rely on."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

METHODS = {"get", "post", "put", "patch", "delete"}
LIMIT_KEYWORDS = {
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
}
# Operations open to anyone (no token).
PUBLIC = {
    ("post", "/api/v1/session"),
    ("post", "/api/v1/shop/customers"),
    ("get", "/api/v1/shop/products"),
    ("get", "/api/v1/shop/products/{sku}"),
}
# Actions that read no body (a POST, PUT or PATCH not listed here must document its body).
TAKES_NO_BODY = {
    ("post", "/api/v1/replenishments/{rep_id}/ship"),
    ("post", "/api/v1/orders/{order_id}/ship"),
    ("post", "/api/v1/orders/{order_id}/cancel"),
}
# GET endpoints that answer a list: the list is under "items".
LIST_ENDPOINTS = {
    "head_office": [
        "/api/v1/products", "/api/v1/stores", "/api/v1/users", "/api/v1/central-stock",
        "/api/v1/stores/{store_id}/stock", "/api/v1/replenishments",
    ],
    "store": [
        "/api/v1/products", "/api/v1/sales", "/api/v1/stock", "/api/v1/central-stock",
        "/api/v1/restock-requests",
    ],
}


@pytest.fixture(scope="module")
def documents(head_office_app, store_app) -> dict[str, dict[str, Any]]:
    docs = {}
    for name, app in (("head_office", head_office_app), ("store", store_app)):
        response = app.test_client().get("/api/openapi.json")
        assert response.status_code == 200
        docs[name] = response.json
    return docs


def operations(doc: dict[str, Any]):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        parts = node["$ref"].removeprefix("#/").split("/")
        target: Any = doc
        for part in parts:
            assert part in target, f"dangling reference {node['$ref']}"
            target = target[part]
        node = target
    return node


def walk(node: Any, where: str = ""):
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}[{index}]")


@pytest.mark.parametrize("service", ["head_office", "store"])
def test_every_body_and_every_documented_response_has_a_schema(documents, service):
    doc = documents[service]
    missing = []
    for path, method, operation in operations(doc):
        if method in {"post", "put", "patch"} and (method, path) not in TAKES_NO_BODY:
            body = resolve(doc, operation.get("requestBody", {}))
            if not body.get("content", {}).get("application/json", {}).get("schema"):
                missing.append(f"{method.upper()} {path}: request body")
        assert operation["responses"], f"{method.upper()} {path} documents no response"
        for status, response in operation["responses"].items():
            response = resolve(doc, response)
            if status in ("204", "304"):
                assert "content" not in response
                continue
            content = response.get("content") or {}
            if not any(media.get("schema") for media in content.values()):
                missing.append(f"{method.upper()} {path}: response {status}")
    assert missing == []


@pytest.mark.parametrize("service", ["head_office", "store"])
def test_no_schema_is_an_anonymous_generated_one(documents, service):
    names = list(documents[service]["components"]["schemas"])
    assert [name for name in names if name.startswith("Generated")] == []


@pytest.mark.parametrize("service", ["head_office", "store"])
def test_every_numeric_limit_is_a_number(documents, service):
    wrong = [
        f"{where}.{key} = {node[key]!r}"
        for where, node in walk(documents[service])
        for key in LIMIT_KEYWORDS & set(node)
        if not isinstance(node[key], int | float) or isinstance(node[key], bool)
    ]
    assert wrong == []


@pytest.mark.parametrize("service", ["head_office", "store"])
def test_the_error_schema_is_code_status_message_errors(documents, service):
    error = documents[service]["components"]["schemas"]["Error"]
    types = {name: spec["type"] for name, spec in error["properties"].items()}
    assert types == {"code": "string", "status": "integer", "message": "string", "errors": "object"}
    assert sorted(error["required"]) == ["code", "errors", "message", "status"]


@pytest.mark.parametrize("service", ["head_office", "store"])
def test_every_error_status_is_listed_with_the_error_body_and_none_is_left_to_a_default(documents, service):
    """No catch-all ``default`` response (it would make any status conform): each operation lists
    the statuses the edge may answer on it, each with the Error body."""
    doc = documents[service]
    wrong = []
    for path, method, operation in operations(doc):
        responses = operation["responses"]
        label = f"{method.upper()} {path}"
        if "default" in responses:
            wrong.append(f"{label}: a default response")
        expected = {"422"}
        if operation.get("security", doc["security"]):
            expected |= {"401", "403"}
        if "{" in path:
            expected.add("404")
        if method in {"post", "put", "patch", "delete"}:
            expected |= {"400", "413", "415"}
        wrong += [f"{label}: {status} not documented" for status in sorted(expected - set(responses))]
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                # The Error body, or one that extends it (a refused checkout names its order).
                schema = resolve(doc, resolve(doc, response)["content"]["application/json"]["schema"])
                if not {"code", "status", "message", "errors"} <= set(schema.get("properties", {})):
                    wrong.append(f"{label}: {status} is not the Error body")
    assert wrong == []


@pytest.mark.parametrize("service", ["head_office", "store"])
def test_signing_in_documents_429_with_retry_after(documents, service):
    doc = documents[service]
    throttled = resolve(doc, doc["paths"]["/api/v1/session"]["post"]["responses"]["429"])
    assert throttled["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert throttled["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


@pytest.mark.parametrize("service", ["head_office", "store"])
def test_every_operation_names_how_it_is_authenticated(documents, service):
    doc = documents[service]
    schemes = doc["components"]["securitySchemes"]
    assert doc["security"] and all(name in schemes for entry in doc["security"] for name in entry)
    for path, method, operation in operations(doc):
        security = operation.get("security", doc["security"])
        if (method, path) in PUBLIC:
            assert security == [], f"{method.upper()} {path} needs no token: say so with security []"
        else:
            assert security, f"{method.upper()} {path} has no security requirement"
            for entry in security:
                assert set(entry) <= set(schemes), f"{method.upper()} {path}: unknown scheme {entry}"


def test_the_sync_endpoints_take_a_store_token(documents):
    doc = documents["head_office"]
    scheme = doc["components"]["securitySchemes"]["storeToken"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    push = doc["paths"]["/sync/v1/push"]["post"]
    changes = doc["paths"]["/sync/v1/changes"]["get"]
    assert push["security"] == changes["security"] == [{"storeToken": []}]
    envelope = resolve(doc, push["requestBody"]["content"]["application/json"]["schema"])
    assert {"protocol", "store_id", "events"} <= set(envelope["required"])
    assert {p["name"] for p in changes["parameters"]} >= {"protocol", "cursor", "limit"}
    reply = resolve(doc, push["responses"]["200"]["content"]["application/json"]["schema"])
    assert "acked_through" in reply["properties"]


@pytest.mark.parametrize("service", ["head_office", "store"])
def test_list_endpoints_answer_items(documents, service):
    doc = documents[service]
    for path in LIST_ENDPOINTS[service]:
        response = resolve(doc, doc["paths"][path]["get"]["responses"]["200"])
        schema = resolve(doc, response["content"]["application/json"]["schema"])
        assert schema["properties"]["items"]["type"] == "array", path


@pytest.mark.parametrize("service", ["head_office", "store"])
def test_schemathesis_generates_valid_requests_for_every_operation(documents, service):
    """The documents load in schemathesis and every operation yields requests its own schema
    accepts (a limit written as a string, say, makes that impossible)."""
    schema = schemathesis.openapi.from_dict(documents[service])
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        assert generate(operation), operation.label
        labels.append(operation.label)
    assert ("POST /api/v1/sales" in labels) == (service == "store")
    assert ("POST /sync/v1/push" in labels) == (service == "head_office")


def generate(operation: Any, count: int = 3) -> list[Any]:
    """A few requests schemathesis generates for ``operation`` (valid data)."""
    cases: list[Any] = []

    def keep(case: Any) -> None:
        cases.append(case)

    settings(max_examples=count, derandomize=True, database=None, deadline=None,
             suppress_health_check=list(HealthCheck))(given(case=operation.as_strategy())(keep))()
    return cases


def test_the_status_code_check_fails_on_an_undocumented_status(documents, head_office_url):
    """The contract run's status-code check can fail: with 401 taken out of the document of
    ``GET /api/v1/stores``, the same call without a token breaks it; as served, it conforms."""
    from schemathesis.specs.openapi.checks import status_code_conformance

    served = documents["head_office"]
    trimmed = copy.deepcopy(served)
    del trimmed["paths"]["/api/v1/stores"]["get"]["responses"]["401"]
    outcomes = {}
    for name, document in (("served", served), ("trimmed", trimmed)):
        operation = schemathesis.openapi.from_dict(document)["/api/v1/stores"]["GET"]
        case = operation.Case()
        response = case.call(base_url=head_office_url, timeout=10)
        assert response.status_code == 401
        try:
            case.validate_response(response, checks=[status_code_conformance])
        except BaseException as failure:  # noqa: BLE001 - schemathesis raises a FailureGroup
            outcomes[name] = str(failure)
        else:
            outcomes[name] = "conforms"
    assert outcomes["served"] == "conforms"
    assert "Undocumented status code" in outcomes["trimmed"] and "Received: 401" in outcomes["trimmed"]


API_PREFIXES = ("/api/v1/", "/sync/v1/")


@pytest.mark.parametrize("service", ["head_office", "store"])
def test_every_api_route_the_app_serves_is_in_its_document(documents, head_office_app, store_app, service):
    """The document is written on first read (common/web/apidoc.py): it still holds every
    operation the app routes, none left out by the deferral."""
    app = {"head_office": head_office_app, "store": store_app}[service]
    documented = {(path, method) for path, method, _ in operations(documents[service])}
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIXES):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            routed.add((path, method.lower()))
    assert routed - documented == set()
    assert documented - routed == set()


def test_the_document_is_written_once_when_many_read_it_first_at_once(tmp_path):
    """Eight threads ask a fresh app for its document at the same moment: each gets the same
    whole document, every view written once."""
    from concurrent.futures import ThreadPoolExecutor

    from store_node.app import close_app, create_app
    from store_node.setup import init_store

    init_store(tmp_path, 3, "http://127.0.0.1:9", "test-token")
    app = create_app({"DATA_DIR": str(tmp_path), "TESTING": True, "PUBLIC_API_DOCS": True})
    try:
        with ThreadPoolExecutor(8) as pool:
            bodies = list(pool.map(lambda _: app.test_client().get("/api/openapi.json").get_data(),
                                   range(8)))
        assert len(set(bodies)) == 1
        reread = app.test_client().get("/api/openapi.json").get_data()
        assert reread == bodies[0]
        assert b'"/api/v1/sales"' in reread
    finally:
        close_app(app)
