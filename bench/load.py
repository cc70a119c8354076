"""A bounded load generator: N concurrent clients spread over worker processes, for a fixed duration.

Each worker process runs an asyncio loop (uvloop) with its share of the clients; every client sends
one request at a time and records the latency of each one that completes inside the measured window
(after a warm-up). Workers measure their own CPU time so the report can show the generator was not
the bottleneck.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from typing import Any, TypeVar

from bench.client import Connection

Plan = TypeVar("Plan")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Workload:
    """What every client does, over and over.

    ``op``: ``post`` (``body`` to a random path), ``get`` (a random path), ``ryw`` (post to ``port``, then
    get the created message from ``read_port``), ``pg_insert`` / ``pg_select`` (the baseline's SQL with
    psycopg, ``paths`` holding the parameters).
    """

    op: str
    paths: tuple[Any, ...]
    port: int = 0
    api_key: str = ""
    body: bytes = b""
    read_port: int = 0
    dsn: str = ""
    host: str = "127.0.0.1"


@dataclass
class Sample:
    """What the clients of one worker process saw in the measured window."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    cpu_seconds: float = 0.0


class Client:
    """One client's connection(s) and its next request."""

    def __init__(self, workload: Workload, seed: int) -> None:
        self.w = workload
        self.rng = random.Random(seed)
        self.conn = Connection(workload.host, workload.port, workload.api_key)
        self.reader = Connection(workload.host, workload.read_port or workload.port, workload.api_key)
        self.pg: Any = None

    async def open(self) -> None:
        if self.w.op.startswith("pg_"):
            import psycopg

            self.pg = await psycopg.AsyncConnection.connect(self.w.dsn, autocommit=True)

    async def close(self) -> None:
        await self.conn.close()
        await self.reader.close()
        if self.pg is not None:
            await self.pg.close()

    async def once(self) -> str | None:
        """Send one request; return None on success or a description of the failure."""
        w, target = self.w, self.rng.choice(self.w.paths)
        if w.op == "get":
            reply = await self.conn.request("GET", target)
        elif w.op == "post":
            reply = await self.conn.request("POST", target, w.body)
        elif w.op == "ryw":
            reply = await self.conn.request("POST", target, w.body)
            if reply.status == 200:
                created: Any = reply.json()
                reply = await self.reader.request("GET", f"{target}/{created['id']}")
        elif w.op == "pg_insert":
            sql, params = target
            from domain.ids import new_message_id

            await (await self.pg.execute(sql, (new_message_id(), int(time.time()), *params))).fetchone()
            return None
        elif w.op == "pg_select":
            sql, params = target
            row = await (await self.pg.execute(sql, params)).fetchone()
            return None if row is not None else f"no row for {params}"
        else:
            raise ValueError(w.op)
        return None if reply.status == 200 else f"{reply.status} {reply.body[:300]!r}"


async def _clients(
    workload: Workload, clients: int, seed: int, start_at: float, warmup: float, duration: float
) -> Sample:
    sample = Sample()
    begin, end = start_at + warmup, start_at + warmup + duration
    members = [Client(workload, seed * 1000 + i) for i in range(clients)]
    await asyncio.gather(*(c.open() for c in members))
    await asyncio.sleep(max(0.0, start_at - time.time()))
    cpu0 = time.process_time()

    async def loop(client: Client) -> None:
        while True:
            t0 = time.time()
            if t0 >= end:
                return
            try:
                failure = await client.once()
            except Exception as e:  # a failed request counts; the client goes on
                failure = f"{type(e).__name__}: {e}"
            t1 = time.time()
            if begin <= t1 <= end:
                if failure is None:
                    sample.latencies.append(t1 - t0)
                else:
                    sample.errors += 1
                    sample.first_error = sample.first_error or failure

    await asyncio.gather(*(loop(c) for c in members))
    sample.cpu_seconds = time.process_time() - cpu0
    await asyncio.gather(*(c.close() for c in members))
    return sample


