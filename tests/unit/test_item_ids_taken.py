"""An item id the conversation already holds is refused naming the request's field, whichever check sees it."""

from __future__ import annotations

import pytest

from api.errors import from_exception
from domain.errors import IdTaken
from domain.ids import key_identifier, new_thread_id
from domain.thread import Thread
from projections.write.conversations import create_items

ALICE = {"tenant": "alpha", "key_id": key_identifier("sk-alice")}
CALL = {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}


def test_a_taken_id_names_its_place_in_the_request_and_nothing_is_recorded() -> None:
    thread = Thread(thread_id=new_thread_id(), tenant="alpha", metadata={}, tool_resources=None, actor=ALICE)
    thread.create_item("fc_taken", CALL, ALICE)
    before = len(thread.pending_events)
    with pytest.raises(IdTaken) as refused:
        create_items(thread, [("fc_new", CALL), ("fc_taken", CALL)], ALICE)
    error = from_exception(refused.value)
    assert (error.status, error.param, error.code) == (400, "items[1].id", "invalid_value")
    assert error.message == (
        "Invalid 'items[1].id': 'fc_taken' is already the id of an item or message of this conversation."
    )
    assert len(thread.pending_events) == before + 1  # the writer drops the whole batch: one transaction or none


def test_a_taken_id_outside_a_request_keeps_the_domains_words() -> None:
    error = from_exception(IdTaken("Item 'x' already exists.", "x"))
    assert (error.status, error.param, error.message) == (400, None, "Item 'x' already exists.")
