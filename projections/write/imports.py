"""Threads brought in from saved objects: recorded with their own ids and times, by an ``import`` actor."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.states import Actor
from domain.thread import Thread
from projections.storage.eventsourcing_internals import created_aggregate
from projections.storage.sql import Cursor
from projections.write.command import Command, Outcome
from projections.write.commands import NewMessage
from projections.write.writer import Writer

IMPORT_KEY_ID = "import"
"""The ``key_id`` of the actor an import records its events as (no API key made them)."""
IMPORTED = "imported"
SKIPPED = "skipped"


def import_actor(tenant: str) -> Actor:
    """Who an import's events are by: the tenant the threads go to, and the ``import`` key id."""
    return {"tenant": tenant, "key_id": IMPORT_KEY_ID}


@dataclass(frozen=True)
class Ending:
    """How a message recorded in progress ended, and when: completed, or incomplete for ``reason``."""

    at: int
    reason: str | None = None


@dataclass(frozen=True)
class ImportedMessage:
    """A thread message, recorded as the Threads API records one (its item form follows from it)."""

    message_id: str
    created_at: int
    message: NewMessage
    ending: Ending | None = None


@dataclass(frozen=True)
class ImportedItem:
    """A conversation item (its answer form without the id), recorded as the Conversations API records one.

    A message item the Threads API shows may carry that message's metadata, set right after it is created.
    """

    item_id: str
    created_at: int
    item: dict[str, Any]
    metadata: dict[str, str] = field(default_factory=dict)
    ending: Ending | None = None


Entry = ImportedMessage | ImportedItem


@dataclass(frozen=True)
class ImportedThread:
    """A thread (a conversation) to record whole: its own fields, then its messages and items in order."""

    thread_id: str
    tenant: str
    created_at: int
    metadata: dict[str, str]
    tool_resources: dict[str, Any] | None
    entries: list[Entry]

    @property
    def events(self) -> int:
        """How many events recording it takes."""
        extra = sum((e.ending is not None) + bool(getattr(e, "metadata", None)) for e in self.entries)
        return 1 + len(self.entries) + extra


def instant(seconds: int) -> datetime:
    """An event time from Unix seconds."""
    return datetime.fromtimestamp(seconds, UTC)


def recorded(plan: ImportedThread) -> Thread:
    """The thread with every event of ``plan`` pending, each at the time the saved objects give."""
    actor = import_actor(plan.tenant)
    thread = created_aggregate(
        Thread,
        Thread.Created,
        instant(plan.created_at),
        thread_id=plan.thread_id,
        tenant=plan.tenant,
        metadata=plan.metadata,
        tool_resources=plan.tool_resources,
        actor=actor,
    )
    for entry in plan.entries:
        at = instant(entry.created_at)
        if isinstance(entry, ImportedMessage):
            thread.create_message(entry.message_id, actor=actor, timestamp=at, **vars(entry.message))
            message_id = entry.message_id
        else:
            thread.create_item(entry.item_id, entry.item, actor, timestamp=at)
            message_id = entry.item_id
            if entry.metadata:
                thread.modify_message(message_id, entry.metadata, actor, timestamp=at)
        ending = entry.ending
        if ending is not None and ending.reason is None:
            thread.complete_message(message_id, actor, timestamp=instant(ending.at))
        elif ending is not None and ending.reason is not None:
            thread.mark_message_incomplete(message_id, ending.reason, actor, timestamp=instant(ending.at))
    return thread


class Importer:
    """Submits whole threads to the writer, which records many of them in each transaction."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer

    def submit(self, plan: ImportedThread) -> Future[Outcome]:
        """Record ``plan`` unless a thread with its id exists (deleted or not); answers "imported" or "skipped"."""
        outcome = [IMPORTED]

        def execute(aggregate: Thread | None) -> Thread:
            if aggregate is not None:  # already there (an earlier run of the same import): left as it is
                outcome[0] = SKIPPED
                return aggregate
            outcome[0] = IMPORTED
            return recorded(plan)

        def render(_: Cursor) -> tuple[int, Any]:
            return 200, outcome[0]

        return self.writer.submit(Command(plan.thread_id, execute, render))
