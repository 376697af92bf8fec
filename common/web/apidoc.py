"""Every error status an operation can answer, in the OpenAPI documents, and no catch-all.

flask-smorest documents a ``default`` response on every operation: any status then "conforms",
and a client (or schemathesis's status-code check) cannot tell which errors to expect. Here
there is no ``default``; each operation lists its statuses, each with the common ``Error``
body. The views document what their own logic answers (``error_responses(blp, 404, 409)``);
this plugin adds what the shared edge may answer on any operation, whatever the view:

- 422 on every operation: a query string or path segment with NUL or control characters
  (``common.web.edge``), and the arguments' own checks;
- 401 and 403 where a token is needed (none given, a token of another kind or role);
- 404 where the path names a row (``{id}``: unknown, or beyond its column's range);
- 400, 413 and 415 on every POST, PUT, PATCH and DELETE: unreadable or too deeply nested
  JSON, a body past its size, a body that is not JSON;
- 429 carries ``Retry-After`` (seconds) wherever it is documented (signing in).
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from typing import Any

import flask_smorest
from apispec import APISpec, BasePlugin

BODY_METHODS = frozenset({"post", "put", "patch", "delete"})
THROTTLED = "TOO_MANY_REQUESTS_RETRY_AFTER"


class EdgeStatusesPlugin(BasePlugin):
    """apispec plugin: the edge's statuses on every operation (see the module's docstring)."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None,
                         **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            statuses = {422}
            if operation.get("security") != []:
                statuses |= {401, 403}
            if path and "{" in path:
                statuses.add(404)
            if method in BODY_METHODS:
                statuses |= {400, 413, 415}
            present = {int(code) for code in responses if str(code).isdigit()}
            for status in sorted(statuses - present):
                responses[status] = HTTPStatus(status).name
            for code in list(responses):
                if str(code) == "429":
                    responses[code] = THROTTLED


class Api(flask_smorest.Api):
    """flask-smorest's ``Api``, whose OpenAPI document is written when it is first read (the
    docs page, ``/api/openapi.json``, ``flask openapi``), not while the app is built.

    Documenting every view costs about 0.15 s of each app's start (a deep copy and a JSON
    schema per view), which every store node's restart and each of the test suite's thousand
    apps would pay for a document most of them never serve. Blueprints are registered with the
    app at once, as before; their views reach the document, in registration order and the same
    as when written eagerly, on the first read of ``spec``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._spec: APISpec | None = None
        self._undocumented: list[tuple[Any, str, Any]] = []
        self._documenting = threading.Lock()
        self._writer: int | None = None  # the thread writing the document, while it does
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def spec(self) -> APISpec | None:
        if self._undocumented and self._writer != threading.get_ident():
            with self._documenting:
                self._writer = threading.get_ident()
                try:
                    while self._undocumented and self._spec is not None:
                        # Taken off the list only once written: a reader that finds the list
                        # empty finds the document whole.
                        blp, name, parameters = self._undocumented[0]
                        blp.register_views_in_doc(self, self._app, self._spec, name=name,
                                                  parameters=parameters)
                        self._spec.tag({"name": name, "description": blp.description})
                        self._undocumented.pop(0)
                finally:
                    self._writer = None
        return self._spec

    @spec.setter
    def spec(self, value: APISpec | None) -> None:
        self._spec = value

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))


def init_api(api: Api) -> None:
    """Call after ``api.init_app(app)`` and before any blueprint is registered."""
    spec = api.spec
    assert spec is not None, "init_api comes after api.init_app(app)"
    spec.components.response(THROTTLED, {
        "description": "Too many attempts: wait the number of seconds Retry-After says",
        "headers": {"Retry-After": {
            "description": "Seconds to wait before trying again",
            "schema": {"type": "integer", "minimum": 1},
        }},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    })
    plugin = EdgeStatusesPlugin()
    plugin.init_spec(spec)
    spec.plugins = [*spec.plugins, plugin]
