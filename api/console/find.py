"""The console's first page: find a thread or conversation by id, or pick one of the tenant's recent threads."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from api.console.pages import BadInput, ConsoleRoute, page
from api.console.session import ConsoleUser
from api.deps import StoreDep, in_thread
from domain.errors import MessageNotFound, ThreadNotFound
from domain.ids import MESSAGE_PREFIX, canonical_thread_id
from projections.analytics.projector import AnalyticsTables
from projections.analytics.recent import RecentThreads, recent_threads
from projections.history.lookup import thread_of_message
from projections.store import MessageStore

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

PAGE_SIZE = 25
MAX_ID_LENGTH = 200


def recent(store: MessageStore, tenant: str, after: str | None) -> RecentThreads:
    """A page of the tenant's threads by last activity (the analytics projection, kept by the worker)."""
    with store.database.read() as curs:
        return recent_threads(AnalyticsTables(store.database.dialect), curs, tenant, limit=PAGE_SIZE, after=after)


def owned(store: MessageStore, tenant: str, thread_id: str) -> None:
    """Raise ThreadNotFound unless the thread ever existed for this tenant (deleted ones count)."""
    store.history.events(tenant, thread_id, limit=1, order="desc")


def thread_of(store: MessageStore, tenant: str, message_id: str) -> str:
    """The tenant's thread a message was ever in; another tenant's message is as unknown as a missing one."""
    history = store.history
    history.ensure_up_to_date()
    with history.database.read() as curs:
        thread_id = thread_of_message(curs, history.view.tables, message_id)
    try:
        if thread_id is None:
            raise ThreadNotFound(message_id)
        owned(store, tenant, thread_id)
    except ThreadNotFound:
        raise MessageNotFound(message_id) from None
    return thread_id


@router.get("")
async def find(
    request: Request, user: ConsoleUser, store: StoreDep, id: str | None = None, after: str | None = None
) -> Response:
    """Find by id (a thread or conversation goes to its page, a message to its versions), and recent threads."""
    wanted = (id or "").strip()
    if wanted:
        if len(wanted) > MAX_ID_LENGTH or not wanted.isprintable():
            raise BadInput("That does not look like an id: paste a thread_…, conv_… or msg_… id.")
        if wanted.startswith(MESSAGE_PREFIX):
            thread_id = await in_thread(thread_of, store, user.tenant, wanted)
            return RedirectResponse(f"/console/threads/{thread_id}/messages/{wanted}/versions", status_code=303)
        thread_id = canonical_thread_id(wanted)
        await in_thread(owned, store, user.tenant, thread_id)
        return RedirectResponse(f"/console/threads/{thread_id}", status_code=303)
    found = await in_thread(recent, store, user.tenant, after or None)
    return page(request, "find.html", title="Find", section="find", recent=found, paged=bool(after))
