"""Conversations: create, retrieve, update, delete (a conversation is a thread: ``conv_X`` is ``thread_X``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from api.conversations.bodies import parse_conversation_create, parse_conversation_update
from api.deps import PrincipalDep, StoreDep, in_thread
from api.errors import APIError, unsupported_content_type
from api.responses import JSONBody
from api.writes import write
from domain.ids import canonical_thread_id, new_item_id
from projections.store import MessageStore
from projections.write.conversations import NewItem

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])

RawJSON = Annotated[Any, Body()]
"""A request body as decoded JSON: api/conversations validates it, naming full paths (``items[2].content[0].text``)."""


def json_document(request: Request, body: Any) -> Any:
    """The decoded body; raw bytes mean the framework did not read it as JSON (the threads routes' 400)."""
    if isinstance(body, bytes):
        raise unsupported_content_type(request.headers.get("content-type", ""))
    return body


async def new_items(store: MessageStore, tenant: str, items: list[dict[str, Any]]) -> list[NewItem]:
    """The parsed items with their ids: a carried id if unused, a new one otherwise; a reference as a copy.

    An ``item_reference`` names a live item of one of this tenant's conversations: its copy is a new
    item with a new id. Raises ``APIError`` (400 naming ``items[i].id``) for a used id or an unknown reference.
    """
    carried = {i: item["id"] for i, item in enumerate(items) if "id" in item and item["type"] != "item_reference"}
    referred = {i: item["id"] for i, item in enumerate(items) if item["type"] == "item_reference"}
    used = await in_thread(store.known_items, list(carried.values())) if carried else set()
    for i, item_id in carried.items():
        if item_id in used:
            raise _bad_id(i, f"'{item_id}' is already the id of an item or message.")
    found = await in_thread(store.items_of_tenant, tenant, list(referred.values())) if referred else {}
    for i, item_id in referred.items():
        if item_id not in found:
            raise _bad_id(i, f"no item found with id '{item_id}'.")
    resolved: list[NewItem] = []
    for i, item in enumerate(items):
        if i in referred:
            body = {key: value for key, value in found[item["id"]].items() if key != "id"}
            resolved.append((new_item_id(body["type"]), body))
        else:
            body = {key: value for key, value in item.items() if key != "id"}
            resolved.append((carried.get(i) or new_item_id(item["type"]), body))
    return resolved


def _bad_id(index: int, reason: str) -> APIError:
    param = f"items[{index}].id"
    return APIError(400, f"Invalid '{param}': {reason}", param=param, code="invalid_value")


@router.post("", summary="Create a conversation")
async def create_conversation(
    request: Request, principal: PrincipalDep, store: StoreDep, body: RawJSON = None
) -> JSONBody:
    """Create a conversation, optionally with up to 20 first items (recorded together or not at all)."""
    items, metadata = parse_conversation_create(json_document(request, body))

    async def prepare() -> dict[str, Any]:
        return {"items": await new_items(store, principal.tenant, items)}

    return await write(request, principal, store, store.create_conversation, metadata=metadata, prepare=prepare)


@router.get("/{conversation_id}", summary="Retrieve a conversation")
async def retrieve_conversation(conversation_id: str, principal: PrincipalDep, store: StoreDep) -> JSONBody:
    """Retrieve a conversation (a thread's id works too; the answer names it ``conv_…``)."""
    found = await in_thread(store.conversation, principal.tenant, canonical_thread_id(conversation_id))
    return JSONBody(found)


@router.post("/{conversation_id}", summary="Update a conversation")
async def update_conversation(
    request: Request, conversation_id: str, principal: PrincipalDep, store: StoreDep, body: RawJSON = None
) -> JSONBody:
    """Replace a conversation's metadata."""
    metadata = parse_conversation_update(json_document(request, body))
    thread_id = canonical_thread_id(conversation_id)
    return await write(request, principal, store, store.update_conversation, thread_id, metadata)


@router.delete("/{conversation_id}", summary="Delete a conversation")
async def delete_conversation(
    request: Request, conversation_id: str, principal: PrincipalDep, store: StoreDep
) -> JSONBody:
    """Delete a conversation (its thread, by either id)."""
    thread_id = canonical_thread_id(conversation_id)
    return await write(request, principal, store, store.delete_conversation, thread_id)
