"""A lean path for the hottest requests (create, list, retrieve messages and items; deltas), in front of the routes.

FastAPI's routing, dependency solving and request wrapping cost more CPU than the store's own work
for a small read. For requests of the plainest shape (ids of URL-safe characters, only the list's
own query parameters with ordinary values, a JSON body that validates) this calls the same route
functions directly; anything else, including every request that would be refused, goes through
FastAPI unchanged, so errors keep their one source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

import orjson
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import Principal
from api.deps import store_for
from api.errors import error_response, from_exception
from api.lists import ListWindow, plain_list_params
from api.middleware import replay
from api.request_text import SURROGATE_ESCAPE
from api.routes import items, messages, runtime
from api.runtime import RUNTIME_SCOPE, AuthoredMessageCreate, MessageDelta

ID = r"[A-Za-z0-9_-]{1,128}"
PLAIN_VALUE = re.compile(r"[A-Za-z0-9_-]{1,128}")
JSON = (b"application/json", b"application/json; charset=utf-8")
WINDOW = frozenset({"limit", "order", "after", "before"})
# A streamed reply's deltas: one request per few tokens, the most frequent write of a runtime.
DELTAS = re.compile(rf"/v1/threads/({ID})/messages/({ID})/deltas")
DELTAS_TEMPLATE = runtime.router.prefix + "/deltas"

Validated = TypeVar("Validated", bound=BaseModel)
Creator = Callable[[Request, str, Principal, Any], Awaitable[Any]]


@dataclass(frozen=True)
class RouteTemplate:
    """Stands for a route in the scope where only its path template is known."""

    path: str


@dataclass(frozen=True)
class Lane:
    """One resource the fast path serves: its paths, its list's own filter, and the route functions it calls."""

    path: re.Pattern[str]
    prefix: str  # the router's path template
    owner: str  # the path parameter naming the thread or conversation, as sent
    one: str  # the path parameter naming one message or item
    filter: str  # the list's own query parameter beside the window
    retrieve: Callable[[str, str, Principal, Any], Awaitable[Any]]
    list: Callable[[str, Principal, Any, ListWindow, str | None], Awaitable[Any]]
    creator: Callable[[Scope, bytes], Creator | None]  # the create call for a plain body, else None

    @cached_property
    def one_template(self) -> str:
        """The path template of one message or item."""
        return f"{self.prefix}/{{{self.one}}}"

    @cached_property
    def list_params(self) -> frozenset[str]:
        """The list's query parameters: the window and the lane's own filter."""
        return WINDOW | {self.filter}


def _message_creator(scope: Scope, body: bytes) -> Creator | None:
    validated = _validated(AuthoredMessageCreate, _document(scope, body, orjson.loads))
    if validated is None:
        return None
    return lambda request, thread_id, principal, store: messages.create_message(
        request, thread_id, validated, principal, store
    )


def _items_creator(scope: Scope, body: bytes) -> Creator | None:
    document = _document(scope, body, json.loads)  # as the router decodes it: exact big integers
    if document is None:
        return None
    return lambda request, conversation_id, principal, store: items.create_items(
        request, conversation_id, principal, store, document
    )


LANES = (
    Lane(
        re.compile(rf"/v1/threads/({ID})/messages(?:/({ID}))?"),
        messages.router.prefix,
        "thread_id",
        "message_id",
        "run_id",
        messages.retrieve_message,
        messages.list_messages,
        _message_creator,
    ),
    Lane(
        re.compile(rf"/v1/conversations/({ID})/items(?:/({ID}))?"),
        items.router.prefix,
        "conversation_id",  # a 404 names the conversation as sent
        "item_id",
        "item_type",
        items.retrieve_item,
        items.list_items,
        _items_creator,
    ),
)


