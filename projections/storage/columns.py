"""How values go into columns: JSON as text, event times as Unix seconds."""

from __future__ import annotations

from typing import Any

import orjson


def dumps(value: Any) -> str:
    """Serialize a JSON value for a text column."""
    return orjson.dumps(value).decode()


def seconds(event: Any) -> int:
    """Return the event's time in Unix seconds."""
    return int(event.timestamp.timestamp())
