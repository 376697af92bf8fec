"""Throwaway PostgreSQL clusters on loopback with the system's own binaries (Debian's
/usr/lib/postgresql/N/bin): a primary made by initdb that allows replication, and streaming
replicas of it made by pg_basebackup -R. PostgreSQL refuses to run as root: as root, the
clusters run as the `postgres` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support import free_port


def bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    for folder in reversed(candidates):
        if os.access(os.path.join(folder, "initdb"), os.X_OK):
            return Path(folder)
    found = shutil.which("pg_basebackup")
    return Path(found).parent if found and shutil.which("initdb") else None


class Cluster:
    """One PostgreSQL server in ``folder`` on 127.0.0.1:``port``."""

    def __init__(self, binaries: Path, folder: Path, port: int, user: str | None) -> None:
        self.bin = binaries
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.user = user
        self.process: subprocess.Popen | None = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, *args: str) -> str:
        result = subprocess.run([str(self.bin / args[0]), *args[1:]], capture_output=True, text=True,
                                user=self.user, cwd=self.folder, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stderr or result.stdout}")
        return result.stdout

    def start(self) -> Cluster:
        log = open(self.folder / "postgres.log", "a")  # noqa: SIM115 - owned by the child
        self.process = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.folder),
             "-c", "listen_addresses=127.0.0.1"],
            stdout=log, stderr=subprocess.STDOUT, user=self.user, cwd=self.folder, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.folder / "postgres.log").read_text()[-2000:]
            ready = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
                                   check=False)
            if ready.returncode == 0:
                return self
            time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start: " + (self.folder / "postgres.log").read_text()[-2000:])

    def sql(self, statement: str, database: str = "postgres") -> str:
        return self.run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
                        "-tAqc", statement).strip()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None


class Chain:
    """A primary and its replicas under one temporary folder (not the test's tmp_path: the
    `postgres` user must be able to enter it)."""

    def __init__(self) -> None:
        binaries = bin_dir()
        assert binaries is not None, "no PostgreSQL server binaries (initdb, pg_basebackup)"
        self.bin = binaries
        self.base = Path(tempfile.mkdtemp(prefix="comptoir-replica-"))
        self.user = "postgres" if os.geteuid() == 0 else None
        self._owner: Any = pwd.getpwnam("postgres") if self.user else None
        self.clusters: list[Cluster] = []

    def _folder(self, name: str) -> Path:
        folder = self.base / name
        folder.mkdir()
        if self._owner is not None:
            os.chown(self.base, self._owner.pw_uid, self._owner.pw_gid)
            os.chown(folder, self._owner.pw_uid, self._owner.pw_gid)
        return folder

    def primary(self) -> Cluster:
        cluster = Cluster(self.bin, self._folder("primary"), free_port(), self.user)
        # initdb's pg_hba.conf allows replication connections from 127.0.0.1 (trust, as asked).
        cluster.run("initdb", "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                    "--no-locale", "--no-sync")
        with open(cluster.data / "postgresql.conf", "a") as conf:
            conf.write("\nwal_level = replica\nmax_wal_senders = 5\nwal_keep_size = '64MB'\n"
                       "fsync = off\nfull_page_writes = off\nmax_connections = 60\n")
        self.clusters.append(cluster)
        return cluster.start()

    def replica(self, primary: Cluster) -> Cluster:
        cluster = Cluster(self.bin, self._folder(f"replica{len(self.clusters)}"), free_port(), self.user)
        cluster.run("pg_basebackup", "-D", str(cluster.data), "-R", "-X", "stream", "-c", "fast", "-h", "127.0.0.1",
                    "-p", str(primary.port), "-U", "postgres")
        self.clusters.append(cluster)
        return cluster.start()

    def close(self) -> None:
        for cluster in reversed(self.clusters):
            cluster.stop()
        shutil.rmtree(self.base, ignore_errors=True)
