"""``comptoir head-office ...``: database, seed, stores, users, serve."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from common import config as config_module
from common.errors import ComptoirError

from .db import make_engine, make_session_factory, normalise_url, session_scope, upgrade


def _database_url(ctx: click.Context) -> str:
    url = ctx.obj.get("database_url") if ctx.obj else None
    url = url or config_module.load().get("DATABASE_URL")
    if not url:
        raise click.ClickException(
            "No database: set COMPTOIR_DATABASE_URL (e.g. postgresql://user@host/comptoir) "
            "or pass --database-url."
        )
    return normalise_url(str(url))


class _Unit:
    """A unit of work for one command; domain errors become clean CLI errors."""

    def __init__(self, ctx: click.Context) -> None:
        self.engine = make_engine(_database_url(ctx), pool_size=2, max_overflow=0)

    def __enter__(self):
        self._scope = session_scope(make_session_factory(self.engine))
        return self._scope.__enter__()

    def __exit__(self, exc_type, exc, tb):
        try:
            self._scope.__exit__(exc_type, exc, tb)
        finally:
            self.engine.dispose()
        if isinstance(exc, ComptoirError):
            detail = "; ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
                               for k, v in exc.errors.items())
            raise click.ClickException(exc.message + (f" ({detail})" if detail else "")) from exc
        return False


@click.group("head-office")
@click.option("--database-url", envvar="COMPTOIR_DATABASE_URL", help="PostgreSQL URL.")
@click.pass_context
def head_office(ctx: click.Context, database_url: str | None) -> None:
    """Head office: database, demo data, stores, users and the web service."""
    ctx.ensure_object(dict)
    ctx.obj["database_url"] = database_url


@head_office.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply every migration not yet applied (safe to run again)."""
    url = _database_url(ctx)
    try:
        upgrade(url)
    except Exception as exc:  # noqa: BLE001 - show the reason, not a traceback
        raise click.ClickException(f"Migration failed: {exc.__class__.__name__}: {exc}") from exc
    click.echo("Database schema is up to date.")


@head_office.command("seed")
@click.option("--demo", is_flag=True, help="Create the demo chain (stores, catalog, stock, users).")
@click.option("--products", type=click.IntRange(1, 100_000), default=None,
              help="Catalog size (default: the 46 demo products).")
@click.option("--days", type=click.IntRange(0, 3660), default=0, show_default=True,
              help="Days of sales history for every store (through the store-sync path).")
@click.pass_context
def seed(ctx: click.Context, demo: bool, products: int | None, days: int) -> None:
    """Load demo data. Running it twice creates nothing twice."""
    if not demo:
        raise click.UsageError("Only --demo data is available: comptoir head-office seed --demo")
    from .seed import seed_demo

    with _Unit(ctx) as session, click.progressbar(length=3, label="Seeding demo chain") as bar:
        created = seed_demo(session, products=products, progress=lambda _step: bar.update(1))
    click.echo(
        f"Created {created['stores']} stores, {created['products']} products, "
        f"{created['users']} users (existing ones kept)."
    )
    if days:
        from sqlalchemy import func, select

        from demo.history import generate_history_parallel

        from .models import Store

        engine = make_engine(_database_url(ctx), pool_size=5, max_overflow=0)
        factory = make_session_factory(engine)
        try:
            with factory() as session:
                stores = session.scalar(select(func.count()).select_from(Store).where(Store.active.is_(True)))
            with click.progressbar(length=(stores or 0) * days, label=f"Sales history, {days} days") as bar:
                counts = generate_history_parallel(factory, days, progress=bar.update)
        finally:
            engine.dispose()
        click.echo(f"Applied {counts['sales']} sales and {counts['returns']} returns "
                   f"({counts['skipped']} already there).")


@head_office.command("rebuild-projections")
@click.pass_context
def rebuild_projections(ctx: click.Context) -> None:
    """Rebuild the report projections from the sales and returns ledger (same figures)."""
    from sqlalchemy import func, select

    from .models import Store
    from .reports.projections import rebuild

    with _Unit(ctx) as session:
        stores = session.scalar(select(func.count()).select_from(Store)) or 0
        with click.progressbar(length=stores, label="Rebuilding projections") as bar:
            counts = rebuild(session, progress=bar.update)
    click.echo(f"Rebuilt projections of {counts['stores']} stores: {counts['store_days']} store-days, "
               f"{counts['product_days']} product-days.")


@head_office.command("diagram")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write: .svg for a picture, .mmd (or anything else) for Mermaid text. "
                   "Default: Mermaid text on standard output.")
def diagram(output: str | None) -> None:
    """Draw the head-office domain model (entities, columns, relations) from the live metadata."""
    from demo.diagram import mermaid, svg

    if output is None:
        click.echo(mermaid(), nl=False)
        return
    text = svg() if output.lower().endswith(".svg") else mermaid()
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"Wrote the domain diagram to {output}.")


@head_office.group("stores")
def stores_group() -> None:
    """Stores of the chain."""


