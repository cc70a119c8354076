"""Reads pages of the event log as domain events, decoding only what a projection handles, fast."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic, resolve_topic

from projections.crypto.sealing import field_opener
from projections.storage.eventsourcing_internals import Opener, decoded_event, stores_plain_json

EventFields = tuple[type[Any], dict[str, Any], int]
"""An event as (class, its attributes as ``vars(event)`` holds them, its time in Unix seconds)."""


def opener_of(app: Application[Any]) -> Opener | None:
    """What opens sealed content fields of the application's events without its mapper (None: it seals none)."""
    keyring = getattr(app, "keyring", None)
    return None if keyring is None else field_opener(keyring.find)


@dataclass(frozen=True)
class Page:
    """Events read from the log: those handled, and the position the page reaches (gaps and skipped events included)."""

    events: list[Any]
    last: int


@lru_cache(maxsize=256)
def event_class(topic: str) -> type[Any]:
    """The class a topic names."""
    cls: type[Any] = resolve_topic(topic)
    return cls


class EventReader:
    """Pages through the event log from a position, decoding events of the given classes only.

    Events whose stored state holds no custom-typed value other than the timestamp (all of this
    store's events) are decoded with orjson (``decoded_event``), about twice as fast as the library's
    mapper; anything else, and any store with a cipher or compressor, goes through the application's
    mapper, so the result is always the same domain event.
    """

    def __init__(self, app: Application[Any], handles: Iterable[type[Any]] | None = None) -> None:
        self.app = app
        self.topics = None if handles is None else sorted(get_topic(cls) for cls in handles)
        self._fast = stores_plain_json(app.mapper)
        self._opener = opener_of(app)

    def head(self) -> int:
        """The position of the last event recorded."""
        return int(self.app.recorder.max_notification_id() or 0)

    def read(self, position: int, limit: int, stop: int | None = None) -> Page:
        """Read up to ``limit`` events after ``position`` (and not after ``stop``, by default the head).

        A short page reaches the head read before it, even when the last events were of other classes.
        """
        head = self.head() if stop is None else stop
        if head <= position:
            return Page([], position)
        notifications = self.app.recorder.select_notifications(
            start=position, limit=limit, stop=head, topics=self.topics or (), inclusive_of_start=False
        )
        events = [self.decode(n) for n in notifications]
        return Page(events, notifications[-1].id if len(notifications) == limit else head)

    def pages(self, position: int, limit: int, stop: int | None = None) -> Iterator[Page]:
        """Read page after page until the log (or ``stop``) is reached, the next page read while this one is used."""
        box: dict[str, Any] = {}

        def fetch(start: int) -> None:
            try:
                box["page"] = self.read(start, limit, stop)
            except BaseException as e:  # re-raised in the caller's thread
                box["error"] = e

        fetch(position)
        while True:
            if "error" in box:
                raise box["error"]
            page: Page = box.pop("page")
            if page.last <= position:
                return
            position = page.last
            ahead = threading.Thread(target=fetch, args=(page.last,), daemon=True)
            ahead.start()
            try:
                yield page
            finally:
                ahead.join()

    def decode(self, notification: Notification) -> Any:
        """Return the domain event of a stored event."""
        cls = event_class(notification.topic)
        if self._fast:
            state, version = notification.state, notification.originator_version
            event = decoded_event(cls, state, version, notification.originator_id, self._opener)
            if event is not None:
                return event
        return self.app.mapper.to_domain_event(notification)
