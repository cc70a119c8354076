"""One line per event for the timeline: what it changed, in words, instead of its JSON."""

from __future__ import annotations

import json
from typing import Any

from api.console.pages import when
from api.console.transcript import plain_text

SHORT = 120


def _short(text: str) -> str:
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def _value(value: Any, name: str = "") -> str:
    if name.endswith("_at") and isinstance(value, int):
        return when(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def summary(event: dict[str, Any]) -> str:
    """What an event did: a created message's role and opening words, a delta's text, each field before → after."""
    data = event.get("data") or {}
    kind = event.get("type", "")
    message = data.get("message")
    if isinstance(message, dict) and kind.endswith(".created"):
        return _short(f"{message.get('role', '?')}: {_value(plain_text(message))}")
    if kind.endswith(".deleted"):
        return "deleted"
    item = data.get("item")
    if isinstance(item, dict):
        shown = {k: v for k, v in item.items() if k not in ("type", "id")}
        return _short(f"{item.get('type', 'item')}: {_value(shown)}")
    delta = data.get("delta")
    if isinstance(delta, dict):
        return _short("+ " + _value(plain_text(delta)))
    changes = [
        f"{name}: {_value(change['before'], name)} → {_value(change['after'], name)}"
        for name, change in data.items()
        if isinstance(change, dict) and set(change) == {"before", "after"}
    ]
    if changes:
        return _short("; ".join(changes))
    return _short(", ".join(f"{k}: {_value(v)}" for k, v in data.items() if k != "message"))
