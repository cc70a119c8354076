"""A private PostgreSQL cluster for fault tests: its own data folder and port, stopped and started by the test.

Never the machine's shared server: a test that needs PostgreSQL to go away takes ``private_postgres``
(running at the start of every test), stops it with ``outage(seconds)`` or ``stop()``/``start()``, and
makes databases on it with ``create_database()``. As root, the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

SERVER_USER = "postgres"  # who runs the server when the tests run as root (PostgreSQL refuses root)
FAST_SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c listen_addresses=127.0.0.1"


def pg_bin_dir() -> Path:
    """Where initdb and pg_ctl are: MSGSTORE_TEST_PG_BIN, the newest Debian install, or ``pg_config --bindir``."""
    chosen = os.environ.get("MSGSTORE_TEST_PG_BIN")
    if chosen:
        return Path(chosen)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if candidates:
        return Path(candidates[-1])
    pg_config = shutil.which("pg_config")
    if pg_config:
        return Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip())
    pytest.fail("initdb/pg_ctl not found: install PostgreSQL's server binaries or set MSGSTORE_TEST_PG_BIN.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """One PostgreSQL cluster in a temporary folder, on a port of its own."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        self._prepare(bin_dir, "msgstore-pg-")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N", "-E", "UTF8")

    def _prepare(self, bin_dir: Path | None, prefix: str) -> None:
        """A folder of its own (owned by the server's user when the tests run as root) and a free port."""
        self.bin_dir = bin_dir or pg_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self.data = self.root / "data"
        self.port = _free_port()
        self.log = self.root / "server.log"
        self._as_user = os.geteuid() == 0
        if self._as_user:
            entry = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    @property
    def url(self) -> str:
        """The URL of the cluster's ``postgres`` database (for creating others)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def running(self) -> bool:
        """Whether the server answers on its port."""
        try:
            with psycopg.connect(self.url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} {FAST_SETTINGS}"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: clients disconnected, ``immediate``: as if it crashed)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    @contextlib.contextmanager
    def stopped(self, mode: str = "fast") -> Iterator[None]:
        """Keep the server stopped for the block; start it again after, whatever happens in it."""
        self.stop(mode)
        try:
            yield
        finally:
            self.start()

    def outage(self, seconds: float, mode: str = "fast") -> None:
        """Stop the server, wait ``seconds``, start it again."""
        with self.stopped(mode):
            time.sleep(seconds)

    def create_database(self) -> str:
        """Create an empty database on the cluster and return its URL."""
        name = "msgstore_fault_" + secrets.token_hex(6)
        with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + "/" + name

    def remove(self) -> None:
        """Stop the server if it runs and delete its folder."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if self._as_user:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise subprocess.CalledProcessError(done.returncode, command, done.stdout, done.stderr + log)


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker of tests that take seconds of wall time (outages, real processes): CI runs them too."""
    config.addinivalue_line("markers", "slow: takes seconds of wall time (database outages, real processes)")


@pytest.fixture(scope="session")
def private_postgres_cluster() -> Iterator[PrivatePostgres]:
    """The session's private cluster (removed at the end); tests take ``private_postgres`` instead."""
    cluster = PrivatePostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def private_postgres(private_postgres_cluster: PrivatePostgres) -> PrivatePostgres:
    """A private PostgreSQL cluster, running when the test begins (a test before may have stopped it)."""
    if not private_postgres_cluster.running:
        private_postgres_cluster.start()
    return private_postgres_cluster
