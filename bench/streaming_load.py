"""Streamed replies, as a load generator process runs them: runtimes writing deltas, followers on the threads' streams.

Each runtime owns one thread: it starts an in-progress assistant message, sends deltas of 1-8 tokens
on a fixed schedule (``rate`` a second; a late delta goes out at once, the schedule is not reset), and
completes the message after ``deltas`` of them, then starts the next. Its thread's followers read the
thread's Server-Sent Events; a follower's latency is from the moment the delta's POST was sent to the
moment the follower read the frame carrying it. Runtimes and followers of a thread share a process, so
they share a clock and the table of send times.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import orjson

from bench.client import Connection

WORDS = ("the", "store", "keeps", "every", "token", "of", "a", "reply", "as", "it", "is", "written", "and", "read")
REPLY = orjson.dumps({"role": "assistant", "content": "", "status": "in_progress", "assistant_id": "asst_bench"})


@dataclass(frozen=True)
class StreamPlan:
    """What one load generator process does: its threads, the schedule, and the measured window."""

    port: int
    runtime_key: str
    follower_key: str
    threads: tuple[str, ...]
    followers: int  # per thread
    rate: float  # deltas a second, per reply
    deltas: int  # per reply
    start_at: float
    warmup: float
    duration: float
    seed: int
    host: str = "127.0.0.1"
    grace: float = 1.0  # seconds after the window that followers keep reading


@dataclass
class StreamSample:
    """What one process saw: deltas acknowledged (all, and in the window), latencies, failures."""

    acked: int = 0  # deltas acknowledged inside the measured window
    acked_total: int = 0  # over the whole run (warm-up included), for bytes per reply
    replies_total: int = 0  # replies started over the whole run
    posts: list[float] = field(default_factory=list)  # delta POST latencies in the window, seconds
    follows: list[float] = field(default_factory=list)  # POST sent -> follower read, seconds
    expected: int = 0  # follower receipts due for the deltas sent in the window
    errors: int = 0
    first_error: str | None = None
    cpu_seconds: float = 0.0

    def fail(self, what: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or what

    def merge(self, other: StreamSample) -> None:
        for name in ("acked", "acked_total", "replies_total", "expected", "errors", "cpu_seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.posts.extend(other.posts)
        self.follows.extend(other.follows)
        self.first_error = self.first_error or other.first_error


class Run:
    """The runtimes and followers of one process, sharing the send times of the deltas."""

    def __init__(self, plan: StreamPlan) -> None:
        self.plan = plan
        self.sample = StreamSample()
        self.sent: dict[tuple[str, int], float] = {}  # (message id, n-th delta) -> when its POST was sent
        self.begin = plan.start_at + plan.warmup
        self.end = self.begin + plan.duration

    def in_window(self, t: float) -> bool:
        return self.begin <= t <= self.end

    async def runtime(self, thread_id: str, rng: random.Random) -> None:
        plan, sample = self.plan, self.sample
        conn = Connection(plan.host, plan.port, plan.runtime_key)
        path = f"/v1/threads/{thread_id}/messages"
        due = plan.start_at + rng.random() / plan.rate  # runtimes out of step with each other
        try:
            while time.time() < self.end:
                reply = await conn.request("POST", path, REPLY)
                if reply.status != 200:
                    sample.fail(f"create {reply.status} {reply.body[:200]!r}")
                    return
                sample.replies_total += 1
                message: object = reply.json()
                assert isinstance(message, dict)
                mid = message["id"]
                for n in range(1, plan.deltas + 1):
                    await asyncio.sleep(max(0.0, due - time.time()))
                    due += 1 / plan.rate
                    t0 = time.time()
                    if t0 >= self.end:
                        return
                    self.sent[(mid, n)] = t0
                    if self.in_window(t0):
                        sample.expected += plan.followers
                    part = {"index": 0, "type": "text", "text": {"value": _tokens(rng)}}
                    answer = await conn.request("POST", f"{path}/{mid}/deltas", orjson.dumps({"content": [part]}))
                    t1 = time.time()
                    if answer.status != 200:
                        sample.fail(f"delta {answer.status} {answer.body[:200]!r}")
                        continue
                    sample.acked_total += 1
                    if self.in_window(t1) and self.in_window(t0):
                        sample.acked += 1
                        sample.posts.append(t1 - t0)
                done = await conn.request("POST", f"{path}/{mid}/complete")
                if done.status != 200:
                    sample.fail(f"complete {done.status} {done.body[:200]!r}")
        except Exception as e:  # the runtime stops; the failure is reported
            sample.fail(f"{type(e).__name__}: {e}")
        finally:
            await conn.close()

    async def follower(self, thread_id: str, ready: asyncio.Event) -> None:
        plan = self.plan
        reader, writer = await asyncio.open_connection(plan.host, plan.port)
        try:
            head = f"GET /v1/threads/{thread_id}/stream HTTP/1.1\r\nHost: {plan.host}\r\n"
            writer.write(f"{head}Authorization: Bearer {plan.follower_key}\r\n\r\n".encode())
            status = (await reader.readuntil(b"\r\n\r\n")).split(b" ", 2)[1]
            if status != b"200":
                self.sample.fail(f"stream answered {status.decode()}")
                return
            ready.set()
            counts: dict[str, int] = {}
            pending = b""
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await reader.readexactly(size + 2)
                now = time.time()
                if size == 0:
                    return
                pending += chunk[:-2]
                *frames, pending = pending.split(b"\n\n")
                for frame in frames:
                    self._received(frame, counts, now)
        finally:
            ready.set()
            writer.close()

    def _received(self, frame: bytes, counts: dict[str, int], now: float) -> None:
        if b"event: thread.message.delta\n" not in frame:
            return
        data = frame[frame.index(b"data: ") + 6 :]
        mid = orjson.loads(data)["id"]
        n = counts[mid] = counts.get(mid, 0) + 1
        sent = self.sent.get((mid, n))
        if sent is not None and self.in_window(sent):
            self.sample.follows.append(now - sent)


async def run(plan: StreamPlan) -> StreamSample:
    """Run the plan: followers connected first, then the runtimes; followers read until the window's grace ends."""
    work = Run(plan)
    readies = []
    followers = []
    for thread_id in plan.threads:
        for _ in range(plan.followers):
            ready = asyncio.Event()
            readies.append(ready)
            followers.append(asyncio.create_task(work.follower(thread_id, ready)))
    await asyncio.gather(*(r.wait() for r in readies))
    await asyncio.sleep(max(0.0, plan.start_at - time.time()))
    cpu0 = time.process_time()
    rng = random.Random(plan.seed)
    runtimes = [work.runtime(t, random.Random(rng.random())) for t in plan.threads]
    await asyncio.gather(*runtimes)
    await asyncio.sleep(max(0.0, work.end + plan.grace - time.time()))
    for task in followers:
        task.cancel()
    for outcome in await asyncio.gather(*followers, return_exceptions=True):
        if isinstance(outcome, Exception) and not isinstance(outcome, asyncio.CancelledError):
            work.sample.fail(f"follower: {type(outcome).__name__}: {outcome}")
    work.sample.cpu_seconds = time.process_time() - cpu0
    return work.sample


def work(plan: StreamPlan) -> StreamSample:
    """Entry point in a load generator process."""
    try:
        import uvloop

        return uvloop.run(run(plan))
    except ImportError:
        return asyncio.run(run(plan))


def _tokens(rng: random.Random) -> str:
    return "".join(" " + rng.choice(WORDS) for _ in range(rng.randint(1, 8)))
