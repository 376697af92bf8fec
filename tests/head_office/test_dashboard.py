"""Dashboard: revenue per store over its own business days, stock alerts, sync health."""

from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from demo.history import Item, return_payload, sale_payload
from demo.history import apply as apply_event_of
from head_office.models import Product, StoreStock, StoreSyncState, SyncRejection
from head_office.reports.dashboard import dashboard
from tests.head_office.console_support import fast_demo_hashes  # noqa: F401

pytestmark = pytest.mark.usefixtures("fast_demo_hashes")

def apply(session, store_id, event_type, payload):
    """As a store's push does: each event carries its event id."""
    apply_event_of(session, store_id, event_type, payload, event_id=uuid.uuid4())


def utc(*args):
    return datetime(*args, tzinfo=UTC)


NOW = utc(2026, 2, 11, 17, 0)  # 12:00 in Montreal on 2026-02-11


@pytest.fixture
def chain(demo_chain):
    s = demo_chain
    snk, hou, gro = (
        s.scalar(select(Product).where(Product.sku == sku)) for sku in ("SNK-002", "HOU-001", "GRO-001")
    )
    sale_a = sale_payload(
        1, "S01-000001", [Item.of(snk, 2), Item.of(hou, 3), Item.of(snk, 2)], utc(2026, 2, 11, 4, 30)
    )
    apply(s, 1, "sale", sale_a)  # 02-10: 2593
    apply(
        s, 1, "sale", sale_payload(1, "S01-000002", [Item.of(gro, 1)], utc(2026, 2, 11, 5, 30))
    )  # 02-11: 589
    apply(s, 1, "return", return_payload(sale_a, [(2, 1)], utc(2026, 2, 11, 16, 0)))  # 02-11: -399
    apply(
        s, 1, "sale", sale_payload(1, "S01-000003", [Item.of(gro, 2)], utc(2026, 2, 4, 18, 0))
    )  # 02-04: 1178
    apply(
        s, 1, "sale", sale_payload(1, "S01-000004", [Item.of(hou, 10)], utc(2026, 1, 13, 18, 0))
    )  # 01-13: 3990
    apply(
        s, 1, "sale", sale_payload(1, "S01-000005", [Item.of(hou, 20)], utc(2026, 1, 12, 18, 0))
    )  # 01-12: out
    apply(
        s, 2, "sale", sale_payload(2, "S02-000001", [Item.of(gro, 3)], utc(2026, 2, 11, 16, 0))
    )  # 02-11: 1767
    # Neutral stock everywhere, then one stock-out and one overstock at store 1.
    s.execute(
        text("UPDATE store_stock SET on_hand = p.reorder_point + 1 FROM products p WHERE p.id = product_id")
    )
    s.get(StoreStock, (1, gro.id)).on_hand = 12  # reorder point 12: at it counts as a stock-out
    s.get(StoreStock, (1, hou.id)).on_hand = 41  # max stock 40
    s.get(StoreStock, (3, snk.id)).on_hand = -2  # oversold at store 3
    s.commit()
    return s


def test_every_store_with_revenue_over_its_own_business_days(chain):
    data = dashboard(chain, now=NOW)

    assert data["as_of"] == "2026-02-11T17:00:00.000Z"
    assert [s["store_id"] for s in data["stores"]] == [1, 2, 3, 4, 5]
    s1, s2, s3 = data["stores"][:3]
    assert s1["code"] == "S01" and s1["name"] == "Plateau"
    assert s1["revenue_today_cents"] == 589 - 399
    assert s1["sales_count_today"] == 1
    assert s1["avg_basket_today_cents"] == 589
    assert s1["revenue_7d_cents"] == 2593 + 589 - 399  # 02-05..02-11: the sale of 02-04 is out
    assert s1["revenue_30d_cents"] == 2593 + 589 - 399 + 1178 + 3990  # 01-13..02-11
    assert s2["revenue_today_cents"] == s2["revenue_30d_cents"] == 1767 and s2["sales_count_today"] == 1
    assert (
        s3["revenue_today_cents"],
        s3["revenue_7d_cents"],
        s3["revenue_30d_cents"],
        s3["sales_count_today"],
        s3["avg_basket_today_cents"],
    ) == (0, 0, 0, 0, 0)


def test_stock_outs_at_or_below_reorder_point_and_overstock_above_max(chain):
    s1, _, s3, s4, _ = dashboard(chain, now=NOW)["stores"]
    assert s1["stock_outs"] == [
        {"sku": "GRO-001", "name": "Whole milk 2 L", "on_hand": 12, "reorder_point": 12}
    ]
    assert s1["overstock"] == [{"sku": "HOU-001", "name": "Dish soap 740 mL", "on_hand": 41, "max_stock": 40}]
    assert s3["stock_outs"][0]["sku"] == "SNK-002" and s3["stock_outs"][0]["on_hand"] == -2
    assert s4["stock_outs"] == [] and s4["overstock"] == []


