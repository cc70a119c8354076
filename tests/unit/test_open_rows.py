"""Rows kept between the writer's transactions: used only when they reflect the thread's previous version."""

from __future__ import annotations

from typing import Any

from projections.storage.batch import RowBatch, Table
from projections.storage.open_rows import OpenRows
from projections.storage.sql import SQLITE

TABLE = Table("messages_view", ("message_id",), ("message_id", "thread_id", "content"))
KEY = ("msg_1",)


class Reads:
    """A cursor that answers every read with the stored row, counting the reads."""

    def __init__(self) -> None:
        self.reads = 0
        self.stored = {"message_id": "msg_1", "thread_id": "thread_1", "content": "stored"}

    def execute(self, sql: str, params: Any = None) -> None:
        self.reads += 1

    def fetchone(self) -> dict[str, Any]:
        return dict(self.stored)


def delta(rows: OpenRows, reads: Reads, version: int, content: str, *, commit: bool = True) -> dict[str, Any]:
    """Apply one event of ``version`` that rewrites the row's content; return the row as changed."""
    rows.begin()
    batch = RowBatch(reads, SQLITE)  # type: ignore[arg-type]  # the fake answers what RowBatch.row asks
    fields = {"thread_id": "thread_1", "originator_version": version}
    rows.saw(fields)
    row = rows.row(batch, fields, KEY)
    assert row is not None
    row["content"] += content
    if commit:
        rows.committed()
    return row


def test_a_row_kept_at_the_previous_version_is_not_read_again() -> None:
    rows, reads = OpenRows(TABLE), Reads()
    assert delta(rows, reads, 3, "+a")["content"] == "stored+a"
    assert delta(rows, reads, 4, "+b")["content"] == "stored+a+b"
    assert reads.reads == 1


def test_a_version_recorded_elsewhere_meanwhile_makes_it_read_again() -> None:
    rows, reads = OpenRows(TABLE), Reads()
    delta(rows, reads, 3, "+a")
    reads.stored["content"] = "stored+a+other"
    assert delta(rows, reads, 5, "+b")["content"] == "stored+a+other+b"
    assert reads.reads == 2


def test_an_uncommitted_batch_or_a_finished_message_keeps_nothing() -> None:
    rows, reads = OpenRows(TABLE), Reads()
    delta(rows, reads, 3, "+a", commit=False)
    delta(rows, reads, 4, "+b")
    assert reads.reads == 2
    rows.begin()
    rows.saw({"thread_id": "thread_1", "originator_version": 5})
    rows.forget(KEY)
    rows.committed()
    delta(rows, reads, 6, "+c")
    assert reads.reads == 3


def test_a_later_event_of_the_thread_in_the_same_batch_keeps_the_row_at_the_last_version() -> None:
    rows, reads = OpenRows(TABLE), Reads()
    rows.begin()
    batch = RowBatch(reads, SQLITE)  # type: ignore[arg-type]
    rows.saw({"thread_id": "thread_1", "originator_version": 3})
    rows.row(batch, {"thread_id": "thread_1", "originator_version": 3}, KEY)
    rows.saw({"thread_id": "thread_1", "originator_version": 4})  # another message of the thread
    rows.committed()
    delta(rows, reads, 5, "+b")
    assert reads.reads == 1
