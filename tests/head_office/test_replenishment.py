"""Replenishment: approve in full or in part, reject, ship, receive; every step a compare-and-set."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from head_office.db import make_session_factory
from head_office.models import (
    AuditEntry,
    CentralStock,
    ChangeLogEntry,
    Product,
    Replenishment,
    ReplenishmentEvent,
    StockMovement,
    StoreStock,
)
from tests.head_office.console_support import fast_demo_hashes  # noqa: E402,F401

pytestmark = pytest.mark.usefixtures("fast_demo_hashes")


@pytest.fixture
def manager(client, demo_chain, token_for):
    return token_for("manager", "manager")


def central(session, sku):
    session.expire_all()
    return session.scalar(select(CentralStock).join(Product).where(Product.sku == sku))


def set_central(session, sku, on_hand, reserved=0):
    row = central(session, sku)
    row.on_hand, row.reserved, row.in_transit = on_hand, reserved, 0
    session.commit()


def store_request(session, store_id, sku, qty):
    """A restock request as a store's event makes it (what ingest creates)."""
    from common.clock import utcnow
    from head_office.storesync.apply import apply_event

    request_id = uuid.uuid4()
    apply_event(
        session,
        store_id,
        "restock_request",
        {
            "id": request_id,
            "store_id": store_id,
            "sku": sku,
            "qty": qty,
            "requested_by": "storemgr",
            "occurred_at": utcnow(),
        },
    )
    session.commit()
    return session.scalar(select(Replenishment).where(Replenishment.request_id == request_id))


def test_partial_approval_reserves_stock_and_tells_the_store(client, manager, demo_chain):
    set_central(demo_chain, "GRO-006", 30)
    rep = store_request(demo_chain, 2, "GRO-006", 12)

    response = client.post(f"/api/v1/replenishments/{rep.id}/approve", json={"qty": 8}, headers=manager)

    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "approved" and body["qty_requested"] == 12 and body["qty_approved"] == 8
    assert body["request_id"] == str(rep.request_id) and body["store_id"] == 2 and body["sku"] == "GRO-006"
    stock = central(demo_chain, "GRO-006")
    assert (stock.on_hand, stock.reserved, stock.available) == (30, 8, 22)
    change = demo_chain.scalar(select(ChangeLogEntry).where(ChangeLogEntry.entity == "replenishment"))
    assert change.store_id == 2 and change.entity_key == str(rep.request_id)
    assert change.payload["status"] == "approved" and change.payload["qty_approved"] == 8
    assert change.version == change.payload["version"] == 2
    central_change = demo_chain.scalars(
        select(ChangeLogEntry)
        .where(ChangeLogEntry.entity == "central_stock", ChangeLogEntry.entity_key == "GRO-006")
        .order_by(ChangeLogEntry.id.desc())
    ).first()
    assert central_change.payload["reserved"] == 8 and central_change.payload["available"] == 22
    audit = demo_chain.scalar(select(AuditEntry).where(AuditEntry.action == "replenishment.approved"))
    assert (
        audit.actor == "manager"
        and audit.before["status"] == "requested"
        and audit.after["qty_approved"] == 8
    )


def test_full_approval_is_refused_when_central_stock_is_short_and_says_what_is_available(
    client, manager, demo_chain
):
    set_central(demo_chain, "HAR-001", 5)
    rep = store_request(demo_chain, 1, "HAR-001", 9)

    response = client.post(f"/api/v1/replenishments/{rep.id}/approve", headers=manager)

    assert response.status_code == 409
    assert response.json["code"] == "insufficient_stock"
    assert "Only 5" in response.json["message"] and response.json["errors"]["available"] == 5
    demo_chain.expire_all()
    assert demo_chain.get(Replenishment, rep.id).status == "requested"
    assert central(demo_chain, "HAR-001").reserved == 0


