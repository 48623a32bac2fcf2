"""``tradecli revisions`` from the columns: which figures two vintages both publish, and
which of those differ, found for every simple series at once.

A series whose kept figures in a vintage are single months and Jan..m spans of one
calendar year, none approximate (``Columns.simple``: a bulk download's months, with its
years and years to date) publishes exactly the months its year-rows have
(``Columns.present``) and the Jan..m spans (``Columns.cum_present``), each worth the
figure reconciliation chose (``Columns.values``, ``Columns.cum_values``), as the
reference's ``periods`` and ``value`` (rule 1) give them. So the spans a later vintage
publishes that the earlier does not, and the spans both publish with values that differ
(``revisions.differ``, here on arrays with the same float operations), are found by
matching (series, span) codes. Series that are not so in either vintage are left to the
reference, span by span.

The derived values and changes that may move with the revised figures
(``revisions._moved``: each revised span and the span a year later, of the revised series
and, for an export or import, of the turnover) are listed as arrays, sorted and without
repeats (``moved_entries``), and read where they can be (``read_moved``): a Jan..m span (a
full year too) of a simple key off the years' arrays (``engine.bulk.key_years``, of the
keys asked one) of the columns of each engine's frame, as ``growth_bulk`` reads them; a
single month of a simple key by rules 1 and 3 of its own series, else export + import
(``Columns.months``, as ``span_cells`` reads them), its answer made as
``span_cells.answer`` makes it (its own figure, a difference or export + import: on sparse
1M, 25,000 months the engine was asked through its rules, each building its series'
spans). Which of those moved is worked out on the arrays with the float operations of
``revisions.differ`` and ``growth.change``; answers are made only for those
(``HeldSpans.answer``). The others (a quarter, a key that is not simple) are left to the
engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray

from tradecli.analysis.growth import Change
from tradecli.analysis.span_cells import combine, found_answer
from tradecli.engine import bulk
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.bulk import Columns, key_years, ranges, series_of_rows
from tradecli.engine.reference import Engine
from tradecli.periods import Period

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True)
class SimpleRevisions:
    """Of the keys asked: the (key, span) both vintages publish with values that differ;
    how many spans the later vintage alone publishes; and the keys left to the reference
    (``rest``), in the order asked."""

    revised: list[tuple[SeriesKey, Period]]
    first_published: int
    rest: list[SeriesKey]


def simple_revisions(
    earlier: Columns, later: Columns, keys: Sequence[SeriesKey], tolerance: float
) -> SimpleRevisions:
    """The revisions of ``keys`` whose series are simple in the ``later`` vintage's columns
    and in the ``earlier``'s (or have no rows there)."""
    quick: list[SeriesKey] = []
    rest: list[SeriesKey] = []
    numbers: list[tuple[int, int]] = []
    for key in keys:
        old, new = earlier.series(key), later.series(key)
        if new >= 0 and later.simple[new] and (old < 0 or earlier.simple[old]):
            quick.append(key)
            numbers.append((old, new))
        else:
            rest.append(key)
    if not quick:
        return SimpleRevisions([], 0, rest)
    pairs = np.array(numbers, dtype=np.int64).reshape(-1, 2)
    old_code, old_value = _cells(earlier, pairs[:, 0])
    new_code, new_value = _cells(later, pairs[:, 1])
    order = np.argsort(old_code, kind="stable")
    old_code, old_value = old_code[order], old_value[order]
    at = np.searchsorted(old_code, new_code)
    both = at < len(old_code)
    both[both] = old_code[at[both]] == new_code[both]
    first_published = int(np.count_nonzero(~both))
    differs = _differ(old_value[at[both]], new_value[both], tolerance)
    codes = new_code[both][differs]
    revised = [(quick[code >> _SPAN_BITS], _period(code & _SPAN_MASK)) for code in codes.tolist()]
    return SimpleRevisions(revised, first_published, rest)


# A (key, span) code: the key's place among those asked, then the span: its last month
# (counted from year 0, under 2**24: the year 1,398,101), then 1 for Jan..m, 0 for a month.
_SPAN_BITS = 25
_SPAN_MASK = (1 << _SPAN_BITS) - 1
_LAST_MONTH = (1 << (_SPAN_BITS - 1)) - 1


def _period(span: int) -> Period:
    """The span of a code's last bits."""
    last = span >> 1
    return Period(last - last % 12, last) if span & 1 else Period(last, last)


