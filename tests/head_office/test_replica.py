"""Reports on a streaming replica (COMPTOIR_DATABASE_REPLICA_URL): a real second PostgreSQL
cluster replicating from a primary, both started here with the system's PostgreSQL binaries."""

from __future__ import annotations

import csv
import io
import os
import re
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from common.clock import business_date
from head_office.app import create_app
from head_office.db import make_engine, upgrade
from head_office.seed import seed_demo
from head_office.stores.operations import issue_token
from tests.pgcluster import Chain, bin_dir

from .sync_events import EventMaker, push_body

pytestmark = pytest.mark.slow


@pytest.fixture
def chain():
    if bin_dir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server binaries (initdb, pg_basebackup) are missing")
        pytest.skip("PostgreSQL's server binaries (initdb, pg_basebackup) are missing")
    # The test server (COMPTOIR_TEST_DATABASE_URL) does not accept replication connections
    # (no `replication` line in its pg_hba.conf), and changing that is not reversible from SQL:
    # this test makes its own primary with initdb, and a replica of it.
    made = Chain()
    try:
        yield made
    finally:
        made.close()


def report(client, headers, day):
    reply = client.get(f"/api/v1/reports/sales?from={day}&to={day}&store=1", headers=headers)
    assert reply.status_code == 200, reply.json
    return reply.json["stores"][0]


def test_reports_dashboard_and_csv_read_from_the_replica_and_catch_up(chain):
    primary = chain.primary()
    primary.sql("CREATE DATABASE comptoir")
    primary_url = primary.url("comptoir")
    upgrade(primary_url)
    engine = make_engine(primary_url, pool_size=2)
    with Session(engine) as session:
        seed_demo(session)
        store_token = issue_token(session, 1)
        session.commit()
    replica = chain.replica(primary)
    assert replica.sql("SELECT pg_is_in_recovery()") == "t"

    app = create_app({"DATABASE_URL": primary_url, "DATABASE_REPLICA_URL": replica.url("comptoir"),
                      "SECRET_KEY": "replica", "TESTING": True})
    client = app.test_client()
    try:
        signed = client.post("/api/v1/session", json={"username": "manager", "password": "manager"})
        headers = {"Authorization": f"Bearer {signed.json['token']}"}
        day = business_date(datetime.now(UTC), "America/Montreal").isoformat()
        assert report(client, headers, day)["sales_count"] == 0

        # Replay paused: the primary takes a sale the replica does not show yet.
        replica.sql("SELECT pg_wal_replay_pause()")
        sale = EventMaker(1).sale([("SNK-001", 2, 399)])
        pushed = client.post("/sync/v1/push", json=push_body(1, [sale]),
                             headers={"Authorization": f"Bearer {store_token}"})
        assert pushed.status_code == 200 and pushed.json["applied"] == 1
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM sales")).scalar() == 1
        assert report(client, headers, day)["sales_count"] == 0  # read from the replica
        exported = client.get(f"/api/v1/reports/sales.csv?from={day}&to={day}&store=1", headers=headers)
        assert exported.status_code == 200
        assert not [row for row in csv.DictReader(io.StringIO(exported.get_data(as_text=True)))
                    if "SNK-001" in row.values()]
        board = client.get("/api/v1/dashboard", headers=headers)
        assert board.status_code == 200
        assert isinstance(board.json["replica_lag_s"], float | int)
        assert next(s for s in board.json["stores"] if s["store_id"] == 1)["sales_count_today"] == 0

        # Replay resumed: once the replica has caught up, the report shows the sale, once.
        replica.sql("SELECT pg_wal_replay_resume()")
        deadline = time.monotonic() + 30
        while report(client, headers, day)["sales_count"] != 1:
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.2)
        row = report(client, headers, day)
        assert row["units"] == 2 and row["revenue_cents"] == 798
        exported = client.get(f"/api/v1/reports/sales.csv?from={day}&to={day}&store=1", headers=headers)
        assert [row for row in csv.DictReader(io.StringIO(exported.get_data(as_text=True)))
                if "SNK-001" in row.values()]
        board = client.get("/api/v1/dashboard", headers=headers).json
        assert next(s for s in board["stores"] if s["store_id"] == 1)["sales_count_today"] == 1
        assert board["replica_lag_s"] >= 0
        # The console's dashboard and report pages read there too and say so.
        login = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        client.post("/login", data={"username": "manager", "password": "manager", "csrf_token": csrf})
        page = client.get("/").get_data(as_text=True)
        assert "read from a replica" in page and "<strong>S01</strong>" in page
        assert client.get(f"/reports?from={day}&to={day}").status_code == 200
    finally:
        app.extensions["comptoir_engine"].dispose()
        app.extensions["comptoir_replica_engine"].dispose()
        engine.dispose()
