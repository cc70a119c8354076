"""Typed reads of what the SDK returns: content blocks of the kind a test expects, undeclared fields, error bodies."""

from __future__ import annotations

from typing import Any, TypeVar

from openai import APIStatusError, BaseModel
from openai.types.beta.threads import (
    ImageFileContentBlock,
    ImageURLContentBlock,
    Message,
    RefusalContentBlock,
    TextContentBlock,
)

Block = TypeVar("Block", ImageFileContentBlock, ImageURLContentBlock, TextContentBlock, RefusalContentBlock)


def block(message: Message, index: int, kind: type[Block]) -> Block:
    """The message's content block at ``index``, which must be a ``kind``."""
    found = message.content[index]
    assert isinstance(found, kind), f"content[{index}] of {message.id} is {found.type!r}, not a {kind.__name__}"
    return found


def text_of(message: Message, index: int = 0) -> str:
    """The value of the message's text block at ``index``."""
    return block(message, index, TextContentBlock).text.value


def undeclared(model: BaseModel, name: str) -> Any:
    """A field the server sent that the SDK's model does not declare (a page's ``first_id``, ``last_id``)."""
    return (model.model_extra or {})[name]


def error_body(raised: APIStatusError) -> dict[str, Any]:
    """The ``error`` object of an SDK exception (typed by the SDK as any object)."""
    body = raised.body
    assert isinstance(body, dict), body
    return body
