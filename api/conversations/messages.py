"""Message items: role, status and content parts validated as OpenAI does, returned as the item the API answers."""

from __future__ import annotations

import copy
from typing import Any

from api.conversations.fields import (
    Kinds,
    check_choice,
    check_fields,
    check_id,
    check_keys,
    check_kind,
    check_string,
    refuse,
    require,
)
from api.schemas import MAX_TEXT
from api.validation import empty_array, invalid, kind_of, missing_parameter

ROLES = ("user", "assistant", "system", "developer")
STATUSES = ("in_progress", "completed", "incomplete")
PHASES = ("commentary", "final_answer")
MESSAGE_KEYS = ("type", "id", "role", "content", "status", "phase")
INPUT_PARTS = ("input_text", "input_image", "input_file")
OUTPUT_PARTS = ("output_text", "refusal")
IMAGE_DETAILS = ("auto", "low", "high", "original")
FILE_DETAILS = ("auto", "low", "high")
PART_KEYS = {
    "input_text": ("type", "text", "prompt_cache_breakpoint"),
    "input_image": ("type", "image_url", "file_id", "detail", "prompt_cache_breakpoint"),
    "input_file": ("type", "file_id", "file_data", "file_url", "filename", "detail", "prompt_cache_breakpoint"),
    "output_text": ("type", "text", "annotations", "logprobs"),
    "refusal": ("type", "refusal"),
}
INT: Kinds = ("integer",)
STR: Kinds = ("string",)
ANNOTATIONS: dict[str, dict[str, Kinds]] = {
    "file_citation": {"file_id": STR, "filename": STR, "index": INT},
    "url_citation": {"end_index": INT, "start_index": INT, "title": STR, "url": STR},
    "container_file_citation": {
        "container_id": STR,
        "end_index": INT,
        "file_id": STR,
        "filename": STR,
        "start_index": INT,
    },
    "file_path": {"file_id": STR, "index": INT},
}


def parse_message(item: dict[str, Any], path: str) -> dict[str, Any]:
    """Validate a message item (``type`` "message" or absent) and return it as the API answers it."""
    check_keys(item, MESSAGE_KEYS, path)
    role = check_choice(require(item, "role", path), ROLES, f"{path}.role")
    content = parse_content(role, require(item, "content", path), f"{path}.content")
    answer: dict[str, Any] = {}
    if item.get("id") is not None:
        answer["id"] = check_id(item["id"], f"{path}.id")
    status = item.get("status")
    if status is not None:
        check_choice(status, STATUSES, f"{path}.status")
    answer |= {"type": "message", "status": status or "completed", "role": role, "content": content}
    if item.get("phase") is not None:
        answer["phase"] = check_choice(item["phase"], PHASES, f"{path}.phase")
    return answer


def parse_content(role: str, content: Any, path: str) -> list[dict[str, Any]]:
    """A non-empty string (one text part) or a non-empty array of the parts this role's messages carry."""
    if isinstance(content, str):
        text = check_string(content, path, MAX_TEXT)
        if role == "assistant":
            return [{"type": "output_text", "text": text, "annotations": []}]
        return [{"type": "input_text", "text": text}]
    if not isinstance(content, list):
        raise refuse(
            invalid(
                f"Invalid type for '{path}': expected one of a string or an array of content parts,"
                f" but got {kind_of(content)} instead.",
                code="invalid_type",
            ),
            path,
        )
    if not content:
        raise refuse(empty_array(path), path)
    allowed = OUTPUT_PARTS if role == "assistant" else INPUT_PARTS
    return [parse_part(part, allowed, f"{path}[{j}]") for j, part in enumerate(content)]


def parse_part(part: Any, allowed: tuple[str, ...], path: str) -> dict[str, Any]:
    """One content part, its ``type`` among ``allowed``, with the keys the answer always carries."""
    check_kind(part, ("object",), path)
    if part.get("type") is None:
        raise refuse(missing_parameter(f"{path}.type"), f"{path}.type")
    kind = check_choice(part["type"], allowed, f"{path}.type")
    check_keys(part, PART_KEYS[kind], path)
    answer: dict[str, Any]
    if kind in ("input_text", "output_text"):
        answer = {"type": kind, "text": check_string(require(part, "text", path), f"{path}.text", MAX_TEXT)}
        if kind == "output_text":
            answer["annotations"] = _annotations(part.get("annotations"), f"{path}.annotations")
            if part.get("logprobs") is not None:
                check_kind(part["logprobs"], ("array",), f"{path}.logprobs")
                answer["logprobs"] = copy.deepcopy(part["logprobs"])
    elif kind == "refusal":
        answer = {"type": kind, "refusal": check_string(require(part, "refusal", path), f"{path}.refusal", MAX_TEXT)}
    elif kind == "input_image":
        answer = _image(part, path)
    else:
        answer = _file(part, path)
    if part.get("prompt_cache_breakpoint") is not None:
        answer["prompt_cache_breakpoint"] = _breakpoint(part["prompt_cache_breakpoint"], path)
    return answer


def _image(part: dict[str, Any], path: str) -> dict[str, Any]:
    sources = _sources(part, ("image_url", "file_id"), path)
    detail = part.get("detail")
    detail = "auto" if detail is None else check_choice(detail, IMAGE_DETAILS, f"{path}.detail")
    return {"type": "input_image", "image_url": sources["image_url"], "file_id": sources["file_id"], "detail": detail}


def _file(part: dict[str, Any], path: str) -> dict[str, Any]:
    sources = _sources(part, ("file_id", "file_data", "file_url"), path)
    answer: dict[str, Any] = {"type": "input_file", "file_id": sources["file_id"]}
    answer |= {key: value for key, value in sources.items() if key != "file_id" and value is not None}
    if part.get("filename") is not None:
        answer["filename"] = check_string(part["filename"], f"{path}.filename")
    if part.get("detail") is not None:
        answer["detail"] = check_choice(part["detail"], FILE_DETAILS, f"{path}.detail")
    return answer


def _sources(part: dict[str, Any], keys: tuple[str, ...], path: str) -> dict[str, str | None]:
    # Where the image or file comes from: at least one of these, each a non-empty string when given.
    sources = {key: None if part.get(key) is None else check_string(part[key], f"{path}.{key}") for key in keys}
    if all(value is None for value in sources.values()):
        named = ", ".join(f"'{key}'" for key in keys[:-1]) + f" or '{keys[-1]}'"
        raise refuse(
            invalid(
                f"Invalid '{path}': an {part['type']} part needs one of {named}.", code="missing_required_parameter"
            ),
            path,
        )
    return sources


def _annotations(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    check_kind(value, ("array",), path)
    for k, annotation in enumerate(value):
        where = f"{path}[{k}]"
        check_kind(annotation, ("object",), where)
        kind = check_choice(require(annotation, "type", where), tuple(ANNOTATIONS), f"{where}.type")
        check_fields(annotation, where, ANNOTATIONS[kind])
    return copy.deepcopy(value)


def _breakpoint(value: Any, path: str) -> dict[str, Any]:
    where = f"{path}.prompt_cache_breakpoint"
    check_kind(value, ("object",), where)
    check_keys(value, ("mode", "ttl"), where)
    check_fields(
        value, where, {"mode": STR}, {"ttl": ("string", "null")}, {"mode": ("explicit",), "ttl": ("30m", "12h")}
    )
    return dict(value)
