"""Rows a projector reads back for every event of a streamed reply, kept between the writer's transactions."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from projections.storage.batch import Key, Row, RowBatch, Table

CAPACITY = 4096  # rows kept: replies being written at once in this process, with room to spare


class OpenRows:
    """The rows of ``table`` that events change by read-modify-write (a reply's content), kept once committed.

    A row is kept with the version of its thread it reflects: all of that thread's events up to it.
    An event of version v uses it only if it reflects v - 1. Nothing else can have changed the row
    then, in any process: the row changes only with its thread's events, and another process
    recording v - 1 or later would have made this version clash when the events were inserted.
    Otherwise (another process wrote meanwhile, or the row is not kept) the row is read as before.
    Rows are kept only after their transaction committed (``committed``), so a rolled back batch
    leaves nothing behind.
    """

    def __init__(self, table: Table, capacity: int = CAPACITY) -> None:
        self.table = table
        self.capacity = capacity
        self._kept: OrderedDict[Key, tuple[int, Row]] = OrderedDict()
        self._batch: dict[Key, tuple[str, Row | None]] = {}  # this batch's rows by key, with their thread
        self._versions: dict[str, int] = {}  # the last version of each thread in this batch

    def begin(self) -> None:
        """Start a batch: forget what an uncommitted one held."""
        self._batch.clear()
        self._versions.clear()

    def saw(self, fields: dict[str, Any]) -> None:
        """Note an event of the batch (every one, whether it changes a row or not): its thread's version."""
        self._versions[fields["thread_id"]] = fields["originator_version"]

    def row(self, batch: RowBatch, fields: dict[str, Any], key: Key) -> Row | None:
        """The row an event changes in place: the kept one if it is current, else as ``batch.row`` reads it."""
        kept = self._kept.get(key)
        if kept is not None and kept[0] == fields["originator_version"] - 1:
            batch.known(self.table, key, kept[1])
        row = batch.row(self.table, key)
        if row is not None:
            self._batch[key] = (fields["thread_id"], row)
        return row

    def current(self, key: Key) -> Row | None:
        """The row as this batch left it, if an event of the batch changed it in place (and did not finish it)."""
        found = self._batch.get(key)
        return None if found is None else found[1]

    def forget(self, key: Key) -> None:
        """Keep the row no longer once this batch commits (the message is finished)."""
        self._batch[key] = ("", None)

    def committed(self) -> None:
        """The batch committed: keep its rows as of their threads' last versions in it."""
        for key, (thread_id, row) in self._batch.items():
            self._kept.pop(key, None)
            if row is not None and thread_id in self._versions:
                self._kept[key] = (self._versions[thread_id], dict(row))
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)
        self.begin()
