"""The store-side sync client: push once, pull once, over HTTP.

``push_once`` sends the outbox in seq-ordered batches and marks events sent
only on head office's ``acked_through`` (a lost reply is healed by the next
push, which head office answers without applying anything twice). A
``seq_gap`` reply (head office lost events, e.g. restored from a backup)
makes the client resend from the seq head office expects.

``pull_once`` fetches changes after the saved cursor; with no cursor, or one
head office no longer knows (409), it fetches a full snapshot and applies it
only once every page has arrived.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import requests

from common import logs
from common.clock import isoformat_z, utcnow

from . import monitoring
from .interfaces import StoreData
from .protocol import DEFAULT_PUSH_BATCH, PROTOCOL_VERSION, SEQ_GAP, STORE_BEHIND, UNKNOWN_CURSOR

log = logging.getLogger(__name__)

MAX_SNAPSHOT_PAGES = 10_000


class SyncError(Exception):
    """Head office could not be reached, or refused; ``reason`` is for people."""

    def __init__(self, reason: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.code = code


@dataclass
class PushOutcome:
    sent: int = 0
    applied: int = 0
    rejected: int = 0
    duplicates: int = 0
    acked_through: int | None = None
    batches: int = 0


@dataclass
class PullOutcome:
    received: int = 0
    applied: int = 0
    snapshot: bool = False
    cursor: str | None = None
    pages: int = 0


@dataclass
class SyncClient:
    base_url: str
    token: str
    store_id: int
    data: StoreData
    batch_size: int = DEFAULT_PUSH_BATCH
    pull_limit: int = 500
    timeout: tuple[float, float] = (3.0, 30.0)
    http: requests.Session = field(default_factory=requests.Session)

    def _url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "User-Agent": f"comptoir-store/{self.store_id}"}

    def _request(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        try:
            response = self.http.request(
                method,
                self._url(path),
                headers={**self._headers(), **(headers or {})},
                timeout=self.timeout,
                **kwargs,
            )
        except requests.RequestException as exc:
            raise SyncError(f"head office unreachable at {self.base_url}: {exc.__class__.__name__}") from exc
        return response

    @staticmethod
    def _error(response: requests.Response) -> SyncError:
        try:
            body = response.json()
            message = body.get("message") or response.reason
            code = body.get("code")
        except ValueError:
            message, code = (response.reason or "error"), None
        return SyncError(
            f"head office answered {response.status_code}: {message}", status=response.status_code, code=code
        )

    # -- push --------------------------------------------------------------------------------

    def push_once(self, max_batches: int = 1_000) -> PushOutcome:
        """Send every pending event (in batches) and mark them sent as head office acknowledges.

        Each batch is its own request with its own ``X-Request-Id``; its log line names the
        ids of the requests that made the events it carried (a till's sale, say)."""
        outcome = PushOutcome()
        resend_from: int | None = None
        for _ in range(max_batches):
            with logs.context(request_id=logs.new_request_id()) as ctx:
                more, resend_from = self._push_batch(outcome, resend_from, ctx["request_id"])
            if not more:
                break
        self.data.record_sync(online=True, last_push_at=isoformat_z(utcnow()), last_error=None)
        return outcome

    def _push_batch(
        self, outcome: PushOutcome, resend_from: int | None, push_id: str
    ) -> tuple[bool, int | None]:
        """One batch; returns (whether to go on, the seq to resend from)."""
        count, first_seq, events_json = self.data.event_batch(resend_from, self.batch_size)
        # The events travel as the store wrote them: no decoding and re-encoding here.
        body = (
            f'{{"protocol": {PROTOCOL_VERSION}, "store_id": {self.store_id}, '
            f'"status": {json.dumps(self.data.status_report())}, "events": {events_json}}}'
        )
        response = self._request(
            "POST",
            "/sync/v1/push",
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json", logs.HEADER: push_id},
        )
        outcome.batches += 1
        if response.status_code == 409:
            error = self._error(response)
            expected = _expected_seq(response)
            if error.code == SEQ_GAP and expected is not None and (first_seq is None or expected < first_seq):
                log.warning("head office expects seq %s: resending from there", expected)
                return True, expected
            raise error
        if response.status_code != 200:
            raise self._error(response)
        reply = response.json()
        acked = int(reply["acked_through"])
        written = self.data.written_through()
        if acked > written:
            # Head office would count this store's new events as ones it already has: refuse to
            # mark anything sent rather than lose them.
            raise SyncError(
                f"head office already holds this store's events up to seq {acked}, beyond the {written}"
                " this store has written (its data was restored from a backup, or it is a new PC):"
                " run `comptoir sync realign`",
                status=response.status_code,
                code=STORE_BEHIND,
            )
        self.data.acknowledge(acked)
        outcome.sent += count
        outcome.applied += int(reply.get("applied", 0))
        outcome.rejected += int(reply.get("rejected", 0))
        outcome.duplicates += int(reply.get("duplicates", 0))
        outcome.acked_through = acked
        if count:
            monitoring.PUSHED_EVENTS.labels(str(self.store_id)).inc(count)
        if count and first_seq is not None and log.isEnabledFor(logging.INFO):
            last_seq = first_seq + count - 1
            log.info(
                "pushed %d events (seq %d..%d); head office acknowledged through %d",
                count,
                first_seq,
                last_seq,
                acked,
                extra={
                    "seq_from": first_seq,
                    "seq_to": last_seq,
                    "acked_through": acked,
                    "carried_request_ids": self.data.request_ids(first_seq, last_seq),
                },
            )
        return count >= self.batch_size, None

    def realign(self) -> tuple[int, int]:
        """Ask head office how far it holds this store's events (a push of no events) and move
        this store's numbering past it; returns (head office's seq, events renumbered)."""
        body = {"protocol": PROTOCOL_VERSION, "store_id": self.store_id, "events": []}
        response = self._request("POST", "/sync/v1/push", json=body)
        if response.status_code != 200:
            raise self._error(response)
        head_office_seq = int(response.json()["acked_through"])
        return head_office_seq, self.data.renumber_after(head_office_seq)

    # -- pull --------------------------------------------------------------------------------

    def _get_changes(self, cursor: str | None) -> requests.Response:
        """One page, as its own request with its own ``X-Request-Id`` (in the log lines of both sides)."""
        params: dict[str, Any] = {
            "protocol": PROTOCOL_VERSION,
            "store_id": self.store_id,
            "limit": self.pull_limit,
        }
        if cursor:
            params["cursor"] = cursor
        with logs.context(request_id=logs.new_request_id()) as ctx:
            headers = {logs.HEADER: ctx["request_id"]}
            return self._request("GET", "/sync/v1/changes", params=params, headers=headers)

    def pull_once(self, full: bool = False) -> PullOutcome:
        """Apply every change since the saved cursor (a full snapshot when there is none)."""
        outcome = PullOutcome()
        cursor = None if full else self.data.pull_cursor()
        snapshot_pages: list[dict[str, Any]] = []
        for _ in range(MAX_SNAPSHOT_PAGES):
            response = self._get_changes(cursor)
            if (
                response.status_code == 409
                and self._error(response).code == UNKNOWN_CURSOR
                and not snapshot_pages
            ):
                log.warning("head office does not know cursor %s: taking a full snapshot", cursor)
                cursor = None
                continue
            if response.status_code != 200:
                raise self._error(response)
            page = response.json()
            outcome.pages += 1
            outcome.received += len(page["changes"])
            if page.get("snapshot"):
                outcome.snapshot = True
                snapshot_pages.extend(page["changes"])
                if not page["has_more"]:
                    outcome.applied += self.data.apply_changes(snapshot_pages, page["cursor"], snapshot=True)
                    cursor = page["cursor"]
                    break
            else:
                outcome.applied += self.data.apply_changes(page["changes"], page["cursor"], snapshot=False)
                if not page["has_more"]:
                    cursor = page["cursor"]
                    break
            cursor = page["cursor"]
        outcome.cursor = cursor
        if outcome.applied:
            log.info(
                "pulled %d changes in %d pages, applied %d%s",
                outcome.received,
                outcome.pages,
                outcome.applied,
                " (a full snapshot)" if outcome.snapshot else "",
            )
        self.data.record_sync(online=True, last_pull_at=isoformat_z(utcnow()), last_error=None)
        return outcome

    def close(self) -> None:
        self.http.close()


def _expected_seq(response: requests.Response) -> int | None:
    try:
        value = response.json().get("errors", {}).get("expected_seq")
    except (ValueError, AttributeError):
        return None
    return int(value) if isinstance(value, int) else None
