"""The thread aggregate's events typed as its own (eventsourcing types them only as aggregate events), and replayed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

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
)
"""Any event the thread aggregate records: each carries ``thread_id`` and ``actor``."""


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
