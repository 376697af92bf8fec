"""Head office checks what a store pushes: what does not add up is parked, never applied, and
never blocks the queue; only a malformed envelope refuses the push."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from head_office.models import ReceivedEvent, Return, Sale, StoreSyncState, SyncRejection
from head_office.stores.operations import issue_token

from .sync_events import EventMaker, push_body


@pytest.fixture
def store_token(demo_chain, db_session):
    token = issue_token(db_session, 1)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def manager(client, demo_chain):
    token = client.post("/api/v1/session", json={"username": "manager", "password": "manager"}).json["token"]
    return {"Authorization": f"Bearer {token}"}


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def rejections(session):
    session.expire_all()
    return {r.seq: r for r in session.scalars(select(SyncRejection).order_by(SyncRejection.seq))}


def push(client, headers, events, **extra):
    response = client.post("/sync/v1/push", json=push_body(1, events, **extra), headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def tamper(event, **changes):
    event["payload"].update(changes)
    return event


def tamper_line(event, **changes):
    event["payload"]["lines"][0].update(changes)
    return event


def test_a_sale_that_does_not_add_up_is_parked_not_applied(client, store_token, db_session):
    maker = EventMaker(1)
    events = [
        tamper(maker.sale([("SNK-001", 1, 399)]), total_cents=1),  # total is not subtotal + tax
        tamper_line(maker.sale([("SNK-001", 2, 399)]), net_cents=700),  # net is not qty x price
        tamper(maker.sale([("SNK-001", 1, 399)]), subtotal_cents=1000, total_cents=1000 + 60),
        tamper(maker.sale([("SNK-001", 1, 399)]), tax_cents=0, total_cents=399, taxes={"gst": 0, "qst": 0},
               payments=[{"tender": "card", "amount_cents": 399}]),  # taxes do not match the lines
        tamper(maker.sale([("SNK-001", 1, 399)]), payments=[{"tender": "card", "amount_cents": 100}]),
        tamper(maker.sale([("SNK-001", 1, 399)]), payments=[{"tender": "card", "amount_cents": 10_000}]),
        tamper(maker.sale([("SNK-001", 1, 399)]), change_cents=5),  # change without cash
        tamper_line(maker.sale([("SNK-001", 1, 399)]), qty=0),
        tamper(maker.sale([("SNK-001", 1, 399)]), lines=[]),
    ]
    stored = {e["payload"]["id"] for e in events}
    reply = push(client, store_token, events)
    assert reply == {"acked_through": 9, "applied": 0, "rejected": 9, "duplicates": 0}
    parked = rejections(db_session)
    assert sorted(parked) == list(range(1, 10))
    assert {r.code for r in parked.values()} <= {"does_not_add_up", "invalid_payload"}
    assert "total_cents must be subtotal_cents + tax_cents" in parked[1].reason
    assert "net_cents must be qty x unit price - discount" in parked[2].reason
    assert "subtotal_cents" in parked[3].reason
    assert "tax" in parked[4].reason
    assert "do not cover the total" in parked[5].reason
    assert "card payments exceed the total" in parked[6].reason
    assert "change_cents" in parked[7].reason
    assert "qty" in parked[8].reason
    assert parked[1].payload["total_cents"] == 1  # kept as the store sent it
    assert count(db_session, Sale) == 0
    assert not set(map(str, db_session.scalars(select(Sale.id)))) & stored
    statuses = set(db_session.scalars(select(ReceivedEvent.status)))
    assert statuses == {"rejected"}
    # The console's dashboard shows each parked event with its reason.
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "manager", "password": "manager", "csrf_token": token.group(1)})
    page = client.get("/").get_data(as_text=True)
    assert "Parked store events" in page
    assert "total_cents must be subtotal_cents + tax_cents" in page and "does_not_add_up" in page


def test_negative_unit_price_is_parked(client, store_token, db_session, manager):
    maker = EventMaker(1)
    bad = maker.sale([("SNK-001", 1, 399)])
    line = bad["payload"]["lines"][0]
    line.update(unit_price_cents=-100_000_000, net_cents=-100_000_000)
    bad["payload"].update(subtotal_cents=-100_000_000, tax_cents=0, taxes={}, total_cents=-100_000_000,
                          payments=[])
    good = maker.sale([("SNK-001", 1, 399)])
    reply = push(client, store_token, [bad, good])
    assert reply["applied"] == 1 and reply["rejected"] == 1
    parked = rejections(db_session)[1]
    assert parked.code == "invalid_payload" and "bigger than or equal to 0" in parked.reason
    # A negative price alone, the rest of the sale made consistent with it, is parked all the same.
    alone = maker.sale([("SNK-001", 1, 399)])
    alone["payload"]["lines"][0].update(unit_price_cents=-100, net_cents=-100)
    assert push(client, store_token, [alone])["rejected"] == 1
    assert "unit_price_cents" in rejections(db_session)[3].reason
    day = good["payload"]["business_date"]
    report = client.get(f"/api/v1/reports/sales?from={day}&to={day}&store=1", headers=manager).json
    assert report["stores"][0]["revenue_cents"] == 399  # not -99,999,601


def test_parked_sale_does_not_block_later_events(client, store_token, db_session):
    maker = EventMaker(1)
    first = [tamper(maker.sale([("SNK-001", 1, 399)]), total_cents=2**31)]
    first += [maker.sale([("SNK-002", 1, 349)]) for _ in range(3)]
    assert push(client, store_token, first) == {
        "acked_through": 4, "applied": 3, "rejected": 1, "duplicates": 0,
    }
    # The store's next batch goes on from seq 5: nothing waits behind the parked sale.
    later = [maker.sale([("SNK-001", 1, 399)]), maker.stock_adjustment("SNK-001", -1)]
    assert push(client, store_token, later)["acked_through"] == 6
    assert count(db_session, Sale) == 4
    assert db_session.get(StoreSyncState, 1).last_seq == 6
    # Sending the whole history again changes nothing.
    assert push(client, store_token, first + later)["duplicates"] == 6
    assert count(db_session, SyncRejection) == 1


@pytest.mark.parametrize("day", ["2026-02-30", "0001-01-01", "2999-12-31"])
def test_pushed_impossible_business_date_is_parked(client, store_token, db_session, day):
    maker = EventMaker(1)
    bad = tamper(maker.sale([("SNK-001", 1, 399)]), business_date=day)
    good = maker.sale([("SNK-001", 1, 399)])
    reply = push(client, store_token, [bad, good])
    assert (reply["applied"], reply["rejected"]) == (1, 1)
    parked = rejections(db_session)[1]
    assert parked.code == "invalid_date" and day in parked.reason
    assert count(db_session, Sale) == 1


def test_a_payload_instant_that_is_not_a_real_instant_is_parked(client, store_token, db_session):
    maker = EventMaker(1)
    bad = tamper(maker.stock_adjustment("SNK-001", -1), occurred_at="2026-13-45T99:99:99Z")
    reply = push(client, store_token, [bad])
    assert reply["rejected"] == 1 and rejections(db_session)[1].code == "invalid_date"


def test_a_return_that_does_not_add_up_is_parked(client, store_token, db_session):
    maker = EventMaker(1)
    sale = maker.sale([("HOU-001", 3, 399)])
    bad = maker.return_of(sale, 1, 1)
    bad["payload"]["refund_cents"] += 1
    negative = maker.return_of(sale, 1, 1)
    negative["payload"]["lines"][0]["net_cents"] = -399
    fine = maker.return_of(sale, 1, 1)
    greedy = maker.return_of(sale, 1, 1, already=1)
    greedy["payload"]["lines"][0]["net_cents"] = 3 * 399  # more than the line was sold for
    greedy["payload"]["subtotal_cents"] = 3 * 399
    greedy["payload"]["refund_cents"] = 3 * 399 + greedy["payload"]["tax_cents"]
    greedy["payload"]["refunds"] = [{"tender": "card", "amount_cents": greedy["payload"]["refund_cents"]}]
    reply = push(client, store_token, [sale, bad, negative, fine, greedy])
    assert (reply["applied"], reply["rejected"]) == (2, 3)
    assert count(db_session, Return) == 1
    assert "refunds more than sale" in rejections(db_session)[5].reason


def test_a_huge_pending_count_is_recorded_without_failing_the_push(client, store_token, db_session):
    maker = EventMaker(1)
    status = {"pending_events": 10**12, "oldest_pending_age_s": 10**15}
    reply = push(client, store_token, [maker.sale([("SNK-001", 1, 399)])], status=status)
    assert reply["applied"] == 1
    db_session.expire_all()
    state = db_session.get(StoreSyncState, 1)
    assert state.pending_events_reported == 2**31 - 1 and state.oldest_pending_age_s == 2**31 - 1


@pytest.mark.parametrize(
    "raw",
    [
        '{"protocol": 1, "store_id": 1, "events": [], "status": {"pending_events": NaN}}',
        '{"protocol": 1, "store_id": 1, "events": [], "status": {"totals": {"x": "a\\u0000"}}}',
    ],
)
def test_json_postgresql_cannot_hold_is_refused_whole(client, store_token, db_session, raw):
    response = client.post(
        "/sync/v1/push", data=raw, headers={**store_token, "Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422), response.json
    assert count(db_session, ReceivedEvent) == 0


def test_daily_totals_past_two_billion_cents(client, store_token, db_session, manager):
    """Two legitimate sales on one day, 1.2 billion cents each, reach the report exactly."""
    maker = EventMaker(1)
    at = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    sales = []
    for _ in range(2):
        sale = maker.sale([("GRO-001", 1_200, 1_000_000)], at=at, tax_class="exempt")
        sale["payload"]["payments"] = [{"tender": "card", "amount_cents": 100_000_000}] * 12
        sales.append(sale)
    assert push(client, store_token, sales)["applied"] == 2
    report = client.get("/api/v1/reports/sales?from=2026-03-03&to=2026-03-03&store=1", headers=manager)
    assert report.status_code == 200, report.json
    row = report.json["stores"][0]
    assert row["revenue_cents"] == 2_400_000_000 > 2**31
    assert row["sales_count"] == 2 and row["units"] == 2_400
    assert report.json["days"] == [{"date": "2026-03-03", "revenue_cents": 2_400_000_000}]
    # A partial return of one of them is netted to the cent.
    ret = maker.return_of(sales[0], 1, 1, at=at)
    assert push(client, store_token, [ret])["applied"] == 1
    again = client.get("/api/v1/reports/sales?from=2026-03-03&to=2026-03-03&store=1", headers=manager).json
    assert again["stores"][0]["revenue_cents"] == 2_400_000_000 - 1_000_000


def test_a_cash_refund_rounded_to_five_cents_is_applied_with_its_tender(client, store_token, db_session):
    maker = EventMaker(1)
    sale = maker.sale([("HOU-001", 3, 399)])  # 3.99 + GST 0.20 + QST 0.40 = 4.59 a unit
    rounded = maker.return_of(sale, 1, 1)
    owed = rounded["payload"]["refund_cents"]
    assert owed == 459
    rounded["payload"].update(tender="cash", rounding_cents=1,
                              refunds=[{"tender": "cash", "amount_cents": 460}])
    wrong = maker.return_of(sale, 1, 1, already=1)  # rounds the wrong way
    wrong["payload"].update(tender="cash", rounding_cents=-1,
                            refunds=[{"tender": "cash", "amount_cents": wrong["payload"]["refund_cents"] - 1}])
    reply = push(client, store_token, [sale, rounded, wrong])
    assert (reply["applied"], reply["rejected"]) == (2, 1)
    db_session.expire_all()
    ret = db_session.scalars(select(Return)).one()
    assert (ret.tender, ret.rounding_cents, ret.refund_cents) == ("cash", 1, 459)
    assert ret.refunds == [{"tender": "cash", "amount_cents": 460}]
    assert "rounding_cents must round the cash refunded" in rejections(db_session)[3].reason
