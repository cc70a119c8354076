"""Fuzzing the Conversations API's bodies, queries and path ids: never a 5xx, never a 422, always the OpenAI error body.

Bounded and deterministic (derandomized hypothesis, few examples); on both databases through a live server.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.fuzzing import (
    CONTENT_TYPES,
    Ids,
    assert_names_nothing,
    assert_openai_error,
    encoded,
    json_values,
    mutated,
    path_ids,
    queries,
    raw_bodies,
)

FEW = settings(max_examples=40, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))

MESSAGE = {
    "type": "message",
    "role": "assistant",
    "content": [
        {"type": "output_text", "text": "hi", "annotations": [{"type": "file_path", "file_id": "f", "index": 0}]}
    ],
}
ITEMS = [
    {"role": "user", "content": [{"type": "input_image", "image_url": "https://x/y.png", "detail": "low"}]},
    MESSAGE,
    {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
    {"type": "function_call_output", "call_id": "c", "output": [{"type": "input_text", "text": "x"}]},
    {"type": "item_reference", "id": "msg_none"},
]
# Valid bodies of the three writes (but the reference, which names nothing); mutations reach every level.
WRITES: list[tuple[str, Any]] = [
    ("/v1/conversations", {"items": ITEMS[:4], "metadata": {"k": "v"}}),
    ("/v1/conversations/{c}", {"metadata": {"k": "v"}}),
    ("/v1/conversations/{c}/items", {"items": ITEMS}),
]
READS = ["/v1/conversations/{c}", "/v1/conversations/{c}/items", "/v1/conversations/{c}/items/{m}"]
BY_ID = [
    ("GET", "/v1/conversations/{odd}"),
    ("POST", "/v1/conversations/{odd}"),
    ("DELETE", "/v1/conversations/{odd}"),
    ("GET", "/v1/conversations/{odd}/items"),
    ("POST", "/v1/conversations/{odd}/items"),
    ("GET", "/v1/conversations/{c}/items/{odd}"),
    ("DELETE", "/v1/conversations/{c}/items/{odd}"),
]


def url(ids: Ids, template: str, odd: str = "") -> str:
    return template.format(c="conv_" + ids.thread.removeprefix("thread_"), m=ids.message, odd=odd)


@FEW
@given(write=st.sampled_from(WRITES), data=st.data())
def test_any_value_anywhere_in_a_body_is_answered_without_a_5xx(
    ids: Ids, write: tuple[str, Any], data: st.DataObject
) -> None:
    template, body = write
    content = encoded(mutated(body, data), data)
    response = ids.http.post(url(ids, template), content=content, headers={"Content-Type": "application/json"})
    assert_openai_error(response, "POST")


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@FEW
@given(value=json_values() | st.integers(1, 900).map(nested))
def test_any_json_in_a_field_kept_whole_is_stored_or_refused_without_a_5xx(ids: Ids, value: Any) -> None:
    # A function call's output and caller take any array and object: whatever is accepted must be storable.
    item = {"type": "function_call_output", "call_id": "c", "output": [value], "caller": {"any": value}}
    content = json.dumps({"items": [item]}).encode()
    path = url(ids, "/v1/conversations/{c}/items")
    response = ids.http.post(path, content=content, headers={"Content-Type": "application/json"})
    assert_openai_error(response, "POST")
    if response.status_code == 200:
        stored = ids.http.get(f"{path}/{response.json()['data'][0]['id']}").json()
        assert stored["output"] == json.loads(content)["items"][0]["output"]


@FEW
@given(write=st.sampled_from(WRITES), body=raw_bodies(), content_type=st.sampled_from(CONTENT_TYPES))
def test_raw_bodies_and_content_types_are_answered_without_a_5xx(
    ids: Ids, write: tuple[str, Any], body: bytes, content_type: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = ids.http.post(url(ids, write[0]), content=body, headers=headers)
    assert_openai_error(response, "POST")


@FEW
@given(read=st.sampled_from(READS), query=queries(), item_type=st.sampled_from(["", "message", "x", "%00"]))
def test_any_query_string_is_answered_without_a_5xx(ids: Ids, read: str, query: str, item_type: str) -> None:
    assert_openai_error(ids.http.get(f"{url(ids, read)}?{query}&item_type={item_type}"))


@FEW
@given(route=st.sampled_from(BY_ID), odd=path_ids())
def test_odd_path_ids_are_unknown_ids_or_unknown_routes(ids: Ids, route: tuple[str, str], odd: str) -> None:
    method, template = route
    body: dict[str, Any] = {"items": ITEMS[:1]} if template.endswith("/items") else {"metadata": {}}
    assert_names_nothing(ids.http, method, url(ids, template, odd), body)
