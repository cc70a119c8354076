"""Items of a conversation: create (up to 20 at once), list, retrieve, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.conversations.bodies import parse_items_create
from api.conversations.fields import check_choice
from api.conversations.items import ITEM_TYPE_NAMES
from api.deps import PrincipalDep, StoreDep, read_live
from api.lists import WindowDep, list_body
from api.responses import JSONBody
from api.routes.conversations import RawJSON, json_document, new_items
from api.writes import write
from domain.ids import canonical_thread_id

router = APIRouter(prefix="/v1/conversations/{conversation_id}/items", tags=["conversations"])

STORED_TYPES = tuple(name for name in ITEM_TYPE_NAMES if name != "item_reference")
"""What ``item_type`` may name: every input type but a reference (recorded as a copy of the item it names)."""

Include = Annotated[
    list[str] | None,
    Query(alias="include[]", description="Accepted and ignored: every item is answered whole, as it was recorded."),
]
ItemType = Annotated[str | None, Query(description=f"Extension: only items of this type ({', '.join(STORED_TYPES)}).")]


@router.post("", summary="Create items")
async def create_items(
    request: Request,
    conversation_id: str,
    principal: PrincipalDep,
    store: StoreDep,
    body: RawJSON = None,
    include: Include = None,
) -> JSONBody:
    """Append 1 to 20 items to a conversation, all in one transaction; answers with them, in the order sent."""
    items = parse_items_create(json_document(request, body))

    async def prepare() -> dict[str, Any]:
        return {"items": await new_items(store, principal.tenant, items)}

    thread_id = canonical_thread_id(conversation_id)
    return await write(request, principal, store, store.add_items, thread_id, prepare=prepare)


@router.get("", summary="List items")
async def list_items(
    conversation_id: str,
    principal: PrincipalDep,
    store: StoreDep,
    window: WindowDep,
    item_type: ItemType = None,
    include: Include = None,
) -> JSONBody:
    """List a conversation's items, newest first by default, with cursor pagination (``before``: extension)."""
    if item_type:
        check_choice(item_type, STORED_TYPES, "item_type")
    options = window.options(item_type=item_type)
    thread_id = canonical_thread_id(conversation_id)
    return list_body(await read_live(store, "item_page", principal.tenant, thread_id, **options))


@router.get("/{item_id}", summary="Retrieve an item")
async def retrieve_item(
    conversation_id: str, item_id: str, principal: PrincipalDep, store: StoreDep, include: Include = None
) -> JSONBody:
    """Retrieve an item of a conversation."""
    thread_id = canonical_thread_id(conversation_id)
    return JSONBody(await read_live(store, "item", principal.tenant, thread_id, item_id))


@router.delete("/{item_id}", summary="Delete an item")
async def delete_item(
    request: Request, conversation_id: str, item_id: str, principal: PrincipalDep, store: StoreDep
) -> JSONBody:
    """Delete an item of a conversation; answers with the conversation."""
    thread_id = canonical_thread_id(conversation_id)
    return await write(request, principal, store, store.delete_item, thread_id, item_id)
