"""Snapshots of a growing thread: one per interval of events, and a cold load starts from the latest."""

from __future__ import annotations

import threading

from domain.ids import key_identifier, thread_uuid
from domain.thread import Thread
from projections.store import MessageStore, NewMessage
from projections.write.aggregates import SNAPSHOT_INTERVAL, SNAPSHOT_SHARE
from projections.write.command import Command
from tests.support.keys import TEST_MASTER_KEY

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-alpha")}
HELLO = NewMessage(role="user", content=[{"type": "text", "text": {"value": "hello", "annotations": []}}])


def snapshot_versions(store: MessageStore, thread_id: str) -> list[int]:
    assert store.app.snapshots is not None
    return [s.originator_version for s in store.app.snapshots.get(thread_uuid(thread_id))]


def grow(store: MessageStore, thread_id: str, messages: int) -> None:
    """Append ``messages`` in batches of exactly ``max_batch``: queue them while the writer is held."""
    gate, entered = threading.Event(), threading.Event()

    def hold(aggregate: Thread | None) -> Thread:
        assert aggregate is not None
        entered.set()
        gate.wait(timeout=30)
        return aggregate

    held = store.writer.submit(Command(thread_id, hold, lambda _: (200, None)))
    assert entered.wait(timeout=30)
    futures = [store.create_message(ALPHA, thread_id, HELLO) for _ in range(messages)]
    gate.set()
    held.result(timeout=30)
    for future in futures:
        future.result(timeout=60)


def test_a_growing_thread_is_snapshotted_once_per_interval(database_url: str) -> None:
    store = MessageStore.open(database_url, max_batch=100, master_key=TEST_MASTER_KEY)
    try:
        thread_id = str(store.create_thread(ALPHA, metadata={}, tool_resources=None, messages=[]).result().body["id"])
        grow(store, thread_id, 3_000)  # versions 1 (created), then 101, 201, …, 3001
        store.writer.wait_for_snapshots()
        expected, last = [], 0
        for version in range(101, 3_002, 100):  # a snapshot once a batch ends an interval past the last one
            if version - last >= max(SNAPSHOT_INTERVAL, (version - 1) // SNAPSHOT_SHARE):
                expected.append(version)
                last = version
        assert snapshot_versions(store, thread_id) == expected
        assert expected[:3] == [101, 201, 301] and expected[-2:] == [2801, 3001]  # the interval outgrew a batch
    finally:
        store.close()


def test_a_cold_load_continues_from_the_latest_snapshot(database_url: str) -> None:
    first = MessageStore.open(database_url, max_batch=100, master_key=TEST_MASTER_KEY)
    try:
        thread_id = str(first.create_thread(ALPHA, metadata={}, tool_resources=None, messages=[]).result().body["id"])
        grow(first, thread_id, 700)
    finally:
        first.close()
    second = MessageStore.open(
        database_url, master_key=TEST_MASTER_KEY
    )  # nothing cached: loads the latest snapshot and the events after it
    try:
        created = second.create_message(ALPHA, thread_id, HELLO).result(timeout=30)
        assert created.status == 200
        listed = second.messages("alpha", thread_id, limit=100, order="desc").data
        assert listed[0]["id"] == created.body["id"] and len(listed) == 100
        thread: Thread = second.app.repository.get(thread_uuid(thread_id))
        assert thread.version == 702 and len(thread.messages) == 701
    finally:
        second.close()


def test_snapshots_are_written_in_the_background_on_postgresql_only(database_url: str, backend: str) -> None:
    # SQLite has one writer at a time: a snapshot thread would queue for the lock the writer holds, and
    # the writer for it (a 5-second stall at 16 clients). There the writer writes its snapshots itself.
    store = MessageStore.open(database_url, max_batch=100, master_key=TEST_MASTER_KEY)
    try:
        thread_id = str(store.create_thread(ALPHA, metadata={}, tool_resources=None, messages=[]).result().body["id"])
        grow(store, thread_id, 100)
        if backend == "sqlite":
            assert snapshot_versions(store, thread_id) == [101]  # written before the batch was answered
        store.writer.wait_for_snapshots()
        assert snapshot_versions(store, thread_id) == [101]
    finally:
        store.close()
