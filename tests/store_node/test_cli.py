"""``comptoir store`` and ``comptoir sync status`` with click's CliRunner."""

from __future__ import annotations

import json
import sqlite3

from common.cli import main
from store_node.db.migrations import MIGRATIONS


def count(folder, table: str) -> int:
    conn = sqlite3.connect(folder / "store.sqlite3")
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_init_seed_twice_and_status(runner, tmp_path) -> None:
    folder = tmp_path / "node"
    result = runner.invoke(main, ["store", "init", "--store-id", "4", "--head-office",
                                  "http://127.0.0.1:9", "--token", "t", "--data-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "S04" in result.output
    again = runner.invoke(main, ["store", "init", "--store-id", "4", "--data-dir", str(folder)])
    assert again.exit_code == 0 and "Already initialised" in again.output
    other = runner.invoke(main, ["store", "init", "--store-id", "5", "--data-dir", str(folder)])
    assert other.exit_code != 0 and "already holds store 4" in other.output
    for _ in range(2):
        seeded = runner.invoke(main, ["store", "seed", "--demo", "--data-dir", str(folder)])
        assert seeded.exit_code == 0, seeded.output
    assert count(folder, "products") == 46
    assert count(folder, "users") == 12
    assert count(folder, "stock_movements") == 46
    assert count(folder, "migrations") == len(MIGRATIONS)
    status = runner.invoke(main, ["sync", "status", "--json", "--data-dir", str(folder)])
    assert status.exit_code == 0
    assert json.loads(status.output)["pending_events"] == 0
    text = runner.invoke(main, ["sync", "status", "--data-dir", str(folder)])
    assert "pending events:  0" in text.output


def test_data_dir_defaults_to_the_environment(runner, tmp_path, monkeypatch) -> None:
    folder = tmp_path / "envnode"
    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(folder))
    assert runner.invoke(main, ["store", "init", "--store-id", "1"]).exit_code == 0
    assert (folder / "store.sqlite3").exists()


def test_commands_on_an_uninitialised_folder_fail_clearly(runner, tmp_path) -> None:
    for args in (["store", "seed", "--demo"], ["sync", "status"], ["store", "serve"]):
        result = runner.invoke(main, [*args, "--data-dir", str(tmp_path / "empty")])
        assert result.exit_code == 1, args
        assert "comptoir store init" in result.output
        assert "Traceback" not in result.output
