"""Reads from PostgreSQL streaming replicas, only from one that has every write acknowledged before the read began.

Writers of one store are serialized by the events table's lock, so notification ids follow commit
order, and every view row is written in the transaction of its events. The head of the log on the
primary when a read begins (one probe of its unique index) is therefore the position of the last
commit acknowledged before the read: a replica whose log holds that head has replayed that commit and
every one before it, whichever process made them. Any other replica, an unreachable one included, is
passed over for the primary: read-your-writes holds across processes, as without replicas.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, ConnectionPool, PoolTimeout

log = logging.getLogger("msgstore.replicas")

REPLICA_POOL_SIZE = 4  # connections per replica per process: each is held for one short read


def head_query(events_table: str) -> str:
    """The statement answering the head of the log (NULL while it is empty)."""
    return f"SELECT max(notification_id) AS head FROM {events_table}"


def replayed(head: int | None, replica_head: int | None) -> bool:
    """Whether a replica whose log ends at ``replica_head`` holds everything up to ``head``.

    An empty log is read from the primary: a new store's replica may not have replayed its views' tables yet.
    """
    return head is not None and replica_head is not None and replica_head >= head


class ReadCounts:
    """How many view reads each kind of server answered, for the metrics and the tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.replica = 0
        self.primary = 0
        self.observer: Callable[[bool], None] | None = None  # told of each read too (the API's metrics)

    def count(self, replica: bool) -> None:
        with self._lock:
            if replica:
                self.replica += 1
            else:
                self.primary += 1
        if self.observer is not None:
            self.observer(replica)


class Unreachable:
    """Replicas that failed lately, passed over for ``RETRY_SECONDS`` so a replica outage costs reads no waiting."""

    RETRY_SECONDS = 5.0

    def __init__(self, count: int, timeout: float) -> None:
        self.until = [0.0] * count
        self.wait = min(1.0, timeout)  # seconds a read waits for a replica's connection before passing it over

    def failed(self, n: int) -> None:
        self.until[n] = time.monotonic() + self.RETRY_SECONDS

    def order(self, first: int) -> list[int]:
        """The replicas to try, starting at ``first`` (turns share the reads), leaving out those failing lately."""
        now = time.monotonic()
        count = len(self.until)
        return [n for n in ((first + k) % count for k in range(count)) if self.until[n] <= now]


class Replicas:
    """Connection pools to a primary's streaming replicas, and the choice of one for a read."""

    def __init__(self, urls: Sequence[str], events_table: str, options: dict[str, Any], timeout: float) -> None:
        self.urls = [url.replace("postgres://", "postgresql://", 1) for url in urls]
        self.query = head_query(events_table)
        self.options = options
        self.timeout = timeout
        self.counts = ReadCounts()
        self.down = Unreachable(len(self.urls), timeout)
        self._next = itertools.cycle(range(len(self.urls)))
        self._pools = [self._pool(url, n) for n, url in enumerate(self.urls)]

    def _pool(self, url: str, n: int) -> ConnectionPool[Any]:
        return ConnectionPool(
            url,
            min_size=0,
            max_size=REPLICA_POOL_SIZE,
            kwargs={"autocommit": True, "row_factory": dict_row, **self.options},
            open=True,
            name=f"msgstore-replica-{n}",
            timeout=self.timeout,
            check=ConnectionPool.check_connection,
            reconnect_timeout=self.timeout,
        )

    def head(self, curs: Any) -> int | None:
        """The head of the log as the cursor's server sees it."""
        curs.execute(self.query)
        row = curs.fetchone()
        return None if row is None else row["head"]

    @contextmanager
    def read(self, primary: Any) -> Iterator[Any]:
        """A cursor on a replica holding every commit the primary has, else one from ``primary()`` (a context)."""
        with primary() as curs:
            head = self.head(curs)
        for n in self.down.order(next(self._next)):
            conn = self._replica_connection(n, head)
            if conn is not None:
                self.counts.count(True)
                try:
                    with conn.cursor() as replica:
                        yield replica
                finally:
                    self._pools[n].putconn(conn)
                return
        self.counts.count(False)
        with primary() as curs:
            yield curs

    def _replica_connection(self, n: int, head: int | None) -> Any:
        pool = self._pools[n]
        try:
            conn = pool.getconn(timeout=self.down.wait)
        except PoolTimeout:
            self.down.failed(n)
            return None
        try:
            with conn.cursor() as curs:
                ready = replayed(head, self.head(curs))
        except psycopg.Error as e:  # a replica that has not replayed the log's creation yet, or gone
            log.debug("replica %d not read: %s", n, e)
            if isinstance(e, psycopg.OperationalError):
                self.down.failed(n)
            pool.putconn(conn)
            return None
        if not ready:
            pool.putconn(conn)
            return None
        return conn

    def close(self) -> None:
        for pool in self._pools:
            pool.close()


class AsyncReplicas:
    """The same choice on the event loop: async pools to the replicas, the primary's head read by the caller."""

    def __init__(self, urls: Sequence[str], events_table: str, options: dict[str, Any], timeout: float) -> None:
        self.query = head_query(events_table)
        self.timeout = timeout
        self.counts = ReadCounts()
        self.down = Unreachable(len(urls), timeout)
        self._next = itertools.cycle(range(len(urls)))
        self._pools = [
            AsyncConnectionPool(
                url.replace("postgres://", "postgresql://", 1),
                min_size=0,
                max_size=REPLICA_POOL_SIZE,
                kwargs={"autocommit": True, "row_factory": dict_row, **options},
                open=False,
                name=f"msgstore-async-replica-{n}",
                timeout=timeout,
                check=AsyncConnectionPool.check_connection,
                reconnect_timeout=timeout,
            )
            for n, url in enumerate(urls)
        ]

    async def open(self) -> None:
        for pool in self._pools:
            await pool.open(wait=False)

    async def close(self) -> None:
        for pool in self._pools:
            await pool.close()

    async def head(self, conn: Any) -> int | None:
        row = await (await conn.execute(self.query)).fetchone()
        return None if row is None else row["head"]

    @asynccontextmanager
    async def connection(self, primary: Any) -> AsyncIterator[Any]:
        """A connection to a replica holding every commit the primary has, else one from ``primary()``."""
        async with primary() as conn:
            head = await self.head(conn)
        for n in self.down.order(next(self._next)):
            pool = self._pools[n]
            try:
                conn = await pool.getconn(timeout=self.down.wait)
            except PoolTimeout:
                self.down.failed(n)
                continue
            try:
                ready = replayed(head, await self.head(conn))
            except psycopg.Error as e:  # as in ``Replicas``
                if isinstance(e, psycopg.OperationalError):
                    self.down.failed(n)
                ready = False
            if not ready:
                await pool.putconn(conn)
                continue
            self.counts.count(True)
            try:
                yield conn
            finally:
                await pool.putconn(conn)
            return
        self.counts.count(False)
        async with primary() as conn:
            yield conn
