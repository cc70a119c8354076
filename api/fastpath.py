"""A lean path for the three hottest requests (create, list and retrieve messages), in front of the routes.

FastAPI's routing, dependency solving and request wrapping cost more CPU than the store's own work
for a small read. For requests of the plainest shape (ids of URL-safe characters, only the list's
own query parameters with ordinary values, a JSON body that validates) this calls the same route
functions directly; anything else, including every request that would be refused, goes through
FastAPI unchanged, so errors keep their one source.
"""

from __future__ import annotations

import re
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
from api.routes import messages
from api.runtime import AuthoredMessageCreate

ID = r"[A-Za-z0-9_-]{1,128}"
MESSAGES = re.compile(rf"/v1/threads/({ID})/messages(?:/({ID}))?")
LIST_PARAMS = frozenset({"limit", "order", "after", "before", "run_id"})
PLAIN_VALUE = re.compile(r"[A-Za-z0-9_-]{1,128}")
JSON = (b"application/json", b"application/json; charset=utf-8")


@dataclass(frozen=True)
class RouteTemplate:
    """Stands for a route in the scope where only its path template is known."""

    path: str


class FastPath:
    """Serves plain create, list and retrieve requests without the router; passes everything else on."""

    def __init__(self, app: ASGIApp, routes: dict[tuple[str, str], Any]) -> None:
        self.app = app
        self.routes = routes  # (method, path template) -> the APIRoute, for logs and metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "POST"):
            match = MESSAGES.fullmatch(scope["path"])
            principal = scope.get("state", {}).get("principal")
            if match is not None and isinstance(principal, Principal):
                handled = await self._serve(scope, receive, send, match, principal)
                if handled:
                    return
        await self.app(scope, receive, send)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, match: re.Match[str], principal: Principal
    ) -> bool:
        thread_id, message_id = match.group(1), match.group(2)
        store = scope["app"].state.store
        method = scope["method"]
        if method == "GET" and message_id is not None:
            if scope["query_string"]:
                return False
            call: Any = messages.retrieve_message(thread_id, message_id, principal, store)
            template = messages.router.prefix + "/{message_id}"
        elif method == "GET":
            params = plain_list_params(scope["query_string"], LIST_PARAMS, PLAIN_VALUE)
            if params is None:
                return False
            run_id = params.pop("run_id", None)
            call = messages.list_messages(thread_id, principal, store, ListWindow(**params), run_id)
            template = messages.router.prefix
        elif message_id is None and not scope["query_string"]:
            body = await _body(scope, receive)
            validated = _validated(scope, body)
            if validated is None:
                return await self._pass_on(scope, body, send)
            request = Request(scope, _replay(body))
            call = messages.create_message(request, thread_id, validated, principal, store)
            template = messages.router.prefix
        else:
            return False
        # Logs and metrics label requests by the route's path template.
        scope["route"] = self.routes.get((method, template)) or RouteTemplate(template)
        try:
            response = await call
        except Exception as exc:  # as the app's exception handlers answer these
            response = error_response(from_exception(exc, scope))
        await response(scope, receive, send)
        return True

    async def _pass_on(self, scope: Scope, body: bytes, send: Send) -> bool:
        await self.app(scope, _replay(body), send)
        return True


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


def _validated(scope: Scope, body: bytes) -> AuthoredMessageCreate | None:
    headers = dict(scope["headers"])
    if headers.get(b"content-type", b"").lower() not in JSON or SURROGATE_ESCAPE.search(body):
        return None
    try:
        document = orjson.loads(body)
        if not isinstance(document, dict):
            return None
        return AuthoredMessageCreate.model_validate(document)
    except (orjson.JSONDecodeError, ValidationError, ValueError):
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
