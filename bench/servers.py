"""The processes a benchmark runs: the store and the baseline as real servers, scratch databases, CPU and memory."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bench.processes import free_port, launch, stop, wait_ready

API_KEY = "sk-bench"
RUNTIME_KEY = "sk-bench-runtime"  # an assistant runtime's key (the runtime scope): streamed replies
TENANT = "bench"
KEYS = f"{API_KEY}:{TENANT},{RUNTIME_KEY}:{TENANT}:runtime"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """A server in a subprocess: ``msgstore serve`` for the store, uvicorn for the baseline."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def store(cls, database_url: str, log_dir: Path, *, workers: int = 1, **env: str) -> Server:
        """The message store, as a user starts it."""
        settings = {
            "MSGSTORE_DATABASE_URL": database_url,
            "MSGSTORE_API_KEYS": KEYS,
            "MSGSTORE_DATA_DIR": str(log_dir / "data"),
        } | env
        command = [sys.executable, "-m", "api.cli.main", "serve", "--workers", str(workers)]
        return cls("store", command, settings, log_dir)

    @classmethod
    def projection_worker(cls, database_url: str, log_dir: Path) -> Server:
        """``msgstore worker``: the asynchronous projections, in their own process (as docker-compose runs them)."""
        settings = {"MSGSTORE_DATABASE_URL": database_url, "MSGSTORE_DATA_DIR": str(log_dir / "data")}
        return cls("worker", [sys.executable, "-m", "api.cli.main", "worker"], settings, log_dir, port=0)

    @classmethod
    def baseline(cls, database_url: str, log_dir: Path, *, workers: int = 1) -> Server:
        """The plain CRUD service, under the same uvicorn."""
        env = {"BENCH_CRUD_DATABASE_URL": database_url, "BENCH_CRUD_API_KEYS": KEYS}
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.crud_baseline:app",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        return cls("baseline", [*command, "--workers", str(workers)], env, log_dir)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        log = self.log_dir / f"{self.name}-{self.port}.log"
        address = ["--host", "127.0.0.1", "--port", str(self.port)] if self.port else []
        self.process = launch([*self.command, *address], self.env, log, append=True)
        if self.port:
            probe = "/healthz" if self.name == "store" else "/docs"
            wait_ready(self.process, self.url + probe, log, timeout=60)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
        self.process = None

    def pids(self) -> list[int]:
        """The server process and its children (uvicorn workers)."""
        assert self.process is not None
        return [self.process.pid, *children(self.process.pid)]

    def peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) of the server's processes, in MB."""
        return max(status_kb(pid, "VmHWM") for pid in self.pids()) / 1024

    def rss_mb(self) -> float:
        return max(status_kb(pid, "VmRSS") for pid in self.pids()) / 1024


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
                found.extend(children(int(entry.name)))
    return found


def status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of these processes."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class Databases:
    """Scratch PostgreSQL databases on one server, dropped at the end unless kept."""

    def __init__(self, admin_url: str, *, keep: bool = False) -> None:
        self.admin_url = admin_url
        self.keep = keep
        self.made: list[str] = []

    def create(self, label: str) -> str:
        name = f"msgstore_bench_{label}_{secrets.token_hex(4)}"
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        self.made.append(name)
        return urlunsplit(urlsplit(self.admin_url)._replace(path="/" + name))

    def drop_all(self) -> None:
        if self.keep:
            return
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            for name in self.made:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.made.clear()


def connect_patiently(url: str, timeout: float = 120) -> psycopg.Connection[tuple[Any, ...]]:
    """An autocommit connection, retried while the server is out of connections (it is shared: tests run there too)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def server_version(admin_url: str) -> str:
    with psycopg.connect(admin_url, connect_timeout=5) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"
