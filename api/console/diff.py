"""Two versions of a message compared: its content word by word, its metadata and other fields key by key."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

from api.console.pages import when
from api.console.transcript import plain_text

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
COMPARED_FIELDS = ("role", "status", "incomplete_details", "completed_at", "incomplete_at", "attachments", "run_id")


@dataclass(frozen=True)
class Segment:
    """A run of text on one side of the diff: ``same``, ``removed`` (left only) or ``added`` (right only)."""

    change: str
    text: str


@dataclass(frozen=True)
class KeyChange:
    """One metadata key or field on both sides, and what happened to it."""

    key: str
    left: str | None
    right: str | None

    @property
    def change(self) -> str:
        """added, removed, changed or same."""
        if self.left == self.right:
            return "same"
        if self.left is None:
            return "added"
        return "removed" if self.right is None else "changed"


@dataclass(frozen=True)
class MessageDiff:
    """What differs between two versions of a message."""

    left: list[Segment]
    right: list[Segment]
    metadata: list[KeyChange]
    fields: list[KeyChange]

    @property
    def content_changed(self) -> bool:
        """Whether the content differs at all."""
        return any(s.change != "same" for s in (*self.left, *self.right))


def text_diff(before: str, after: str) -> tuple[list[Segment], list[Segment]]:
    """The two texts split into runs, words removed marked on the left and words added on the right."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    left: list[Segment] = []
    right: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(Segment("same", "".join(a[i1:i2])))
            right.append(Segment("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            left.append(Segment("removed", "".join(a[i1:i2])))
        if j2 > j1:
            right.append(Segment("added", "".join(b[j1:j2])))
    return left, right


def _shown(value: Any, key: str = "") -> str | None:
    if value is None:
        return None
    if key.endswith("_at") and isinstance(value, int):
        return when(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def key_changes(left: dict[str, Any], right: dict[str, Any], keys: tuple[str, ...] | None = None) -> list[KeyChange]:
    """Each key of either side (or ``keys``), with its value on each side."""
    names = keys or tuple(sorted(set(left) | set(right)))
    return [KeyChange(k, _shown(left.get(k), k), _shown(right.get(k), k)) for k in names]


def message_diff(left: dict[str, Any], right: dict[str, Any]) -> MessageDiff:
    """Compare two versions (``thread.message.version`` objects) of one message."""
    before, after = left["message"], right["message"]
    segments = text_diff(plain_text(before), plain_text(after))
    fields = key_changes(
        {**before, "deleted": left["deleted"]}, {**after, "deleted": right["deleted"]}, (*COMPARED_FIELDS, "deleted")
    )
    return MessageDiff(*segments, key_changes(before["metadata"] or {}, after["metadata"] or {}), fields)
