"""Fixtures of the scaling suite: PgBouncer in front of the private cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.pgbouncer import PgBouncer
from tests.support.private_postgres import PrivatePostgres


@pytest.fixture(scope="session")
def pgbouncer(private_postgres_cluster: PrivatePostgres) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode, three server sessions per database, in front of the private cluster."""
    pooler = PgBouncer(private_postgres_cluster, pool_size=3)
    yield pooler
    pooler.stop()