@stores_group.command("add")
@click.option("--code", required=True, help="Store code, e.g. S06.")
@click.option("--name", required=True)
@click.option("--timezone", default="America/Montreal", show_default=True)
@click.option("--id", "store_id", type=int, default=None, help="Store id (default: next free).")
@click.pass_context
def stores_add(ctx: click.Context, code: str, name: str, timezone: str, store_id: int | None) -> None:
    from .stores.operations import add_store

    with _Unit(ctx) as session:
        store = add_store(session, code, name, timezone, store_id=store_id, actor="cli")
        click.echo(f"Added store {store.id} {store.code} {store.name} ({store.timezone}).")


@stores_group.command("list")
@click.pass_context
def stores_list(ctx: click.Context) -> None:
    from .stores.operations import list_stores

    with _Unit(ctx) as session:
        rows = list_stores(session)
        if not rows:
            click.echo("No stores.")
        for s in rows:
            token = "token issued" if s.token_hash else "no token"
            click.echo(f"{s.id:>3}  {s.code:<6} {s.name:<24} {s.timezone:<22} {token}")


@stores_group.command("token")
@click.argument("store_id", type=int)
@click.pass_context
def stores_token(ctx: click.Context, store_id: int) -> None:
    """Issue a new sync token for STORE_ID (the old one stops working). Printed once, last line."""
    from .stores.operations import issue_token

    with _Unit(ctx) as session:
        token = issue_token(session, store_id, actor="cli")
    click.echo(f"New sync token for store {store_id} (shown once; the previous token no longer works):")
    click.echo(token)


@head_office.group("users")
def users_group() -> None:
    """Users and roles."""


@users_group.command("add")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(["cashier", "store_manager", "manager", "admin"]))
@click.option("--store", "store_id", type=int, default=None, help="Home store (store staff).")
@click.option("--full-name", default="")
@click.password_option(help="Prompted when not given.")
@click.pass_context
def users_add(ctx: click.Context, username: str, role: str, store_id: int | None,
              full_name: str, password: str) -> None:
    from .users.operations import add_user

    with _Unit(ctx) as session:
        user = add_user(session, username, password, role, store_id, full_name, actor="cli")
        click.echo(f"Added user {user.username} ({user.role}"
                   + (f", store {user.store_id}" if user.store_id else "") + ").")


@users_group.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    from .users.operations import list_users

    with _Unit(ctx) as session:
        for u in list_users(session):
            store = f"store {u.store_id}" if u.store_id else "head office"
            state = "" if u.active else "  (disabled)"
            click.echo(f"{u.username:<16} {u.role:<14} {store}{state}")


@users_group.command("password")
@click.argument("username")
@click.password_option(help="Prompted when not given.")
@click.pass_context
def users_password(ctx: click.Context, username: str, password: str) -> None:
    """Set USERNAME's password; every token and session of that user ends (at stores once pulled)."""
    from .users.operations import change_password

    with _Unit(ctx) as session:
        user = change_password(session, username, password, actor="cli")
        click.echo(f"Password of {user.username} changed; its tokens and sessions have ended.")


@users_group.command("disable")
@click.argument("username")
@click.pass_context
def users_disable(ctx: click.Context, username: str) -> None:
    """Disable USERNAME: no sign-in, and every token and session of that user ends."""
    from .users.operations import set_active

    with _Unit(ctx) as session:
        user = set_active(session, username, False, actor="cli")
        click.echo(f"{user.username} is disabled; its tokens and sessions have ended.")


@users_group.command("enable")
@click.argument("username")
@click.pass_context
def users_enable(ctx: click.Context, username: str) -> None:
    """Enable USERNAME again (sign in anew: the old tokens stay ended)."""
    from .users.operations import set_active

    with _Unit(ctx) as session:
        user = set_active(session, username, True, actor="cli")
        click.echo(f"{user.username} is enabled.")


@head_office.command("embedded-db")
@click.option("--data-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the embedded PostgreSQL's data.")
def embedded_db(data_dir: Path) -> None:
    """Run an embedded PostgreSQL (pgserver) until stopped; prints its URL first (used by the demo)."""
    from .embedded import run_embedded

    def announce(url: str) -> None:
        click.echo(f"DATABASE_URL {url}")
        sys.stdout.flush()

    run_embedded(data_dir.resolve(), announce)


@head_office.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Processes serving the port (default: the number of cores).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Threads in each process.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve head office with waitress: WORKERS processes on one port, THREADS threads each.

    SIGTERM or Ctrl-C stops every process cleanly."""
    import os

    from common import logs

    from .serving import Supervisor

    _configure_logs(logs)
    url = _database_url(ctx)
    workers = workers or os.cpu_count() or 1
    if workers == 1:  # the app is built here; a supervisor never builds it (its metrics need a folder first)
        from .app import create_app
        from .worker import serve_in_process

        try:
            app = create_app({"DATABASE_URL": url})
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Head office listening on http://{host}:{port}/ (1 process, {threads} threads)")
        sys.stdout.flush()
        serve_in_process(app, host, port, threads)
        return
    supervisor = Supervisor(host, port, workers, threads, env={**os.environ, "COMPTOIR_DATABASE_URL": url})
    try:
        supervisor.start()
    except OSError as exc:
        supervisor.stop()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    click.echo(f"Head office listening on http://{host}:{port}/ "
               f"({workers} processes, {threads} threads each)")
    sys.stdout.flush()
    supervisor.supervise()


def _configure_logs(logs) -> None:  # type: ignore[no-untyped-def]
    try:
        logs.configure("head_office")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
