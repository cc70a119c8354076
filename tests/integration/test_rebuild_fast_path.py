"""A rebuild through the fast path (stored rows decoded to fields, pages of many rows) equals the inline build."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from domain.ids import key_identifier
from projections.registry import projection
from projections.runners.rebuild import rebuild_messages_view, verify
from projections.storage.stored_events import StoredLog
from projections.store import MessageStore, NewMessage
from tests.support.keys import TEST_MASTER_KEY

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-alpha")}
WAVE = 70  # events per wave and per rebuild page: more rows than a page writes one by one
REPLY = NewMessage(role="assistant", content=[], assistant_id="asst_1", run_id="run_1", status="in_progress")


def text(value: str) -> NewMessage:
    return NewMessage(role="user", content=[{"type": "text", "text": {"value": value, "annotations": []}}])


def delta(value: str) -> list[dict[str, Any]]:
    return [{"index": 0, "type": "text", "text": {"value": value}}]


@pytest.fixture(scope="module")
def logged(new_database: Callable[[], str]) -> Iterator[MessageStore]:
    """Three waves of ``WAVE`` events (a page each when rebuilt), then one event of every other kind."""
    store = MessageStore.open(new_database(), master_key=TEST_MASTER_KEY)
    create = [store.create_thread(ALPHA, metadata={"n": str(i)}, tool_resources=None, messages=[]) for i in range(WAVE)]
    threads = [future.result(30).body["id"] for future in create]
    first = [store.create_message(ALPHA, t, REPLY if i == 0 else text(f"é {i}")) for i, t in enumerate(threads)]
    messages = [future.result(30).body["id"] for future in first]
    mixed = [  # columns NULL in part of the rows only
        NewMessage(role="assistant", content=[], assistant_id="asst_1", run_id=None if i % 3 else "run_2")
        if i % 2
        else text(str(i))
        for i in range(WAVE)
    ]
    for future in [store.create_message(ALPHA, t, m) for t, m in zip(threads, mixed, strict=True)]:
        future.result(30)
    # The first reply grows across a page boundary, the second within a page.
    for part in ("Hel", "lo ✓"):
        store.append_to_message(ALPHA, threads[0], messages[0], delta(part)).result(30)
    store.complete_message(ALPHA, threads[0], messages[0]).result(30)
    second = store.create_message(ALPHA, threads[1], REPLY).result(30).body["id"]
    store.append_to_message(ALPHA, threads[1], second, delta("cut")).result(30)
    store.mark_message_incomplete(ALPHA, threads[1], second, "max_tokens").result(30)
    store.modify_message(ALPHA, threads[2], messages[2], metadata={"edited": "yes"}).result(30)
    store.delete_message(ALPHA, threads[3], messages[3]).result(30)
    store.modify_thread(ALPHA, threads[4], metadata={"t": "new"}, tool_resources={"code_interpreter": {}}).result(30)
    # Decoded by the mapper: a second "_type_" (the metadata's is sealed when encrypting, the run id's never is).
    odd = NewMessage(role="user", content=[], metadata={"_type_": "not a custom type"}, run_id="_type_")
    store.create_message(ALPHA, threads[6], odd).result(30)
    item = {"type": "message", "role": "user", "status": "completed", "content": [{"type": "input_text", "text": "i"}]}
    store.add_items(ALPHA, threads[6], [("msg_" + "i" * 24, item)]).result(30)
    store.delete_thread(ALPHA, threads[5]).result(30)
    store.erase_message(ALPHA, threads[7], messages[7], "a request").result(30)
    store.erase_thread(ALPHA, threads[8], "retention").result(30)
    yield store
    store.close()


def snapshot(store: MessageStore) -> dict[str, list[dict[str, Any]]]:
    tables = store.tables
    with store.database.read() as curs:
        result = {}
        for table, key in ((tables.threads, "thread_id"), (tables.messages, "message_id")):
            curs.execute(f"SELECT * FROM {table} ORDER BY {key}")
            result[table] = [dict(row) for row in curs.fetchall()]
    return result


def test_decoded_fields_are_what_the_mapper_decodes(logged: MessageStore) -> None:
    app = logged.app
    recorded = {n.id: app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=1000)}
    seen: set[type[Any]] = set()
    by_mapper = 0
    for page in StoredLog(app).pages(0, 100):
        for row, (cls, fields, at) in zip(page.rows, page.fields(), strict=True):
            event: Any = recorded.pop(row[0])
            expected = {k: v for k, v in vars(event).items() if k not in ("originator_id", "timestamp")}
            assert cls is type(event)
            assert {k: v for k, v in fields.items() if k not in ("originator_id", "timestamp")} == expected
            assert at == int(event.timestamp.timestamp())
            seen.add(cls)
            by_mapper += "originator_id" in fields
    assert not recorded  # every event read
    handled = projection("messages").handles(logged.database.dialect)
    assert handled is not None and seen == set(handled)  # every kind of event
    assert by_mapper == 1  # the state with a second "_type_" went through the mapper


def test_a_rebuild_in_pages_of_many_rows_equals_the_inline_build(logged: MessageStore) -> None:
    live = snapshot(logged)
    rebuild_messages_view(logged.database, logged.app, page=WAVE)
    assert snapshot(logged) == live
    assert verify(logged.database, logged.app, projection("messages"), page=WAVE) == []


def test_a_rebuild_through_the_librarys_reader_equals_it_too(
    logged: MessageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events stored enciphered or compressed are read and decoded by the library (as if this store's were)."""
    monkeypatch.setattr(StoredLog, "supports", staticmethod(lambda app: False))
    live = snapshot(logged)
    rebuild_messages_view(logged.database, logged.app, page=WAVE)
    assert snapshot(logged) == live
