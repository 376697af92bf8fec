"""Pull: the change log after a cursor, or a full snapshot for a store with none.

Change-log writers serialise on an advisory lock (``head_office.changes``),
so ids become visible in order and "everything after N" never misses a
change that committed late. A snapshot is read in one REPEATABLE READ
transaction together with the change-log id it is current as of; the store
applies its pages only once it has them all, then continues from that id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from common.errors import Conflict
from common.i18n import _
from common.limits import parse_ascii_int
from sync.protocol import UNKNOWN_CURSOR

from ..models import CentralStock, ChangeLogEntry, Product, Replenishment, StoreStock, User
from ..replenishment.operations import wire as replenishment_wire
from ..stock.operations import Levels
from ..users.operations import user_wire

SNAPSHOT_PREFIX = "snap"


def _change(entity: str, key: str, version: int, payload: dict[str, Any], id_: int = 0) -> dict[str, Any]:
    return {"id": id_, "entity": entity, "key": key, "version": version, "payload": payload}


def snapshot_changes(session: Session, store_id: int) -> tuple[list[dict[str, Any]], int]:
    """Everything a store needs, current as of the returned change-log id.

    Runs in the caller's transaction, which must be REPEATABLE READ (the
    endpoint's session is) so the state and the id are one consistent picture.
    """
    as_of = session.scalar(select(func.coalesce(func.max(ChangeLogEntry.id), 0))) or 0
    changes: list[dict[str, Any]] = []
    skus: dict[int, str] = {}
    for product in session.scalars(select(Product).order_by(Product.id)):
        skus[product.id] = product.sku
        changes.append(_change("product", product.sku, product.version, product.to_wire()))
    for user in session.scalars(
        select(User)
        .where(or_(User.store_id == store_id, User.role.in_(("manager", "admin"))))
        .order_by(User.id)
    ):
        changes.append(_change("user", user.username, user.version, user_wire(user)))
    for stock in session.scalars(select(CentralStock).order_by(CentralStock.product_id)):
        sku = skus[stock.product_id]
        changes.append(_change("central_stock", sku, stock.version, Levels.of(sku, stock).wire()))
    for row in session.scalars(select(StoreStock).where(StoreStock.store_id == store_id)):
        sku = skus[row.product_id]
        # Applied by the store only for a product it has never stocked (a new store's opening stock).
        changes.append(_change("opening_stock", sku, 1, {"sku": sku, "qty": row.on_hand}))
    for rep in session.scalars(
        select(Replenishment).where(Replenishment.store_id == store_id).order_by(Replenishment.id)
    ):
        key = str(rep.request_id or rep.id)
        changes.append(
            _change("replenishment", key, rep.version, replenishment_wire(rep, skus[rep.product_id]))
        )
    return changes, int(as_of)


def parse_cursor(cursor: str | None) -> tuple[str, int, int]:
    """('changes', after_id, 0) or ('snapshot', as_of, offset) or ('none', 0, 0)."""
    if cursor is None or cursor == "":
        return ("none", 0, 0)
    # ASCII digits within a BIGINT, offsets from 0: anything else names no point of the log.
    parts = cursor.split(":") if cursor.startswith(SNAPSHOT_PREFIX + ":") else ["", cursor, "0"]
    numbers = [parse_ascii_int(part, minimum=0) for part in parts[1:]] if len(parts) == 3 else [None]
    if any(number is None or part != part.strip() for number, part in zip(numbers, parts[1:], strict=False)):
        raise Conflict(_("Unknown sync cursor: a full snapshot is needed."), code=UNKNOWN_CURSOR)
    position, offset = int(numbers[0] or 0), int(numbers[1] or 0)
    return ("snapshot" if parts[0] else "changes", position, offset)


def changes_since(session: Session, store_id: int, cursor: str | None, limit: int) -> dict[str, Any]:
    kind, position, offset = parse_cursor(cursor)
    latest = session.scalar(select(func.coalesce(func.max(ChangeLogEntry.id), 0))) or 0
    if kind == "changes":
        if position < 0 or position > latest:
            raise Conflict(
                _(
                    "Head office does not know cursor %(position)s (latest %(latest)s): a full snapshot is "
                    "needed.",
                    position=position,
                    latest=latest,
                ),
                code=UNKNOWN_CURSOR,
            )
        rows = session.scalars(
            select(ChangeLogEntry)
            .where(
                ChangeLogEntry.id > position,
                or_(ChangeLogEntry.store_id.is_(None), ChangeLogEntry.store_id == store_id),
            )
            .order_by(ChangeLogEntry.id)
            .limit(limit + 1)
        ).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        # With nothing more for this store, jump to the latest id so the next pull starts there.
        next_cursor = rows[-1].id if has_more else max([position, latest, *(r.id for r in rows)])
        return {
            "changes": [_change(r.entity, r.entity_key, r.version, r.payload, r.id) for r in rows],
            "cursor": str(next_cursor),
            "has_more": has_more,
            "snapshot": False,
        }
    # A snapshot, in pages. Each page is rebuilt from a consistent picture; the store
    # applies none until it has the last page, then continues from the cursor it ends with.
    changes, as_of = snapshot_changes(session, store_id)
    if kind == "snapshot":
        as_of = min(as_of, position) if position else as_of
    page = changes[offset : offset + limit]
    end = offset + len(page)
    has_more = end < len(changes)
    return {
        "changes": page,
        "cursor": f"{SNAPSHOT_PREFIX}:{as_of}:{end}" if has_more else str(as_of),
        "has_more": has_more,
        "snapshot": True,
    }
