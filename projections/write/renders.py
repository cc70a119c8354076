"""Answers to writes: read from the views in the write transaction (a batch's in one query), or from the event."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from projections.messages.view import MessagesView, render_message
from projections.storage.columns import seconds
from projections.storage.sql import Cursor

ChangedRow = Callable[[str, tuple[Any, ...]], dict[str, Any] | None]
"""A row of a table (by name and key) as the write transaction's projectors left it in place, if they did."""


class MessageRender:
    """Renders one message as the view holds it once the batch's events are applied.

    The writer calls ``prefetch`` with every such render of a batch before calling them, so a batch of
    N writes reads its N answers with one query rather than N round trips.
    """

    def __init__(self, view: MessagesView, tenant: str, thread_id: str, message_id: str) -> None:
        self.view = view
        self.key = (tenant, thread_id, message_id)
        self._body: dict[str, Any] | None = None
        self._prefetched = False

    @classmethod
    def prefetch(cls, curs: Cursor, renders: Sequence[MessageRender], changed: ChangedRow | None = None) -> None:
        """Read the messages of all ``renders`` at once; those the batch changed in place need no read (``changed``)."""
        by_view: dict[int, list[MessageRender]] = {}
        for render in renders:
            row = changed(render.view.messages_table, (render.key[2],)) if changed is not None else None
            if row is not None and row["deleted_at"] is None and (row["tenant"], row["thread_id"]) == render.key[:2]:
                render._body, render._prefetched = render_message(row), True  # the row the view now holds
                continue
            by_view.setdefault(id(render.view), []).append(render)
        for group in by_view.values():
            found = group[0].view.messages(curs, [r.key for r in group])
            for render in group:
                render._body = found.get(render.key)
                render._prefetched = True

    def __call__(self, curs: Cursor) -> tuple[int, Any]:
        if not self._prefetched:
            tenant, thread_id, message_id = self.key
            self._body = self.view.message(curs, tenant, thread_id, message_id)
        return 200, self._body


class CreatedRender:
    """Renders what a command created from the event that created it: the view row it projects to, rendered.

    Nothing later in the same batch can change it (no other request knows its id before this answer),
    so the answer equals a read of the view, without the read.
    """

    def __init__(self, render: Callable[[Any], dict[str, Any]], row: Callable[[Any, int], Any]) -> None:
        self.render = render
        self.row = row
        self.event: Any = None  # set when the command executes (again, on a retry)

    def __call__(self, _: Cursor) -> tuple[int, Any]:
        return 200, self.render(self.row(vars(self.event), seconds(self.event)))


def prefetch_all(curs: Cursor, renders: Sequence[Any], changed: ChangedRow | None = None) -> None:
    """Let the renders that read their answers from the view read them together (see ``MessageRender.prefetch``)."""
    reads = [render for render in renders if isinstance(render, MessageRender)]
    if reads:
        MessageRender.prefetch(curs, reads, changed)
