"""API authentication: tokens, roles, stores, expiry, sign-out, throttling."""

from __future__ import annotations

import time

import pytest

from tests.store_node.conftest import Api


def test_every_api_call_needs_a_token(client) -> None:
    for path in ("/api/v1/products", "/api/v1/sales", "/api/v1/stock", "/api/v1/central-stock",
                 "/api/v1/restock-requests", "/api/v1/reports/daily", "/api/v1/sync/status"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert set(response.json) == {"code", "status", "message", "errors"}
    bad = client.get("/api/v1/products", headers={"Authorization": "Bearer forged.token.value"})
    assert bad.status_code == 401 and bad.json["code"] == "invalid_token"


def test_wrong_password_and_unknown_user_look_alike(client) -> None:
    wrong = client.post("/api/v1/session", json={"username": "cashier3", "password": "x"})
    unknown = client.post("/api/v1/session", json={"username": "ghost", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["message"] == unknown.json["message"]
    assert "password" not in str(wrong.json["errors"])


def test_staff_of_another_store_cannot_sign_in_here_but_managers_can(client) -> None:
    other = client.post("/api/v1/session", json={"username": "cashier2", "password": "cashier"})
    assert other.status_code == 403 and other.json["code"] == "wrong_store"
    assert client.post("/api/v1/session",
                       json={"username": "manager", "password": "manager"}).status_code == 200


def test_sign_out_revokes_the_token(client) -> None:
    api = Api(client, "cashier3", "cashier")
    assert api.get("/stock").status_code == 200
    assert client.delete("/api/v1/session", headers=api.headers).status_code == 204
    response = api.get("/stock")
    assert response.status_code == 401 and response.json["code"] == "token_revoked"


def test_tokens_expire(client, monkeypatch: pytest.MonkeyPatch) -> None:
    api = Api(client, "cashier3", "cashier")
    real = time.time
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real() + 8 * 3600 + 5)
    response = api.get("/stock")
    assert response.status_code == 401 and response.json["code"] == "token_expired"


@pytest.mark.parametrize("app_config", [{"LOGIN_MAX_FAILURES": 3, "LOGIN_LOCKOUT_S": 60}])
def test_repeated_failed_sign_ins_are_refused_for_a_while(client) -> None:
    for _ in range(3):
        assert client.post("/api/v1/session",
                           json={"username": "cashier3", "password": "bad"}).status_code == 401
    locked = client.post("/api/v1/session", json={"username": "cashier3", "password": "cashier"})
    assert locked.status_code == 429 and locked.json["code"] == "too_many_attempts"
    assert "Try again in" in locked.json["message"]


def test_unknown_fields_in_sign_in_are_refused(client) -> None:
    response = client.post("/api/v1/session",
                           json={"username": "cashier3", "password": "cashier", "admin": True})
    assert response.status_code == 422 and "admin" in response.json["errors"]


def test_health_metrics_and_openapi(client) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    client.get("/api/v1/stock")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert b'comptoir_http_requests_total{endpoint="/api/v1/stock"' in metrics.data
    spec = client.get("/api/openapi.json").json
    assert "/api/v1/sales" in spec["paths"] and "/api/v1/returns" in spec["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b'src="/vendor/swagger-ui/swagger-ui-bundle.js"' in docs.data  # served here, no CDN
    bundle = client.get("/vendor/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.data) > 100_000
    bundle.close()


def test_health_is_503_when_the_database_cannot_be_read(app, client, data_dir) -> None:
    from store_node.db import DB_FILENAME

    app.extensions["comptoir_store"].close()
    (data_dir / DB_FILENAME).rename(data_dir / "moved.sqlite3")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["code"] == "unavailable"


def test_unknown_api_path_and_method_use_the_error_format(client) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json["code"] == "not_found"
    response = client.put("/api/v1/sales")
    assert response.status_code == 405 and response.json["code"] == "method_not_allowed"
