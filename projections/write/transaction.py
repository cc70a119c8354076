"""What a write transaction does after its events' insert: the inline views, the answers, the data keys."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from projections.crypto.columns import sealed_answer, sealing
from projections.crypto.erasure import erase_keys
from projections.projection import Projector
from projections.storage.application import ThreadsApplication
from projections.storage.database import Database
from projections.storage.row_projector import RowProjector
from projections.storage.sql import Cursor
from projections.write.command import Command, Outcome
from projections.write.renders import prefetch_all


@dataclass(frozen=True)
class TransactionWork:
    """The writer's work inside each transaction, beside the events: one place for what commits with them."""

    app: ThreadsApplication
    database: Database
    projectors: Sequence[Projector]
    retry_window: float  # how long an SDK request's answer is kept for its retries
    fence: Callable[[Cursor, Sequence[Any]], None] | None  # a sharded store's check of moved tenants

    def inline(self, events: Sequence[Any], commands: list[Command]) -> Callable[[Cursor, Sequence[int]], None]:
        """The step the event store runs in the events' transaction, after their insert (``ids``: their positions)."""

        def inline(curs: Cursor, ids: Sequence[int]) -> None:
            if self.fence is not None:  # after the events' insert took the table lock that a move's switch takes
                self.fence(curs, events)
            with sealing(curs, self.app.keyring):  # new content's data keys first; the rows sealed under them
                self._write_views(curs, ids, commands, events)
            erase_keys(curs, self.database, self.app.keyring, events)  # after the views: they read the content

        return inline

    def _write_views(self, curs: Cursor, ids: Sequence[int], commands: list[Command], events: Sequence[Any]) -> None:
        """The inline views' changes and the commands' answers (remembered for idempotent requests)."""
        now = int(time.time())
        for projector in self.projectors:
            projector.apply(curs, events, ids[-1] if ids else None, now)
        # A message a delta changed in place is answered from its row as the view now holds it, not read back.
        changed = [p.changed_row for p in self.projectors if isinstance(p, RowProjector)]
        prefetch_all(
            curs, [c.render for c in commands], lambda t, k: next(filter(None, (f(t, k) for f in changed)), None)
        )
        for command in commands:
            status, body = command.render(curs)
            idem = command.idempotency
            if idem is not None:
                # A retry whose first attempt was recorded meanwhile (it waited here while the retry's own
                # look-up found nothing) conflicts, and is answered with that attempt's outcome instead.
                keep_since = now - int(self.retry_window) if idem.retry else None
                answer = (idem.tenant, idem.key, idem.fingerprint, status, body, now)
                stored = sealed_answer(body, command.thread_id)
                self.database.remember_response(
                    curs, *answer, replace=idem.implicit, keep_since=keep_since, stored=stored
                )
            command.outcome = Outcome(status, body, idem.fingerprint if idem else None)
