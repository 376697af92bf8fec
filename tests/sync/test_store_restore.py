"""docs/deploy.md's restore, done as an operator would: a backup taken with `sqlite3 .backup` while
the store sells, the PC lost after more sales reached head office, the backup restored, its
counters moved past head office's, and the store sells on with every sale at head office once."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.orm import Session

from store_node.db import DB_FILENAME
from store_node.setup import init_store
from sync.client import SyncError
from tests.support import free_port

from .processes import COMPTOIR, Service, base_env


def pending(folder) -> int:
    conn = sqlite3.connect(folder / DB_FILENAME)
    try:
        return int(conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0])
    finally:
        conn.close()


def stocked(folder) -> bool:
    conn = sqlite3.connect(folder / DB_FILENAME)
    try:
        return bool(conn.execute("SELECT count(*) FROM stock WHERE on_hand > 0").fetchone()[0])
    finally:
        conn.close()


def wait(what: str, check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


class Till:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        signed = self.http.post(url + "/api/v1/session", timeout=10,
                                json={"username": "cashier1", "password": "cashier"})
        assert signed.status_code == 200, signed.text
        self.http.headers["Authorization"] = f"Bearer {signed.json()['token']}"

    def sell(self) -> dict:
        reply = self.http.post(self.url + "/api/v1/sales", timeout=10,
                               json={"lines": [{"sku": "SNK-001", "qty": 1}],
                                     "payments": [{"tender": "cash", "amount_cents": 1000}]})
        assert reply.status_code == 201, reply.text
        return reply.json()


@pytest.mark.slow
def test_a_store_restored_from_a_backup_sells_on_and_loses_nothing(chain_db, tokens, pg_url, tmp_path):
    sqlite3_cli = shutil.which("sqlite3")
    if sqlite3_cli is None:
        pytest.skip("the sqlite3 command is not installed (apt-get install sqlite3)")
    head_office = Service(["head-office", "serve", "--workers", "1"], free_port(),
                          base_env(COMPTOIR_DATABASE_URL=pg_url, COMPTOIR_SECRET_KEY="restore"),
                          tmp_path / "ho.log").start()
    folder = tmp_path / "store"
    init_store(folder, 1, head_office.url, tokens[1])
    env = base_env(COMPTOIR_DATA_DIR=str(folder), COMPTOIR_PUSH_INTERVAL_S="1", COMPTOIR_PULL_INTERVAL_S="2")
    store = Service(["store", "serve", "--data-dir", str(folder)], free_port(), env, tmp_path / "store.log")
    store.start()
    try:
        wait("the store's first pull", lambda: stocked(folder))
        till = Till(store.url)
        sold = [till.sell(), till.sell()]
        wait("the first sales pushed", lambda: pending(folder) == 0)
        # The hourly backup, while the till runs.
        backup = tmp_path / "backups" / "store-1.sqlite3"
        backup.parent.mkdir()
        subprocess.run([sqlite3_cli, str(folder / DB_FILENAME), f".backup {backup}"], check=True)
        sold += [till.sell(), till.sell()]  # after the backup: at head office, not in the backup
        wait("the later sales pushed", lambda: pending(folder) == 0)
        store.kill()  # the PC dies

        # Restore (docs/deploy.md): move the dead files aside, copy the backup in, check it.
        broken = tmp_path / "broken"
        broken.mkdir()
        for path in folder.glob(DB_FILENAME + "*"):
            path.rename(broken / path.name)
        shutil.copyfile(backup, folder / DB_FILENAME)
        check = subprocess.run([sqlite3_cli, str(folder / DB_FILENAME), "PRAGMA integrity_check"],
                               capture_output=True, text=True, check=True)
        assert check.stdout.strip() == "ok"
        with Session(chain_db) as session:
            last_seq = session.execute(
                text("SELECT last_seq FROM store_sync_state WHERE store_id = 1")).scalar_one()
            last_receipt = session.execute(
                text("SELECT max(receipt_number) FROM sales WHERE store_id = 1")).scalar_one()
        assert (last_seq, last_receipt) == (4, "S01-000004")
        realign = subprocess.run(
            [*COMPTOIR, "sync", "realign", "--last-receipt", last_receipt, "--data-dir", str(folder)],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )
        assert realign.returncode == 0, realign.stderr
        assert "up to seq 4" in realign.stdout

        store.start()
        till = Till(store.url)
        after = till.sell()
        assert after["receipt_number"] == "S01-000005"  # numbering goes on after head office's
        wait("the new sale pushed", lambda: pending(folder) == 0)
    finally:
        store.stop()
        head_office.stop()

    with Session(chain_db) as session:
        rows = session.execute(text("SELECT id::text, receipt_number FROM sales WHERE store_id = 1")).all()
        assert sorted(r[1] for r in rows) == [f"S01-00000{n}" for n in range(1, 6)]
        assert {r[0] for r in rows} == {s["id"] for s in [*sold, after]}
        assert session.execute(text("SELECT count(*) FROM sync_rejections")).scalar() == 0
        assert session.execute(
            text("SELECT last_seq FROM store_sync_state WHERE store_id = 1")).scalar_one() == 5


def test_a_store_behind_head_office_keeps_its_new_events_until_realigned(make_store, head_office, chain_db,
                                                                       tmp_path):
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    node.stock_up()
    node.sell([("SNK-001", 1)])
    node.runner.push(wait=True)
    restored_folder = tmp_path / "restored"
    restored_folder.mkdir()
    copy = sqlite3.connect(restored_folder / DB_FILENAME)
    node.db.conn.backup(copy)  # what `sqlite3 .backup` does
    copy.close()
    node.sell([("SNK-001", 1)])
    node.sell([("SNK-001", 1)])
    node.runner.push(wait=True)  # head office holds seq 1..3

    restored = make_store(1, head_office, folder=restored_folder)  # its file ends at seq 1
    sale = restored.sell([("GRO-001", 1)])  # sold before anyone realigned: seq 2 again
    with pytest.raises(SyncError) as refused:
        restored.runner.push(wait=True)
    assert refused.value.code == "store_behind" and "comptoir sync realign" in refused.value.reason
    assert restored.pending() == 1  # kept, not marked sent as a "duplicate"

    assert restored.runner.client.realign() == (3, 1)
    outcome = restored.runner.push(wait=True)
    assert outcome.acked_through == 4 and restored.pending() == 0
    with Session(chain_db) as session:
        received = session.execute(
            text("SELECT seq FROM sync_events WHERE payload ->> 'id' = :id"), {"id": sale["id"]}
        ).scalar_one()
    assert received == 4  # at head office, under the number after its own
