"""Clocks and business days.

Times are stored in UTC. A store's business date is the local calendar date
of an instant in the store's timezone (a sale at 23:30 in Montreal is that
day's business, although it is 04:30 UTC the next day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "America/Montreal"


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("naive datetime: times must carry a timezone")
    return instant.astimezone(UTC)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {name!r}") from exc


def is_valid_timezone(name: str) -> bool:
    try:
        zone(name)
    except ValueError:
        return False
    return True


def business_date(instant: datetime, timezone: str = DEFAULT_TIMEZONE) -> date:
    """The store-local calendar date of a UTC instant."""
    return ensure_utc(instant).astimezone(zone(timezone)).date()


def business_day_bounds(day: date, timezone: str = DEFAULT_TIMEZONE) -> tuple[datetime, datetime]:
    """UTC instants [start, end) of a business date in a timezone (DST-aware)."""
    tz = zone(timezone)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def isoformat_z(instant: datetime) -> str:
    """UTC instant as ISO 8601 with a trailing Z, millisecond precision."""
    return ensure_utc(instant).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant that carries an offset (or Z) into UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return ensure_utc(value)
