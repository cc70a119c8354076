"""Rebuild a projection beside its live tables and take over atomically (verifying one: ``runners.verify``)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from projections.messages.projector import MESSAGES_PROJECTION
from projections.projection import Projection
from projections.registry import projection
from projections.runners.catch_up import COPY_PAGE, Progress, apply_until, chase, log_reader
from projections.runners.page_writer import building_copy
from projections.runners.verify import Difference, verify_at_position
from projections.storage.locks import holding
from projections.storage.positions import forget_position, lock_position, read_position, record_position

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from projections.storage.database import Database

REBUILD_SUFFIX = "_rebuild"
PAGE = COPY_PAGE


def rebuild(
    database: Database, app: Application[Any], target: Projection, progress: Progress | None = None, *, page: int = PAGE
) -> int:
    """Rebuild ``target`` from the whole log and swap it in; return the number of events applied.

    The copy is built in tables beside the live ones (suffix ``_rebuild``) page by page, each page
    one transaction with its position, so a rebuild that was killed resumes where it stopped. The
    last events are applied with new events held back, and the copy takes the live tables' names
    in that same transaction: readers see the old view or the new one, never a broken one.
    """
    with holding(database, f"rebuild-{target.name}"), building_copy(database):
        return rebuild_generation(database, app, target, progress, page)


def rebuild_generation(
    database: Database, app: Application[Any], target: Projection, progress: Progress | None, page: int
) -> int:
    """Build ``target`` beside its live tables and swap it in (the caller holds the rebuild lock)."""
    dialect = database.dialect
    shadow_name = target.name + REBUILD_SUFFIX
    shadow = target.generation(dialect, REBUILD_SUFFIX)
    projector = target.build(dialect, REBUILD_SUFFIX)
    reader = log_reader(app, target.handles(dialect))
    with database.transaction() as curs:
        position = read_position(curs, dialect, shadow_name)
        if position is None:  # nothing to resume: start from an empty copy
            shadow.drop(curs)
        # Secondary indexes cost less built once at the end than kept up row by row.
        shadow.create_tables(curs)
    start = position = position or 0
    if progress is not None:
        progress(start, reader.head())
    applied = chase(database, reader, projector, shadow_name, page, progress)
    if dialect.renames_indexes:  # indexes are renamed at the swap; SQLite builds the live ones there
        with database.transaction() as curs:
            shadow.create_indexes(curs)
        applied += chase(database, reader, projector, shadow_name, page, progress)
    with database.transaction(lock_events=True) as curs:
        lock_position(curs, dialect, target.name)  # the worker waits for us
        position = read_position(curs, dialect, shadow_name) or start
        head = reader.head()
        applied += apply_until(curs, reader, projector, position, head, page)
        shadow.replace(curs, target.generation(dialect))
        record_position(curs, dialect, target.name, head, int(time.time()))
        forget_position(curs, dialect, shadow_name)
    if progress is not None:
        progress(head, head)
    return applied


def verify(
    database: Database, app: Application[Any], target: Projection, progress: Progress | None = None, *, page: int = PAGE
) -> list[Difference]:
    """The tables where ``target`` differs from a fresh build, compared at its own position (see ``runners.verify``)."""
    return verify_at_position(database, app, target, progress, page=page).differences


def rebuild_messages_view(
    database: Database, app: Application[Any], progress: Progress | None = None, *, page: int = PAGE
) -> int:
    """Rebuild the thread and message views the API serves (see ``rebuild``)."""
    return rebuild(database, app, projection(MESSAGES_PROJECTION), progress, page=page)
