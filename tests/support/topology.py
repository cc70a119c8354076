"""The scaled topology the API suites can run on (``MSGSTORE_TEST_TOPOLOGY=scaled``): two shards behind PgBouncer
in transaction mode, each read from a streaming replica when it has caught up, on the session's private cluster."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tests.support.pgbouncer import PgBouncer
from tests.support.private_postgres import PrivatePostgres
from tests.support.replica import StreamingReplica

SCALED = "scaled"


def scaled() -> bool:
    """Whether the API suites run on the scaled topology instead of one database."""
    return os.environ.get("MSGSTORE_TEST_TOPOLOGY", "") == SCALED


@pytest.fixture(scope="session")
def scaled_env(private_postgres_cluster: PrivatePostgres) -> Iterator[dict[str, str]]:
    """A server's settings for the scaled topology: tenant alpha on one shard, every other on a second."""
    first, second = private_postgres_cluster.create_database(), private_postgres_cluster.create_database()
    replica = StreamingReplica(private_postgres_cluster)
    replica.start()
    pooler = PgBouncer(private_postgres_cluster, pool_size=8)
    time.sleep(0.5)  # the replica replays the two databases' creation before the stores create their tables
    try:
        yield {
            "MSGSTORE_SHARDS": f"alpha={pooler.url(first)},*={pooler.url(second)}",
            "MSGSTORE_READ_URLS": f"alpha={replica.database(first)},*={replica.database(second)}",
            "MSGSTORE_POOL_MODE": "transaction",
        }
    finally:
        pooler.stop()
        replica.remove()
