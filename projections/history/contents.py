"""Message contents in the history: an earlier content stored as its shape against the message's latest one.

A delta only appends — text to a text or refusal block, or a new block after the last
(``domain/content.py``) — so every earlier content of a message is its latest content cut short:
fewer blocks, and shorter texts in the blocks that grew. A message's only row holds its content in
full; once it has several rows, each holds a *shape* instead — one entry per block, the length its
text had (an int), or None for a block no delta changes (an image) — and the latest content is
stored once, in chunks (``latest.py``). A reply streamed in 2,000 deltas keeps one copy of its text,
not 2,000, and a batch rewrites only the chunks its deltas changed.

Stored, a full content is a JSON list of blocks (``[{"type": …}, …]``) and a shape a list of ints
and nulls (``[1234,null]``); ``[]`` is both, and means the same either way. A change that does not
extend the content (none exists today) gives every earlier shape of the message its full content
back, so the shapes always stand against the latest content.
"""

from __future__ import annotations

from typing import Any

import orjson

from domain.content import APPENDABLE
from projections.crypto.sealing import COLUMN_MARK

Content = list[dict[str, Any]]
Shape = list[int | None]


def shape_of(earlier: Content, latest: Content) -> Shape | None:
    """The shape of ``earlier`` against ``latest``, or None if ``latest`` does not extend it.

    A block a delta may grow is given by the length of its text even when it has not grown (yet):
    the shape must hold against every later content, which may have grown it.
    """
    if len(earlier) > len(latest):
        return None
    shape: Shape = []
    for block, grown in zip(earlier, latest, strict=False):
        text = _text(block)
        if text is None:  # a block no delta changes
            if block is not grown and block != grown:
                return None
            shape.append(None)
            continue
        if block is not grown:
            longer = _text(grown)
            if longer is None or not longer.startswith(text) or _with_text(block, longer) != grown:
                return None
        shape.append(len(text))
    return shape


def expand(latest: Content, shape: Shape) -> Content:
    """The content ``shape`` stands for, cut from the message's ``latest`` content."""
    if len(shape) > len(latest):
        raise ValueError(f"a shape of {len(shape)} blocks against a content of {len(latest)}")
    cut = zip(latest[: len(shape)], shape, strict=True)
    return [grown if n is None else _with_text(grown, (_text(grown) or "")[:n]) for grown, n in cut]


def is_shape(content: list[Any]) -> bool:
    """Whether a content held in memory is a shape with blocks (which only the latest content expands)."""
    return bool(content) and not isinstance(content[0], dict)


def stored_shape(stored: str) -> Shape | None:
    """The shape a stored content is, or None for a full one (``[]`` included), without parsing a full one."""
    if stored.startswith(("[{", COLUMN_MARK)) or stored == "[]":  # a full content, maybe sealed
        return None
    shape: Shape = orjson.loads(stored)
    return shape


def _text(block: dict[str, Any]) -> str | None:
    """The text a delta may grow in this block (None for a block no delta extends)."""
    kind = block.get("type")
    if kind not in APPENDABLE:
        return None
    holder = block.get(kind)
    field = APPENDABLE[kind]
    text = holder if field is None else holder.get(field) if isinstance(holder, dict) else None
    return text if isinstance(text, str) else None


def _with_text(block: dict[str, Any], text: str) -> dict[str, Any]:
    """A copy of an appendable block holding ``text`` (keys in the same order)."""
    kind = block["type"]
    field = APPENDABLE[kind]
    return {**block, kind: text if field is None else {**block[kind], field: text}}
