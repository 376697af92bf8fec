"""Head-office fixtures: a real PostgreSQL whose schema Alembic made, clean for every test.

Each test runs in a transaction that is rolled back after it (SQLAlchemy's "Joining a Session
into an External Transaction"): one outer connection and transaction per test, and a
sessionmaker bound to it with ``join_transaction_mode="create_savepoint"`` that both the
test's builders and the app under test use, so a ``commit`` releases a savepoint and nothing
the test wrote outlives it, even when the test forgets to clean up. The app's own connections
for hot reads and its auth cache ride on that same connection.

Tests whose data another connection must see keep real commits, on a truncated database:
tests marked ``commits`` (a live server, a CLI command, threads, a snapshot read on a
connection of its own), tests that ask for ``ho_engine`` or ``runner``, the online shop's
tests (its payment provider and saga runner use an engine and threads of their own), and the
other packages' tests that borrow these fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session, sessionmaker

from head_office import web
from head_office.app import create_app
from head_office.db import make_engine, make_session_factory, upgrade
from head_office.models import Base

TEST_SECRET = "test-secret-key"
HERE = Path(__file__).parent
REAL_COMMITS_FIXTURES = {"ho_engine", "runner"}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if HERE / "shop" in Path(item.path).parents:
            item.add_marker(pytest.mark.commits)


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


def holds_rows(conn: Connection) -> bool:
    """Whether any table holds a row (one round trip): committed data another test left."""
    probes = " OR ".join(f'EXISTS (SELECT 1 FROM "{t.name}")' for t in Base.metadata.sorted_tables)
    return bool(conn.execute(text(f"SELECT {probes}")).scalar())


def real_commits(request) -> bool:
    """Whether this test needs real commits (see the module's docstring)."""
    return (
        request.node.get_closest_marker("commits") is not None
        or HERE not in Path(request.node.path).parents
        or bool(REAL_COMMITS_FIXTURES & set(request.fixturenames))
    )


@pytest.fixture
def ho_engine(ho_database, ho_connection):
    """The engine over a truncated database, for a test that commits for real."""
    assert ho_connection is None  # asking for the engine is asking for real commits
    return ho_database


@pytest.fixture
def ho_connection(request, ho_database) -> Iterator[Connection | None]:
    """The test's outer connection and transaction, rolled back after it (None for a test
    with real commits, which gets a truncated database instead)."""
    if real_commits(request):
        truncate_all(ho_database)
        yield None
        return
    with ho_database.connect() as probe:
        dirty = holds_rows(probe)
    if dirty:  # a test with real commits ran before this one
        truncate_all(ho_database)
    conn = ho_database.connect()
    outer = conn.begin()
    try:
        yield conn
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def ho_sessions(ho_database, ho_connection) -> sessionmaker[Session]:
    """Sessions for the test and the app: joined to the outer transaction, or real ones."""
    if ho_connection is None:
        return make_session_factory(ho_database)
    return sessionmaker(bind=ho_connection, expire_on_commit=False,
                        join_transaction_mode="create_savepoint")


@pytest.fixture
def db_session(ho_sessions):
    session = ho_sessions()
    yield session
    session.rollback()
    session.close()


class OuterConnection:
    """Stands in for the engine of app parts that open connections of their own to read (the
    auth cache): every ``connect()`` reads on the test's outer connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        yield self.conn


def join_outer_transaction(app, sessions: sessionmaker[Session], conn: Connection) -> None:
    """Make the app under test work inside the test's outer transaction."""
    app.extensions["comptoir_sessions"] = sessions
    app.extensions["comptoir_auth"].engine = OuterConnection(conn)
    app.before_request(open_request_session)


def open_request_session() -> None:
    """Hot reads (``web.read_db``) read on the request's session when it has one: give every
    request one, so they read on the outer connection too."""
    web.db()


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
def app(ho_database, ho_connection, ho_sessions, app_config):
    app = create_app(app_config)
    if ho_connection is not None:
        join_outer_transaction(app, ho_sessions, ho_connection)
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
