"""The audit endpoints over HTTP and through the SDK: event log, versions, point-in-time reads, tenancy, errors."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from openai import OpenAI

from api.auth import KEY_ID_SECRET_FILE
from domain.ids import key_identifier
from tests.support.servers import Server

EVENT_KEYS = {
    "id",
    "object",
    "type",
    "thread_id",
    "message_id",
    "version",
    "created_at",
    "recorded_at",
    "actor",
    "data",
}
RFC3339_US = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


@pytest.fixture
def story(http: httpx.Client) -> dict[str, Any]:
    """A thread whose second message was edited, then deleted; its metadata changed in between."""
    t = http.post("/v1/threads", json={"messages": [{"role": "user", "content": "hello"}], "metadata": {"v": "1"}})
    thread_id = t.json()["id"]
    second = http.post(f"/v1/threads/{thread_id}/messages", json={"role": "user", "content": "my card is 4242"})
    message_id = second.json()["id"]
    http.post(f"/v1/threads/{thread_id}/messages/{message_id}", json={"metadata": {"pii": "yes"}})
    http.post(f"/v1/threads/{thread_id}", json={"metadata": {"v": "2"}})
    http.delete(f"/v1/threads/{thread_id}/messages/{message_id}")
    return {"thread": thread_id, "message": message_id}


def listing(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"object", "data", "first_id", "last_id", "has_more"} and body["object"] == "list"
    return list(body["data"])


def test_who_deleted_this_message_when_and_what_it_said(
    server: Server, http: httpx.Client, story: dict[str, Any]
) -> None:
    t, m = story["thread"], story["message"]
    # The key's id: a keyed hash under the secret the server keeps in its data directory.
    secret = (server.data_dir / KEY_ID_SECRET_FILE).read_text().strip().encode()
    alpha_key_id = key_identifier("sk-test-alpha", secret)
    events = listing(http.get(f"/v1/threads/{t}/events", params={"order": "asc"}))
    assert [e["type"] for e in events] == [
        "thread.created",
        "thread.message.created",
        "thread.message.created",
        "thread.message.modified",
        "thread.modified",
        "thread.message.deleted",
    ]
    assert [e["version"] for e in events] == [1, 2, 3, 4, 5, 6]
    for event in events:
        assert set(event) == EVENT_KEYS and event["object"] == "thread.event" and event["thread_id"] == t
        assert RFC3339_US.fullmatch(event["recorded_at"]) and isinstance(event["created_at"], int)
        assert event["actor"] == {"tenant": "alpha", "key_id": alpha_key_id}
    assert events[3]["data"] == {"metadata": {"before": {}, "after": {"pii": "yes"}}}
    assert events[4]["data"] == {"metadata": {"before": {"v": "1"}, "after": {"v": "2"}}}
    deleted = listing(http.get(f"/v1/threads/{t}/events", params={"type": "thread.message.deleted"}))
    assert [e["id"] for e in deleted] == [events[5]["id"]] and deleted[0]["message_id"] == m
    assert deleted[0]["data"]["message"]["content"][0]["text"]["value"] == "my card is 4242"
    # The contract's endpoints still say the message is gone.
    assert http.get(f"/v1/threads/{t}/messages/{m}").status_code == 404
    assert m not in {x["id"] for x in listing(http.get(f"/v1/threads/{t}/messages"))}

    versions = http.get(f"/v1/threads/{t}/messages/{m}/versions", params={"order": "asc"}).json()
    assert [v["event_type"] for v in versions["data"]] == [
        "thread.message.created",
        "thread.message.modified",
        "thread.message.deleted",
    ]
    assert [v["deleted"] for v in versions["data"]] == [False, False, True]
    assert versions["data"][-1]["message"]["metadata"] == {"pii": "yes"}
    assert versions["last_id"] == events[5]["id"] and versions["first_id"] == events[2]["id"]
    page = http.get(f"/v1/threads/{t}/messages/{m}/versions", params={"limit": 1, "after": versions["first_id"]})
    assert page.json()["data"] == [] and page.json()["has_more"] is False  # desc by default: nothing after the first


def test_what_the_thread_looked_like_then(http: httpx.Client, client: OpenAI, story: dict[str, Any]) -> None:
    t, m = story["thread"], story["message"]
    events = listing(http.get(f"/v1/threads/{t}/events", params={"order": "asc"}))
    assert http.get(f"/v1/threads/{t}", params={"version": 4}).json()["metadata"] == {"v": "1"}
    assert http.get(f"/v1/threads/{t}").json()["metadata"] == {"v": "2"}

    then = events[3]["recorded_at"]  # right after the edit: both messages, the edit visible
    unix = str(Decimal(http.get(f"/v1/threads/{t}/events", params={"limit": 1}).json()["data"][0]["created_at"]) + 3600)
    for params in ({"as_of": then}, {"version": 4}):
        page = listing(http.get(f"/v1/threads/{t}/messages", params={**params, "order": "asc"}))
        assert [x["id"] for x in page][1] == m and page[1]["metadata"] == {"pii": "yes"}
        first = http.get(f"/v1/threads/{t}/messages", params={**params, "order": "asc", "limit": 1}).json()
        assert first["has_more"] is True
        rest = listing(
            http.get(f"/v1/threads/{t}/messages", params={**params, "order": "asc", "after": first["last_id"]})
        )
        assert [x["id"] for x in rest] == [m]
    assert [x["id"] for x in listing(http.get(f"/v1/threads/{t}/messages", params={"version": 2}))] == [page[0]["id"]]
    now = listing(http.get(f"/v1/threads/{t}/messages", params={"as_of": unix}))
    assert m not in {x["id"] for x in now}

    # The SDK passes the point in time along and pages through it as usual.
    old = client.beta.threads.messages.list(t, order="asc", limit=1, extra_query={"version": 4})
    assert [x.id for x in old] == [page[0]["id"], m]
    assert client.beta.threads.retrieve(t, extra_query={"version": 1}).metadata == {"v": "1"}


def test_a_deleted_thread_is_auditable_by_its_owner(http: httpx.Client, story: dict[str, Any]) -> None:
    t, m = story["thread"], story["message"]
    assert http.delete(f"/v1/threads/{t}").status_code == 200
    assert http.get(f"/v1/threads/{t}").status_code == 404
    events = listing(http.get(f"/v1/threads/{t}/events", params={"limit": 1}))
    assert events[0]["type"] == "thread.deleted" and events[0]["version"] == 7
    assert http.get(f"/v1/threads/{t}", params={"version": 6}).json()["id"] == t
    assert http.get(f"/v1/threads/{t}", params={"version": 7}).status_code == 404
    assert len(listing(http.get(f"/v1/threads/{t}/messages/{m}/versions"))) == 3


def test_every_history_endpoint_answers_a_foreign_thread_like_a_missing_one(
    http: httpx.Client, beta: httpx.Client, story: dict[str, Any]
) -> None:
    t, m = story["thread"], story["message"]
    missing = "thread_" + "q" * 24
    paths = [
        ("/v1/threads/{t}/events", {}),
        ("/v1/threads/{t}/messages/{m}/versions", {}),
        ("/v1/threads/{t}", {"version": "1"}),
        ("/v1/threads/{t}", {"as_of": "2999-01-01T00:00:00Z"}),
        ("/v1/threads/{t}/messages", {"version": "2"}),
        ("/v1/threads/{t}/messages", {"as_of": "4102444800"}),
    ]
    for path, params in paths:
        foreign = beta.get(path.format(t=t, m=m), params=params)
        absent = http.get(path.format(t=missing, m=m), params=params)
        assert foreign.status_code == absent.status_code == 404, path
        assert foreign.json() == {
            "error": {
                "message": f"No thread found with id '{t}'.",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        }
        assert absent.json()["error"]["message"] == f"No thread found with id '{missing}'."
    unknown = http.get(f"/v1/threads/{t}/messages/msg_{'z' * 24}/versions")
    assert unknown.status_code == 404 and unknown.json()["error"]["message"].startswith("No message found")


@pytest.mark.parametrize(
    ("path", "params", "param"),
    [
        ("/v1/threads/{t}/messages", {"as_of": "last tuesday"}, "as_of"),
        ("/v1/threads/{t}/messages", {"as_of": "2024-05-01T12:00:00"}, "as_of"),
        ("/v1/threads/{t}/messages", {"as_of": ""}, "as_of"),
        ("/v1/threads/{t}", {"version": "0"}, "version"),
        ("/v1/threads/{t}", {"version": "two"}, "version"),
        ("/v1/threads/{t}", {"version": "99"}, "version"),
        ("/v1/threads/{t}", {"version": "1", "as_of": "1"}, "as_of"),
        ("/v1/threads/{t}/messages", {"version": "1", "limit": "101"}, "limit"),
        ("/v1/threads/{t}/messages", {"version": "1", "after": "msg_nope"}, "after"),
        ("/v1/threads/{t}/events", {"limit": "0"}, "limit"),
        ("/v1/threads/{t}/events", {"order": "sideways"}, "order"),
        ("/v1/threads/{t}/events", {"before": "event_nope_1"}, "before"),
        ("/v1/threads/{t}/messages/{m}/versions", {"after": "nonsense"}, "after"),
    ],
)
def test_bad_history_parameters_are_400_naming_them(
    http: httpx.Client, story: dict[str, Any], path: str, params: dict[str, str], param: str
) -> None:
    response = http.get(path.format(t=story["thread"], m=story["message"]), params=params)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param and error["message"]


def test_a_point_in_time_before_the_thread_or_after_its_deletion_says_which(http: httpx.Client) -> None:
    thread = http.post("/v1/threads", json={}).json()
    t = thread["id"]
    before = http.get(f"/v1/threads/{t}", params={"as_of": "2000-01-01T00:00:00Z"})
    assert before.status_code == 404
    error = before.json()["error"]
    assert error["param"] == "as_of" and error["type"] == "invalid_request_error"
    assert error["message"].startswith(f"Thread '{t}' did not exist yet at 'as_of' 2000-01-01T00:00:00.000000Z")
    assert "it was created at " in error["message"]
    assert http.get(f"/v1/threads/{t}/messages", params={"as_of": "946684800"}).json()["error"] == error
    assert http.delete(f"/v1/threads/{t}").status_code == 200
    gone = http.get(f"/v1/threads/{t}", params={"version": "2"})
    assert gone.status_code == 404
    assert gone.json()["error"]["message"] == f"Thread '{t}' was deleted at or before 'version' 2."
    assert gone.json()["error"]["param"] == "version"