class FastPath:
    """Serves plain create, list and retrieve requests of messages and items without the router; passes the rest on."""

    def __init__(self, app: ASGIApp, routes: dict[tuple[str, str], Any]) -> None:
        self.app = app
        self.routes = routes  # (method, path template) -> the APIRoute, for logs and metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "POST"):
            principal = scope.get("state", {}).get("principal")
            deltas = DELTAS.fullmatch(scope["path"]) if scope["method"] == "POST" else None
            if deltas is not None and isinstance(principal, Principal) and RUNTIME_SCOPE in principal.scopes:
                await self._append(scope, receive, send, deltas, principal)
                return
            for lane in LANES if isinstance(principal, Principal) else ():
                match = lane.path.fullmatch(scope["path"])
                if match is not None:
                    if await self._serve(scope, receive, send, lane, match, principal):
                        return
                    break
        await self.app(scope, receive, send)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, lane: Lane, match: re.Match[str], principal: Principal
    ) -> bool:
        """Answer through the lane's route function; False: not plain enough, the app answers."""
        owner, one = match.group(1), match.group(2)
        store, method, template = store_for(scope["app"].state, principal), scope["method"], lane.prefix
        if method == "GET" and one is not None:
            if scope["query_string"]:
                return False
            call, template = lane.retrieve(owner, one, principal, store), lane.one_template
        elif method == "GET":
            params = plain_list_params(scope["query_string"], lane.list_params, PLAIN_VALUE)
            if params is None:
                return False
            chosen = params.pop(lane.filter, None)
            call = lane.list(owner, principal, store, ListWindow(**params), chosen)
        elif one is None and not scope["query_string"]:
            body = await _body(scope, receive)
            creator = lane.creator(scope, body)
            if creator is None:
                await self.app(scope, replay(body), send)
                return True
            call = creator(Request(scope, replay(body)), owner, principal, store)
        else:
            return False
        await self._answer(scope, receive, send, call, template, {lane.owner: owner})
        return True

    async def _append(
        self, scope: Scope, receive: Receive, send: Send, match: re.Match[str], principal: Principal
    ) -> None:
        """A delta with a plain body, through the route function; anything else through the app."""
        body = await _body(scope, receive)
        document = None if scope["query_string"] else _document(scope, body, orjson.loads)
        delta = _validated(MessageDelta, document)
        if delta is None:
            await self.app(scope, replay(body), send)
            return
        thread_id, message_id = match.group(1), match.group(2)
        store = store_for(scope["app"].state, principal)
        call = runtime.append_delta(Request(scope, replay(body)), thread_id, message_id, delta, principal, store)
        await self._answer(
            scope, receive, send, call, DELTAS_TEMPLATE, {"thread_id": thread_id, "message_id": message_id}
        )

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, call: Awaitable[Any], template: str, params: dict[str, str]
    ) -> None:
        """Await a route function's answer and send it, the request labelled as the router would label it."""
        scope["path_params"] = params  # a 404 names the thread or conversation as sent
        # Logs and metrics label requests by the route's path template.
        scope["route"] = self.routes.get((scope["method"], template)) or RouteTemplate(template)
        try:
            response = await call
        except Exception as exc:  # as the app's exception handlers answer these
            response = error_response(from_exception(exc, scope))
        await response(scope, receive, send)


def _validated(model: type[Validated], document: dict[str, Any] | None) -> Validated | None:
    """``document`` as ``model``, or None when it is missing or refused (the app then answers the refusal)."""
    if document is None:
        return None
    try:
        return model.model_validate(document)
    except (ValidationError, ValueError):
        return None


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


def _document(scope: Scope, body: bytes, loads: Callable[[bytes], Any]) -> dict[str, Any] | None:
    """The body as a JSON object, if it is plainly one (else the app decides what to answer)."""
    headers = dict(scope["headers"])
    if headers.get(b"content-type", b"").lower() not in JSON or SURROGATE_ESCAPE.search(body):
        return None
    try:
        document = loads(body)
    except ValueError:  # orjson's and json's decode errors both are
        return None
    return document if isinstance(document, dict) else None
