"""Fuzzing every operation of /openapi.json and raw requests: never a 5xx, never a 422, always the OpenAI error body.

Bounded and deterministic (derandomized hypothesis, few examples); on both databases through a live server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import CheckContext, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from api.app import create_app
from api.settings import Settings
from tests.support.fuzzing import (
    BODIES,
    CONTENT_TYPES,
    RUNTIME,
    Ids,
    assert_names_nothing,
    assert_openai_error,
    encoded,
    mutated,
    path_ids,
    queries,
    raw_bodies,
)
from tests.support.servers import Server

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import OpenApiCase

FEW = settings(
    max_examples=100, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@schemathesis.check
def openai_error_shape(ctx: CheckContext, response: Response, case: OpenApiCase) -> bool | None:
    """Every answer of 400 or more has exactly the OpenAI error body, and none is a 5xx or a 422."""
    assert_openai_error(response, case.method.upper())
    return None


# The document comes from the app factory alone (no database): the same for both backends.
api_schema = schemathesis.openapi.from_dict(create_app(Settings(api_keys="sk-doc:doc")).openapi())
api_schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


# The refusals of valid-looking requests the document describes in words, as no schema can: ids that must exist,
# values that depend on another parameter or on the thread, a key sent again with another request.
DESCRIBED_REFUSALS: list[tuple[str | None, str]] = [
    ("after", "no "),
    ("before", "no "),
    ("as_of", "not both"),
    ("version", "the thread is at version"),
    ("to", "is before 'from'"),
    ("Last-Event-ID", "beyond the thread's last event"),
    ("Idempotency-Key", "can only be used with the same parameters"),
    (".id", "is already the id of"),
    (".id", "no item found"),
    (None, "only an in_progress message"),
    (None, "only a text block takes text and a refusal block a refusal"),
    ("", "expected an integer, but got a decimal instead"),
    ("", "integer out of range. Expected a 64-bit integer"),
    ("", "nested too deeply"),
]


@schemathesis.check
def valid_requests_accepted(ctx: CheckContext, response: Response, case: OpenApiCase) -> bool | None:
    """A request the document calls valid is answered, or refused only as the document says in words."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 400:
        return None
    error = response.json()["error"]
    param = error["param"] or ""
    described = any(
        (not param if p is None else param.endswith(p)) and fragment in error["message"]
        for p, fragment in DESCRIBED_REFUSALS
    )
    assert described, f"valid request refused: {error} ({case.method} {case.formatted_path} {case.query})"
    return None


@api_schema.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_5xx_a_422_or_a_misshapen_error(case: OpenApiCase, ids: Ids, server: Server) -> None:
    target = ids.substitute(case)
    response = case.call(base_url=server.root, headers=RUNTIME, timeout=30)
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            response_schema_conformance,
            openai_error_shape,
            valid_requests_accepted,
        ],
    )
    if target == "foreign":
        assert response.status_code >= 400, "another tenant's thread must be answered like an unknown one"


WRITES = [
    ("POST", "/v1/threads", "thread"),
    ("POST", "/v1/threads/{t}", "modify"),
    ("POST", "/v1/threads/{t}/messages", "message"),
    ("POST", "/v1/threads/{t}/messages", "runtime message"),
    ("POST", "/v1/threads/{t}/messages/{m}", "message metadata"),
    ("POST", "/v1/threads/{t}/messages/{p}/deltas", "deltas"),
    ("POST", "/v1/threads/{t}/messages/{p}/complete", "complete"),
    ("POST", "/v1/threads/{t}/messages/{p}/incomplete", "incomplete"),
]
READS = [
    "/v1/threads/{t}",
    "/v1/threads/{t}/messages",
    "/v1/threads/{t}/messages/{m}",
    "/v1/threads/{t}/events",
    "/v1/threads/{t}/messages/{m}/versions",
    "/v1/analytics/daily",
]
BY_ID = [
    ("GET", "/v1/threads/{thread}"),
    ("POST", "/v1/threads/{thread}"),
    ("DELETE", "/v1/threads/{thread}"),
    ("GET", "/v1/threads/{thread}/messages"),
    ("POST", "/v1/threads/{thread}/messages"),
    ("GET", "/v1/threads/{thread}/events"),
    ("GET", "/v1/threads/{t}/messages/{message}"),
    ("DELETE", "/v1/threads/{t}/messages/{message}"),
    ("GET", "/v1/threads/{t}/messages/{message}/versions"),
    ("POST", "/v1/threads/{t}/messages/{message}/complete"),
]


@FEW
@given(write=st.sampled_from(WRITES), data=st.data())
def test_any_body_with_any_value_anywhere_is_answered_without_a_5xx(
    ids: Ids, write: tuple[str, str, str], data: st.DataObject
) -> None:
    method, template, body = write
    content = encoded(mutated(BODIES[body], data), data)
    headers = {"Content-Type": "application/json"}
    response = ids.http.request(method, ids.url(template), content=content, headers=headers)
    assert_openai_error(response, method)


@FEW
@given(write=st.sampled_from(WRITES), body=raw_bodies(), content_type=st.sampled_from(CONTENT_TYPES))
def test_raw_bodies_and_content_types_are_answered_without_a_5xx(
    ids: Ids, write: tuple[str, str, str], body: bytes, content_type: str
) -> None:
    method, template, _ = write
    headers = {"Content-Type": content_type} if content_type else {}
    response = ids.http.request(method, ids.url(template), content=body, headers=headers)
    assert_openai_error(response, method)


@FEW
@given(read=st.sampled_from(READS), query=queries())
def test_any_query_string_is_answered_without_a_5xx(ids: Ids, read: str, query: str) -> None:
    assert_openai_error(ids.http.get(f"{ids.url(read)}?{query}"))


@FEW
@given(route=st.sampled_from(BY_ID), odd=path_ids())
def test_odd_path_ids_are_unknown_ids_or_unknown_routes(ids: Ids, route: tuple[str, str], odd: str) -> None:
    method, template = route
    url = template.format(t=ids.thread, thread=odd, message=odd)
    assert_names_nothing(ids.http, method, url, {"role": "user", "content": "x"})
