"""The history's event lists and projection through the store: cursors and filters, export, rebuild, unknown
events, batched writes, and reads that bring the asynchronous projection up to date."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from projections.history.projector import HistoryProjector
from projections.history.queries import PointInTime, instant_us
from projections.history.tables import HistoryTables
from projections.pages import UnknownCursor
from projections.registry import projection
from projections.runners.rebuild import rebuild, verify
from projections.runners.worker import ProjectionWorker
from projections.storage.positions import read_position
from projections.store import MessageStore
from tests.integration.test_history_store import ALPHA, BETA, dump, new_thread, text
from tests.support.events import LaterMessageEvent
from tests.support.keys import TEST_MASTER_KEY


def test_event_cursors_and_filters_follow_the_list_rules(store: MessageStore) -> None:
    thread_id = new_thread(store, ALPHA, *(text(str(i)) for i in range(4)))
    ids = [e["id"] for e in store.history.events("alpha", thread_id, limit=10, order="asc").data]
    assert len(ids) == 5
    page = store.history.events("alpha", thread_id, limit=2, order="asc", after=ids[0])
    assert [e["id"] for e in page.data] == ids[1:3] and page.has_more
    page = store.history.events("alpha", thread_id, limit=2, order="desc", before=ids[0])
    assert [e["id"] for e in page.data] == ids[2:0:-1] and page.has_more
    page = store.history.events("alpha", thread_id, limit=10, order="asc", after=ids[0], before=ids[3])
    assert [e["id"] for e in page.data] == ids[1:3] and not page.has_more
    assert store.history.events("alpha", thread_id, limit=10, order="asc", after=ids[-1]).data == []
    created = store.history.events("alpha", thread_id, limit=10, order="desc", type="thread.message.created")
    assert [e["id"] for e in created.data] == ids[:0:-1]
    first = created.data[-1]["message_id"]
    assert [
        e["id"] for e in store.history.events("alpha", thread_id, limit=10, order="asc", message_id=first).data
    ] == [ids[1]]
    other = new_thread(store, ALPHA)
    with pytest.raises(UnknownCursor):
        store.history.events("alpha", thread_id, limit=10, order="asc", after=other.replace("thread_", "event_") + "_1")
    with pytest.raises(UnknownCursor):
        store.history.events("alpha", thread_id, limit=10, order="asc", before=ids[0] + "0")


def test_export_filters_by_tenant_and_time(store: MessageStore) -> None:
    mine = new_thread(store, ALPHA, text("a"))
    theirs = new_thread(store, BETA, text("b"))
    exported = list(store.history.export(tenant="beta", page=1))
    assert {e["thread_id"] for e in exported} >= {theirs} and mine not in {e["thread_id"] for e in exported}
    assert store.history.count(tenant="beta") == len(exported)
    cut = store.history.events("alpha", mine, limit=1, order="desc").data[0]
    since = list(store.history.export(since_us=instant_us(cut["recorded_at"])))
    assert cut["id"] in {e["id"] for e in since}
    assert all(e["recorded_at"] >= cut["recorded_at"] for e in since)


def test_history_rebuilds_to_the_same_rows_and_backfills_a_store_that_lacked_it(fresh: MessageStore) -> None:
    thread_id = new_thread(fresh, ALPHA, text("a"), text("b"))
    listed = fresh.messages("alpha", thread_id, limit=5, order="asc").data
    fresh.modify_message(ALPHA, thread_id, listed[0]["id"], metadata={"x": "1"}).result(timeout=30)
    fresh.delete_message(ALPHA, thread_id, listed[1]["id"]).result(timeout=30)
    fresh.modify_thread(ALPHA, thread_id, metadata={"t": "2"}, tool_resources=None).result(timeout=30)
    new_thread(fresh, BETA, text("c"))
    before = dump(fresh)
    rebuild(fresh.database, fresh.app, projection("history"))
    assert dump(fresh) == before

    url = fresh.database.url
    tables = HistoryTables(fresh.database.dialect)
    with fresh.database.transaction() as curs:
        tables.drop(curs)
        curs.execute(fresh.database.dialect.q("DELETE FROM projection_positions WHERE projection = %s"), ("history",))
    fresh.close()
    reopened = MessageStore.open(url, master_key=TEST_MASTER_KEY)
    try:
        assert dump(reopened) == before
    finally:
        reopened.close()


@dataclass(frozen=True)
class MessageScored(LaterMessageEvent):
    """An event type the history does not know (as a future feature would add)."""

    score: int


def test_an_unknown_event_type_is_logged_and_changes_no_state(fresh: MessageStore) -> None:
    thread_id = new_thread(fresh, ALPHA, text("a"))
    message_id = fresh.messages("alpha", thread_id, limit=1, order="asc").data[0]["id"]
    later = MessageScored(None, 3, datetime.now(UTC), thread_id, message_id, ALPHA, 5)
    with fresh.database.transaction() as curs:
        HistoryProjector(HistoryTables(fresh.database.dialect), name="scratch").apply(curs, [later], None, 0)
    event = fresh.history.events("alpha", thread_id, limit=1, order="desc").data[0]
    assert event["type"] == "thread.message.scored"
    assert event["data"] == {"score": 5} and event["message_id"] == message_id and event["version"] == 3
    versions = fresh.history.versions("alpha", thread_id, message_id, limit=5, order="asc").data
    assert len(versions) == 1


def test_writes_into_one_thread_stay_batched_with_the_history_inline(new_database: Callable[[], str]) -> None:
    batches: list[int] = []
    opened = MessageStore.open(new_database(), on_batch=batches.append, master_key=TEST_MASTER_KEY)
    try:
        thread_id = new_thread(opened)
        futures = [opened.create_message(ALPHA, thread_id, text(str(i))) for i in range(4000)]
        assert len({f.result(timeout=60).body["id"] for f in futures}) == 4000
        assert opened.history.events("alpha", thread_id, limit=1, order="desc").data[0]["version"] == 4001
    finally:
        opened.close()
    # A batch whose transaction fails is replayed one command per transaction: that would show here.
    assert sum(batches) == 4001 and len(batches) < 200


def _history_position(store: MessageStore) -> int:
    with store.database.read() as curs:
        return read_position(curs, store.database.dialect, "history") or 0


def test_a_history_read_sees_every_earlier_write_though_the_projection_is_asynchronous(fresh: MessageStore) -> None:
    thread_id = new_thread(fresh, ALPHA, text("a"))
    head = int(fresh.app.recorder.max_notification_id() or 0)
    assert _history_position(fresh) < head  # no worker ran: the writer left the history behind
    events = fresh.history.events("alpha", thread_id, limit=10, order="asc").data
    assert [e["type"] for e in events] == ["thread.created", "thread.message.created"]
    assert _history_position(fresh) == head  # the read applied what was missing, and recorded it
    fresh.modify_thread(ALPHA, thread_id, metadata={"k": "v"}, tool_resources=None).result(timeout=30)
    at = fresh.history.thread_at("alpha", thread_id, PointInTime())
    assert at["metadata"] == {"k": "v"}


def test_reads_and_a_worker_bringing_the_history_up_to_date_at_once_apply_each_event_once(
    fresh: MessageStore,
) -> None:
    worker = ProjectionWorker(fresh.database, fresh.app, fresh.signal, batch=7)
    stopping = threading.Event()
    running = threading.Thread(target=worker.run, args=(stopping,), daemon=True)
    running.start()
    failures: list[BaseException] = []

    def reader(thread_id: str) -> None:
        try:
            for _ in range(15):
                fresh.history.events("alpha", thread_id, limit=100, order="asc")
        except BaseException as e:
            failures.append(e)

    try:
        threads = [new_thread(fresh, ALPHA) for _ in range(3)]
        readers = [threading.Thread(target=reader, args=(t,)) for t in threads]
        for r in readers:
            r.start()
        for i in range(40):
            fresh.create_message(ALPHA, threads[i % 3], text(f"m{i}")).result(timeout=30)
        for r in readers:
            r.join(timeout=60)
    finally:
        stopping.set()
        fresh.signal.notify()
        running.join(timeout=30)
    assert failures == []
    fresh.history.ensure_up_to_date()
    assert verify(fresh.database, fresh.app, projection("history")) == []
    for thread_id in threads:
        listed = fresh.history.events("alpha", thread_id, limit=100, order="asc").data
        assert [e["version"] for e in listed] == list(range(1, len(listed) + 1))
