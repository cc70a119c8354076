"""The audit history of threads: event logs, message versions, and threads as they were at any moment."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from domain.errors import MessageNotFound, ThreadNotFound
from projections.history.render import rfc3339
from projections.history.state import microseconds
from projections.history.tables import HistoryTables
from projections.history.view import HistoryView
from projections.pages import Page
from projections.storage.sql import Cursor

if TYPE_CHECKING:
    from projections.storage.database import Database

_SECONDS = re.compile(r"\d{1,20}(\.\d{1,9})?")
_LATEST_US = 253_402_300_800 * 1_000_000  # year 10000: later instants mean "now"


class InvalidPointInTime(ValueError):
    """A point in time that cannot be read, or a version the thread has not reached."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


class AbsentAtPointInTime(ThreadNotFound):
    """The thread exists, but did not yet, or no longer, at the point in time asked for."""

    def __init__(self, thread_id: str, message: str, param: str) -> None:
        super().__init__(thread_id)
        self.args = (message,)
        self.param = param


def instant_us(text: str, name: str = "as_of") -> int:
    """Microseconds since the epoch of Unix seconds (``1714564800``, ``1714564800.25``) or RFC 3339.

    ``name``: what the value was given as, for the error (the API's parameter, or a command's option).
    """
    value = text.strip()
    if _SECONDS.fullmatch(value):
        return min(int(Decimal(value) * 1_000_000), _LATEST_US)
    candidates = [value]
    if " " in value:  # a "+" of an offset arrives as a space when the client did not encode it
        head, _, tail = value.rpartition(" ")
        candidates.append(f"{head}+{tail}")
    for candidate in candidates:
        try:
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if moment.tzinfo is None:
            raise InvalidPointInTime(
                f"Invalid '{name}': {text!r} has no time zone; add 'Z' or an offset such as '+02:00'.", name
            )
        return microseconds(moment)
    raise InvalidPointInTime(
        f"Invalid '{name}': expected Unix seconds or an RFC 3339 timestamp (e.g. '2024-05-01T12:00:00Z'),"
        f" but got {text!r} instead.",
        name,
    )


@dataclass(frozen=True)
class PointInTime:
    """A moment in a thread's life: an instant (microseconds since the epoch) or an aggregate version."""

    at_us: int | None = None
    version: int | None = None


class History:
    """Answers audit questions from the history tables; ``tenant=None`` is an operator (no tenancy).

    The tables are kept by ``HistoryProjector``, registered as an asynchronous projection in
    ``projections/registry.py``; every read first brings them up to date with the log
    (``ensure_up_to_date``: ``runners/up_to_date.py`` in the store).
    """

    def __init__(self, database: Database, ensure_up_to_date: Callable[[], object]) -> None:
        self.database = database
        self.view = HistoryView(HistoryTables(database.dialect))
        self.ensure_up_to_date = ensure_up_to_date

    def events(self, tenant: str | None, thread_id: str, **page: Any) -> Page:
        """A page of a thread's events, deleted threads included (see ``HistoryView.events``)."""
        self.ensure_up_to_date()
        with self.database.read() as curs:
            self._owned(curs, tenant, thread_id)
            return self.view.events(curs, thread_id, **page)

    def versions(self, tenant: str | None, thread_id: str, message_id: str, **page: Any) -> Page:
        """A page of a message's versions, deleted messages included."""
        self.ensure_up_to_date()
        with self.database.read() as curs:
            self._owned(curs, tenant, thread_id)
            if not self.view.has_message(curs, thread_id, message_id):
                raise MessageNotFound(message_id)
            return self.view.versions(curs, thread_id, message_id, **page)

    def thread_at(self, tenant: str | None, thread_id: str, at: PointInTime) -> dict[str, Any]:
        """The thread as it was at a point in time (404 before it existed and after it was deleted)."""
        self.ensure_up_to_date()
        with self.database.read() as curs:
            return self._at(curs, tenant, thread_id, at)[0]

    def messages_at(self, tenant: str | None, thread_id: str, at: PointInTime, **page: Any) -> Page:
        """A page of the thread's messages as they were at a point in time."""
        self.ensure_up_to_date()
        with self.database.read() as curs:
            _, version, seq_high = self._at(curs, tenant, thread_id, at)
            return self.view.messages_at(curs, thread_id, version, seq_high, **page)

    def count(self, *, tenant: str | None = None, since_us: int | None = None) -> int:
        """How many events ``export`` yields."""
        self.ensure_up_to_date()
        with self.database.read() as curs:
            return self.view.count(curs, tenant=tenant, since_us=since_us)

    def export(
        self, *, tenant: str | None = None, since_us: int | None = None, page: int = 500
    ) -> Iterator[dict[str, Any]]:
        """Every event (of a tenant, since an instant), by thread and version, one page per read."""
        self.ensure_up_to_date()
        after: tuple[str, int] | None = None
        while True:
            with self.database.read() as curs:
                rows = self.view.export_page(curs, tenant=tenant, since_us=since_us, after=after, limit=page)
            yield from rows
            if len(rows) < page:
                return
            after = (rows[-1]["thread_id"], rows[-1]["version"])

    def _owned(self, curs: Cursor, tenant: str | None, thread_id: str) -> None:
        owner = self.view.owner(curs, thread_id)
        if owner is None or (tenant is not None and owner != tenant):
            raise ThreadNotFound(thread_id)

    def _at(self, curs: Cursor, tenant: str | None, thread_id: str, at: PointInTime) -> tuple[dict[str, Any], int, int]:
        point = self.view.point(curs, thread_id, version=at.version, at_us=_LATEST_US if at.at_us is None else at.at_us)
        if point is None:
            if at.version is not None:  # beyond the thread's head; a foreign or missing thread is a 404 first
                self._owned(curs, tenant, thread_id)
                head = self.view.head(curs, thread_id)
                raise InvalidPointInTime(
                    f"Invalid 'version': the thread is at version {head}. Expected a value <= {head},"
                    f" but got {at.version} instead.",
                    "version",
                )
            self._owned(curs, tenant, thread_id)  # a foreign or missing thread stays a plain 404
            asked, created = rfc3339(at.at_us or 0), rfc3339(self.view.created_us(curs, thread_id))
            message = f"Thread '{thread_id}' did not exist yet at 'as_of' {asked}: it was created at {created}."
            raise AbsentAtPointInTime(thread_id, message, "as_of")
        version, seq_high = point
        found = self.view.thread_at(curs, thread_id, version, tenant)
        if found is None:
            self._owned(curs, tenant, thread_id)
            param, asked = ("as_of", rfc3339(at.at_us or 0)) if at.version is None else ("version", str(at.version))
            message = f"Thread '{thread_id}' was deleted at or before '{param}' {asked}."
            raise AbsentAtPointInTime(thread_id, message, param)
        return found, version, seq_high
