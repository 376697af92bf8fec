"""Running Debian's Prometheus next to a chain (``comptoir demo``, the live monitoring test).

The scrape configuration is generated for the chain's own ports, with the
jobs and labels of ``packaging/prometheus/prometheus.yml`` (so the alert
rules of ``packaging/prometheus/rules.yml`` apply unchanged). It is written
as JSON, which Prometheus's YAML parser reads as it is.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import urlopen

PACKAGING_DIR = Path(__file__).resolve().parent.parent / "packaging" / "prometheus"
RULES = PACKAGING_DIR / "rules.yml"
HEAD_OFFICE_JOB = "comptoir-head-office"
STORES_JOB = "comptoir-stores"


def binary() -> str | None:
    """Debian's ``prometheus`` when installed."""
    return shutil.which("prometheus")


def scrape_config(
    head_offices: list[str],
    stores: dict[str, str],
    rule_files: list[str],
    interval_s: float = 15,
) -> dict[str, Any]:
    """``head_offices``: host:port of each instance; ``stores``: store code -> host:port."""
    interval = f"{interval_s:g}s"
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": rule_files,
        "scrape_configs": [
            {
                "job_name": HEAD_OFFICE_JOB,
                "metrics_path": "/metrics",
                "static_configs": [{"targets": head_offices}],
            },
            {
                "job_name": STORES_JOB,
                "metrics_path": "/metrics",
                "static_configs": [
                    {"targets": [target], "labels": {"store": code}}
                    for code, target in sorted(stores.items())
                ],
            },
        ],
    }


def write_config(folder: Path, config: dict[str, Any], rules: Path | None = RULES) -> Path:
    """Write the configuration (and a copy of the rules beside it); returns the config's path."""
    folder.mkdir(parents=True, exist_ok=True)
    if rules is not None and rules.exists():
        shutil.copyfile(rules, folder / "rules.yml")
        config = {**config, "rule_files": ["rules.yml"]}
    else:
        config = {**config, "rule_files": []}
    path = folder / "prometheus.yml"
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


def command(prometheus: str, config: Path, data: Path, listen: str, retention: str = "7d") -> list[str]:
    return [
        prometheus,
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        f"--storage.tsdb.retention.time={retention}",
        f"--web.listen-address={listen}",
    ]


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited with {process.returncode}")
        try:
            with urlopen(url + "/-/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"prometheus did not become ready at {url}")
