"""Refuses request text no database can hold: lone UTF-16 surrogates in a JSON body, NUL in a path or query."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request

from api.errors import APIError
from domain.errors import ItemNotFound, MessageNotFound, ThreadNotFound

# A surrogate: a JSON escape (a valid pair is two of them, a lone one is not text), or its three bytes in the
# body, which are not UTF-8 but which Python's JSON decoder lets through ('surrogatepass').
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
NUL = "\x00"


async def check_request_text(request: Request) -> None:
    """Refuse, before anything is validated or recorded, text that cannot be encoded or stored.

    A path id with NUL names nothing that can exist (404, as any unknown id); a query value with
    NUL is refused (400); a body string holding a lone surrogate cannot be encoded as UTF-8 (400).
    """
    _check_path(request.path_params)
    if b"%00" in request.scope.get("query_string", b""):
        _check_query(request)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        body = await request.body()
        if SURROGATE_ESCAPE.search(body):
            _check_body(body)


def _check_path(params: dict[str, Any]) -> None:
    for name in ("thread_id", "conversation_id"):
        thread_id = params.get(name)
        if isinstance(thread_id, str) and NUL in thread_id:
            raise ThreadNotFound(thread_id)
    message_id = params.get("message_id")
    if isinstance(message_id, str) and NUL in message_id:
        raise MessageNotFound(message_id)
    item_id = params.get("item_id")
    if isinstance(item_id, str) and NUL in item_id:
        raise ItemNotFound(item_id)


def _check_query(request: Request) -> None:
    for name, value in request.query_params.multi_items():
        if NUL in name or NUL in value:
            raise APIError(
                400,
                f"Invalid '{name.replace(NUL, '')}': a query parameter must not contain NUL characters.",
                param=name.replace(NUL, "") or None,
                code="invalid_value",
            )


def _check_body(body: bytes) -> None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the route's own parsing answers it
    param = lone_surrogate_at(document)
    if param is not None:
        raise APIError(
            400,
            f"Invalid '{param}': the string contains a lone UTF-16 surrogate (\\ud800-\\udfff without its pair),"
            " which is not valid Unicode text.",
            param=param,
            code="invalid_value",
        )


def lone_surrogate_at(document: Any) -> str | None:
    """The parameter (``messages[0].content``) of the first string holding a lone surrogate, if any.

    Walks with an explicit stack: a body nested deeper than Python's recursion limit is legal JSON.
    """
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if not _encodable(value):
                return where or "body"
        elif isinstance(value, dict):
            if not all(_encodable(key) for key in value):
                return where or "body"
            stack.extend(reversed([(f"{where}.{key}" if where else key, item) for key, item in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(f"{where}[{i}]", item) for i, item in enumerate(value)]))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
