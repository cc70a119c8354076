"""Debian's PgBouncer in transaction mode in front of a private PostgreSQL cluster, for the pooler tests."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from bench.processes import free_port
from tests.support.private_postgres import SERVER_USER, PrivatePostgres

PGBOUNCER = "/usr/sbin/pgbouncer"
INSTALL = "PgBouncer is missing: install it with `apt-get install -y pgbouncer` (.ci/run does)."


class PgBouncer:
    """One PgBouncer process pooling every database of a cluster, lending a server session per transaction."""

    def __init__(self, cluster: PrivatePostgres, *, pool_size: int = 3, pool_mode: str = "transaction") -> None:
        if not Path(PGBOUNCER).exists():
            pytest.fail(INSTALL)
        self.cluster = cluster
        self.port = free_port()
        self.root = cluster.root / f"pgbouncer-{self.port}"
        self.root.mkdir()
        self.log = self.root / "pgbouncer.log"
        config = self.root / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={cluster.port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.root / 'users.txt'}\n"
            f"pool_mode = {pool_mode}\ndefault_pool_size = {pool_size}\nmin_pool_size = 0\n"
            "max_client_conn = 500\nserver_round_robin = 0\n"
            f"logfile = {self.log}\npidfile = {self.root / 'pgbouncer.pid'}\n"
        )
        (self.root / "users.txt").write_text('"postgres" ""\n')
        command = [PGBOUNCER, str(config)]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            entry = pwd.getpwnam(SERVER_USER)
            for path in (self.root, *self.root.iterdir()):
                shutil.chown(path, entry.pw_uid, entry.pw_gid)
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self._wait_ready()

    def url(self, database_url: str) -> str:
        """The URL reaching ``database_url`` (a database of the cluster) through this pooler."""
        name = database_url.rsplit("/", 1)[1]
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def _wait_ready(self) -> None:
        for _ in range(300):
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {self.log.read_text() if self.log.exists() else ''}")
            try:
                with psycopg.connect(self.url(self.cluster.url), connect_timeout=2, prepare_threshold=None) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                time.sleep(0.05)
        raise RuntimeError(f"pgbouncer did not answer: {self.log.read_text() if self.log.exists() else ''}")

    def stop(self) -> None:
        """Stop the pooler."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
