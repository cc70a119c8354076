"""Erasure over HTTP, for the owning tenant's admin keys: a message or item, a thread or conversation, the tenant."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import PrincipalDep, StoreDep
from api.errors import APIError
from api.responses import JSONBody
from api.schemas import Strict
from api.writes import write
from domain.ids import canonical_thread_id

ADMIN_SCOPE = "admin"

router = APIRouter(tags=["erasure"])


class ErasureRequest(Strict):
    """Why content is erased: kept in the audit trail with who asked and when."""

    reason: str = Field(min_length=1, max_length=1000, description="Why (a ticket, a policy); kept in the audit trail.")


def admin_principal(principal: PrincipalDep) -> Principal:
    """The caller, who must hold the ``admin`` scope (a key configured as ``key:tenant:admin``)."""
    if ADMIN_SCOPE not in principal.scopes:
        raise APIError(
            403,
            "You have insufficient permissions for this operation. Missing scope: admin. Erasing content needs"
            " an API key configured as key:tenant:admin in MSGSTORE_API_KEYS.",
            code="insufficient_permissions",
        )
    return principal


AdminDep = Annotated[Principal, Depends(admin_principal)]
ReasonBody = Annotated[ErasureRequest, Body()]


@router.post("/v1/threads/{thread_id}/erase", summary="Erase a thread")
async def erase_thread(
    request: Request, thread_id: str, body: ReasonBody, principal: AdminDep, store: StoreDep
) -> JSONBody:
    """Erase a thread (deleted or not) and all its content: its data keys are destroyed; it answers 404 after."""
    return await write(request, principal, store, store.erase_thread, thread_id, body.reason)


@router.post("/v1/threads/{thread_id}/messages/{message_id}/erase", summary="Erase a message")
async def erase_message(
    request: Request, thread_id: str, message_id: str, body: ReasonBody, principal: AdminDep, store: StoreDep
) -> JSONBody:
    """Erase a message's content: it answers ``content: []`` and metadata ``msgstore_erased_at`` after."""
    return await write(request, principal, store, store.erase_message, thread_id, message_id, body.reason)


@router.post("/v1/conversations/{conversation_id}/erase", summary="Erase a conversation")
async def erase_conversation(
    request: Request, conversation_id: str, body: ReasonBody, principal: AdminDep, store: StoreDep
) -> JSONBody:
    """Erase a conversation and all its items' content."""
    thread_id = canonical_thread_id(conversation_id)
    return await write(request, principal, store, store.erase_thread, thread_id, body.reason)


@router.post("/v1/conversations/{conversation_id}/items/{item_id}/erase", summary="Erase an item")
async def erase_item(
    request: Request, conversation_id: str, item_id: str, body: ReasonBody, principal: AdminDep, store: StoreDep
) -> JSONBody:
    """Erase one item's content (its type, role and status stay)."""
    thread_id = canonical_thread_id(conversation_id)
    return await write(request, principal, store, store.erase_message, thread_id, item_id, body.reason)


@router.post("/v1/tenant/erase", summary="Erase the tenant's content")
async def erase_tenant(body: ReasonBody, principal: AdminDep, store: StoreDep) -> JSONBody:
    """Erase every thread and conversation of the caller's tenant."""
    erased = await run_in_threadpool(store.erase_tenant, principal.actor, body.reason)
    return JSONBody({"object": "tenant.erased", "tenant": principal.tenant, "erased_threads": erased})
