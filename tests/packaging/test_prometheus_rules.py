"""The Prometheus files as promtool sees them: valid configuration, valid rules, and the rule unit
tests (each alert fires on a series that should trigger it and stays quiet on one that should not)."""

from __future__ import annotations

import subprocess

import yaml

from .conftest import PACKAGING

PROMETHEUS_DIR = PACKAGING / "prometheus"
ALERTS = {
    "StoreSilent",
    "StoreQueueStale",
    "SyncRejection",
    "StorePushFailing",
    "TillSaleSlow",
    "HeadOfficeInstanceDown",
    "HeadOfficeDatabaseUnreachable",
    "CheckoutCompensations",
    "CheckoutSagaFailed",
}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=120, check=False)


def test_configuration_and_rules_pass_promtool_checks(promtool) -> None:
    config = run(promtool, "check", "config", "prometheus.yml")
    assert config.returncode == 0, config.stdout + config.stderr
    rules = run(promtool, "check", "rules", "rules.yml")
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in rules.stdout


def test_every_alert_passes_its_unit_tests(promtool) -> None:
    result = run(promtool, "test", "rules", "tests.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_test_that_fires_and_one_that_stays_quiet() -> None:
    rules = yaml.safe_load((PROMETHEUS_DIR / "rules.yml").read_text())
    defined = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert defined == ALERTS
    tests = yaml.safe_load((PROMETHEUS_DIR / "tests.yml").read_text())
    fires: set[str] = set()
    quiet: set[str] = set()
    for case in tests["tests"]:
        for check in case["alert_rule_test"]:
            (fires if check["exp_alerts"] else quiet).add(check["alertname"])
    assert fires == ALERTS and quiet == ALERTS


def test_the_scrape_configuration_names_head_office_and_five_stores() -> None:
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    head_office = [t for sc in jobs["comptoir-head-office"]["static_configs"] for t in sc["targets"]]
    stores = [t for sc in jobs["comptoir-stores"]["static_configs"] for t in sc["targets"]]
    assert len(head_office) == 2 and len(stores) == 5
    assert config["rule_files"] == ["rules.yml"]