def _cells(columns: Columns, series: Ints) -> tuple[Ints, Floats]:
    """Every span that series ``series[i]`` (-1: none) publishes, as the code
    ``i << _SPAN_BITS | last month << 1 | Jan..m``, and its value."""
    has = series >= 0
    starts = np.zeros(len(series), dtype=np.int64)
    counts = np.zeros(len(series), dtype=np.int64)
    starts[has] = columns.row_bounds[series[has]]
    counts[has] = columns.row_bounds[series[has] + 1] - starts[has]
    rows = ranges(starts, counts)
    place = np.repeat(np.arange(len(series), dtype=np.int64), counts)
    tables = [(columns.present, columns.values, 0)]
    if columns.has_cumulative:
        tables.append((columns.cum_present, columns.cum_values, 1))
    codes, values = [], []
    for present, value, cumulative in tables:
        at, column = np.nonzero(present[rows])
        month = columns.row_year[rows[at]].astype(np.int64) * 12 + column
        assert not len(month) or (int(month.min()) >= 0 and int(month.max()) <= _LAST_MONTH)
        codes.append(place[at] << _SPAN_BITS | month << 1 | cumulative)
        values.append(value[rows[at], column])
    return np.concatenate(codes), np.concatenate(values)


@dataclass(frozen=True)
class MovedEntries:
    """The derived values and changes asked of ``revisions._moved``, as ``sorted`` orders its
    (key, measure, span) questions, each once: entry ``e`` is ``keys[key[e]]`` over months
    ``first[e]..last[e]``, a value (``value[e]``) or a like-for-like change; the revised
    figures it stands on are ``because[bounds[e]:bounds[e + 1]]`` (their places in the
    list of revised figures, in its order)."""

    keys: list[SeriesKey]
    key: Ints
    value: Bools
    first: Ints
    last: Ints
    because: Ints
    bounds: Ints

    def __len__(self) -> int:
        return len(self.key)


