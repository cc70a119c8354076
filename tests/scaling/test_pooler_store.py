"""The store behind PgBouncer in transaction mode: no prepared statement, no LISTEN, locks held by transactions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from domain.states import Actor
from projections.storage.locks import try_lock
from projections.storage.pooler import TransactionPooler
from projections.store import MessageStore, NewMessage
from tests.support.keys import TEST_MASTER_KEY
from tests.support.pgbouncer import PgBouncer
from tests.support.private_postgres import PrivatePostgres

ACTOR: Actor = {"tenant": "alpha", "key_id": "key_test"}


def text(value: str) -> NewMessage:
    return NewMessage(role="user", content=[{"type": "text", "text": {"value": value, "annotations": []}}])


def new_thread(store: MessageStore) -> str:
    thread_id: str = store.create_thread(ACTOR, metadata={}, tool_resources=None, messages=[]).result(30).body["id"]
    return thread_id


pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def pooled(pgbouncer: PgBouncer, cluster: PrivatePostgres) -> str:
    return pgbouncer.url(cluster.create_database())


@contextmanager
def pooled_stores(pgbouncer: PgBouncer, cluster: PrivatePostgres, count: int) -> Iterator[list[MessageStore]]:
    """``count`` stores (as many processes would open) on one new database, through the pooler."""
    url = pooled(pgbouncer, cluster)
    stores = [MessageStore.open(url, pool_mode="transaction", master_key=TEST_MASTER_KEY) for _ in range(count)]
    try:
        yield stores
    finally:
        for store in stores:
            store.close()


def test_a_store_not_told_of_the_pooler_refuses_to_start_naming_the_setting(
    pgbouncer: PgBouncer, private_postgres: PrivatePostgres
) -> None:
    with pytest.raises(TransactionPooler, match="MSGSTORE_POOL_MODE=transaction"):
        MessageStore.open(pooled(pgbouncer, private_postgres), master_key=TEST_MASTER_KEY)


def test_writes_and_reads_through_the_pooler_share_three_server_sessions(
    pgbouncer: PgBouncer, private_postgres: PrivatePostgres
) -> None:
    with pooled_stores(pgbouncer, private_postgres, 2) as (first, second):
        thread_id = new_thread(first)
        # Far more statements than psycopg's prepare threshold, on connections whose sessions are lent around.
        for n in range(40):
            store = (first, second)[n % 2]
            store.create_message(ACTOR, thread_id, text(f"m{n}")).result(30)
            page = store.messages("alpha", thread_id, limit=100, order="asc")
            assert [m["content"][0]["text"]["value"] for m in page.data] == [f"m{k}" for k in range(n + 1)]
        assert len(second.history.events("alpha", thread_id, limit=100, order="asc").data) == 41


def test_a_commit_in_one_process_wakes_the_other_without_listen(
    pgbouncer: PgBouncer, private_postgres: PrivatePostgres
) -> None:
    with pooled_stores(pgbouncer, private_postgres, 2) as (writer, follower):
        follower.follow_other_processes()
        thread_id = new_thread(writer)
        generation = follower.signal.generation
        woke = threading.Event()

        def wait() -> None:
            follower.signal.wait(generation, 60)
            woke.set()

        waiter = threading.Thread(target=wait)
        waiter.start()
        writer.create_message(ACTOR, thread_id, text("wake up")).result(30)
        waiter.join(60)
        assert woke.is_set() and follower.signal.generation != generation


def test_the_worker_lock_is_held_by_one_holder_through_the_pooler(
    pgbouncer: PgBouncer, private_postgres: PrivatePostgres
) -> None:
    url = pooled(pgbouncer, private_postgres)
    store = MessageStore.open(url, pool_mode="transaction", master_key=TEST_MASTER_KEY)
    try:
        held = try_lock(store.database, "worker")
        assert held is not None and held.alive()
        # More attempts than the pooler has server sessions: each must find it taken.
        for _ in range(6):
            assert try_lock(store.database, "worker") is None
        held.release()
        again = try_lock(store.database, "worker")
        assert again is not None
        again.release()
    finally:
        store.close()


def test_a_lock_outlives_the_servers_idle_in_transaction_timeout(
    pgbouncer: PgBouncer, private_postgres: PrivatePostgres
) -> None:
    url = pooled(pgbouncer, private_postgres)
    with psycopg.connect(private_postgres.url, autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {url.rsplit('/', 1)[1]} SET idle_in_transaction_session_timeout = '200ms'")
    store = MessageStore.open(url, pool_mode="transaction", master_key=TEST_MASTER_KEY)
    try:
        held = try_lock(store.database, "worker")
        assert held is not None
        with psycopg.connect(private_postgres.url, autocommit=True) as admin:  # let 200 ms pass, idle
            admin.execute("SELECT pg_sleep(0.5)")
        assert held.alive() and try_lock(store.database, "worker") is None
        held.release()
    finally:
        store.close()
