"""Head-office sign-in: what tokens and sessions carry, when they end, how sign-in is throttled."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from head_office.app import create_app
from head_office.models import LoginFailure


def _csrf(client, path="/login"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _console_login(client, username, password, **kwargs):
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _csrf(client)},
        **kwargs,
    )


def _bearer(client, username, password, **kwargs):
    response = client.post("/api/v1/session", json={"username": username, "password": password}, **kwargs)
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def _later(app, seconds):
    """Move one process's refresh clock on (instead of waiting)."""
    cache = app.extensions["comptoir_auth"]
    now = cache.clock()
    cache.clock = lambda: now + seconds


@pytest.fixture
def other_process(app, app_config):
    """A second head-office process over the same database (its own token cache)."""
    other = create_app(app_config)
    yield other
    other.extensions["comptoir_engine"].dispose()


# -- sessions and tokens -------------------------------------------------------------------------


def test_session_cookie_holds_no_password_hash(app, client, make_user, db_session):
    user = make_user("ann", "ann-password", "manager")
    assert _console_login(client, "ann", "ann-password").status_code == 302
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert data["username"] == "ann" and data["epoch"] == 0
    stored = user.password_hash
    for value in map(str, data.values()):
        assert "scrypt" not in value
        assert all(stored[i:i + 8] not in value for i in range(len(stored) - 8))
    assert client.get("/stock").status_code == 200


def test_password_change_ends_sessions_and_tokens(app, client, make_user, runner):
    make_user("ann", "ann-password", "manager")
    token = _bearer(client, "ann", "ann-password")
    _console_login(client, "ann", "ann-password")
    assert client.get("/api/v1/users", headers=token).status_code == 200
    assert client.get("/stock").status_code == 200

    changed = runner("head-office", "users", "password", "ann", "--password", "a-new-password")
    assert changed.exit_code == 0, changed.output
    _later(app, 3)

    refused = client.get("/api/v1/users", headers=token)
    assert refused.status_code == 401 and refused.json["code"] == "token_revoked"
    page = client.get("/stock")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert client.post("/api/v1/session",
                       json={"username": "ann", "password": "ann-password"}).status_code == 401
    assert client.get("/api/v1/users", headers=_bearer(client, "ann", "a-new-password")).status_code == 200


def test_disabled_account_token_stops_within_refresh(app, other_process, make_user, runner):
    make_user("zed", "zed-password", "manager")
    here, there = app.test_client(), other_process.test_client()
    token = _bearer(here, "zed", "zed-password")
    assert there.get("/api/v1/users", headers=token).status_code == 200

    assert runner("head-office", "users", "disable", "zed").exit_code == 0
    # Until its next reload the other process still knows zed as active ...
    assert there.get("/api/v1/users", headers=token).status_code == 200
    # ... and from the reload on (2 s by default) it refuses the token.
    _later(other_process, 3)
    refused = there.get("/api/v1/users", headers=token)
    assert refused.status_code == 401 and refused.json["code"] == "account_disabled"
    assert here.post("/api/v1/session",
                     json={"username": "zed", "password": "zed-password"}).status_code == 401

    assert runner("head-office", "users", "enable", "zed").exit_code == 0
    _later(other_process, 6)
    assert there.get("/api/v1/users", headers=token).status_code == 401  # old tokens stay ended
    assert there.get("/api/v1/users", headers=_bearer(here, "zed", "zed-password")).status_code == 200


@pytest.mark.commits  # real commits: another process's app reads on its own connections
def test_signed_out_token_stops_at_once_here_and_within_refresh_elsewhere(app, other_process, make_user):
    make_user("ann", "ann-password", "manager")
    here, there = app.test_client(), other_process.test_client()
    token = _bearer(here, "ann", "ann-password")
    assert there.get("/api/v1/users", headers=token).status_code == 200
    assert here.delete("/api/v1/session", headers=token).status_code == 204
    assert here.get("/api/v1/users", headers=token).json["code"] == "token_revoked"
    assert there.get("/api/v1/users", headers=token).status_code == 200  # not reloaded yet
    _later(other_process, 3)
    assert there.get("/api/v1/users", headers=token).json["code"] == "token_revoked"


def test_console_sign_out_ends_the_session_even_if_the_cookie_is_replayed(app, client, make_user):
    make_user("ann", "ann-password", "manager")
    _console_login(client, "ann", "ann-password")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    client.post("/logout", data={"csrf_token": _csrf(client, "/stock")})
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    page = replay.get("/stock")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


@pytest.mark.commits  # real commits: another process's app reads on its own connections
def test_a_user_added_since_the_last_reload_is_known_at_once(app, other_process, make_user):
    make_user("ann", "ann-password", "manager")
    there = other_process.test_client()
    assert there.get("/api/v1/users", headers=_bearer(there, "ann", "ann-password")).status_code == 200
    make_user("newcomer", "newcomer-pw", "manager")
    token = _bearer(app.test_client(), "newcomer", "newcomer-pw")
    assert there.get("/api/v1/users", headers=token).status_code == 200


