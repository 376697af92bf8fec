"""What every request must pass before any view runs, on both services.

- Bodies: at most ``limits.JSON_MAX_BYTES`` (a sync push:
  ``limits.PUSH_MAX_BYTES``), else 413; a JSON body nested deeper than
  ``limits.JSON_MAX_DEPTH`` is refused (400 ``malformed_json``) before any
  parser recurses into it; a body sent to the API with another content type
  than JSON is 415.
- Text: query strings, form fields, path segments and every string of a JSON
  body are checked for NUL and control characters (422 naming the field);
  form fields and JSON strings may hold line breaks and tabs (notes).
- Ids in paths: the ``int`` converter takes ASCII digits within an INTEGER
  column (``limits.INT32_MAX``); anything else matches no route (404).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from common import limits
from common.errors import ComptoirError, ValidationFailed
from common.i18n import _

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIXES = ("/api/", "/sync/")
# Bodies allowed up to limits.PUSH_MAX_BYTES; every other body is held to limits.JSON_MAX_BYTES.
LARGE_BODY_PATHS = frozenset({"/sync/v1/push"})
# Strings of these bodies are checked by their own schemas (a push is parked, never refused whole
# for one event's text: a store's queue must not stop on what its till accepted).
UNCHECKED_TEXT_PATHS = frozenset({"/sync/v1/push"})
TEXT_PROBLEM = _("Only printable characters (no NUL or control characters).")


class PayloadTooLarge(ComptoirError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(ComptoirError):
    status = 415
    code = "unsupported_media_type"


class MalformedJSON(ComptoirError):
    status = 400
    code = "malformed_json"


class Int32Converter(IntegerConverter):
    """``<int:id>``: ASCII digits, 0 to ``limits.INT32_MAX``; anything else is no route (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = None, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=limits.INT32_MAX if max is None else max, signed=signed)


# Strings in JSON text (so that brackets inside them are not counted).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth_exceeds(data: bytes, max_depth: int = limits.JSON_MAX_DEPTH) -> bool:
    """True when the JSON text ``data`` nests arrays and objects deeper than ``max_depth``.

    A scan of the bytes, no parser: it cannot recurse however deep the text goes.
    """
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def _bad_char(value: str, multiline: bool) -> bool:
    if multiline:
        value = value.translate({ord(c): None for c in limits.MULTILINE_OK})
    return limits.has_control_characters(value)


bad_json_strings = limits.unprintable_strings


def _refuse_text(fields: list[str]) -> None:
    fields = sorted(set(fields))
    raise ValidationFailed(
        _("Invalid input: %(fields)s", fields=f"{', '.join(fields[:5])}: {TEXT_PROBLEM}"),
        errors={field: [TEXT_PROBLEM] for field in fields[:20]},
    )


def _check_body() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    limit = limits.PUSH_MAX_BYTES if request.path in LARGE_BODY_PATHS else limits.JSON_MAX_BYTES
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(_("The request body is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
    is_api = request.path.startswith(API_PREFIXES)
    if request.is_json:
        data = request.get_data(cache=True)  # werkzeug stops at MAX_CONTENT_LENGTH (chunked bodies)
        if len(data) > limit:
            raise PayloadTooLarge(_("The request body is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
        if not data:
            return
        if json_depth_exceeds(data):
            raise MalformedJSON(
                _("The request body nests deeper than %(depth)s levels.", depth=limits.JSON_MAX_DEPTH),
                errors={"body": [_("At most %(depth)s levels of nesting.", depth=limits.JSON_MAX_DEPTH)]},
            )
        if request.path in UNCHECKED_TEXT_PATHS:
            return
        try:
            document = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise MalformedJSON(_("The request body is not valid JSON.")) from exc
        problems = bad_json_strings(document)
        if problems:
            _refuse_text(problems)
    elif is_api and (request.content_length or request.headers.get("Transfer-Encoding")):
        if request.mimetype:
            raise UnsupportedMediaType(
                _("Send JSON (Content-Type: application/json), not %(type)s.", type=request.mimetype)
            )
        raise UnsupportedMediaType(_("Send JSON (Content-Type: application/json)."))


def _check_text() -> None:
    problems = [key for key, value in request.args.items(multi=True)
                if _bad_char(key, False) or _bad_char(value, False)]
    problems += [key for key, value in (request.view_args or {}).items()
                 if isinstance(value, str) and _bad_char(value, False)]
    if request.method in UNSAFE_METHODS and request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ):
        problems += [key for key, value in request.form.items(multi=True)
                     if _bad_char(key, False) or _bad_char(value, True)]
    if problems:
        _refuse_text([p if not _bad_char(p, False) else "field" for p in problems])


def check_request() -> None:
    _check_body()
    _check_text()


def init_app(app: Flask) -> None:
    """Before any route is added: the bounded ``int`` converter; then the checks."""
    app.url_map.converters["int"] = Int32Converter
    app.before_request(check_request)
