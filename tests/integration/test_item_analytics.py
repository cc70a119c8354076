"""Items by type: created and deleted per tenant and UTC day, every message counted as a ``message``."""

from __future__ import annotations

from typing import Any

from domain.states import Actor
from projections.analytics.items import ItemTypeTables, item_days
from projections.registry import projection
from projections.runners.rebuild import rebuild, verify
from projections.store import MessageStore
from projections.write.commands import NewMessage

ALPHA: Actor = {"tenant": "alpha", "key_id": "key_a"}
BETA: Actor = {"tenant": "beta", "key_id": "key_b"}
CALL: dict[str, Any] = {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}", "status": "completed"}
NOTE: dict[str, Any] = {"type": "message", "role": "developer", "status": "completed", "content": []}


def test_items_are_counted_by_type_and_rebuild_to_the_same_counts(fresh: MessageStore) -> None:
    conversation = fresh.create_conversation(ALPHA, metadata={}, items=[("fc_" + "1" * 24, CALL)]).result(30).body
    thread_id = "thread_" + conversation["id"].removeprefix("conv_")
    fresh.add_items(ALPHA, thread_id, [("fc_" + "2" * 24, CALL), ("msg_" + "3" * 24, NOTE)]).result(30)
    fresh.create_message(ALPHA, thread_id, NewMessage(role="user", content=[])).result(30)
    fresh.delete_item(ALPHA, thread_id, "fc_" + "2" * 24).result(30)
    fresh.delete_item(ALPHA, thread_id, "msg_" + "3" * 24).result(30)
    other = fresh.create_conversation(BETA, metadata={}, items=[("fc_" + "4" * 24, CALL)]).result(30).body
    assert other["id"] != conversation["id"]
    target = projection("item_analytics")
    rebuild(fresh.database, fresh.app, target)
    with fresh.database.read() as curs:
        rows = item_days(ItemTypeTables(fresh.database.dialect), curs, "alpha")
    counts = {row["type"]: (row["created"], row["deleted"]) for row in rows}
    assert counts == {"function_call": (2, 1), "message": (2, 1)}
    assert len({row["day"] for row in rows}) == 1
    assert verify(fresh.database, fresh.app, target) == []
