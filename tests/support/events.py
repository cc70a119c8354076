"""The thread aggregate's events typed as its own (eventsourcing types them only as aggregate events), and replayed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from domain.thread import Thread

ThreadEvent: TypeAlias = (
    Thread.Created
    | Thread.Modified
    | Thread.Deleted
    | Thread.MessageCreated
    | Thread.MessageModified
    | Thread.MessageDeleted
    | Thread.MessageDeltaAppended
    | Thread.MessageCompleted
    | Thread.MessageMarkedIncomplete
    | Thread.ItemCreated
    | Thread.ItemDeleted
    | Thread.MessageErased
    | Thread.Erased
)
"""Any event the thread aggregate records: each carries ``thread_id`` and ``actor``."""


@dataclass(frozen=True)
class LaterMessageEvent:
    """What any message event carries, for a test's own event type (one a later feature could bring)."""

    originator_id: Any
    originator_version: int
    timestamp: datetime
    thread_id: str
    message_id: str
    actor: dict[str, str]


def collect(thread: Thread) -> list[ThreadEvent]:
    """``thread.collect_events()``, each event checked to be one of the thread's own."""
    events: list[ThreadEvent] = []
    for event in thread.collect_events():
        if not isinstance(event, ThreadEvent):
            raise TypeError(f"not an event of the thread aggregate: {event!r}")
        events.append(event)
    return events


def replay(events: Sequence[ThreadEvent]) -> Thread:
    """The thread as these events, applied in order from nothing, leave it."""
    aggregate: Thread | None = None
    for event in events:
        aggregate = event.mutate(aggregate)
    assert isinstance(aggregate, Thread)
    return aggregate
