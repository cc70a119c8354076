"""Lines of an import file: checked as requests are, the two forms of a message paired, SDK dumps read as saved."""

from __future__ import annotations

from typing import Any

import pytest

from api.cli.import_lines import entry_ids, parse_line
from api.errors import APIError
from projections.write.imports import Ending, ImportedItem, ImportedMessage
from tests.support.transfer import saved_message

THREAD = "thread_abc"
LINE: dict[str, Any] = {"object": "thread", "id": THREAD, "created_at": 100, "metadata": {}}


def message(message_id: str = "msg_1", created_at: int = 101, **fields: Any) -> dict[str, Any]:
    hi = [{"type": "text", "text": {"value": "hi", "annotations": []}}]
    return saved_message(message_id, THREAD, created_at, "user", hi) | fields


def item(item_id: str = "msg_1", **fields: Any) -> dict[str, Any]:
    content = [{"type": "input_text", "text": "hi"}]
    return {"id": item_id, "type": "message", "status": "completed", "role": "user", "content": content} | fields


@pytest.mark.parametrize(
    ("line", "param", "says"),
    [
        ({**LINE, "id": "chat_1"}, "id", "Expected 'thread_' or 'conv_'"),
        ({**LINE, "id": "thread_" + "a" * 60}, "id", "at most 64 characters"),
        ({**LINE, "extra": 1}, "extra", "Unrecognized request argument supplied: extra"),
        ({**LINE, "created_at": -1}, "created_at", "non-negative integer"),
        ({**LINE, "metadata": {"k": 1}}, "metadata.k", "expected a string"),
        (
            {**LINE, "tool_resources": {"file_search": {"vector_store_ids": "v"}}},
            "tool_resources.file_search.vector_store_ids",
            "expected an array",
        ),
        (
            {**LINE, "messages": [message(role="system")]},
            "messages[0].role",
            "Supported values are: 'user' or 'assistant'",
        ),
        ({**LINE, "messages": [message(content="hi")]}, "messages[0].content", "expected an array"),
        ({**LINE, "messages": [message(id="msg 1")]}, "messages[0].id", "letters, numbers, underscores"),
        ({**LINE, "messages": [message(thread_id="thread_other")]}, "messages[0].thread_id", "this line's thread"),
        (
            {**LINE, "messages": [message("msg_1", 105), message("msg_2", 101)]},
            "messages[1].created_at",
            "oldest first",
        ),
        ({**LINE, "messages": [message(), message()]}, "messages[1].id", "already the id of 'messages[0]'"),
        (
            {**LINE, "messages": [message(status="in_progress", completed_at=102)]},
            "messages[0].completed_at",
            "status 'in_progress' has none",
        ),
        (
            {**LINE, "messages": [message(status="incomplete", incomplete_at=102)]},
            "messages[0].incomplete_details",
            "or neither",
        ),
        (
            {**LINE, "messages": [message(incomplete_details={"reason": "bored"})]},
            "messages[0].incomplete_details.reason",
            "Supported values",
        ),
        (
            {**LINE, "items": [{"type": "message", "role": "user", "content": "hi"}]},
            "items[0].id",
            "Missing required parameter",
        ),
        ({**LINE, "items": [{"type": "item_reference", "id": "msg_1"}]}, "items[0].type", "save the item it names"),
        (
            {**LINE, "items": [item(content=[{"type": "input_text", "text": 5}])]},
            "items[0].content[0].text",
            "expected a string",
        ),
        ({**LINE, "items": [item()], "messages": []}, "items[0]", "'messages' must hold it too"),
        ({**LINE, "items": [], "messages": [message()]}, "messages[0]", "is not among 'items'"),
        (
            {**LINE, "items": [item("msg_1"), item("msg_2")], "messages": [message("msg_2"), message("msg_1")]},
            "messages[1]",
            "in the order of 'items'",
        ),
        (
            {**LINE, "items": [item(role="system")], "messages": [message()]},
            "messages[0]",
            "the Threads API shows no such item",
        ),
        (
            {**LINE, "items": [item(status="incomplete")], "messages": [message()]},
            "messages[0]",
            "neither form is the other's",
        ),
    ],
)
def test_a_line_at_fault_is_refused_naming_the_field(line: dict[str, Any], param: str, says: str) -> None:
    with pytest.raises(APIError) as refused:
        parse_line(line, None, "default")
    assert refused.value.param == param and says in refused.value.message, refused.value.message


def test_a_conversation_id_names_its_thread_and_the_tenant_comes_from_the_option_the_line_or_the_default() -> None:
    line = {"object": "conversation", "id": "conv_abc", "created_at": 100, "metadata": None, "tenant": "t"}
    assert parse_line(line, None, "default").thread_id == THREAD
    assert [parse_line(line, given, "default").tenant for given in (None, "over")] == ["t", "over"]
    assert parse_line({**line, "tenant": None}, None, "default").tenant == "default"


def test_a_message_ended_later_is_recorded_in_progress_then_ended_at_its_time() -> None:
    line = {
        **LINE,
        "messages": [
            message("msg_1", role="assistant", completed_at=103),
            message("msg_2", status="incomplete", incomplete_at=104, incomplete_details={"reason": "max_tokens"}),
        ],
    }
    done, cut = parse_line(line, None, "default").entries
    assert isinstance(done, ImportedMessage) and isinstance(cut, ImportedMessage)
    assert (done.message.status, done.ending) == ("in_progress", Ending(103))
    assert (cut.message.status, cut.ending) == ("in_progress", Ending(104, "max_tokens"))


def test_both_forms_of_a_message_are_recorded_the_way_that_reproduces_both() -> None:
    said = message("msg_1", metadata={"k": "v"})
    typed = message("msg_2", role="assistant", completed_at=102)
    typed["content"] = [{"type": "text", "text": {"value": "yes", "annotations": []}}]
    reply = item(
        "msg_2",
        role="assistant",
        content=[{"type": "output_text", "text": "yes", "annotations": []}],
        phase="final_answer",
    )
    call = {"id": "fc_1", "type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}
    thread = parse_line({**LINE, "items": [item("msg_1"), call, reply], "messages": [said, typed]}, None, "d")
    first, second, third = thread.entries
    assert isinstance(first, ImportedMessage) and first.message.metadata == {"k": "v"}  # its item follows from it
    assert isinstance(second, ImportedItem) and second.created_at == 101 and second.item["status"] == "completed"
    assert isinstance(third, ImportedItem) and third.item["phase"] == "final_answer"  # no thread form has a phase
    assert third.item["status"] == "in_progress" and third.ending == Ending(102) and third.created_at == 101
    assert entry_ids(thread) == ["msg_1", "fc_1", "msg_2"] and thread.events == 1 + 3 + 1


def test_an_sdk_dump_s_nulls_for_absent_fields_are_left_out() -> None:
    reasoning: dict[str, Any] = {
        "id": "rs_1",
        "type": "reasoning",
        "summary": [],
        "content": None,
        "encrypted_content": None,
        "status": None,
    }
    call = {
        "id": "fc_1",
        "type": "function_call",
        "call_id": "c",
        "name": "f",
        "arguments": "{}",
        "async_": None,
        "namespace": None,
        "caller": None,
    }
    first, second = parse_line({**LINE, "items": [reasoning, call]}, None, "d").entries
    assert isinstance(first, ImportedItem) and first.item == {
        "type": "reasoning",
        "summary": [],
        "encrypted_content": None,
    }
    assert isinstance(second, ImportedItem) and "async_" not in second.item and "namespace" not in second.item
    assert second.item["caller"] is None and second.item["status"] == "completed"
