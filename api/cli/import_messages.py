"""Thread message objects as saved (an SDK's ``model_dump()`` or an export), checked by the Threads API's rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from api.conversations.fields import check_choice, check_id, check_keys, check_kind, refuse, require
from api.errors import APIError
from api.runtime import AuthoredMessageCreate
from api.schemas import MAX_TEXT
from api.validation import describe_validation_error, invalid, too_long
from domain.conversation_content import message_to_item_content
from domain.ids import canonical_thread_id
from domain.states import COMPLETED, IN_PROGRESS, INCOMPLETE, INCOMPLETE_REASONS, MESSAGE_STATES
from projections.write.commands import NewMessage
from projections.write.imports import Ending, ImportedMessage

MESSAGE_KEYS = (
    *("id", "object", "created_at", "thread_id", "status", "incomplete_details", "completed_at", "incomplete_at"),
    *("role", "content", "assistant_id", "run_id", "attachments", "metadata"),
)
BLOCK_TYPES = ("text", "image_url", "image_file", "refusal")
ENDING_FIELDS = ("completed_at", "incomplete_at", "incomplete_details")
ENDING_FIELDS_OF = {IN_PROGRESS: (), COMPLETED: ("completed_at",), INCOMPLETE: ("incomplete_at", "incomplete_details")}
CHECKED_TEXT = "checked"  # stands in for a text or refusal block already checked, in the request form


@dataclass(frozen=True)
class SavedMessage:
    """A message as the Threads API answered it, checked; ``ending`` says how it left ``in_progress``, if it did."""

    message_id: str
    created_at: int
    message: NewMessage  # its final status
    ending: Ending | None

    def imported(self) -> ImportedMessage:
        """The message to record: in progress first when it ended later, so that it ends at the same time."""
        status = IN_PROGRESS if self.ending is not None else self.message.status
        return ImportedMessage(self.message_id, self.created_at, _with_status(self.message, status), self.ending)

    def as_item(self) -> dict[str, Any]:
        """The message item (without its id) the Conversations API answers for this message."""
        role = self.message.role
        content = message_to_item_content(role, self.message.content)
        return {"type": "message", "status": self.message.status, "role": role, "content": content}


def parse_saved_message(value: Any, path: str, thread_id: str) -> SavedMessage:
    """Check a thread message object at ``path`` (``messages[3]``) of thread ``thread_id``; raise ``APIError``."""
    check_kind(value, ("object",), path)
    check_keys(value, MESSAGE_KEYS, path)
    message_id = check_id(require(value, "id", path), f"{path}.id")
    if value.get("object") is not None:
        check_choice(value["object"], ("thread.message",), f"{path}.object")
    created_at = check_time(require(value, "created_at", path), f"{path}.created_at")
    if value.get("thread_id") is not None:
        check_kind(value["thread_id"], ("string",), f"{path}.thread_id")
        if canonical_thread_id(value["thread_id"]) != thread_id:
            where = f"{path}.thread_id"
            raise refuse(invalid(f"Invalid '{where}': the message is on this line's thread, '{thread_id}'."), where)
    status = check_choice(require(value, "status", path), MESSAGE_STATES, f"{path}.status")
    content = saved_content(require(value, "content", path), f"{path}.content")
    body = _request_body(value, content)
    try:
        checked = AuthoredMessageCreate.model_validate(body)
    except ValidationError as error:
        raise _refused(error, path) from None
    message = NewMessage(
        role=checked.role,
        content=[_stored_block(block, part) for block, part in zip(content, _parts(checked), strict=True)],
        attachments=checked.attachment_list(),
        metadata=dict(checked.metadata or {}),
        assistant_id=checked.assistant_id,
        run_id=checked.run_id,
        status=status,
    )
    return SavedMessage(message_id, created_at, message, _ending(value, status, path))


def check_time(value: Any, path: str) -> int:
    """Unix seconds: a non-negative integer."""
    check_kind(value, ("integer",), path)
    if value < 0:
        raise refuse(
            invalid(f"Invalid '{path}': expected Unix seconds, a non-negative integer, but got {value}."), path
        )
    return int(value)


def saved_content(value: Any, path: str) -> list[dict[str, Any]]:
    """The message's content blocks, each an object of a type a message has (the request check follows)."""
    check_kind(value, ("array",), path)
    for i, block in enumerate(value):
        where = f"{path}[{i}]"
        check_kind(block, ("object",), where)
        kind = check_choice(require(block, "type", where), BLOCK_TYPES, f"{where}.type")
        check_keys(block, ("type", kind), where)
        if kind == "refusal":
            _check_length(require(block, "refusal", where), f"{where}.refusal")
        elif kind == "text":
            text = require(block, "text", where)
            check_kind(text, ("object",), f"{where}.text")
            check_keys(text, ("value", "annotations"), f"{where}.text")
            _check_length(require(text, "value", f"{where}.text"), f"{where}.text.value")
            annotations = text.get("annotations") or []
            check_kind(annotations, ("array",), f"{where}.text.annotations")
            for j, annotation in enumerate(annotations):
                check_kind(annotation, ("object",), f"{where}.text.annotations[{j}]")
    return list(value)


