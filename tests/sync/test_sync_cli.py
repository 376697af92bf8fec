"""``comptoir sync now|status|resync --full`` as an operator uses them."""

from __future__ import annotations

import json

from click.testing import CliRunner

from common.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_sync_now_pushes_then_pulls_and_says_what_it_did(make_store, head_office):
    node = make_store(1, head_office)
    first = run("sync", "now", "--data-dir", str(node.folder))
    assert first.exit_code == 0, first.output
    assert "Pulled a full snapshot" in first.output
    node.sell([("SNK-001", 1)])
    second = run("sync", "now", "--data-dir", str(node.folder))
    assert second.exit_code == 0, second.output
    assert "Pushed 1 event(s): 1 applied" in second.output
    status = run("sync", "status", "--json", "--data-dir", str(node.folder))
    state = json.loads(status.output)
    assert state["pending_events"] == 0 and state["online"] is True and state["last_push_at"]


def test_sync_now_fails_clearly_when_head_office_is_unreachable_and_loses_nothing(make_store, tokens):
    from store_node.setup import seed_demo
    from tests.support import free_port

    node = make_store(2, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    seed_demo(node.db)  # a store that sells with no head office
    node.sell([("SNK-001", 1)])
    result = CliRunner().invoke(main, ["sync", "now", "--data-dir", str(node.folder)])
    assert result.exit_code == 1
    assert "head office unreachable" in result.output and "Nothing was lost" in result.output
    assert "Traceback" not in result.output
    assert node.pending() == 1
    status = run("sync", "status", "--data-dir", str(node.folder))
    assert "pending events:  1" in status.output and "online:          no" in status.output
    assert "unreachable" in status.output


def test_resync_full_takes_a_snapshot_again(make_store, head_office):
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    node.db.conn.execute("UPDATE products SET name = 'tampered', version = 0 WHERE sku = 'SNK-001'")
    result = run("sync", "resync", "--full", "--data-dir", str(node.folder))
    assert result.exit_code == 0, result.output
    assert "Full snapshot" in result.output
    assert node.scalar("SELECT name FROM products WHERE sku = 'SNK-001'") == "Sea salt chips 200 g"


def test_sync_commands_explain_an_uninitialised_folder(tmp_path):
    result = run("sync", "now", "--data-dir", str(tmp_path / "nothing"))
    assert result.exit_code != 0
    assert "comptoir store init" in result.output
