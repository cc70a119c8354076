"""Where each projection stands in the event log: one row per projection, written in its own transactions."""

from __future__ import annotations

from projections.storage.sql import Cursor, Dialect

POSITIONS_TABLE = "projection_positions"


def create_positions_table(curs: Cursor, dialect: Dialect) -> None:
    """Create the table where each projection records how far into the event log it has applied."""
    curs.execute(
        f"CREATE TABLE IF NOT EXISTS {POSITIONS_TABLE} ("
        " projection TEXT PRIMARY KEY,"
        f" position {dialect.bigint} NOT NULL,"
        f" updated_at {dialect.bigint} NOT NULL)"
    )


def record_position(curs: Cursor, dialect: Dialect, projection: str, position: int, now: int) -> None:
    """Record ``position`` as the last event applied by ``projection`` (in the caller's transaction)."""
    curs.execute(
        dialect.q(
            f"INSERT INTO {POSITIONS_TABLE} (projection, position, updated_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (projection) DO UPDATE SET position = excluded.position,"
            " updated_at = excluded.updated_at"
            f" WHERE {POSITIONS_TABLE}.position < excluded.position"
        ),
        (projection, position, now),
    )


def lock_position(curs: Cursor, dialect: Dialect, projection: str) -> int:
    """Return ``projection``'s position (0 if it never ran), locking it until the caller's transaction ends.

    Whoever applies events to a projection holds this lock while it does, so no event is applied twice.
    """
    if dialect.single_writer:  # a SQLite write transaction already excludes every other writer
        return read_position(curs, dialect, projection) or 0
    curs.execute(
        f"INSERT INTO {POSITIONS_TABLE} (projection, position, updated_at) VALUES (%s, 0, 0)"
        " ON CONFLICT (projection) DO NOTHING",
        (projection,),
    )
    curs.execute(f"SELECT position FROM {POSITIONS_TABLE} WHERE projection = %s FOR UPDATE", (projection,))
    row = curs.fetchone()
    return int(row["position"])


def forget_position(curs: Cursor, dialect: Dialect, projection: str) -> None:
    """Remove a projection's recorded position."""
    curs.execute(dialect.q(f"DELETE FROM {POSITIONS_TABLE} WHERE projection = %s"), (projection,))


def read_position(curs: Cursor, dialect: Dialect, projection: str) -> int | None:
    """Return the last event position applied by ``projection``, or None if it never ran."""
    curs.execute(dialect.q(f"SELECT position FROM {POSITIONS_TABLE} WHERE projection = %s"), (projection,))
    row = curs.fetchone()
    return None if row is None else int(row["position"])
