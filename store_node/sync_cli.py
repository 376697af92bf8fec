"""``comptoir sync ...``: the store's sync state (``now`` and ``resync`` come with sync)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from . import outbox
from .cli import data_dir_option, resolve_data_dir
from .db import NotInitialised, open_existing


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
    folder = resolve_data_dir(data_dir)
    try:
        db = open_existing(folder)
    except NotInitialised as exc:
        raise click.ClickException(str(exc)) from exc
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
