"""Raw HTTP on the Conversations API: every error path answers its status with the OpenAI error body."""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.servers import Server

INVALID_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library"
    " correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
)
CALL = {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}
DEEP: Any = []
for _ in range(300):  # deeper than any JSON encoder of the store goes, shallower than the body parser refuses
    DEEP = [DEEP]


def error(message: str, code: str | None = None, param: str | None = None) -> Any:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}


@pytest.fixture
def conv(http: httpx.Client) -> dict[str, str]:
    """A conversation of tenant alpha with a message and a function call, by its ids."""
    body = {"items": [{"role": "user", "content": "hi"}, CALL]}
    conversation = http.post("/v1/conversations", json=body).json()["id"]
    items = http.get(f"/v1/conversations/{conversation}/items", params={"order": "asc"}).json()["data"]
    thread = "thread_" + conversation.removeprefix("conv_")
    return {"c": conversation, "t": thread, "m": items[0]["id"], "f": items[1]["id"]}


@pytest.fixture
def anonymous(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.root, timeout=30) as c:
        yield c


ROUTES = [
    ("POST", "/v1/conversations"),
    ("GET", "/v1/conversations/{c}"),
    ("POST", "/v1/conversations/{c}"),
    ("DELETE", "/v1/conversations/{c}"),
    ("POST", "/v1/conversations/{c}/items"),
    ("GET", "/v1/conversations/{c}/items"),
    ("GET", "/v1/conversations/{c}/items/{m}"),
    ("DELETE", "/v1/conversations/{c}/items/{m}"),
]


@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_no_key_or_an_unknown_key_is_401_before_anything_else(
    anonymous: httpx.Client, conv: dict[str, str], method: str, template: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer sk-test-nope"}):
        response = anonymous.request(method, template.format(**conv), content=b"{not json", headers=headers)
        assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"


@pytest.mark.parametrize(("method", "template"), [r for r in ROUTES if r[0] == "POST"])
def test_bodies_that_are_not_json_objects(http: httpx.Client, conv: dict[str, str], method: str, template: str) -> None:
    path = template.format(**conv)
    assert http.post(path, content=b'{"items": [', headers={"Content-Type": "application/json"}).json() == error(
        INVALID_JSON
    )
    assert http.post("/v1/threads", content=b'{"items": [', headers={"Content-Type": "application/json"}).json() == (
        error(INVALID_JSON)
    )  # the threads API's answer, the same
    plain = http.post(path, content=b"{}", headers={"Content-Type": "text/plain"})
    assert (plain.status_code, plain.json()["error"]["code"]) == (400, "unsupported_content_type")
    listed = http.post(path, json=[1])
    assert listed.json() == error(
        "Invalid type for request body: expected an object, but got an array instead.", "invalid_type"
    )


@pytest.mark.parametrize(
    ("template", "body", "param", "code"),
    [
        ("/v1/conversations", {"items": [{"role": "user", "content": "x"}] * 21}, "items", "array_above_max_length"),
        ("/v1/conversations", {"title": "x"}, "title", "unknown_parameter"),
        ("/v1/conversations", {"metadata": {"k": 1}}, "metadata.k", "invalid_type"),
        ("/v1/conversations/{c}", {}, "metadata", "missing_required_parameter"),
        ("/v1/conversations/{c}/items", {}, "items", "missing_required_parameter"),
        ("/v1/conversations/{c}/items", {"items": []}, "items", "empty_array"),
        ("/v1/conversations/{c}/items", {"items": [CALL, {"type": "nope"}]}, "items[1].type", "invalid_value"),
        (
            "/v1/conversations/{c}/items",
            {"items": [CALL, CALL, {"role": "user", "content": [{"type": "input_text", "text": 5}]}]},
            "items[2].content[0].text",
            "invalid_type",
        ),
        ("/v1/conversations/{c}/items", {"items": [{"role": "critic", "content": "x"}]}, "items[0].role", None),
        ("/v1/conversations/{c}/items", {"items": [{**CALL, "arguments": 10**30}]}, "items[0].arguments", None),
        (
            "/v1/conversations/{c}/items",
            {
                "items": [
                    CALL,
                    {"type": "function_call_output", "call_id": "c", "output": [[[[[[]]]]]] * 2, "x": 10**30},
                ]
            },
            "items[1].x",
            "invalid_value",
        ),
        (
            "/v1/conversations",
            {"items": [{**CALL, "caller": {"deep": DEEP}}]},
            "items[0].caller.deep" + "[0]" * 62,
            None,
        ),
        ("/v1/conversations/{c}/items", {"items": [{**CALL, "caller": {"n": math.inf}}]}, "items[0].caller.n", None),
    ],
)
def test_a_bad_body_is_400_naming_the_full_parameter(
    http: httpx.Client, conv: dict[str, str], template: str, body: Any, param: str, code: str | None
) -> None:
    response = http.post(
        template.format(**conv), content=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert code is None or response.json()["error"]["code"] == code
    assert len(http.get(f"/v1/conversations/{conv['c']}/items").json()["data"]) == 2  # nothing recorded


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"order": "newest"}, "order"),
        ({"after": "msg_unknown"}, "after"),
        ({"before": "msg_unknown"}, "before"),
        ({"item_type": "item_reference"}, "item_type"),
        ({"after": "x\x00"}, "after"),
    ],
)
def test_list_parameters(http: httpx.Client, conv: dict[str, str], query: Any, param: str) -> None:
    response = http.get(f"/v1/conversations/{conv['c']}/items", params=query)
    assert (response.status_code, response.json()["error"]["param"]) == (400, param)


