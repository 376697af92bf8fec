"""``comptoir store ...``: initialise, seed and serve a store node."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from .db import NotInitialised, open_existing
from .setup import SetupError, init_store, seed_demo
from .sync.runner import SyncNotConfigured, start_background_sync

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder holding the store's SQLite file (default: COMPTOIR_DATA_DIR).",
)


def resolve_data_dir(value: Path | None) -> Path:
    if value is not None:
        return value
    env = os.environ.get("COMPTOIR_DATA_DIR")
    if env:
        return Path(env)
    raise click.UsageError("no data folder: pass --data-dir DIR or set COMPTOIR_DATA_DIR")



def open_store(folder: Path) -> Any:
    """The store database in ``folder``, or a clear CLI error if it was never initialised."""
    try:
        return open_existing(folder)
    except NotInitialised as exc:
        raise click.ClickException(str(exc)) from exc

@click.group("store")
def store() -> None:
    """Run a store node: its till, its JSON API and its SQLite file."""


@store.command("init")
@click.option("--store-id", type=click.IntRange(min=1), required=True, help="This store's id.")
@click.option("--head-office", "head_office", default=None, help="Base URL of head office.")
@click.option("--token", default=None, help="Sync token from `head-office stores token N`.")
@data_dir_option
def init_command(store_id: int, head_office: str | None, token: str | None,
                 data_dir: Path | None) -> None:
    """Create the store database (idempotent) and record this store's settings."""
    folder = resolve_data_dir(data_dir)
    try:
        result = init_store(folder, store_id, head_office, token)
    except SetupError as exc:
        raise click.ClickException(str(exc)) from exc
    settings = result["settings"]
    verb = "Created" if result["created"] else "Already initialised:"
    click.echo(f"{verb} store {settings.store_code} ({settings.store_name}) in {result['path']}")
    if result["migrations"]:
        click.echo(f"Applied migrations: {', '.join(map(str, result['migrations']))}")


@store.command("seed")
@click.option("--demo", is_flag=True, help="The demo catalog, opening stock and users.")
@data_dir_option
def seed_command(demo: bool, data_dir: Path | None) -> None:
    """Load demo data so a node can be tried with no head office (idempotent)."""
    if not demo:
        raise click.UsageError("only --demo seeding exists; real data comes from head office")
    db = open_store(resolve_data_dir(data_dir))
    try:
        counts = seed_demo(db)
    finally:
        db.close()
    click.echo(
        f"Seeded {counts['products']} products, opening stock for {counts['stock']},"
        f" {counts['users']} users (already present ones left alone)."
    )
    click.echo("Logins: cashierN / cashier, storemgrN / storemgr (N = store id), manager / manager.")


@store.command("serve")
@data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--threads", type=int, default=None, help="Waitress threads (default 8).")
def serve_command(data_dir: Path | None, host: str, port: int, threads: int | None) -> None:
    """Serve the till and the JSON API with waitress."""
    from waitress import serve

    from common import config as config_module
    from common import logs

    from .app import close_app, create_app

    folder = resolve_data_dir(data_dir)
    os.environ["COMPTOIR_DATA_DIR"] = str(folder)
    try:
        app = create_app()
    except NotInitialised as exc:
        raise click.ClickException(str(exc)) from exc
    threads = threads or int(config_module.load().get("WAITRESS_THREADS") or 8)
    store_code = app.config["SESSION_COOKIE_NAME"].split("_")[-1].upper()
    try:
        logs.configure("store", store=store_code)
    except ValueError as exc:
        close_app(app)
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Store {store_code} till on http://{host}:{port}/ (API docs at /api/docs)", err=False)
    scheduler, sync_db = _start_sync(folder, app.config)
    try:
        serve(
            app,
            host=host,
            port=port,
            threads=threads,
            connection_limit=2000,
            asyncore_use_poll=True,
            channel_timeout=120,
            ident="comptoir-store",
        )
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if sync_db is not None:
            sync_db.close()
        close_app(app)


def _start_sync(folder: Path, config: Any) -> tuple[Any, Any]:
    """Start the push/pull jobs on their own connection, when head office is configured."""
    sync_db = open_existing(folder)
    try:
        scheduler = start_background_sync(sync_db, folder, dict(config))
    except SyncNotConfigured as exc:
        sync_db.close()
        click.echo(f"Sync is off: {exc}")
        return None, None
    click.echo("Sync with head office runs in the background.")
    return scheduler, sync_db
