"""A writer thread that coalesces concurrent commands into one transaction, retrying conflicts."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.errors import DomainError
from domain.ids import thread_uuid
from domain.thread import Thread
from projections.projection import Projector
from projections.storage.application import ThreadsApplication
from projections.storage.database import Database, IdempotencyConflict
from projections.storage.row_projector import RowProjector
from projections.storage.sql import Cursor
from projections.write.aggregates import ThreadCache
from projections.write.command import RETRY_KEY, Command, ConcurrencyConflict, Outcome
from projections.write.command_queue import CommandQueue
from projections.write.outcomes import recorded
from projections.write.transaction import TransactionWork

log = logging.getLogger("msgstore.writer")

MAX_ATTEMPTS = 30
PURGE_EVERY = 60.0  # seconds between removals of expired retry answers
STALE_CONNECTION = 0.5  # seconds: a record failing faster than this on a lost connection was sent on a dead one
STALE_RETRIES = 8  # attempts on further pooled connections the server may have dropped at the same moment


class Writer(CommandQueue):
    """Owns the aggregates of this process and is the only thread that changes them.

    Commands waiting while a transaction commits form the next batch: one transaction records
    all their events and view changes. A conflict with another process (optimistic concurrency)
    or an idempotency race sends the batch's commands through one at a time, each on a fresh
    aggregate, retried until it applies or is refused by a rule.
    """

    def __init__(
        self,
        app: ThreadsApplication,
        database: Database,
        projectors: Sequence[Projector],
        *,
        max_batch: int = 256,
        cache_size: int = 2000,
        on_batch: Callable[[int], None] | None = None,
        outcome_timeout: float = 120.0,
        retry_window: float = 600.0,
        fence: Callable[[Cursor, Sequence[Any]], None] | None = None,
    ) -> None:
        self.app = app
        self.outcome_timeout = outcome_timeout  # how long a commit in doubt is asked about before a 503
        self.retry_window = retry_window  # how long an SDK request's answer is kept for its retries
        # fence: a sharded store's check that no event is of a tenant moved away (tenant_fence.py)
        self._work = TransactionWork(app, database, projectors, retry_window, fence)
        self._next_purge = time.monotonic() + PURGE_EVERY
        self.database = database
        self.projectors = projectors
        self.cache_size = cache_size
        self.on_batch = on_batch
        self._threads = ThreadCache(app, cache_size, background_snapshots=not database.dialect.single_writer)
        super().__init__("msgstore-writer", max_batch)

    def stop(self) -> None:
        """Finish the queued commands, stop the thread, and write the snapshots it took."""
        super().stop()
        self._threads.stop()

    def wait_for_snapshots(self) -> None:
        """Return once every snapshot taken so far is written (snapshots are written in the background)."""
        self._threads.wait_for_snapshots()

    def _process(self, batch: list[Command], *, retry: bool = True) -> None:
        touched: dict[UUID, Thread] = {}
        fresh: set[UUID] = set()
        accepted: list[Command] = []
        alone: list[Command] = []
        for command in batch:
            uid = thread_uuid(command.thread_id)
            aggregate = touched.get(uid)
            # A new thread's random id names nothing yet: no reads to find that out (a clash shows at the save).
            if aggregate is None and not (command.creates and retry):
                cached = uid in self._threads
                aggregate = self._threads.load(uid, fresh=False)
                if not cached:
                    fresh.add(uid)
            pending = len(aggregate.pending_events) if aggregate is not None else 0
            try:
                result = command.execute(aggregate)
            except Exception as e:
                if aggregate is not None and len(aggregate.pending_events) != pending:
                    # Half-applied (a refusal after a first event, say): forget the thread as cached and
                    # the batch's work on it, and let each command run alone on threads read afresh.
                    self._threads.evict([*touched, uid])
                    for c in batch:
                        if not c.future.done() and c not in alone:
                            alone.append(c)
                    accepted = []
                    touched = {}
                    break
                if isinstance(e, DomainError) and command.idempotency is None and (uid in fresh or aggregate is None):
                    command.future.set_exception(e)
                else:
                    # The cached aggregate may be stale, or this repeats a request the batch answers:
                    # ask again, fresh, once the batch is committed.
                    alone.append(command)
                continue
            touched[uid] = result
            accepted.append(command)
        if accepted:
            failure = self._save(touched, accepted)
            if isinstance(failure, IntegrityError) and retry:
                # Another process changed one of the threads since it was cached (they were evicted):
                # once more as one batch, every thread read afresh, before going one by one.
                self._process([c for c in batch if not c.future.done()], retry=False)
                return
            if failure is not None:
                alone = [c for c in batch if c in accepted or c in alone]
        for command in alone:
            self._run_alone(command)

    def _save(self, touched: dict[UUID, Thread], commands: list[Command]) -> Exception | None:
        """Record a batch and answer its commands; return why it failed if it did and nobody was answered."""
        events = [e for aggregate in touched.values() for e in aggregate.collect_events()]
        started = time.monotonic()
        try:
            self._record(events, self._work.inline(events, commands))
        except Exception as e:
            took = time.monotonic() - started
            if self._recorded_anyway(e, events):
                self._saved(touched, commands, len(events))
                return None
            self._threads.evict(touched)
            # A connection that died at once (the server restarted since it was last used, faster than the
            # pool's check could tell) is no answer yet: the caller runs the command again, on a fresh one.
            retried = self._stale(e, took) or isinstance(e, (IntegrityError, IdempotencyConflict))
            if len(commands) == 1 and not retried:
                commands[0].future.set_exception(e)
                return None
            log.debug("batch of %d failed (%s)", len(commands), e)
            return e
        self._saved(touched, commands, len(events))
        return None

    def _saved(self, touched: dict[UUID, Thread], commands: list[Command], events: int) -> None:
        """Keep the recorded aggregates, snapshot them, and answer the commands."""
        if self.app.keyring is not None:
            self.app.keyring.saved()
        for projector in self.projectors:
            if isinstance(projector, RowProjector):
                projector.committed()
        for uid, aggregate in touched.items():
            self._threads.remember(uid, aggregate)
        self._threads.snapshot(touched.values())
        if self.on_batch is not None:
            self.on_batch(events)
        for command in commands:
            assert command.outcome is not None
            command.future.set_result(command.outcome)
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + PURGE_EVERY
            self.database.forget_responses(RETRY_KEY, int(time.time() - self.retry_window))

    def _stale(self, error: Exception, took: float) -> bool:
        """Whether a failed record died at once (``took`` seconds) on a lost connection: one the server had dropped."""
        return self.database.in_doubt(error) and took < STALE_CONNECTION

    def _recorded_anyway(self, error: Exception, events: Sequence[Any]) -> bool:
        """After a failed record: whether it committed all the same (the connection died during the commit).

        Raises ``OutcomeUnknown`` when the database cannot say within ``outcome_timeout``.
        """
        if not events or not self.database.in_doubt(error):
            return False
        return recorded(self.app, self.database, events, within=self.outcome_timeout)

    def _record(self, events: Sequence[Any], inline: Callable[[Cursor, Sequence[int]], None]) -> None:
        # Straight to the event store: Application.save() would check each event against a runtime
        # protocol (tens of microseconds an event) to tell events from aggregates.
        self.app.events.put(events, inline=inline)

    def _run_alone(self, command: Command) -> None:
        uid = thread_uuid(command.thread_id)
        for attempt in range(MAX_ATTEMPTS):
            aggregate = None
            try:
                aggregate = self._threads.load(uid, fresh=True)
                result = command.execute(aggregate)
            except DomainError as e:
                if aggregate is not None and aggregate.pending_events:
                    self._threads.evict([uid])  # refused after a first event: the cached state holds it
                self._refuse(command, e)
                return
            except Exception as e:
                self._threads.evict([uid])
                command.future.set_exception(e)
                return
            events = list(result.collect_events())
            started = time.monotonic()
            try:
                self._record(events, self._work.inline(events, [command]))
            except IntegrityError:
                self._threads.evict([uid])
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # noqa: S311 - jitter only
                continue
            except IdempotencyConflict:
                self._threads.evict([uid])
                idem = command.idempotency
                assert idem is not None
                recalled = self.database.recall_response(idem.tenant, idem.key)
                if recalled is None:
                    continue
                fingerprint, status, body = recalled
                command.future.set_result(Outcome(status, body, fingerprint, replayed=True))
                return
            except Exception as e:
                took = time.monotonic() - started
                if not self._recorded_anyway(e, events):
                    self._threads.evict([uid])
                    if self._stale(e, took) and attempt < STALE_RETRIES:
                        continue  # the pool may hold more connections the server dropped: the next is fresh or checked
                    command.future.set_exception(e)
                    return
            self._saved({uid: result}, [command], len(events))
            return
        command.future.set_exception(
            ConcurrencyConflict(f"Too many concurrent changes to thread '{command.thread_id}'.")
        )

    def _refuse(self, command: Command, error: DomainError) -> None:
        """Refuse a command, unless a request with its idempotency key was answered meanwhile.

        A retried delete finds the message already gone: its answer is the first request's.
        """
        idem = command.idempotency
        explicit = idem is not None and not idem.implicit  # a fingerprint may match an earlier, separate request
        recalled = self.database.recall_response(idem.tenant, idem.key) if explicit and idem else None
        if recalled is None:
            command.future.set_exception(error)
            return
        fingerprint, status, body = recalled
        command.future.set_result(Outcome(status, body, fingerprint, replayed=True))

