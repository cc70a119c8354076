"""Messages of a thread: create, list, retrieve, modify, delete."""

from __future__ import annotations

from fastapi import APIRouter, Body, Request

from api.deps import PrincipalDep, StoreDep, read_live
from api.lists import Cursor, WindowDep, list_body
from api.responses import JSONBody
from api.runtime import AuthoredMessageCreate, authored_message
from api.schemas import MessageModify
from api.writes import write

router = APIRouter(prefix="/v1/threads/{thread_id}/messages", tags=["messages"])


@router.post("", summary="Create a message")
async def create_message(
    request: Request, thread_id: str, body: AuthoredMessageCreate, principal: PrincipalDep, store: StoreDep
) -> JSONBody:
    """Append a message to a thread (a runtime key may also send assistant_id, run_id and status)."""
    message = authored_message(body, principal)
    return await write(request, principal, store, store.create_message, thread_id, message)


@router.get("", summary="List messages")
async def list_messages(
    thread_id: str,
    principal: PrincipalDep,
    store: StoreDep,
    window: WindowDep,
    run_id: Cursor = None,
) -> JSONBody:
    """List a thread's messages, newest first by default, with cursor pagination."""
    options = window.options(run_id=run_id)
    return list_body(await read_live(store, "messages", principal.tenant, thread_id, **options))


@router.get("/{message_id}", summary="Retrieve a message")
async def retrieve_message(thread_id: str, message_id: str, principal: PrincipalDep, store: StoreDep) -> JSONBody:
    """Retrieve a message."""
    return JSONBody(await read_live(store, "message", principal.tenant, thread_id, message_id))


@router.post("/{message_id}", summary="Modify a message")
async def modify_message(
    request: Request,
    thread_id: str,
    message_id: str,
    principal: PrincipalDep,
    store: StoreDep,
    body: MessageModify | None = Body(None),
) -> JSONBody:
    """Replace a message's metadata (the only field that can change)."""
    metadata = body.metadata if body is not None else None
    return await write(request, principal, store, store.modify_message, thread_id, message_id, metadata=metadata)


@router.delete("/{message_id}", summary="Delete a message")
async def delete_message(
    request: Request, thread_id: str, message_id: str, principal: PrincipalDep, store: StoreDep
) -> JSONBody:
    """Delete a message."""
    return await write(request, principal, store, store.delete_message, thread_id, message_id)
