"""Fixtures of the fault suite: a database of either kind (PostgreSQL on the private cluster), and servers to kill."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.processes import Servers
from tests.support.private_postgres import PrivatePostgres


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database a fault scenario runs on (named as the suite's, so ``--sqlite-only`` leaves PostgreSQL out)."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a database on the private cluster (never the shared server)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    cluster: PrivatePostgres = request.getfixturevalue("private_postgres")
    return cluster.create_database()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    """Start servers and standalone workers; each still running is stopped at the end of the test."""
    started = Servers(tmp_path / "data")
    yield started
    started.stop()
