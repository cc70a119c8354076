"""The OpenAPI document as the API behaves: its objects, OpenAI error bodies (never 422), keys, extension parameters."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.openapi.conversations import CONVERSATION_ANSWERS, CONVERSATION_OBJECTS, request_body
from api.openapi.extensions import (
    EXTENSION_ANSWERS,
    EXTENSION_OBJECTS,
    OTHER_MEDIA,
    note_refusals,
    tighten,
    tighten_bodies,
)
from api.openapi.objects import ANSWERS, OBJECTS, answer_schema
from api.routes.history import MAX_VERSION
from api.writes import MAX_IDEMPOTENCY_KEY

ERROR = {
    "title": "Error",
    "description": "Every error: validation, authentication, unknown ids and routes, limits, failures.",
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "param", "code"],
            "additionalProperties": False,
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string", "examples": ["invalid_request_error", "server_error"]},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["string", "null"]},
            },
        }
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERRORS = {
    "400": "Invalid request: the message names the parameter. An integer is written without a decimal point"
    " (1, not 1.0).",
    "401": "No API key, or an unknown one.",
    "404": "No such thread, conversation, message or item for this key's tenant (another tenant's is answered"
    " the same).",
    "default": "Any other error (403 scope, 405, 409 conflict, 413 body too large, 500, 503), same body.",
}
POINT_IN_TIME = [
    {
        "name": "as_of",
        "in": "query",
        "required": False,
        "description": "Extension: answer as of this instant, Unix seconds (decimals allowed) or RFC 3339 with a"
        " time zone. Not together with version.",
        "schema": {"type": "string"},
    },
    {
        "name": "version",
        "in": "query",
        "required": False,
        "description": "Extension: answer as of this version of the thread (see its events). Not with as_of.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_VERSION},
    },
]
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A retried request with the same key answers the first result and records nothing new.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY},
}
ANSWERED = {**ANSWERS, **CONVERSATION_ANSWERS}
POINT_IN_TIME_READS = {("/v1/threads/{thread_id}", "get"), ("/v1/threads/{thread_id}/messages", "get")}


def install_openapi(app: FastAPI) -> None:
    """Serve the app's generated document, corrected once on first use."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def describe(document: dict[str, Any]) -> dict[str, Any]:
    """Replace FastAPI's 422 with the errors the API answers, and document keys and extension parameters."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Error"] = ERROR
    schemas.update(OBJECTS)
    schemas.update(CONVERSATION_OBJECTS)
    schemas.update(EXTENSION_OBJECTS)
    tighten_bodies(schemas)
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "A key from MSGSTORE_API_KEYS."}
    }
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            answer = responses.get("200", {}).get("content", {}).get("application/json")
            if answer is not None and answer.get("schema") == {"type": "string"}:  # FastAPI's guess for JSONBody
                answer["schema"] = answer_schema(path, method, ANSWERED)
            if (path, method) in EXTENSION_ANSWERS:  # FastAPI's guess from the annotation, or none
                responses.setdefault("200", {"description": "Successful Response"})["content"] = {
                    "application/json": {"schema": answer_schema(path, method, EXTENSION_ANSWERS)}
                }
            if (path, method) in OTHER_MEDIA:
                media, description = OTHER_MEDIA[path, method]
                responses["200"] = {"description": description, "content": {media: {"schema": {"type": "string"}}}}
            body = request_body(path, method)
            if body is not None:  # the route reads raw JSON, which FastAPI documents as any value
                operation["requestBody"] = body
            if path == "/readyz":
                responses["503"] = {"description": "Not ready: the same report, saying what is behind."}
            if not path.startswith("/v1"):
                continue
            operation["security"] = [{"bearer": []}]
            for status, description in ERRORS.items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
                )
            parameters = operation.setdefault("parameters", [])
            if (path, method) in POINT_IN_TIME_READS:
                parameters.extend(dict(parameter) for parameter in POINT_IN_TIME)
            if method in ("post", "delete"):
                parameters.append(dict(IDEMPOTENCY_KEY))
            tighten(parameters)
            note_refusals(path, operation)
    return document
