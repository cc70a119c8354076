"""One line of an import file: a thread with its messages, a conversation with its items, or both, checked."""

from __future__ import annotations

import re
import sys
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from api.cli.import_messages import SavedMessage, check_time, parse_saved_message
from api.conversations.fields import check_choice, check_kind, check_string, refuse
from api.conversations.item_types import ITEM_TYPES
from api.conversations.items import parse_items
from api.errors import APIError
from api.schemas import ToolResources, check_metadata
from api.validation import describe_validation_error, invalid, kind_of, missing_parameter, unknown_parameter
from domain.conversation_content import appears_in_threads, message_fields
from domain.ids import canonical_thread_id
from projections.write.imports import Entry, ImportedItem, ImportedMessage, ImportedThread

LINE_KEYS = ("object", "id", "created_at", "metadata", "tool_resources", "tenant", "messages", "items")
THREAD_ID = re.compile(r"(thread|conv)_[A-Za-z0-9_-]+")
MAX_THREAD_ID = 64
MAX_TENANT = 256
PYTHON_NAMES = {"async_": "async"}  # the SDK's names of item fields that are Python keywords


def parse_line(value: Any, tenant: str | None, default_tenant: str) -> ImportedThread:
    """The thread a line describes, ready to record; raises ``APIError`` naming the field at fault.

    ``tenant`` (the ``--tenant`` option) overrides the line's own ``tenant``; without either the thread
    goes to ``default_tenant``.
    """
    if not isinstance(value, dict):
        raise APIError(400, f"expected a JSON object (a thread or a conversation), but got {kind_of(value)}.")
    for key in value:
        if key not in LINE_KEYS:
            raise refuse(unknown_parameter(key), key)
    check_choice(_required(value, "object"), ("thread", "conversation"), "object")
    thread_id = _thread_id(_required(value, "id"))
    created_at = check_time(_required(value, "created_at"), "created_at")
    owner = tenant or (check_string(value["tenant"], "tenant", MAX_TENANT) if value.get("tenant") else default_tenant)
    try:
        metadata = dict(check_metadata(value.get("metadata")) or {})
    except PydanticCustomError as error:
        raise refuse(error, "metadata") from None
    messages = _messages(value["messages"], thread_id) if value.get("messages") is not None else None
    items = _items(value["items"]) if value.get("items") is not None else None
    if items is None:
        entries: list[Entry] = [m.imported() for m in messages or []]
    else:
        entries = _merged(items, messages, created_at)
    return ImportedThread(thread_id, owner, created_at, metadata, _tool_resources(value.get("tool_resources")), entries)


def entry_ids(thread: ImportedThread) -> list[str]:
    """The ids of a thread's messages and items."""
    return [e.message_id if isinstance(e, ImportedMessage) else e.item_id for e in thread.entries]


def _required(line: dict[str, Any], key: str) -> Any:
    if key not in line:
        raise refuse(missing_parameter(key), key)
    return line[key]


def _thread_id(value: Any) -> str:
    check_kind(value, ("string",), "id")
    if len(value) > MAX_THREAD_ID or not THREAD_ID.fullmatch(value):
        message = (
            f"Invalid 'id': '{value[:80]}'. Expected 'thread_' or 'conv_' followed by letters, numbers, underscores"
            f" or dashes, at most {MAX_THREAD_ID} characters in all."
        )
        raise refuse(invalid(message), "id")
    return canonical_thread_id(value)


