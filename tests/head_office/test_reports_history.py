"""Demo history: realistic, deterministic, idempotent, applied through the ingest path."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from common.clock import business_date, zone
from demo.history import HOURS, generate_history
from head_office.models import DailyStoreSales, Return, Sale, SalePayment
from tests.head_office.console_support import fast_demo_hashes  # noqa: F401

pytestmark = pytest.mark.usefixtures("fast_demo_hashes")

NOW = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)  # Sunday 2026-03-08, 22:00 in Montreal (after closing)


@pytest.mark.slow
def test_history_fills_every_store_within_opening_hours_and_projections(demo_chain):
    counts = generate_history(demo_chain, days=7, now=NOW, sales_per_day=14)
    demo_chain.commit()

    assert counts["sales"] > 350 and counts["skipped"] == 0
    per_store = dict(demo_chain.execute(select(Sale.store_id, func.count()).group_by(Sale.store_id)).all())
    assert sorted(per_store) == [1, 2, 3, 4, 5]
    sales = demo_chain.scalars(select(Sale)).all()
    for sale in sales:
        local = sale.occurred_at.astimezone(zone("America/Montreal"))
        opening, closing = HOURS[local.weekday()]
        assert opening <= local.hour < closing and sale.business_date == local.date()
        assert sale.business_date < business_date(NOW)  # closed days only
    by_weekday = Counter(sale.business_date.weekday() for sale in sales)
    assert by_weekday[6] < by_weekday[5]  # quieter Sundays than Saturdays
    tenders = Counter(p.tender for p in demo_chain.scalars(select(SalePayment)))
    assert tenders["cash"] > 0 and tenders["card"] > 0
    assert demo_chain.scalar(select(func.count()).select_from(Return)) > 0
    baskets = Counter(len(sale.lines) for sale in sales)
    assert len(baskets) >= 4
    # The projections were filled on the way (same path as synced events).
    projected = demo_chain.scalar(select(func.sum(DailyStoreSales.sales_count)))
    assert projected == len(sales)


def test_history_is_deterministic_and_running_it_again_adds_nothing(demo_chain):
    first = generate_history(demo_chain, days=2, now=NOW, sales_per_day=6)
    demo_chain.commit()
    revenue = demo_chain.scalar(select(func.sum(Sale.subtotal_cents)))
    again = generate_history(demo_chain, days=2, now=NOW, sales_per_day=6)
    demo_chain.commit()
    assert again == {"sales": 0, "returns": 0, "skipped": first["sales"]}
    assert demo_chain.scalar(select(func.sum(Sale.subtotal_cents))) == revenue
    receipts = demo_chain.scalars(
        select(Sale.receipt_number).where(Sale.store_id == 1).order_by(Sale.receipt_number)
    ).all()
    assert receipts[0] == "S01-H260306-0001"  # two closed days before NOW's


def test_seed_demo_days_through_the_cli(runner, ho_engine):
    result = runner("head-office", "seed", "--demo", "--days", "2")
    assert result.exit_code == 0, result.output
    assert "Applied" in result.output and "sales" in result.output
    again = runner("head-office", "seed", "--demo", "--days", "2")
    assert again.exit_code == 0 and "Applied 0 sales" in again.output
