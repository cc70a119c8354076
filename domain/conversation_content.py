"""One message, two content forms: the Assistants message's blocks and the conversation item's parts, mapped."""

from __future__ import annotations

import copy
from typing import Any

THREAD_ROLES = ("user", "assistant")
"""The roles a thread message can have; items of other roles have no Assistants form."""

THREAD_DETAILS = ("auto", "low", "high")
"""Image detail levels an Assistants message knows; the Responses-only "original" reads as "high" there."""

TEXT_PARTS = ("input_text", "output_text")
IN_THREADS = ("input_text", "output_text", "input_image", "refusal")
"""Item parts with an Assistants form; the others (``input_file``) are left out of a thread's view."""


def appears_in_threads(item: dict[str, Any]) -> bool:
    """Whether the Assistants API shows this item: a message of role user or assistant."""
    return item.get("type") == "message" and item.get("role") in THREAD_ROLES


def message_fields(item_id: str, item: dict[str, Any]) -> dict[str, Any]:
    """A user or assistant message item as the fields of the thread message it is (``MessageCreated``'s)."""
    return {
        "message_id": item_id,
        "role": item["role"],
        "content": item_to_message_content(item.get("content") or []),
        "attachments": [],
        "metadata": {},
        "assistant_id": None,
        "run_id": None,
        "status": item.get("status") or "completed",
    }


def text_part(role: str, text: str) -> dict[str, Any]:
    """An item's text part: ``output_text`` for the assistant, ``input_text`` for every other role."""
    if role == "assistant":
        return {"type": "output_text", "text": text, "annotations": []}
    return {"type": "input_text", "text": text}


def message_to_item_content(role: str, thread_content: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A thread message's content blocks as a message item's content parts (for a message of ``role``)."""
    parts: list[dict[str, Any]] = []
    for block in thread_content:
        kind = block.get("type")
        if kind == "text":
            part = text_part(role, block["text"]["value"])
            if role == "assistant":
                part["annotations"] = [
                    mapped for a in block["text"].get("annotations") or [] if (mapped := _item_annotation(a))
                ]
            parts.append(part)
        elif kind == "image_url":
            image = block["image_url"]
            parts.append(_image(image.get("url"), None, image.get("detail")))
        elif kind == "image_file":
            image = block["image_file"]
            parts.append(_image(None, image.get("file_id"), image.get("detail")))
        elif kind == "refusal":
            parts.append({"type": "refusal", "refusal": block["refusal"]})
    return parts


def item_to_message_content(item_content: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A message item's content parts as a thread message's blocks; parts with no Assistants form left out."""
    blocks: list[dict[str, Any]] = []
    for part in item_content:
        kind = part.get("type")
        if kind in TEXT_PARTS:
            blocks.append({"type": "text", "text": {"value": part["text"], "annotations": []}})
        elif kind == "input_image":
            detail = part.get("detail") or "auto"
            detail = detail if detail in THREAD_DETAILS else "high"
            if part.get("image_url") is not None:
                blocks.append({"type": "image_url", "image_url": {"url": part["image_url"], "detail": detail}})
            elif part.get("file_id") is not None:
                blocks.append({"type": "image_file", "image_file": {"file_id": part["file_id"], "detail": detail}})
        elif kind == "refusal":
            blocks.append({"type": "refusal", "refusal": part["refusal"]})
    return blocks


def apply_item_delta(
    item_content: list[dict[str, Any]], delta_parts: list[dict[str, Any]], role: str = "assistant"
) -> list[dict[str, Any]]:
    """Return the item parts after a thread-form delta (``domain.content.apply_delta``'s parts; accepted by
    ``check_delta`` against the thread form). ``item_content`` is left as it was.

    A delta's ``index`` counts the thread form's blocks, so it is mapped past the parts that form leaves
    out; text extends the text part there, a refusal the refusal part, and the next index starts a part.
    """
    grown = list(item_content)
    for delta in delta_parts:
        shown = [i for i, part in enumerate(grown) if part.get("type") in IN_THREADS]
        index, kind = delta["index"], delta["type"]
        if index >= len(shown):
            grown.extend(message_to_item_content(role, [_new_block(delta)]))
            continue
        part = copy.deepcopy(grown[shown[index]])
        if kind == "text":
            part["text"] += delta["text"]["value"]
        else:
            part[kind] += delta[kind]
        grown[shown[index]] = part
    return grown


def _image(url: str | None, file_id: str | None, detail: str | None) -> dict[str, Any]:
    return {"type": "input_image", "image_url": url, "file_id": file_id, "detail": detail or "auto"}


def _new_block(delta: dict[str, Any]) -> dict[str, Any]:
    kind = delta["type"]
    if kind == "text":
        return {"type": "text", "text": {"value": delta["text"]["value"], "annotations": []}}
    return {"type": kind, kind: copy.deepcopy(delta[kind])}


def _item_annotation(annotation: dict[str, Any]) -> dict[str, Any] | None:
    # An Assistants citation names a file and where its marker starts; the Responses one names no text span.
    kind = annotation.get("type")
    index = annotation.get("start_index", 0)
    if kind == "file_citation":
        file_id = annotation.get("file_citation", {}).get("file_id")
        return {"type": "file_citation", "file_id": file_id, "filename": "", "index": index}
    if kind == "file_path":
        return {"type": "file_path", "file_id": annotation.get("file_path", {}).get("file_id"), "index": index}
    return None
