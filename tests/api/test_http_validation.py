"""Raw HTTP: bad input is 400 with an OpenAI error naming the parameter (never 422), on every endpoint."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.refusals import MESSAGE, MESSAGE_REFUSALS, META17


@pytest.fixture
def ids(http: httpx.Client) -> dict[str, str]:
    thread_id = http.post("/v1/threads", json={"messages": [MESSAGE]}).json()["id"]
    message_id = http.get(f"/v1/threads/{thread_id}/messages").json()["data"][0]["id"]
    return {"t": thread_id, "m": message_id}


def refused(response: httpx.Response) -> tuple[str, str | None, str | None]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["type"] == "invalid_request_error"
    return body["error"]["message"], body["error"]["param"], body["error"]["code"]


@pytest.mark.parametrize(
    ("body", "message", "param", "code"),
    [
        *MESSAGE_REFUSALS,
        ({"role": "user", "content": {"a": 1}}, "Invalid type for 'content'", "content", "invalid_type"),
        (
            {"role": "user", "content": [{"type": "audio"}]},
            "Invalid value: 'audio'.",
            "content[0].type",
            "invalid_value",
        ),
        (
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u", "detail": "x"}}]},
            "Invalid value: 'x'. Supported values are: 'auto', 'low' and 'high'.",
            "content[0].image_url.detail",
            "invalid_value",
        ),
        (
            {"role": "user", "content": [{"type": "image_file", "image_file": {}}]},
            "Missing required parameter: 'content[0].image_file.file_id'.",
            "content[0].image_file.file_id",
            "missing_required_parameter",
        ),
        (
            MESSAGE | {"attachments": [{"file_id": "f", "tools": [{"type": "web"}]}]},
            "Invalid value: 'web'.",
            "attachments[0].tools[0].type",
            "invalid_value",
        ),
        (
            MESSAGE | {"attachments": [{"file_id": "f", "extra": True}]},
            "Unrecognized request argument supplied: attachments[0].extra",
            "attachments[0].extra",
            "unknown_parameter",
        ),
        (
            MESSAGE | {"file_ids": []},
            "Unrecognized request argument supplied: file_ids",
            "file_ids",
            "unknown_parameter",
        ),
    ],
)
def test_create_message(
    http: httpx.Client, ids: dict[str, str], body: Any, message: str, param: str, code: str
) -> None:
    got_message, got_param, got_code = refused(http.post(f"/v1/threads/{ids['t']}/messages", json=body))
    assert (got_param, got_code) == (param, code)
    assert got_message.startswith(message)


def test_a_new_threads_messages_are_validated_with_their_path(http: httpx.Client) -> None:
    body = {"messages": [MESSAGE, {"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]}
    assert refused(http.post("/v1/threads", json=body)) == (
        "Missing required parameter: 'messages[1].content[0].image_url.url'.",
        "messages[1].content[0].image_url.url",
        "missing_required_parameter",
    )
    body = {"messages": [MESSAGE] * 33}
    assert refused(http.post("/v1/threads", json=body))[1:] == ("messages", "array_above_max_length")


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"metadata": META17}, "metadata", "object_above_max_properties"),
        ({"metadata": {"k" * 65: "v"}}, "metadata", "string_above_max_length"),
        ({"metadata": {"k": "v" * 513}}, "metadata.k", "string_above_max_length"),
        ({"metadata": {"k": 1}}, "metadata.k", "invalid_type"),
        ({"metadata": "k"}, "metadata", "invalid_type"),
        ({"unknown": 1}, "unknown", "unknown_parameter"),
    ],
)
def test_metadata_and_unknown_parameters_on_every_write(
    http: httpx.Client, ids: dict[str, str], body: Any, param: str, code: str
) -> None:
    t, m = ids["t"], ids["m"]
    for path in ("/v1/threads", f"/v1/threads/{t}", f"/v1/threads/{t}/messages/{m}"):
        assert refused(http.post(path, json=body))[1:] == (param, code), path
    assert refused(http.post(f"/v1/threads/{t}/messages", json=MESSAGE | body))[1:] == (param, code)
    # Nothing was changed by the refused writes.
    assert http.get(f"/v1/threads/{t}").json()["metadata"] == {}
    assert len(http.get(f"/v1/threads/{t}/messages").json()["data"]) == 1


def test_metadata_at_the_limits_is_accepted(http: httpx.Client, ids: dict[str, str]) -> None:
    metadata = {f"{i:064d}": "v" * 512 for i in range(16)}
    response = http.post(f"/v1/threads/{ids['t']}/messages/{ids['m']}", json={"metadata": metadata})
    assert response.status_code == 200 and response.json()["metadata"] == metadata


def test_modify_accepts_only_what_can_change(http: httpx.Client, ids: dict[str, str]) -> None:
    t, m = ids["t"], ids["m"]
    assert refused(http.post(f"/v1/threads/{t}/messages/{m}", json={"role": "assistant"}))[1:] == (
        "role",
        "unknown_parameter",
    )
    assert refused(http.post(f"/v1/threads/{t}", json={"messages": [MESSAGE]}))[1:] == ("messages", "unknown_parameter")
    assert refused(http.post(f"/v1/threads/{t}", json={"tool_resources": {"code_interpreter": {"file_ids": "f"}}}))[
        1:
    ] == ("tool_resources.code_interpreter.file_ids", "invalid_type")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {"limit": 0},
            (
                "Invalid 'limit': integer below minimum value. Expected a value >= 1, but got 0 instead.",
                "limit",
                "integer_below_min_value",
            ),
        ),
        (
            {"limit": 101},
            (
                "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 101 instead.",
                "limit",
                "integer_above_max_value",
            ),
        ),
        (
            {"limit": "ten"},
            ("Invalid type for 'limit': expected an integer, but got a string instead.", "limit", "invalid_type"),
        ),
        (
            {"order": "newest"},
            ("Invalid value: 'newest'. Supported values are: 'asc' or 'desc'.", "order", "invalid_value"),
        ),
        (
            {"after": "msg_unknown"},
            ("Invalid 'after': no message with id 'msg_unknown' in this thread.", "after", "invalid_value"),
        ),
        (
            {"before": "msg_unknown"},
            ("Invalid 'before': no message with id 'msg_unknown' in this thread.", "before", "invalid_value"),
        ),
    ],
)
def test_list_parameters(http: httpx.Client, ids: dict[str, str], query: Any, expected: Any) -> None:
    assert refused(http.get(f"/v1/threads/{ids['t']}/messages", params=query)) == expected


def test_list_limits_at_the_bounds_are_accepted(http: httpx.Client, ids: dict[str, str]) -> None:
    for limit in (1, 100):
        response = http.get(f"/v1/threads/{ids['t']}/messages", params={"limit": limit})
        assert response.status_code == 200 and len(response.json()["data"]) == 1


def test_a_list_of_someone_elses_thread_is_404_before_its_parameters_are_checked(
    http: httpx.Client, ids: dict[str, str]
) -> None:
    response = http.get(
        f"/v1/threads/{ids['t']}/messages",
        params={"after": "msg_unknown"},
        headers={"Authorization": "Bearer sk-test-beta"},
    )
    assert response.status_code == 404
