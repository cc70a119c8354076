"""The item table of api/conversations/item_types.py has exactly the types, fields, JSON kinds and choices of the
SDK's input union (no I/O)."""

from __future__ import annotations

import collections.abc
import typing
from typing import Any, Required, Union, get_args, get_origin

import pytest
from typing_extensions import get_type_hints, is_typeddict

from api.conversations.item_types import ITEM_TYPES
from tests.unit.test_conversation_items import MEMBERS


def _is_required(annotation: Any) -> bool:
    origin: object = get_origin(annotation)
    return origin is Required


def _kinds(annotation: Any) -> set[str]:
    # The JSON kinds a TypedDict field's annotation takes.
    origin: object = get_origin(annotation)
    if origin is Required:
        return _kinds(get_args(annotation)[0])
    simple = {type(None): "null", str: "string", bool: "boolean", int: "integer", float: "number"}
    if annotation in simple:
        return {simple[annotation]}
    if annotation is object:
        return set()
    if origin is typing.Literal:
        return {"string"}
    if origin is Union:
        return set().union(*(_kinds(arg) for arg in get_args(annotation)))
    if origin in (list, collections.abc.Iterable, collections.abc.Sequence) or "SequenceNotStr" in str(annotation):
        return {"array"}
    if origin is dict or is_typeddict(annotation):
        return {"object"}
    raise AssertionError(f"no JSON kind for {annotation}")


def _literals(annotation: Any) -> set[str]:
    origin: object = get_origin(annotation)
    if origin is typing.Literal:
        return set(get_args(annotation))
    if origin in (Required, Union):
        return set().union(*(_literals(arg) for arg in get_args(annotation)))
    return set()


@pytest.mark.parametrize("member", [m for m in MEMBERS if "message" not in _literals(get_type_hints(m)["type"])])
def test_the_item_table_has_the_fields_of_the_sdk_union(member: Any) -> None:
    hints = get_type_hints(member, include_extras=True)
    kind = next(iter(_literals(hints.pop("type"))))
    spec = ITEM_TYPES[kind]
    required = {key for key, hint in hints.items() if _is_required(hint)}
    assert set(spec.required) == required
    assert set(spec.required) | set(spec.optional) == set(hints)
    for key, kinds in {**spec.required, **spec.optional}.items():
        assert set(kinds) == _kinds(hints[key]), key
    if "status" in hints:
        assert set(spec.choices["status"]) == _literals(hints["status"])
    for key, values in spec.choices.items():
        assert set(values) == _literals(hints[key]), key


def test_the_table_has_no_type_the_union_lacks() -> None:
    sdk_types = {next(iter(_literals(get_type_hints(m)["type"]))) for m in MEMBERS}
    assert set(ITEM_TYPES) | {"message"} == sdk_types
