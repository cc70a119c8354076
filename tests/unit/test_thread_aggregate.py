"""The thread aggregate's rules and the events it records (no I/O)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from domain.errors import InvalidTransition, MessageNotFound, ThreadNotFound
from domain.ids import key_identifier, new_message_id, new_thread_id, thread_uuid
from domain.states import DELETED
from domain.thread import Thread
from tests.support.events import collect, replay

ALICE = {"tenant": "alpha", "key_id": key_identifier("sk-alice")}
BOB = {"tenant": "beta", "key_id": key_identifier("sk-bob")}
TEXT = [{"type": "text", "text": {"value": "hi", "annotations": []}}]


def new_thread(**kwargs: Any) -> Thread:
    return Thread(
        thread_id=kwargs.get("thread_id", new_thread_id()),
        tenant="alpha",
        metadata=kwargs.get("metadata", {}),
        tool_resources=None,
        actor=ALICE,
    )


def add_message(thread: Thread, actor: dict[str, str] = ALICE, message_id: str | None = None) -> str:
    message_id = message_id or new_message_id()
    thread.create_message(message_id, role="user", content=TEXT, attachments=[], metadata={}, actor=actor)
    return message_id


def test_ids_have_their_prefix_and_at_least_24_url_safe_characters() -> None:
    threads = {new_thread_id() for _ in range(200)}
    messages = {new_message_id() for _ in range(200)}
    assert len(threads) == 200 and len(messages) == 200
    assert all(re.fullmatch(r"thread_[A-Za-z0-9_-]{24,}", t) for t in threads)
    assert all(re.fullmatch(r"msg_[A-Za-z0-9_-]{24,}", m) for m in messages)


def test_the_aggregate_id_is_derived_from_the_public_id() -> None:
    thread_id = new_thread_id()
    thread = new_thread(thread_id=thread_id)
    assert thread.id == thread_uuid(thread_id) == thread_uuid(thread_id)
    assert thread_uuid(thread_id) != thread_uuid(new_thread_id())


def test_key_identifier_is_stable_and_does_not_contain_the_key() -> None:
    key = "sk-a-secret-key-0123456789"
    assert key_identifier(key) == key_identifier(key) != key_identifier(key + "x")
    assert key not in key_identifier(key) and "secret" not in key_identifier(key)


def test_a_life_of_a_thread_is_a_sequence_of_past_tense_events() -> None:
    thread = new_thread(metadata={"a": "1"})
    first = add_message(thread)
    second = add_message(thread)
    thread.modify_message(first, {"k": "v"}, ALICE)
    thread.modify_message(first, {"k": "w"}, ALICE)  # metadata can be replaced again and again
    thread.delete_message(second, ALICE)
    thread.modify({"b": "2"}, None, ALICE)
    thread.delete(ALICE)
    events = collect(thread)
    assert [type(e) for e in events] == [
        Thread.Created,
        Thread.MessageCreated,
        Thread.MessageCreated,
        Thread.MessageModified,
        Thread.MessageModified,
        Thread.MessageDeleted,
        Thread.Modified,
        Thread.Deleted,
    ]
    assert [e.originator_version for e in events] == list(range(1, 9))
    assert {e.thread_id for e in events} == {thread.thread_id}
    assert [e.seq for e in events if isinstance(e, Thread.MessageCreated)] == [1, 2]
    assert [e.message_id for e in events if isinstance(e, Thread.MessageModified)] == [first, first]
    modified = events[4]
    assert isinstance(modified, Thread.MessageModified) and modified.metadata == {"k": "w"}


def test_every_event_records_the_actor_and_never_the_key() -> None:
    thread = new_thread()
    message = add_message(thread)
    thread.modify_message(message, None, ALICE)
    thread.delete_message(message, ALICE)
    thread.delete(ALICE)
    for event in collect(thread):
        assert event.actor == ALICE
        assert "sk-alice" not in repr(event.__dict__)


def test_sequence_numbers_keep_growing_after_deletes() -> None:
    thread = new_thread()
    first = add_message(thread)
    thread.delete_message(first, ALICE)
    add_message(thread)
    seqs = [e.seq for e in thread.collect_events() if isinstance(e, Thread.MessageCreated)]
    assert seqs == [1, 2]
    assert thread.next_seq == 3


def test_a_replayed_aggregate_has_the_same_state() -> None:
    thread = new_thread()
    kept = add_message(thread)
    gone = add_message(thread)
    thread.delete_message(gone, ALICE)
    copy = replay(collect(thread))
    assert copy.messages == {kept: "completed", gone: DELETED}
    assert (copy.next_seq, copy.version, copy.tenant, copy.is_deleted) == (3, 4, "alpha", False)


def test_a_message_is_not_deleted_twice_nor_modified_after_deletion() -> None:
    thread = new_thread()
    message = add_message(thread)
    thread.delete_message(message, ALICE)
    with pytest.raises(MessageNotFound):
        thread.delete_message(message, ALICE)
    with pytest.raises(MessageNotFound):
        thread.modify_message(message, {"k": "v"}, ALICE)
    assert [type(e) for e in thread.collect_events()][-1] is Thread.MessageDeleted


def test_unknown_messages_are_not_found() -> None:
    thread = new_thread()
    with pytest.raises(MessageNotFound, match="No message found with id 'msg_nope'"):
        thread.modify_message("msg_nope", None, ALICE)
    with pytest.raises(MessageNotFound):
        thread.delete_message("msg_nope", ALICE)


def test_a_message_id_is_used_once() -> None:
    thread = new_thread()
    message = add_message(thread)
    with pytest.raises(InvalidTransition):
        add_message(thread, message_id=message)


def test_nothing_happens_in_a_deleted_thread() -> None:
    thread = new_thread()
    message = add_message(thread)
    thread.delete(ALICE)
    before = thread.version
    for attempt in (
        lambda: thread.delete(ALICE),
        lambda: thread.modify({"a": "b"}, None, ALICE),
        lambda: add_message(thread),
        lambda: thread.modify_message(message, {"a": "b"}, ALICE),
        lambda: thread.delete_message(message, ALICE),
    ):
        with pytest.raises(ThreadNotFound, match=f"No thread found with id '{thread.thread_id}'"):
            attempt()
    assert thread.version == before


def test_another_tenant_is_told_the_thread_does_not_exist() -> None:
    thread = new_thread()
    message = add_message(thread)
    before = thread.version
    for attempt in (
        lambda: thread.delete(BOB),
        lambda: thread.modify({"a": "b"}, None, BOB),
        lambda: add_message(thread, actor=BOB),
        lambda: thread.modify_message(message, None, BOB),
        lambda: thread.delete_message(message, BOB),
    ):
        with pytest.raises(ThreadNotFound):
            attempt()
    assert thread.version == before
