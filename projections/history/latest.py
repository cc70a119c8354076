"""The latest content of each message with several rows: its JSON in chunks, rewritten from the first that changed.

A streamed reply grows at its end, so a batch of deltas rewrites the last chunk or two, not the
whole text: a row update that PostgreSQL can make in place (no dead copy of the reply per batch) and
SQLite in the same page. ``since`` is the version of the first row whose shape stands against this
content; a change that does not extend the content moves it, which is how a read notices that the
shapes it read meanwhile were given their full contents back (``LatestContents.resolve``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from projections.crypto.columns import opened_piece, sealed_piece
from projections.history.contents import Content, expand, stored_shape
from projections.history.state import table
from projections.history.tables import HistoryTables
from projections.storage.batch import insert_rows, run
from projections.storage.columns import dumps
from projections.storage.sql import Cursor

CHUNK = 1024  # characters of JSON per row: a row PostgreSQL keeps inline (no TOAST), so updated in place
PER_QUERY = 100  # messages per read
CONTENT_COLUMNS = ("message_id", "chunk", "since", "piece")


def pieces(text: str) -> list[str]:
    """``text`` cut into chunks."""
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


class StoredContents:
    """The latest contents one batch reads, then writes back: only the chunks that changed."""

    def __init__(self, tables: HistoryTables, curs: Cursor) -> None:
        self.tables = tables
        self.curs = curs
        self._q = tables.dialect.q
        self._stored: dict[str, tuple[list[str], int]] = {}  # message -> chunks and since, as stored
        self._latest: dict[str, tuple[Content, int]] = {}  # message -> content and since, to store

    def load(self, message_id: str) -> tuple[Content, int] | None:
        """The message's stored latest content and its ``since`` (None if it has none)."""
        self.curs.execute(
            self._q(f"SELECT since, piece FROM {self.tables.contents} WHERE message_id = %s ORDER BY chunk"),
            (message_id,),
        )
        rows = self.curs.fetchall()
        if not rows:
            return None
        chunks, since = [opened_piece(str(row["piece"])) for row in rows], int(rows[0]["since"])
        self._stored[message_id] = (chunks, since)
        return orjson.loads("".join(chunks)), since

    def put(self, message_id: str, content: Content, since: int) -> None:
        """Make ``content`` the message's latest content, standing for the shapes from version ``since`` on."""
        self._latest[message_id] = (content, since)

    def flush(self) -> None:
        """Write the chunks that differ from the stored ones; drop those beyond the end."""
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[Any, ...]] = []
        cuts: list[tuple[str, int]] = []
        for message_id, (content, since) in self._latest.items():
            chunks = pieces(dumps(content))
            old, old_since = self._stored.get(message_id, ([], since))
            same = 0 if since != old_since else _common(old, chunks)
            for i in range(same, len(chunks)):
                if i < len(old):
                    updates.append((since, sealed_piece(chunks[i], message_id), message_id, i))
                else:
                    piece = sealed_piece(chunks[i], message_id)
                    inserts.append({"message_id": message_id, "chunk": i, "since": since, "piece": piece})
            if len(old) > len(chunks):
                cuts.append((message_id, len(chunks)))
        t = self.tables.contents
        run(self.curs, self._q(f"DELETE FROM {t} WHERE message_id = %s AND chunk >= %s"), cuts)
        run(self.curs, self._q(f"UPDATE {t} SET since = %s, piece = %s WHERE message_id = %s AND chunk = %s"), updates)
        insert_rows(self.curs, self.tables.dialect, table(t, CONTENT_COLUMNS), inserts)


def _common(old: list[str], new: list[str]) -> int:
    """How many leading chunks are the same."""
    same = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        same += 1
    return same


class LatestContents:
    """Expands the shapes among rows read from one generation of ``history_messages``."""

    def __init__(self, tables: HistoryTables) -> None:
        self.q = tables.dialect.q
        self._select = f"SELECT message_id, since, piece FROM {tables.contents} WHERE message_id IN ({{}})"

    def resolve(
        self, curs: Cursor, rows: Sequence[Any], *, at: str = "valid_from", needed: Callable[[Any], bool] | None = None
    ) -> list[Any] | None:
        """``rows`` with each shape expanded into the JSON of its content; None if one went stale (read again).

        ``at`` names the column holding a row's ``valid_from``; ``needed`` picks the rows whose content
        is rendered (default: every row with a content).
        """
        shaped: list[tuple[int, list[int | None]]] = []
        for i, row in enumerate(rows):
            stored = row["content"]
            if stored is not None and (needed is None or needed(row)):
                shape = stored_shape(stored)
                if shape:
                    shaped.append((i, shape))
        if not shaped:
            return list(rows)
        latest = self._latest(curs, list(dict.fromkeys(rows[i]["message_id"] for i, _ in shaped)))
        resolved = list(rows)
        for i, shape in shaped:
            found = latest.get(rows[i]["message_id"])
            if found is None or int(rows[i][at]) < found[1]:  # rewritten since the page was read
                return None
            resolved[i] = {**dict(rows[i]), "content": dumps(expand(found[0], shape))}
        return resolved

    def _latest(self, curs: Cursor, message_ids: list[str]) -> dict[str, tuple[Content, int]]:
        """The latest content and ``since`` of each message that has one."""
        chunks: dict[str, list[str]] = {}
        since: dict[str, int] = {}
        for start in range(0, len(message_ids), PER_QUERY):
            some = message_ids[start : start + PER_QUERY]
            sql = self._select.format(", ".join("%s" for _ in some)) + " ORDER BY message_id, chunk"
            curs.execute(self.q(sql), some)
            for row in curs.fetchall():
                chunks.setdefault(row["message_id"], []).append(opened_piece(row["piece"]))
                since[row["message_id"]] = int(row["since"])
        return {m: (orjson.loads("".join(c)), since[m]) for m, c in chunks.items()}
