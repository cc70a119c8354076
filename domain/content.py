"""Content deltas of an in-progress message: the structural rule, and how a delta grows the content."""

from __future__ import annotations

import copy
from typing import Any

from domain.errors import InvalidTransition

APPENDABLE = {"text": "value", "refusal": None}
"""Block types a delta may extend, and where their text lives (None: the block's own field)."""


def text_characters(content: Any) -> int:
    """Characters of the text parts of message content (or of a delta's parts): its size, even once erased."""
    size = getattr(content, "text_characters", None)  # erased content remembers it (projections/crypto/sealing.py)
    if isinstance(size, int):
        return size
    total = 0
    for part in content or ():
        if isinstance(part, dict) and part.get("type") == "text":
            text = part.get("text")
            value = text.get("value") if isinstance(text, dict) else text
            if isinstance(value, str):
                total += len(value)
    return total


def block_types(content: list[dict[str, Any]]) -> list[str]:
    """Return the type of each content block, in order."""
    return [str(block["type"]) for block in content]


def check_delta(message_id: str, types: list[str], parts: list[dict[str, Any]]) -> list[str]:
    """Refuse a delta that does not fit the message's blocks; return the block types after it.

    A part at an existing index extends that block (text to a text block, refusal to a refusal
    block); a part at the next index starts a new block. Parts apply in order.
    """
    after = list(types)
    for i, part in enumerate(parts):
        index, kind = part["index"], part["type"]
        if index == len(after):
            after.append(kind)
        elif index > len(after):
            raise InvalidTransition(
                f"Invalid 'content[{i}].index': message '{message_id}' has {len(after)} content blocks,"
                f" so a delta can extend a block at index 0 to {len(after) - 1} or start one at index"
                f" {len(after)}, not {index}."
            )
        elif after[index] != kind or kind not in APPENDABLE:
            raise InvalidTransition(
                f"Invalid 'content[{i}]': the block at index {index} of message '{message_id}' is"
                f" {after[index]!r}; only a text block takes text and a refusal block a refusal,"
                " and an image block cannot be extended."
            )
    return after


def apply_delta(content: list[dict[str, Any]], parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the content after a delta that ``check_delta`` accepted (``content`` is left as it was)."""
    grown = list(content)
    for part in parts:
        index, kind = part["index"], part["type"]
        if index == len(grown):
            grown.append(_new_block(part))
            continue
        block = copy.deepcopy(grown[index])
        field = APPENDABLE[kind]
        if field is None:
            block[kind] += part[kind]
        else:
            block[kind][field] += part[kind][field]
        grown[index] = block
    return grown


def _new_block(part: dict[str, Any]) -> dict[str, Any]:
    kind = part["type"]
    if kind == "text":
        return {"type": "text", "text": {"value": part["text"]["value"], "annotations": []}}
    return {"type": kind, kind: copy.deepcopy(part[kind])}
