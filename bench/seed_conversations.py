"""Filling the store and the baseline with the same conversations and items before the servers start.

The store gets them through its own commands (``create_conversation``, ``add_items`` of 20 items), many
queued at once so the writer records them in large batches; the baseline's rows are copied in directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future

import orjson
import psycopg

from api.conversations.bodies import parse_items_create
from bench.crud_conversations import SCHEMA
from bench.seed import ACTOR, TEXT, Seeded
from bench.servers import TENANT
from domain.ids import canonical_thread_id, new_conversation_id, new_item_id
from projections.store import MessageStore
from projections.write.command import Outcome

MESSAGE_ITEM = {"type": "message", "role": "user", "content": TEXT}
ITEM_BODY = orjson.dumps({"items": [MESSAGE_ITEM]})  # the same message as ``seed.BODY``, as an item
BATCH = 20  # the most items one request may append
BATCH_BODY = orjson.dumps({"items": [MESSAGE_ITEM] * BATCH})
ITEM = parse_items_create({"items": [MESSAGE_ITEM]})[0]  # as the store records it, validated like a request
IN_FLIGHT = 200  # batches of items queued at once

Progress = Callable[[str], None]


def _items(n: int) -> list[tuple[str, dict[str, object]]]:
    return [(new_item_id("message"), ITEM) for _ in range(n)]


def seed_store_conversations(
    url: str, seeded: Seeded, *, conversations: int, per_conversation: int, deep: int, progress: Progress
) -> None:
    """Create the conversations and their items through the store's commands, in large batches."""
    store = MessageStore.open(url, max_batch=1000)
    started = time.monotonic()
    try:
        short = [
            store.create_conversation(ACTOR, metadata={}, items=_items(per_conversation)) for _ in range(conversations)
        ]
        seeded.conversations = [future.result().body["id"] for future in short]
        seeded.deep_conversation = store.create_conversation(ACTOR, metadata={}, items=[]).result().body["id"]
        thread_id = canonical_thread_id(seeded.deep_conversation)
        pending: list[Future[Outcome]] = []
        reported = 0
        for start in range(0, deep, BATCH):
            pending.append(store.add_items(ACTOR, thread_id, _items(min(BATCH, deep - start))))
            if len(pending) < IN_FLIGHT and start + BATCH < deep:
                continue
            seeded.deep_items.extend(item["id"] for future in pending for item in future.result().body["data"])
            pending.clear()
            if len(seeded.deep_items) - reported >= 20_000 or len(seeded.deep_items) == deep:
                reported = len(seeded.deep_items)
                rate = reported / (time.monotonic() - started)
                progress(f"store: {reported:,} items in the long conversation ({rate:,.0f}/s)")
    finally:
        store.close()
    _analyze(url)


def seed_baseline_conversations(
    url: str, seeded: Seeded, *, conversations: int, per_conversation: int, deep: int, progress: Progress
) -> None:
    """Copy the same conversations and items into the baseline's tables."""
    now, body = int(time.time()), orjson.dumps({k: v for k, v in ITEM.items() if k != "id"}).decode()
    rows_c: list[tuple[object, ...]] = []
    rows_i: list[tuple[object, ...]] = []
    for size in [deep, *[per_conversation] * conversations]:
        conversation = new_conversation_id()
        rows_c.append((conversation, TENANT, now, "{}"))
        item_ids = [new_item_id("message") for _ in range(size)]
        rows_i.extend((item_id, conversation, now, "message", body) for item_id in item_ids)
        if not seeded.deep_conversation:
            seeded.deep_conversation, seeded.deep_items = conversation, item_ids
        else:
            seeded.conversations.append(conversation)
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in SCHEMA:
            conn.execute(statement)
        with conn.transaction(), conn.cursor() as curs:
            columns = "conversation_id, tenant, created_at, metadata"
            with curs.copy(f"COPY crud_conversations ({columns}) FROM STDIN") as copy:
                for row in rows_c:
                    copy.write_row(row)
            with curs.copy("COPY crud_items (item_id, conversation_id, created_at, type, body) FROM STDIN") as copy:
                for row in rows_i:
                    copy.write_row(row)
    _analyze(url)
    progress(f"baseline: {len(rows_i):,} items copied")


def _analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
