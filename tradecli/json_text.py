"""JSON text indented by two spaces, as ``json.dumps(value, indent=2, ensure_ascii=False,
allow_nan=False)`` writes it, character for character, in about half the time.

With ``indent`` set, the standard library encodes in pure Python, through a generator
per container: a whole-file ``summary --format json`` (a derivation of every figure,
200 MB of text for a million rows) spent more than half its time there. ``dumps`` walks
the value once, appending to one list, and leaves strings to the C function the
standard library uses (``encode_basestring``), numbers to ``int.__repr__`` and
``float.__repr__`` as it does. Anything it does not handle itself (a key that is not a
string, a number that is not finite, a type JSON has no form for, nesting deeper than
the interpreter's recursion limit) goes to ``json.dumps``, which writes it or raises
its own error.

The C encoder does write a dict whose items are all scalars indented, given the new
line and indent of its depth as its item separator: a ``Flat`` dict (a figure's
source) is written so in one call, and so is the head of a ``Headed`` dict (an
answer's figures, before its sources or parts). Most of a whole-file payload is those.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, TypeVar, overload

T = TypeVar("T")

__all__ = ["Each", "Flat", "Headed", "Repeated", "dumps", "pieces", "stream"]


class Each(Sequence[Any]):
    """``[made(item) for item in items]``, each made when it is looked at: ``dumps``
    writes each made item and lets it go, so that a payload of thousands of series,
    each a tree of derivations, is never all in memory at once. Equal to that list."""

    def __init__(self, items: Sequence[T], made: Callable[[T], Any]) -> None:
        self.items: Sequence[Any] = items
        self.made: Callable[[Any], Any] = made

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self.made(item) for item in self.items[index]]
        return self.made(self.items[index])

    def __iter__(self) -> Iterator[Any]:
        return map(self.made, self.items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Each):
            other = list(other)
        return isinstance(other, list) and list(self) == other

    __hash__ = None  # type: ignore[assignment]  # as a list's

    def __repr__(self) -> str:
        return f"Each({len(self)} items)"


class Repeated(dict[str, Any]):
    """A dict that stands at several places of one payload, the same object each time
    (a share's denominator, the world total of a reporter, under each of its partners):
    ``dumps`` writes its text once per depth and copies it to the other places. A dict
    in every other way; ``json.dumps`` writes it as one."""


class Flat(dict[str, Any]):
    """A dict of string keys whose values are all JSON scalars (a string, a number, a
    bool, None) or empty (``[]``, ``{}``): ``dumps`` writes it with one call of the
    standard library's C encoder, whose item separator is the new line and indent of its
    depth (what the indented writer puts between items when no item holds another). The
    source of a figure is one: a whole-file JSON writes hundreds of thousands. A dict in
    every other way; ``json.dumps`` writes it as one."""


class Headed(dict[str, Any]):
    """A dict whose items but the last are as a ``Flat``'s (string keys, scalar or empty
    values), its last item any value: the head is written as a ``Flat``, the last item as
    usual. The derivation of an answer: its figures, then its sources or its parts. A
    dict in every other way; ``json.dumps`` writes it as one."""


class _Unusual(Exception):
    """A value ``dumps`` leaves to ``json.dumps``."""


def dumps(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)``."""
    return "".join(pieces(value))


def pieces(value: Any, escape: Callable[[str], str] | None = None) -> list[str]:
    """The text of ``dumps`` in pieces, in order (each item of the items of the top value
    one piece): for a caller that writes the text piece by piece rather than join it.

    ``escape``: a change of JSON text that keeps its value (the C1 escapes of
    ``safe_text.json_c1``), which leaves text of ASCII characters other than DEL as it
    is: made to the text of each string that is not such (rare) as it is written, not
    to every piece after."""
    try:
        return _pieces(value, escape)
    except (_Unusual, RecursionError):
        return [_standard(value, escape)]


def stream(
    value: Any,
    sink: Callable[[list[str]], None],
    restart: Callable[[], None],
    escape: Callable[[str], str] | None = None,
) -> None:
    """The text of ``pieces(value, escape)`` handed to ``sink`` a few pieces at a time, as
    it is made (each item two deep, a series of a whole-file payload, as soon as it is
    written): never all held at once. A value ``dumps`` leaves to ``json.dumps`` is
    found only when it is reached: ``restart`` then drops what ``sink`` took, and the
    standard library's text is handed on whole (or its error raised)."""
    try:
        parts = _pieces(value, escape, sink)
    except (_Unusual, RecursionError):
        restart()
        parts = [_standard(value, escape)]
    sink(parts)


