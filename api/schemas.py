"""Request bodies of the Threads and Messages API, validated as OpenAI validates them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.validation import check_text, invalid, kind_of, missing_parameter, too_long, unknown_parameter, wrong_type

MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512
MAX_TEXT = 256_000
MAX_THREAD_MESSAGES = 32
DETAILS = ("auto", "low", "high")
TOOL_TYPES = ("code_interpreter", "file_search")


class Strict(BaseModel):
    """A request object: unknown keys are refused, as OpenAI refuses them."""

    model_config = ConfigDict(extra="forbid")


class TextPart(Strict):
    """``{"type": "text", "text": "…"}``."""

    type: Literal["text"]
    text: str


class ImageURL(Strict):
    """An image by URL, with the detail level to look at it."""

    url: str
    detail: Literal["auto", "low", "high"] = "auto"


class ImageURLPart(Strict):
    """``{"type": "image_url", "image_url": {…}}``."""

    type: Literal["image_url"]
    image_url: ImageURL


class ImageFile(Strict):
    """An image by file id."""

    file_id: str
    detail: Literal["auto", "low", "high"] | None = None


class ImageFilePart(Strict):
    """``{"type": "image_file", "image_file": {…}}``."""

    type: Literal["image_file"]
    image_file: ImageFile


ContentPart = Annotated[TextPart | ImageURLPart | ImageFilePart, Field(discriminator="type")]


class AttachmentTool(Strict):
    """A tool an attached file is given to."""

    type: Literal["code_interpreter", "file_search"]


class Attachment(Strict):
    """A file attached to a message, and the tools it is for."""

    file_id: str
    tools: list[AttachmentTool] | None = None


def check_metadata(value: Any) -> Any:
    """At most 16 pairs; keys strings of at most 64 characters, values strings of at most 512."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise wrong_type("metadata", "an object", value)
    if len(value) > MAX_METADATA_PAIRS:
        raise invalid(
            f"Invalid 'metadata': too many properties. Expected an object with at most {MAX_METADATA_PAIRS}"
            f" properties, but got an object with {len(value)} properties instead.",
            code="object_above_max_properties",
        )
    for key, item in value.items():
        if len(key) > MAX_METADATA_KEY:
            raise too_long("metadata", MAX_METADATA_KEY, len(key))
        if not isinstance(item, str):
            raise wrong_type(f"metadata.{key}", "a string", item, key)
        if len(item) > MAX_METADATA_VALUE:
            raise too_long(f"metadata.{key}", MAX_METADATA_VALUE, len(item), key)
    return value


def check_content(value: Any) -> Any:
    """A non-empty string, or a non-empty array of text, image_url and image_file parts."""
    if isinstance(value, str):
        if not value:
            raise invalid(
                "Invalid 'content': string too short. Expected a string with minimum length 1,"
                " but got an empty string instead.",
                code="string_below_min_length",
            )
        if len(value) > MAX_TEXT:
            raise too_long("content", MAX_TEXT, len(value))
        return value
    if not isinstance(value, list):
        raise invalid(
            f"Invalid type for 'content': expected one of a string or an array of content parts,"
            f" but got {kind_of(value)} instead.",
            code="invalid_type",
        )
    if not value:
        raise invalid(
            "Invalid 'content': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            code="empty_array",
        )
    for i, part in enumerate(value):
        _check_part(i, part)
    return value


