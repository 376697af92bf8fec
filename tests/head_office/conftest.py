"""Head-office fixtures: a real PostgreSQL whose schema Alembic made, clean for every test."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from head_office.app import create_app
from head_office.db import make_engine, make_session_factory, upgrade
from head_office.models import Base

TEST_SECRET = "test-secret-key"


@pytest.fixture(scope="session")
def ho_database(pg_url):
    """The test database at the latest migration (made once per session)."""
    upgrade(pg_url)
    engine = make_engine(pg_url, pool_size=2, max_overflow=2)
    yield engine
    engine.dispose()


def truncate_all(engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def ho_engine(ho_database):
    truncate_all(ho_database)
    return ho_database


@pytest.fixture
def db_session(ho_engine):
    session = make_session_factory(ho_engine)()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def app_config(pg_url):
    return {
        "DATABASE_URL": pg_url,
        "SECRET_KEY": TEST_SECRET,
        "TESTING": True,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCKOUT_S": 300,
    }


@pytest.fixture
def app(ho_engine, app_config):
    app = create_app(app_config)
    yield app
    app.extensions["comptoir_engine"].dispose()
    if "comptoir_payments_engine" in app.extensions:
        app.extensions["comptoir_payments_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(pg_url, ho_engine):
    from click.testing import CliRunner

    from common.cli import main

    cli_runner = CliRunner()

    def invoke(*args, input=None):
        return cli_runner.invoke(main, list(args), env={"COMPTOIR_DATABASE_URL": pg_url}, input=input)

    return invoke


# Builders -------------------------------------------------------------------------------------


@pytest.fixture
def make_store(db_session):
    from head_office.stores.operations import add_store

    def build(code="S01", name="Plateau", timezone="America/Montreal", store_id=None):
        store = add_store(db_session, code, name, timezone, store_id=store_id)
        db_session.commit()
        return store

    return build


@pytest.fixture
def make_user(db_session):
    from head_office.users.operations import add_user

    def build(username="manager", password="manager-pw", role="manager", store_id=None):
        user = add_user(db_session, username, password, role, store_id, min_password_length=1)
        db_session.commit()
        return user

    return build


@pytest.fixture
def make_product(db_session):
    from head_office.models import Product

    counter = {"n": 0}

    def build(**fields):
        counter["n"] += 1
        n = counter["n"]
        values = {
            "sku": f"TST-{n:03d}",
            "barcode": None,
            "name": f"Test product {n}",
            "category": "Test",
            "price_cents": 100 * n,
            "tax_class": "standard",
            "reorder_point": 2,
            "max_stock": 20,
        }
        values.update(fields)
        product = Product(**values)
        db_session.add(product)
        db_session.commit()
        return product

    return build


@pytest.fixture
def token_for(client):
    def sign_in(username, password):
        response = client.post("/api/v1/session", json={"username": username, "password": password})
        assert response.status_code == 201, response.json
        return {"Authorization": f"Bearer {response.json['token']}"}

    return sign_in


@pytest.fixture
def demo_chain(db_session):
    """The demo chain as `comptoir head-office seed --demo` makes it."""
    from head_office.seed import seed_demo

    seed_demo(db_session)
    db_session.commit()
    return db_session
