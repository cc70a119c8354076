"""Fixtures of the scaling suite: PgBouncer in front of the private cluster, a streaming replica of it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Unpack

import pytest

from tests.support.pgbouncer import PgBouncer
from tests.support.private_postgres import PrivatePostgres
from tests.support.replica import StreamingReplica
from tests.support.servers import Server, ServerOptions, StartServer


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


@pytest.fixture
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartServer]:
    """Start servers that stop when the test ends: the private cluster's connections are the next test's."""
    started: list[Server] = []

    def start(database_url: str, **options: Unpack[ServerOptions]) -> Server:
        server = Server(database_url, tmp_path_factory.mktemp("server"), **options)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
