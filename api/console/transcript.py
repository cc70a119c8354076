"""A message's content parts as a transcript shows them: text, links to images, refusals, anything else as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Part:
    """One content part: its kind, the text to show, and a link if it has a safe one."""

    kind: str
    text: str
    href: str | None = None


def _link(url: Any) -> str | None:
    """A URL safe to put in an href: http or https only (never javascript:, never a data: blob)."""
    if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
        return url
    return None


def text_of(part: dict[str, Any]) -> str:
    """The text of a text-like part, in any of the forms the two APIs use."""
    value = part.get("text")
    if isinstance(value, dict):
        value = value.get("value")
    return value if isinstance(value, str) else ""


def part(raw: Any) -> Part:
    """How one content part is shown."""
    if not isinstance(raw, dict):
        return Part("other", json.dumps(raw))
    kind = str(raw.get("type", "other"))
    if kind in ("text", "input_text", "output_text"):
        return Part("text", text_of(raw))
    if kind == "refusal":
        return Part("refusal", str(raw.get("refusal", "")))
    if kind in ("image_url", "input_image"):
        image = raw.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        href = _link(url)
        shown = url if href else f"an inline image ({len(str(url or ''))} characters)"
        return Part("image", str(shown), href)
    if kind == "image_file":
        image = raw.get("image_file")
        file_id = image.get("file_id") if isinstance(image, dict) else None
        return Part("image", f"image file {file_id}")
    return Part("other", json.dumps(raw, ensure_ascii=False, sort_keys=True))


def parts(message: dict[str, Any]) -> list[Part]:
    """Every content part of a message, in order."""
    content = message.get("content")
    if isinstance(content, str):
        return [Part("text", content)]
    return [part(p) for p in content or ()]


def plain_text(message: dict[str, Any]) -> str:
    """A message's content as one text, part after part: what a diff compares."""
    return "\n\n".join(f"[{p.kind}] {p.text}" if p.kind != "text" else p.text for p in parts(message))
