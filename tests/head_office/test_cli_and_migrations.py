from sqlalchemy import func, inspect, select, text

from common.security import hash_token
from head_office.db import alembic_config, upgrade
from head_office.models import Base, Product, Store, User


def test_db_upgrade_is_idempotent(runner, ho_engine):
    first = runner("head-office", "db", "upgrade")
    second = runner("head-office", "db", "upgrade")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "up to date" in second.output


def test_migrations_create_exactly_the_models_schema(ho_engine, pg_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade(pg_url)
    with ho_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert alembic_config(pg_url).get_main_option("script_location").endswith("migrations")


def test_seed_demo_twice_creates_nothing_twice(runner, db_session):
    first = runner("head-office", "seed", "--demo")
    assert first.exit_code == 0, first.output
    assert "Created 5 stores, 46 products, 12 users" in first.output
    second = runner("head-office", "seed", "--demo")
    assert "Created 0 stores, 0 products, 0 users" in second.output
    assert db_session.scalar(select(func.count()).select_from(Store)) == 5
    assert db_session.scalar(select(func.count()).select_from(Product)) == 46
    cashiers = db_session.execute(select(User.username, User.store_id).where(User.role == "cashier")).all()
    assert sorted(cashiers) == [(f"cashier{n}", n) for n in range(1, 6)]
    central = db_session.execute(text("SELECT count(*), min(on_hand) FROM central_stock")).one()
    assert central[0] == 46 and central[1] > 0
    store_rows = db_session.execute(text("SELECT count(*) FROM store_stock")).scalar()
    assert store_rows == 46 * 5


def test_seed_demo_with_a_larger_catalog(runner, db_session):
    result = runner("head-office", "seed", "--demo", "--products", "60")
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(func.count()).select_from(Product)) == 60


def test_seed_without_demo_flag_explains_itself(runner):
    result = runner("head-office", "seed")
    assert result.exit_code != 0
    assert "--demo" in result.output


def test_stores_add_list_and_bad_input(runner, db_session):
    ok = runner("head-office", "stores", "add", "--code", "S06", "--name", "Toronto", "--timezone",
                "America/Toronto")
    assert ok.exit_code == 0, ok.output
    listing = runner("head-office", "stores", "list")
    assert "S06" in listing.output and "America/Toronto" in listing.output
    duplicate = runner("head-office", "stores", "add", "--code", "S06", "--name", "Again")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    bad_tz = runner("head-office", "stores", "add", "--code", "S07", "--name", "X", "--timezone", "Mars/Base")
    assert bad_tz.exit_code == 1 and "Unknown timezone" in bad_tz.output
    assert "Traceback" not in bad_tz.output
    for name in ("bell\x07", "esc\x1b[31m", "x" * 121):
        bad_name = runner("head-office", "stores", "add", "--code", "S08", "--name", name)
        assert bad_name.exit_code == 1 and "Traceback" not in bad_name.output, bad_name.output
    assert db_session.scalar(select(func.count()).select_from(Store)) == 1


def test_store_token_is_printed_last_and_stored_only_as_a_hash(runner, db_session, make_store):
    make_store("S01", "Plateau")
    first = runner("head-office", "stores", "token", "1")
    assert first.exit_code == 0, first.output
    token = first.output.strip().splitlines()[-1]
    assert len(token) > 30 and " " not in token
    stored = db_session.scalar(select(Store.token_hash).where(Store.id == 1))
    assert stored == hash_token(token) and token not in stored
    second = runner("head-office", "stores", "token", "1").output.strip().splitlines()[-1]
    db_session.expire_all()
    assert second != token
    assert db_session.scalar(select(Store.token_hash).where(Store.id == 1)) == hash_token(second)
    unknown = runner("head-office", "stores", "token", "99")
    assert unknown.exit_code == 1 and "No store 99" in unknown.output


def test_users_add_and_list(runner, db_session, make_store):
    make_store("S01", "Plateau")
    added = runner("head-office", "users", "add", "--username", "marie", "--role", "cashier", "--store", "1",
                   input="long-password\nlong-password\n")
    assert added.exit_code == 0, added.output
    listing = runner("head-office", "users", "list")
    assert "marie" in listing.output and "cashier" in listing.output
    assert "long-password" not in listing.output
    no_store = runner("head-office", "users", "add", "--username", "paul", "--role", "cashier",
                      "--password", "long-password")
    assert no_store.exit_code == 1 and "home store" in no_store.output
    short = runner("head-office", "users", "add", "--username", "luc", "--role", "manager", "--password", "x")
    assert short.exit_code == 1 and "At least 8" in short.output
    assert db_session.scalar(select(func.count()).select_from(User)) == 1


def test_config_show_masks_secrets(monkeypatch):
    from click.testing import CliRunner

    from common.cli import main

    result = CliRunner().invoke(
        main, ["config", "show"],
        env={"COMPTOIR_SECRET_KEY": "very-secret", "COMPTOIR_DATABASE_URL": "postgresql://u:pw@h/db"},
    )
    assert result.exit_code == 0
    assert "very-secret" not in result.output and "COMPTOIR_SECRET_KEY" in result.output
    assert "postgresql://u:****@h/db" in result.output


def test_central_stock_can_never_go_negative(db_session, make_product):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from head_office.models import CentralStock

    product = make_product()
    db_session.add(CentralStock(product_id=product.id, on_hand=5))
    db_session.commit()
    for statement in (
        "UPDATE central_stock SET on_hand = -1",
        "UPDATE central_stock SET reserved = 6",
        "UPDATE central_stock SET in_transit = -2",
    ):
        with pytest.raises(IntegrityError):
            db_session.execute(text(statement))
        db_session.rollback()
    # The conditional allocation refuses rather than overdraws.
    moved = db_session.execute(
        text("UPDATE central_stock SET reserved = reserved + 6 WHERE on_hand - reserved >= 6")
    ).rowcount
    assert moved == 0


def test_schema_has_the_sync_tables(ho_engine):
    names = set(inspect(ho_engine).get_table_names())
    assert {"store_sync_state", "sync_events", "sync_rejections", "change_log", "audit_log"} <= names


def test_replenishment_origin_is_carried_over_from_the_history_notes(ho_engine, pg_url, make_store,
                                                                     make_product, db_session):
    """Rows made before the origin column take it from their first history note."""
    from alembic import command

    make_store(store_id=1)
    product_id = make_product(sku="ORG-001").id
    db_session.commit()
    command.downgrade(alembic_config(pg_url), "0108_return_tender")
    try:
        with ho_engine.begin() as conn:
            for rep_id, first_note in ((1, "created at head office: for the sale"), (2, "requested by the store")):
                conn.execute(text(
                    "INSERT INTO replenishments (id, store_id, product_id, qty_requested, status)"
                    " VALUES (:id, 1, :product, 5, 'approved')"), {"id": rep_id, "product": product_id})
                for to_status, note in (("requested", first_note), ("approved", "created at head office")):
                    conn.execute(text(
                        "INSERT INTO replenishment_history (replenishment_id, to_status, qty, actor, note, at)"
                        " VALUES (:id, :to, 5, 'someone', :note, now())"),
                        {"id": rep_id, "to": to_status, "note": note})
    finally:
        upgrade(pg_url)
    with ho_engine.connect() as conn:
        origins = dict(conn.execute(text("SELECT id, origin FROM replenishments ORDER BY id")).all())
    assert origins == {1: "head_office", 2: "store"}
