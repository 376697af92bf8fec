"""What the sync client needs from a store's data (``store_node`` implements it)."""

from __future__ import annotations

from typing import Any, Protocol


class StoreData(Protocol):
    """The outbox to read and acknowledge, the sink that applies pulled changes, and sync state."""

    def event_batch(self, from_seq: int | None, limit: int) -> tuple[int, int | None, str]:
        """Up to ``limit`` events as a JSON array text, ready to send: the unacknowledged ones
        (``from_seq`` None) or every one from ``from_seq`` on; returns (count, first seq, text)."""

    def written_through(self) -> int:
        """The highest seq this store has ever given an event (0 when none)."""

    def renumber_after(self, head_office_seq: int) -> int:
        """Move the sequence past ``head_office_seq``, renumbering the unsent events after it
        in order; returns how many were renumbered (``comptoir sync realign``)."""

    def request_ids(self, first_seq: int, last_seq: int) -> list[str]:
        """The ids of the requests that made these events (the push names them in its log line)."""

    def acknowledge(self, through_seq: int) -> int:
        """Mark every event up to ``through_seq`` as sent; returns how many changed."""

    def pending_count(self) -> int:
        """How many events wait to be acknowledged (cheap: the push job asks every few seconds)."""

    def status_report(self) -> dict[str, Any]:
        """What the store tells head office of itself: pending_events, oldest_pending_age_s, totals."""

    def pull_cursor(self) -> str | None:
        """The cursor saved with the last applied changes (None: never pulled)."""

    def apply_changes(self, changes: list[dict[str, Any]], cursor: str, snapshot: bool) -> int:
        """Apply changes (each only if newer) and save the cursor, in one transaction."""

    def record_sync(self, **fields: Any) -> None:
        """Save online / last_push_at / last_pull_at / last_error for the till banner."""
