"""A well-formed store event head office cannot apply (unknown SKU, return of an unknown
sale...): the push parks it in ``sync_rejections`` with its reason and goes on."""

from __future__ import annotations


class Unappliable(Exception):
    """A well-formed event head office cannot apply; kept with its reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
