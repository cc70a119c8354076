"""The extension endpoints' answers (audit, analytics, erasure, operations) and what validation refuses."""

from __future__ import annotations

from typing import Any

from api.conversations.items import ITEM_TYPE_NAMES
from api.openapi.conversations import CONVERSATION, ITEM
from api.openapi.objects import MESSAGE, NULLABLE_STR, THREAD, list_of, object_schema, ref
from api.schemas import MAX_TEXT
from projections.analytics.projector import COUNTERS

INT = {"type": "integer"}
TIMESTAMP = {"type": "string", "description": "RFC 3339, UTC, microseconds: 2024-05-01T12:00:00.000000Z."}
ACTOR = {
    "title": "Actor",
    "description": "Who made a change: the tenant and the id of the key (never the key); 'import' for msgstore import.",
    "type": "object",
    "required": ["tenant", "key_id"],
    "properties": {"tenant": {"type": "string"}, "key_id": {"type": "string"}},
}
DAILY_COUNTS = (*COUNTERS, "active_threads")  # a day of the analytics projection, as answered
DAY = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


EXTENSION_OBJECTS: dict[str, dict[str, Any]] = {
    "Actor": ACTOR,
    "ThreadEvent": object_schema(
        "ThreadEvent",
        {
            "id": {"type": "string", "description": "event_<thread>_<version>: a cursor of this list."},
            "object": {"const": "thread.event"},
            "type": {"type": "string", "examples": ["thread.created", "thread.message.deleted"]},
            "thread_id": {"type": "string"},
            "message_id": NULLABLE_STR,
            "version": {"type": "integer", "minimum": 1},
            "created_at": INT,
            "recorded_at": TIMESTAMP,
            "actor": ref("Actor"),
            "data": {"type": "object", "description": "What changed: a message as created, {field: {before, after}}…"},
        },
    ),
    "ThreadEventList": list_of("ThreadEventList", "ThreadEvent"),
    "MessageVersion": object_schema(
        "MessageVersion",
        {
            "object": {"const": "thread.message.version"},
            "event_id": {"type": "string", "description": "The event that made this version: a cursor of this list."},
            "event_type": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "created_at": INT,
            "recorded_at": TIMESTAMP,
            "actor": ref("Actor"),
            "deleted": {"type": "boolean"},
            "message": ref("Message"),
        },
    ),
    "MessageVersionList": list_of("MessageVersionList", "MessageVersion"),
    "AnalyticsDay": object_schema(
        "AnalyticsDay",
        {"object": {"const": "analytics.day"}, "day": DAY, **{name: {**INT, "minimum": 0} for name in DAILY_COUNTS}},
    ),
    "AnalyticsDayList": list_of("AnalyticsDayList", "AnalyticsDay", cursors=False),
    "AnalyticsItemTypeDay": object_schema(
        "AnalyticsItemTypeDay",
        {
            "object": {"const": "analytics.item_type_day"},
            "day": DAY,
            "type": {"type": "string"},
            "created": {**INT, "minimum": 0},
            "deleted": {**INT, "minimum": 0},
        },
    ),
    "AnalyticsItemTypeDayList": list_of("AnalyticsItemTypeDayList", "AnalyticsItemTypeDay", cursors=False),
    "ThreadErased": object_schema(
        "ThreadErased", {"id": {"type": "string"}, "object": {"const": "thread.erased"}, "erased": {"const": True}}
    ),
    "MessageErased": object_schema(
        "MessageErased",
        {"id": {"type": "string"}, "object": {"const": "thread.message.erased"}, "erased": {"const": True}},
    ),
    "TenantErased": object_schema(
        "TenantErased",
        {"object": {"const": "tenant.erased"}, "tenant": {"type": "string"}, "erased_threads": {**INT, "minimum": 0}},
    ),
    "ProjectionReadiness": object_schema(
        "ProjectionReadiness",
        {
            "position": {**INT, "minimum": 0},
            "head": {**INT, "minimum": 0},
            "lag": {**INT, "minimum": 0},
            "state": {"type": "string", "examples": ["up to date", "catching up", "stalled", "never ran"]},
            "seconds_since_batch": {"type": ["number", "null"]},
        },
    ),
    "Health": object_schema("Health", {"status": {"const": "ok"}}),
    "Readiness": {
        "title": "Readiness",
        "description": "Whether the database answers and every projection the API serves is caught up (see README).",
        "type": "object",
        "required": ["ready", "database"],
        "properties": {
            "ready": {"type": "boolean"},
            "database": {"enum": ["ok", "unreachable"]},
            "behind": {"type": "array", "items": {"type": "string"}},
            "stalled": {"type": "array", "items": {"type": "string"}},
            "worker": {
                "type": "object",
                "required": ["state"],
                "description": "The working worker, if any: its id, state, last error, seconds since its last batch"
                " and its heartbeat's age.",
                "properties": {
                    "worker": {"type": "string"},
                    "state": {"type": "string"},
                    "last_error": NULLABLE_STR,
                    "seconds_since_batch": {"type": ["number", "null"]},
                    "heartbeat_age": {"type": "number"},
                },
            },
            "projections": {"type": "object", "additionalProperties": ref("ProjectionReadiness")},
            "detail": {"type": "string"},
        },
    },
}
EXTENSION_ANSWERS = {
    (f"{THREAD}/events", "get"): "ThreadEventList",
    (f"{MESSAGE}/versions", "get"): "MessageVersionList",
    ("/v1/analytics/daily", "get"): "AnalyticsDayList",
    ("/v1/analytics/items", "get"): "AnalyticsItemTypeDayList",
    (f"{THREAD}/erase", "post"): "ThreadErased",
    (f"{MESSAGE}/erase", "post"): "MessageErased",
    (f"{CONVERSATION}/erase", "post"): "ThreadErased",
    (f"{ITEM}/erase", "post"): "MessageErased",
    ("/v1/tenant/erase", "post"): "TenantErased",
    ("/healthz", "get"): "Health",
    ("/readyz", "get"): "Readiness",
}
# What the server answers other than JSON.
OTHER_MEDIA = {
    ("/v1/threads/{thread_id}/stream", "get"): ("text/event-stream", "The thread's events, then each change live."),
    ("/metrics", "get"): ("text/plain", "Prometheus text exposition format."),
}