def test_ship_moves_reserved_to_in_transit_and_receipt_closes_it(client, manager, demo_chain):
    set_central(demo_chain, "SNK-002", 100)
    rep = store_request(demo_chain, 3, "SNK-002", 20)
    assert (
        client.post(f"/api/v1/replenishments/{rep.id}/approve", json={"qty": 15}, headers=manager).status_code
        == 200
    )

    shipped = client.post(f"/api/v1/replenishments/{rep.id}/ship", headers=manager)

    assert shipped.status_code == 200 and shipped.json["status"] == "shipped"
    assert shipped.json["qty_shipped"] == 15
    stock = central(demo_chain, "SNK-002")
    assert (stock.on_hand, stock.reserved, stock.in_transit) == (85, 0, 15)
    on_hand_before = demo_chain.scalar(
        select(StoreStock.on_hand).join(Product).where(StoreStock.store_id == 3, Product.sku == "SNK-002")
    )

    from common.clock import utcnow
    from head_office.storesync.apply import apply_event

    apply_event(
        demo_chain,
        3,
        "receipt_confirmation",
        {
            "request_id": rep.request_id,
            "store_id": 3,
            "sku": "SNK-002",
            "qty_received": 13,
            "occurred_at": utcnow(),
            "by": "storemgr3",
        },
    )
    demo_chain.commit()

    demo_chain.expire_all()
    received = demo_chain.get(Replenishment, rep.id)
    assert received.status == "received" and received.qty_received == 13
    stock = central(demo_chain, "SNK-002")
    assert (stock.on_hand, stock.reserved, stock.in_transit) == (85, 0, 0)
    on_hand_after = demo_chain.scalar(
        select(StoreStock.on_hand).join(Product).where(StoreStock.store_id == 3, Product.sku == "SNK-002")
    )
    assert on_hand_after == on_hand_before + 13
    loss = demo_chain.scalar(select(StockMovement).where(StockMovement.kind == "transit_loss"))
    assert loss.qty == -2
    statuses = [
        e.to_status
        for e in demo_chain.scalars(
            select(ReplenishmentEvent)
            .where(ReplenishmentEvent.replenishment_id == rep.id)
            .order_by(ReplenishmentEvent.id)
        )
    ]
    assert statuses == ["requested", "approved", "shipped", "received"]
    # The ledger of the central buckets adds up: what left on hand is what arrived plus the loss.
    in_transit_moves = demo_chain.scalars(
        select(StockMovement.qty).where(
            StockMovement.bucket == "in_transit", StockMovement.ref_id == str(rep.id)
        )
    ).all()
    assert sum(in_transit_moves) == 0


@pytest.mark.parametrize(
    ("steps", "refused", "message"),
    [
        (["approve"], "approve", "is approved: only a requested request can be approved"),
        ([], "ship", "is requested: only a approved request can be shipped"),
        (["approve"], "reject", "is approved: only a requested request can be rejected"),
        (["reject"], "approve", "is rejected: only a requested request can be approved"),
        (["approve", "ship"], "ship", "is shipped: only a approved request can be shipped"),
        (["reject"], "ship", "is rejected"),
    ],
)
def test_each_step_out_of_order_is_refused_with_409_and_changes_nothing(
    client, manager, demo_chain, steps, refused, message
):
    rep = store_request(demo_chain, 1, "GRO-001", 4)
    bodies = {"approve": {}, "reject": {"reason": "not this week"}, "ship": None}
    for step in steps:
        assert (
            client.post(
                f"/api/v1/replenishments/{rep.id}/{step}", json=bodies[step], headers=manager
            ).status_code
            == 200
        )
    demo_chain.expire_all()
    before = (
        demo_chain.get(Replenishment, rep.id).version,
        central(demo_chain, "GRO-001").version,
        demo_chain.query(ChangeLogEntry).count(),
    )

    response = client.post(
        f"/api/v1/replenishments/{rep.id}/{refused}", json=bodies[refused], headers=manager
    )

    assert response.status_code == 409
    assert response.json["code"] == "invalid_status"
    assert message in response.json["message"]
    demo_chain.expire_all()
    after = (
        demo_chain.get(Replenishment, rep.id).version,
        central(demo_chain, "GRO-001").version,
        demo_chain.query(ChangeLogEntry).count(),
    )
    assert after == before


def test_reject_needs_a_reason_and_records_it(client, manager, demo_chain):
    rep = store_request(demo_chain, 4, "PET-001", 3)
    missing = client.post(f"/api/v1/replenishments/{rep.id}/reject", json={}, headers=manager)
    assert missing.status_code == 422 and "reason" in missing.json["errors"]
    blank = client.post(f"/api/v1/replenishments/{rep.id}/reject", json={"reason": "   "}, headers=manager)
    assert blank.status_code == 422

    response = client.post(
        f"/api/v1/replenishments/{rep.id}/reject", json={"reason": "Discontinued"}, headers=manager
    )

    assert response.status_code == 200
    assert response.json["status"] == "rejected" and response.json["reason"] == "Discontinued"
    change = demo_chain.scalar(select(ChangeLogEntry).where(ChangeLogEntry.entity == "replenishment"))
    assert change.payload["status"] == "rejected" and change.payload["reason"] == "Discontinued"