def _check_length(value: Any, path: str) -> None:
    # A streamed message's block may be empty (a delta started it), so only the kind and the maximum.
    check_kind(value, ("string",), path)
    if len(value) > MAX_TEXT:
        raise refuse(too_long(path, MAX_TEXT, len(value)), path)


def _request_body(value: dict[str, Any], content: list[dict[str, Any]]) -> dict[str, Any]:
    """The create-message request this message could have come from, one content part per block.

    Text and refusals were checked above (a request has no refusal, nor an empty text): they stand in
    as a placeholder text part, which keeps each part at its block's index for the request's messages.
    """
    parts: list[dict[str, Any]] = []
    for block in content:
        kind = block["type"]
        if kind in ("text", "refusal"):
            parts.append({"type": "text", "text": CHECKED_TEXT})
        else:
            image = block[kind]
            image = {k: v for k, v in image.items() if v is not None} if isinstance(image, dict) else image
            parts.append({"type": kind, kind: image})
    fields = {key: value.get(key) for key in ("attachments", "metadata", "assistant_id", "run_id")}
    return {"role": value.get("role"), "content": parts, **{k: v for k, v in fields.items() if v is not None}}


def _parts(checked: AuthoredMessageCreate) -> list[Any]:
    return [] if isinstance(checked.content, str) else list(checked.content)


def _stored_block(block: dict[str, Any], part: Any) -> dict[str, Any]:
    """A block as the store keeps it: the saved text and annotations, images as a create request stores them."""
    kind = block["type"]
    if kind == "text":
        text = block["text"]
        return {"type": "text", "text": {"value": text["value"], "annotations": text.get("annotations") or []}}
    if kind == "refusal":
        return {"type": "refusal", "refusal": block["refusal"]}
    if kind == "image_url":
        return {"type": kind, kind: part.image_url.model_dump()}
    return {"type": kind, kind: part.image_file.model_dump(exclude_none=True)}


def _ending(value: dict[str, Any], status: str, path: str) -> Ending | None:
    """How the message left ``in_progress`` (at ``completed_at`` or ``incomplete_at``); the fields must agree."""
    for name in ("completed_at", "incomplete_at"):
        if value.get(name) is not None:
            check_time(value[name], f"{path}.{name}")
    details = value.get("incomplete_details")
    reason = None
    if details is not None:
        check_kind(details, ("object",), f"{path}.incomplete_details")
        check_keys(details, ("reason",), f"{path}.incomplete_details")
        reason = check_choice(details.get("reason"), INCOMPLETE_REASONS, f"{path}.incomplete_details.reason")
    given = [name for name in ENDING_FIELDS if value.get(name) is not None]
    stray = [name for name in given if name not in ENDING_FIELDS_OF[status]]
    if stray:
        where = f"{path}.{stray[0]}"
        raise refuse(invalid(f"Invalid '{where}': a message with status '{status}' has none."), where)
    if status == INCOMPLETE and len(given) == 1:
        where = f"{path}.{'incomplete_details' if given == ['incomplete_at'] else 'incomplete_at'}"
        message = "an incomplete message has both incomplete_at and incomplete_details, or neither"
        raise refuse(invalid(f"Invalid '{where}': {message}."), where)
    if status == COMPLETED and given:
        return Ending(value["completed_at"])
    if status == INCOMPLETE and given:
        return Ending(value["incomplete_at"], reason)
    return None


def _with_status(message: NewMessage, status: str) -> NewMessage:
    return NewMessage(**{**vars(message), "status": status})


def _refused(error: ValidationError, path: str) -> APIError:
    """The 400 a request would get for this message, its parameter named from the line (``messages[3].role``)."""
    errors = [{**e, "loc": (*path_parts(path), *e["loc"])} for e in error.errors()]
    message, param, code = describe_validation_error(errors)
    return APIError(400, message, param=param, code=code)


def path_parts(path: str) -> tuple[str | int, ...]:
    """``messages[3]`` as the location parts pydantic uses: ``("messages", 3)``."""
    name, _, rest = path.partition("[")
    return (name, int(rest.rstrip("]"))) if rest else (name,)
