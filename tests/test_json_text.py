"""``json_text.dumps`` writes what ``json.dumps(value, indent=2, ensure_ascii=False,
allow_nan=False)`` writes, for any value, and raises what it raises: the standard library
is the reference, asked in each case."""

from __future__ import annotations

import json
import math
from enum import IntEnum, StrEnum
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecli import json_text
from tradecli.safe_text import json_c1


def _reference(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()  # control characters, quotes, backslashes, non-ASCII, surrogates
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(values)
def test_the_text_is_json_dumps_indented_by_two(value: Any) -> None:
    assert json_text.dumps(value) == _reference(value)


def test_a_small_document_by_hand() -> None:
    value = {"a": [1, 2.5, None], "b": {}, "c": [], "d": {"e": True, "é": 'x\n"y"'}}
    assert json_text.dumps(value) == (
        "{\n"
        '  "a": [\n    1,\n    2.5,\n    null\n  ],\n'
        '  "b": {},\n'
        '  "c": [],\n'
        '  "d": {\n    "e": true,\n    "é": "x\\n\\"y\\""\n  }\n'
        "}"
    )


class Flow(StrEnum):
    export = "export"


class Level(IntEnum):
    high = 3


@pytest.mark.parametrize(
    "value",
    [
        {"flow": Flow.export, "level": Level.high, "share": np.float64(0.25)},
        {7: "an int key", None: "a None key", 2.5: "a float key", True: "a bool key"},
        [1e16, -0.0, 1e-7, 2**70, math.pi],
    ],
)
def test_subclasses_and_keys_that_are_not_strings_are_written_as_json_writes_them(
    value: Any,
) -> None:
    assert json_text.dumps(value) == _reference(value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_number_that_is_not_finite_raises_what_json_raises(bad: float) -> None:
    with pytest.raises(ValueError) as ours:
        json_text.dumps({"x": [1, bad]})
    with pytest.raises(ValueError) as theirs:
        _reference({"x": [1, bad]})
    assert str(ours.value) == str(theirs.value)


def test_a_value_json_cannot_write_raises_what_json_raises() -> None:
    with pytest.raises(TypeError) as ours:
        json_text.dumps({"x": {1, 2}})
    with pytest.raises(TypeError) as theirs:
        _reference({"x": {1, 2}})
    assert str(ours.value) == str(theirs.value)


def test_a_circular_value_raises_what_json_raises() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        json_text.dumps(loop)


# -- ``Repeated``: one dict at several places, its text written once per depth ----------


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=5), values, max_size=4), values, st.integers(0, 3))
def test_a_repeated_dict_at_several_places_and_depths_is_written_as_json_writes_it(
    shared: dict[str, Any], other: Any, deeper: int
) -> None:
    same = json_text.Repeated(shared)
    nested: Any = same
    for _ in range(deeper):
        nested = {"in": [nested]}
    # Twice at depth 2, once at depth 1, once at a depth drawn: each copy indented as its own.
    value = {"a": [same, other, same], "b": same, "c": [nested], "d": same}
    expected = _reference(value)
    assert json_text.dumps(value) == expected
    assert "".join(json_text.pieces(value)) == expected


def test_a_repeated_dict_is_a_dict() -> None:
    same = json_text.Repeated({"x": [1.5, None]})
    assert (
        same == {"x": [1.5, None]}
        and json.loads(json_text.dumps([same, same])) == [{"x": [1.5, None]}] * 2
    )


# -- ``Each``: items made when written --------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(values, max_size=5))
def test_items_made_when_written_are_written_as_their_list(items: list[Any]) -> None:
    made = [{"item": item, "n": n} for n, item in enumerate(items)]
    lazy = json_text.Each(list(range(len(items))), lambda n: made[n])
    value = {"series": lazy, "after": [lazy]}
    expected = _reference({"series": made, "after": [made]})
    assert json_text.dumps(value) == expected
    assert "".join(json_text.pieces(value)) == expected
    assert lazy == made and made == lazy and len(lazy) == len(made) and lazy[:2] == made[:2]


