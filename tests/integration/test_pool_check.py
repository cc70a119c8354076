"""The pools' connection check: a quiet connection goes out without a round trip, one the server closed is refused."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
import pytest

from projections.storage.pool_check import check_quietly
from projections.store import MessageStore
from tests.support.keys import TEST_MASTER_KEY

# The pools' check is PostgreSQL's alone: these scenarios run on it only (not skipped on SQLite).
pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgres"], indirect=True)]


@pytest.fixture
def postgres_url(database_url: str) -> str:
    return database_url


def test_a_quiet_connection_passes_without_asking_the_server(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("SELECT 1")
        check_quietly(conn)
        assert conn.execute("SELECT 2").fetchone() == (2,)


def test_a_connection_the_server_terminated_is_refused(postgres_url: str) -> None:
    connect = psycopg.connect
    with connect(postgres_url, autocommit=True) as conn, connect(postgres_url, autocommit=True) as admin:
        pid = conn.info.backend_pid
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(200):  # the termination reaches the socket soon after the call returns
            if admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone() is None:
                break
            time.sleep(0.01)
        with pytest.raises(psycopg.OperationalError):
            check_quietly(conn)


@pytest.mark.parametrize("settle", [0.0, 0.2])
def test_the_writer_recovers_from_its_connections_being_terminated(
    postgres_url: str, new_database: Callable[[], str], settle: float
) -> None:
    url = new_database()  # of its own: every connection to it is terminated
    store = MessageStore.open(url, master_key=TEST_MASTER_KEY)
    try:
        actor = {"tenant": "pool", "key_id": "key_pool"}
        created = store.create_thread(actor, metadata={}, tool_resources=None, messages=[]).result(30)
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        # Not a timing assertion: with 0.2 s the terminations have reached the sockets and the pool's check
        # replaces them; with none the write may go out on a dead connection and is sent again on a fresh one.
        time.sleep(settle)
        again = store.modify_thread(actor, created.body["id"], metadata={"k": "v"}, tool_resources=None).result(30)
        assert again.body["metadata"] == {"k": "v"}
    finally:
        store.close()
