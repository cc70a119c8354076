"""Encryption at rest: content written, streamed, itemised, answered and rebuilt never reaches disk in clear."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from domain.ids import key_identifier, new_item_id
from projections.crypto.master import BadMasterKey, MasterKey, new_master_key
from projections.registry import PROJECTIONS
from projections.runners.rebuild import rebuild, verify
from projections.store import MessageStore, NewMessage
from projections.write.command import Idempotency
from tests.support.raw_bytes import raw_bytes

ACTOR = {"tenant": "alpha", "key_id": key_identifier("sk-alpha")}
SECRETS = (
    b"ZEBRA-PLAINTEXT",
    b"OKAPI-META",
    b"NARWHAL-DELTA",
    b"WOMBAT-PIECE",  # one delta: the history keeps each delta's own text
    b"TAPIR-ARGS",
    b"QUOKKA-TOOL",
    b"IBEX-ATTACH",
)


def text(value: str) -> list[dict[str, object]]:
    """A text content block."""
    return [{"type": "text", "text": {"value": value, "annotations": []}}]


@pytest.fixture
def encrypted(new_database: Callable[[], str]) -> Iterator[MessageStore]:
    """A store of its own that encrypts content."""
    opened = MessageStore.open(new_database(), master_key=MasterKey.parse(new_master_key()))
    yield opened
    opened.close()


def write_secrets(store: MessageStore) -> tuple[str, str]:
    """A thread holding every kind of content, in every form the store keeps; returns (thread, message) ids."""
    resources = {"code_interpreter": {"file_ids": ["QUOKKA-TOOL"]}}
    thread_id = store.create_thread(ACTOR, metadata={"who": "OKAPI-META"}, tool_resources=resources, messages=[])
    thread = thread_id.result(30).body["id"]
    attach = [{"file_id": "IBEX-ATTACH", "tools": [{"type": "file_search"}]}]
    once = Idempotency("alpha", "key-1", "fingerprint")
    meta = {"m": "OKAPI-META"}
    created = NewMessage(role="user", content=text("ZEBRA-PLAINTEXT"), attachments=attach, metadata=meta)
    message = store.create_message(ACTOR, thread, created, idempotency=once).result(30).body["id"]
    reply = NewMessage(role="assistant", content=[], status="in_progress")
    streamed = store.create_message(ACTOR, thread, reply).result(30).body["id"]
    for piece in ("NARWHAL", "-", "DELTA", " WOMBAT-PIECE"):
        delta = [{"index": 0, "type": "text", "text": {"value": piece, "annotations": []}}]
        store.append_to_message(ACTOR, thread, streamed, delta).result(30)
    store.complete_message(ACTOR, thread, streamed).result(30)
    args = '{"x": "TAPIR-ARGS"}'
    call = {"type": "function_call", "call_id": "c1", "name": "f", "arguments": args, "status": "completed"}
    store.add_items(ACTOR, thread, [(new_item_id("function_call"), call)]).result(30)
    return thread, message


def test_content_is_served_in_clear_and_stored_sealed(encrypted: MessageStore) -> None:
    thread, message = write_secrets(encrypted)
    assert encrypted.message("alpha", thread, message)["content"] == text("ZEBRA-PLAINTEXT")
    assert encrypted.thread("alpha", thread)["metadata"] == {"who": "OKAPI-META"}
    assert encrypted.recall("alpha", "key-1") is not None
    events = encrypted.history.events("alpha", thread, limit=50, order="asc").data  # the history catches up
    assert any("NARWHAL" in str(e["data"]) for e in events)
    versions = encrypted.history.versions("alpha", thread, message, limit=10, order="asc").data
    assert versions[0]["message"]["content"] == text("ZEBRA-PLAINTEXT")
    raw = raw_bytes(encrypted.database.url)
    assert [s for s in SECRETS if s in raw] == []


def test_rebuilt_projections_equal_the_live_ones(encrypted: MessageStore) -> None:
    thread, message = write_secrets(encrypted)
    encrypted.history.events("alpha", thread, limit=1, order="asc")
    for target in PROJECTIONS:
        rebuild(encrypted.database, encrypted.app, target)
        assert verify(encrypted.database, encrypted.app, target) == [], target.name
    assert encrypted.message("alpha", thread, message)["content"] == text("ZEBRA-PLAINTEXT")
    assert [s for s in SECRETS if s in raw_bytes(encrypted.database.url)] == []


def test_without_the_master_key_content_stays_unreadable(encrypted: MessageStore) -> None:
    write_secrets(encrypted)
    url = encrypted.database.url
    encrypted.close()
    with pytest.raises(BadMasterKey, match="give every process the same MSGSTORE_MASTER_KEY"):
        MessageStore.open(url, master_key=MasterKey.parse(new_master_key()))


def test_with_encryption_turned_off_old_content_reads_and_new_is_plain(encrypted: MessageStore) -> None:
    thread, message = write_secrets(encrypted)
    url, key = encrypted.database.url, encrypted.keyring.master if encrypted.keyring else None
    encrypted.close()
    plain = MessageStore.open(url, master_key=key, encrypt=False)
    try:
        assert plain.message("alpha", thread, message)["content"] == text("ZEBRA-PLAINTEXT")
        created = NewMessage(role="user", content=text("CLEAR-AS-DAY"))
        later = plain.create_message(ACTOR, thread, created).result(30).body["id"]
        assert plain.message("alpha", thread, later)["content"] == text("CLEAR-AS-DAY")
        plain.erase_message(ACTOR, thread, message, "still erasable").result(30)
        assert plain.message("alpha", thread, message)["content"] == []
        raw = raw_bytes(url)
        assert b"CLEAR-AS-DAY" in raw and b"ZEBRA-PLAINTEXT" not in raw
    finally:
        plain.close()
