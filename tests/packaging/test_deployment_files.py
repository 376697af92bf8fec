"""The deployment files, exercised without a container engine (none runs here): every `comptoir`
command they run exists with the options given, every port they publish or scrape is one a
service listens on, every COMPTOIR_ variable is a setting of the project, every health check asks
a route the service has; the systemd units pass `systemd-analyze verify`."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from common import config
from common.cli import main

from .conftest import PACKAGING, ROOT, ServicePages

COMPOSE = yaml.safe_load((PACKAGING / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
SEPARATORS = {"&&", "||", "|", ";", ">", "<", "do", "done", "then", "fi", "(", ")"}
SOURCES = "\n".join(
    path.read_text() for package in ("common", "sync", "store_node", "head_office")
    for path in (ROOT / package).rglob("*.py")
)


def comptoir_command(args: list[str]) -> tuple[click.Command, str]:
    """Walk the `comptoir` group along ``args``; fail unless every word and option is known.
    Returns the command and its path (``head-office serve``)."""
    command: click.Command = main
    path: list[str] = []
    words = list(args)
    ctx = click.Context(main)
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        sub = command.get_command(ctx, words[0])
        assert sub is not None, f"`comptoir {' '.join(path + words[:1])}` is not a command"
        path.append(words.pop(0))
        command = sub
    assert not isinstance(command, click.Group), f"`comptoir {' '.join(path)}` needs a subcommand"
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    for word in words:
        if word.startswith("--"):
            assert word.split("=")[0] in known, f"`comptoir {' '.join(path)}` has no option {word}"
    return command, " ".join(path)


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def invocations(command: Any) -> list[list[str]]:
    """Each `comptoir ...` run by a compose command, a Dockerfile CMD or a unit's Exec line:
    a list of words, or a `sh -c` script (shell variables and quoting as the shell reads them)."""
    words = list(command) if isinstance(command, list) else shlex.split(command)
    if words[:2] == ["sh", "-c"] or words[:2] == ["/bin/sh", "-c"]:
        lexer = shlex.shlex(words[2].replace("$$", "$"), posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
    found: list[list[str]] = []
    for n, word in enumerate(words):
        if word == "comptoir" or word.endswith("/bin/comptoir"):
            run: list[str] = []
            for following in words[n + 1:]:
                if following in SEPARATORS:
                    break
                run.append(following)
            found.append(run)
    return found


def setting_exists(name: str) -> bool:
    key = name.removeprefix(config.PREFIX)
    return key in config.SETTINGS or key == "CONFIG" or name in SOURCES


def health_port_and_path(test: list[str]) -> tuple[int, str]:
    match = re.search(r"http://127\.0\.0\.1:(\d+)(/[a-z/]*)", " ".join(test))
    assert match, f"health check {test} asks no local URL"
    return int(match.group(1)), match.group(2)


def comptoir_services() -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in SERVICES.items() if "build" in svc}


def served(name: str) -> tuple[str, int] | None:
    """(service kind, port) a compose service listens on, from its serve command."""
    for run in invocations(SERVICES[name].get("command", [])):
        _, path = comptoir_command(run)
        if path in ("head-office serve", "store serve"):
            return ("head_office" if path.startswith("head-office") else "store"), int(option(run, "--port") or 0)
    return None


# -- compose ------------------------------------------------------------------------------------


def test_compose_runs_the_whole_chain() -> None:
    assert set(SERVICES) == {"db", "setup", "head-office-1", "head-office-2", "lb", "store-1", "store-2",
                             "store-3", "store-4", "store-5", "prometheus", "grafana"}
    assert SERVICES["db"]["image"].startswith("postgres:")
    kinds = {name: served(name) for name in comptoir_services() if name != "setup"}
    assert sorted(k for k, _ in kinds.values()) == ["head_office"] * 2 + ["store"] * 5
    ids = sorted(SERVICES[f"store-{n}"]["environment"]["COMPTOIR_STORE_ID"] for n in range(1, 6))
    assert ids == ["1", "2", "3", "4", "5"]
    for svc in SERVICES.values():
        for dependency in svc.get("depends_on", []):
            assert dependency in SERVICES


def test_every_comptoir_command_in_compose_exists_with_its_options() -> None:
    seen = set()
    for name, svc in comptoir_services().items():
        runs = invocations(svc["command"])
        assert runs, f"{name} runs no comptoir command"
        for run in runs:
            seen.add(comptoir_command(run)[1])
    assert {"head-office db upgrade", "head-office seed", "head-office stores token", "head-office serve",
            "store init", "store serve"} <= seen


def test_every_comptoir_variable_in_compose_and_the_dockerfile_is_a_setting() -> None:
    names = set()
    for svc in comptoir_services().values():
        names |= {k for k in svc.get("environment", {}) if k.startswith("COMPTOIR_")}
        for run in invocations(svc["command"]):
            names |= {m for word in run for m in re.findall(r"COMPTOIR_[A-Z_]+", word)}
    names |= set(re.findall(r"COMPTOIR_[A-Z_]+", (PACKAGING / "Dockerfile").read_text()))
    unknown = sorted(n for n in names if not setting_exists(n))
    assert not unknown, f"not settings of Comptoir: {unknown}"
    assert {"COMPTOIR_DATABASE_URL", "COMPTOIR_SECRET_KEY", "COMPTOIR_DATA_DIR"} <= names


def test_published_ports_health_checks_and_scrape_targets_match_what_listens(
    service_pages: ServicePages,
) -> None:
    listening = {name: served(name) for name in comptoir_services() if name != "setup"}
    for name, (kind, port) in listening.items():
        svc = SERVICES[name]
        for published in svc.get("ports", []):
            assert int(str(published).split(":")[-1]) == port, f"{name} publishes {published}"
        health_port, path = health_port_and_path(svc["healthcheck"]["test"])
        assert health_port == port and path in service_pages.routes[kind], f"{name}: {path}"
    # Prometheus scrapes every one of them where it listens, and /metrics exists on each.
    prometheus = yaml.safe_load((PACKAGING / "prometheus" / "prometheus.yml").read_text())
    targets = {t for job in prometheus["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    assert targets == {f"{name}:{port}" for name, (_, port) in listening.items()}
    for job in prometheus["scrape_configs"]:
        assert all(job["metrics_path"] in routes for routes in service_pages.routes.values())
    # nginx sends to the head-office instances where they listen.
    upstreams = set(re.findall(r"^\s*server ([\w-]+:\d+)", (PACKAGING / "nginx.conf").read_text(), re.M))
    assert upstreams == {f"{n}:{p}" for n, (k, p) in listening.items() if k == "head_office"}
    assert SERVICES["lb"]["volumes"][0].startswith("./nginx.conf:")


def test_files_mounted_into_compose_services_exist() -> None:
    for name, svc in SERVICES.items():
        for volume in svc.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("."):
                assert (PACKAGING / source).exists(), f"{name} mounts {source}, which does not exist"
        build = svc.get("build")
        if build:
            assert (PACKAGING / build["context"] / build["dockerfile"]).exists()


# -- Dockerfile ---------------------------------------------------------------------------------


def test_the_dockerfile_copies_what_exists_and_runs_a_real_command(service_pages: ServicePages) -> None:
    text = (PACKAGING / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    cmd = re.search(r"^CMD (\[.+\])$", text, re.M)
    assert cmd
    (run,) = invocations(yaml.safe_load(cmd.group(1)))
    _, path = comptoir_command(run)
    assert path == "head-office serve"
    health = re.search(r"^HEALTHCHECK .* CMD (.+)$", text, re.M)
    assert health
    port, route = health_port_and_path([health.group(1)])
    assert port == int(option(run, "--port") or 0) and route in service_pages.routes["head_office"]
    exposed = {int(p) for line in re.findall(r"^EXPOSE (.+)$", text, re.M) for p in line.split()}
    store_ports = {int(served(f"store-{n}")[1]) for n in range(1, 6)}  # type: ignore[index]
    assert exposed == {port} | store_ports


# -- systemd ------------------------------------------------------------------------------------


def unit_lines(path: Path) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


UNITS = sorted((PACKAGING / "systemd").glob("comptoir-*"))


def test_every_comptoir_command_in_the_units_exists_with_its_options() -> None:
    serve = set()
    for unit in UNITS:
        values = unit_lines(unit)
        for key in ("ExecStartPre", "ExecStart", "ExecStartPost"):
            for line in values.get(key, []):
                for run in invocations(line):
                    serve.add(comptoir_command(run)[1])
        for env_file in values.get("EnvironmentFile", []):
            assert env_file.startswith("/etc/comptoir/")
    assert {"head-office db upgrade", "head-office serve", "store serve"} <= serve
    store = unit_lines(PACKAGING / "systemd" / "comptoir-store.service")
    (run,) = invocations(store["ExecStart"][0])
    backup = unit_lines(PACKAGING / "systemd" / "comptoir-store-backup.service")["ExecStart"][0]
    assert option(run, "--data-dir") + "/store.sqlite3" in backup  # type: ignore[operator]
    assert "sqlite3 " in backup and ".backup " in backup


def test_the_units_pass_systemd_analyze_verify(tmp_path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the units are checked by parsing only")
    # The units name /opt/comptoir/bin/comptoir (docs/deploy.md installs it there); here the
    # `comptoir` of this checkout stands in for it.
    comptoir = shutil.which("comptoir") or str(Path(sys.executable).with_name("comptoir"))
    assert Path(comptoir).exists()
    copies = []
    for unit in UNITS:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/comptoir/bin/comptoir", comptoir))
        copies.append(str(copy))
    result = subprocess.run([analyze, "verify", *copies], capture_output=True, text=True, timeout=60,
                            check=False, cwd=tmp_path)
    assert result.returncode == 0 and not result.stderr.strip(), result.stdout + result.stderr
