"""A runtime key streams deltas into an in-progress message and finishes it through the SDK: the transitions, their
bodies, their tenancy and their retries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI
from openai.types.beta.threads import Message

from tests.api.test_runtime import delta, start, text
from tests.support.sdk import text_of
from tests.support.servers import Server

RUNTIME_KEY = "sk-test-runtime"


@pytest.fixture
def runtime_http(server: Server) -> Iterator[httpx.Client]:
    """Raw HTTP with the runtime key."""
    with httpx.Client(base_url=server.root, headers={"Authorization": f"Bearer {RUNTIME_KEY}"}, timeout=30) as c:
        yield c


def finish(runtime: OpenAI, thread_id: str, message_id: str, how: str, body: dict[str, Any] | None = None) -> Message:
    message: Message = runtime.post(f"/threads/{thread_id}/messages/{message_id}/{how}", body=body, cast_to=Message)
    return message


def test_a_runtime_records_a_streamed_reply_from_in_progress_to_completed(client: OpenAI, runtime: OpenAI) -> None:
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Say hello"}])
    started = start(runtime, thread.id)
    assert (started.status, started.content, started.assistant_id, started.run_id) == (
        "in_progress",
        [],
        "asst_demo",
        "run_1",
    )
    assert started.completed_at is None and started.incomplete_at is None and started.incomplete_details is None
    assert client.beta.threads.messages.retrieve(started.id, thread_id=thread.id) == started

    assert text_of(delta(runtime, thread.id, started.id, text(0, "Hel"))) == "Hel"
    grown = delta(runtime, thread.id, started.id, text(0, "lo"), {"index": 1, "type": "refusal", "refusal": "n"})
    grown = delta(runtime, thread.id, started.id, {"index": 1, "type": "refusal", "refusal": "o"}, text(2, "!"))
    assert grown.model_dump()["content"] == [
        {"type": "text", "text": {"value": "Hello", "annotations": []}},
        {"type": "refusal", "refusal": "no"},
        {"type": "text", "text": {"value": "!", "annotations": []}},
    ]
    # Reads show the content so far, to every key of the tenant; metadata can change meanwhile.
    assert client.beta.threads.messages.retrieve(started.id, thread_id=thread.id) == grown
    tagged = client.beta.threads.messages.update(started.id, thread_id=thread.id, metadata={"k": "v"})
    assert tagged.status == "in_progress" and tagged.metadata == {"k": "v"}

    done = finish(runtime, thread.id, started.id, "complete")
    assert done.status == "completed" and isinstance(done.completed_at, int)
    assert done.completed_at >= done.created_at and done.incomplete_at is None and done.incomplete_details is None
    assert done.content == grown.content and done.metadata == {"k": "v"}
    assert client.beta.threads.messages.retrieve(started.id, thread_id=thread.id) == done
    listed = client.beta.threads.messages.list(thread.id, order="asc").data
    assert [m.role for m in listed] == ["user", "assistant"] and listed[1] == done


def test_a_runtime_marks_a_reply_incomplete_and_it_can_be_deleted(client: OpenAI, runtime: OpenAI) -> None:
    thread = client.beta.threads.create()
    started = start(runtime, thread.id, run_id="run_2")
    delta(runtime, thread.id, started.id, text(0, "Once upon a"))
    ended = finish(runtime, thread.id, started.id, "incomplete", {"reason": "max_tokens"})
    assert ended.status == "incomplete" and ended.incomplete_details is not None
    assert ended.incomplete_details.reason == "max_tokens" and isinstance(ended.incomplete_at, int)
    assert ended.completed_at is None and text_of(ended) == "Once upon a"
    assert client.beta.threads.messages.retrieve(started.id, thread_id=thread.id) == ended
    assert client.beta.threads.messages.delete(started.id, thread_id=thread.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.retrieve(started.id, thread_id=thread.id)


FINISHES: dict[str, tuple[str, dict[str, Any] | None]] = {
    "completed": ("complete", None),
    "incomplete": ("incomplete", {"reason": "run_cancelled"}),
}
MOVES: dict[str, tuple[dict[str, Any] | None, str]] = {
    "deltas": ({"content": [text(0, "more")]}, "receive deltas"),
    "complete": (None, "be completed"),
    "incomplete": ({"reason": "run_failed"}, "be marked incomplete"),
}


@pytest.mark.parametrize("state", ["completed", "incomplete", "deleted", "created completed"])
def test_every_illegal_transition_is_400_naming_the_state(
    runtime: OpenAI, runtime_http: httpx.Client, state: str
) -> None:
    thread = runtime.beta.threads.create()
    if state == "created completed":
        message_id = runtime.beta.threads.messages.create(thread.id, role="assistant", content="done").id
    else:
        message_id = start(runtime, thread.id).id
        if state == "deleted":
            runtime.beta.threads.messages.delete(message_id, thread_id=thread.id)
        else:
            how, body = FINISHES[state]
            finish(runtime, thread.id, message_id, how, body)
    said = "was deleted" if state == "deleted" else "is " + state.split()[-1]
    for move, (body, change) in MOVES.items():
        response = runtime_http.post(f"/v1/threads/{thread.id}/messages/{message_id}/{move}", json=body)
        assert response.status_code == 400, (move, response.text)
        assert response.json() == {
            "error": {
                "message": f"Message '{message_id}' {said}: only an in_progress message can {change}.",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        }


def test_deltas_must_fit_the_content_blocks(runtime: OpenAI, runtime_http: httpx.Client) -> None:
    thread = runtime.beta.threads.create()
    message_id = start(runtime, thread.id).id
    url = f"/v1/threads/{thread.id}/messages/{message_id}/deltas"
    skipped = runtime_http.post(url, json={"content": [text(1, "x")]})
    assert skipped.status_code == 400 and "has 0 content blocks" in skipped.json()["error"]["message"]
    image = {"index": 0, "type": "image_file", "image_file": {"file_id": "file-1"}}
    assert runtime_http.post(url, json={"content": [image]}).status_code == 200
    onto_image = runtime_http.post(url, json={"content": [text(0, "x")]})
    assert onto_image.status_code == 400 and "'image_file'" in onto_image.json()["error"]["message"]
    # A refused delta records nothing: the message is as it was.
    message = runtime_http.get(f"/v1/threads/{thread.id}/messages/{message_id}").json()
    assert message["content"] == [{"type": "image_file", "image_file": {"file_id": "file-1"}}]


@pytest.mark.parametrize(
    ("suffix", "body", "param", "code"),
    [
        ("deltas", {}, "content", "missing_required_parameter"),
        ("deltas", {"content": []}, "content", "empty_array"),
        ("deltas", {"content": [{"index": -1, "type": "text", "text": {"value": "x"}}]}, "content[0].index", None),
        ("deltas", {"content": [{"index": "0", "type": "text", "text": {"value": "x"}}]}, "content[0].index", None),
        ("deltas", {"content": [text(0, "x")], "extra": 1}, "extra", "unknown_parameter"),
        ("deltas", {"content": [{"index": 0, "type": "bogus"}]}, "content[0].type", "invalid_value"),
        ("deltas", {"content": [{"index": 0, "type": "text", "text": {}}]}, "content[0].text.value", None),
        ("incomplete", {}, "reason", "missing_required_parameter"),
        ("incomplete", {"reason": "bored"}, "reason", "invalid_value"),
        ("complete", {"status": "completed"}, "status", "unknown_parameter"),
    ],
)
def test_runtime_bodies_are_validated_like_openai_bodies(
    runtime: OpenAI, runtime_http: httpx.Client, suffix: str, body: Any, param: str, code: str | None
) -> None:
    thread = runtime.beta.threads.create()
    message_id = start(runtime, thread.id).id
    response = runtime_http.post(f"/v1/threads/{thread.id}/messages/{message_id}/{suffix}", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param
    if code is not None:
        assert error["code"] == code


def test_runtime_extensions_respect_tenants(other_client: OpenAI, runtime: OpenAI, runtime_http: httpx.Client) -> None:
    foreign = other_client.beta.threads.create()
    foreign_message = other_client.beta.threads.messages.create(foreign.id, role="user", content="mine")
    with pytest.raises(openai.NotFoundError):
        start(runtime, foreign.id)
    for move, body in (("deltas", {"content": [text(0, "x")]}), ("complete", None)):
        response = runtime_http.post(f"/v1/threads/{foreign.id}/messages/{foreign_message.id}/{move}", json=body)
        assert response.status_code == 404 and foreign.id in response.json()["error"]["message"]
    own = runtime.beta.threads.create()
    missing = runtime_http.post(f"/v1/threads/{own.id}/messages/msg_nope/complete")
    assert missing.status_code == 404 and "msg_nope" in missing.json()["error"]["message"]
    assert other_client.beta.threads.messages.retrieve(foreign_message.id, thread_id=foreign.id).status == "completed"


def test_a_retried_delta_with_its_idempotency_key_is_appended_once(runtime: OpenAI, runtime_http: httpx.Client) -> None:
    thread = runtime.beta.threads.create()
    message_id = start(runtime, thread.id).id
    url = f"/v1/threads/{thread.id}/messages/{message_id}/deltas"
    headers = {"Idempotency-Key": f"{message_id}-1"}
    first = runtime_http.post(url, json={"content": [text(0, "once")]}, headers=headers)
    again = runtime_http.post(url, json={"content": [text(0, "once")]}, headers=headers)
    assert first.status_code == again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and first.json()["content"][0]["text"]["value"] == "once"
    assert text_of(runtime.beta.threads.messages.retrieve(message_id, thread_id=thread.id)) == "once"
