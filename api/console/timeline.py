"""A thread's timeline of events, filterable by type and message, and a message's versions side by side."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.console.diff import message_diff
from api.console.pages import BadInput, ConsoleRoute, page
from api.console.session import ConsoleUser
from api.console.summaries import summary
from api.console.thread_state import parse_version
from api.deps import StoreDep, in_thread
from projections.history.projector import EVENT_TYPES
from projections.history.render import event_version
from projections.pages import Page
from projections.store import MessageStore

router = APIRouter(prefix="/console/threads/{thread_id}", route_class=ConsoleRoute, include_in_schema=False)

EVENTS_PER_PAGE = 50
MAX_VERSIONS = 1000  # a message streamed in more deltas than this shows its first versions
TYPES = tuple(EVENT_TYPES.values())


def events_page(store: MessageStore, tenant: str, thread_id: str, **options: Any) -> Page:
    """A page of the thread's events in recorded order."""
    return store.history.events(tenant, thread_id, limit=EVENTS_PER_PAGE, order="asc", **options)


@router.get("/events")
async def timeline(
    request: Request,
    thread_id: str,
    user: ConsoleUser,
    store: StoreDep,
    type: str | None = None,
    message: str | None = None,
    after: str | None = None,
    before: str | None = None,
) -> Response:
    """Every event with its time, actor and type; filters by type and message; pages of fifty."""
    if type and type not in TYPES:
        raise BadInput(f"'{type}' is not an event type. Pick one from the list.")
    options = {"type": type or None, "message_id": (message or "").strip() or None}
    page_ = await in_thread(
        events_page, store, user.tenant, thread_id, after=after or None, before=before or None, **options
    )
    earlier = bool(after) or (bool(before) and page_.has_more)
    later = bool(before) or (not before and page_.has_more)
    return page(
        request,
        "timeline.html",
        title=f"Timeline of {thread_id}",
        section="find",
        thread_id=thread_id,
        events=page_.data,
        summary=summary,
        types=TYPES,
        type=type or "",
        message=options["message_id"] or "",
        earlier=earlier and bool(page_.data),
        after_version=event_version(thread_id, after) if after else None,
        later=later and bool(page_.data),
    )


def all_versions(store: MessageStore, tenant: str, thread_id: str, message_id: str) -> list[dict[str, Any]]:
    """The message's versions, oldest first (the first ``MAX_VERSIONS``)."""
    found: list[dict[str, Any]] = []
    after: str | None = None
    while len(found) < MAX_VERSIONS:
        page_ = store.history.versions(tenant, thread_id, message_id, limit=100, order="asc", after=after)
        found += page_.data
        if not page_.has_more:
            break
        after = page_.data[-1]["event_id"]
    return found


def pick(versions: list[dict[str, Any]], wanted: int | None, default: int) -> int:
    """The index of the version numbered ``wanted`` (the default index when none is asked for)."""
    if wanted is None:
        return default
    for i, v in enumerate(versions):
        if v["version"] == wanted:
            return i
    raise BadInput(f"The message has no version {wanted}; pick one from the lists.")


@router.get("/messages/{message_id}/versions")
async def versions(
    request: Request,
    thread_id: str,
    message_id: str,
    user: ConsoleUser,
    store: StoreDep,
    left: str | None = None,
    right: str | None = None,
) -> Response:
    """Two versions of a message side by side (by default its last two), content and metadata diffed."""
    found = await in_thread(all_versions, store, user.tenant, thread_id, message_id)
    last = len(found) - 1
    r = pick(found, parse_version(right), last)
    lft = pick(found, parse_version(left), max(r - 1, 0))
    return page(
        request,
        "versions.html",
        title=f"Versions of {message_id}",
        section="find",
        thread_id=thread_id,
        message_id=message_id,
        versions=found,
        left=found[lft],
        right=found[r],
        diff=message_diff(found[lft], found[r]),
        truncated=len(found) >= MAX_VERSIONS,
    )
