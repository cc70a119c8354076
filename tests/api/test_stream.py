"""The live stream of a thread: event names and payloads, order, resume with Last-Event-ID, across processes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openai import OpenAI
from openai.types.beta.threads import Message

from tests.support.sdk import text_of
from tests.support.servers import Server, StartServer
from tests.support.sse import Event, Stream

RUN = {"assistant_id": "asst_demo", "run_id": "run_1", "status": "in_progress"}


@pytest.fixture(scope="module")
def reader_server(start_server: StartServer, server: Server) -> Iterator[Server]:
    """A second server process on the same database (or shards): streams are read there, writes go to the first."""
    reader = start_server(server.database_url, env=server.env)
    yield reader
    reader.stop()  # its connections are not needed by the rest of the session


@pytest.fixture
def reader(reader_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=reader_server.root, timeout=30) as c:
        yield c


def text(index: int, value: str) -> dict[str, Any]:
    return {"index": index, "type": "text", "text": {"value": value}}


def post(runtime: OpenAI, thread_id: str, message_id: str, what: str, body: dict[str, Any] | None = None) -> Message:
    message: Message = runtime.post(f"/threads/{thread_id}/messages/{message_id}/{what}", body=body, cast_to=Message)
    return message


def record_a_reply(client: OpenAI, runtime: OpenAI) -> tuple[str, dict[str, Message]]:
    """A thread with a question, a streamed reply that completes, an edit, and a reply cut short and deleted."""
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hi?"}], metadata={"a": "1"})
    reply = runtime.beta.threads.messages.create(thread.id, role="assistant", content=[], extra_body=RUN)
    post(runtime, thread.id, reply.id, "deltas", {"content": [text(0, "Hel")]})
    post(runtime, thread.id, reply.id, "deltas", {"content": [text(0, "lo")]})
    done = post(runtime, thread.id, reply.id, "complete")
    edited = client.beta.threads.messages.update(reply.id, thread_id=thread.id, metadata={"rated": "good"})
    cut = runtime.beta.threads.messages.create(thread.id, role="assistant", content=[], extra_body=RUN)
    post(runtime, thread.id, cut.id, "deltas", {"content": [text(0, "Once")]})
    ended = post(runtime, thread.id, cut.id, "incomplete", {"reason": "run_cancelled"})
    client.beta.threads.messages.delete(cut.id, thread_id=thread.id)
    return thread.id, {"reply": reply, "done": done, "edited": edited, "cut": cut, "ended": ended}


EXPECTED = [
    ("1", "thread.created"),
    ("2", "thread.message.created"),
    ("2", "thread.message.created"),  # the runtime's reply: created, then in_progress, one change
    ("3", "thread.message.in_progress"),
    ("4", "thread.message.delta"),
    ("5", "thread.message.delta"),
    ("6", "thread.message.completed"),
    ("7", "thread.message.modified"),
    ("7", "thread.message.created"),
    ("8", "thread.message.in_progress"),
    ("9", "thread.message.delta"),
    ("10", "thread.message.incomplete"),
    ("11", "thread.message.deleted"),
]


def test_the_stream_replays_a_recorded_reply_in_order_with_openai_event_shapes(
    client: OpenAI, runtime: OpenAI, http: httpx.Client
) -> None:
    thread_id, m = record_a_reply(client, runtime)
    with Stream(http, thread_id, "sk-test-alpha") as stream:
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        events = stream.take(len(EXPECTED))
    assert [(e.id, e.event) for e in events] == EXPECTED
    assert events[0].data["id"] == thread_id and events[0].data["metadata"] == {"a": "1"}
    assert events[1].data["role"] == "user" and events[1].data["content"][0]["text"]["value"] == "Hi?"
    assert events[2].data == events[3].data == m["reply"].model_dump()
    assert events[4].data == {
        "id": m["reply"].id,
        "object": "thread.message.delta",
        "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "Hel"}}]},
    }
    assert events[5].data["delta"]["content"][0]["text"]["value"] == "lo"
    # Objects of completed / incomplete / modified events are the message as it is when delivered.
    assert events[6].data == events[7].data == m["edited"].model_dump()
    assert events[6].data["status"] == "completed" and events[6].data["completed_at"] == m["done"].completed_at
    assert events[11].data["status"] == "incomplete"
    assert events[11].data["incomplete_details"] == {"reason": "run_cancelled"}
    assert events[12].data == {"id": m["cut"].id, "object": "thread.message.deleted", "deleted": True}


def test_resuming_with_last_event_id_gives_every_later_event_once(
    client: OpenAI, runtime: OpenAI, http: httpx.Client
) -> None:
    thread_id, _ = record_a_reply(client, runtime)
    with Stream(http, thread_id, "sk-test-alpha") as stream:
        full = stream.take(len(EXPECTED))
    for k in range(1, len(full)):
        last = full[k - 1]
        with Stream(http, thread_id, "sk-test-alpha", last_event_id=last.id) as resumed:
            if last.sets_id:  # cut between changes: exactly the rest
                assert resumed.take(len(full) - k) == full[k:]
            else:  # cut inside a change (created, then in_progress): the change comes again, whole
                assert resumed.take(len(full) - k + 1) == full[k - 1 :]


def test_a_reader_in_another_process_follows_a_reply_live(
    client: OpenAI, runtime: OpenAI, reader: httpx.Client, http: httpx.Client
) -> None:
    thread = client.beta.threads.create()
    with Stream(reader, thread.id, "sk-test-alpha") as stream:
        assert stream.next() == Event("1", "thread.created", http.get(f"/v1/threads/{thread.id}").json())
        reply = runtime.beta.threads.messages.create(thread.id, role="assistant", content=[], extra_body=RUN)
        assert [(e.event, e.data["id"]) for e in stream.take(2)] == [
            ("thread.message.created", reply.id),
            ("thread.message.in_progress", reply.id),
        ]
        for i, word in enumerate(("One", " two", " three")):
            post(runtime, thread.id, reply.id, "deltas", {"content": [text(0, word)]})
            got = stream.next()
            assert isinstance(got, Event) and got.id == str(3 + i)
            assert got.data["delta"]["content"] == [text(0, word)]
        done = post(runtime, thread.id, reply.id, "complete")
        completed = stream.next()
        assert isinstance(completed, Event) and completed.event == "thread.message.completed"
        assert completed.data == done.model_dump() and text_of(done) == "One two three"
        client.beta.threads.delete(thread.id)
        deleted = {"id": thread.id, "object": "thread.deleted", "deleted": True}
        assert stream.next() == Event("7", "thread.deleted", deleted)
        assert stream.rest() == []  # the stream ends with the thread


def test_stream_errors_and_tenancy(client: OpenAI, other_client: OpenAI, http: httpx.Client) -> None:
    thread = client.beta.threads.create()
    client.beta.threads.messages.create(thread.id, role="user", content="x")
    for header, message in (("abc", "expected the id of an event"), ("-1", "expected"), ("3", "beyond")):
        with Stream(http, thread.id, "sk-test-alpha", last_event_id=header) as bad:
            assert bad.response.status_code == 400
            bad.response.read()
            error = bad.response.json()["error"]
            assert error["param"] == "Last-Event-ID" and message in error["message"]
    foreign = other_client.beta.threads.create()
    for thread_id in (foreign.id, "thread_doesnotexist", "nope"):
        with Stream(http, thread_id, "sk-test-alpha") as missing:
            assert missing.response.status_code == 404
            missing.response.read()
            assert missing.response.json()["error"]["message"] == f"No thread found with id '{thread_id}'."
    with Stream(http, thread.id, "sk-wrong") as unauthorized:
        assert unauthorized.response.status_code == 401
    with Stream(http, thread.id, "sk-test-alpha", last_event_id="2") as caught_up:
        assert caught_up.response.status_code == 200  # at the head: waits for what comes next
    with Stream(http, foreign.id, "sk-test-beta") as own:
        beta = {"Authorization": "Bearer sk-test-beta"}
        assert own.next() == Event("1", "thread.created", http.get(f"/v1/threads/{foreign.id}", headers=beta).json())


def test_the_extensions_have_their_own_tags_in_the_openapi_document(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    base = "/v1/threads/{thread_id}/messages/{message_id}"
    for suffix in ("deltas", "complete", "incomplete"):
        assert paths[f"{base}/{suffix}"]["post"]["tags"] == ["runtime (extension)"]
    stream = paths["/v1/threads/{thread_id}/stream"]["get"]
    assert stream["tags"] == ["stream (extension)"] and "text/event-stream" in stream["responses"]["200"]["content"]
    create = paths["/v1/threads/{thread_id}/messages"]["post"]
    assert create["tags"] == ["messages"]
