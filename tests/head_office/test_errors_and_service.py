import pytest
from sqlalchemy import func, select

from head_office.models import LoginFailure, RevokedToken


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "manager"}, "password"),
        ({"username": "", "password": "x"}, "username"),
        ({"username": 12, "password": "x"}, "username"),
        ({"username": "manager", "password": "manager", "role": "admin"}, "role"),
        ({"username": "m" * 5000, "password": "x"}, "username"),
    ],
)
def test_bad_sign_in_bodies_get_422_naming_the_field_and_write_nothing(client, db_session, body, field):
    response = client.post("/api/v1/session", json=body)
    assert response.status_code == 422
    assert response.json["code"] == "validation_error"
    assert field in response.json["errors"]
    assert field in response.json["message"]
    assert db_session.scalar(select(func.count()).select_from(LoginFailure)) == 0
    assert db_session.scalar(select(func.count()).select_from(RevokedToken)) == 0


def test_malformed_json_gets_400(client):
    response = client.post("/api/v1/session", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json["code"] == "malformed_json"


def test_unknown_api_path_is_json_404_and_a_page_for_browsers(client):
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404 and api.json["code"] == "not_found"
    page = client.get("/nothing-here", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert b"Not found" in page.data and b"Traceback" not in page.data


def test_wrong_method_is_405_in_the_error_format(client):
    response = client.put("/api/v1/products")
    assert response.status_code == 405
    assert response.json["code"] == "method_not_allowed"


def test_unexpected_errors_never_leak_a_traceback(app, client):
    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json["code"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)


def test_healthz_reports_ok_with_a_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_healthz_reports_503_when_the_database_is_unreachable(app_config, ho_engine):
    from head_office.app import create_app

    app = create_app({**app_config, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    app.extensions["comptoir_engine"].dispose()


def test_metrics_count_requests_per_endpoint(client):
    client.get("/healthz")
    client.get("/api/v1/products/ABC")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'comptoir_http_requests_total{endpoint="healthz",method="GET",service="head_office",status="200"}' in text
    assert 'endpoint="products.get_product"' in text
    assert "comptoir_http_request_duration_seconds_bucket" in text


def test_openapi_document_and_docs_page_are_served_locally(client, make_user, token_for):
    assert client.get("/api/openapi.json").status_code == 401  # docs are for signed-in users
    assert client.get("/api/docs").status_code == 401
    make_user("reader", "reader-pw")
    headers = token_for("reader", "reader-pw")
    spec = client.get("/api/openapi.json", headers=headers).json
    assert "/api/v1/products" in spec["paths"]
    assert "/api/v1/session" in spec["paths"]
    page = client.get("/api/docs", headers=headers).get_data(as_text=True)
    assert "/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "http" not in page.split("swagger-ui-bundle.js")[0].split("<script src=")[-1]
    bundle = client.get("/vendor/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    bundle.close()


def test_pages_show_ages_for_people():
    from datetime import timedelta

    from common.clock import isoformat_z, utcnow
    from head_office.app import time_ago

    assert time_ago(None) == "never"
    assert time_ago(isoformat_z(utcnow() - timedelta(seconds=200))) == "3 min ago"
    assert time_ago(isoformat_z(utcnow() - timedelta(hours=2, minutes=5))) == "2 h 5 min ago"
    assert time_ago("not a time") == "not a time"
