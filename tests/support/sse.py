"""A small Server-Sent Events reader for the stream tests (the spec's parsing rules, the parts we use)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

MAX_IDLE_COMMENTS = 4  # keep-alives in a row before a reader gives up (a missing event, not a slow one)


@dataclass(frozen=True)
class Event:
    """One dispatched event: the last event id at that point, its name, its JSON data, and whether it set the id."""

    id: str
    event: str
    data: Any
    sets_id: bool = True


def events(lines: Iterator[str], last_id: str = "") -> Iterator[Event | str]:
    """Yield events, and comment lines (without the colon) as plain strings; ``last_id`` is the id resumed from."""
    name, sets_id = "message", False
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield Event(last_id, name, json.loads("\n".join(data)), sets_id)
            name, data, sets_id = "message", [], False
        elif line.startswith(":"):
            yield line[1:].strip()
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "id":
                last_id, sets_id = value, True
            elif field == "event":
                name = value
            elif field == "data":
                data.append(value)


class Stream:
    """An open ``GET /v1/threads/{id}/stream``: read events one at a time."""

    def __init__(self, http: httpx.Client, thread_id: str, key: str, last_event_id: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self._context = http.stream("GET", f"/v1/threads/{thread_id}/stream", headers=headers)
        self.response = self._context.__enter__()
        ok = self.response.status_code == 200
        self._events = events(self.response.iter_lines(), last_event_id or "") if ok else iter(())

    def next(self, *, comments: bool = False) -> Event | str:
        """The next event (or comment, if asked for), waiting for it to be written."""
        for idle, item in enumerate(self._events):
            if comments or isinstance(item, Event):
                return item
            assert idle < MAX_IDLE_COMMENTS, "no event came: only keep-alives"
        raise AssertionError("the stream ended")

    def take(self, n: int) -> list[Event]:
        """The next ``n`` events."""
        taken: list[Event] = []
        for _ in range(n):
            event = self.next()
            assert isinstance(event, Event)
            taken.append(event)
        return taken

    def rest(self) -> list[Event]:
        """Every event until the server ends the stream."""
        return [e for e in self._events if isinstance(e, Event)]

    def close(self) -> None:
        self._context.__exit__(None, None, None)

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
