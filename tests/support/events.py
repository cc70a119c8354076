"""The thread aggregate's pending events typed as its own (eventsourcing types them only as aggregate events)."""

from __future__ import annotations

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