def test_list_bounds_and_include_are_accepted(http: httpx.Client, conv: dict[str, str]) -> None:
    queries: list[dict[str, Any]] = [{"limit": 1}, {"limit": 100}, {"include[]": ["message.input_image.url"]}]
    for query in queries:
        assert http.get(f"/v1/conversations/{conv['c']}/items", params=query).status_code == 200
    message = http.get(f"/v1/conversations/{conv['c']}/items/{conv['m']}", params={"include[]": "x"})
    assert message.json()["content"] == [{"type": "input_text", "text": "hi"}]


def test_missing_foreign_and_deleted_conversations_answer_the_same_404(
    http: httpx.Client, beta: httpx.Client, conv: dict[str, str]
) -> None:
    gone = http.post("/v1/conversations", json={}).json()["id"]
    http.delete(f"/v1/conversations/{gone}")
    cases = [(beta, conv["c"]), (http, "conv_" + secrets.token_urlsafe(18)), (http, gone), (http, "nothing")]
    for method, template in ROUTES[1:]:
        body: dict[str, Any] = {"items": [CALL]} if template.endswith("/items") else {"metadata": {}}
        answers = []
        for client, conversation in cases:
            path = template.format(c=conversation, m=conv["m"])
            response = client.request(method, path, json=body if method == "POST" else None)
            found = response.json()
            found["error"]["message"] = found["error"]["message"].replace(conversation, "ID")
            answers.append((response.status_code, found))
        assert answers == [(404, error("No conversation found with id 'ID'."))] * 4, template


def test_unknown_items_and_odd_ids(http: httpx.Client, conv: dict[str, str]) -> None:
    other = http.post("/v1/conversations", json={"items": [CALL]}).json()["id"]
    elsewhere = http.get(f"/v1/conversations/{other}/items").json()["data"][0]["id"]
    for item, sent in (("msg_unknown", "msg_unknown"), (elsewhere, elsewhere), ("msg_\x00", "msg_%00")):
        for method in ("GET", "DELETE"):
            response = http.request(method, f"/v1/conversations/{conv['c']}/items/{sent}")
            assert response.json() == error(f"No item found with id '{item}'."), (method, item)
    response = http.get("/v1/conversations/conv_%00/items")
    assert response.json() == error("No conversation found with id 'conv_\x00'.")


OTHER_ITEMS_WITH_CONTENT: list[dict[str, Any]] = [
    {"type": "compaction_trigger", "content": "a string where a message has parts"},
    {"type": "compaction_trigger", "content": [[1, "x"], None]},
    {"type": "compaction_trigger", "content": {"nested": ["json"]}},
]


@pytest.mark.parametrize("item", OTHER_ITEMS_WITH_CONTENT)
def test_an_item_other_than_a_message_keeps_any_content_whole(
    http: httpx.Client, conv: dict[str, str], item: dict[str, Any]
) -> None:
    created = http.post(f"/v1/conversations/{conv['c']}/items", json={"items": [item]})
    assert created.status_code == 200, created.text
    item_id = created.json()["data"][0]["id"]
    found = http.get(f"/v1/conversations/{conv['c']}/items/{item_id}").json()
    assert found == {"id": item_id, **item}
    after = http.post(f"/v1/conversations/{conv['c']}/items", json={"items": [CALL]})
    assert after.status_code == 200  # the conversation goes on