def _check_part(i: int, part: Any) -> None:
    where = f"content[{i}]"
    if not isinstance(part, dict):
        raise wrong_type(where, "an object", part, f"[{i}]")
    kind = part.get("type")
    if kind not in ("text", "image_url", "image_file"):
        if kind is None:
            raise missing_parameter(f"{where}.type", f"[{i}].type")
        raise invalid(
            f"Invalid value: {kind!r}. Supported values are: 'text', 'image_url' and 'image_file'.",
            param=f"[{i}].type",
        )
    for key in part:
        if key not in ("type", kind):
            raise unknown_parameter(f"{where}.{key}", f"[{i}].{key}")
    if kind not in part:
        raise missing_parameter(f"{where}.{kind}", f"[{i}].{kind}")
    body = part[kind]
    if kind == "text":
        check_text(f"{where}.text", body, MAX_TEXT, f"[{i}].text")
        return
    field = "url" if kind == "image_url" else "file_id"
    if not isinstance(body, dict):
        raise wrong_type(f"{where}.{kind}", "an object", body, f"[{i}].{kind}")
    for key in body:
        if key not in (field, "detail"):
            raise unknown_parameter(f"{where}.{kind}.{key}", f"[{i}].{kind}.{key}")
    if field not in body:
        raise missing_parameter(f"{where}.{kind}.{field}", f"[{i}].{kind}.{field}")
    if not isinstance(body[field], str) or not body[field]:
        raise invalid(f"Invalid '{where}.{kind}.{field}': expected a non-empty string.", param=f"[{i}].{kind}.{field}")
    detail = body.get("detail")
    if detail is not None and detail not in DETAILS:
        raise invalid(
            f"Invalid value: {detail!r}. Supported values are: 'auto', 'low' and 'high'.",
            param=f"[{i}].{kind}.detail",
        )


class MessageCreate(Strict):
    """The body of ``POST /v1/threads/{thread_id}/messages`` (and an item of a new thread's messages)."""

    role: Literal["user", "assistant"]
    content: str | list[ContentPart]
    attachments: list[Attachment] | None = None
    metadata: dict[str, str] | None = None

    _content = field_validator("content", mode="before")(check_content)
    _metadata = field_validator("metadata", mode="before")(check_metadata)

    def content_blocks(self) -> list[dict[str, Any]]:
        """Return the content as the message object carries it."""
        if isinstance(self.content, str):
            return [{"type": "text", "text": {"value": self.content, "annotations": []}}]
        blocks: list[dict[str, Any]] = []
        for part in self.content:
            if isinstance(part, TextPart):
                blocks.append({"type": "text", "text": {"value": part.text, "annotations": []}})
            elif isinstance(part, ImageURLPart):
                blocks.append({"type": "image_url", "image_url": part.image_url.model_dump()})
            else:
                blocks.append({"type": "image_file", "image_file": part.image_file.model_dump(exclude_none=True)})
        return blocks

    def attachment_list(self) -> list[dict[str, Any]]:
        """Return the attachments as the message object carries them."""
        return [a.model_dump() | {"tools": [t.model_dump() for t in a.tools or []]} for a in self.attachments or []]


class CodeInterpreterResources(Strict):
    """Files the code interpreter may use."""

    file_ids: list[str] = Field(default_factory=list, max_length=20)


class FileSearchResources(Strict):
    """Vector stores file search may use."""

    vector_store_ids: list[str] = Field(default_factory=list, max_length=1)


class ToolResources(Strict):
    """Resources made available to tools in a thread."""

    code_interpreter: CodeInterpreterResources | None = None
    file_search: FileSearchResources | None = None


class ThreadCreate(Strict):
    """The body of ``POST /v1/threads``."""

    messages: list[MessageCreate] | None = Field(None, max_length=MAX_THREAD_MESSAGES)
    tool_resources: ToolResources | None = None
    metadata: dict[str, str] | None = None

    _metadata = field_validator("metadata", mode="before")(check_metadata)


class ThreadModify(Strict):
    """The body of ``POST /v1/threads/{thread_id}``."""

    tool_resources: ToolResources | None = None
    metadata: dict[str, str] | None = None

    _metadata = field_validator("metadata", mode="before")(check_metadata)


class MessageModify(Strict):
    """The body of ``POST /v1/threads/{thread_id}/messages/{message_id}``: metadata only."""

    metadata: dict[str, str] | None = None

    _metadata = field_validator("metadata", mode="before")(check_metadata)