def moved_entries(revised: Sequence[tuple[SeriesKey, Period]]) -> MovedEntries:
    """For each revised (key, span): the change of the key over the span and over the span
    a year later; for an export or import, also the change and the value of the turnover
    over both (as ``revisions._moved`` asks them)."""
    number: dict[SeriesKey, int] = {}
    own, turnover = [], []
    for series, _ in revised:
        own.append(number.setdefault(series, len(number)))
        if series.flow in ("export", "import"):
            turnover.append(number.setdefault(series.with_flow("turnover"), len(number)))
        else:
            turnover.append(-1)
    keys = list(number)
    rank = np.empty(len(keys), dtype=np.int64)
    rank[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
    n = len(revised)
    place = np.arange(n, dtype=np.int64)
    first = np.fromiter((span.first for _, span in revised), dtype=np.int64, count=n)
    last = np.fromiter((span.last for _, span in revised), dtype=np.int64, count=n)
    own_key, turnover_key = np.array(own, dtype=np.int64), np.array(turnover, dtype=np.int64)
    has = turnover_key >= 0
    parts = []  # (key, value, years on, revised figure)
    for years in (0, 1):
        parts.append((own_key, False, years, place))
        parts.append((turnover_key[has], False, years, place[has]))
        parts.append((turnover_key[has], True, years, place[has]))
    key = np.concatenate([k for k, _, _, _ in parts])
    value = np.concatenate([np.full(len(k), v) for k, v, _, _ in parts])
    at = np.concatenate([r for _, _, _, r in parts])
    shift = np.concatenate([np.full(len(k), 12 * y, dtype=np.int64) for k, _, y, _ in parts])
    start, end = first[at] + shift, last[at] + shift
    order = np.lexsort((at, end, start, value, rank[key]))
    key, value, start, end, at = key[order], value[order], start[order], end[order], at[order]
    begins = np.ones(len(key), dtype=bool)
    begins[1:] = (
        (key[1:] != key[:-1])
        | (value[1:] != value[:-1])
        | (start[1:] != start[:-1])
        | (end[1:] != end[:-1])
    )
    heads = np.flatnonzero(begins)
    bounds = np.append(heads, len(key)).astype(np.int64)
    return MovedEntries(keys, key[heads], value[heads], start[heads], end[heads], at, bounds)


class HeldSpans:
    """What an engine answers for each question (``keys[key[i]]`` over months
    ``first[i]..last[i]``) that the arrays of the columns of its frame hold (module
    docstring): ``held``, ``found`` and ``value`` (NaN where not found), and the answer
    itself, made when asked (a ``BulkAnswer``, its derivation the engine's). What an
    answer is made of (its flag bits, whether export + import or a difference, its
    parts) is read for every question at once, so that neither the columns nor the
    years' arrays are held while the answers are made (sparse 1M: the peak of
    ``revisions._moved`` 927 -> 780 MB)."""

    def __init__(
        self, engine: Engine, keys: Sequence[SeriesKey], key: Ints, first: Ints, last: Ints
    ) -> None:
        columns = (
            engine.columns
            if isinstance(engine, bulk.Engine)
            else Columns(engine.frame, engine.include_flagged)
        )
        # A single month of a simple key, by rules 1 and 3 of its own series, else export
        # + import (rule 4), as ``span_cells.combine`` reads ``Columns.months``; a Jan..m
        # span within a year (a full year too, column m - 1) of a simple key off the years'
        # arrays (``engine.bulk.key_years``), as ``growth_bulk._over`` reads them.
        roles, simple, monthly = columns.kinds(keys)
        year = first // 12
        single = first == last
        within = (last // 12 == year) & (single | (first % 12 == 0))
        column = last % 12
        self.held = within & simple[key]
        n = len(key)
        self.found = np.zeros(n, dtype=bool)
        self.value = np.full(n, np.nan)
        flags = np.zeros(n, dtype=np.int64)
        self._xm = np.zeros(n, dtype=bool)
        self._difference = np.zeros(n, dtype=bool)
        self._parts = np.zeros(n, dtype=np.int64)
        months = np.flatnonzero(self.held & single)
        found, value, xm, difference, bits = _months_of(
            columns, roles, key[months], year[months], column[months]
        )
        self.found[months], self.value[months], flags[months] = found, value, bits
        self._xm[months], self._difference[months] = xm, difference
        spans = np.flatnonzero(self.held & ~single)
        if len(spans):
            # The years' arrays of the keys asked a Jan..m span alone, without their months.
            asking = np.unique(key[spans])
            of_asking = roles[asking], simple[asking], monthly[asking]
            ky = key_years(
                columns, [keys[k] for k in asking.tolist()], months=False, kinds=of_asking
            )
            row, in_row = ky.rows_of(np.searchsorted(asking, key[spans]), year[spans])
            at, r, c = spans[in_row], row[in_row], column[spans][in_row]
            self.found[at], self.value[at] = ky.found[r, c], ky.value[r, c]
            flags[at], self._xm[at], self._parts[at] = ky.flags[r, c], ky.xm[r, c], ky.parts[r, c]
            del ky
        # Each found question's flag words (few distinct bit sets).
        self._words = {b: columns.flag_words(b) for b in np.unique(flags[self.found]).tolist()}
        self._flags = flags
        self._keys, self._key, self._first, self._last = keys, key, first, last
        self._ask = engine.value

    def answer(self, i: int) -> Answer:
        """The engine's answer to question ``i`` (held and found), from the arrays: made as
        ``span_cells.answer`` makes a found cell's (``span_cells.found_answer``)."""
        key = self._keys[int(self._key[i])]
        first, last = int(self._first[i]), int(self._last[i])
        period = Period.month(first) if first == last else Period(first, last)
        return found_answer(
            key,
            period,
            float(self.value[i]),
            self._words[int(self._flags[i])],
            partial(self._ask, key, period),
            bool(self._xm[i]),
            bool(self._difference[i]),
            int(self._parts[i]),
        )


def _months_of(
    columns: Columns, roles: Ints, key: Ints, year: Ints, column: Ints
) -> tuple[Bools, Floats, Bools, Bools, Ints]:
    """Whether month ``column + 1`` of ``year`` of each simple key (``roles[key[i]]``: its
    series of each role, ``Columns.role_table``) is found, its value (NaN where not),
    whether it is export + import and whether a difference (rule 3), and its flag bits: by
    rules 1 and 3 of its own series (``Columns.month_rows`` of their rows), else export +
    import where both are (rule 4)."""
    n = len(key)
    if not n or not len(columns.row_year):
        no = np.zeros(n, dtype=bool)
        return no, np.full(n, np.nan), no, no, np.zeros(n, dtype=np.int64)
    n_years = columns.n_months // 12
    row_cell = series_of_rows(columns) * n_years + columns.row_year - columns.first_year
    # Each (key, year) looked for once (sparse 1M: 550,000 questions, a tenth as many
    # pairs: a month, the month a year on, their bases, a turnover's value and change).
    low = int(year.min())
    width = int(year.max()) - low + 1
    pair, of_question = np.unique(key * width + year - low, return_inverse=True)
    pair_key, pair_year = pair // width, pair % width + low
    in_data = (pair_year >= columns.first_year) & (pair_year < columns.first_year + n_years)
    parts = []
    for role in range(3):
        series = roles[pair_key, role]
        wanted = series * n_years + pair_year - columns.first_year
        at = np.minimum(np.searchsorted(row_cell, wanted), len(row_cell) - 1)
        has = in_data & (series >= 0) & (row_cell[at] == wanted)
        # The months of the rows asked alone (``month_rows``), not every row's.
        place = np.cumsum(has) - 1  # a pair's place among those with a row
        hit = has[of_question]
        picked = place[of_question[hit]]
        part = []
        for table in columns.month_rows(at[has]):
            out = np.zeros(n, dtype=table.dtype)
            out[hit] = table[picked, column[hit]]
            part.append(out)
        parts.append(part)
    value, found, xm, flags, difference = combine(*parts)
    return found, np.where(found, value, np.nan), xm, difference, flags.astype(np.int64)


@dataclass(frozen=True)
class ReadMoved:
    """Of ``MovedEntries``: which the arrays of both engines answer (``held``), which of
    those moved (``moved``), and the answers of a moved one (``answers``)."""

    held: Bools
    moved: Bools
    was: HeldSpans  # the questions: each entry's span, then (for a change) its base
    now: HeldSpans

    def values(self, e: int) -> tuple[Answer, Answer]:
        """(was, now) of moved entry ``e``, a value; of a change, its span's answers."""
        return self.was.answer(e), self.now.answer(e)

    def changes(self, e: int) -> tuple[Change, Change]:
        """(was, now) of moved entry ``e``, a change."""
        base = e + len(self.held)
        return (
            Change(self.was.answer(e), self.was.answer(base)),
            Change(self.now.answer(e), self.now.answer(base)),
        )


def read_moved(entries: MovedEntries, old: Engine, new: Engine, tolerance: float) -> ReadMoved:
    """Which ``entries`` the arrays of ``old`` and ``new`` answer, and which of those moved:
    a value found on both sides that differs (``revisions.differ``), a change whose spans
    are found on both sides, over bases that are not zero (``growth.change``), that
    differs."""
    n = len(entries)
    key = np.concatenate([entries.key, entries.key])
    first = np.concatenate([entries.first, entries.first - 12])
    last = np.concatenate([entries.last, entries.last - 12])
    was = HeldSpans(old, entries.keys, key, first, last)
    now = HeldSpans(new, entries.keys, key, first, last)
    change = ~entries.value
    held = was.held[:n] & now.held[:n] & (entries.value | (was.held[n:] & now.held[n:]))
    found = was.found[:n] & now.found[:n] & (entries.value | (was.found[n:] & now.found[n:]))
    a, b = was.value[:n].copy(), now.value[:n].copy()
    # A change: current / base - 1, where both bases are found and not zero.
    ratio = found & change
    ratio[ratio] = (was.value[n:][ratio] != 0) & (now.value[n:][ratio] != 0)
    a[ratio] = a[ratio] / was.value[n:][ratio] - 1
    b[ratio] = b[ratio] / now.value[n:][ratio] - 1
    asked = held & found & (entries.value | ratio)
    moved = np.zeros(n, dtype=bool)
    moved[asked] = _differ(a[asked], b[asked], tolerance)
    return ReadMoved(held, moved, was, now)


def _differ(a: Floats, b: Floats, tolerance: float) -> Bools:
    """Whether each pair of figures differs by more than ``tolerance`` of the larger
    magnitude (at least 1), as ``revisions.differ`` decides for one pair."""
    limit = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)
    limit *= tolerance
    return np.abs(a - b) > limit


__all__ = [
    "HeldSpans",
    "MovedEntries",
    "ReadMoved",
    "SimpleRevisions",
    "moved_entries",
    "read_moved",
    "simple_revisions",
]
