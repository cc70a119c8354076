"""A streaming replica of a private PostgreSQL cluster, made by ``pg_basebackup`` into a folder of its own."""

from __future__ import annotations

import psycopg

from tests.support.private_postgres import PrivatePostgres


class StreamingReplica(PrivatePostgres):
    """A hot standby replaying the primary's WAL as it is streamed (started by ``start``)."""

    def __init__(self, primary: PrivatePostgres) -> None:
        self._prepare(None, "msgstore-replica-")
        # -R writes standby.signal and primary_conninfo; -X stream copies the WAL the backup needs.
        self._run(
            "pg_basebackup", "-D", str(self.data), "-h", "127.0.0.1", "-p", str(primary.port),
            "-U", "postgres", "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip

    def database(self, primary_url: str) -> str:
        """The URL of a database of the primary, as this replica serves it."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{primary_url.rsplit('/', 1)[1]}"

    def pause(self) -> None:
        """Stop replaying the WAL it receives (a replica falling behind, as long as it takes)."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        """Replay again."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
