"""Items refused after a first one was applied leave nothing behind: not in the log, not in the writer's cache."""

from __future__ import annotations

import secrets
from concurrent.futures import Future
from typing import Any

import pytest

from domain.errors import IdTaken
from domain.states import Actor
from projections.store import MessageStore

ALPHA: Actor = {"tenant": "alpha", "key_id": "key_test"}
CALL: dict[str, Any] = {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}", "status": "completed"}


def ids_of(store: MessageStore, thread_id: str) -> list[str]:
    return [item["id"] for item in store.item_page("alpha", thread_id, limit=100, order="asc").data]


@pytest.mark.parametrize("batched", [False, True])
def test_a_taken_id_in_second_place_records_none_of_the_items(store: MessageStore, batched: bool) -> None:
    run = secrets.token_hex(6)  # ids are unique across the store's conversations: each run takes its own
    taken, partial, before, after, later = (
        f"fc_{name}_{run}" for name in ("taken", "partial", "before", "after", "later")
    )
    created = store.create_conversation(ALPHA, metadata={}, items=[(taken, CALL)]).result(30).body
    thread_id = "thread_" + created["id"].removeprefix("conv_")
    head = store.app.recorder.max_notification_id() or 0
    futures: list[Future[Any]] = []
    if batched:  # a good command of the same thread in the same writer batch, before and after the bad one
        futures.append(store.add_items(ALPHA, thread_id, [(before, CALL)]))
    refused = store.add_items(ALPHA, thread_id, [(partial, CALL), (taken, CALL)])
    if batched:
        futures.append(store.add_items(ALPHA, thread_id, [(after, CALL)]))
    with pytest.raises(IdTaken) as error:
        refused.result(30)
    assert error.value.param == "items[1].id"
    for future in futures:
        future.result(30)
    expected = [taken, *([before, after] if batched else [])]
    assert ids_of(store, thread_id) == expected
    store.add_items(ALPHA, thread_id, [(later, CALL)]).result(30)  # the cached thread holds no partial item
    assert ids_of(store, thread_id) == [*expected, later]
    recorded = (store.app.recorder.max_notification_id() or 0) - head
    assert recorded == len(expected)  # before, after (if batched) and later: never the partial item