def _tool_resources(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        return ToolResources.model_validate(value).model_dump(exclude_none=True)
    except ValidationError as error:
        errors = [{**e, "loc": ("tool_resources", *e["loc"])} for e in error.errors()]
        message, param, code = describe_validation_error(errors)
        raise APIError(400, message, param=param, code=code) from None


def _messages(value: Any, thread_id: str) -> list[SavedMessage]:
    check_kind(value, ("array",), "messages")
    messages = [parse_saved_message(m, f"messages[{i}]", thread_id) for i, m in enumerate(value)]
    seen: dict[str, int] = {}
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        first = seen.setdefault(message.message_id, i)
        if first != i:
            raise refuse(invalid(f"Invalid '{where}.id': it is already the id of 'messages[{first}]'."), f"{where}.id")
        if i and message.created_at < messages[i - 1].created_at:
            reason = "it is earlier than the message before it: list the messages oldest first (order='asc')"
            raise refuse(invalid(f"Invalid '{where}.created_at': {reason}."), f"{where}.created_at")
    return messages


def _items(value: Any) -> list[dict[str, Any]]:
    """The items as the API answers them, each with the id it must keep (a null the union has no room for dropped)."""
    check_kind(value, ("array",), "items")
    items = parse_items([_without_absent(item) for item in value], "items", sys.maxsize, min_items=0)
    for i, item in enumerate(items):
        if item["type"] == "item_reference":
            message = "an item_reference names an item; save the item it names instead"
            raise refuse(invalid(f"Invalid 'items[{i}].type': {message}."), f"items[{i}].type")
        if "id" not in item:
            raise refuse(missing_parameter(f"items[{i}].id"), f"items[{i}].id")
    return items


def _without_absent(item: Any) -> Any:
    """An SDK's ``model_dump()`` writes null for a field it lacks: leave out those the union takes no null for.

    It also spells ``async`` by its Python name, ``async_`` (unless dumped ``by_alias``).
    """
    if not isinstance(item, dict) or item.get("type") not in ITEM_TYPES:
        return item
    spec = ITEM_TYPES[item["type"]]
    fields = {**spec.optional, **spec.required}
    named = {PYTHON_NAMES.get(k, k): v for k, v in item.items()}
    return {k: v for k, v in named.items() if v is not None or k not in fields or "null" in fields[k]}


def _merged(items: list[dict[str, Any]], messages: list[SavedMessage] | None, created_at: int) -> list[Entry]:
    """The items in order; with ``messages``, each message item the Threads API shows is paired with its message.

    Items carry no time: each takes its message's (if it has one) or the last time before it.
    """
    position = {m.message_id: i for i, m in enumerate(messages or [])}
    entries: list[Entry] = []
    at, paired = created_at, 0
    for j, saved in enumerate(items):
        item_id = saved["id"]
        item = {key: v for key, v in saved.items() if key != "id"}
        if messages is None or not appears_in_threads(item):
            if item_id in position:
                reason = "the Threads API shows no such item: remove it from 'messages'"
                where = f"messages[{position[item_id]}]"
                raise refuse(invalid(f"Invalid '{where}': it is items[{j}], {reason}."), where)
            entries.append(ImportedItem(item_id, at, item))
            continue
        i = position.get(item_id)
        if i is None:
            reason = f"'{item_id}' is a message the Threads API shows, so 'messages' must hold it too"
            raise refuse(invalid(f"Invalid 'items[{j}]': {reason}."), f"items[{j}]")
        if i != paired:
            reason = "'messages' must list the user and assistant messages in the order of 'items' (oldest first)"
            raise refuse(invalid(f"Invalid 'messages[{i}]': {reason}."), f"messages[{i}]")
        paired += 1
        at = messages[i].created_at
        entries.append(_pair(messages[i], item_id, item, f"messages[{i}]", j))
    if messages is not None and paired < len(messages):
        where = f"messages[{paired}]"
        raise refuse(invalid(f"Invalid '{where}': '{messages[paired].message_id}' is not among 'items'."), where)
    return entries


def _pair(message: SavedMessage, item_id: str, item: dict[str, Any], where: str, j: int) -> Entry:
    """The one message both forms describe, recorded the way that reproduces both."""
    if message.as_item() == item:
        return message.imported()  # recorded as a thread message: its item follows from it
    shown = message_fields(item_id, item)
    mine = vars(message.message)
    if all(shown[key] == mine[key] for key in ("role", "content", "attachments", "assistant_id", "run_id", "status")):
        # Recorded as an item (its message follows from it), its metadata set after; in progress first if it ended.
        first = item if message.ending is None else {**item, "status": "in_progress"}
        return ImportedItem(item_id, message.created_at, first, message.message.metadata, message.ending)
    reason = f"items[{j}] is the same message, but neither form is the other's (compare their content and status)"
    raise refuse(invalid(f"Invalid '{where}': {reason}."), where)