def _standard(value: Any, escape: Callable[[str], str] | None) -> str:
    """``json.dumps``'s text of ``value`` (``escape``d), or its own error."""
    text = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False, default=_listed)
    return text if escape is None else escape(text)


def _listed(value: Any) -> list[Any]:
    """``json.dumps``'s ``default``: an ``Each`` as its list; else its own error."""
    if isinstance(value, Each):
        return list(value)
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _pieces(
    top: Any,
    escape: Callable[[str], str] | None,
    sink: Callable[[list[str]], None] | None = None,
) -> list[str]:
    """The pieces of ``top``'s text; with ``sink``, those made so far are handed to it
    (and let go) after each item joined into one text where no join or ``Repeated``
    around it still holds a place in them: the pieces left are returned."""
    parts: list[str] = []
    held = 0  # joins and ``Repeated`` dicts under way (each holds a place in ``parts``)
    append = parts.append  # bound once: called for every value
    breaks = ["\n"]  # a new line at each depth's indent
    keys: dict[str, str] = {}  # a key's text, with its ": " (a payload has few keys)
    flat: list[Callable[[Any], str]] = []  # the C encoder of a ``Flat`` at each depth

    # A string's text: ``encode_basestring``'s, escaped when not ASCII.
    wide = encode_basestring if escape is None else _escaped(escape)
    # The text of each ``Repeated`` dict by (identity, depth); the dict is kept with it,
    # so that its identity is not another's while ``dumps`` runs.
    repeated: dict[tuple[int, int], tuple[Repeated, str]] = {}

    def new_line(depth: int) -> str:
        while len(breaks) <= depth:
            breaks.append("\n" + "  " * len(breaks))
        return breaks[depth]

    def write(value: Any, depth: int) -> None:
        # The common types first, by identity; then the checks in ``json``'s order (a
        # bool is an int, a ``StrEnum`` a str, numpy's float64 a float).
        kind = type(value)
        if kind is str:
            plain = value.isascii() and "\x7f" not in value  # what ``escape`` leaves
            append(encode_basestring(value) if plain else wide(value))
        elif kind is float:
            append(_number(value))
        elif kind is int:
            append(int.__repr__(value))
        elif value is None:
            append("null")
        elif value is True:
            append("true")
        elif value is False:
            append("false")
        elif kind is dict:
            write_object(value, depth)
        elif kind is list or kind is tuple:
            write_array(value, depth)
        elif kind is Repeated:
            write_repeated(value, depth)
        elif kind is Each:
            write_array(value, depth)
        elif kind is Flat:
            write_flat(value, depth)
        elif kind is Headed:
            write_headed(value, depth)
        elif isinstance(value, str):
            append(wide(value))
        elif isinstance(value, int):
            append(int.__repr__(value))
        elif isinstance(value, float):
            append(_number(value))
        elif isinstance(value, (list, tuple)):
            write_array(value, depth)
        elif isinstance(value, dict):
            write_object(value, depth)
        else:
            raise _Unusual

    def write_repeated(value: Repeated, depth: int) -> None:
        known = repeated.get((id(value), depth))
        if known is not None:
            append(known[1])
            return
        nonlocal held
        start = len(parts)
        held += 1
        write_object(value, depth)
        held -= 1
        text = "".join(parts[start:])
        parts[start:] = [text]
        repeated[id(value), depth] = (value, text)

    def flat_items(value: dict[str, Any], depth: int) -> str:
        """The items of a ``Flat`` (not empty) at ``depth`` with the separators between
        them, no braces: one call of the C encoder."""
        while len(flat) <= depth:
            flat.append(_flat_encoder("," + new_line(len(flat) + 1)))
        try:
            text = flat[depth](value)
        except ValueError:
            raise _Unusual from None  # a number that is not finite: json.dumps's own error
        if escape is not None and not (text.isascii() and "\x7f" not in text):
            text = escape(text)
        return text[1:-1]

    def write_flat(value: Flat, depth: int) -> None:
        if not value:
            append("{}")
            return
        append("{" + new_line(depth + 1) + flat_items(value, depth) + new_line(depth) + "}")

    def write_headed(value: Headed, depth: int) -> None:
        if len(value) < 2:
            write_object(value, depth)
            return
        head = value.copy()  # a dict: its last item taken off
        key, last = head.popitem()
        if type(key) is not str:
            raise _Unusual
        named = keys.get(key)
        if named is None:
            named = keys[key] = wide(key) + ": "
        inner = new_line(depth + 1)
        text = "{" + inner + flat_items(head, depth) + "," + inner + named
        if type(last) is list and len(last) == 1 and type(last[0]) is Flat and last[0]:
            # An answer's one source (nearly every answer's last item): written at once.
            below = new_line(depth + 2)
            source = flat_items(last[0], depth + 2)
            append(
                f"{text}[{below}{{{new_line(depth + 3)}{source}{below}}}{inner}]{new_line(depth)}}}"
            )
            return
        append(text)
        write_item(last, depth + 1)
        append(new_line(depth) + "}")

    def write_object(value: dict[Any, Any], depth: int) -> None:
        if not value:
            append("{}")
            return
        inner = new_line(depth + 1)
        before = "{" + inner
        for key, item in value.items():
            named = keys.get(key) if type(key) is str else None
            if named is None:
                if not isinstance(key, str):
                    raise _Unusual
                named = keys[key] = wide(key) + ": "
            # A scalar item with its key in one text; a container through ``write_item``.
            kind = type(item)
            if kind is str:
                plain = item.isascii() and "\x7f" not in item  # what ``escape`` leaves
                append(before + named + (encode_basestring(item) if plain else wide(item)))
            elif kind is float:
                append(before + named + _number(item))
            elif item is None:
                append(before + named + "null")
            elif kind is int:
                append(before + named + int.__repr__(item))
            elif item is True:
                append(before + named + "true")
            elif item is False:
                append(before + named + "false")
            else:
                append(before + named)
                write_item(item, depth + 1)
            before = "," + inner
        append(new_line(depth) + "}")

    def write_array(value: list[Any] | tuple[Any, ...] | Each, depth: int) -> None:
        if not value:
            append("[]")
            return
        inner = new_line(depth + 1)
        before = "[" + inner
        made = type(value) is Each  # each made item one text, whatever its depth
        for item in value:
            append(before)
            before = "," + inner
            write_item(item, depth + 1, made)
        append(new_line(depth) + "]")

    def write_item(item: Any, depth: int, join: bool = False) -> None:
        """An item of a container; joined into one text at depth ``_JOINED`` (not an
        ``Each``, whose items are), or wherever ``join``."""
        if not join and (depth != _JOINED or type(item) is Each):
            write(item, depth)
            return
        nonlocal held
        start = len(parts)
        held += 1
        write(item, depth)
        held -= 1
        parts[start:] = ["".join(parts[start:])]
        if sink is not None and not held:
            sink(parts[:])
            parts.clear()

    write(top, 0)
    return parts


