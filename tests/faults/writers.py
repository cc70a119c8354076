"""Writers under a fault: SDK clients creating messages, each attempt the SDK makes (retries too) recorded."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import openai

API_KEY = "sk-test-alpha"
WRITERS = 8
PAUSE = 0.05  # seconds each writer rests between writes: load, not a flood the two test cores drown in
SDK_TIMEOUT = 15.0  # below the default (600 s) so a test stays short; the SDK's own retries (2) stay on
RETRY_COUNT = "x-stainless-retry-count"


@dataclass
class Attempt:
    """One HTTP request the SDK sent for a write: its retry number, and its answer if one came."""

    retry: int
    sent: float
    status: int | None = None  # None: no answer (the SDK timed out, or the connection dropped)
    answered: float | None = None


@dataclass
class Write:
    """One ``messages.create`` call: its unique content, every attempt, and what the SDK returned in the end."""

    content: str
    thread_id: str
    attempts: list[Attempt] = field(default_factory=list)
    message_id: str | None = None  # acknowledged: the id of the message the store answered
    error: str | None = None  # what the SDK raised after its retries
    unexpected: bool = False  # raised something other than an API error

    @property
    def acknowledged(self) -> bool:
        """The store answered 200: the message must be there exactly once."""
        return self.message_id is not None

    @property
    def refused(self) -> bool:
        """Every attempt was answered with an error: the store said it recorded nothing."""
        return not self.acknowledged and bool(self.attempts) and all(a.status is not None for a in self.attempts)

    @property
    def in_doubt(self) -> bool:
        """Not acknowledged, and some attempt got no answer: recorded at most once."""
        return not self.acknowledged and not self.refused


class Ledger:
    """Every write and attempt, by content, filled in by the SDK clients' HTTP event hooks."""

    def __init__(self) -> None:
        self._writes: dict[str, Write] = {}
        self._pending: dict[int, Attempt] = {}
        self._lock = threading.Lock()

    def begin(self, content: str, thread_id: str) -> Write:
        write = Write(content, thread_id)
        with self._lock:
            self._writes[content] = write
        return write

    def on_request(self, request: Any) -> None:
        """The SDK sends an attempt (its first, or a retry)."""
        try:
            content = json.loads(request.content).get("content")
        except ValueError:
            return
        with self._lock:
            write = self._writes.get(content) if isinstance(content, str) else None
            if write is None:
                return
            attempt = Attempt(int(request.headers.get(RETRY_COUNT, "0")), time.monotonic())
            write.attempts.append(attempt)
            self._pending[id(request)] = attempt

    def on_response(self, response: Any) -> None:
        """An attempt is answered (an attempt that never is keeps ``status`` None)."""
        with self._lock:
            attempt = self._pending.pop(id(response.request), None)
        if attempt is not None:
            attempt.answered = time.monotonic()
            attempt.status = response.status_code

    @property
    def writes(self) -> list[Write]:
        with self._lock:
            return list(self._writes.values())

    def attempts(self) -> Iterator[Attempt]:
        for write in self.writes:
            yield from list(write.attempts)

    def statuses(self) -> Counter[int | None]:
        """How many attempts got each status (None: no answer)."""
        return Counter(a.status for a in self.attempts())

    def first_answer(self, status: int, since: float) -> float | None:
        """Seconds from ``since`` to the first attempt answered ``status`` at or after it (None: none was)."""
        times = [a.answered for a in self.attempts() if a.status == status and a.answered and a.answered >= since]
        return min(times) - since if times else None

    def summary(self) -> str:
        writes = self.writes
        counts = Counter("acknowledged" if w.acknowledged else "refused" if w.refused else "in doubt" for w in writes)
        statuses = ", ".join(f"{s or 'no answer'}: {n}" for s, n in sorted(self.statuses().items(), key=str))
        return f"{len(writes)} writes ({dict(counts)}); attempts by answer: {statuses}"


def sdk_client(base_url: str, ledger: Ledger | None = None, *, timeout: float = SDK_TIMEOUT) -> openai.OpenAI:
    """The official SDK with its default retries, its requests recorded in ``ledger``."""
    hooks: dict[str, list[Callable[[Any], None]]] = {}
    if ledger is not None:
        hooks = {"request": [ledger.on_request], "response": [ledger.on_response]}
    http_client = openai.DefaultHttpxClient(event_hooks=hooks)
    return openai.OpenAI(base_url=base_url, api_key=API_KEY, timeout=timeout, http_client=http_client)


def retry(base_url: str, ledger: Ledger, write: Write) -> None:
    """Send ``write`` once more as the SDK's next retry would: the same body, ``x-stainless-retry-count`` > 0."""
    headers = {RETRY_COUNT: str(len(write.attempts))}
    with sdk_client(base_url, ledger) as client:
        message = client.beta.threads.messages.create(
            write.thread_id, role="user", content=write.content, extra_headers=headers
        )
    write.message_id, write.error = message.id, None


class Writers:
    """``count`` threads, each an SDK client creating messages with unique contents in a thread of its own."""

    def __init__(self, base_url: str, *, count: int = WRITERS, timeout: float = SDK_TIMEOUT) -> None:
        self.base_url = base_url
        self.count = count
        self.timeout = timeout
        self.ledger = Ledger()
        self.thread_ids: list[str] = []
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._token = secrets.token_hex(4)

    def start(self) -> Writers:
        """Create each writer's thread (before any fault), then start writing."""
        with sdk_client(self.base_url) as client:
            self.thread_ids = [client.beta.threads.create().id for _ in range(self.count)]
        for index, thread_id in enumerate(self.thread_ids):
            worker = threading.Thread(target=self._write, args=(index, thread_id), name=f"writer-{index}", daemon=True)
            worker.start()
            self._threads.append(worker)
        return self

    def wait_for(self, acknowledged: int, timeout: float = 60) -> None:
        """Return once ``acknowledged`` more writes than now have been acknowledged."""
        target = self.acknowledged() + acknowledged
        deadline = time.monotonic() + timeout
        while self.acknowledged() < target:
            assert time.monotonic() < deadline, f"the writers stalled: {self.ledger.summary()}"
            time.sleep(0.05)

    def acknowledged(self) -> int:
        return sum(w.acknowledged for w in self.ledger.writes)

    def stop(self) -> list[Write]:
        """Stop after each writer's current write (its retries included); return every write."""
        self._stopping.set()
        for worker in self._threads:
            worker.join(timeout=4 * self.timeout + 30)
            assert not worker.is_alive(), f"{worker.name} hangs: {self.ledger.summary()}"
        return self.ledger.writes

    def _write(self, index: int, thread_id: str) -> None:
        with sdk_client(self.base_url, self.ledger, timeout=self.timeout) as client:
            number = 0
            while not self._stopping.is_set():
                write = self.ledger.begin(f"{self._token} writer {index} write {number}", thread_id)
                try:
                    message = client.beta.threads.messages.create(thread_id, role="user", content=write.content)
                    write.message_id = message.id
                except openai.APIError as e:
                    write.error = f"{type(e).__name__}: {e}"
                except Exception as e:  # reported by the checks: the SDK should only raise its own errors
                    write.error, write.unexpected = f"{type(e).__name__}: {e}", True
                number += 1
                self._stopping.wait(PAUSE)
