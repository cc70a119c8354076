"""Runtime fields on assistant-authored messages through the SDK: plain and in-progress creates, which keys may use
the extensions, and lists by run."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI
from openai.types.beta.threads import Message

from tests.support.sdk import error_body, text_of, undeclared

RUN = {"assistant_id": "asst_demo", "run_id": "run_1", "status": "in_progress"}


def text(index: int, value: str) -> dict[str, Any]:
    return {"index": index, "type": "text", "text": {"value": value}}


def start(runtime: OpenAI, thread_id: str, **fields: Any) -> Message:
    """Create an in-progress assistant message, as a runtime does when a run starts writing."""
    message: Message = runtime.beta.threads.messages.create(
        thread_id, role="assistant", content=[], extra_body={**RUN, **fields}
    )
    return message


def delta(runtime: OpenAI, thread_id: str, message_id: str, *parts: dict[str, Any]) -> Message:
    path = f"/threads/{thread_id}/messages/{message_id}/deltas"
    message: Message = runtime.post(path, body={"content": list(parts)}, cast_to=Message)
    return message


def test_runtime_fields_without_in_progress_and_plain_creates_by_a_runtime(runtime: OpenAI) -> None:
    thread = runtime.beta.threads.create()
    whole = runtime.beta.threads.messages.create(
        thread.id, role="assistant", content="All at once", extra_body={"assistant_id": "asst_demo", "run_id": "run_9"}
    )
    assert (whole.status, whole.assistant_id, whole.run_id) == ("completed", "asst_demo", "run_9")
    plain = runtime.beta.threads.messages.create(thread.id, role="user", content="hi")
    assert (plain.status, plain.assistant_id, plain.run_id) == ("completed", None, None)
    seeded = start(runtime, thread.id, run_id="run_10")
    seeded_with_text = runtime.beta.threads.messages.create(thread.id, role="assistant", content="Hi", extra_body=RUN)
    assert seeded.content == [] and text_of(seeded_with_text) == "Hi"
    assert text_of(delta(runtime, thread.id, seeded_with_text.id, text(0, " there"))) == "Hi there"
    with pytest.raises(openai.BadRequestError) as empty:
        runtime.beta.threads.messages.create(thread.id, role="assistant", content=[], extra_body={"run_id": "r"})
    assert error_body(empty.value)["param"] == "content" and error_body(empty.value)["code"] == "empty_array"


def test_only_runtime_keys_use_the_extensions(client: OpenAI, runtime: OpenAI, http: httpx.Client) -> None:
    thread = client.beta.threads.create()
    message_id = start(runtime, thread.id).id
    for move, body in (("deltas", {"content": [text(0, "x")]}), ("complete", None), ("incomplete", {"reason": "x"})):
        refused = http.post(f"/v1/threads/{thread.id}/messages/{message_id}/{move}", json=body)
        assert refused.status_code == 403, (move, refused.text)
        error = refused.json()["error"]
        assert error["type"] == "invalid_request_error" and error["code"] == "insufficient_permissions"
        assert "Missing scope: runtime" in error["message"]
    for field, value in (("status", "in_progress"), ("run_id", "run_1"), ("assistant_id", "asst_1")):
        with pytest.raises(openai.PermissionDeniedError) as denied:
            client.beta.threads.messages.create(thread.id, role="assistant", content="x", extra_body={field: value})
        assert error_body(denied.value)["param"] == field
    # Standard calls are unchanged for an ordinary key (an explicit null is no runtime field).
    plain = client.beta.threads.messages.create(thread.id, role="user", content="hi", extra_body={"run_id": None})
    assert plain.status == "completed" and plain.run_id is None
    assert client.beta.threads.messages.retrieve(message_id, thread_id=thread.id).status == "in_progress"


def test_list_by_run_returns_exactly_that_runs_messages_with_cursors(runtime: OpenAI) -> None:
    thread = runtime.beta.threads.create()
    runs: dict[str | None, list[str]] = {"run_a": [], "run_b": [], None: []}
    for i in range(12):
        run = ("run_a", "run_b", "run_a", None)[i % 4]
        extra = {"run_id": run} if run else {}
        runs[run].append(
            runtime.beta.threads.messages.create(thread.id, role="assistant", content=f"m{i}", extra_body=extra).id
        )
    messages = runtime.beta.threads.messages
    assert [m.id for m in messages.list(thread.id, run_id="run_a", limit=2, order="asc")] == runs["run_a"]
    assert [m.id for m in messages.list(thread.id, run_id="run_a", limit=4)] == runs["run_a"][::-1]
    exact = messages.list(thread.id, run_id="run_b", limit=3, order="asc")
    assert [m.id for m in exact.data] == runs["run_b"] and exact.has_more is False
    short = messages.list(thread.id, run_id="run_a", limit=5, order="asc")
    assert short.has_more is True and undeclared(short, "last_id") == runs["run_a"][4]
    before = messages.list(thread.id, run_id="run_a", limit=2, order="asc", before=runs["run_a"][4])
    assert [m.id for m in before.data] == runs["run_a"][2:4]
    # A cursor from outside the run still positions the page.
    after_other = messages.list(thread.id, run_id="run_a", order="asc", after=runs["run_b"][1])
    assert [m.id for m in after_other.data] == runs["run_a"][3:]  # m6, m8, m10 come after m5
    nothing = messages.list(thread.id, run_id="run_zzz")
    assert nothing.data == [] and nothing.has_more is False and undeclared(nothing, "first_id") is None


def test_new_threads_take_no_runtime_fields_in_their_messages(runtime: OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        # run_id is no field of the SDK's message parameters: sent on purpose, against its types
        runtime.beta.threads.create(messages=[{"role": "assistant", "content": "x", "run_id": "run_1"}])  # type: ignore[typeddict-unknown-key]
    assert error_body(refused.value)["param"] == "messages[0].run_id"
    assert error_body(refused.value)["code"] == "unknown_parameter"
