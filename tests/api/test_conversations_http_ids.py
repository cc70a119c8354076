"""Raw HTTP on the Conversations API: either id in either API, Idempotency-Key replays, the OpenAPI document."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

CALL = {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}


def error(message: str) -> Any:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}


def test_either_id_in_either_api(http: httpx.Client) -> None:
    body = {"items": [{"role": "user", "content": "hi"}, CALL]}
    c = http.post("/v1/conversations", json=body).json()["id"]
    t = "thread_" + c.removeprefix("conv_")
    items = http.get(f"/v1/conversations/{c}/items", params={"order": "asc"}).json()["data"]
    message, call = items[0]["id"], items[1]["id"]
    assert http.get(f"/v1/conversations/{t}").json()["id"] == c
    assert http.get(f"/v1/conversations/{t}/items/{call}").json()["type"] == "function_call"
    assert http.get(f"/v1/threads/{c}").json()["id"] == t
    assert http.post(f"/v1/threads/{c}", json={"metadata": {"via": "threads"}}).json()["metadata"] == {"via": "threads"}
    assert http.get(f"/v1/conversations/{c}").json()["metadata"] == {"via": "threads"}
    created = http.post(f"/v1/threads/{c}/messages", json={"role": "user", "content": "by conv id"}).json()
    assert created["thread_id"] == t
    listed = http.get(f"/v1/threads/{c}/messages", params={"order": "asc"}).json()  # the fast path's shape
    assert [m["id"] for m in listed["data"]] == [message, created["id"]]  # the function call is left out
    assert http.get(f"/v1/threads/{c}/messages", params={"limit": 1, "after": message, "order": "asc"}).json()[
        "data"
    ] == [http.get(f"/v1/threads/{c}/messages/{created['id']}").json()]
    missing = "conv_" + secrets.token_urlsafe(18)
    for path in (f"/v1/threads/{missing}", f"/v1/threads/{missing}/messages", f"/v1/threads/{missing}/messages/m"):
        assert http.get(path).json() == error(f"No thread found with id '{missing}'."), path
    posted = http.post(f"/v1/threads/{missing}/messages", json={"role": "user", "content": "x"})
    assert posted.json() == error(f"No thread found with id '{missing}'.")
    assert http.delete(f"/v1/threads/{c}").json() == {"id": t, "object": "thread.deleted", "deleted": True}
    assert http.get(f"/v1/conversations/{c}").status_code == 404


def count(http: httpx.Client, conversation: str) -> int:
    return len(http.get(f"/v1/conversations/{conversation}/items", params={"limit": 100}).json()["data"])


def test_idempotency_keys_replay_creates_and_deletes(http: httpx.Client) -> None:
    key = {"Idempotency-Key": "conv-" + secrets.token_hex(8)}
    body = {"items": [{"role": "user", "content": "once"}], "metadata": {"a": "1"}}
    first = http.post("/v1/conversations", json=body, headers=key)
    again = http.post("/v1/conversations", json=body, headers=key)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    conversation = first.json()["id"]
    reused = http.post("/v1/conversations", json={"metadata": {"a": "2"}}, headers=key)
    assert (reused.status_code, reused.json()["error"]["code"]) == (400, "idempotency_key_reused")

    carried = "fc_" + secrets.token_hex(8)
    items = {"items": [{**CALL, "id": carried}, {"role": "assistant", "content": "x"}]}
    key = {"Idempotency-Key": "items-" + secrets.token_hex(8)}
    first = http.post(f"/v1/conversations/{conversation}/items", json=items, headers=key)
    again = http.post(f"/v1/conversations/{conversation}/items", json=items, headers=key)  # its id is used now
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert first.json()["data"][0]["id"] == carried and count(http, conversation) == 3
    retried = {"x-stainless-retry-count": "0"}
    implicit = {"items": [{"type": "reasoning", "id": "rs_" + secrets.token_hex(8), "summary": []}]}
    first = http.post(f"/v1/conversations/{conversation}/items", json=implicit, headers=retried)
    again = http.post(
        f"/v1/conversations/{conversation}/items", json=implicit, headers={"x-stainless-retry-count": "1"}
    )
    assert again.json() == first.json() and count(http, conversation) == 4  # the SDK's retry, without a key
    refused = http.post(f"/v1/conversations/{conversation}/items", json=implicit)
    assert refused.json()["error"]["param"] == "items[0].id"  # not a retry: a used id

    key = {"Idempotency-Key": "item-delete-" + secrets.token_hex(8)}
    first = http.delete(f"/v1/conversations/{conversation}/items/{carried}", headers=key)
    again = http.delete(f"/v1/conversations/{conversation}/items/{carried}", headers=key)
    assert again.json() == first.json() and first.json()["id"] == conversation and count(http, conversation) == 3
    key = {"Idempotency-Key": "delete-" + secrets.token_hex(8)}
    first = http.delete(f"/v1/conversations/{conversation}", headers=key)
    again = http.delete(f"/v1/conversations/{conversation}", headers=key)
    assert again.json() == first.json() == {"id": conversation, "object": "conversation.deleted", "deleted": True}
    assert http.delete(f"/v1/conversations/{conversation}").status_code == 404


def test_the_openapi_document_describes_the_conversations_api(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    conversation, items = "/v1/conversations/{conversation_id}", "/v1/conversations/{conversation_id}/items"
    answers = {  # each path's methods, and the object each answers with
        "/v1/conversations": {"post": "Conversation"},
        conversation: {"get": "Conversation", "post": "Conversation", "delete": "ConversationDeleted"},
        items: {"post": "ConversationItemList", "get": "ConversationItemList"},
        items + "/{item_id}": {"get": "ConversationItem", "delete": "Conversation"},
    }
    for path, method, answer in [(p, m, a) for p, methods in answers.items() for m, a in methods.items()]:
        operation = paths[path][method]
        assert operation["tags"] == ["conversations"]
        assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{answer}"
        }
        assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    bodies = {("/v1/conversations", "post"): "ConversationCreate", (conversation, "post"): "ConversationUpdate"}
    for (path, method), body in {**bodies, (items, "post"): "ItemsCreate"}.items():
        schema = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{body}"} and body in schemas
    listed = {p["name"] for p in paths[items]["get"]["parameters"]}
    assert {"limit", "order", "after", "before", "item_type", "include[]"} <= listed
    assert schemas["ConversationItemList"]["properties"]["data"]["items"] == {
        "$ref": "#/components/schemas/ConversationItem"
    }