def test_items_made_when_written_are_made_one_at_a_time() -> None:
    alive: list[int] = []

    def made(n: int) -> dict[str, Any]:
        alive.append(n)
        return {"n": n}

    text = json_text.dumps({"series": json_text.Each([1, 2, 3], made)})
    assert alive == [1, 2, 3] and json.loads(text) == {"series": [{"n": 1}, {"n": 2}, {"n": 3}]}


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_each_made_item_is_one_piece(depth: int) -> None:
    """An item made when written is joined into one text as soon as it is written, at
    the depth of a whole-file payload's series (1) and of a backtest's years (2, under
    ``backtest.tested``): the many small texts of a payload's items took several times
    their text before they were joined (items two deep were joined with their whole
    list, at the end)."""
    items = [{"n": n, "parts": [{"x": [n, n + 0.5]}, "a\u2013b"]} for n in range(4)]
    value: Any = json_text.Each(list(range(4)), lambda n: items[n])
    plain: Any = items
    for level in range(depth):
        value, plain = {"z": [1, 2], f"k{level}": value}, {"z": [1, 2], f"k{level}": plain}
    pieces = json_text.pieces(value)
    assert "".join(pieces) == _reference(plain)
    indent = "\n" + "  " * (depth + 1)
    for item in items:
        assert _reference(item).replace("\n", indent) in pieces


@pytest.mark.parametrize(("bad", "error"), [(math.nan, ValueError), ({1, 2}, TypeError)])
def test_items_made_when_written_that_json_cannot_write_raise_what_json_raises(
    bad: Any, error: type[Exception]
) -> None:
    with pytest.raises(error) as ours:
        json_text.dumps({"x": json_text.Each([bad], lambda item: [1, item])})
    with pytest.raises(error) as theirs:
        _reference({"x": [[1, bad]]})
    assert str(ours.value) == str(theirs.value)


# -- ``Flat``: a dict of scalars written by the C encoder -------------------------------

flat_items = (
    scalars
    | st.sampled_from([[], {}, ()])
    | st.floats(allow_nan=False, allow_infinity=False).map(np.float64)
    | st.sampled_from([Flow.export, Level.high])
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=5), flat_items, max_size=6), values, st.integers(0, 3))
def test_a_flat_dict_at_any_depth_is_written_as_json_writes_it(
    items: dict[str, Any], other: Any, deeper: int
) -> None:
    flat = json_text.Flat(items)
    nested: Any = flat
    for _ in range(deeper):
        nested = {"in": [nested, other]}
    value = {"a": [flat, other], "b": flat, "c": [nested], "d": json_text.Repeated({"f": flat})}
    expected = _reference(value)
    assert json_text.dumps(value) == expected
    assert "".join(json_text.pieces(value)) == expected
    assert flat == items and json_text.Each([0], lambda n: flat) == [items]


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.text(max_size=5), flat_items, max_size=5),
    st.text(max_size=5),
    values  # or an answer's usual last item: its one source
    | st.dictionaries(st.text(max_size=5), flat_items, max_size=4).map(
        lambda items: [json_text.Flat(items)]
    ),
    st.integers(0, 3),
)
def test_a_headed_dict_at_any_depth_is_written_as_json_writes_it(
    head: dict[str, Any], key: str, last: Any, deeper: int
) -> None:
    """Its items but the last are a ``Flat``'s; the last any value (its key may be one of
    the head's: then it is the head's place that holds it, and the last is a scalar)."""
    headed = json_text.Headed(head)
    headed[key] = last if key not in head else None
    nested: Any = headed
    for _ in range(deeper):
        nested = {"in": [nested, last]}
    value = {"a": [headed, last], "b": headed, "c": [nested], "d": [json_text.Headed()]}
    expected = _reference(value)
    assert json_text.dumps(value) == expected
    assert "".join(json_text.pieces(value)) == expected


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_a_flat_dict_with_a_number_that_is_not_finite_raises_what_json_raises(
    bad: float,
) -> None:
    value = {"x": [json_text.Flat({"v": bad})]}
    with pytest.raises(ValueError) as ours:
        json_text.dumps(value)
    with pytest.raises(ValueError) as theirs:
        _reference(value)
    assert str(ours.value) == str(theirs.value)


# -- ``escape``: made to the text of each string that is not plain ASCII ---------------