@pytest.mark.parametrize("body", [{"qty": 0}, {"qty": 13}, {"qty": "5"}, {"qty": 2.5}, {"qty": -1}])
def test_bad_approval_quantities_are_refused(client, manager, demo_chain, body):
    rep = store_request(demo_chain, 1, "GRO-002", 12)
    response = client.post(f"/api/v1/replenishments/{rep.id}/approve", json=body, headers=manager)
    assert response.status_code == 422
    demo_chain.expire_all()
    assert demo_chain.get(Replenishment, rep.id).status == "requested"


def test_unknown_replenishment_is_404(client, manager):
    response = client.post("/api/v1/replenishments/999999/approve", headers=manager)
    assert response.status_code == 404 and response.json["code"] == "unknown_replenishment"


def test_a_manager_creates_a_replenishment_for_a_store(client, manager, demo_chain):
    response = client.post(
        "/api/v1/replenishments", json={"store_id": 5, "sku": "HOU-003", "qty": 6}, headers=manager
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "requested" and body["store_id"] == 5 and body["origin"] == "head_office"
    assert uuid.UUID(body["request_id"])  # made here, so the store can confirm the receipt with it
    assert body["history"][0]["to_status"] == "requested" and body["history"][0]["actor"] == "manager"
    approved = client.post(f"/api/v1/replenishments/{body['id']}/approve", headers=manager).json
    changes = demo_chain.scalars(
        select(ChangeLogEntry).where(ChangeLogEntry.entity == "replenishment").order_by(ChangeLogEntry.id)
    ).all()
    assert [(c.entity_key, c.store_id, c.payload["status"], c.version) for c in changes] == [
        (body["request_id"], 5, "requested", 1),
        (body["request_id"], 5, "approved", 2),
    ]
    assert approved["qty_approved"] == 6


@pytest.mark.parametrize(
    "body",
    [
        {"store_id": 99, "sku": "HOU-003", "qty": 1},
        {"store_id": 1, "sku": "NOPE", "qty": 1},
        {"store_id": 1, "sku": "HOU-003", "qty": 0},
        {"store_id": 1, "sku": "HOU-003"},
        {"store_id": 1, "sku": "HOU-003", "qty": 1, "extra": 1},
    ],
)
def test_creating_a_replenishment_with_bad_input_is_refused(client, manager, body):
    response = client.post("/api/v1/replenishments", json=body, headers=manager)
    assert response.status_code in (404, 422)
    assert response.json["message"]
    assert client.get("/api/v1/replenishments", headers=manager).json["items"] == []


def test_list_filters_by_status_and_store_with_store_stock_and_recent_sales(client, manager, demo_chain):
    from datetime import timedelta

    from common.clock import utcnow
    from demo.history import Item, apply, sale_payload

    milk = demo_chain.scalar(select(Product).where(Product.sku == "GRO-001"))
    for n, when in enumerate(
        [utcnow() - timedelta(hours=1), utcnow() - timedelta(days=3), utcnow() - timedelta(days=10)], start=1
    ):
        apply(demo_chain, 2, "sale", sale_payload(2, f"S02-{n:06d}", [Item.of(milk, 2)], when))
    demo_chain.commit()
    first = store_request(demo_chain, 2, "GRO-001", 10)
    store_request(demo_chain, 1, "GRO-001", 10)
    client.post(f"/api/v1/replenishments/{first.id}/approve", json={"qty": 1}, headers=manager)

    requested = client.get("/api/v1/replenishments?status=requested", headers=manager).json["items"]
    store_2 = client.get("/api/v1/replenishments?store=2", headers=manager).json["items"]

    assert [r["store_id"] for r in requested] == [1]
    assert [r["status"] for r in store_2] == ["approved"]
    row = store_2[0]
    on_hand = demo_chain.scalar(
        select(StoreStock.on_hand).where(StoreStock.store_id == 2, StoreStock.product_id == milk.id)
    )
    assert row["store_on_hand"] == on_hand
    assert row["sold_7d"] == 4  # the sale 10 days ago is outside the window
    assert [h["to_status"] for h in row["history"]] == ["requested", "approved"]
    assert client.get("/api/v1/replenishments?status=lost", headers=manager).status_code == 422
    assert client.get("/api/v1/replenishments?store=77", headers=manager).status_code == 404


def test_store_staff_cannot_approve_or_list(client, demo_chain, token_for):
    rep = store_request(demo_chain, 1, "GRO-001", 4)
    cashier = token_for("cashier1", "cashier")
    store_manager = token_for("storemgr1", "storemgr")
    for headers in (cashier, store_manager):
        assert client.post(f"/api/v1/replenishments/{rep.id}/approve", headers=headers).status_code == 403
        assert client.get("/api/v1/replenishments", headers=headers).status_code == 403
    assert client.post(f"/api/v1/replenishments/{rep.id}/approve").status_code == 401
    demo_chain.expire_all()
    assert demo_chain.get(Replenishment, rep.id).status == "requested"


@pytest.mark.slow
def test_concurrent_approvals_never_overdraw_central_stock(ho_engine, demo_chain):
    """Twelve requests of 5 race for 23 units: exactly four win, the rest are refused."""
    from common.errors import Conflict
    from head_office.replenishment.operations import approve

    set_central(demo_chain, "STA-004", 23)
    reps = [store_request(demo_chain, 1 + n % 5, "STA-004", 5).id for n in range(12)]
    factory = make_session_factory(ho_engine)
    barrier = threading.Barrier(len(reps))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(rep_id: int) -> None:
        session = factory()
        try:
            barrier.wait()
            approve(session, rep_id, "manager")
            session.commit()
            result = "approved"
        except Conflict as exc:
            session.rollback()
            result = exc.code
        finally:
            session.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(rep_id,)) for rep_id in reps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("approved") == 4
    assert outcomes.count("insufficient_stock") == 8
    stock = central(demo_chain, "STA-004")
    assert (stock.on_hand, stock.reserved) == (23, 20)
    approved = demo_chain.scalars(select(Replenishment).where(Replenishment.status == "approved")).all()
    assert len(approved) == 4


