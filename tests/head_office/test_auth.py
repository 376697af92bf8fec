from sqlalchemy import func, select

from head_office.models import LoginFailure, User


def test_manager_signs_in_and_lists_products_and_stores(client, demo_chain, token_for):
    headers = token_for("manager", "manager")
    products = client.get("/api/v1/products", headers=headers)
    assert products.status_code == 200
    assert products.json["total"] >= 40
    assert {"sku", "barcode", "name", "category", "price_cents", "tax_class"} <= set(products.json["items"][0])
    stores = client.get("/api/v1/stores", headers=headers)
    assert [s["code"] for s in stores.json["items"]] == ["S01", "S02", "S03", "S04", "S05"]
    assert stores.json["items"][0]["store_id"] == 1


def test_no_token_gets_401_in_the_error_format(client, demo_chain):
    response = client.get("/api/v1/stores")
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"
    assert response.json["status"] == 401
    assert "Sign in" in response.json["message"]
    assert response.json["errors"] == {}


def test_cashier_gets_403_on_a_manager_endpoint_but_reads_products(client, demo_chain, token_for):
    headers = token_for("cashier1", "cashier")
    assert client.get("/api/v1/products", headers=headers).status_code == 200
    response = client.get("/api/v1/stores", headers=headers)
    assert response.status_code == 403
    assert response.json["code"] == "forbidden"
    assert client.get("/api/v1/users", headers=headers).status_code == 403


def test_wrong_password_is_refused_and_recorded(client, demo_chain):
    response = client.post("/api/v1/session", json={"username": "manager", "password": "nope"})
    assert response.status_code == 401
    assert response.json["code"] == "invalid_credentials"
    assert "token" not in response.json


def test_repeated_failures_lock_the_user_out_for_a_while(client, make_user, db_session):
    make_user("bob", "right-password", "manager")
    for _ in range(5):
        assert client.post("/api/v1/session", json={"username": "bob", "password": "x"}).status_code == 401
    locked = client.post("/api/v1/session", json={"username": "bob", "password": "right-password"})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.json["message"]
    # Each failure counts for the user at that address, the address, and the user.
    assert db_session.scalar(select(func.count()).select_from(LoginFailure)) == 15


def test_signing_out_revokes_the_token(client, make_user, token_for):
    make_user("ann", "ann-password", "manager")
    headers = token_for("ann", "ann-password")
    assert client.get("/api/v1/users", headers=headers).status_code == 200
    assert client.delete("/api/v1/session", headers=headers).status_code == 204
    again = client.get("/api/v1/users", headers=headers)
    assert again.status_code == 401
    assert again.json["code"] == "token_revoked"


def test_forged_or_expired_tokens_are_refused(app, client, make_user):
    user = make_user("eve", "eve-password", "admin")
    forged = client.get("/api/v1/users", headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401 and forged.json["code"] == "invalid_token"
    from common.tokens import HEAD_OFFICE, TokenSigner

    expired, _ = TokenSigner(app.config["SECRET_KEY"], -1, HEAD_OFFICE).issue(user.username, 0)
    signer = app.extensions["comptoir_signer"]
    old_ttl = signer.ttl_seconds
    signer.ttl_seconds = -1
    try:
        response = client.get("/api/v1/users", headers={"Authorization": f"Bearer {expired}"})
    finally:
        signer.ttl_seconds = old_ttl
    assert response.status_code == 401 and response.json["code"] == "token_expired"


def test_disabled_user_cannot_use_an_existing_token(client, make_user, token_for, db_session):
    make_user("zed", "zed-password", "manager")
    headers = token_for("zed", "zed-password")
    db_session.execute(User.__table__.update().values(active=False))
    db_session.commit()
    assert client.get("/api/v1/users", headers=headers).status_code == 401


def test_passwords_are_stored_hashed_with_scrypt(db_session, make_user):
    make_user("hal", "plain-text-pw", "manager")
    stored = db_session.scalar(select(User.password_hash).where(User.username == "hal"))
    assert stored.startswith("scrypt:")
    assert "plain-text-pw" not in stored


def test_users_list_for_managers(client, demo_chain, token_for):
    response = client.get("/api/v1/users", headers=token_for("manager", "manager"))
    names = [u["username"] for u in response.json["items"]]
    assert "cashier3" in names
    assert all("password" not in key for u in response.json["items"] for key in u)
