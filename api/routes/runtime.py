"""Extensions for an assistant runtime: stream content into an in-progress message, then finish it."""

from __future__ import annotations

from fastapi import APIRouter, Body, Request

from api.deps import StoreDep
from api.responses import JSONBody
from api.runtime import MessageComplete, MessageDelta, MessageIncomplete, RuntimeDep
from api.writes import write

TAG = "runtime (extension)"

router = APIRouter(prefix="/v1/threads/{thread_id}/messages/{message_id}", tags=[TAG])


@router.post("/deltas", summary="Append to an in-progress message")
async def append_delta(
    request: Request, thread_id: str, message_id: str, body: MessageDelta, principal: RuntimeDep, store: StoreDep
) -> JSONBody:
    """Append content to an in_progress message: text to an existing text block, or new blocks.

    The body is OpenAI's message delta, ``{"content": [{"index": 0, "type": "text", "text": {"value": "…"}}]}``;
    each call is one event. Answers with the message as accumulated so far. Needs a runtime key.
    """
    parts = body.parts()
    return await write(request, principal, store, store.append_to_message, thread_id, message_id, parts)


@router.post("/complete", summary="Complete an in-progress message")
async def complete_message(
    request: Request,
    thread_id: str,
    message_id: str,
    principal: RuntimeDep,
    store: StoreDep,
    body: MessageComplete | None = Body(None),
) -> JSONBody:
    """Set an in_progress message's status to completed (and ``completed_at``). Needs a runtime key."""
    return await write(request, principal, store, store.complete_message, thread_id, message_id)


@router.post("/incomplete", summary="Mark an in-progress message incomplete")
async def mark_incomplete(
    request: Request,
    thread_id: str,
    message_id: str,
    body: MessageIncomplete,
    principal: RuntimeDep,
    store: StoreDep,
) -> JSONBody:
    """End an in_progress message as incomplete, with ``incomplete_details.reason``. Needs a runtime key."""
    return await write(request, principal, store, store.mark_message_incomplete, thread_id, message_id, body.reason)
