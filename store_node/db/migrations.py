"""The store's SQLite schema, as numbered migrations.

Each migration runs once, in order, in its own transaction, and is recorded
in the ``migrations`` table. Never edit a migration that has shipped: add a
new one.

Design notes for the sync adapter (`store_node/sync/store_data.py`):
- ``outbox.seq`` is contiguous from 1 (taken from ``sequences`` in the same
  transaction as the event), ``sent_at`` is NULL until head office
  acknowledged it; sent rows may be pruned after a retention period without
  breaking the sequence, which lives in ``sequences``, not in ``max(seq)``.
- ``products``, ``users``, ``central_stock`` and ``restock_requests`` carry a
  ``version`` so pulled changes apply only when newer.
- ``sync_state`` holds one row (id 1): cursor, last push/pull, last error.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "initial schema",
        """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL            -- JSON
);

CREATE TABLE sequences (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO sequences (name, value) VALUES ('receipt', 0), ('outbox', 0);

CREATE TABLE products (
    sku TEXT PRIMARY KEY,
    barcode TEXT UNIQUE,
    name TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    tax_class TEXT NOT NULL DEFAULT 'standard',
    active INTEGER NOT NULL DEFAULT 1,
    reorder_point INTEGER NOT NULL DEFAULT 0,
    max_stock INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX products_name ON products (name COLLATE NOCASE);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('cashier', 'store_manager', 'manager', 'admin')),
    store_id INTEGER,
    active INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY,
    revoked_at TEXT NOT NULL
);

CREATE TABLE stock (
    sku TEXT PRIMARY KEY REFERENCES products (sku),
    on_hand INTEGER NOT NULL DEFAULT 0,
    needs_count INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

CREATE TABLE stock_movements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sku TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sale', 'return', 'receipt', 'adjustment', 'count')),
    delta INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    ref_id TEXT,
    reason TEXT,
    by_user TEXT,
    occurred_at TEXT NOT NULL
);
CREATE INDEX stock_movements_sku ON stock_movements (sku, id);
CREATE TRIGGER stock_movements_append_only_u BEFORE UPDATE ON stock_movements
BEGIN SELECT RAISE(ABORT, 'stock_movements is append-only'); END;
CREATE TRIGGER stock_movements_append_only_d BEFORE DELETE ON stock_movements
BEGIN SELECT RAISE(ABORT, 'stock_movements is append-only'); END;

CREATE TABLE sales (
    id TEXT PRIMARY KEY,
    receipt_seq INTEGER NOT NULL UNIQUE,
    receipt_number TEXT NOT NULL UNIQUE,
    store_id INTEGER NOT NULL,
    cashier TEXT NOT NULL,
    approved_by TEXT,
    occurred_at TEXT NOT NULL,
    business_date TEXT NOT NULL,
    needs_count INTEGER NOT NULL DEFAULT 0,
    subtotal_cents INTEGER NOT NULL,
    discount_cents INTEGER NOT NULL,
    tax_cents INTEGER NOT NULL,
    taxes TEXT NOT NULL,            -- JSON {"gst": .., "qst": ..}
    total_cents INTEGER NOT NULL,
    paid_cents INTEGER NOT NULL,
    change_cents INTEGER NOT NULL
);
CREATE INDEX sales_business_date ON sales (business_date, receipt_seq);

CREATE TABLE sale_lines (
    sale_id TEXT NOT NULL REFERENCES sales (id),
    line_no INTEGER NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    unit_price_cents INTEGER NOT NULL,
    discount_percent TEXT,
    discount_cents INTEGER NOT NULL,
    net_cents INTEGER NOT NULL,
    tax_class TEXT NOT NULL,
    tax_cents INTEGER NOT NULL,     -- this line's share of the sale's taxes
    taxes TEXT NOT NULL,            -- JSON, per tax name, sums to the sale's
    PRIMARY KEY (sale_id, line_no)
);

CREATE TABLE sale_payments (
    sale_id TEXT NOT NULL REFERENCES sales (id),
    seq INTEGER NOT NULL,
    tender TEXT NOT NULL CHECK (tender IN ('cash', 'card')),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    PRIMARY KEY (sale_id, seq)
);

CREATE TABLE returns (
    id TEXT PRIMARY KEY,
    sale_id TEXT NOT NULL REFERENCES sales (id),
    store_id INTEGER NOT NULL,
    cashier TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    business_date TEXT NOT NULL,
    subtotal_cents INTEGER NOT NULL,
    tax_cents INTEGER NOT NULL,
    taxes TEXT NOT NULL,
    refund_cents INTEGER NOT NULL
);
CREATE INDEX returns_sale ON returns (sale_id);
CREATE INDEX returns_business_date ON returns (business_date);

