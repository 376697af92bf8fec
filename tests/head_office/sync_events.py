"""Builders of store events as a store node pushes them (protocol v1 envelopes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from common.clock import business_date, isoformat_z
from common.ids import new_id
from common.pricing import PricedLine, price_sale, refund_line


class EventMaker:
    """Makes contiguous events for one store, like its outbox."""

    def __init__(self, store_id: int, code: str | None = None, timezone: str = "America/Montreal") -> None:
        self.store_id = store_id
        self.code = code or f"S{store_id:02d}"
        self.timezone = timezone
        self.seq = 0
        self.receipt = 0
        self.line_taxes: dict[str, dict[int, dict[str, int]]] = {}

    def _envelope(self, event_type: str, payload: dict[str, Any], occurred_at: datetime) -> dict[str, Any]:
        self.seq += 1
        return {
            "event_id": new_id(),
            "seq": self.seq,
            "type": event_type,
            "occurred_at": isoformat_z(occurred_at),
            "payload": payload,
        }

    def sale(
        self,
        lines: list[tuple[str, int, int]],
        at: datetime | None = None,
        tax_class: str = "standard",
        discount: int = 0,
        **extra: Any,
    ) -> dict[str, Any]:
        """``lines``: (sku, qty, unit_price_cents); priced by ``common.pricing`` as a store prices them."""
        at = at or datetime.now(UTC)
        self.receipt += 1
        priced = price_sale(
            [
                PricedLine(n, sku, sku, qty, price, tax_class, None, discount if n == 1 else 0)
                for n, (sku, qty, price) in enumerate(lines, start=1)
            ]
        )
        wire_lines = [
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "name": line.name,
                "qty": line.qty,
                "unit_price_cents": line.unit_price_cents,
                "discount_cents": line.discount_cents,
                "net_cents": line.net_cents,
                "tax_class": line.tax_class,
                "tax_cents": line.tax_cents,
            }
            for line in priced.lines
        ]
        total = priced.total_cents
        payload = {
            "id": new_id(),
            "receipt_number": f"{self.code}-{self.receipt:06d}",
            "store_id": self.store_id,
            "cashier": "cashier1",
            "occurred_at": isoformat_z(at),
            "business_date": business_date(at, self.timezone).isoformat(),
            "needs_count": False,
            "subtotal_cents": priced.subtotal_cents,
            "discount_cents": priced.discount_cents,
            "tax_cents": priced.tax_cents,
            "taxes": dict(priced.taxes),
            "total_cents": total,
            "change_cents": 0,
            "lines": wire_lines,
            "payments": [{"tender": "card", "amount_cents": total}] if total else [],
        }
        payload.update(extra)
        self.line_taxes[payload["id"]] = {line.line_no: dict(line.taxes) for line in priced.lines}
        return self._envelope("sale", payload, at)

    def return_of(
        self, sale_event: dict[str, Any], line_no: int, qty: int, at: datetime | None = None,
        already: int = 0,
    ) -> dict[str, Any]:
        """Return ``qty`` units of a line, ``already`` of them having been returned before."""
        at = at or datetime.now(UTC)
        sale = sale_event["payload"]
        line = next(line for line in sale["lines"] if line["line_no"] == line_no)
        taxes = self.line_taxes.get(sale["id"], {}).get(line_no, {})
        share = refund_line(line["net_cents"], taxes, line["qty"], already, qty)
        net, tax = share.net_cents, share.tax_cents
        payload = {
            "id": new_id(),
            "sale_id": sale["id"],
            "receipt_number": sale["receipt_number"],
            "store_id": self.store_id,
            "cashier": "cashier1",
            "occurred_at": isoformat_z(at),
            "business_date": business_date(at, self.timezone).isoformat(),
            "subtotal_cents": net,
            "tax_cents": tax,
            "taxes": dict(share.taxes),
            "refund_cents": net + tax,
            "lines": [
                {"sale_line_no": line_no, "sku": line["sku"], "qty": qty, "net_cents": net, "tax_cents": tax}
            ],
            "refunds": [{"tender": "card", "amount_cents": net + tax}] if net + tax else [],
        }
        return self._envelope("return", payload, at)

    def restock_request(self, sku: str, qty: int) -> dict[str, Any]:
        at = datetime.now(UTC)
        return self._envelope(
            "restock_request",
            {
                "id": new_id(),
                "store_id": self.store_id,
                "sku": sku,
                "qty": qty,
                "requested_by": "cashier1",
                "occurred_at": isoformat_z(at),
            },
            at,
        )

    def stock_count(self, sku: str, counted: int) -> dict[str, Any]:
        at = datetime.now(UTC)
        return self._envelope(
            "stock_count",
            {
                "store_id": self.store_id,
                "sku": sku,
                "counted": counted,
                "occurred_at": isoformat_z(at),
                "by": "storemgr1",
            },
            at,
        )

    def stock_adjustment(self, sku: str, delta: int, reason: str = "damaged") -> dict[str, Any]:
        at = datetime.now(UTC)
        return self._envelope(
            "stock_adjustment",
            {
                "store_id": self.store_id,
                "sku": sku,
                "delta": delta,
                "reason": reason,
                "occurred_at": isoformat_z(at),
                "by": "storemgr1",
            },
            at,
        )


def push_body(store_id: int, events: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"protocol": 1, "store_id": store_id, "events": events, **extra}
