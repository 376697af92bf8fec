"""Configuration: defaults, then an optional TOML file, then ``COMPTOIR_`` variables.

Keys are upper case, as Flask's ``app.config`` has them: ``COMPTOIR_DATABASE_URL``
sets ``DATABASE_URL``. A TOML file named by ``COMPTOIR_CONFIG`` may hold the
same keys in any case (``database_url = "..."``). Values from the environment
are parsed as JSON when they look like JSON (numbers, booleans, objects),
the way ``Flask.config.from_prefixed_env`` does.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PREFIX = "COMPTOIR_"

# Every setting, its default and what it means (the README's table is made from this).
SETTINGS: dict[str, tuple[Any, str]] = {
    "DATABASE_URL": (None, "Head office: PostgreSQL URL (`comptoir demo` alone starts an embedded one)."),
    "DATABASE_REPLICA_URL": (None, "Head office: a PostgreSQL streaming replica; reports, the dashboard "
                             "and CSV exports read from it (empty: from the primary)."),
    "SECRET_KEY": (None, "Signs session cookies and staff API tokens. Set it in production."),
    "TOKEN_TTL_HOURS": (8, "Lifetime of a staff API token, in hours."),
    "DATA_DIR": ("comptoir-data", "Store node: folder holding the SQLite file and node settings."),
    "STORE_ID": (None, "Store node: this store's id (1..N)."),
    "HEAD_OFFICE_URL": (None, "Store node: base URL of head office, e.g. http://10.0.0.2:8000."),
    "SYNC_TOKEN": (None, "Store node: the token from `comptoir head-office stores token N`."),
    "TAX_RATES": (None, 'Standard-class tax rates as JSON, default {"gst": "0.05", "qst": "0.09975"}.'),
    "ALLOW_OVERSELL": (False, "Store node: sell beyond local stock (the sale is flagged for a count)."),
    "CASHIER_DISCOUNT_LIMIT_PERCENT": (10, "Largest line discount a cashier may give without a manager."),
    "PUSH_INTERVAL_S": (5, "Store node: seconds between pushes of the outbox."),
    "PULL_INTERVAL_S": (30, "Store node: seconds between pulls of changes."),
    "LOGIN_MAX_FAILURES": (5, "Failed sign-ins of one user from one address before it is refused."),
    "LOGIN_MAX_FAILURES_PER_ADDRESS": (20, "Failed sign-ins from one address (any user) before refusal."),
    "LOGIN_MAX_FAILURES_PER_USER": (100, "Failed sign-ins of one user (any address) before it is refused."),
    "LOGIN_LOCKOUT_S": (300, "How long sign-in stays refused after too many failures, in seconds."),
    "TRUSTED_PROXIES": ("", "Proxies (addresses, CIDRs; comma-separated) whose X-Forwarded-For is used."),
    "AUTH_REFRESH_S": (2, "Head office: seconds between reloads of sign-outs and users, per process."),
    "SESSION_COOKIE_SECURE": (False, "Send the session cookie over HTTPS only (set behind HTTPS)."),
    "SAGA_RECOVERY_INTERVAL_S": (5, "Head office: seconds between looks for interrupted checkout sagas."),
    "SAGA_RETRY_S": (5, "Head office: seconds before a saga waiting on the payment provider tries again."),
    "SAGA_MAX_ATTEMPTS": (20, "Head office: tries of a compensation before its saga is marked failed."),
    "TEST_CRASH_AT": (None, "Tests only: kill head office at a saga point (after_reserve, after_payment)."),
    "PAYMENTS_TEST_LOOKUPS_DOWN": (False, "Tests only: the test payment provider does not answer look-ups."),
    "WAITRESS_THREADS": (8, "Threads serving requests."),
    "STORE_ADDRESS": (None, "Store node: the address printed on receipts, lines separated by `|` "
                      "(default: the store's setting; demo stores have one)."),
    "GST_NUMBER": (None, "Store node: GST registration number printed on receipts."),
    "QST_NUMBER": (None, "Store node: QST registration number printed on receipts."),
    "REQUIRE_SHIFT": (True, "Store node: a register sells only during an open shift (409 no_open_shift)."),
    "REGISTERS": ("1,2", "Store node: the store's registers (cash drawers), comma separated."),
    "LANGUAGE": ("en", "Default language of pages, receipts and API messages: `fr` or `en` "
                 "(a user's saved choice, then the browser's Accept-Language, come first)."),
    "LOG_FORMAT": ("json", "Log lines on stderr: `json` (one object a line) or `text` (readable)."),
    "LOG_LEVEL": ("INFO", "Least severe log level written (DEBUG, INFO, WARNING, ERROR)."),
    "METRICS_TOKEN": (None, "When set, `/metrics` needs `Authorization: Bearer <token>` (else 401)."),
    "PUBLIC_API_DOCS": (False, "`/api/docs` and `/api/openapi.json` open to anyone (the demo sets it); "
                               "otherwise for signed-in users (session or bearer token)."),
}

SECRET_WORDS = ("SECRET", "TOKEN", "PASSWORD")


def _parse_env_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The effective configuration."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {key: default for key, (default, _) in SETTINGS.items()}
    path = environ.get(PREFIX + "CONFIG")
    if path:
        config["CONFIG"] = path
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except OSError as exc:
            raise ValueError(f"cannot read configuration file {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"configuration file {path} is not valid TOML: {exc}") from exc
        config.update({str(k).upper(): v for k, v in data.items()})
    for key, raw in environ.items():
        if key.startswith(PREFIX) and key != PREFIX + "CONFIG":
            config[key[len(PREFIX):]] = _parse_env_value(raw)
    if overrides:
        config.update({k.upper(): v for k, v in overrides.items()})
    return config


def is_secret(key: str) -> bool:
    return any(word in key.upper() for word in SECRET_WORDS)


_URL_PASSWORD = re.compile(r"(://[^:/@]+:)([^@]+)(@)")


def masked(config: Mapping[str, Any]) -> dict[str, Any]:
    """A copy fit to print: secrets replaced by ``****``, URL passwords too."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if value is not None and is_secret(key):
            out[key] = "****"
        elif isinstance(value, str):
            out[key] = _URL_PASSWORD.sub(r"\1****\3", value)
        else:
            out[key] = value
    return out


def data_dir(value: str | os.PathLike[str] | None = None) -> Path:
    if value:
        return Path(value)
    return Path(load()["DATA_DIR"])
