"""Shapes of message contents, no database: every content a delta sequence goes through is its latest cut short."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.content import apply_delta, block_types, check_delta
from domain.errors import InvalidTransition
from projections.history.contents import expand, is_shape, shape_of, stored_shape
from projections.history.latest import CHUNK, pieces
from projections.storage.columns import dumps

Content = list[dict[str, Any]]

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)  # no lone surrogates: JSON has none
initial_blocks = st.lists(
    st.one_of(
        st.builds(lambda v: {"type": "text", "text": {"value": v, "annotations": []}}, texts),
        st.builds(
            lambda v: {"type": "text", "text": {"value": v, "annotations": [{"type": "file_citation", "text": "x"}]}},
            texts,
        ),
        st.just({"type": "image_file", "image_file": {"file_id": "file_1", "detail": "auto"}}),
        st.builds(lambda v: {"type": "refusal", "refusal": v}, texts),
    ),
    max_size=3,
)
# A part: which block (any index up to one past the last, so that some are refused), its kind, its text.
kinds = st.sampled_from(["same", "same", "same", "same", "text", "refusal", "image_file"])
raw_part = st.tuples(st.integers(0, 20), kinds, texts)


def part(index: int, kind: str, text: str) -> dict[str, Any]:
    if kind == "text":
        return {"index": index, "type": "text", "text": {"value": text}}
    if kind == "refusal":
        return {"index": index, "type": "refusal", "refusal": text}
    return {"index": index, "type": "image_file", "image_file": {"file_id": f"file_{text!r}"}}


def contents_of(initial: Content, deltas: list[list[tuple[int, str, str]]]) -> list[Content]:
    """Every content a message goes through: its initial one, then after each delta the rule accepts."""
    seen = [initial]
    for raw in deltas:
        types = block_types(seen[-1])
        parts = []
        for pick, kind, value in raw:
            index = pick % (len(types) + 1) if pick < 18 else len(types) + 1  # now and then one too far
            if kind == "same":  # extend the block there with its own kind (most deltas do)
                kind = types[index] if index < len(types) else "text"
            parts.append(part(index, kind, value))
            types = [*types, kind] if index == len(types) else types
        try:
            check_delta("msg_1", block_types(seen[-1]), parts)
        except InvalidTransition:
            continue
        seen.append(apply_delta(seen[-1], parts))
    return seen


@settings(max_examples=300, deadline=None)
@given(initial_blocks, st.lists(st.lists(raw_part, min_size=1, max_size=3), max_size=12))
def test_every_earlier_content_is_its_shape_against_any_later_one(initial: Content, deltas: Any) -> None:
    seen = contents_of(initial, deltas)
    for i, earlier in enumerate(seen):
        for later in seen[i:]:
            shape = shape_of(earlier, later)
            assert shape is not None
            assert expand(later, shape) == earlier
            assert dumps(expand(later, shape)) == dumps(earlier)  # byte for byte: keys in the same order
            stored = dumps(shape)
            assert stored_shape(stored) == (shape or None)  # [] reads as a full (empty) content: the same content


@settings(max_examples=100, deadline=None)
@given(initial_blocks, st.lists(st.lists(raw_part, min_size=1, max_size=3), min_size=1, max_size=6))
def test_a_shape_against_the_content_as_it_was_still_holds_once_it_grew(initial: Content, deltas: Any) -> None:
    # The projector keeps the shape of the latest row itself, before any later delta arrives.
    seen = contents_of(initial, deltas)
    for i, content in enumerate(seen):
        shape = shape_of(content, content)
        assert shape is not None
        for later in seen[i:]:
            assert expand(later, shape) == content


def text(value: str, annotations: list[Any] | None = None) -> dict[str, Any]:
    return {"type": "text", "text": {"value": value, "annotations": annotations or []}}


def test_changes_no_delta_makes_have_no_shape() -> None:
    image = {"type": "image_file", "image_file": {"file_id": "file_1"}}
    assert shape_of([text("hello")], [text("help")]) is None  # text replaced, not extended
    assert shape_of([text("hello")], [text("hel")]) is None  # shortened
    assert shape_of([text("a"), text("b")], [text("a")]) is None  # a block gone
    assert shape_of([text("a", [1])], [text("ab", [2])]) is None  # annotations changed
    assert shape_of([image], [{"type": "image_file", "image_file": {"file_id": "file_2"}}]) is None
    assert shape_of([{"type": "refusal", "refusal": "no"}], [text("no")]) is None
    assert shape_of([text("a")], [{**text("ab"), "extra": 1}]) is None  # a key added beside the text


def test_shapes_name_the_length_of_every_growing_text_and_nothing_of_an_image() -> None:
    image = {"type": "image_file", "image_file": {"file_id": "file_1"}}
    latest = [text("héllo wörld"), image, {"type": "refusal", "refusal": "cannot"}]
    assert shape_of([text("hé")], latest) == [2]
    assert shape_of(latest, latest) == [11, None, 6]
    assert expand(latest, [2, None, 0]) == [text("hé"), image, {"type": "refusal", "refusal": ""}]
    assert is_shape([2, None]) and is_shape([None]) and not is_shape([]) and not is_shape(latest)
    assert stored_shape(dumps(latest)) is None and stored_shape("[]") is None and stored_shape("[3,null]") == [3, None]


def test_a_content_is_cut_in_chunks_that_join_back() -> None:
    long = dumps([text("x" * (3 * CHUNK + 5))])
    assert "".join(pieces(long)) == long and all(len(p) <= CHUNK for p in pieces(long))
    assert pieces("[]") == ["[]"]
