"""Setting a store's projections up: every registered projection's tables, and inline ones given the log so far."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from projections.registry import PROJECTIONS, inline_projections
from projections.runners.heartbeat import create_workers_table
from projections.runners.page_writer import building_copy
from projections.runners.rebuild import PAGE, rebuild_generation
from projections.storage.database import retry_deadlocks
from projections.storage.locks import holding
from projections.storage.positions import read_position, record_position

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from projections.storage.database import Database


def setup_projections(database: Database, app: Application[Any]) -> None:
    """Create every projection's live tables and the workers' heartbeat table; backfill inline ones that never ran."""

    def create() -> None:
        with database.setup_lock(), database.transaction() as curs:
            for target in PROJECTIONS:
                target.generation(database.dialect).create(curs)
            create_workers_table(curs, database.dialect)

    retry_deadlocks(create)
    backfill_inline(database, app)


def backfill_inline(database: Database, app: Application[Any]) -> None:
    """Give every inline projection that never ran the whole log before the writer feeds it.

    A new store records its (empty) starting point; an inline projection added to an existing store
    is rebuilt, once, by whichever process gets there first.
    """
    dialect = database.dialect
    for target in inline_projections():
        with database.read() as curs:
            if read_position(curs, dialect, target.name) is not None:
                continue
        with holding(database, f"rebuild-{target.name}"):
            with database.transaction(lock_events=True) as curs:
                if read_position(curs, dialect, target.name) is not None:
                    continue
                if not app.recorder.max_notification_id():
                    record_position(curs, dialect, target.name, 0, int(time.time()))
                    continue
            with building_copy(database):
                rebuild_generation(database, app, target, None, PAGE)
