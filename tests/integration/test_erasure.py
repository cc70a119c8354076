"""Erasure: the content goes from every copy the store keeps, the audit trail of who did what and when stays."""

from __future__ import annotations

import base64

import pytest

from domain.erasure import ERASED_MARK
from domain.errors import InvalidTransition, ThreadNotFound
from projections.crypto.keyring import DATA_KEYS_TABLE
from projections.registry import PROJECTIONS, async_projections
from projections.runners.rebuild import rebuild, verify
from projections.runners.up_to_date import UpToDate
from projections.storage.events import EventReader
from projections.store import MessageStore
from tests.integration.test_encryption import ACTOR, SECRETS, encrypted, text, write_secrets
from tests.support.raw_bytes import raw_bytes
from tests.support.waiting import seconds_until

__all__ = ["encrypted"]


def caught_up(store: MessageStore) -> None:
    """Every asynchronous projection applies the whole log (as the worker would)."""
    for target in async_projections():
        UpToDate(store.database, store.app, target).ensure()


def wrapped_keys(store: MessageStore, thread_id: str) -> dict[str, bytes]:
    """The wrapped data keys of a thread, as their stored text and raw bytes."""
    with store.database.read() as curs:
        sql = f"SELECT key_id, wrapped FROM {DATA_KEYS_TABLE} WHERE thread_id = %s"
        curs.execute(store.database.dialect.q(sql), (thread_id,))
        return {row["key_id"]: str(row["wrapped"]).encode() for row in curs.fetchall()}


def test_an_erased_message_answers_empty_and_its_key_is_gone(encrypted: MessageStore) -> None:
    thread, message = write_secrets(encrypted)
    caught_up(encrypted)  # the history and the analytics hold the content (sealed) and its sizes before the erasure
    wrapped = wrapped_keys(encrypted, thread)[message]
    encrypted.erase_message(ACTOR, thread, message, "customer request 42").result(30)
    encrypted.flush_erased()
    caught_up(encrypted)
    for target in PROJECTIONS:
        assert verify(encrypted.database, encrypted.app, target) == [], target.name
    answer = encrypted.message("alpha", thread, message)
    assert answer["content"] == [] and answer["attachments"] == [] and ERASED_MARK in answer["metadata"]
    assert encrypted.recall("alpha", "key-1") is None  # the answer kept for retries went with the key
    events = encrypted.history.events("alpha", thread, limit=50, order="asc").data
    erased = [e for e in events if e["type"] == "thread.message.erased"]
    assert erased and erased[0]["actor"] == ACTOR and erased[0]["data"]["reason"] == "customer request 42"
    versions = encrypted.history.versions("alpha", thread, message, limit=10, order="asc").data
    assert versions and all(v["message"]["content"] == [] for v in versions)
    for target in PROJECTIONS:
        rebuild(encrypted.database, encrypted.app, target)
        assert verify(encrypted.database, encrypted.app, target) == [], target.name
    assert encrypted.message("alpha", thread, message)["content"] == []
    raw = raw_bytes(encrypted.database.url)
    assert wrapped not in raw and [s for s in SECRETS if s in raw] == []
    assert base64.b64decode(wrapped)  # a real wrapped key was looked for


def test_an_erased_thread_is_gone_with_every_key(encrypted: MessageStore) -> None:
    thread, _ = write_secrets(encrypted)
    caught_up(encrypted)
    wrapped = wrapped_keys(encrypted, thread)
    assert len(wrapped) >= 4  # the thread's, two messages', an item's
    encrypted.erase_thread(ACTOR, thread, "retention").result(30)
    encrypted.flush_erased()
    with pytest.raises(ThreadNotFound):
        encrypted.thread("alpha", thread)
    assert wrapped_keys(encrypted, thread) == {}
    caught_up(encrypted)
    for target in PROJECTIONS:  # every projection holds what a rebuild would give it, byte for byte
        assert verify(encrypted.database, encrypted.app, target) == [], target.name
    for target in PROJECTIONS:
        rebuild(encrypted.database, encrypted.app, target)
        assert verify(encrypted.database, encrypted.app, target) == [], target.name
    raw = raw_bytes(encrypted.database.url)
    assert [k for k, w in wrapped.items() if w in raw] == []  # nothing left that could open the ciphertext
    assert [s for s in SECRETS if s in raw] == []
    events = encrypted.history.events(None, thread, limit=50, order="asc").data
    assert events[-1]["type"] == "thread.erased" and events[-1]["actor"] == ACTOR
    assert events[-1]["data"] == {"reason": "retention"}
    assert text("x")  # the helpers stay importable from one place


def test_an_erased_message_takes_no_new_content(encrypted: MessageStore) -> None:
    thread, message = write_secrets(encrypted)
    encrypted.erase_message(ACTOR, thread, message, "request").result(30)
    with pytest.raises(InvalidTransition, match="was erased"):
        encrypted.modify_message(ACTOR, thread, message, metadata={"again": "OKAPI-META"}).result(30)
    encrypted.modify_message(ACTOR, thread, message, metadata=None).result(30)  # nothing to seal: allowed
    assert ERASED_MARK in encrypted.message("alpha", thread, message)["metadata"]


def test_another_process_forgets_an_erased_key_as_soon_as_it_wakes(encrypted: MessageStore) -> None:
    thread, message = write_secrets(encrypted)
    assert encrypted.keyring is not None
    other = MessageStore.open(encrypted.database.url, master_key=encrypted.keyring.master)  # another process
    try:
        other.follow_other_processes()
        assert other.message("alpha", thread, message)["content"] == text("ZEBRA-PLAINTEXT")
        assert other.keyring is not None and other.keyring.find(message) is not None  # now in its memory
        encrypted.erase_message(ACTOR, thread, message, "request").result(30)
        seconds_until(lambda: other.keyring is not None and other.keyring.cached(message) is None, "the key forgotten")
        created = [e for e in EventReader(other.app).read(0, 1000).events if getattr(e, "message_id", "") == message]
        assert created and all(getattr(e, "content", []) == [] for e in created)
    finally:
        other.close()
