"""Test databases: a SQLite file per test, and fresh PostgreSQL databases that must be reachable."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HOW_TO_START = (
    "start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), point "
    "MSGSTORE_TEST_POSTGRES_URL at a server where you may create databases, or run with --sqlite-only "
    "to leave the PostgreSQL scenarios out on purpose"
)


def admin_url(config: pytest.Config) -> str:
    """The server where test databases are created."""
    return str(
        config.getoption("--postgres-url") or os.environ.get("MSGSTORE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    )


def create_database(admin: str) -> str:
    """Create an empty database on the admin server and return its URL."""
    name = "msgstore_test_" + secrets.token_hex(6)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as e:
        pytest.fail(f"PostgreSQL is unreachable at {admin} ({e}); {HOW_TO_START}.", pytrace=False)
    parts = urlsplit(admin)
    return urlunsplit(parts._replace(path="/" + name))


def drop_database(admin: str, url: str) -> None:
    """Drop a database made by ``create_database``."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class DatabaseFactory:
    """Makes empty databases of one backend and removes them afterwards."""

    def __init__(self, backend: str, config: pytest.Config, tmp: pytest.TempPathFactory) -> None:
        self.backend = backend
        self.config = config
        self.tmp = tmp
        self.made: list[str] = []

    def __call__(self) -> str:
        if self.backend == "sqlite":
            path = self.tmp.mktemp("sqlite") / "msgstore.db"
            return f"sqlite:///{path}"
        url = create_database(admin_url(self.config))
        self.made.append(url)
        return url

    def cleanup(self) -> Iterator[None]:
        yield
        for url in self.made:
            drop_database(admin_url(self.config), url)