async def _prime(workload: Workload, paths: tuple[Any, ...], clients: int) -> int:
    """Send one request to each of ``paths`` (``clients`` at a time); return how many failed."""
    members = [Client(workload, i) for i in range(clients)]
    await asyncio.gather(*(c.open() for c in members))
    failed = 0

    async def walk(client: Client, mine: tuple[Any, ...]) -> None:
        nonlocal failed
        for target in mine:
            client.w = replace(workload, paths=(target,))
            try:
                failed += (await client.once()) is not None
            except Exception:
                failed += 1

    await asyncio.gather(*(walk(c, paths[i::clients]) for i, c in enumerate(members)))
    await asyncio.gather(*(c.close() for c in members))
    return failed


def _prime_work(workload: Workload, paths: tuple[Any, ...], clients: int) -> int:
    return asyncio.run(_prime(workload, paths, clients))


def _work(workload: Workload, clients: int, seed: int, start_at: float, warmup: float, duration: float) -> Sample:
    try:
        import uvloop

        return uvloop.run(_clients(workload, clients, seed, start_at, warmup, duration))
    except ImportError:
        return asyncio.run(_clients(workload, clients, seed, start_at, warmup, duration))


class LoadGenerator:
    """A pool of worker processes, started once and reused by every measurement."""

    def __init__(self, processes: int = 2) -> None:
        self.processes = processes
        self._pool = ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn"))
        # Start the workers now (imports included) so no measurement pays for it.
        for f in [self._pool.submit(time.sleep, 0.1) for _ in range(processes)]:
            f.result()

    def run(
        self,
        workload: Workload,
        clients: int,
        *,
        warmup: float,
        duration: float,
        observe: Callable[[float, float], None] | None = None,
    ) -> Sample:
        """Run ``clients`` concurrent clients and return what all of them saw, merged.

        ``observe(begin, end)`` runs meanwhile in this process, given the wall-clock edges of the
        measured window (to read CPU counters there, say).
        """
        shares = _split(clients, min(self.processes, clients))
        start_at = time.time() + 0.3
        futures: list[Future[Sample]] = [
            self._pool.submit(_work, workload, n, i, start_at, warmup, duration) for i, n in enumerate(shares)
        ]
        if observe is not None:
            observe(start_at + warmup, start_at + warmup + duration)
        merged = Sample()
        for f in futures:
            part = f.result()
            merged.latencies.extend(part.latencies)
            merged.errors += part.errors
            merged.first_error = merged.first_error or part.first_error
            merged.cpu_seconds += part.cpu_seconds
        return merged

    def each(
        self,
        fn: Callable[[Plan], Result],
        plans: list[Plan],
        observe: Callable[[], None] | None = None,
    ) -> list[Result]:
        """Run ``fn(plan)`` in the worker processes, one plan each; ``observe()`` runs meanwhile in this process."""
        futures = [self._pool.submit(fn, plan) for plan in plans]
        if observe is not None:
            observe()
        return [f.result() for f in futures]

    def prime(self, workload: Workload, clients: int, limit: int = 20_000) -> int:
        """Send one request to every distinct path of ``workload`` (up to ``limit``); return the failures.

        A server that has been running holds its working set in its caches (the store its aggregates,
        PostgreSQL its pages): priming measures that steady state rather than the first touch of each.
        """
        paths = tuple(dict.fromkeys(self._hashable(p) for p in workload.paths))[:limit]
        parts = min(self.processes, len(paths)) or 1
        futures = [
            self._pool.submit(_prime_work, workload, paths[i::parts], max(1, clients // parts)) for i in range(parts)
        ]
        return sum(f.result() for f in futures)

    @staticmethod
    def _hashable(path: Any) -> Any:
        return path if not isinstance(path, tuple) else (path[0], tuple(path[1]))

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]