def test_sync_health_and_reconciliation(chain):
    s = chain
    s.get(StoreSyncState, 1).last_contact_at = utc(2026, 2, 11, 16, 59)
    s.get(StoreSyncState, 1).pending_events_reported = 3
    s.get(StoreSyncState, 1).reported_totals = {
        "business_date": "2026-02-10",
        "revenue_cents": 2593,
        "tax_cents": 389,
        "sales_count": 1,
        "units": 7,
    }
    s.get(StoreSyncState, 2).reported_totals = {
        "business_date": "2026-02-10",
        "revenue_cents": 500,
        "tax_cents": 0,
        "sales_count": 1,
    }
    for n, resolved in enumerate([None, None, utc(2026, 2, 11)]):
        s.add(
            SyncRejection(
                store_id=1,
                event_id=uuid.uuid4(),
                seq=10 + n,
                type="sale",
                code="unknown_sku",
                reason="Unknown SKU X",
                payload={},
                resolved_at=resolved,
            )
        )
    s.commit()

    s1, s2, s3 = dashboard(s, now=NOW)["stores"][:3]

    assert s1["sync"]["last_contact_at"] == "2026-02-11T16:59:00.000Z"
    assert s1["sync"]["pending_events"] == 3
    assert s1["sync"]["rejections"] == 2
    assert s1["sync"]["reconciled"] is True and s1["sync"]["reconciled_date"] == "2026-02-10"
    assert s2["sync"]["reconciled"] is False
    assert s2["sync"]["differences"] == {
        "revenue_cents": {"store": 500, "head_office": 0},
        "sales_count": {"store": 1, "head_office": 0},
    }
    assert s3["sync"]["reconciled"] is None and s3["sync"]["last_contact_at"] is None
    assert s3["sync"]["rejections"] == 0


def test_dashboard_api_lists_every_store_with_zeros(client, demo_chain, token_for):
    manager = token_for("manager", "manager")
    body = client.get("/api/v1/dashboard", headers=manager).json
    assert len(body["stores"]) == 5 and body["as_of"].endswith("Z")
    for row in body["stores"]:
        assert {
            "store_id",
            "code",
            "name",
            "revenue_today_cents",
            "revenue_7d_cents",
            "revenue_30d_cents",
            "sales_count_today",
            "stock_outs",
            "overstock",
            "sync",
        } <= set(row)
        assert row["revenue_today_cents"] == row["revenue_30d_cents"] == 0
        assert set(row["sync"]) >= {"last_contact_at", "pending_events", "rejections", "reconciled"}


def test_a_sale_made_now_shows_as_today(client, demo_chain, token_for):
    from common.clock import utcnow

    milk = demo_chain.scalar(select(Product).where(Product.sku == "GRO-001"))
    apply(demo_chain, 4, "sale", sale_payload(4, "S04-000001", [Item.of(milk, 1)], utcnow()))
    demo_chain.commit()
    body = client.get("/api/v1/dashboard", headers=token_for("manager", "manager")).json
    s4 = body["stores"][3]
    assert (s4["revenue_today_cents"], s4["sales_count_today"], s4["revenue_7d_cents"]) == (589, 1, 589)


def test_dashboard_page_shows_every_store_charts_and_alerts(client, chain):
    client.post(
        "/login", data={"username": "manager", "password": "manager", "csrf_token": _csrf(client, "/login")}
    )
    page = client.get("/").get_data(as_text=True)
    for code in ("S01", "S02", "S03", "S04", "S05"):
        assert f"<strong>{code}</strong>" in page
    assert 'class="chart column-chart"' in page and 'class="chart bar-chart"' in page
    assert "Whole milk 2 L" in page and "Dish soap 740 mL" in page
    french = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    chart = html.unescape(french.split('class="chart column-chart"')[1].split("</svg>")[0])
    assert "Chiffre d'affaires par jour et par magasin" in chart and "(jour" in chart
    assert "k\xa0$" in chart or "\xa0$" in chart  # axis labels as French writes money
    assert "$" not in chart.replace("\xa0$", "")


def test_store_staff_get_their_own_home_page_not_the_dashboard(client, demo_chain):
    client.post(
        "/login", data={"username": "cashier1", "password": "cashier", "csrf_token": _csrf(client, "/login")}
    )
    page = client.get("/").get_data(as_text=True)
    assert "Welcome, cashier1" in page and "Stock-outs" not in page
    assert client.get("/reports").status_code == 403
    assert client.get("/stock").status_code == 200


def _csrf(client, path):
    import re

    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_reconciliation_counts_only_what_the_store_pushed(chain):
    """Seeded demo history is not the tills': reconciliation checks that sync is complete."""
    from head_office.models import Product as P

    gro = chain.scalar(select(P).where(P.sku == "GRO-001"))
    history = sale_payload(1, "S01-H260210-0001", [Item.of(gro, 1)], utc(2026, 2, 10, 18, 0))
    apply_event_of(chain, 1, "sale", history)  # no event id: not from the store
    chain.get(StoreSyncState, 1).reported_totals = {
        "business_date": "2026-02-10", "revenue_cents": 2593, "tax_cents": 389, "sales_count": 1, "units": 7,
    }
    chain.commit()
    store1 = dashboard(chain, now=NOW)["stores"][0]
    assert store1["sync"]["reconciled"] is True
    assert store1["revenue_7d_cents"] > 2593  # while the report still counts the history


def test_low_stock_apart_from_out_of_stock_and_a_pending_request_instead_of_a_second(client, chain):
    from head_office.replenishment.operations import create_replenishment

    s1, _, s3, _, _ = dashboard(chain, now=NOW)["stores"]
    assert (s1["low_stock_count"], s1["out_of_stock_count"]) == (1, 0)  # 12 on hand, reorder at 12
    assert (s3["low_stock_count"], s3["out_of_stock_count"]) == (0, 1)  # -2 on hand
    rep = create_replenishment(chain, 1, "GRO-001", 24, "manager")
    chain.commit()
    client.post(
        "/login", data={"username": "manager", "password": "manager", "csrf_token": _csrf(client, "/login")}
    )
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    store1 = page.split('data-alerts-store="1"')[1].split("</section>")[0]
    assert "Low stock" in store1 and f"Request #{rep.id} requested (24)" in store1
    assert "new_sku=GRO-001" not in store1  # no second "Replenish" for the same product
    store3 = page.split('data-alerts-store="3"')[1].split("</section>")[0]
    assert "Out of stock" in store3 and "new_sku=SNK-002" in store3
    french = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Stock bas" in french and "En rupture" in french
