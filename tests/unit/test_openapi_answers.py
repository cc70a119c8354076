"""The OpenAPI document names what every operation answers, and what validation holds each parameter to."""

from __future__ import annotations

from typing import Any

import pytest

from api.app import create_app
from api.settings import Settings

DOCUMENT: dict[str, Any] = create_app(Settings(api_keys="sk-doc:doc")).openapi()
OPERATIONS = [(path, method, op) for path, ops in DOCUMENT["paths"].items() for method, op in ops.items()]


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS])
def test_every_operation_names_the_shape_of_its_answer(path: str, method: str, operation: dict[str, Any]) -> None:
    content = operation["responses"]["200"]["content"]
    (media,) = content
    schema = content[media]["schema"]
    if media == "application/json":
        assert "$ref" in schema, f"{method} {path} answers {schema}"
    else:
        assert media in {"text/event-stream", "text/plain"}


def parameter(path: str, name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in DOCUMENT["paths"][path]["get"]["parameters"] if p["name"] == name]
    return found[0]


def test_parameters_say_what_validation_refuses() -> None:
    assert parameter("/v1/analytics/daily", "from")["schema"]["pattern"] == r"^\d{4}-\d{2}-\d{2}$"
    assert "400" in parameter("/v1/analytics/daily", "to")["description"]
    assert "400, param after" in parameter("/v1/threads/{thread_id}/events", "after")["description"]
    as_of = parameter("/v1/threads/{thread_id}/messages", "as_of")
    assert {s.get("format") for s in as_of["schema"]["anyOf"]} == {None, "date-time"} and "404" in as_of["description"]
    item_types = parameter("/v1/conversations/{conversation_id}/items", "item_type")["schema"]["enum"]
    assert "message" in item_types and "item_reference" not in item_types
    create = DOCUMENT["components"]["schemas"]["MessageCreate"]["properties"]["content"]["anyOf"]
    assert {key for option in create for key in option} >= {"minLength", "minItems"}
