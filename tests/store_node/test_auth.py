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
def test_sign_in_throttle_answers_429_with_retry_after(client) -> None:
    for _ in range(3):
        assert client.post("/api/v1/session",
                           json={"username": "cashier3", "password": "bad"}).status_code == 401
    locked = client.post("/api/v1/session", json={"username": "cashier3", "password": "cashier"})
    assert locked.status_code == 429 and locked.json["code"] == "too_many_requests"
    assert "Try again in" in locked.json["message"]
    assert 1 <= int(locked.headers["Retry-After"]) <= 60


def test_unknown_fields_in_sign_in_are_refused(client) -> None:
    response = client.post("/api/v1/session",
                           json={"username": "cashier3", "password": "cashier", "admin": True})
    assert response.status_code == 422 and "admin" in response.json["errors"]


def test_health_metrics_and_openapi(client, cashier) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    client.get("/api/v1/stock")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert b'comptoir_http_requests_total{endpoint="/api/v1/stock"' in metrics.data
    assert client.get("/api/openapi.json").status_code == 401  # docs are for signed-in users
    spec = client.get("/api/openapi.json", headers=cashier.headers).json
    assert "/api/v1/sales" in spec["paths"] and "/api/v1/returns" in spec["paths"]
    docs = client.get("/api/docs", headers=cashier.headers)
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


def _foreign_token(app, issuer: str, username: str) -> dict[str, str]:
    """A token another service would sign, with this store's own secret key (the worst case)."""
    from common.tokens import TokenSigner

    token, _ = TokenSigner(app.config["SECRET_KEY"], 3600, issuer).issue(username, 0)
    return {"Authorization": f"Bearer {token}"}


def test_head_office_token_is_refused_at_a_store(app, client) -> None:
    from common.tokens import HEAD_OFFICE

    for username in ("cashier3", "storemgr3", "manager"):
        headers = _foreign_token(app, HEAD_OFFICE, username)
        response = client.post("/api/v1/stock/adjustments", json={"sku": "GRO-001", "delta": -5,
                                                                   "reason": "damaged"},
                               headers=headers)
        assert response.status_code == 401 and response.json["code"] == "invalid_token"
        assert client.get("/api/v1/stock", headers=headers).status_code == 401


def test_a_token_from_another_store_is_refused(app, client, store) -> None:
    from common.tokens import store_issuer

    before = store.rows("SELECT count(*) FROM stock_movements")
    for username in ("cashier3", "manager"):
        headers = _foreign_token(app, store_issuer(4), username)
        sale = client.post("/api/v1/sales", json={"lines": [{"sku": "GRO-001", "qty": 1}],
                                                   "payments": [{"tender": "cash", "amount_cents": 10000}]},
                           headers=headers)
        assert sale.status_code == 401
    assert store.rows("SELECT count(*) FROM stock_movements") == before
    assert client.get("/api/v1/stock", headers=_foreign_token(app, store_issuer(3), "cashier3")).status_code == 200


def test_a_garbled_token_on_sign_out_is_401(client) -> None:
    for header in ("Bearer garbled", "Bearer abc.def.ghi"):
        response = client.delete("/api/v1/session", headers={"Authorization": header})
        assert response.status_code == 401 and response.json["code"] == "invalid_token"
    assert client.delete("/api/v1/session").status_code == 401


def test_unknown_username_verifies_a_dummy_hash(client, monkeypatch) -> None:
    import common.security as security

    checked: list[str] = []
    real = security.verify_password

    def spy(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(security, "verify_password", spy)
    assert client.post("/api/v1/session", json={"username": "ghost", "password": "x"}).status_code == 401
    assert checked == [security.dummy_password_hash()]


def test_till_sessions_and_tokens_name_the_user_not_a_store_id(app, client) -> None:
    api = Api(client, "cashier3", "cashier")
    claims = app.extensions["comptoir_store"].signer(app.config["SECRET_KEY"]).verify(api.token)
    assert (claims.issuer, claims.username) == ("store:3", "cashier3")


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": "127.0.0.1", "LOGIN_MAX_FAILURES": 3}])
def test_attacker_failures_do_not_lock_out_the_real_user_from_another_address(client) -> None:
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    for _ in range(4):
        client.post("/api/v1/session", json={"username": "cashier3", "password": "bad"}, headers=attacker)
    assert client.post("/api/v1/session", json={"username": "cashier3", "password": "cashier"},
                       headers=attacker).status_code == 429
    assert client.post("/api/v1/session", json={"username": "cashier3", "password": "cashier"},
                       headers={"X-Forwarded-For": "192.0.2.10"}).status_code == 200


@pytest.mark.parametrize("app_config", [{"LOGIN_MAX_FAILURES": 3}])
def test_forwarded_for_is_ignored_from_untrusted_peers(client) -> None:
    for n in range(3):
        client.post("/api/v1/session", json={"username": "cashier3", "password": "bad"},
                    headers={"X-Forwarded-For": f"198.51.100.{n}"})
    assert client.post("/api/v1/session", json={"username": "cashier3", "password": "cashier"},
                       headers={"X-Forwarded-For": "198.51.100.99"}).status_code == 429


@pytest.mark.parametrize("app_config", [{"LOGIN_MAX_FAILURES": 3}])
def test_failed_sign_ins_never_sleep_on_the_request_thread(client, monkeypatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    statuses = [client.post("/api/v1/session", json={"username": "cashier3", "password": "bad"}).status_code
                for _ in range(6)]
    assert statuses == [401, 401, 401, 429, 429, 429]
    assert slept == []
