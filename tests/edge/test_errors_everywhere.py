"""The generic edge: whatever a client sends, both services answer with the common error body, never a 500."""

from __future__ import annotations

import json
import logging
import re

import pytest

from common import limits

FAULTS = {
    # name: (method, path, kwargs, status, code)
    "malformed json": ("POST", "/api/v1/session", {"data": "{not json", "content_type": "application/json"},
                       400, "malformed_json"),
    "invalid field": ("POST", "/api/v1/session", {"json": {"username": "manager"}}, 422, "validation_error"),
    "unknown path": ("GET", "/api/v1/nothing-here", {}, 404, "not_found"),
    "no token": ("GET", "/api/v1/products", {}, 401, "unauthorized"),
    "wrong method": ("PUT", "/api/v1/products", {}, 405, "method_not_allowed"),
    "too deep": ("POST", "/api/v1/session", {"data": "[" * 50_000, "content_type": "application/json"},
                 400, "malformed_json"),
    "too large": ("POST", "/api/v1/session", {"data": b" " * (limits.JSON_MAX_BYTES + 1),
                                              "content_type": "application/json"}, 413, "payload_too_large"),
    "plain text": ("POST", "/api/v1/session", {"data": '{"username": "a", "password": "b"}',
                                               "content_type": "text/plain"}, 415, "unsupported_media_type"),
    "nul in query": ("GET", "/api/v1/products?q=%00", {}, 422, "validation_error"),
    "nul in json": ("POST", "/api/v1/session", {"json": {"username": "a\x00", "password": "b"}},
                    422, "validation_error"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_same_fault_same_code_on_both_services(head_office, store, fault):
    method, path, kwargs, status, code = FAULTS[fault]
    for service in (head_office, store):
        response = service.client.open(path, method=method, **kwargs)
        body = response.json
        assert (response.status_code, body["code"]) == (status, code), (service.name, body)
        assert body["status"] == status and body["message"] and isinstance(body["errors"], dict)


def test_nul_byte_in_any_query_is_a_422_not_a_500(service):
    for path in ("/api/v1/products", "/api/v1/stock", "/stock", "/products", "/sell/search"):
        response = service.page_client.get(path + "?q=milk%00", headers=service.api_headers)
        assert response.status_code in (422, 404), (service.name, path, response.status_code)
        if response.status_code == 422 and path.startswith("/api/"):
            assert response.json["code"] == "validation_error"
            assert "q" in response.json["errors"]


def test_deeply_nested_json_is_refused_before_parsing(service):
    deep = "[" * 50_000
    for path in ("/api/v1/session", "/sync/v1/push", "/api/v1/sales", "/api/v1/products"):
        response = service.client.post(path, data=deep, content_type="application/json",
                                       headers=service.api_headers)
        assert response.status_code == 400, (path, response.status_code)
        assert response.json["code"] == "malformed_json"
        assert str(limits.JSON_MAX_DEPTH) in response.json["message"]
    shallow = json.dumps({"username": [[[[1]]]], "password": "x"})
    response = service.client.post("/api/v1/session", data=shallow, content_type="application/json")
    assert response.status_code == 422  # parsed, then refused by the schema


def test_a_sync_push_may_be_larger_than_other_bodies(service):
    big = b'{"events": [], "pad": "' + b"x" * (limits.JSON_MAX_BYTES + 10) + b'"}'
    response = service.client.post("/sync/v1/push", data=big, content_type="application/json")
    assert response.status_code != 413  # up to limits.PUSH_MAX_BYTES: refused for its token, not its size
    huge = b'{"events": [], "pad": "' + b"x" * (limits.PUSH_MAX_BYTES + 10) + b'"}'
    response = service.client.post("/sync/v1/push", data=huge, content_type="application/json")
    assert response.status_code == 413 and response.json["code"] == "payload_too_large"


def test_id_beyond_column_range_is_404(head_office, store):
    response = head_office.client.get("/api/v1/stores/339533445555403/stock", headers=head_office.api_headers)
    assert response.status_code == 404 and response.json["code"] == "not_found"
    response = head_office.client.get(f"/api/v1/stores/{limits.INT32_MAX + 1}/stock",
                                      headers=head_office.api_headers)
    assert response.status_code == 404
    response = head_office.client.get("/api/v1/stores/٣/stock", headers=head_office.api_headers)
    assert response.status_code == 404  # not ASCII digits: no such route
    response = head_office.client.get("/api/v1/replenishments?store=339533445555403",
                                      headers=head_office.api_headers)
    assert response.status_code == 404 and "store" in response.json["errors"]
    response = head_office.client.post(f"/api/v1/replenishments/{limits.INT32_MAX + 1}/approve",
                                       headers=head_office.api_headers)
    assert response.status_code == 404
    response = store.page_client.post("/sell/lines/99999999999999/remove")
    assert response.status_code == 404


def test_numbers_are_ascii_digits(head_office, store):
    response = head_office.client.get("/api/v1/reports/sales?store=²", headers=head_office.api_headers)
    assert response.status_code in (400, 404, 422) and response.json["code"] != "internal_error"
    response = head_office.client.get("/api/v1/products?page=²", headers=head_office.api_headers)
    assert response.status_code == 422 and "page" in response.json["errors"]
    response = head_office.client.get("/api/v1/products?page=٣", headers=head_office.api_headers)
    assert response.status_code == 422 and "page" in response.json["errors"]
    response = store.client.get("/api/v1/products?page=1528136557709570048", headers=store.api_headers)
    assert response.status_code == 422 and "page" in response.json["errors"]
    response = store.client.get(f"/api/v1/products?page={limits.PAGE_MAX}", headers=store.api_headers)
    assert response.status_code == 200 and response.json == [] or response.status_code == 200
    page = head_office.page_client.get("/products?page=٣")
    assert page.status_code == 200
    page = head_office.page_client.get("/replenishments?store=²")  # names no store
    assert page.status_code == 404 and "²" in page.get_data(as_text=True)


def test_text_plain_json_is_415_not_a_missing_data_422(service):
    response = service.client.post("/api/v1/session", data=json.dumps({"username": "x", "password": "y"}),
                                   content_type="text/plain")
    assert response.status_code == 415
    assert response.json["code"] == "unsupported_media_type"
    assert "application/json" in response.json["message"]


def test_unexpected_errors_are_logged_with_method_path_and_request_id(service, caplog, monkeypatch):
    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setitem(service.app.view_functions, "healthz", boom)
    with caplog.at_level(logging.ERROR, logger="comptoir.web"):
        response = service.client.get("/healthz", headers={"X-Request-Id": "req-42"})
    assert response.status_code == 500
    assert response.json == {"code": "internal_error", "status": 500, "errors": {},
                             "message": response.json["message"]}
    assert "secret" not in response.get_data(as_text=True)
    assert response.headers["X-Request-Id"] == "req-42"
    logged = [r for r in caplog.records if r.name == "comptoir.web"]
    assert logged and "GET /healthz" in logged[0].getMessage() and "req-42" in logged[0].getMessage()
    assert logged[0].exc_info is not None  # the traceback is in the log, not the response


def test_request_id_is_generated_unless_the_callers_is_sane(service):
    mine = service.client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert mine.headers["X-Request-Id"] == "abc-123"
    for bad in ("x" * 200, "a b", "<script>"):
        response = service.client.get("/healthz", headers={"X-Request-Id": bad})
        assert re.fullmatch(r"[0-9a-f]{16}", response.headers["X-Request-Id"])


def test_error_pages_are_readable_for_browsers(service):
    page = service.page_client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Not found" in page.get_data(as_text=True) and "Traceback" not in page.get_data(as_text=True)
    page = service.page_client.get("/stock?q=%00", headers={"Accept": "text/html"})
    assert page.status_code == 422 and page.mimetype == "text/html"
    assert "printable" in page.get_data(as_text=True)


def test_a_fault_in_the_till_does_not_sign_the_cashier_out(store, monkeypatch):
    import store_node.auth.guard as guard

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug, not a bad token")

    with monkeypatch.context() as patch:
        patch.setattr(guard, "staff_for_token", broken)
        response = store.page_client.get("/sell", headers={"Accept": "text/html"})
        assert response.status_code == 500
        assert "Something went wrong" in response.get_data(as_text=True)
    still = store.page_client.get("/sell")
    assert still.status_code == 200 and "storemgr3" in still.get_data(as_text=True)


def test_an_expired_or_foreign_token_signs_the_cashier_out(store):
    with store.page_client.session_transaction() as session:
        session["token"] = "garbled"
    response = store.page_client.get("/sell")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
