"""The one place where failures become OpenAI error bodies: ``{"error": {message, type, param, code}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import Scope

from api.responses import JSONBody
from api.validation import describe_validation_error
from domain.errors import DomainError, IdTaken, InvalidTransition, ItemNotFound, MessageNotFound, ThreadNotFound
from domain.ids import canonical_thread_id
from projections.history.queries import AbsentAtPointInTime, InvalidPointInTime
from projections.pages import UnknownCursor
from projections.shard_map import TenantMoved
from projections.shards import learn_move
from projections.storage.database import DatabaseUnavailable
from projections.write.command import ConcurrencyConflict

log = logging.getLogger("msgstore.api")

SERVER_ERROR = "The server had an error while processing your request. Sorry about that!"
INVALID_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
    "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
)

# Where a request to /v1/threads/conv_X… keeps the id it sent (api/middleware.py ConversationPaths).
SENT_THREAD_ID = "sent_thread_id"

# FastAPI's answer to a body it could not decode (bad UTF-8, nesting past the recursion limit, a huge number).
UNPARSABLE_BODY = "There was an error parsing the body"


class APIError(Exception):
    """An error answered with an OpenAI error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers


def error_body(message: str, type: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    """Return the OpenAI error body."""
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def error_response(error: APIError) -> JSONBody:
    """Return the response for an APIError."""
    return JSONBody(
        error_body(error.message, error.type, error.param, error.code),
        status_code=error.status,
        headers=error.headers,
    )


def unsupported_content_type(content_type: str) -> APIError:
    """The answer to a body sent with a Content-Type other than JSON."""
    return APIError(
        400,
        f"Unsupported content type: '{content_type}'. This API method only accepts 'application/json' requests,"
        f" but you specified the header 'Content-Type: {content_type}'. Please try again with a supported"
        " content type.",
        code="unsupported_content_type",
    )


def from_exception(exc: BaseException, scope: Scope | None = None) -> APIError:
    """Translate any exception into the APIError a client should see (``scope``: the request it answers)."""
    if isinstance(exc, APIError):
        return exc
    if isinstance(exc, AbsentAtPointInTime):
        return APIError(404, str(exc), param=exc.param, code="not_found_at_point_in_time")
    if isinstance(exc, ThreadNotFound):
        return APIError(404, thread_not_found(exc, scope or {}))
    if isinstance(exc, (MessageNotFound, ItemNotFound)):
        return APIError(404, str(exc))
    if isinstance(exc, IdTaken) and exc.param is not None:
        return APIError(400, str(exc), param=exc.param, code="invalid_value")
    if isinstance(exc, InvalidTransition | DomainError):
        return APIError(400, str(exc))
    if isinstance(exc, UnknownCursor | InvalidPointInTime):
        return APIError(400, str(exc), param=exc.param, code="invalid_value")
    if isinstance(exc, TenantMoved):  # nothing was done; this process sends the tenant's next requests there
        if not learn_move(exc.tenant, exc.url):
            log.error("tenant %s moved to a database that is not a shard of this process", exc.tenant)
        return APIError(
            503, "This tenant's threads have just moved. Retry the request.", type="server_error",
            headers={"Retry-After": "0"},
        )  # fmt: skip
    if isinstance(exc, ConcurrencyConflict):
        return APIError(409, str(exc) + " Retry the request.", type="conflict_error", headers={"Retry-After": "1"})
    if isinstance(exc, DatabaseUnavailable) or type(exc).__name__ in {"OperationalError", "InterfaceError"}:
        log.error("database unavailable: %s", exc)
        return APIError(
            503,
            "The store's database is unavailable. Retry the request shortly.",
            type="server_error",
            headers={"Retry-After": "1"},
        )
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    return APIError(500, SERVER_ERROR, type="server_error")


def thread_not_found(exc: ThreadNotFound, scope: Scope) -> str:
    """The 404 message naming the id the client sent: a conversation under /v1/conversations, else a thread.

    Views and commands know a thread by its canonical ``thread_`` id; the client may have sent ``conv_``.
    """
    sent = (scope.get("path_params") or {}).get("conversation_id")
    if isinstance(sent, str):
        return f"No conversation found with id '{sent}'."
    sent = (scope.get("state") or {}).get(SENT_THREAD_ID)
    if isinstance(sent, str) and canonical_thread_id(sent) == exc.thread_id:
        return f"No thread found with id '{sent}'."
    return str(exc)


def allowed_methods(request: Request, first: str | None) -> str:
    """Every method the API takes at this path: the framework's ``Allow`` names only its first route's."""
    methods = {method.strip() for method in (first or "").split(",") if method.strip()}
    for template, operations in request.app.openapi().get("paths", {}).items():
        if compile_path(template)[0].fullmatch(request.scope["path"]):
            methods |= {method.upper() for method in operations}
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error, including the framework's own, with an OpenAI error body."""

    async def on_api_error(request: Request, exc: Exception) -> JSONBody:
        return error_response(from_exception(exc, request.scope))

    async def on_validation(request: Request, exc: Exception) -> JSONBody:
        assert isinstance(exc, RequestValidationError)
        if isinstance(exc.body, bytes) and exc.body:  # a body the framework did not read as JSON
            return error_response(unsupported_content_type(request.headers.get("content-type", "")))
        message, param, code = describe_validation_error(exc.errors())
        if code == "invalid_json":
            return error_response(APIError(400, INVALID_JSON))
        return error_response(APIError(400, message, param=param, code=code))

    async def on_http(request: Request, exc: Exception) -> JSONBody:
        assert isinstance(exc, StarletteHTTPException)
        where = f"{request.method} {request.url.path}"
        if exc.status_code == 404:
            return error_response(APIError(404, f"Invalid URL ({where})"))
        if exc.status_code == 405:
            allow = {"Allow": allowed_methods(request, (exc.headers or {}).get("Allow"))}
            return error_response(APIError(405, f"Method not allowed ({where})", headers=allow))
        if exc.status_code == 400 and exc.detail == UNPARSABLE_BODY:
            return error_response(APIError(400, INVALID_JSON))
        return error_response(APIError(exc.status_code, str(exc.detail)))

    app.add_exception_handler(APIError, on_api_error)
    app.add_exception_handler(DomainError, on_api_error)
    app.add_exception_handler(UnknownCursor, on_api_error)
    app.add_exception_handler(InvalidPointInTime, on_api_error)
    app.add_exception_handler(ConcurrencyConflict, on_api_error)
    app.add_exception_handler(DatabaseUnavailable, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_api_error)
