"""Turns thread events into changes of the thread and message views, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import orjson

from domain.thread import Thread
from projections.sql import Cursor
from projections.tables import ViewTables, record_position

MESSAGES_PROJECTION = "messages"

Statement = tuple[str, tuple[Any, ...]]


class InlineProjector(Protocol):
    """Anything that changes views from events inside the transaction that records them."""

    def apply(self, curs: Cursor, events: Sequence[Any], position: int | None, now: int) -> None:
        """Apply ``events`` (the last at ``position`` in the log) in the caller's transaction."""


def dumps(value: Any) -> str:
    """Serialize a JSON value for a text column."""
    return orjson.dumps(value).decode()


def seconds(event: Any) -> int:
    """Return the event's time in Unix seconds."""
    return int(event.timestamp.timestamp())


class MessagesProjector:
    """Applies thread events to one generation of the thread and message views."""

    def __init__(self, tables: ViewTables, name: str = MESSAGES_PROJECTION) -> None:
        self.tables = tables
        self.name = name
        q = tables.dialect.q
        t, m = tables.threads, tables.messages
        self.insert_thread = q(
            f"INSERT INTO {t} (thread_id, tenant, created_at, metadata, tool_resources,"
            " modified_at, deleted_at, version) VALUES (%s, %s, %s, %s, %s, %s, NULL, %s)"
        )
        self.update_thread_metadata = q(
            f"UPDATE {t} SET metadata = %s, modified_at = %s, version = %s WHERE thread_id = %s"
        )
        self.update_thread_tools = q(
            f"UPDATE {t} SET tool_resources = %s, modified_at = %s, version = %s WHERE thread_id = %s"
        )
        self.update_thread_version = q(f"UPDATE {t} SET modified_at = %s, version = %s WHERE thread_id = %s")
        self.delete_thread = q(f"UPDATE {t} SET deleted_at = %s, modified_at = %s, version = %s WHERE thread_id = %s")
        self.insert_message = q(
            f"INSERT INTO {m} (message_id, thread_id, tenant, seq, created_at, role, content,"
            " attachments, metadata, status, assistant_id, run_id, completed_at, incomplete_at,"
            " incomplete_details, modified_at, deleted_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, NULL, NULL, %s, NULL)"
        )
        self.update_message_metadata = q(f"UPDATE {m} SET metadata = %s, modified_at = %s WHERE message_id = %s")
        self.delete_message = q(f"UPDATE {m} SET deleted_at = %s, modified_at = %s WHERE message_id = %s")
        self._handlers: dict[type[Any], Callable[[Any], Iterable[Statement]]] = {
            Thread.Created: self._created,
            Thread.Modified: self._modified,
            Thread.Deleted: self._deleted,
            Thread.MessageCreated: self._message_created,
            Thread.MessageModified: self._message_modified,
            Thread.MessageDeleted: self._message_deleted,
        }

    def apply(self, curs: Cursor, events: Sequence[Any], position: int | None, now: int) -> None:
        """Apply ``events`` and record ``position`` as the last one applied, in one transaction."""
        pending: list[Statement] = []
        for event in events:
            handler = self._handlers.get(type(event))
            if handler is not None:
                pending.extend(handler(event))
        self._execute(curs, pending)
        if position is not None:
            record_position(curs, self.tables.dialect, self.name, position, now)

    @staticmethod
    def _execute(curs: Cursor, statements: list[Statement]) -> None:
        # Consecutive runs of one statement go to the database as one executemany().
        i = 0
        while i < len(statements):
            sql = statements[i][0]
            j = i
            while j < len(statements) and statements[j][0] is sql:
                j += 1
            if j - i == 1:
                curs.execute(sql, statements[i][1])
            else:
                curs.executemany(sql, [params for _, params in statements[i:j]])
            i = j

    def _created(self, e: Any) -> Iterable[Statement]:
        yield (
            self.insert_thread,
            (
                e.thread_id,
                e.tenant,
                seconds(e),
                dumps(e.metadata or {}),
                dumps(e.tool_resources or {}),
                seconds(e),
                e.originator_version,
            ),
        )

    def _modified(self, e: Any) -> Iterable[Statement]:
        key = e.thread_id
        if e.metadata is not None:
            yield self.update_thread_metadata, (dumps(e.metadata), seconds(e), e.originator_version, key)
        if e.tool_resources is not None:
            yield (
                self.update_thread_tools,
                (
                    dumps(e.tool_resources),
                    seconds(e),
                    e.originator_version,
                    key,
                ),
            )
        if e.metadata is None and e.tool_resources is None:
            yield self.update_thread_version, (seconds(e), e.originator_version, key)

    def _deleted(self, e: Any) -> Iterable[Statement]:
        yield self.delete_thread, (seconds(e), seconds(e), e.originator_version, e.thread_id)

    def _message_created(self, e: Any) -> Iterable[Statement]:
        yield (
            self.insert_message,
            (
                e.message_id,
                e.thread_id,
                e.actor["tenant"],
                e.seq,
                seconds(e),
                e.role,
                dumps(e.content),
                dumps(e.attachments),
                dumps(e.metadata),
                e.status,
                e.assistant_id,
                e.run_id,
                seconds(e),
            ),
        )
        yield self.update_thread_version, (seconds(e), e.originator_version, e.thread_id)

    def _message_modified(self, e: Any) -> Iterable[Statement]:
        if e.metadata is not None:
            yield self.update_message_metadata, (dumps(e.metadata), seconds(e), e.message_id)
        yield self.update_thread_version, (seconds(e), e.originator_version, e.thread_id)

    def _message_deleted(self, e: Any) -> Iterable[Statement]:
        yield self.delete_message, (seconds(e), seconds(e), e.message_id)
        yield self.update_thread_version, (seconds(e), e.originator_version, e.thread_id)
