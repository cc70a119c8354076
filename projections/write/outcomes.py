"""Whether a batch whose connection failed during its commit was recorded: its events say, once asked."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from projections.storage.application import ThreadsApplication
from projections.storage.database import Database, DatabaseUnavailable

log = logging.getLogger("msgstore.writer")

POLL = 0.25  # seconds between questions while the database cannot be reached


class OutcomeUnknown(DatabaseUnavailable):
    """The connection failed while a commit was in flight and the database could not be asked in time."""


def recorded(app: ThreadsApplication, database: Database, events: Sequence[Any], *, within: float) -> bool:
    """Whether ``events`` (one transaction's) are in the log; raises ``OutcomeUnknown`` after ``within`` seconds.

    All of a transaction's events commit or none do: the first one answers for them all, compared
    whole (another process may have recorded a different event at the same version).
    """
    first = events[0]
    stored = app.mapper.to_stored_event(first)
    deadline = time.monotonic() + within
    logged = False
    while True:
        try:
            found = app.recorder.select_events(
                stored.originator_id, gt=stored.originator_version - 1, lte=stored.originator_version, limit=1
            )
        except Exception as e:
            if not database.unreachable(e):
                raise
            if time.monotonic() >= deadline:
                raise OutcomeUnknown(
                    "The database went away during a commit and its outcome could not be confirmed. "
                    "Retry the request with the same Idempotency-Key (the SDK's own retries are recognised)."
                ) from None
            if not logged:
                log.warning("commit outcome unknown: asking the database until %.0f s have passed", within)
                logged = True
            time.sleep(POLL)
            continue
        committed = bool(found) and (found[0].state == stored.state or _same(app, found[0], first))
        log.warning("commit outcome after a lost connection: %s", "recorded" if committed else "not recorded")
        return committed


def _same(app: ThreadsApplication, found: Any, event: Any) -> bool:
    """Whether a stored event is ``event`` once decoded (sealed content differs in its ciphertext each time)."""
    if app.keyring is None:
        return False
    return bool(vars(app.mapper.to_domain_event(found)) == vars(event))
