"""Idempotent writes: a retried key answers the first result and records nothing new, even under races."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from domain.ids import key_identifier
from projections.store import MessageStore, NewMessage
from projections.write.command import Idempotency, Outcome
from tests.support.keys import TEST_MASTER_KEY

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-alpha")}
BETA = {"tenant": "beta", "key_id": key_identifier("sk-beta")}
HELLO = NewMessage(role="user", content=[{"type": "text", "text": {"value": "hello", "annotations": []}}])


def head(store: MessageStore) -> int:
    return store.app.recorder.max_notification_id() or 0


def new_thread(store: MessageStore) -> str:
    outcome = store.create_thread(ALPHA, metadata={}, tool_resources=None, messages=[]).result(timeout=30)
    return str(outcome.body["id"])


def listed(store: MessageStore, thread_id: str) -> list[str]:
    return [m["id"] for m in store.messages("alpha", thread_id, limit=100, order="asc").data]


def test_a_retry_answers_the_first_result_and_records_nothing(store: MessageStore, key: str = "retry-1") -> None:
    thread_id = new_thread(store)
    key = f"{key}-{thread_id}"
    idem = Idempotency("alpha", key, "fp-1")
    first = store.create_message(ALPHA, thread_id, HELLO, idempotency=idem).result(timeout=30)
    recorded = head(store)
    again = store.create_message(ALPHA, thread_id, HELLO, idempotency=idem).result(timeout=30)
    assert not first.replayed and again.replayed
    assert (again.status, again.body, again.fingerprint) == (first.status, first.body, "fp-1")
    assert head(store) == recorded
    assert listed(store, thread_id) == [first.body["id"]]
    assert store.recall("alpha", key) == Outcome(200, first.body, "fp-1", replayed=True)


def test_keys_belong_to_a_tenant(store: MessageStore) -> None:
    thread_id = new_thread(store)
    key = f"shared-{thread_id}"
    store.create_message(ALPHA, thread_id, HELLO, idempotency=Idempotency("alpha", key, "fp")).result(timeout=30)
    assert store.recall("beta", key) is None
    other = store.create_thread(
        BETA, metadata={}, tool_resources=None, messages=[], idempotency=Idempotency("beta", key, "fp")
    ).result(timeout=30)
    assert not other.replayed and other.body["object"] == "thread"


def test_every_write_is_idempotent(store: MessageStore) -> None:
    thread_id = new_thread(store)
    message_id = store.create_message(ALPHA, thread_id, HELLO).result(timeout=30).body["id"]
    writes: list[Callable[[Idempotency], Outcome]] = [
        lambda i: store.modify_thread(
            ALPHA, thread_id, metadata={"a": "1"}, tool_resources=None, idempotency=i
        ).result(),
        lambda i: store.modify_message(ALPHA, thread_id, message_id, metadata={"b": "2"}, idempotency=i).result(),
        lambda i: store.delete_message(ALPHA, thread_id, message_id, idempotency=i).result(),
        lambda i: store.delete_thread(ALPHA, thread_id, idempotency=i).result(),
    ]
    for n, write in enumerate(writes):
        idem = Idempotency("alpha", f"each-{n}-{thread_id}", f"fp-{n}")
        first = write(idem)
        recorded = head(store)
        again = write(idem)  # a delete retried would be a 404 without the key
        assert again.replayed and again.body == first.body
        assert head(store) == recorded


def test_concurrent_duplicates_in_one_process_record_one_message(store: MessageStore) -> None:
    thread_id = new_thread(store)
    idem = Idempotency("alpha", f"burst-{thread_id}", "fp")
    futures = [store.create_message(ALPHA, thread_id, HELLO, idempotency=idem) for _ in range(8)]
    outcomes = [f.result(timeout=30) for f in futures]
    assert len({o.body["id"] for o in outcomes}) == 1
    assert sum(not o.replayed for o in outcomes) == 1
    assert listed(store, thread_id) == [outcomes[0].body["id"]]


def test_concurrent_duplicates_from_two_processes_record_one_message(store: MessageStore, database_url: str) -> None:
    other = MessageStore.open(
        database_url, master_key=TEST_MASTER_KEY
    )  # a second process on the same database, as far as the store knows
    try:
        thread_id = new_thread(store)
        idem = Idempotency("alpha", f"race-{thread_id}", "fp")
        start = threading.Barrier(8)

        def create(s: MessageStore) -> Outcome:
            start.wait()
            return s.create_message(ALPHA, thread_id, HELLO, idempotency=idem).result(timeout=60)

        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(create, [store, other] * 4))
        assert len({o.body["id"] for o in outcomes}) == 1
        assert sum(not o.replayed for o in outcomes) == 1
        assert listed(store, thread_id) == listed(other, thread_id) == [outcomes[0].body["id"]]
    finally:
        other.close()


def test_concurrent_duplicate_deletes_all_answer_the_first_result(store: MessageStore, database_url: str) -> None:
    other = MessageStore.open(database_url, master_key=TEST_MASTER_KEY)
    try:
        thread_id = new_thread(store)
        message_id = store.create_message(ALPHA, thread_id, HELLO).result(timeout=30).body["id"]
        recorded = head(store)
        idem = Idempotency("alpha", f"delete-{message_id}", "fp")
        futures = [s.delete_message(ALPHA, thread_id, message_id, idempotency=idem) for s in [store, other] * 4]
        outcomes = [f.result(timeout=60) for f in futures]
        assert {o.status for o in outcomes} == {200}
        assert all(o.body == {"id": message_id, "object": "thread.message.deleted", "deleted": True} for o in outcomes)
        assert sum(not o.replayed for o in outcomes) == 1
        assert head(store) == recorded + 1
    finally:
        other.close()
