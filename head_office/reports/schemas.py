"""Report and dashboard shapes (managers' API)."""

from marshmallow import Schema, fields

from ..stock.schemas import StoreRefSchema

__all__ = ["DashboardSchema", "SalesReportArgs", "SalesReportSchema", "StoreRefSchema"]


class SalesReportArgs(Schema):
    """Documented only: the views read these themselves (their own 400 ``bad_date_range``)."""

    from_ = fields.Date(required=True, data_key="from", metadata={"description": "first business date"})
    to = fields.Date(required=True, metadata={"description": "last business date (at most 366 days on)"})
    store = fields.String(metadata={"description": "a store id or code; every store when absent"})


class TopProductSchema(Schema):
    sku = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    qty = fields.Integer(required=True)
    revenue_cents = fields.Integer(required=True)


class StoreSalesSchema(Schema):
    store_id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    revenue_cents = fields.Integer(required=True, metadata={"description": "net of taxes and returns"})
    tax_cents = fields.Integer(required=True)
    sales_count = fields.Integer(required=True)
    units = fields.Integer(required=True)
    units_sold = fields.Integer(required=True)
    units_returned = fields.Integer(required=True)
    sales_cents = fields.Integer(required=True)
    returns_cents = fields.Integer(required=True)
    returns_count = fields.Integer(required=True)
    avg_basket_cents = fields.Integer(required=True)
    top_products = fields.List(fields.Nested(TopProductSchema), required=True)
    top_products_by_revenue = fields.List(fields.Nested(TopProductSchema), required=True)


class ChainTotalsSchema(Schema):
    revenue_cents = fields.Integer(required=True)
    tax_cents = fields.Integer(required=True)
    sales_count = fields.Integer(required=True)
    units = fields.Integer(required=True)
    returns_cents = fields.Integer(required=True)
    avg_basket_cents = fields.Integer(required=True)


class DayRevenueSchema(Schema):
    date = fields.String(required=True)
    revenue_cents = fields.Integer(required=True)


class OnlineSalesSchema(Schema):
    revenue_cents = fields.Integer(required=True)
    tax_cents = fields.Integer(required=True)
    orders_count = fields.Integer(required=True)
    units = fields.Integer(required=True)


class OnlineDashboardSchema(Schema):
    revenue_today_cents = fields.Integer(required=True)
    orders_to_ship = fields.Integer(required=True)


class SalesReportSchema(Schema):
    from_ = fields.String(required=True, attribute="from", data_key="from")
    to = fields.String(required=True)
    store = fields.Integer(required=True, allow_none=True)
    stores = fields.List(fields.Nested(StoreSalesSchema), required=True)
    totals = fields.Nested(ChainTotalsSchema, required=True)
    days = fields.List(fields.Nested(DayRevenueSchema), required=True)
    online = fields.Nested(OnlineSalesSchema, required=True)


class StockOutSchema(Schema):
    sku = fields.String(required=True)
    name = fields.String(required=True)
    on_hand = fields.Integer(required=True)
    reorder_point = fields.Integer(required=True)


class OverstockSchema(Schema):
    sku = fields.String(required=True)
    name = fields.String(required=True)
    on_hand = fields.Integer(required=True)
    max_stock = fields.Integer(required=True)


class DayTotalsSchema(Schema):
    revenue_cents = fields.Integer(required=True)
    tax_cents = fields.Integer(required=True)
    sales_count = fields.Integer(required=True)
    units = fields.Integer(required=True)
    returns_cents = fields.Integer(required=True)


class StoreSyncSchema(Schema):
    last_contact_at = fields.String(required=True, allow_none=True)
    last_push_at = fields.String(required=True, allow_none=True)
    last_pull_at = fields.String(required=True, allow_none=True)
    pending_events = fields.Integer(required=True, allow_none=True)
    oldest_pending_age_s = fields.Integer(required=True, allow_none=True)
    rejections = fields.Integer(required=True)
    reconciled = fields.Boolean(required=True, allow_none=True)
    reconciled_date = fields.String(required=True, allow_none=True)
    reconciled_is_last_closed = fields.Boolean()
    reported_totals = fields.Dict(
        required=True, allow_none=True, metadata={"description": "what the store last reported"}
    )
    head_office_totals = fields.Nested(DayTotalsSchema, required=True, allow_none=True)
    differences = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(),
        metadata={"description": "per figure that differs: {store, head_office}"},
    )


class DashboardStoreSchema(Schema):
    store_id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    timezone = fields.String(required=True)
    business_date = fields.String(required=True)
    revenue_today_cents = fields.Integer(required=True)
    revenue_7d_cents = fields.Integer(required=True)
    revenue_30d_cents = fields.Integer(required=True)
    tax_today_cents = fields.Integer(required=True)
    sales_count_today = fields.Integer(required=True)
    sales_count_30d = fields.Integer(required=True)
    avg_basket_today_cents = fields.Integer(required=True)
    avg_basket_30d_cents = fields.Integer(required=True)
    stock_outs = fields.List(fields.Nested(StockOutSchema), required=True)
    stock_outs_count = fields.Integer(required=True)
    overstock = fields.List(fields.Nested(OverstockSchema), required=True)
    overstock_count = fields.Integer(required=True)
    sync = fields.Nested(StoreSyncSchema, required=True)
    daily = fields.List(fields.Nested(DayRevenueSchema), required=True)


class DashboardSchema(Schema):
    as_of = fields.String(required=True)
    replica_lag_s = fields.Float(
        metadata={"description": "read from a streaming replica: seconds its data may be behind"}
    )
    stores = fields.List(fields.Nested(DashboardStoreSchema), required=True)
    days = fields.List(fields.Nested(DayRevenueSchema), required=True)
    online = fields.Nested(OnlineDashboardSchema, required=True)
