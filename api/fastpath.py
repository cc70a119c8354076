"""A lean path for the hottest requests (create, list and retrieve messages and items), in front of the routes.

FastAPI's routing, dependency solving and request wrapping cost more CPU than the store's own work
for a small read. For requests of the plainest shape (ids of URL-safe characters, only the list's
own query parameters with ordinary values, a JSON body that validates) this calls the same route
functions directly; anything else, including every request that would be refused, goes through
FastAPI unchanged, so errors keep their one source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import Principal
from api.errors import error_response, from_exception
from api.lists import ListWindow, plain_list_params
from api.request_text import SURROGATE_ESCAPE
from api.routes import items, messages
from api.runtime import AuthoredMessageCreate

ID = r"[A-Za-z0-9_-]{1,128}"
MESSAGES = re.compile(rf"/v1/threads/({ID})/messages(?:/({ID}))?")
ITEMS = re.compile(rf"/v1/conversations/({ID})/items(?:/({ID}))?")
LIST_PARAMS = frozenset({"limit", "order", "after", "before", "run_id"})
ITEM_LIST_PARAMS = frozenset({"limit", "order", "after", "before", "item_type"})
PLAIN_VALUE = re.compile(r"[A-Za-z0-9_-]{1,128}")
JSON = (b"application/json", b"application/json; charset=utf-8")


@dataclass(frozen=True)
class RouteTemplate:
    """Stands for a route in the scope where only its path template is known."""

    path: str


class FastPath:
    """Serves plain create, list and retrieve requests of messages and items without the router; passes the rest on."""

    def __init__(self, app: ASGIApp, routes: dict[tuple[str, str], Any]) -> None:
        self.app = app
        self.routes = routes  # (method, path template) -> the APIRoute, for logs and metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "POST"):
            principal = scope.get("state", {}).get("principal")
            if isinstance(principal, Principal):
                match = MESSAGES.fullmatch(scope["path"])
                if match is not None:
                    call = await self._messages(scope, receive, match, principal)
                elif (match := ITEMS.fullmatch(scope["path"])) is not None:
                    call = await self._items(scope, receive, match, principal)
                else:
                    call = None
                if call is not None:
                    await self._answer(scope, receive, send, *call)
                    return
        await self.app(scope, receive, send)

    async def _messages(
        self, scope: Scope, receive: Receive, match: re.Match[str], principal: Principal
    ) -> tuple[Any, str] | None:
        thread_id, message_id = match.group(1), match.group(2)
        store = scope["app"].state.store
        method, prefix = scope["method"], messages.router.prefix
        if method == "GET" and message_id is not None:
            if scope["query_string"]:
                return None
            return messages.retrieve_message(thread_id, message_id, principal, store), prefix + "/{message_id}"
        if method == "GET":
            params = plain_list_params(scope["query_string"], LIST_PARAMS, PLAIN_VALUE)
            if params is None:
                return None
            run_id = params.pop("run_id", None)
            return messages.list_messages(thread_id, principal, store, ListWindow(**params), run_id), prefix
        if message_id is not None or scope["query_string"]:
            return None
        body = await _body(scope, receive)
        document = _document(scope, body)
        validated = _validated(document)
        if validated is None:
            return PassedOn(body), prefix
        request = Request(scope, _replay(body))
        return messages.create_message(request, thread_id, validated, principal, store), prefix

    async def _items(
        self, scope: Scope, receive: Receive, match: re.Match[str], principal: Principal
    ) -> tuple[Any, str] | None:
        conversation_id, item_id = match.group(1), match.group(2)
        store = scope["app"].state.store
        scope["path_params"] = {"conversation_id": conversation_id}  # a 404 names the conversation as sent
        method, prefix = scope["method"], items.router.prefix
        if method == "GET" and item_id is not None:
            if scope["query_string"]:
                return None
            return items.retrieve_item(conversation_id, item_id, principal, store), prefix + "/{item_id}"
        if method == "GET":
            params = plain_list_params(scope["query_string"], ITEM_LIST_PARAMS, PLAIN_VALUE)
            if params is None:
                return None
            item_type = params.pop("item_type", None)
            return items.list_items(conversation_id, principal, store, ListWindow(**params), item_type), prefix
        if item_id is not None or scope["query_string"]:
            return None
        body = await _body(scope, receive)
        document = _document(scope, body, json.loads)  # as the router decodes it: exact big integers
        if document is None:
            return PassedOn(body), prefix
        request = Request(scope, _replay(body))
        return items.create_items(request, conversation_id, principal, store, document), prefix

    async def _answer(self, scope: Scope, receive: Receive, send: Send, call: Any, template: str) -> None:
        """Await the route's coroutine and send its answer (or, passed on, let the app answer)."""
        if isinstance(call, PassedOn):
            await self.app(scope, _replay(call.body), send)
            return
        # Logs and metrics label requests by the route's path template.
        scope["route"] = self.routes.get((scope["method"], template)) or RouteTemplate(template)
        try:
            response = await call
        except Exception as exc:  # as the app's exception handlers answer these
            response = error_response(from_exception(exc, scope))
        await response(scope, receive, send)


@dataclass(frozen=True)
class PassedOn:
    """A request the fast path read the body of but leaves to the app (its body, to hand on)."""

    body: bytes


def route_templates(app: Any) -> dict[tuple[str, str], Any]:
    """Every route of ``app`` by (method, path template)."""
    return {
        (method, route.path): route
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }


async def _body(scope: Scope, receive: Receive) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _document(scope: Scope, body: bytes, loads: Callable[[bytes], Any] = orjson.loads) -> dict[str, Any] | None:
    """The body as a JSON object, if it is plainly one (else the app decides what to answer)."""
    headers = dict(scope["headers"])
    if headers.get(b"content-type", b"").lower() not in JSON or SURROGATE_ESCAPE.search(body):
        return None
    try:
        document = loads(body)
    except ValueError:  # orjson's and json's decode errors both are
        return None
    return document if isinstance(document, dict) else None


def _validated(document: dict[str, Any] | None) -> AuthoredMessageCreate | None:
    if document is None:
        return None
    try:
        return AuthoredMessageCreate.model_validate(document)
    except (ValidationError, ValueError):
        return None


def _replay(body: bytes) -> Receive:
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
