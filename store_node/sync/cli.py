"""``comptoir sync ...``: push and pull now, a full resync, and the store's sync state."""

from __future__ import annotations

import json
from pathlib import Path

import click
import sqlite_utils

from sync.client import SyncError
from sync.jobs import SyncRunner

from ..cli import data_dir_option, open_store, resolve_data_dir
from . import outbox
from .runner import SyncNotConfigured, build_runner


@click.group("sync")
def sync() -> None:
    """Sync between this store node and head office."""


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


@sync.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_dir_option
def status_command(as_json: bool, data_dir: Path | None) -> None:
    """Events waiting to be pushed, the oldest one's age, last push, pull and error."""
    db = open_store(resolve_data_dir(data_dir))
    try:
        state = outbox.status(db)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(state, indent=2, sort_keys=True))
        return
    click.echo(f"online:          {'yes' if state['online'] else 'no'}")
    click.echo(f"pending events:  {state['pending_events']}")
    click.echo(f"oldest pending:  {_age(state['oldest_pending_age_s'])}")
    click.echo(f"last push:       {state['last_push_at'] or 'never'}")
    click.echo(f"last pull:       {state['last_pull_at'] or 'never'}")
    click.echo(f"last error:      {state['last_error'] or '-'}")


def _runner(folder: Path) -> tuple[sqlite_utils.Database, SyncRunner]:
    db = open_store(folder)
    try:
        return db, build_runner(db, folder)
    except SyncNotConfigured as exc:
        db.close()
        raise click.ClickException(str(exc)) from exc


def _fail(db, exc) -> None:
    db.close()
    click.echo(
        f"Sync failed: {exc.reason}. Nothing was lost: events stay queued until head office "
        "acknowledges them.",
        err=True,
    )
    raise SystemExit(1)


@sync.command("now")
@data_dir_option
def now_command(data_dir: Path | None) -> None:
    """Push every queued event, then pull changes. Waits for a scheduled run that holds the lock."""
    db, runner = _runner(resolve_data_dir(data_dir))
    try:
        pushed = runner.push(wait=True)
        click.echo(
            f"Pushed {pushed.sent} event(s): {pushed.applied} applied, {pushed.rejected} parked at "
            f"head office, {pushed.duplicates} already there."
        )
        pulled = runner.pull(wait=True)
        kind = "a full snapshot" if pulled.snapshot else "changes"
        click.echo(f"Pulled {kind}: {pulled.received} received, {pulled.applied} applied.")
    except SyncError as exc:
        _fail(db, exc)
    db.close()


@sync.command("resync")
@click.option("--full", is_flag=True, required=True, help="Take a full snapshot from head office.")
@data_dir_option
def resync_command(full: bool, data_dir: Path | None) -> None:
    """Pull a full snapshot from head office (catalog, prices, users, central stock, decisions)."""
    db, runner = _runner(resolve_data_dir(data_dir))
    try:
        pulled = runner.pull(wait=True, full=True)
        click.echo(f"Full snapshot: {pulled.received} records received, {pulled.applied} applied.")
    except SyncError as exc:
        _fail(db, exc)
    db.close()


@sync.command("realign")
@click.option("--last-receipt", default=None,
              help="Head office's last receipt number for this store (e.g. S06-004211): "
                   "new receipts are numbered after it.")
@data_dir_option
def realign_command(last_receipt: str | None, data_dir: Path | None) -> None:
    """After restoring a backup or on a new PC: number new events (and receipts) after head office's.

    Head office applies each store event once by its sequence number; a store whose file is
    older than what head office holds would reuse numbers. Events still queued here keep their
    order; any head office already has is recognised by its id and not applied twice."""
    receipt = None
    if last_receipt is not None:
        number = last_receipt.rsplit("-", 1)[-1]
        if not number.isdigit():
            raise click.BadParameter("a receipt number such as S06-004211", param_hint="--last-receipt")
        receipt = int(number)
    db, runner = _runner(resolve_data_dir(data_dir))
    try:
        runner.lock.acquire(wait=True)
        try:
            head_office_seq, moved = runner.client.realign()
            if receipt is not None:
                db.conn.execute(
                    "UPDATE sequences SET value = max(value, ?) WHERE name = 'receipt'", (receipt,)
                )
        finally:
            runner.lock.release()
    except SyncError as exc:
        _fail(db, exc)
    db.close()
    click.echo(
        f"Head office holds this store's events up to seq {head_office_seq}; new events are numbered"
        f" after it ({moved} queued event(s) renumbered)."
        + (f" New receipts follow {last_receipt}." if receipt is not None else "")
    )
