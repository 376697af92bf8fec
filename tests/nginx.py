"""Run packaging/nginx/comptoir.conf for real on loopback (tests and benchmarks).

The file is rendered with the test's ports (its `listen` and the upstream's `server` lines)
and included in a minimal main configuration whose pid file, logs and temporary folders live in
a private prefix, so nginx runs as the current user beside anything else on the machine.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import subprocess
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
CONF = REPO / "packaging" / "nginx" / "comptoir.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def render(listen_port: int, upstream_ports: list[int], conf: Path = CONF) -> str:
    """comptoir.conf with `listen` on 127.0.0.1:listen_port and the upstream on the given ports."""
    text = conf.read_text()
    server_line = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+ (.*);$", re.MULTILINE)
    matches = list(server_line.finditer(text))
    assert matches, "no upstream server lines in comptoir.conf"
    indent, options = matches[0].group(1), matches[0].group(2)
    servers = "\n".join(f"{indent}server 127.0.0.1:{port} {options};" for port in upstream_ports)
    text = text[: matches[0].start()] + servers + text[matches[-1].end():]
    text, count = re.subn(r"^(\s*)listen \d+;$", rf"\1listen 127.0.0.1:{listen_port};", text,
                          flags=re.MULTILINE)
    assert count == 1, "comptoir.conf should have one listen line"
    return text


def main_conf(prefix: Path, site: Path, worker_processes: int = 1) -> str:
    user = ""
    if os.geteuid() == 0:  # as root, nginx would switch its workers to `nobody`: stay who we are
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n"
    temp = "\n".join(f"    {kind}_temp_path {prefix / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}worker_processes {worker_processes};
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{
    worker_connections 8192;
}}
http {{
    access_log {prefix / 'access.log'};
{temp}
    include {site};
}}
"""


class Nginx:
    """nginx in the foreground (`daemon off`) with its own prefix; `with Nginx(...) as url:`."""

    def __init__(self, prefix: Path, listen_port: int, upstream_ports: list[int],
                 worker_processes: int = 1) -> None:
        self.prefix = prefix
        self.port = listen_port
        self.upstream_ports = upstream_ports
        self.worker_processes = worker_processes
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        binary = nginx_binary()
        assert binary, "nginx is not installed"
        self.prefix.mkdir(parents=True, exist_ok=True)
        site = self.prefix / "comptoir.conf"
        site.write_text(render(self.port, self.upstream_ports))
        conf = self.prefix / "nginx.conf"
        conf.write_text(main_conf(self.prefix, site, self.worker_processes))
        args = [binary, "-p", str(self.prefix), "-e", str(self.prefix / "error.log"), "-c", str(conf)]
        check = subprocess.run([*args, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        log = open(self.prefix / "stderr.log", "w")  # noqa: SIM115 - owned by the child
        self.process = subprocess.Popen([*args, "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.prefix / "stderr.log").read_text()
            try:
                requests.get(self.url + "/healthz", timeout=1)
                return self.url
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: fast shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
