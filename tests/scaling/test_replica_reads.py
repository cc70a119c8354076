"""Reads from a real streaming replica only when it holds every acknowledged write; else from the primary."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from projections.async_reads import async_reads_for
from projections.storage.postgres import PostgresDatabase
from projections.storage.replicas import ReadCounts
from projections.store import MessageStore
from tests.scaling.test_pooler_store import ACTOR, new_thread, text
from tests.support import waiting
from tests.support.keys import TEST_MASTER_KEY
from tests.support.private_postgres import PrivatePostgres
from tests.support.replica import StreamingReplica

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def stores(private_postgres: PrivatePostgres, replica: StreamingReplica) -> Iterator[tuple[MessageStore, MessageStore]]:
    """A writer on the primary, and a reader in another store (another process's) with the replica to read from."""
    url = private_postgres.create_database()
    writer = MessageStore.open(url, master_key=TEST_MASTER_KEY)
    reader = MessageStore.open(url, read_urls=[replica.database(url)], master_key=TEST_MASTER_KEY)
    yield writer, reader
    reader.close()
    writer.close()


def counts(store: MessageStore) -> ReadCounts:
    database = store.database
    assert isinstance(database, PostgresDatabase) and database.replicas is not None
    return database.replicas.counts


def caught_up(replica_url: str, primary_url: str) -> bool:
    query = "SELECT coalesce(max(notification_id), 0) FROM msgstore_events"
    with psycopg.connect(primary_url) as primary, psycopg.connect(replica_url) as standby:
        head = primary.execute(query).fetchone()
        replayed = standby.execute(query).fetchone()
    return bool(head and replayed and replayed[0] >= head[0])


def values(store: MessageStore, thread_id: str) -> list[str]:
    page = store.messages("alpha", thread_id, limit=100, order="asc")
    return [m["content"][0]["text"]["value"] for m in page.data]


def test_every_read_after_a_write_in_another_process_sees_it(
    stores: tuple[MessageStore, MessageStore], replica: StreamingReplica
) -> None:
    writer, reader = stores
    thread_id = new_thread(writer)
    for n in range(40):
        writer.create_message(ACTOR, thread_id, text(f"m{n}")).result(30)
        assert values(reader, thread_id) == [f"m{k}" for k in range(n + 1)]
    served = counts(reader)
    assert served.replica + served.primary == 40


def test_a_replica_behind_is_passed_over_and_read_again_once_it_has_replayed(
    stores: tuple[MessageStore, MessageStore], replica: StreamingReplica, private_postgres: PrivatePostgres
) -> None:
    writer, reader = stores
    url = writer.database.url
    thread_id = new_thread(writer)
    replica.pause()
    try:
        writer.create_message(ACTOR, thread_id, text("while the replica waits")).result(30)
        before = counts(reader).primary
        assert values(reader, thread_id) == ["while the replica waits"]
        assert reader.message("alpha", thread_id, values_id(reader, thread_id))["thread_id"] == thread_id
        assert counts(reader).primary == before + 3  # all three from the primary: the replica lacks the write
    finally:
        replica.resume()
    waiting.seconds_until(lambda: caught_up(replica.database(url), url), "the replica replays the write")
    before = counts(reader).replica
    assert values(reader, thread_id) == ["while the replica waits"]
    assert counts(reader).replica == before + 1


def values_id(store: MessageStore, thread_id: str) -> str:
    page = store.messages("alpha", thread_id, limit=1, order="asc")
    return str(page.data[0]["id"])


def test_reads_go_on_from_the_primary_while_the_replica_is_down(
    stores: tuple[MessageStore, MessageStore], replica: StreamingReplica
) -> None:
    writer, reader = stores
    thread_id = new_thread(writer)
    with replica.stopped():
        writer.create_message(ACTOR, thread_id, text("nobody replays this yet")).result(30)
        for _ in range(3):
            assert values(reader, thread_id) == ["nobody replays this yet"]
    url = writer.database.url
    waiting.seconds_until(lambda: caught_up(replica.database(url), url), "the replica is back and replays")


@pytest.mark.anyio
async def test_the_event_loops_reads_take_the_same_choice(
    stores: tuple[MessageStore, MessageStore], replica: StreamingReplica
) -> None:
    writer, reader = stores
    url = writer.database.url
    reads = async_reads_for(reader.database, reader.view, reader.items)
    assert reads is not None and reads.replicas is not None
    await reads.open()
    try:
        thread_id = new_thread(writer)
        replica.pause()
        try:
            writer.create_message(ACTOR, thread_id, text("fresh")).result(30)
            page = await reads.messages("alpha", thread_id, limit=10, order="asc")
            assert [m["content"][0]["text"]["value"] for m in page.data] == ["fresh"]
            assert (reads.replicas.counts.primary, reads.replicas.counts.replica) == (1, 0)
        finally:
            replica.resume()
        waiting.seconds_until(lambda: caught_up(replica.database(url), url), "the replica replays the write")
        message = await reads.message("alpha", thread_id, str(page.data[0]["id"]))
        assert message["id"] == page.data[0]["id"]
        assert (reads.replicas.counts.primary, reads.replicas.counts.replica) == (1, 1)
    finally:
        await reads.close()
