"""Log lines: JSON with the request's context (or readable text), the request id honoured or made."""

from __future__ import annotations

import io
import json
import logging

import pytest
from flask import Flask

from common import logs


@pytest.fixture
def captured():
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def app_with_a_route() -> Flask:
    app = Flask(__name__)

    @app.post("/api/v1/sales")
    def sell():
        logs.bind(user="cashier2")
        logging.getLogger("store_node.sales").info("sale S02-000001 recorded")
        return {"ok": True}, 201

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    app.wsgi_app = logs.access_log(app.wsgi_app, "store")  # type: ignore[method-assign]
    return app


def test_json_lines_carry_service_store_request_user_method_path_status_duration(captured) -> None:
    logs.configure("store", store="S02", fmt="json", stream=captured)
    client = app_with_a_route().test_client()
    reply = client.post("/api/v1/sales", headers={"X-Request-Id": "till-42"})
    assert reply.status_code == 201 and reply.headers["X-Request-Id"] == "till-42"
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    sale, access = lines
    assert sale["message"] == "sale S02-000001 recorded" and sale["request_id"] == "till-42"
    assert access["logger"] == "comptoir.access"
    for key, expected in {"service": "store", "store": "S02", "request_id": "till-42", "user": "cashier2",
                          "method": "POST", "path": "/api/v1/sales", "status": 201, "level": "INFO"}.items():
        assert access[key] == expected, key
    assert access["time"].endswith("Z") and access["duration_ms"] >= 0


def test_an_unusable_request_id_is_replaced_and_health_checks_stay_quiet(captured) -> None:
    logs.configure("store", store="S02", fmt="json", stream=captured)
    client = app_with_a_route().test_client()
    made = client.post("/api/v1/sales", headers={"X-Request-Id": "no spaces; or <tags>"}).headers["X-Request-Id"]
    assert made != "no spaces; or <tags>" and len(made) == 16
    client.get("/healthz")
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert {line["request_id"] for line in lines} == {made}
    assert all(line["path"] != "/healthz" for line in lines)


def test_text_format_keeps_readable_lines(captured) -> None:
    logs.configure("store", store="S02", fmt="text", stream=captured)
    app_with_a_route().test_client().post("/api/v1/sales", headers={"X-Request-Id": "till-7"})
    text = captured.getvalue()
    assert not text.lstrip().startswith("{")
    assert "INFO comptoir.access: POST /api/v1/sales 201" in text and "[till-7 cashier2]" in text


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="json or text"):
        logs.configure("store", fmt="xml")
