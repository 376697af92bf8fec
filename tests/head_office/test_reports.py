"""Consolidated sales report: figures against hand-computed expectations, CSV, refusals,
and the projections rebuilt from the ledger giving exactly the same figures."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from demo.history import Item, apply, return_payload, sale_payload
from head_office.models import Product
from tests.head_office.console_support import fast_demo_hashes  # noqa: F401

pytestmark = pytest.mark.usefixtures("fast_demo_hashes")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def products(session, *skus):
    found = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))}
    return [found[sku] for sku in skus]


@pytest.fixture
def manager(client, demo_chain, token_for):
    return token_for("manager", "manager")


@pytest.fixture
def february(demo_chain):
    """Store 1 (Montreal, UTC-5 in February) and store 6 (Vancouver, UTC-8).

    - A: 2026-02-10 23:30 Montreal (04:30 UTC on the 11th): SNK-002 x2, HOU-001 x3, SNK-002 x2
      = 698 + 1197 + 698 = 2593, taxes GST 129.65 -> 130, QST 258.65 -> 259: 389.
    - B: 2026-02-11 00:30 Montreal: GRO-001 x1 = 589, exempt.
    - C: 2026-02-10 10:00 Montreal: GRO-001 x1 less 0.89 = 500, exempt.
    - R: 2026-02-11 12:00 Montreal: one HOU-001 of A back: 399, tax 19.95 -> 20 + 39.80 -> 40 = 60.
    - V: 2026-02-11 06:30 UTC = 2026-02-10 22:30 Vancouver: HOU-001 x1 = 399 + 60 tax.
    """
    from head_office.stores.operations import add_store

    add_store(demo_chain, "S06", "Vancouver", "America/Vancouver", store_id=6)
    snk, hou, gro = products(demo_chain, "SNK-002", "HOU-001", "GRO-001")
    sale_a = sale_payload(
        1, "S01-000001", [Item.of(snk, 2), Item.of(hou, 3), Item.of(snk, 2)], utc(2026, 2, 11, 4, 30)
    )
    apply(demo_chain, 1, "sale", sale_a)
    apply(
        demo_chain,
        1,
        "sale",
        sale_payload(1, "S01-000002", [Item.of(gro, 1)], utc(2026, 2, 11, 5, 30), tenders=["cash"]),
    )
    apply(
        demo_chain,
        1,
        "sale",
        sale_payload(1, "S01-000003", [Item.of(gro, 1, discount_cents=89)], utc(2026, 2, 10, 15, 0)),
    )
    apply(demo_chain, 1, "return", return_payload(sale_a, [(2, 1)], utc(2026, 2, 11, 17, 0)))
    apply(
        demo_chain,
        6,
        "sale",
        sale_payload(
            6, "S06-000001", [Item.of(hou, 1)], utc(2026, 2, 11, 6, 30), timezone="America/Vancouver"
        ),
    )
    demo_chain.commit()
    return sale_a


def store_row(body, store_id):
    return next(s for s in body["stores"] if s["store_id"] == store_id)


def test_a_business_day_ends_at_local_midnight_and_top_products_sum_all_lines(client, manager, february):
    body = client.get("/api/v1/reports/sales?from=2026-02-10&to=2026-02-10", headers=manager).json

    assert body["from"] == body["to"] == "2026-02-10"
    assert [s["store_id"] for s in body["stores"]] == [1, 2, 3, 4, 5, 6]
    s1 = store_row(body, 1)
    assert s1["revenue_cents"] == 2593 + 500
    assert s1["tax_cents"] == 389
    assert s1["sales_count"] == 2
    assert s1["units"] == 8
    assert s1["returns_cents"] == 0
    assert s1["avg_basket_cents"] == 1547  # 3093 / 2 = 1546.5, half up
    # SNK-002 sold in two lines of 2 beats HOU-001 sold in one line of 3.
    assert [(p["sku"], p["qty"]) for p in s1["top_products"]] == [
        ("SNK-002", 4),
        ("HOU-001", 3),
        ("GRO-001", 1),
    ]
    assert s1["top_products"][0] == {
        "sku": "SNK-002",
        "name": "Dark chocolate bar 100 g",
        "qty": 4,
        "revenue_cents": 1396,
    }
    assert [p["sku"] for p in s1["top_products_by_revenue"]] == ["SNK-002", "HOU-001", "GRO-001"]
    # 06:30 UTC on the 11th is still the 10th in Vancouver.
    assert store_row(body, 6)["revenue_cents"] == 399 and store_row(body, 6)["tax_cents"] == 60
    s2 = store_row(body, 2)
    assert (s2["revenue_cents"], s2["sales_count"], s2["avg_basket_cents"], s2["top_products"]) == (
        0,
        0,
        0,
        [],
    )
    assert body["days"] == [{"date": "2026-02-10", "revenue_cents": 3093 + 399}]


def test_returns_are_netted_on_the_day_of_the_return(client, manager, february):
    day = client.get("/api/v1/reports/sales?from=2026-02-11&to=2026-02-11&store=1", headers=manager).json
    assert [s["store_id"] for s in day["stores"]] == [1]
    s1 = day["stores"][0]
    assert (s1["revenue_cents"], s1["tax_cents"], s1["sales_count"], s1["units"], s1["returns_cents"]) == (
        589 - 399,
        0 - 60,
        1,
        0,
        399,
    )
    assert s1["avg_basket_cents"] == 589

    both = client.get("/api/v1/reports/sales?from=2026-02-10&to=2026-02-11&store=S01", headers=manager).json
    s1 = both["stores"][0]
    assert s1["revenue_cents"] == 3093 + 589 - 399
    assert s1["tax_cents"] == 389 - 60
    assert s1["units"] == 8 + 1 - 1
    assert s1["returns_cents"] == 399
    assert both["days"] == [
        {"date": "2026-02-10", "revenue_cents": 3093},
        {"date": "2026-02-11", "revenue_cents": 190},
    ]
    hou = next(p for p in s1["top_products"] if p["sku"] == "HOU-001")
    assert (hou["qty"], hou["revenue_cents"]) == (2, 1197 - 399)


def test_csv_has_one_row_per_store_and_product_with_decimal_amounts(client, manager, february):
    response = client.get("/api/v1/reports/sales.csv?from=2026-02-10&to=2026-02-11", headers=manager)

    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "charset=utf-8" in response.content_type
    assert response.headers["Content-Disposition"] == 'attachment; filename="sales_2026-02-10_2026-02-11.csv"'
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8"))))
    assert rows[0] == [
        "store_id",
        "store_code",
        "store_name",
        "sku",
        "name",
        "qty_sold",
        "qty_returned",
        "units",
        "sales",
        "returns",
        "revenue",
    ]
    assert rows[1:] == [
        ["1", "S01", "Plateau", "GRO-001", "Whole milk 2 L", "2", "0", "2", "10.89", "0.00", "10.89"],
        ["1", "S01", "Plateau", "HOU-001", "Dish soap 740 mL", "3", "1", "2", "11.97", "3.99", "7.98"],
        [
            "1",
            "S01",
            "Plateau",
            "SNK-002",
            "Dark chocolate bar 100 g",
            "4",
            "0",
            "4",
            "13.96",
            "0.00",
            "13.96",
        ],
        ["6", "S06", "Vancouver", "HOU-001", "Dish soap 740 mL", "1", "0", "1", "3.99", "0.00", "3.99"],
    ]


def test_csv_keeps_accents_in_utf8(client, manager, demo_chain):
    (milk,) = products(demo_chain, "GRO-001")
    apply(demo_chain, 2, "sale", sale_payload(2, "S02-000001", [Item.of(milk, 1)], utc(2026, 3, 2, 15)))
    demo_chain.commit()
    body = client.get("/api/v1/reports/sales.csv?from=2026-03-02&to=2026-03-02&store=2", headers=manager).data
    assert "Vieux-Montréal" in body.decode("utf-8")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=2026-02-10", "from"),
        ("from=2026-02-10", "to"),
        ("from=2026-02-11&to=2026-02-10", "to"),
        ("from=2026-02-30&to=2026-03-01", "from"),
        ("from=yesterday&to=2026-03-01", "from"),
        ("from=2025-01-01&to=2026-02-05", "to"),
        ("from=&to=", "from"),
    ],
)
def test_bad_ranges_get_a_clear_400(client, manager, query, field):
    for path in ("/api/v1/reports/sales", "/api/v1/reports/sales.csv"):
        response = client.get(f"{path}?{query}", headers=manager)
        assert response.status_code == 400, response.data
        assert field in response.json["errors"] and response.json["message"]


def test_a_year_is_accepted(client, manager):
    response = client.get("/api/v1/reports/sales?from=2025-02-11&to=2026-02-11", headers=manager)
    assert response.status_code == 200 and len(response.json["days"]) == 366


def test_reports_are_for_managers_only(client, demo_chain, token_for):
    cashier = token_for("cashier1", "cashier")
    assert (
        client.get("/api/v1/reports/sales?from=2026-02-10&to=2026-02-10", headers=cashier).status_code == 403
    )
    assert client.get("/api/v1/dashboard", headers=cashier).status_code == 403
    assert client.get("/api/v1/reports/sales?from=2026-02-10&to=2026-02-10").status_code == 401


def snapshot(session):
    session.expire_all()
    return (
        session.execute(text("SELECT * FROM daily_store_sales ORDER BY store_id, business_date")).all(),
        session.execute(
            text("SELECT * FROM daily_product_sales ORDER BY store_id, business_date, sku")
        ).all(),
    )


def test_rebuilding_the_projections_gives_exactly_the_same_figures(
    client, manager, runner, demo_chain, february
):
    from demo.history import generate_history

    generate_history(demo_chain, days=3, sales_per_day=12, now=utc(2026, 2, 14, 20))
    demo_chain.commit()
    before_rows = snapshot(demo_chain)
    before_report = client.get("/api/v1/reports/sales?from=2026-02-01&to=2026-02-28", headers=manager).json
    assert before_report["stores"][0]["sales_count"] > 12
    demo_chain.execute(text("UPDATE daily_store_sales SET sales_cents = 0"))
    demo_chain.execute(text("DELETE FROM daily_product_sales WHERE sku LIKE 'GRO%'"))
    demo_chain.commit()

    result = runner("head-office", "rebuild-projections")

    assert result.exit_code == 0, result.output
    assert "Rebuilt projections of 6 stores" in result.output
    assert snapshot(demo_chain) == before_rows
    after_report = client.get("/api/v1/reports/sales?from=2026-02-01&to=2026-02-28", headers=manager).json
    assert after_report == before_report


def test_sale_ids_make_projections_count_each_sale_once(client, manager, demo_chain):
    """A duplicate sale event is refused by ingest and the projections do not move."""
    from head_office.storesync.unappliable import Unappliable

    (milk,) = products(demo_chain, "GRO-001")
    sale = sale_payload(3, "S03-000001", [Item.of(milk, 2)], utc(2026, 2, 3, 15), sale_id=uuid.uuid4())
    apply(demo_chain, 3, "sale", sale)
    demo_chain.commit()
    with pytest.raises(Unappliable):
        apply(demo_chain, 3, "sale", sale)
    demo_chain.rollback()
    body = client.get("/api/v1/reports/sales?from=2026-02-03&to=2026-02-03&store=3", headers=manager).json
    assert body["stores"][0]["sales_count"] == 1 and body["stores"][0]["revenue_cents"] == 1178


def test_csv_per_day_has_a_row_per_day_and_store_with_tax_columns(client, manager, february):
    response = client.get("/api/v1/reports/sales-by-day.csv?from=2026-02-10&to=2026-02-11", headers=manager)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert rows and {"date", "store_id", "revenue", "tax_collected", "tax_refunded", "tax_net",
                     "total_with_tax"} <= set(rows[0])
    assert len({(r["date"], r["store_id"]) for r in rows}) == len(rows)
    for r in rows:
        cents = {k: round(float(r[k]) * 100) for k in ("sales", "returns", "revenue", "tax_collected",
                                                       "tax_refunded", "tax_net", "total_with_tax")}
        assert cents["revenue"] == cents["sales"] - cents["returns"]
        assert cents["tax_net"] == cents["tax_collected"] - cents["tax_refunded"]
        assert cents["total_with_tax"] == cents["revenue"] + cents["tax_net"]
    report = client.get("/api/v1/reports/sales?from=2026-02-10&to=2026-02-11", headers=manager).json
    assert sum(round(float(r["revenue"]) * 100) for r in rows) == sum(s["revenue_cents"] for s in report["stores"])
    assert sum(round(float(r["tax_net"]) * 100) for r in rows) == sum(s["tax_cents"] for s in report["stores"])
    assert {r["date"] for r in rows} <= {"2026-02-10", "2026-02-11"}
