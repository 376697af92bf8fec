"""Fixtures for the deployment files: the Prometheus tools (Debian's ``prometheus`` package)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        reason = f"no {name} on PATH: Prometheus tests skipped (apt-get install prometheus)"
        if os.environ.get("COMPTOIR_REQUIRE_PROMETHEUS") == "1":
            pytest.fail(reason + ", and COMPTOIR_REQUIRE_PROMETHEUS=1")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def promtool() -> str:
    return _tool("promtool")


@pytest.fixture(scope="session")
def prometheus_binary() -> str:
    return _tool("prometheus")
