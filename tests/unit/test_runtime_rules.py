"""In-progress messages on the thread aggregate: deltas, completion, incompletion, and the illegal moves (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.content import apply_delta, check_delta
from domain.errors import InvalidTransition, MessageNotFound
from domain.ids import key_identifier, new_message_id, new_thread_id
from domain.states import COMPLETED, IN_PROGRESS, INCOMPLETE
from domain.thread import Thread
from tests.support.events import collect, replay

RUNTIME = {"tenant": "alpha", "key_id": key_identifier("sk-runtime")}


def text(index: int, value: str) -> dict[str, Any]:
    return {"index": index, "type": "text", "text": {"value": value}}


def thread_with(status: str = IN_PROGRESS, content: list[dict[str, Any]] | None = None) -> tuple[Thread, str]:
    thread = Thread(thread_id=new_thread_id(), tenant="alpha", metadata={}, tool_resources=None, actor=RUNTIME)
    message_id = new_message_id()
    thread.create_message(
        message_id,
        role="assistant",
        content=content or [],
        attachments=[],
        metadata={},
        actor=RUNTIME,
        assistant_id="asst_1",
        run_id="run_1",
        status=status,
    )
    return thread, message_id


def test_a_streamed_message_records_one_event_per_delta_and_one_to_finish() -> None:
    thread, message_id = thread_with()
    thread.append_to_message(message_id, [text(0, "Hel")], RUNTIME)
    thread.append_to_message(message_id, [text(0, "lo"), {"index": 1, "type": "refusal", "refusal": "no"}], RUNTIME)
    thread.complete_message(message_id, RUNTIME)
    events = collect(thread)
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["Created", "MessageCreated", "MessageDeltaAppended", "MessageDeltaAppended", "MessageCompleted"]
    assert all(e.actor == RUNTIME and e.thread_id == thread.thread_id for e in events[1:])
    replayed = replay(events)
    assert replayed.messages == {message_id: COMPLETED} and replayed.open_blocks == {}


def test_marking_incomplete_records_the_reason() -> None:
    thread, message_id = thread_with()
    thread.mark_message_incomplete(message_id, "max_tokens", RUNTIME)
    events = collect(thread)
    assert isinstance(events[-1], Thread.MessageMarkedIncomplete) and events[-1].reason == "max_tokens"
    assert replay(events[:-1]).open_blocks == {message_id: []}  # while open, the aggregate knows its blocks
    assert replay(events).messages == {message_id: INCOMPLETE} and replay(events).open_blocks == {}


@pytest.mark.parametrize(
    ("finish", "state"),
    [
        (lambda t, m: t.complete_message(m, RUNTIME), "is completed"),
        (lambda t, m: t.mark_message_incomplete(m, "run_failed", RUNTIME), "is incomplete"),
        (lambda t, m: t.delete_message(m, RUNTIME), "was deleted"),
    ],
)
@pytest.mark.parametrize(
    ("move", "change"),
    [
        (lambda t, m: t.append_to_message(m, [text(0, "x")], RUNTIME), "receive deltas"),
        (lambda t, m: t.complete_message(m, RUNTIME), "be completed"),
        (lambda t, m: t.mark_message_incomplete(m, "run_cancelled", RUNTIME), "be marked incomplete"),
    ],
)
def test_a_finished_or_deleted_message_refuses_every_runtime_change(
    finish: Any, state: str, move: Any, change: str
) -> None:
    thread, message_id = thread_with()
    finish(thread, message_id)
    with pytest.raises(InvalidTransition) as refused:
        move(thread, message_id)
    assert str(refused.value) == f"Message '{message_id}' {state}: only an in_progress message can {change}."


def test_a_message_created_completed_takes_no_deltas_and_an_unknown_one_is_not_found() -> None:
    thread, message_id = thread_with(status=COMPLETED, content=[{"type": "text", "text": {"value": "hi"}}])
    with pytest.raises(InvalidTransition, match="is completed"):
        thread.append_to_message(message_id, [text(0, "x")], RUNTIME)
    with pytest.raises(MessageNotFound):
        thread.complete_message(new_message_id(), RUNTIME)


def test_deltas_must_fit_the_blocks() -> None:
    image = {"type": "image_file", "image_file": {"file_id": "file_1"}}
    assert check_delta("m", [], [text(0, "a"), text(0, "b"), {"index": 1, **image}]) == ["text", "image_file"]
    with pytest.raises(InvalidTransition, match=r"'content\[0\]\.index'.*has 0 content blocks.*not 1"):
        check_delta("m", [], [text(1, "a")])
    with pytest.raises(InvalidTransition, match=r"'content\[1\]'.*index 0.*'image_file'"):
        check_delta("m", [], [{"index": 0, **image}, text(0, "a")])
    with pytest.raises(InvalidTransition, match="is 'text'"):
        check_delta("m", ["text"], [{"index": 0, "type": "refusal", "refusal": "x"}])


def test_apply_delta_grows_blocks_without_touching_the_original() -> None:
    before = [{"type": "text", "text": {"value": "Hel", "annotations": []}}]
    after = apply_delta(before, [text(0, "lo"), text(1, "!"), {"index": 2, "type": "refusal", "refusal": "n"}])
    assert before == [{"type": "text", "text": {"value": "Hel", "annotations": []}}]
    assert after == [
        {"type": "text", "text": {"value": "Hello", "annotations": []}},
        {"type": "text", "text": {"value": "!", "annotations": []}},
        {"type": "refusal", "refusal": "n"},
    ]
    refusal = apply_delta(after, [{"index": 2, "type": "refusal", "refusal": "o"}])[2]
    assert refusal == {"type": "refusal", "refusal": "no"}
