"""Crypto-shredding: an erasure event destroys, in its own transaction, the data keys that covered the content."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.thread import Thread
from projections.conversations.tables import ItemsTables
from projections.crypto.columns import loads
from projections.crypto.keyring import Keyring
from projections.crypto.sealing import COLUMN_MARK, erased_item
from projections.messages.tables import ViewTables
from projections.storage.columns import dumps
from projections.storage.database import IDEMPOTENCY_TABLE, Database
from projections.storage.sql import Cursor, Dialect


def erase_keys(curs: Cursor, database: Database, keyring: Keyring | None, events: Sequence[Any]) -> list[str]:
    """Delete the data keys the erasure events among ``events`` name, and the answers kept under them."""
    messages = [e.message_id for e in events if isinstance(e, Thread.MessageErased)]
    threads = [e.thread_id for e in events if isinstance(e, Thread.Erased)]
    if not messages and not threads:
        return []
    database.overwrite_deleted(curs)
    for thread_id in threads:
        empty_thread_views(curs, database.dialect, thread_id)
    if keyring is None:
        erased = list(dict.fromkeys([*messages, *threads]))
    else:
        erased = keyring.erase(curs, key_ids=messages, thread_ids=threads)
    # Answers kept for retries under the erased keys: unreadable already (a recall finds none), deleted here
    # for the message and thread keys named (a thread's messages' answers expire with their retry window).
    # Each answer is its tenant's (the table's key begins with the tenant): only that tenant's answers are read.
    owners: dict[str, str] = {}  # erased key id -> its tenant (erasures are by the owning tenant's actors)
    for e in events:
        if isinstance(e, Thread.MessageErased | Thread.Erased):
            owners[e.message_id if isinstance(e, Thread.MessageErased) else e.thread_id] = e.actor["tenant"]
    delete = database.dialect.q(f"DELETE FROM {IDEMPOTENCY_TABLE} WHERE tenant = %s AND response LIKE %s")
    for key_id, tenant in owners.items():
        curs.execute(delete, (tenant, f"{COLUMN_MARK}_:{key_id}:%"))
    return erased


def erase_tenant_keys(database: Database, keyring: Keyring | None, tenant: str) -> list[str]:
    """Destroy every data key of a tenant, and the answers kept for its retries, in one transaction."""
    with database.transaction() as curs:
        database.overwrite_deleted(curs)
        curs.execute(database.dialect.q(f"DELETE FROM {IDEMPOTENCY_TABLE} WHERE tenant = %s"), (tenant,))
        return [] if keyring is None else keyring.erase(curs, tenants=[tenant])


def empty_thread_views(curs: Cursor, dialect: Dialect, thread_id: str) -> None:
    """Give an erased thread's rows of the inline views what a rebuild gives them: empty values, in clear.

    Its ciphertext could not be read any more; without this the live views and a rebuild would still
    differ in their bytes (and ``msgstore projections verify`` would say so).
    """
    views, items, q = ViewTables(dialect), ItemsTables(dialect), dialect.q
    sealed = COLUMN_MARK + "%"

    def emptied(column: str, empty: str) -> str:
        return f"{column} = CASE WHEN {column} LIKE %s THEN '{empty}' ELSE {column} END"

    sets = f"{emptied('metadata', '{}')}, {emptied('tool_resources', '{}')}"
    curs.execute(q(f"UPDATE {views.threads} SET {sets} WHERE thread_id = %s"), (sealed, sealed, thread_id))
    sets = f"{emptied('content', '[]')}, {emptied('attachments', '[]')}, {emptied('metadata', '{}')}"
    curs.execute(q(f"UPDATE {views.messages} SET {sets} WHERE thread_id = %s"), (sealed, sealed, sealed, thread_id))
    sql = f"SELECT item_id, body FROM {items.items} WHERE thread_id = %s AND body LIKE %s"
    curs.execute(q(sql), (thread_id, sealed))
    bodies = [(dumps(erased_item(loads(row["body"]))), row["item_id"]) for row in curs.fetchall()]
    if bodies:
        curs.executemany(q(f"UPDATE {items.items} SET body = %s WHERE item_id = %s"), bodies)
