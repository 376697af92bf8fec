"""What a running store node holds for the length of the process.

One :class:`Node` per app (``app.extensions["comptoir_store"]``): the
connection pool over the SQLite file, the token signer, the login throttle
and the selling rules that come from configuration. Views reach it with
:func:`current_node` and the request's connection with :func:`get_db`.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlite_utils
from flask import current_app, g

from common.taxes import TaxTable
from common.throttle import LoginThrottle, ThrottlePolicy
from common.tokens import TokenSigner, store_issuer

from . import settings as settings_module
from .db import ConnectionPool, db_path
from .sales.operations import SellingRules
from .settings import StoreSettings, _truthy
from .shifts.operations import registers


class Node:
    def __init__(self, config: dict[str, Any]) -> None:
        self.data_dir = Path(config["DATA_DIR"])
        self.path = db_path(self.data_dir)
        self.pool = ConnectionPool(self.path)
        self.config = config
        self.taxes = TaxTable.from_config(config.get("TAX_RATES"))
        self.discount_limit = Decimal(str(config.get("CASHIER_DISCOUNT_LIMIT_PERCENT", 10)))
        ttl_hours = float(config.get("TOKEN_TTL_HOURS") or 8)
        self.token_ttl_s = max(1, int(ttl_hours * 3600))
        self.throttle = LoginThrottle(ThrottlePolicy.from_config(config))
        self._signer: TokenSigner | None = None
        self.require_shift = _truthy(config.get("REQUIRE_SHIFT", True))
        self.registers = registers(config)

    def signer(self, secret_key: str) -> TokenSigner:
        """Signs and checks this store's staff tokens (issuer and audience ``store:N``)."""
        if self._signer is None:
            self._signer = TokenSigner(
                secret_key, self.token_ttl_s, store_issuer(int(self.config["STORE_ID"]))
            )
        return self._signer

    def settings(self, db: sqlite_utils.Database) -> StoreSettings:
        return settings_module.load(db, self.config)

    def rules(self, settings: StoreSettings) -> SellingRules:
        return SellingRules(settings=settings, taxes=self.taxes,
                            cashier_discount_limit=self.discount_limit,
                            require_shift=self.require_shift, registers=self.registers)

    def close(self) -> None:
        self.pool.close_all()


def current_node() -> Node:
    node: Node = current_app.extensions["comptoir_store"]
    return node


def get_db() -> sqlite_utils.Database:
    return current_node().pool.get()


def store_settings() -> StoreSettings:
    """This request's view of the store's settings (read once per request)."""
    if "store_settings" not in g:
        g.store_settings = current_node().settings(get_db())
    settings: StoreSettings = g.store_settings
    return settings


def signer() -> TokenSigner:
    return current_node().signer(current_app.config["SECRET_KEY"])
