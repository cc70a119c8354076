"""The store the API opens: the write side's commands, the live view's reads, the history, and readiness."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.errors import ThreadNotFound
from projections.async_reads import AsyncReads
from projections.conversations.tables import ItemsTables
from projections.conversations.view import ItemsView
from projections.crypto.keyring import Keyring
from projections.crypto.master import MasterKey
from projections.crypto.sealing import OPENERS
from projections.crypto.watch import ErasureWatch
from projections.history.queries import History
from projections.history.tables import HISTORY_PROJECTION
from projections.messages.tables import ViewTables
from projections.messages.view import MessagesView
from projections.pages import Page
from projections.projection import Projector
from projections.registry import inline_projections, projection
from projections.runners.setup import setup_projections
from projections.runners.status import readiness
from projections.runners.up_to_date import UpToDate
from projections.storage.application import ThreadsApplication
from projections.storage.connect import open_database
from projections.storage.database import Database
from projections.storage.signal import EventSignal
from projections.tenant_fence import FencedHistory, check_placed, event_tenants, fence_ddl
from projections.write.commands import NewMessage
from projections.write.erasures import ErasureCommands
from projections.write.writer import Writer


class MessageStore(ErasureCommands):
    """Everything the API does with threads and messages, on one database: the composition root below ``api/``."""

    def __init__(
        self,
        database: Database,
        *,
        max_batch: int = 256,
        cache_size: int = 2000,
        on_batch: Callable[[int], None] | None = None,
        outcome_timeout: float = 120.0,
        retry_window: float = 600.0,
        master_key: MasterKey | None = None,
        previous_master_keys: Sequence[MasterKey] = (),
        encrypt: bool = True,
        sharded: bool = False,
    ) -> None:
        # With a master key, content is encrypted at rest under data keys it wraps (projections/crypto/);
        # without ``encrypt``, what was encrypted is still read and erased, and new content is written in clear.
        previous = previous_master_keys
        self.keyring = None if master_key is None else Keyring(database, master_key, previous, seals=encrypt)
        with database.setup_lock():
            self.app = ThreadsApplication(env=database.application_env(), keyring=self.keyring)
            database.adopt(self.app)
            database.setup()  # the data keys' table too
            if sharded:
                with database.transaction() as curs:
                    for statement in fence_ddl(database.dialect):
                        curs.execute(statement)
        if self.keyring is not None:
            self.keyring.check_master()
        if self.keyring is not None:
            OPENERS.add(self.keyring)
        self._erasures: ErasureWatch | None = None  # started by follow_other_processes
        self.tables = ViewTables(database.dialect)
        # Set by an API process on PostgreSQL: the hottest reads on its event loop (async_reads.py).
        self.async_reads: AsyncReads | None = None
        setup_projections(database, self.app)  # every registered projection's tables; inline ones backfilled
        # Views updated in the transaction that records the events (read-your-writes): see projections/registry.py.
        self.inline_projectors: list[Projector] = [p.build(database.dialect) for p in inline_projections()]
        history = projection(HISTORY_PROJECTION)
        history_class = FencedHistory if sharded else History  # a shard's refuses a tenant moved away
        self.history = history_class(database, UpToDate(database, self.app, history).ensure)
        self.signal = EventSignal()

        def committed(events: int) -> None:
            self.signal.notify()
            if on_batch is not None:
                on_batch(events)

        # A shard refuses the requests of a tenant moved away from it, writes and reads (tenant_fence.py).
        self.sharded = sharded
        fence = (lambda curs, events: check_placed(curs, database.dialect, event_tenants(events))) if sharded else None
        writer = Writer(
            self.app,
            database,
            self.inline_projectors,
            max_batch=max_batch,
            cache_size=cache_size,
            on_batch=committed,
            outcome_timeout=outcome_timeout,
            retry_window=retry_window,
            fence=fence,
        )
        items = ItemsView(ItemsTables(database.dialect), self.tables)
        super().__init__(database, writer, MessagesView(self.tables), items)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        pool_size: int = 10,
        db_timeout: float = 5.0,
        pool_mode: str = "session",
        read_urls: Sequence[str] = (),
        **kwargs: Any,
    ) -> MessageStore:
        """Open the store at a database URL (``pool_mode``, ``read_urls``: see ``open_database``)."""
        database = open_database(url, pool_size=pool_size, timeout=db_timeout, pool_mode=pool_mode, read_urls=read_urls)
        return cls(database, **kwargs)

    def follow_other_processes(self) -> None:
        """Wake ``signal`` waiters on events other processes record too (a listener thread).

        With encryption, keys other processes erase are forgotten here as soon as this process wakes.
        """
        self.signal.listen(self.database.listen_for_events)
        if self.keyring is not None and self._erasures is None:
            self._erasures = ErasureWatch(self.app, self.keyring, self.signal)

    def close(self) -> None:
        """Finish queued writes and release connections."""
        self.writer.stop()
        if self._erasures is not None:
            self._erasures.stop()
        if self.keyring is not None:
            OPENERS.remove(self.keyring)
        self.signal.stop()
        self.app.close()
        self.database.close()

    def _placed(self, curs: Any, tenant: str) -> None:
        """On a shard: raise ``TenantMoved`` if ``tenant`` moved away."""
        if not self.sharded:
            return
        if not self.database.read_urls:
            check_placed(curs, self.database.dialect, (tenant,))
            return
        with self.database.read() as primary:  # ``curs`` may be a replica's: a move records no event to wait for
            check_placed(primary, self.database.dialect, (tenant,))

    def thread(self, tenant: str, thread_id: str) -> dict[str, Any]:
        """Return a live thread of this tenant."""
        with self.database.view_read() as curs:
            self._placed(curs, tenant)
            found = self.view.thread(curs, tenant, thread_id)
        if found is None:
            raise ThreadNotFound(thread_id)
        return found

    def message(self, tenant: str, thread_id: str, message_id: str) -> dict[str, Any]:
        """Return a live message of a live thread of this tenant."""
        with self.database.view_read() as curs:
            self._placed(curs, tenant)
            return self.view.message_in_thread(curs, tenant, thread_id, message_id)

    def messages(self, tenant: str, thread_id: str, **page: Any) -> Page:
        """Return a page of a live thread's messages (see ``MessagesView.page``)."""
        with self.database.view_read() as curs:
            self._placed(curs, tenant)
            found = self.view.page(curs, tenant, thread_id, **page)
        if found is None:
            raise ThreadNotFound(thread_id)
        return found

    def conversation(self, tenant: str, thread_id: str) -> dict[str, Any]:
        """Return a live conversation of this tenant."""
        with self.database.view_read() as curs:
            self._placed(curs, tenant)
            return self.items.conversation(curs, tenant, thread_id)

    def item(self, tenant: str, thread_id: str, item_id: str) -> dict[str, Any]:
        """Return a live item of a live conversation of this tenant."""
        with self.database.view_read() as curs:
            self._placed(curs, tenant)
            return self.items.item(curs, tenant, thread_id, item_id)

    def item_page(self, tenant: str, thread_id: str, **page: Any) -> Page:
        """Return a page of a live conversation's items (see ``ItemsView.page_query``)."""
        with self.database.view_read() as curs:
            self._placed(curs, tenant)
            return self.items.page(curs, tenant, thread_id, **page)

    def known_items(self, item_ids: list[str]) -> set[str]:
        """Which of these ids a message or item of the store already has."""
        if not item_ids:
            return set()
        with self.database.read() as curs:
            return self.items.known(curs, item_ids)

    def items_of_tenant(self, tenant: str, item_ids: list[str]) -> dict[str, dict[str, Any]]:
        """This tenant's live items (of live conversations) with these ids, by id."""
        if not item_ids:
            return {}
        with self.database.read() as curs:
            return self.items.of_tenant(curs, tenant, item_ids)

    def readiness(self, max_async_lag: int | None = None) -> dict[str, Any]:
        """Report whether the database answers and no projection the API serves lags too far (see ``status``)."""
        return readiness(self.database, self.app, max_async_lag)


__all__ = ["MessageStore", "NewMessage"]
