"""Crypto-shredding: an erasure event destroys, in its own transaction, the data keys that covered the content."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.thread import Thread
from projections.crypto.keyring import Keyring
from projections.crypto.sealing import COLUMN_MARK
from projections.storage.database import IDEMPOTENCY_TABLE, Database
from projections.storage.sql import Cursor


def erase_keys(curs: Cursor, database: Database, keyring: Keyring | None, events: Sequence[Any]) -> list[str]:
    """Delete the data keys the erasure events among ``events`` name, and the answers kept under them."""
    messages = [e.message_id for e in events if isinstance(e, Thread.MessageErased)]
    threads = [e.thread_id for e in events if isinstance(e, Thread.Erased)]
    if not messages and not threads:
        return []
    if database.dialect.name == "sqlite":
        curs.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten with zeros, not left in free space
    if keyring is None:
        erased = list(dict.fromkeys([*messages, *threads]))
    else:
        erased = keyring.erase(curs, key_ids=messages, thread_ids=threads)
    # Answers kept for retries under the erased keys: unreadable already (a recall finds none), deleted here
    # for the message and thread keys named (a thread's messages' answers expire with their retry window).
    q = database.dialect.q
    for key_id in dict.fromkeys([*messages, *threads]):
        curs.execute(q(f"DELETE FROM {IDEMPOTENCY_TABLE} WHERE response LIKE %s"), (f"{COLUMN_MARK}_:{key_id}:%",))
    return erased


def erase_tenant_keys(database: Database, keyring: Keyring | None, tenant: str) -> list[str]:
    """Destroy every data key of a tenant, and the answers kept for its retries, in one transaction."""
    with database.transaction() as curs:
        if database.dialect.name == "sqlite":
            curs.execute("PRAGMA secure_delete = ON")
        curs.execute(database.dialect.q(f"DELETE FROM {IDEMPOTENCY_TABLE} WHERE tenant = %s"), (tenant,))
        return [] if keyring is None else keyring.erase(curs, tenants=[tenant])