CREATE TABLE return_lines (
    return_id TEXT NOT NULL REFERENCES returns (id),
    sale_id TEXT NOT NULL,
    sale_line_no INTEGER NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    net_cents INTEGER NOT NULL,
    tax_cents INTEGER NOT NULL,
    taxes TEXT NOT NULL,
    PRIMARY KEY (return_id, sale_line_no)
);
CREATE INDEX return_lines_sale_line ON return_lines (sale_id, sale_line_no);

CREATE TABLE return_refunds (
    return_id TEXT NOT NULL REFERENCES returns (id),
    tender TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    PRIMARY KEY (return_id, tender)
);

CREATE TABLE restock_requests (
    id TEXT PRIMARY KEY,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    status TEXT NOT NULL DEFAULT 'requested'
        CHECK (status IN ('requested', 'approved', 'rejected', 'shipped', 'received')),
    qty_approved INTEGER,
    qty_shipped INTEGER,
    qty_received INTEGER,
    reason TEXT,
    requested_by TEXT NOT NULL,
    received_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    decided_at TEXT,
    shipped_at TEXT,
    received_at TEXT,
    version INTEGER NOT NULL DEFAULT 0   -- head office's version of the decision
);
CREATE INDEX restock_requests_status ON restock_requests (status, created_at);

CREATE TABLE central_stock (
    sku TEXT PRIMARY KEY,
    on_hand INTEGER NOT NULL,
    reserved INTEGER NOT NULL,
    in_transit INTEGER NOT NULL,
    available INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    as_of TEXT NOT NULL
);

CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,          -- JSON
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;

CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    cursor TEXT,
    online INTEGER NOT NULL DEFAULT 0,
    last_push_at TEXT,
    last_pull_at TEXT,
    last_contact_at TEXT,
    last_error TEXT
);
INSERT INTO sync_state (id) VALUES (1);

CREATE TABLE carts (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    data TEXT NOT NULL,             -- JSON
    updated_at TEXT NOT NULL
);
""",
    ),
    (
        2,
        "registers and shifts; register, shift and cash rounding on sales and returns",
        """
-- A shift is one cashier's time on one register: opened with a counted float,
-- closed with a counted drawer. At most one open shift per register.
CREATE TABLE shifts (
    id TEXT PRIMARY KEY,
    register TEXT NOT NULL,
    cashier TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    business_date TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT,
    opening_float_cents INTEGER NOT NULL CHECK (opening_float_cents >= 0),
    opening_counts TEXT,            -- JSON: units per denomination, when counted on the page
    cash_expected_cents INTEGER,
    cash_counted_cents INTEGER CHECK (cash_counted_cents >= 0),
    closing_counts TEXT,            -- JSON
    over_short_cents INTEGER,
    report TEXT                     -- JSON: the Z report, written at close
);
CREATE UNIQUE INDEX shifts_one_open_per_register ON shifts (register) WHERE status = 'open';
CREATE INDEX shifts_business_date ON shifts (business_date);

CREATE TABLE cash_movements (
    id TEXT PRIMARY KEY,
    shift_id TEXT NOT NULL REFERENCES shifts (id),
    kind TEXT NOT NULL CHECK (kind IN ('in', 'out')),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    reason TEXT NOT NULL,
    cashier TEXT NOT NULL,
    occurred_at TEXT NOT NULL
);
CREATE INDEX cash_movements_shift ON cash_movements (shift_id);

ALTER TABLE sales ADD COLUMN register TEXT;
ALTER TABLE sales ADD COLUMN shift_id TEXT;
ALTER TABLE sales ADD COLUMN rounding_cents INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sales_shift ON sales (shift_id);
ALTER TABLE returns ADD COLUMN register TEXT;
ALTER TABLE returns ADD COLUMN shift_id TEXT;
ALTER TABLE returns ADD COLUMN reason TEXT;
CREATE INDEX returns_shift ON returns (shift_id);

-- Each user's language (fr or en), saved with the user.
ALTER TABLE users ADD COLUMN language TEXT;
""",
    ),
    (
        3,
        "users.session_epoch",
        """
-- Head office's credential epoch of each user (synced): a password change or a
-- disabled account bumps it, which ends every token and till session issued before.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
""",
    ),
    (
        4,
        "returns.tender and returns.rounding_cents",
        """
-- The tender a return named (NULL: split as the sale was paid, card first) and what
-- Canadian cash rounding added to the cash it gave back (-2 to +2 cents).
ALTER TABLE returns ADD COLUMN tender TEXT CHECK (tender IN ('cash', 'card'));
ALTER TABLE returns ADD COLUMN rounding_cents INTEGER NOT NULL DEFAULT 0;
""",
    ),
    (
        5,
        "sales.receipt_language",
        """
-- The language the sale's receipt is printed in (fr or en): a reprint comes out the same.
-- NULL (sales recorded before): the reader's language.
ALTER TABLE sales ADD COLUMN receipt_language TEXT;
""",
    ),
]
