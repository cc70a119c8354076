"""Threads: create, retrieve, modify, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request

from api.deps import PrincipalDep, StoreDep, in_thread
from api.responses import JSONBody
from api.schemas import ThreadCreate, ThreadModify
from api.writes import write
from projections.store import NewMessage

router = APIRouter(prefix="/v1/threads", tags=["threads"])


def new_message(body: Any) -> NewMessage:
    """Turn a validated create-message body into what the store records."""
    return NewMessage(
        role=body.role,
        content=body.content_blocks(),
        attachments=body.attachment_list(),
        metadata=body.metadata or {},
    )


@router.post("", summary="Create a thread")
async def create_thread(
    request: Request, principal: PrincipalDep, store: StoreDep, body: ThreadCreate | None = Body(None)
) -> JSONBody:
    """Create a thread, optionally with its first messages."""
    body = body or ThreadCreate()
    messages = [new_message(m) for m in body.messages or []]
    tools = body.tool_resources.model_dump(exclude_none=True) if body.tool_resources else None
    return await write(
        request,
        principal,
        store,
        store.create_thread,
        metadata=body.metadata or {},
        tool_resources=tools,
        messages=messages,
    )


@router.get("/{thread_id}", summary="Retrieve a thread")
async def retrieve_thread(thread_id: str, principal: PrincipalDep, store: StoreDep) -> JSONBody:
    """Retrieve a thread."""
    return JSONBody(await in_thread(store.thread, principal.tenant, thread_id))


@router.post("/{thread_id}", summary="Modify a thread")
async def modify_thread(
    request: Request,
    thread_id: str,
    principal: PrincipalDep,
    store: StoreDep,
    body: ThreadModify | None = Body(None),
) -> JSONBody:
    """Replace a thread's metadata and/or tool resources."""
    body = body or ThreadModify()
    tools = body.tool_resources.model_dump(exclude_none=True) if body.tool_resources else None
    return await write(
        request, principal, store, store.modify_thread, thread_id, metadata=body.metadata, tool_resources=tools
    )


@router.delete("/{thread_id}", summary="Delete a thread")
async def delete_thread(request: Request, thread_id: str, principal: PrincipalDep, store: StoreDep) -> JSONBody:
    """Delete a thread."""
    return await write(request, principal, store, store.delete_thread, thread_id)
