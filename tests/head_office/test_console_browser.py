"""The manager's console in a real browser (Playwright driving Chromium)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from demo.history import Item, apply, sale_payload
from head_office.models import CentralStock, Product, Replenishment
from tests.head_office.console_support import fast_demo_hashes  # noqa: F401
from tests.support import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("fast_demo_hashes")]


def sign_in(page, base, username="manager", password="manager"):
    page.goto(base + "/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def shop(demo_chain):
    s = demo_chain
    syrup = s.scalar(select(Product).where(Product.sku == "GRO-006"))
    milk = s.scalar(select(Product).where(Product.sku == "GRO-001"))
    apply(
        s,
        2,
        "sale",
        sale_payload(
            2, "S02-000001", [Item.of(syrup, 2), Item.of(milk, 1)], datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
        ),
    )
    apply(
        s,
        3,
        "sale",
        sale_payload(3, "S03-000001", [Item.of(milk, 4)], datetime(2026, 3, 4, 15, 0, tzinfo=UTC)),
    )
    s.get(CentralStock, syrup.id).on_hand = 30
    request_id = uuid.uuid4()
    apply(
        s,
        2,
        "restock_request",
        {
            "id": request_id,
            "store_id": 2,
            "sku": "GRO-006",
            "qty": 12,
            "requested_by": "storemgr2",
            "occurred_at": datetime.now(UTC),
        },
    )
    s.commit()
    return s.scalar(select(Replenishment).where(Replenishment.request_id == request_id))


def test_manager_sees_dashboard_downloads_report_csv_and_approves_part_then_ships(
    app, page, shop, demo_chain
):
    with live_server(app) as base:
        sign_in(page, base)

        # The dashboard lists the five stores.
        assert page.locator("h1").first.inner_text().startswith("Dashboard")
        rows = page.locator("#stores-table tbody tr[data-store]")
        assert rows.count() == 5
        assert "S05" in rows.nth(4).inner_text() and "Québec" in rows.nth(4).inner_text()
        assert page.locator("svg.column-chart").count() == 1

        # A report over a range, then its CSV.
        page.get_by_role("link", name="Reports").click()
        page.get_by_label("From", exact=True).fill("2026-03-01")
        page.get_by_label("To", exact=True).fill("2026-03-07")
        page.get_by_role("button", name="Show").click()
        s2 = page.locator('#report-table tr[data-store="2"]')
        assert "$31.87" in s2.inner_text()  # 2 x 12.99 + 5.89
        assert "$23.56" in page.locator('#report-table tr[data-store="3"]').inner_text()
        with page.expect_download() as info:
            page.get_by_role("link", name="Download CSV", exact=True).click()
        download = info.value
        assert download.suggested_filename == "sales_2026-03-01_2026-03-07.csv"
        rows_csv = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
        assert rows_csv[0][:5] == ["store_id", "store_code", "store_name", "sku", "name"]
        assert [
            "2",
            "S02",
            "Vieux-Montréal",
            "GRO-006",
            "Maple syrup 540 mL",
            "2",
            "0",
            "2",
            "25.98",
            "0.00",
            "25.98",
        ] in rows_csv
        assert len(rows_csv) == 4

        # Approve part of the store's request, then ship it.
        page.get_by_role("link", name="Replenishment").click()
        row = page.locator(f'#replenishments tr[data-id="{shop.id}"]')
        assert "Maple syrup" in row.inner_text() and "storemgr2" in row.inner_text()
        row.get_by_label(f"Quantity to approve for #{shop.id}").fill("8")
        row.get_by_role("button", name="Approve").click()
        assert (
            f"Replenishment {shop.id} approved: 8 of 12 (partial)." in page.locator(".flash.ok").inner_text()
        )
        page.get_by_role("link", name="Approved").click()
        row = page.locator(f'#replenishments tr[data-id="{shop.id}"]')
        row.get_by_role("button", name="Ship 8").click()
        assert "shipped: 8" in page.locator(".flash.ok").inner_text()
        page.get_by_role("link", name="Shipped").click()
        row = page.locator(f'#replenishments tr[data-id="{shop.id}"]')
        row.locator("summary").click()
        history = row.locator("ol.history").inner_text()
        assert "requested → approved (8)" in history and "approved → shipped (8)" in history

    demo_chain.expire_all()
    rep = demo_chain.get(Replenishment, shop.id)
    assert (rep.status, rep.qty_approved, rep.qty_shipped) == ("shipped", 8, 8)
    stock = demo_chain.get(CentralStock, rep.product_id)
    assert (stock.on_hand, stock.reserved, stock.in_transit) == (22, 0, 8)


def test_refusals_are_readable_and_catalog_edits_apply(app, page, shop, demo_chain):
    with live_server(app) as base:
        sign_in(page, base)
        # Approving more than central stock holds is refused with what is available.
        page.goto(base + "/replenishments")
        row = page.locator(f'#replenishments tr[data-id="{shop.id}"]')
        demo_chain.get(CentralStock, shop.product_id).on_hand = 5
        demo_chain.commit()
        row.get_by_label(f"Quantity to approve for #{shop.id}").fill("12")
        row.get_by_role("button", name="Approve").click()
        assert "Only 5 of GRO-006 available" in page.locator(".flash.error").inner_text()

        # A bad range on the report page is explained, not a traceback.
        page.goto(base + "/reports?from=2026-03-07&to=2026-03-01")
        assert "ends (2026-03-01) before it starts" in page.locator(".error").inner_text()

        # Edit a price through the form.
        page.goto(base + "/products?q=GRO-006")
        page.get_by_role("link", name="Edit").click()
        page.get_by_label("Price (tax excluded)").fill("13.49")
        page.get_by_role("button", name="Save changes").click()
        assert "Saved GRO-006" in page.locator(".flash.ok").inner_text()
        assert "$13.49" in page.locator("table.grid").inner_text()

        # A new product with a bad barcode keeps what was typed and says why.
        page.get_by_role("link", name="New product").click()
        page.get_by_label("SKU").fill("TEA-001")
        page.get_by_label("Name").fill("Green tea")
        page.get_by_label("Category").fill("Grocery")
        page.get_by_label("Price (tax excluded)").fill("4.49")
        page.get_by_label("Barcode (EAN-13, optional)").fill("0628000000011")
        page.get_by_role("button", name="Create product").click()
        assert "not a valid EAN-13" in page.locator(".error").inner_text()
        assert page.get_by_label("Name").input_value() == "Green tea"
        page.get_by_label("Barcode (EAN-13, optional)").fill("")
        page.get_by_role("button", name="Create product").click()
        assert "Saved TEA-001" in page.locator(".flash.ok").inner_text()

        # The domain page draws the model.
        page.get_by_role("link", name="Domain model").click()
        assert page.locator("svg.domain-diagram g.entity").count() >= 20

    demo_chain.expire_all()
    product = demo_chain.scalar(select(Product).where(Product.sku == "GRO-006"))
    assert (product.price_cents, product.version) == (1349, 2)
    assert demo_chain.scalar(select(Product).where(Product.sku == "TEA-001")).barcode is None
