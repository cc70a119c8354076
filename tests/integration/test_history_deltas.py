"""Streamed replies in the history: every answer as full copies per event would give it, in bounded space."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bench.history_bytes import table_bytes
from domain.content import apply_delta
from domain.ids import key_identifier, thread_uuid
from domain.thread import Thread
from projections.crypto.sealing import COLUMN_MARK
from projections.history.latest import LatestContents
from projections.history.projector import MESSAGE_CHANGES, HistoryProjector
from projections.history.queries import PointInTime
from projections.history.render import event_id
from projections.history.tables import HistoryTables
from projections.registry import projection
from projections.runners.rebuild import rebuild, verify
from projections.store import MessageStore, NewMessage
from tests.integration.test_history_store import dump
from tests.support.events import LaterMessageEvent
from tests.support.keys import TEST_MASTER_KEY

RUNTIME = {"tenant": "alpha", "key_id": key_identifier("sk-runtime")}
IMAGE = {"type": "image_file", "image_file": {"file_id": "file_1", "detail": "auto"}}
State = dict[str, Any]


@pytest.fixture
def fresh(new_database: Callable[[], str]) -> Iterator[MessageStore]:
    """A store on a database of its own, so that whole tables can be compared and measured."""
    opened = MessageStore.open(new_database(), master_key=TEST_MASTER_KEY)
    yield opened
    opened.close()


def text_part(index: int, value: str) -> dict[str, Any]:
    return {"index": index, "type": "text", "text": {"value": value}}


def in_progress(store: MessageStore, thread_id: str, content: list[dict[str, Any]]) -> str:
    reply = NewMessage(role="assistant", content=content, assistant_id="asst_1", run_id="run_1", status="in_progress")
    return str(store.create_message(RUNTIME, thread_id, reply).result(timeout=30).body["id"])


def replay(store: MessageStore, thread_id: str) -> dict[int, dict[str, State]]:
    """Each version's messages, folded from the thread's events one full copy at a time (deleted ones included)."""
    messages: dict[str, State] = {}
    states: dict[int, dict[str, State]] = {}
    for e in store.app.events.get(thread_uuid(thread_id)):
        m = str(getattr(e, "message_id", ""))
        if isinstance(e, Thread.MessageCreated):
            messages[m] = {"content": e.content, "status": e.status, "metadata": e.metadata, "deleted": False}
        elif isinstance(e, Thread.MessageDeltaAppended):
            messages[m] = {**messages[m], "content": apply_delta(messages[m]["content"], e.content)}
        elif isinstance(e, Thread.MessageModified) and e.metadata is not None:
            messages[m] = {**messages[m], "metadata": e.metadata}
        elif isinstance(e, Thread.MessageCompleted):
            messages[m] = {**messages[m], "status": "completed"}
        elif isinstance(e, Thread.MessageDeleted):
            messages[m] = {**messages[m], "deleted": True}
        states[e.originator_version] = dict(messages)
    return states


def seen(message: dict[str, Any], deleted: bool = False) -> State:
    keys = ("content", "status", "metadata")
    return {**{k: message[k] for k in keys}, "deleted": deleted}


def all_pages(read: Callable[..., Any], limit: int, order: str = "asc") -> list[dict[str, Any]]:
    """Every item of a list, a page at a time, each page after the last item of the one before."""
    items: list[dict[str, Any]] = []
    while True:
        after = None if not items else items[-1].get("event_id", items[-1].get("id"))
        page = read(limit=limit, order=order, after=after)
        items += page.data
        if not page.has_more:
            return items


def test_streamed_replies_read_as_a_full_copy_per_event_at_every_version(store: MessageStore) -> None:
    rng = random.Random(11)
    thread_id = store.create_thread(RUNTIME, metadata={}, tool_resources=None, messages=[]).result(30).body["id"]
    first = in_progress(store, thread_id, [{"type": "text", "text": {"value": "Intro: ", "annotations": []}}, IMAGE])
    second = in_progress(store, thread_id, [])
    deltas: list[tuple[str, list[dict[str, Any]]]] = [
        (first, [text_part(0, "é")]),
        (first, [text_part(2, "Second "), text_part(0, "more")]),  # a new block, and the first grown again
        (first, [text_part(2, 'a "quoted" \\ line\n')]),
        (second, [{"index": 0, "type": "refusal", "refusal": "no"}]),
        (second, [{"index": 0, "type": "refusal", "refusal": ", sorry"}]),
        (first, [{"index": 3, "type": "image_file", "image_file": {"file_id": "file_2"}}]),
        (second, [text_part(1, "")]),  # an empty block, then grown
    ]
    words = ["alpha ", "βeta ", "😀 ", "x" * 700, "\\n", '"', "word "]
    for i in range(240):  # the first message's early block grows too: chunks after it move
        target, index = (first, rng.choice([0, 2])) if i % 3 else (second, 1)
        deltas.append((target, [text_part(index, rng.choice(words))]))
    for n, (message_id, parts) in enumerate(deltas):
        store.append_to_message(RUNTIME, thread_id, message_id, parts).result(timeout=30)
        if n == 100:
            store.modify_message(RUNTIME, thread_id, first, metadata={"k": "v"}).result(timeout=30)
        if rng.random() < 0.15:  # history batches of every size
            store.history.ensure_up_to_date()
    store.complete_message(RUNTIME, thread_id, first).result(timeout=30)
    store.history.ensure_up_to_date()
    store.modify_message(RUNTIME, thread_id, first, metadata={"k": "w"}).result(timeout=30)
    empty = in_progress(store, thread_id, [])  # no delta at all: its shapes are [] too
    store.history.ensure_up_to_date()
    store.complete_message(RUNTIME, thread_id, empty).result(timeout=30)
    for value in ("1", "2"):
        store.history.ensure_up_to_date()
        store.modify_message(RUNTIME, thread_id, empty, metadata={"e": value}).result(timeout=30)
    store.delete_message(RUNTIME, thread_id, second).result(timeout=30)

    expected = replay(store, thread_id)
    head = max(expected)
    history = store.history
    for message_id in (first, second, empty):
        versions = all_pages(lambda **p: history.versions("alpha", thread_id, message_id, **p), limit=17)
        assert [v["version"] for v in versions] == [
            n
            for n in expected
            if message_id in expected[n] and expected[n][message_id] != expected.get(n - 1, {}).get(message_id)
        ]
        for v in versions:
            assert seen(v["message"], v["deleted"]) == expected[v["version"]][message_id]
    events = all_pages(lambda **p: history.events("alpha", thread_id, **p), limit=50)
    assert [e["version"] for e in events] == list(range(1, head + 1))
    assert [e for e in history.export(tenant="alpha", page=40) if e["thread_id"] == thread_id] == events
    for e in events:
        if "message" in e["data"]:
            assert seen(e["data"]["message"]) == {**expected[e["version"]][e["message_id"]], "deleted": False}
    for n in range(1, head + 1):
        listed = history.messages_at("alpha", thread_id, PointInTime(version=n), limit=100, order="asc").data
        assert {m["id"]: seen(m) for m in listed} == {m: s for m, s in expected[n].items() if not s["deleted"]}
    at_head = history.messages_at("alpha", thread_id, PointInTime(version=head), limit=100, order="asc").data
    assert at_head == store.messages("alpha", thread_id, limit=100, order="asc").data


def test_pages_deep_in_a_long_stream_and_a_rebuild_give_the_same_rows(fresh: MessageStore) -> None:
    thread_id = fresh.create_thread(RUNTIME, metadata={}, tool_resources=None, messages=[]).result(30).body["id"]
    message_id = in_progress(fresh, thread_id, [])
    for n in range(1, 1201):
        fresh.append_to_message(RUNTIME, thread_id, message_id, [text_part(0, f"{n:05d};")]).result(timeout=30)
        if n % 37 == 0:
            fresh.history.ensure_up_to_date()

    def text_at(version: int) -> str:  # version 2 created it; version 2 + n holds n deltas
        return "".join(f"{i:05d};" for i in range(1, version - 1))

    def check(page: Any, versions: list[int]) -> None:
        assert [v["version"] for v in page.data] == versions
        values = [[b["text"]["value"] for b in v["message"]["content"]] for v in page.data]
        assert values == [[text_at(n)] if n > 2 else [] for n in versions]

    def page(**cursor: Any) -> Any:
        return fresh.history.versions("alpha", thread_id, message_id, **cursor)

    check(page(limit=100, order="asc", after=event_id(thread_id, 900)), list(range(901, 1001)))
    check(page(limit=100, order="desc", after=event_id(thread_id, 700)), list(range(699, 599, -1)))
    deep = page(limit=100, order="asc", before=event_id(thread_id, 1100))
    check(deep, list(range(1000, 1100)))
    assert deep.has_more
    check(page(limit=3, order="desc"), [1202, 1201, 1200])
    check(page(limit=3, order="asc"), [2, 3, 4])
    before = dump(fresh)
    rebuild(fresh.database, fresh.app, projection("history"))
    assert dump(fresh) == before
    assert verify(fresh.database, fresh.app, projection("history")) == []


def test_a_long_streamed_reply_costs_the_history_at_most_three_times_its_event_log(fresh: MessageStore) -> None:
    thread_id = fresh.create_thread(RUNTIME, metadata={}, tool_resources=None, messages=[]).result(30).body["id"]
    fresh.history.ensure_up_to_date()
    before = table_bytes(fresh)
    message_id = in_progress(fresh, thread_id, [])
    for n in range(2000):  # 40 KB in 2,000 deltas, the history applied as a worker keeping up would
        fresh.append_to_message(RUNTIME, thread_id, message_id, [text_part(0, f"token {n:06d}; more.")]).result(30)
        if n % 20 == 0:
            fresh.history.ensure_up_to_date()
    fresh.complete_message(RUNTIME, thread_id, message_id).result(timeout=30)
    fresh.history.ensure_up_to_date()
    after = table_bytes(fresh)
    grown = {name: after[name] - before.get(name, 0) for name in after}
    log = sum(grown.get(t, 0) for t in ("stored_events", "msgstore_events"))
    history = sum(grown.get(t, 0) for t in HistoryTables(fresh.database.dialect).names)
    assert log > 800_000
    assert history <= 3 * log, (history, log, grown)


@dataclass(frozen=True)
class MessageRedacted(LaterMessageEvent):
    """A change a later feature could bring: the content replaced, not extended."""

    content: list[dict[str, Any]]


def test_a_change_that_does_not_extend_the_content_gives_the_earlier_versions_their_text_back(
    fresh: MessageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(MESSAGE_CHANGES, MessageRedacted, lambda state, e: {**state, "content": e.content})
    thread_id = fresh.create_thread(RUNTIME, metadata={}, tool_resources=None, messages=[]).result(30).body["id"]
    message_id = in_progress(fresh, thread_id, [])
    for value in ("Hel", "lo", " world"):
        fresh.append_to_message(RUNTIME, thread_id, message_id, [text_part(0, value)]).result(timeout=30)
        fresh.history.ensure_up_to_date()
    before = fresh.history.versions("alpha", thread_id, message_id, limit=10, order="asc").data
    tables = HistoryTables(fresh.database.dialect)
    select = fresh.database.dialect.q(f"SELECT * FROM {tables.messages} WHERE message_id = %s ORDER BY valid_from")
    with fresh.database.read() as curs:
        curs.execute(select, (message_id,))
        read_earlier = curs.fetchall()
    head, now = before[-1]["version"], datetime.now(UTC)
    redacted = [{"type": "text", "text": {"value": "[redacted]", "annotations": []}}]
    grown = Thread.MessageDeltaAppended(  # type: ignore[call-arg]
        originator_id=thread_uuid(thread_id),
        originator_version=head + 2,
        timestamp=now,
        thread_id=thread_id,
        message_id=message_id,
        content=[text_part(0, " (policy)")],
        actor=RUNTIME,
    )
    projector = HistoryProjector(tables, name="scratch")
    with fresh.database.transaction() as curs:
        projector.apply(curs, [MessageRedacted(None, head + 1, now, thread_id, message_id, RUNTIME, redacted)], None, 0)
    with fresh.database.read() as curs:
        # Shapes read before the change stand against a content that is gone: a read of them starts again.
        assert LatestContents(tables).resolve(curs, read_earlier) is None
        curs.execute(select, (message_id,))
        rows = curs.fetchall()[1:-1]
        assert all(row["content"].startswith(("[{", COLUMN_MARK)) for row in rows)  # texts back in full (or sealed)
    with fresh.database.transaction() as curs:
        projector.apply(curs, [grown], None, 0)
    after = fresh.history.versions("alpha", thread_id, message_id, limit=10, order="asc").data
    assert after[: len(before)] == before
    texts = [[b["text"]["value"] for b in v["message"]["content"]] for v in after[len(before) :]]
    assert texts == [["[redacted]"], ["[redacted] (policy)"]]
    at = fresh.history.messages_at("alpha", thread_id, PointInTime(version=head), limit=5, order="asc").data
    assert at[0]["content"][0]["text"]["value"] == "Hello world"
