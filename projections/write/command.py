"""A command for the writer, the idempotency key it may carry, and the outcome it is answered with."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from domain.thread import Thread
from projections.storage.sql import Cursor


class ConcurrencyConflict(Exception):
    """A command kept losing optimistic-concurrency races and gave up."""

RETRY_KEY = "retry-window:"  # the implicit key of a request an SDK may retry: this prefix and its fingerprint


@dataclass(frozen=True)
class Idempotency:
    """The key a client sent with a request, and a fingerprint of the request."""

    tenant: str
    key: str
    fingerprint: str
    implicit: bool = False  # no key was sent: the request's fingerprint, kept for a retry window (latest wins)
    retry: bool = False  # an SDK's retry of an implicit request: an answer recorded within the window is its own


@dataclass(frozen=True)
class Outcome:
    """The answer to a write: HTTP status and body, and the fingerprint it was recorded under."""

    status: int
    body: Any
    fingerprint: str | None = None
    replayed: bool = False


@dataclass(eq=False)
class Command:
    """A change to one thread: ``execute`` applies it, ``render`` answers it inside the transaction."""

    thread_id: str
    execute: Callable[[Thread | None], Thread]
    render: Callable[[Cursor], tuple[int, Any]]
    idempotency: Idempotency | None = None
    creates: bool = False  # a new thread under a fresh random id: nothing to load before the first attempt
    future: Future[Outcome] = field(default_factory=Future)
    outcome: Outcome | None = None
