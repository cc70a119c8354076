"""Verifying a projection: a fresh build from the log in scratch tables, compared with the live one, and its lag."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from projections.projection import Projection
from projections.runners.catch_up import COPY_PAGE, Progress, apply_until, catch_up, log_reader, read_position_of
from projections.runners.page_writer import building_copy
from projections.storage.locks import holding
from projections.storage.positions import forget_position, lock_position, read_position
from projections.storage.sql import Cursor

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from projections.storage.database import Database

VERIFY_SUFFIX = "_verify"
PATIENCE_SECONDS = 10.0  # how long verify waits for a projection behind the head that does not move at all
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Difference:
    """Rows of one table that only the live view has, and rows only the fresh build has."""

    table: str
    only_live: int
    only_fresh: int


@dataclass(frozen=True)
class Verification:
    """What verify found: the tables that differ at ``position``, and how far that is from the log's head."""

    differences: list[Difference]
    position: int  # the live projection's position, where both were compared
    head: int  # the log's head when the verification began

    @property
    def behind(self) -> int:
        """Events recorded before the verification began that the live projection has not applied."""
        return max(0, self.head - self.position)

    @property
    def ok(self) -> bool:
        """The live projection is what the log says, up to the head the verification began at."""
        return not self.differences and not self.behind


def verify_with_head(
    database: Database,
    app: Application[Any],
    target: Projection,
    progress: Progress | None = None,
    *,
    page: int = COPY_PAGE,
    patience: float = PATIENCE_SECONDS,
) -> Verification:
    """Verify ``target`` against the whole log as it stands now.

    The log's head is read first; a projection behind it is given time to get there (its worker
    applies events meanwhile) as long as its position keeps moving, ``patience`` seconds without
    a move at most. Then it is compared with a fresh build at its position: ``behind`` says how
    many of the events recorded before the verification began it still lacks.
    """
    head = log_reader(app, target.handles(database.dialect)).head()
    position = read_position_of(database, target.name)
    still_since = time.monotonic()
    while position < head and time.monotonic() - still_since < patience:
        time.sleep(POLL_SECONDS)
        moved = read_position_of(database, target.name)
        if moved != position:
            position, still_since = moved, time.monotonic()
    found = verify_at_position(database, app, target, progress, page=page)
    return Verification(found.differences, found.position, max(head, found.position))


def verify_at_position(
    database: Database,
    app: Application[Any],
    target: Projection,
    progress: Progress | None = None,
    *,
    page: int = COPY_PAGE,
) -> Verification:
    """Build ``target`` from scratch into scratch tables, compare them with the live ones at its position, drop them.

    The comparison runs with new events held back, at the live projection's own position; the
    result's ``head`` is that position too (see ``verify_with_head`` for the comparison with the log).
    """
    dialect = database.dialect
    scratch_name = target.name + VERIFY_SUFFIX
    scratch = target.generation(dialect, VERIFY_SUFFIX)
    projector = target.build(dialect, VERIFY_SUFFIX)
    reader = log_reader(app, target.handles(dialect))
    with holding(database, f"verify-{target.name}"), building_copy(database):
        with database.transaction() as curs:
            scratch.drop(curs)
            forget_position(curs, dialect, scratch_name)
            scratch.create(curs)
            stop = read_position(curs, dialect, target.name) or 0
        if progress is not None:
            progress(0, stop)
        catch_up(database, reader, projector, 0, page, progress, stop=stop)
        with database.transaction(lock_events=True) as curs:
            live_position = lock_position(curs, dialect, target.name)
            position = read_position(curs, dialect, scratch_name) or 0
            apply_until(curs, reader, projector, position, live_position, page)
            differences = [
                _compare(curs, fresh, current)
                for fresh, current in zip(
                    target.table_names(dialect, VERIFY_SUFFIX), target.table_names(dialect), strict=True
                )
            ]
            scratch.drop(curs)
            forget_position(curs, dialect, scratch_name)
    return Verification([d for d in differences if d.only_live or d.only_fresh], live_position, live_position)


def _compare(curs: Cursor, fresh: str, live: str) -> Difference:
    counts = []
    for a, b in ((live, fresh), (fresh, live)):
        curs.execute(f"SELECT COUNT(*) AS n FROM (SELECT * FROM {a} EXCEPT SELECT * FROM {b}) AS d")
        counts.append(int(curs.fetchone()["n"]))
    return Difference(live, counts[0], counts[1])
