"""What only an assistant runtime may do: the ``runtime`` scope, and the bodies of its requests."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import Depends
from pydantic import Field, ValidationError, ValidationInfo, ValidatorFunctionWrapHandler, field_validator
from pydantic_core import PydanticCustomError

from api.auth import Principal
from api.deps import get_principal
from api.errors import APIError
from api.routes.threads import new_message
from api.schemas import ImageFile, ImageURL, MessageCreate, Strict, check_content
from api.validation import describe_validation_error, invalid, param_path
from domain.states import COMPLETED, IN_PROGRESS
from projections.store import NewMessage

RUNTIME_SCOPE = "runtime"
RUNTIME_FIELDS = ("assistant_id", "run_id", "status")
MAX_DELTA_PARTS = 32
MAX_DELTA_TEXT = 256_000
DELTA_TYPES = ("text", "refusal", "image_file", "image_url")


def require_runtime(principal: Principal, param: str | None = None) -> Principal:
    """Refuse (403) a caller whose key lacks the ``runtime`` scope."""
    if RUNTIME_SCOPE not in principal.scopes:
        raise APIError(
            403,
            "You have insufficient permissions for this operation. Missing scope: runtime. Recording"
            " assistant messages (assistant_id, run_id, status, deltas, complete, incomplete) needs an"
            " API key configured as key:tenant:runtime in MSGSTORE_API_KEYS.",
            param=param,
            code="insufficient_permissions",
        )
    return principal


def runtime_principal(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    """The caller, who must hold the ``runtime`` scope."""
    return require_runtime(principal)


RuntimeDep = Annotated[Principal, Depends(runtime_principal)]


def empty_or_content(value: Any) -> Any:
    """Like ``check_content``, but lets an empty string or array through (an in-progress message starts empty)."""
    return value if value in ("", []) else check_content(value)


class AuthoredMessageCreate(MessageCreate):
    """The create-message body, plus the fields a runtime sends (through the SDK's ``extra_body``)."""

    assistant_id: str | None = Field(
        None, min_length=1, max_length=128, description="Extension, runtime keys only: the assistant that wrote it."
    )
    run_id: str | None = Field(
        None, min_length=1, max_length=128, description="Extension, runtime keys only: the run that wrote it."
    )
    status: Literal["in_progress", "completed"] | None = Field(
        None,
        description="Extension, runtime keys only: in_progress starts a message that deltas extend (content may"
        " be empty) until it is completed or marked incomplete. Default: completed.",
    )

    _content = field_validator("content", mode="before")(empty_or_content)

    @field_validator("assistant_id", "run_id")
    @classmethod
    def _storable(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Both are indexed text columns, and PostgreSQL text cannot hold NUL.
        if value is not None and "\x00" in value:
            raise invalid(f"Invalid '{info.field_name}': the string must not contain NUL characters.")
        return value


def authored_message(body: AuthoredMessageCreate, principal: Principal) -> NewMessage:
    """Turn a create-message body into what the store records, refusing runtime fields to other keys."""
    sent = [name for name in RUNTIME_FIELDS if getattr(body, name) is not None]
    if sent:
        require_runtime(principal, param=sent[0])
    if not body.content and body.status != IN_PROGRESS:
        try:
            check_content(body.content)  # empty content: refused as for anyone else
        except PydanticCustomError as e:
            context = e.context or {}
            raise APIError(400, str(context["message"]), param="content", code=str(context["code"])) from None
    message = new_message(body)
    return replace(
        message,
        content=message.content if body.content else [],
        assistant_id=body.assistant_id,
        run_id=body.run_id,
        status=body.status or COMPLETED,
    )


class TextDelta(Strict):
    """Text to append to a text block (or to start one with)."""

    value: str = Field(max_length=MAX_DELTA_TEXT)


class DeltaPart(Strict):
    """Where a part of a delta goes: an existing block to extend, or the next index for a new block."""

    index: int = Field(ge=0, strict=True)


class TextDeltaPart(DeltaPart):
    """``{"index", "type": "text", "text": {"value"}}``."""

    type: Literal["text"]
    text: TextDelta


class RefusalDeltaPart(DeltaPart):
    """``{"index", "type": "refusal", "refusal"}``."""

    type: Literal["refusal"]
    refusal: str = Field(max_length=MAX_DELTA_TEXT)


class ImageFileDeltaPart(DeltaPart):
    """A new image_file block."""

    type: Literal["image_file"]
    image_file: ImageFile


class ImageURLDeltaPart(DeltaPart):
    """A new image_url block."""

    type: Literal["image_url"]
    image_url: ImageURL


DeltaContent = Annotated[
    TextDeltaPart | RefusalDeltaPart | ImageFileDeltaPart | ImageURLDeltaPart, Field(discriminator="type")
]


class MessageDelta(Strict):
    """The body of ``POST …/messages/{message_id}/deltas``: OpenAI's message delta, ``{"content": [parts]}``."""

    content: list[DeltaContent] = Field(min_length=1, max_length=MAX_DELTA_PARTS)

    @field_validator("content", mode="wrap")
    @classmethod
    def _name_the_part(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as e:
            raise _delta_error(e) from None

    def parts(self) -> list[dict[str, Any]]:
        """The parts as recorded (and as the stream's ``thread.message.delta`` carries them)."""
        return [part.model_dump(exclude_none=True) for part in self.content]


def _delta_error(e: ValidationError) -> PydanticCustomError:
    # A tagged union puts the tag into error locations: name the parameter as OpenAI does instead.
    error = e.errors()[0]
    loc = error["loc"]
    if error["type"] == "union_tag_not_found":
        where = param_path(("content", *loc, "type"))
        return invalid(f"Missing required parameter: '{where}'.", f"[{loc[0]}].type", "missing_required_parameter")
    if error["type"] == "union_tag_invalid":
        supported = ", ".join(f"'{t}'" for t in DELTA_TYPES[:-1]) + f" and '{DELTA_TYPES[-1]}'"
        return invalid(
            f"Invalid value: '{error['ctx']['tag']}'. Supported values are: {supported}.", f"[{loc[0]}].type"
        )
    untagged = [{**err, "loc": ("content", *_untagged(err["loc"]))} for err in e.errors()]
    message, param, code = describe_validation_error(untagged)
    return invalid(message, (param or "").removeprefix("content") or None, code)


def _untagged(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    tagged = len(loc) >= 2 and isinstance(loc[0], int) and loc[1] in DELTA_TYPES
    return (loc[0], *loc[2:]) if tagged else loc


class MessageComplete(Strict):
    """The body of ``POST …/messages/{message_id}/complete``: empty."""


class MessageIncomplete(Strict):
    """The body of ``POST …/messages/{message_id}/incomplete``."""

    reason: Literal["content_filter", "max_tokens", "run_cancelled", "run_expired", "run_failed"]