# Text with the characters ``json_c1`` escapes (DEL, C1, U+2028/9) among others.
escaped_text = st.text(
    st.sampled_from(["a", "é", "–", "×", "\x7f", "\x85", "\x9f", "\u2028", "\u2029", '"', "\n"]),
    max_size=6,
)
escaped_values = st.recursive(
    scalars | escaped_text,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(escaped_text, inner, max_size=4)
        | st.dictionaries(escaped_text, scalars | escaped_text, max_size=4).map(json_text.Flat)
        | st.tuples(st.dictionaries(escaped_text, scalars | escaped_text, max_size=3), inner).map(
            lambda head_last: json_text.Headed({**head_last[0], "\x85last": head_last[1]})
        )
        | st.dictionaries(escaped_text, inner, max_size=3).map(json_text.Repeated)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(escaped_values)
def test_escaped_pieces_are_the_escaped_text(value: Any) -> None:
    """``pieces(value, json_c1)`` is ``json_c1`` of the text, however the strings that need
    it lie (in keys, values, flat dicts, repeated dicts); its ASCII pieces are untouched."""
    text = _reference(value)
    assert "".join(json_text.pieces(value, json_c1)) == json_c1(text)
    assert json.loads(json_c1(text)) == json.loads(text)


def test_escaped_pieces_of_a_value_left_to_json_are_escaped() -> None:
    value = {"\x85": [1, 2], 7: "\u2028"}  # a key that is not a string: json.dumps writes it
    assert "".join(json_text.pieces(value, json_c1)) == json_c1(_reference(value))


# -- ``stream``: the text handed on as it is made ----------------------------------------


def _streamed(value: Any, escape: Any = None) -> tuple[str, list[list[str]], int]:
    """``stream``'s text, the batches its sink took, and how often it restarted."""
    batches: list[list[str]] = []
    restarts = [0]

    def restart() -> None:
        restarts[0] += 1
        batches.clear()

    json_text.stream(value, batches.append, restart, escape)
    return "".join("".join(b) for b in batches), batches, restarts[0]


@settings(max_examples=200, deadline=None)
@given(escaped_values)
def test_streamed_text_is_the_text(value: Any) -> None:
    text, _, restarts = _streamed(value, json_c1)
    assert text == json_c1(_reference(value)) and restarts == 0


def test_a_long_payload_is_handed_on_a_series_at_a_time() -> None:
    """Each item two deep (a whole-file payload's series) is handed on once written: no
    batch holds more than one series, and each series' items are made when written."""
    made: list[int] = []

    def series(n: int) -> dict[str, Any]:
        made.append(n)
        return {"n": n, "parts": [{"x": [n, n + 0.5], "y": "a\u2013b"}] * 3}

    value = {"year": 2024, "series": json_text.Each(list(range(50)), series), "notes": ["x"]}
    text, batches, restarts = _streamed(value)
    assert text == _reference({**value, "series": [series(n) for n in range(50)]})
    one = len(_reference(series(0)).replace("\n", "\n    "))
    assert restarts == 0 and len(batches) >= 50
    assert max(sum(map(len, b)) for b in batches) < 2 * one
    # A series is handed on before the next is made.
    assert made[:50] == list(range(50))


@pytest.mark.parametrize("at", [0, 3, 9])
def test_a_value_left_to_json_late_in_the_stream_restarts_with_json_text(at: int) -> None:
    """A key that is not a string in the tenth series, after nine were handed on: what
    the sink took is dropped and the standard library's text handed on whole."""
    items = [{"n": n} for n in range(10)]
    items[at] = {"n": at, 7: "seven"}
    value = {"series": json_text.Each(list(range(10)), lambda n: items[n])}
    text, batches, restarts = _streamed(value)
    assert restarts == 1 and len(batches) == 1
    assert text == _reference({"series": items})


def test_a_value_json_cannot_write_late_in_the_stream_raises_what_json_raises() -> None:
    value = {"series": json_text.Each(list(range(5)), lambda n: {"n": math.nan if n == 4 else n})}
    with pytest.raises(ValueError) as ours:
        _streamed(value)
    with pytest.raises(ValueError) as theirs:
        _reference({"series": [{"n": math.nan if n == 4 else n} for n in range(5)]})
    assert str(ours.value) == str(theirs.value)
