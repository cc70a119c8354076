"""Erasure commands: a message's, a thread's or a tenant's content destroyed, recorded with who asked and why."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from domain.errors import ThreadNotFound
from domain.states import Actor
from domain.thread import Thread
from projections.crypto.erasure import erase_tenant_keys
from projections.messages.tables import ViewTables
from projections.write.command import Idempotency, Outcome
from projections.write.conversations import ConversationCommands

OPERATOR_KEY_ID = "operator"
"""The ``key_id`` of an operator's erasure (``msgstore erase``, retention): no API key made it."""


class ErasureCommands(ConversationCommands):
    """Erasing content: the event, the destroyed data keys and the emptied views commit together, or nothing does."""

    def erase_message(
        self, actor: Actor, thread_id: str, message_id: str, reason: str, *, idempotency: Idempotency | None = None
    ) -> Future[Outcome]:
        """Erase one message's or item's content; it answers ``content: []`` from now on."""
        body = {"id": message_id, "object": "thread.message.erased", "erased": True}
        return self._erase(thread_id, lambda t: t.erase_message(message_id, reason, actor), body, idempotency)

    def erase_thread(
        self, actor: Actor, thread_id: str, reason: str, *, idempotency: Idempotency | None = None
    ) -> Future[Outcome]:
        """Erase a thread (a conversation), deleted or not, and all its content; it is gone, as if deleted."""
        body = {"id": thread_id, "object": "thread.erased", "erased": True}
        return self._erase(thread_id, lambda t: t.erase(reason, actor), body, idempotency)

    def erase_tenant(self, actor: Actor, reason: str, *, timeout: float = 300.0) -> int:
        """Erase every thread of ``actor``'s tenant; return how many.

        Every data key of the tenant is destroyed first, in one transaction: from its commit no content
        of the tenant can be read, whatever happens next. Each thread's erasure is then recorded (a thread
        already erased is skipped, so an interrupted run is finished by running it again).
        """
        erase_tenant_keys(self.database, self.writer.app.keyring, actor["tenant"])
        futures = [self.erase_thread(actor, t, reason) for t in self.threads_of(actor["tenant"])]
        erased = 0
        for future in futures:
            try:
                future.result(timeout)
                erased += 1
            except ThreadNotFound:  # erased by an earlier run
                pass
        self.flush_erased()
        return erased

    def threads_of(self, tenant: str) -> list[str]:
        """The ids of a tenant's threads, deleted ones included."""
        threads = ViewTables(self.database.dialect).threads
        with self.database.read() as curs:
            curs.execute(self.database.dialect.q(f"SELECT thread_id FROM {threads} WHERE tenant = %s"), (tenant,))
            return [str(row["thread_id"]) for row in curs.fetchall()]

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
        return None if tenant is None else operator_of(tenant)

    def flush_erased(self) -> None:
        """Leave no copy of the erased keys in a log beside the database file (SQLite's write-ahead log)."""
        self.database.flush_deleted()

    def _erase(
        self, thread_id: str, change: Callable[[Thread], None], body: dict[str, object], idempotency: Idempotency | None
    ) -> Future[Outcome]:
        def execute(aggregate: Thread | None) -> Thread:
            if aggregate is None:
                raise ThreadNotFound(thread_id)
            change(aggregate)  # the rules check the tenant: a deleted thread's content may be erased too
            return aggregate

        return self._submit(thread_id, execute, lambda _: (200, body), idempotency)


def operator_of(tenant: str) -> Actor:
    """The actor of an operator's erasure of a tenant's content."""
    return {"tenant": tenant, "key_id": OPERATOR_KEY_ID}
