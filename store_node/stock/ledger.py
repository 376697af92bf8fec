"""The stock ledger: every change of a balance is an appended movement.

Balances (``stock.on_hand``) are a cache of the ledger; each movement records
the balance after it, so the ledger can be replayed and checked.
"""

from __future__ import annotations

from typing import Any

MOVEMENT_KINDS = ("sale", "return", "receipt", "adjustment", "count")


def move_stock(
    conn: Any,
    sku: str,
    delta: int,
    kind: str,
    ref_id: str | None,
    by: str | None,
    occurred_at: str,
    reason: str | None = None,
    flag_count: bool = False,
    set_to: int | None = None,
) -> int:
    """Change a balance and append its ledger movement (inside the caller's transaction).

    Returns the balance after the movement.
    """
    if set_to is not None:
        row = conn.execute(
            "INSERT INTO stock (sku, on_hand, needs_count, updated_at) VALUES (?, ?, 0, ?)"
            " ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand, needs_count = 0,"
            " updated_at = excluded.updated_at RETURNING on_hand",
            (sku, set_to, occurred_at),
        ).fetchone()
    else:
        row = conn.execute(
            "INSERT INTO stock (sku, on_hand, needs_count, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (sku) DO UPDATE SET on_hand = on_hand + excluded.on_hand,"
            " needs_count = max(needs_count, excluded.needs_count),"
            " updated_at = excluded.updated_at RETURNING on_hand",
            (sku, delta, int(flag_count), occurred_at),
        ).fetchone()
    balance = int(row[0])
    conn.execute(
        "INSERT INTO stock_movements (sku, kind, delta, balance_after, ref_id, reason, by_user,"
        " occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (sku, kind, delta, balance, ref_id, reason, by, occurred_at),
    )
    return balance
