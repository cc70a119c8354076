"""Pages of items and thread messages, item filters, atomic batches and item ids, through the sync SDK."""

from __future__ import annotations

import secrets
from typing import Any, Literal

import openai
import pytest
from openai import OpenAI, omit
from openai.types.responses import ResponseInputItemParam

from tests.support.conversations import CALL, OUTPUT, carrying, ident, said, user
from tests.support.sdk import error_body


def test_thread_pages_skip_other_items_with_exact_cursors(client: OpenAI) -> None:
    # m0, call, m1, dev, m2, call, m3, dev, m4 ... : messages interleaved with items the threads API leaves out.
    sent: list[ResponseInputItemParam] = []
    for i in range(8):
        sent += [user(f"m{i}"), CALL if i % 2 else {"role": "developer", "content": f"d{i}"}]
    conversation = client.conversations.create(items=sent[:12])
    client.conversations.items.create(conversation.id, items=sent[12:])
    messages = client.beta.threads.messages
    orders: list[tuple[Literal["asc", "desc"], list[str]]] = [
        ("asc", [f"m{i}" for i in range(8)]),
        ("desc", [f"m{i}" for i in range(7, -1, -1)]),
    ]
    for order, expected in orders:
        seen: list[str] = []
        after: str | None = None
        while True:
            page = messages.list(conversation.id, limit=3, order=order, after=after or omit)
            seen += [m.content[0].model_dump()["text"]["value"] for m in page.data]
            assert page.has_more == (len(seen) < 8)
            if not page.has_more:
                break
            after = page.data[-1].id
        assert seen == expected
        every = [
            m.content[0].model_dump()["text"]["value"] for m in messages.list(conversation.id, order=order, limit=2)
        ]
        assert every == expected  # the SDK's auto-pagination

    items = client.conversations.items
    everything = [ident(item) for item in items.list(conversation.id, limit=3)]  # auto-paginates by after
    assert len(everything) == len(set(everything)) == 16
    assert everything == [ident(item) for item in reversed(items.list(conversation.id, order="asc", limit=100).data)]
    last = items.list(conversation.id, limit=4, order="asc", after=everything[4])
    assert [ident(item) for item in last.data] == everything[3::-1] and last.has_more is False


def test_item_type_filter_and_before(client: OpenAI) -> None:
    conversation = client.conversations.create(items=[user("a"), CALL, user("b"), OUTPUT, user("c"), CALL])
    items = client.conversations.items
    calls = items.list(conversation.id, extra_query={"item_type": "function_call"})
    assert [item.type for item in calls.data] == ["function_call", "function_call"] and calls.has_more is False
    every = [ident(item) for item in items.list(conversation.id, order="asc").data]
    before = items.list(conversation.id, order="asc", extra_query={"before": every[3]})
    assert [ident(item) for item in before.data] == every[:3]
    newest_first = items.list(conversation.id, limit=2, extra_query={"before": every[1]})
    assert [ident(item) for item in newest_first.data] == every[3:1:-1] and newest_first.has_more
    messages = items.list(
        conversation.id, limit=1, order="asc", extra_query={"item_type": "message", "after": every[0]}
    )
    assert [said(item) for item in messages.data] == ["b"] and messages.has_more
    with pytest.raises(openai.BadRequestError) as bad:
        items.list(conversation.id, extra_query={"item_type": "bogus"})
    assert error_body(bad.value)["param"] == "item_type"


def test_twenty_items_are_recorded_together_or_not_at_all(client: OpenAI) -> None:
    conversation = client.conversations.create()
    carried = "msg_" + secrets.token_hex(8)
    batch: list[Any] = [{"id": carried, "role": "user", "content": "kept?"}] + [user(f"i{i}") for i in range(19)]
    batch[13] = {"role": "user", "content": [{"type": "input_text"}]}
    with pytest.raises(openai.BadRequestError) as bad:
        client.conversations.items.create(conversation.id, items=batch)
    assert error_body(bad.value)["param"] == "items[13].content[0].text"
    with pytest.raises(openai.BadRequestError):
        client.conversations.create(items=batch)
    assert client.conversations.items.list(conversation.id).data == []
    batch[13] = user("fixed")
    assert len(client.conversations.items.create(conversation.id, items=batch).data) == 20
    assert ident(client.conversations.items.list(conversation.id, order="asc", limit=1).data[0]) == carried
    with pytest.raises(openai.BadRequestError) as too_many:
        client.conversations.items.create(conversation.id, items=[user("x")] * 21)
    assert error_body(too_many.value)["param"] == "items"
    assert len(client.conversations.items.list(conversation.id, limit=100).data) == 20


def test_carried_ids_and_references(client: OpenAI, other_client: OpenAI) -> None:
    own = "fc_" + secrets.token_hex(8)
    conversation = client.conversations.create(items=[carrying(CALL, own)])
    assert [ident(item) for item in client.conversations.items.list(conversation.id).data] == [own]
    elsewhere = client.conversations.create()
    for target in (conversation.id, elsewhere.id):  # an id used anywhere in the store is refused
        with pytest.raises(openai.BadRequestError) as used:
            client.conversations.items.create(target, items=[user("x"), carrying(OUTPUT, own)])
        assert error_body(used.value)["param"] == "items[1].id"

    copied = client.conversations.items.create(elsewhere.id, items=[{"type": "item_reference", "id": own}]).data[0]
    assert ident(copied) != own and copied.type == "function_call"
    assert copied.model_dump(exclude={"id"}) == client.conversations.items.retrieve(
        own, conversation_id=conversation.id
    ).model_dump(exclude={"id"})
    theirs = other_client.conversations.create()
    with pytest.raises(openai.BadRequestError) as foreign:  # another tenant's item is not there to refer to
        other_client.conversations.items.create(theirs.id, items=[{"type": "item_reference", "id": own}])
    assert (error_body(foreign.value)["param"], error_body(foreign.value)["message"]) == (
        "items[0].id",
        f"Invalid 'items[0].id': no item found with id '{own}'.",
    )
