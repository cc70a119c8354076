"""Fixtures of the scaling suite: PgBouncer in front of the private cluster, a streaming replica of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.pgbouncer import PgBouncer
from tests.support.private_postgres import PrivatePostgres
from tests.support.replica import StreamingReplica


@pytest.fixture(scope="session")
def pgbouncer(private_postgres_cluster: PrivatePostgres) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode, three server sessions per database, in front of the private cluster."""
    pooler = PgBouncer(private_postgres_cluster, pool_size=3)
    yield pooler
    pooler.stop()


@pytest.fixture(scope="session")
def replica(private_postgres_cluster: PrivatePostgres) -> Iterator[StreamingReplica]:
    """A streaming replica of the private cluster (``pg_basebackup``), running when the session's tests begin."""
    standby = StreamingReplica(private_postgres_cluster)
    standby.start()
    yield standby
    standby.remove()