@pytest.mark.commits  # real commits: it counts the statements of the app's own engine
def test_token_check_makes_no_database_round_trip(app, client, demo_chain):
    headers = _bearer(client, "manager", "manager")
    assert client.get("/api/v1/products", headers=headers).status_code == 200  # first load
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = app.extensions["comptoir_engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            assert client.get("/api/v1/products", headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements, "the product list itself reads the database"
    assert not [s for s in statements if "revoked_tokens" in s or "FROM users" in s]


# -- throttling ----------------------------------------------------------------------------------


def test_sign_in_throttle_answers_429_with_retry_after(client, make_user):
    make_user("bob", "right-password", "manager")
    for _ in range(5):
        assert client.post("/api/v1/session", json={"username": "bob", "password": "x"}).status_code == 401
    locked = client.post("/api/v1/session", json={"username": "bob", "password": "right-password"})
    assert locked.status_code == 429 and locked.json["code"] == "too_many_requests"
    assert 1 <= int(locked.headers["Retry-After"]) <= 300
    assert locked.json["errors"]["retry_after_s"] == int(locked.headers["Retry-After"])


def test_console_lockout_answers_429_with_retry_after(client, make_user):
    make_user("bob", "right-password", "manager")
    for _ in range(5):
        assert _console_login(client, "bob", "wrong").status_code == 401
    locked = _console_login(client, "bob", "right-password")
    assert locked.status_code == 429 and "Retry-After" in locked.headers
    assert "Too many failed sign-ins" in locked.get_data(as_text=True)


@pytest.fixture
def behind_proxy(app_config, ho_engine):
    """Head office behind a proxy on 127.0.0.1 (the test client's address)."""
    proxied = create_app({**app_config, "TRUSTED_PROXIES": "127.0.0.1"})
    yield proxied.test_client()
    proxied.extensions["comptoir_engine"].dispose()


def test_attacker_failures_do_not_lock_out_the_real_user_from_another_address(behind_proxy, make_user):
    client = behind_proxy
    make_user("bob", "right-password", "manager")
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    for _ in range(8):
        client.post("/api/v1/session", json={"username": "bob", "password": "guess"}, headers=attacker)
    assert client.post("/api/v1/session", json={"username": "bob", "password": "right-password"},
                       headers=attacker).status_code == 429
    real = client.post("/api/v1/session", json={"username": "bob", "password": "right-password"},
                       headers={"X-Forwarded-For": "192.0.2.10"})
    assert real.status_code == 201


def test_forwarded_for_is_ignored_from_untrusted_peers(client, make_user, db_session):
    make_user("bob", "right-password", "manager")
    for n in range(5):  # a new made-up address each time: it must not help
        client.post("/api/v1/session", json={"username": "bob", "password": "guess"},
                    headers={"X-Forwarded-For": f"198.51.100.{n}"})
    locked = client.post("/api/v1/session", json={"username": "bob", "password": "right-password"},
                         headers={"X-Forwarded-For": "198.51.100.200"})
    assert locked.status_code == 429
    keys = set(db_session.scalars(select(LoginFailure.key)))
    assert keys == {"pair:bob|127.0.0.1", "ip:127.0.0.1", "user:bob"}


def test_unknown_username_verifies_a_dummy_hash(client, make_user, monkeypatch):
    import common.security as security

    make_user("bob", "right-password", "manager")
    checked: list[str] = []
    real = security.verify_password

    def spy(password_hash, password):
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(security, "verify_password", spy)
    response = client.post("/api/v1/session", json={"username": "nobody", "password": "guess"})
    assert response.status_code == 401 and response.json["code"] == "invalid_credentials"
    assert checked == [security.dummy_password_hash()]
    assert checked[0].startswith("scrypt:")
    checked.clear()
    client.post("/api/v1/session", json={"username": "bob", "password": "guess"})
    assert len(checked) == 1 and checked[0] != security.dummy_password_hash()


def test_failed_sign_ins_never_sleep_on_the_request_thread(client, make_user, monkeypatch):
    import time

    make_user("bob", "right-password", "manager")
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    statuses = [client.post("/api/v1/session", json={"username": "bob", "password": "x"}).status_code
                for _ in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    assert slept == []


def test_a_change_committed_after_a_refresh_that_missed_it_is_seen_by_the_next(app, make_user, ho_engine):
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from head_office.models import User

    make_user("zed", "zed-password", "manager")
    client = app.test_client()
    token = _bearer(client, "zed", "zed-password")
    assert client.get("/api/v1/users", headers=token).status_code == 200  # first (full) load
    with Session(ho_engine) as slow:
        slow.execute(update(User).where(User.username == "zed").values(active=False))
        # This process refreshes while that transaction is still open: it cannot see it yet.
        _later(app, 3)
        assert client.get("/api/v1/users", headers=token).status_code == 200
        slow.commit()
    _later(app, 3)  # the next refresh reads only what changed, looking back past its last look
    assert client.get("/api/v1/users", headers=token).json["code"] == "account_disabled"
    assert app.extensions["comptoir_auth"].reloads == 3