# Items this deep are joined into one text as soon as written: a whole-file payload (a
# list of series, each a tree of derivations) then holds a few texts per series, not tens
# of millions of small ones (860 MB of them for 200 MB of text). At any other depth as
# well, joining would copy the same characters once more (a shallower item holds all of
# them) or for nothing (a deeper one is small). The items of an ``Each`` are joined at
# whatever depth it lies, and an ``Each`` at this depth is not joined again: a
# backtest's years (``backtest.tested``, three deep) were held as small texts until
# their whole list was joined, 1.5 GB for 300 MB of text.
_JOINED = 2


def _flat_encoder(between: str) -> Callable[[dict[str, Any]], str]:
    """The standard library's C encoder of a dict of scalars with ``between`` after each
    item but the last (``json.JSONEncoder``'s own when there is no C encoder); no check
    of circular references (a dict of scalars has none)."""
    if c_make_encoder is None:  # pragma: no cover - CPython has it
        options = {"ensure_ascii": False, "allow_nan": False, "separators": (between, ": ")}
        return json.JSONEncoder(**options).encode  # type: ignore[arg-type]
    encode = c_make_encoder(
        None, _not_flat, encode_basestring, None, ": ", between, False, False, False
    )

    def text(value: dict[str, Any]) -> str:
        return "".join(encode(value, 0))

    return text


def _not_flat(value: Any) -> Any:
    """A value a ``Flat`` cannot hold: ``json.dumps`` writes it or raises its own error."""
    raise _Unusual


def _escaped(escape: Callable[[str], str]) -> Callable[[str], str]:
    """``encode_basestring``, then ``escape``."""

    def text(value: str) -> str:
        return escape(encode_basestring(value))

    return text


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise _Unusual  # json.dumps raises its own ValueError
    return float.__repr__(value)
