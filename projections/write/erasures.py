"""Erasure commands: a message's or a whole thread's content destroyed, recorded with who asked and why."""

from __future__ import annotations

import sqlite3
from concurrent.futures import Future

from domain.states import Actor
from projections.messages.tables import ViewTables
from projections.write.command import Outcome
from projections.write.conversations import ConversationCommands

OPERATOR_KEY_ID = "operator"
"""The ``key_id`` of an operator's erasure (``msgstore erase``): no API key made it."""


class ErasureCommands(ConversationCommands):
    """Erasing content: the event, the destroyed data keys and the emptied views commit together, or nothing does."""

    def erase_message(self, actor: Actor, thread_id: str, message_id: str, reason: str) -> Future[Outcome]:
        """Erase one message's or item's content; it answers ``content: []`` from now on."""
        body = {"id": message_id, "object": "thread.message.erased", "erased": True}
        return self._change(
            actor, thread_id, lambda t: t.erase_message(message_id, reason, actor), lambda _: (200, body), None
        )

    def erase_thread(self, actor: Actor, thread_id: str, reason: str) -> Future[Outcome]:
        """Erase a thread (a conversation) and all its content; it is gone, as if deleted."""
        body = {"id": thread_id, "object": "thread.erased", "erased": True}
        return self._change(actor, thread_id, lambda t: t.erase(reason, actor), lambda _: (200, body), None)

    def owner(self, thread_id: str) -> str | None:
        """The tenant owning a thread, deleted or not (None if there is no such thread)."""
        threads = ViewTables(self.database.dialect).threads
        with self.database.read() as curs:
            curs.execute(self.database.dialect.q(f"SELECT tenant FROM {threads} WHERE thread_id = %s"), (thread_id,))
            row = curs.fetchone()
        return None if row is None else str(row["tenant"])

    def operator(self, thread_id: str) -> Actor | None:
        """The actor an operator erases a thread's content as (its owner's tenant), or None if there is no thread."""
        tenant = self.owner(thread_id)
        return None if tenant is None else {"tenant": tenant, "key_id": OPERATOR_KEY_ID}

    def flush_erased(self) -> None:
        """On SQLite, move the write-ahead log into the file and empty it: old page images held the erased keys."""
        if self.database.dialect.name == "sqlite":
            path = self.database.url.removeprefix("sqlite:///")
            with sqlite3.connect(path, timeout=30) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