@pytest.mark.slow
def test_the_same_request_approved_twice_at_once_is_approved_once(ho_engine, demo_chain):
    from common.errors import Conflict
    from head_office.replenishment.operations import approve

    set_central(demo_chain, "STA-001", 100)
    rep_id = store_request(demo_chain, 2, "STA-001", 10).id
    factory = make_session_factory(ho_engine)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def run() -> None:
        session = factory()
        try:
            barrier.wait()
            approve(session, rep_id, "manager")
            session.commit()
            outcomes.append("approved")
        except Conflict as exc:
            session.rollback()
            outcomes.append(exc.code)
        finally:
            session.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["approved"] + ["invalid_status"] * 5
    assert central(demo_chain, "STA-001").reserved == 10


def test_a_store_request_and_a_head_office_one_start_alike_and_keep_their_origin(
    client, manager, demo_chain
):
    """One way to start a replenishment: both begin ``requested`` with one history row; the
    origin is a column, whatever a manager writes in the note."""
    from_store = store_request(demo_chain, 2, "GRO-001", 4)
    made_here = client.post(
        "/api/v1/replenishments",
        json={"store_id": 2, "sku": "GRO-001", "qty": 3, "note": "requested by the store (phoned in)"},
        headers=manager,
    ).json

    items = {r["id"]: r for r in client.get("/api/v1/replenishments", headers=manager).json["items"]}
    store_row, office_row = items[from_store.id], items[made_here["id"]]
    assert (store_row["origin"], office_row["origin"]) == ("store", "head_office")
    assert [h["to_status"] for h in store_row["history"]] == ["requested"]
    assert [h["to_status"] for h in office_row["history"]] == ["requested"]
    assert store_row["history"][0]["actor"] == "storemgr" and office_row["history"][0]["actor"] == "manager"
    # The store wrote its own request: only head office's is announced to the store at once.
    announced = demo_chain.scalars(
        select(ChangeLogEntry.entity_key).where(ChangeLogEntry.entity == "replenishment")
    ).all()
    assert announced == [made_here["request_id"]]
