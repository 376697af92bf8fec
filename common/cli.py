"""The ``comptoir`` command.

The root group loads each package's commands lazily by import path (click's
documented lazy group), so building the CLI makes no package import another.
"""

from __future__ import annotations

import importlib
import json
import sys

import click

from . import config as config_module

LAZY_COMMANDS = {
    "demo": "common.demo:demo",
    "head-office": "head_office.cli:head_office",
    "store": "store_node.cli:store",
    "sync": "store_node.sync.cli:sync",
}


class LazyGroup(click.Group):
    def __init__(self, *args, lazy_subcommands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = lazy_subcommands or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_subcommands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_subcommands:
            return self._lazy_load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def _lazy_load(self, cmd_name: str) -> click.Command:
        module_name, attr = self.lazy_subcommands[cmd_name].split(":")
        module = importlib.import_module(module_name)
        command = getattr(module, attr)
        if not isinstance(command, click.Command):
            raise ValueError(f"{module_name}:{attr} is not a click command")
        return command


@click.group(cls=LazyGroup, lazy_subcommands=LAZY_COMMANDS)
@click.version_option(package_name="comptoir")
def main() -> None:
    """Comptoir: offline-first point of sale for a retail chain."""


@main.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def config_show(as_json: bool) -> None:
    """Print the effective configuration, secrets masked."""
    try:
        effective = config_module.masked(config_module.load())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(effective, indent=2, sort_keys=True, default=str))
        return
    width = max(len(k) for k in effective)
    for key in sorted(effective):
        value = effective[key]
        shown = "(unset)" if value is None else value
        click.echo(f"{config_module.PREFIX}{key.ljust(width)}  {shown}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
