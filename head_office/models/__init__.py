"""Head-office models, all on one metadata (what Alembic compares against)."""

from .base import NAMING_CONVENTION, Base
from .catalog import TAX_CLASSES, Product
from .org import CUSTOMER, ROLES, STAFF_ROLES, AuditEntry, LoginFailure, RevokedToken, Store, User
from .replenishment import STATUSES, Replenishment, ReplenishmentEvent
from .reporting import DailyProductSales, DailyStoreSales
from .sales import Return, ReturnLine, Sale, SaleLine, SalePayment
from .shifts import Shift
from .shop import (
    ORDER_STATUSES,
    SAGA_STATES,
    CartLine,
    Order,
    OrderLine,
    PaymentAttempt,
    PaymentMethod,
    Saga,
    SagaStep,
)
from .stock import MOVEMENT_KINDS, CentralStock, StockMovement, StoreStock
from .sync import ChangeLogEntry, ReceivedEvent, StoreSyncMinute, StoreSyncState, SyncRejection

__all__ = [
    "AuditEntry",
    "CUSTOMER",
    "CartLine",
    "ORDER_STATUSES",
    "Order",
    "OrderLine",
    "PaymentAttempt",
    "PaymentMethod",
    "SAGA_STATES",
    "Saga",
    "SagaStep",
    "Base",
    "CentralStock",
    "ChangeLogEntry",
    "DailyProductSales",
    "DailyStoreSales",
    "LoginFailure",
    "MOVEMENT_KINDS",
    "NAMING_CONVENTION",
    "Product",
    "ROLES",
    "ReceivedEvent",
    "Replenishment",
    "ReplenishmentEvent",
    "Return",
    "ReturnLine",
    "RevokedToken",
    "STAFF_ROLES",
    "STATUSES",
    "Sale",
    "SaleLine",
    "SalePayment",
    "Shift",
    "Store",
    "StockMovement",
    "StoreStock",
    "StoreSyncMinute",
    "StoreSyncState",
    "SyncRejection",
    "TAX_CLASSES",
    "User",
]