UNIX_SECONDS = r"^\d{1,20}(\.\d{1,9})?$"
# Each parameter (by name) as validation holds it, and what it says about the refusals no schema can show.
PARAMETERS: dict[str, tuple[dict[str, Any] | None, str]] = {
    "as_of": (
        {"anyOf": [{"type": "string", "pattern": UNIX_SECONDS}, {"type": "string", "format": "date-time"}]},
        " With version too: 400. Before the thread was created, or after it was deleted: 404 naming as_of.",
    ),
    "after": (None, " An id of this list; one that is not in it is refused (400, param after)."),
    "before": (None, " An id of this list; one that is not in it is refused (400, param before)."),
    "version": (None, " Beyond the thread's last version: 400 naming it."),
    "from": (DAY, ""),
    "to": (DAY, " Not before from (400, param to)."),
    "item_type": ({"enum": [name for name in ITEM_TYPE_NAMES if name != "item_reference"]}, ""),
    "Last-Event-ID": (
        {"type": "string", "pattern": r"^\d{1,18}$"},
        " The id of an event of this stream; one beyond its last event is refused (400).",
    ),
    "Idempotency-Key": (None, " Sent again with a different request: refused (400, code idempotency_key_reused)."),
}


# What an operation refuses that depends on the state of what it changes.
IN_PROGRESS_ONLY = " A message no longer in_progress is refused (400)."
BLOCK_KINDS = " A delta unlike its block (text to a refusal block, anything to an image) is refused (400)."
OPERATION_NOTES = {
    "/deltas": IN_PROGRESS_ONLY + BLOCK_KINDS,
    "/complete": IN_PROGRESS_ONLY,
    "/incomplete": IN_PROGRESS_ONLY,
}


def note_refusals(path: str, operation: dict[str, Any]) -> None:
    """Add to an operation's description what it refuses because of the state of what it changes."""
    for suffix, note in OPERATION_NOTES.items():
        if path.endswith(suffix) and note not in operation.get("description", ""):
            operation["description"] = operation.get("description", "") + note


def tighten(parameters: list[dict[str, Any]]) -> None:
    """Give each parameter the schema validation holds it to, and say what it refuses that no schema shows."""
    for parameter in parameters:
        schema, refusal = PARAMETERS.get(parameter["name"], (None, ""))
        if schema is not None:
            parameter["schema"] = dict(schema)
        if refusal and refusal not in parameter.get("description", ""):
            parameter["description"] = (parameter.get("description", "") + refusal).strip()


def tighten_bodies(schemas: dict[str, Any]) -> None:
    """A message's content as validation holds it: a non-empty string of at most MAX_TEXT characters, or parts."""
    for name, field in (("ImageFile", "file_id"), ("ImageURL", "url"), ("TextPart", "text")):
        if field in schemas.get(name, {}).get("properties", {}):
            schemas[name]["properties"][field]["minLength"] = 1
    for schema in schemas.values():  # an index is written 0, never 0.0: pydantic documents its bound as a float
        index = schema.get("properties", {}).get("index", {})
        if isinstance(index.get("minimum"), float):
            index["minimum"] = int(index["minimum"])
    for name in ("MessageCreate", "AuthoredMessageCreate"):
        content = schemas.get(name, {}).get("properties", {}).get("content", {})
        for option in content.get("anyOf", []):
            if option.get("type") == "string":
                option.update(minLength=1, maxLength=MAX_TEXT)
            elif option.get("type") == "array":
                option["minItems"] = 1
