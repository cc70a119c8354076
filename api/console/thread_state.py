"""A thread as it was at one of its versions, read from the history: what the thread page and its slider show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api.console.pages import BadInput
from domain.errors import ThreadNotFound
from projections.history.queries import InvalidPointInTime, PointInTime, instant_us
from projections.history.render import event_id, rfc3339
from projections.store import MessageStore

MAX_MESSAGES = 1000  # a transcript longer than this shows its first messages and says so
PAGE = 100


@dataclass
class ThreadState:
    """The thread at ``version``: its event there, the thread object and messages, or why it had none."""

    thread_id: str
    head: int
    head_event: dict[str, Any]
    version: int
    event: dict[str, Any]
    thread: dict[str, Any] | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False
    absent: str | None = None

    @property
    def latest(self) -> bool:
        """Whether this is the thread's last version."""
        return self.version == self.head

    @property
    def writing(self) -> bool:
        """Whether a reply was being written at this version."""
        return any(m["status"] == "in_progress" for m in self.messages)


def as_of_us(text: str) -> int:
    """The instant a console user typed: RFC 3339, or a ``datetime-local`` value read as UTC."""
    value = text.strip()
    if "T" in value and not value.endswith(("Z", "z")) and "+" not in value[10:] and "-" not in value[10:]:
        value += "Z"  # the form's field is labelled UTC and has no zone of its own
    try:
        return instant_us(value)
    except InvalidPointInTime:
        raise BadInput(f"'{text}' is not a moment: pick a date and time (UTC), e.g. 2026-05-01T12:00.") from None


def version_at(store: MessageStore, thread_id: str, at_us: int) -> int | None:
    """The thread's version at an instant (None: it did not exist yet)."""
    history = store.history
    history.ensure_up_to_date()
    with history.database.read() as curs:
        point = history.view.point(curs, thread_id, version=None, at_us=at_us)
    return None if point is None else point[0]


def event_at(store: MessageStore, tenant: str, thread_id: str, version: int) -> dict[str, Any]:
    """The event that made ``version``."""
    after = event_id(thread_id, version - 1) if version > 1 else None
    page = store.history.events(tenant, thread_id, limit=1, order="asc", after=after)
    return page.data[0]


def thread_state(
    store: MessageStore, tenant: str, thread_id: str, version: int | None = None, as_of: str | None = None
) -> ThreadState:
    """The tenant's thread at a version, at an instant, or at its last version that had it (404 if not the tenant's)."""
    newest = store.history.events(tenant, thread_id, limit=1, order="desc").data[0]
    head = int(newest["version"])
    if as_of:
        at = as_of_us(as_of)
        found = version_at(store, thread_id, at)
        if found is None:
            raise BadInput(f"Thread '{thread_id}' did not exist yet at {rfc3339(at)}; pick a later moment.")
        version = found
    elif version is None:
        version = head - 1 if newest["type"] == "thread.deleted" and head > 1 else head
    if not 1 <= version <= head:
        raise BadInput(f"Thread '{thread_id}' has versions 1 to {head}; there is no version {version}.")
    state = ThreadState(thread_id, head, newest, version, newest if version == head else {})
    if version != head:
        state.event = event_at(store, tenant, thread_id, version)
    point = PointInTime(version=version)
    try:
        state.thread = store.history.thread_at(tenant, thread_id, point)
    except ThreadNotFound as absent:
        state.absent = str(absent) if "deleted" in str(absent) else f"The thread was deleted at version {version}."
        return state
    after: str | None = None
    while len(state.messages) < MAX_MESSAGES:
        page = store.history.messages_at(tenant, thread_id, point, limit=PAGE, order="asc", after=after)
        state.messages += page.data
        if not page.has_more:
            break
        after = page.data[-1]["id"]
    state.truncated = len(state.messages) >= MAX_MESSAGES
    return state


def parse_version(text: str | None) -> int | None:
    """A version typed or sent by the slider."""
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit() or len(text.strip()) > 18:
        raise BadInput(f"'{text}' is not a version number (1, 2, 3…).")
    return int(text)
