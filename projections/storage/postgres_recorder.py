"""PostgreSQL's event recorder: the events and the inline views of a write in one transaction, one pipeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from psycopg.pq import TransactionStatus

from projections.storage.batch import COPY_THRESHOLD
from projections.storage.eventsourcing_internals import PostgresEventsRecorder

InlineHook = Callable[[Any, Sequence[int]], None]


class InlinePostgresRecorder(PostgresEventsRecorder):
    """Records events and, in the same transaction, whatever the ``inline`` hook writes."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        inline: InlineHook | None = kwargs.get("inline")
        # In pipeline mode a statement whose result nobody reads goes out without waiting for the answer:
        # a batch costs a round trip per read (the event ids; answers read back from the views), not one
        # per statement. COPY, which large batches use, cannot run in a pipeline (nor do they need one).
        with self.datastore.get_connection() as conn:
            if len(stored_events) < COPY_THRESHOLD:
                return self._pipelined(conn, stored_events, inline)
            with conn.transaction(), conn.cursor() as curs:
                ids = self.insert_stored_events(conn, curs, stored_events) if stored_events else []
                if inline is not None:
                    inline(curs, ids)
            return ids

    def _pipelined(self, conn: Any, stored_events: Sequence[StoredEvent], inline: InlineHook | None) -> list[int]:
        """One transaction in one pipeline, BEGIN and COMMIT sent as statements: two waits for the server.

        psycopg's transaction() inside a pipeline syncs when it begins, when its block ends and after
        COMMIT, and the pipeline once more when it closes: four round trips besides the read of the ids
        (of a create's wall time in the writer, 79% went to waiting on them at one client, py-spy).
        Here the server is waited for twice: for the event ids, and for the rest with the COMMIT.
        A failure rolls back what the transaction did (the connection is in autocommit mode otherwise).
        """
        try:
            with conn.pipeline(), conn.cursor() as curs:
                curs.execute(b"BEGIN")
                # The lock timeout, the table lock, the notification and the insert travel together.
                ids = self.insert_stored_events(conn, curs, stored_events) if stored_events else []
                if inline is not None:
                    inline(curs, ids)
                curs.execute(b"COMMIT")
        except BaseException:
            if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
                conn.rollback()
            raise
        return ids
