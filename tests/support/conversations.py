"""Items the Conversations API tests send, and typed reads of the items the SDK returns."""

from __future__ import annotations

from typing import Any

from openai.types.conversations import ConversationItem, Message
from openai.types.responses import ResponseInputItemParam

CALL: ResponseInputItemParam = {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": "{}"}
OUTPUT: ResponseInputItemParam = {"type": "function_call_output", "call_id": "call_1", "output": "42"}


def ident(item: ConversationItem) -> str:
    """The id every stored item has (a few members of the SDK's union declare it optional)."""
    found = getattr(item, "id", None)
    assert isinstance(found, str), item
    return found


def said(item: ConversationItem) -> str:
    """The text of a message item's first part."""
    assert isinstance(item, Message), item
    return str(getattr(item.content[0], "text", None))


def user(text: str) -> ResponseInputItemParam:
    """A user message with string content."""
    return {"role": "user", "content": text}


def carrying(item: ResponseInputItemParam, item_id: str) -> Any:
    """The item with an id of its own (as it came from an earlier response)."""
    return {**item, "id": item_id}
