"""The writer's batches: concurrent commands share a transaction, conflicts are retried, failures lose nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from domain.errors import ThreadNotFound
from domain.ids import key_identifier, new_message_id, thread_uuid
from domain.thread import Thread
from projections.store import MessageStore, NewMessage
from projections.write.command import Command, Outcome
from tests.support.keys import TEST_MASTER_KEY

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-alpha")}
BETA = {"tenant": "beta", "key_id": key_identifier("sk-beta")}


def text(value: str) -> NewMessage:
    return NewMessage(role="user", content=[{"type": "text", "text": {"value": value, "annotations": []}}])


@pytest.fixture
def batches(database_url: str) -> Iterator[tuple[MessageStore, list[int]]]:
    """A store whose committed transactions are counted (events per transaction)."""
    sizes: list[int] = []
    store = MessageStore.open(database_url, on_batch=sizes.append, master_key=TEST_MASTER_KEY)
    yield store, sizes
    store.close()


def new_thread(store: MessageStore) -> str:
    return str(store.create_thread(ALPHA, metadata={}, tool_resources=None, messages=[]).result(timeout=30).body["id"])


def listed(store: MessageStore, thread_id: str) -> list[dict[str, Any]]:
    return store.messages("alpha", thread_id, limit=100, order="asc").data


def recorded_ids(database_url: str, thread_id: str) -> set[str]:
    """Message ids in the event log, read by a store opened afresh (what survives this process)."""
    reader = MessageStore.open(database_url, master_key=TEST_MASTER_KEY)
    try:
        thread: object = reader.app.repository.get(thread_uuid(thread_id))
        assert isinstance(thread, Thread)
        return set(thread.messages)
    finally:
        reader.close()


def held_writer(store: MessageStore, thread_id: str) -> tuple[threading.Event, Future[Outcome]]:
    """Occupy the writer with a command that waits for the returned event; commands queued meanwhile form one batch."""
    gate = threading.Event()
    entered = threading.Event()
    message_id = new_message_id()

    def execute(aggregate: Thread | None) -> Thread:
        assert aggregate is not None
        entered.set()
        gate.wait(timeout=30)
        aggregate.create_message(message_id, actor=ALPHA, **vars(text("gate")))
        return aggregate

    future = store.writer.submit(Command(thread_id, execute, lambda _: (200, {"id": message_id})))
    assert entered.wait(timeout=30)
    return gate, future


def failing(thread_id: str, *, half_applied: bool = False, in_render: bool = False) -> Command:
    """A create that breaks: before its event, after it (half-applied), or while the answer is read."""
    message_id = new_message_id()

    def execute(aggregate: Thread | None) -> Thread:
        assert aggregate is not None
        if half_applied or in_render:
            aggregate.create_message(message_id, actor=ALPHA, **vars(text("doomed")))
        if not in_render:
            raise RuntimeError("the command broke")
        return aggregate

    def render(_: Any) -> tuple[int, Any]:
        raise RuntimeError("the answer could not be read")

    return Command(thread_id, execute, render)


def test_commands_queued_together_are_one_transaction(batches: tuple[MessageStore, list[int]]) -> None:
    store, sizes = batches
    threads = [new_thread(store) for _ in range(3)]
    gate, first = held_writer(store, threads[0])
    futures = [store.create_message(ALPHA, threads[i % 3], text(f"m{i}")) for i in range(30)]
    sizes.clear()
    gate.set()
    first.result(timeout=30)
    answers = [f.result(timeout=30) for f in futures]
    assert sizes == [1, 30]  # the held command alone, then every queued command in one transaction
    by_id = {a.body["id"]: a.body for a in answers}
    for thread_id in threads:
        rows = [m for m in listed(store, thread_id) if m["id"] in by_id]
        assert rows == [by_id[m["id"]] for m in rows]  # each answer is what the view holds
        assert [m["content"][0]["text"]["value"] for m in rows] == [
            f"m{i}" for i in range(30) if threads[i % 3] == thread_id
        ]


def test_concurrent_writers_in_one_process_lose_and_repeat_nothing(store: MessageStore) -> None:
    thread_id = new_thread(store)

    def client(n: int) -> list[str]:
        return [
            store.create_message(ALPHA, thread_id, text(f"{n}-{i}")).result(timeout=60).body["id"] for i in range(10)
        ]

    with ThreadPoolExecutor(8) as pool:
        per_client = list(pool.map(client, range(8)))
    rows = listed(store, thread_id)
    assert sorted(m["id"] for m in rows) == sorted(i for ids in per_client for i in ids)
    order = [m["id"] for m in rows]
    for ids in per_client:  # each client's messages in the order it wrote them
        assert sorted(ids, key=order.index) == ids


def test_two_writers_on_one_thread_retry_their_conflicts(store: MessageStore, database_url: str) -> None:
    other = MessageStore.open(
        database_url, master_key=TEST_MASTER_KEY
    )  # another process's writer, with its own cached aggregates
    try:
        thread_id = new_thread(store)
        other.create_message(ALPHA, thread_id, text("warm the other cache")).result(timeout=30)

        def client(n: int) -> list[str]:
            writer = store if n % 2 else other
            return [
                writer.create_message(ALPHA, thread_id, text(f"{n}-{i}")).result(timeout=60).body["id"]
                for i in range(8)
            ]

        with ThreadPoolExecutor(6) as pool:
            per_client = list(pool.map(client, range(6)))
    finally:
        other.close()
    order = [m["id"] for m in listed(store, thread_id)]
    written = [i for ids in per_client for i in ids]
    assert sorted(order[1:]) == sorted(written)  # after the warm-up message: each once, none lost
    for ids in per_client:
        assert sorted(ids, key=order.index) == ids
    assert recorded_ids(database_url, thread_id) == set(order)


@pytest.mark.parametrize("breakage", ["refused", "raises", "half-applied", "in the answer"])
def test_a_failure_inside_a_batch_loses_nothing_acknowledged(
    batches: tuple[MessageStore, list[int]], database_url: str, breakage: str
) -> None:
    store, _ = batches
    thread_id, foreign = new_thread(store), new_thread(store)
    gate, first = held_writer(store, thread_id)
    before = [store.create_message(ALPHA, thread_id, text(f"before {i}")) for i in range(5)]
    if breakage == "refused":  # a domain rule says no: another tenant's thread
        broken = store.create_message(BETA, foreign, text("not yours"))
    else:
        broken = store.writer.submit(
            failing(thread_id, half_applied=breakage == "half-applied", in_render=breakage == "in the answer")
        )
    after = [store.create_message(ALPHA, thread_id, text(f"after {i}")) for i in range(5)]
    gate.set()
    acknowledged = [first.result(timeout=30).body["id"]] + [f.result(timeout=30).body["id"] for f in before + after]
    with pytest.raises(ThreadNotFound if breakage == "refused" else RuntimeError):
        broken.result(timeout=30)
    viewed = [m["id"] for m in listed(store, thread_id)]
    assert viewed == acknowledged  # all of them, in submission order, and nothing of the broken command
    assert recorded_ids(database_url, thread_id) == set(acknowledged)
    # The writer goes on batching afterwards.
    assert store.create_message(ALPHA, thread_id, text("later")).result(timeout=30).status == 200


def test_a_batch_larger_than_max_batch_is_split(database_url: str) -> None:
    sizes: list[int] = []
    store = MessageStore.open(database_url, max_batch=8, on_batch=sizes.append, master_key=TEST_MASTER_KEY)
    try:
        thread_id = new_thread(store)
        gate, first = held_writer(store, thread_id)
        futures = [store.create_message(ALPHA, thread_id, text(f"m{i}")) for i in range(20)]
        sizes.clear()
        gate.set()
        first.result(timeout=30)
        ids = [f.result(timeout=30).body["id"] for f in futures]
        assert sizes == [1, 8, 8, 4]
        assert [m["id"] for m in listed(store, thread_id)][1:] == ids
    finally:
        store.close()
