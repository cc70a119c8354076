"""Keyset pages of a thread's messages: edge cases of limit, order and cursors, on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import ThreadNotFound
from domain.ids import key_identifier
from projections.pages import UnknownCursor
from projections.store import MessageStore, NewMessage

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-alpha")}
BETA = {"tenant": "beta", "key_id": key_identifier("sk-beta")}


def text(value: str) -> NewMessage:
    return NewMessage(role="user", content=[{"type": "text", "text": {"value": value, "annotations": []}}])


def new_thread(store: MessageStore, count: int, actor: dict[str, str] = ALPHA) -> tuple[str, list[str]]:
    """A thread with ``count`` messages; returns its id and the message ids in creation order."""
    body = (
        store.create_thread(
            actor, metadata={}, tool_resources=None, messages=[text(f"m{i}") for i in range(1, count + 1)]
        )
        .result(timeout=30)
        .body
    )
    page = store.messages(actor["tenant"], body["id"], limit=100, order="asc")
    return body["id"], [m["id"] for m in page.data]


def ids(store: MessageStore, thread_id: str, **kwargs: Any) -> tuple[list[str], bool]:
    page = store.messages("alpha", thread_id, **({"limit": 20, "order": "desc"} | kwargs))
    return [m["id"] for m in page.data], page.has_more


@pytest.fixture
def five(store: MessageStore) -> tuple[str, list[str]]:
    return new_thread(store, 5)


def test_an_empty_thread_has_an_empty_page(store: MessageStore) -> None:
    thread_id, _ = new_thread(store, 0)
    assert ids(store, thread_id) == ([], False)
    assert ids(store, thread_id, order="asc", limit=1) == ([], False)


def test_messages_come_in_creation_order_though_they_share_a_second(
    store: MessageStore, five: tuple[str, list[str]]
) -> None:
    thread_id, m = five
    page = store.messages("alpha", thread_id, limit=20, order="asc")
    assert [x["content"][0]["text"]["value"] for x in page.data] == ["m1", "m2", "m3", "m4", "m5"]
    assert ids(store, thread_id) == (m[::-1], False)


@pytest.mark.parametrize(("limit", "has_more"), [(4, True), (5, False), (6, False), (100, False)])
def test_has_more_is_exact(store: MessageStore, five: tuple[str, list[str]], limit: int, has_more: bool) -> None:
    thread_id, m = five
    assert ids(store, thread_id, order="asc", limit=limit) == (m[:limit], has_more)
    assert ids(store, thread_id, order="desc", limit=limit) == (m[::-1][:limit], has_more)


def test_after_follows_the_list_order(store: MessageStore, five: tuple[str, list[str]]) -> None:
    thread_id, m = five
    assert ids(store, thread_id, order="asc", after=m[0], limit=2) == (m[1:3], True)
    assert ids(store, thread_id, order="asc", after=m[2], limit=2) == (m[3:5], False)
    assert ids(store, thread_id, order="asc", after=m[4]) == ([], False)
    assert ids(store, thread_id, order="desc", after=m[4], limit=2) == ([m[3], m[2]], True)
    assert ids(store, thread_id, order="desc", after=m[0]) == ([], False)


def test_before_alone_is_the_previous_page_in_list_order(store: MessageStore, five: tuple[str, list[str]]) -> None:
    thread_id, m = five
    assert ids(store, thread_id, order="asc", before=m[4], limit=2) == ([m[2], m[3]], True)
    assert ids(store, thread_id, order="asc", before=m[2], limit=2) == ([m[0], m[1]], False)
    assert ids(store, thread_id, order="asc", before=m[0]) == ([], False)
    assert ids(store, thread_id, order="desc", before=m[0], limit=2) == ([m[2], m[1]], True)
    assert ids(store, thread_id, order="desc", before=m[2], limit=2) == ([m[4], m[3]], False)
    assert ids(store, thread_id, order="desc", before=m[4]) == ([], False)


def test_after_and_before_give_what_lies_strictly_between(store: MessageStore, five: tuple[str, list[str]]) -> None:
    thread_id, m = five
    assert ids(store, thread_id, order="asc", after=m[0], before=m[4], limit=2) == ([m[1], m[2]], True)
    assert ids(store, thread_id, order="asc", after=m[0], before=m[4], limit=3) == (m[1:4], False)
    assert ids(store, thread_id, order="desc", after=m[4], before=m[0], limit=2) == ([m[3], m[2]], True)
    assert ids(store, thread_id, order="desc", after=m[4], before=m[0], limit=3) == ([m[3], m[2], m[1]], False)
    assert ids(store, thread_id, order="asc", after=m[1], before=m[2]) == ([], False)


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_after_at_or_past_before_is_empty(store: MessageStore, five: tuple[str, list[str]], order: str) -> None:
    thread_id, m = five
    listed = m if order == "asc" else m[::-1]
    assert ids(store, thread_id, order=order, after=listed[2], before=listed[2]) == ([], False)
    assert ids(store, thread_id, order=order, after=listed[3], before=listed[1]) == ([], False)
    assert ids(store, thread_id, order=order, after=listed[4], before=listed[0]) == ([], False)


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_walking_pages_visits_every_message_once(store: MessageStore, order: str) -> None:
    thread_id, m = new_thread(store, 7)
    listed = m if order == "asc" else m[::-1]
    seen: list[str] = []
    after = None
    while True:
        page, more = ids(store, thread_id, order=order, limit=3, after=after)
        seen += page
        if not more:
            break
        after = page[-1]
    assert seen == listed
    # Backwards with before: the previous pages, each in list order.
    back: list[str] = []
    before = listed[-1]
    while True:
        page, more = ids(store, thread_id, order=order, limit=3, before=before)
        back = page + back
        if not more:
            break
        before = page[0]
    assert back == listed[:-1]


def test_the_cursor_of_a_deleted_message_still_works(store: MessageStore, five: tuple[str, list[str]]) -> None:
    thread_id, m = five
    store.delete_message(ALPHA, thread_id, m[2]).result(timeout=30)
    assert ids(store, thread_id, order="asc") == ([m[0], m[1], m[3], m[4]], False)
    assert ids(store, thread_id, order="asc", after=m[2]) == ([m[3], m[4]], False)
    assert ids(store, thread_id, order="asc", before=m[2]) == ([m[0], m[1]], False)
    assert ids(store, thread_id, order="desc", after=m[2]) == ([m[1], m[0]], False)
    assert ids(store, thread_id, order="desc", after=m[4], before=m[2]) == ([m[3]], False)


def test_an_unknown_or_foreign_cursor_is_refused(store: MessageStore, five: tuple[str, list[str]]) -> None:
    thread_id, _ = five
    _, elsewhere = new_thread(store, 1)
    with pytest.raises(UnknownCursor) as caught:
        ids(store, thread_id, after="msg_nope")
    assert caught.value.param == "after"
    with pytest.raises(UnknownCursor) as caught:
        ids(store, thread_id, before=elsewhere[0])
    assert caught.value.param == "before"


def test_only_the_owner_lists_a_live_thread(store: MessageStore, five: tuple[str, list[str]]) -> None:
    thread_id, _ = five
    with pytest.raises(ThreadNotFound):
        store.messages("beta", thread_id, limit=20, order="desc")
    store.delete_thread(ALPHA, thread_id).result(timeout=30)
    with pytest.raises(ThreadNotFound):
        store.messages("alpha", thread_id, limit=20, order="desc")


def test_keyset_pages_deep_in_a_long_thread(store: MessageStore) -> None:
    thread_id, m = new_thread(store, 250)
    assert len(m) == 100  # the helper lists one page
    everything: list[str] = []
    after = None
    more = True
    while more:
        page, more = ids(store, thread_id, order="asc", limit=100, after=after)
        everything += page
        after = page[-1] if page else None
    assert len(everything) == len(set(everything)) == 250
    assert everything[:100] == m
    deep, more = ids(store, thread_id, order="desc", after=everything[130], limit=5)
    assert (deep, more) == (everything[125:130][::-1], True)
    tail, more = ids(store, thread_id, order="asc", after=everything[-6], limit=5)
    assert (tail, more) == (everything[-5:], False)
