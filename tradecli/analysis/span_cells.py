"""Every key's spans as a grid of arrays, for all keys at once (``engine.bulk`` columns).

A span search of the reference (``share.share_of`` over ``growth.spans_of``, ``growth``'s
latest span) walks a key's spans latest end first and, among spans ending together,
longest first. For keys whose series are simple (single months and Jan..m figures of one
calendar year, ``Columns.simple``) the spans that can exist are the months of the data
and the Jan..m spans (m ≥ 2) of each year; here each is a column, in the order "latest"
reads them backwards (``Cells``): per key and span, the value by the rules (a month by
rules 1, 3 and 4: ``Columns.months``; Jan..m by rules 1, 2 and 4: ``key_years``), whether
found, its flag bits, how it is made, and whether the span is one of the key's own
(``growth.spans_of``: a span its own series has a figure of, or both its export and
import have). ``answer`` makes the reference's answer of a found cell, its derivation
asked of the engine when looked at. A key of single months alone (``Columns.monthly``)
has only months of its own: a search of its own spans can take a grid of its months
alone (``key_cells(months_only=True)``, Jan..m empty), which needs no ``key_years``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from tradecli.engine.answers import DIFFERENCE, EXACT, EXPORT_PLUS_IMPORT, TILED, Answer, SeriesKey
from tradecli.engine.bulk import Columns, bulk_answer, key_years, ranges
from tradecli.engine.reference import Engine
from tradecli.periods import Period

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
# Keys per grid: a grid holds two columns per month of the data for each of them.
BATCH_KEYS = 1024
YEAR = 24  # columns of a grid a year apart


@dataclass(frozen=True)
class Cells:
    """Per key (row) and span (column), for the spans of the data in the order "latest"
    reads them backwards: column ``2 t`` is month ``first_month + t``, column ``2 t + 1``
    Jan..m of that month's year, m = t % 12 + 1 ≥ 2 (never a span for January)."""

    value: Floats
    found: Bools
    flags: Ints
    xm: Bools  # export + import (rule 4)
    parts: NDArray[np.integer[Any]]  # 0: exact; else how many spans summed (differenced)
    difference: Bools  # a month as Jan..m less Jan..m - 1 (rule 3)
    candidate: Bools  # a span of the key (``growth.spans_of``)


def combine(
    own: Sequence[NDArray[Any]], x: Sequence[NDArray[Any]], m: Sequence[NDArray[Any]]
) -> tuple[Floats, Bools, Bools, Ints, Bools]:
    """Months of a key from those of its own series, its export and its import (each
    value, found, flag bits, whether a difference, as ``Columns.months``): its own figure
    where found (rules 1 and 3), else export + import where both are (rule 4). Gives
    value, found, whether export + import, flag bits, whether its own difference."""
    both = x[1] & m[1] & ~own[1]
    value = np.where(own[1], own[0], x[0] + m[0])
    flags = np.where(own[1], own[2], x[2] | m[2])
    return value, own[1] | both, both, flags, own[1] & own[3]


def key_cells(
    columns: Columns, keys: Sequence[SeriesKey], months_only: bool = False
) -> tuple[Cells, Bools] | None:
    """The ``Cells`` of ``keys`` and whether each key is simple (the cells of one that is
    not are empty); None when none is. ``months_only``: keys made of single months alone
    (``Columns.monthly``; any other is taken as not simple), whose own spans are months
    only: their Jan..m columns are left empty (neither found nor a span of the key), as
    a search of their own spans never reads them, and the years' arrays they would be
    filled from (``key_years``), a third of the grid's making, are not made."""
    n_keys, n_months = len(keys), columns.n_months
    # (own, export, import) series of each key (``Columns.kinds``; -1: none, which takes
    # nothing from a key); a key is simple when each of its series is.
    kinds = columns.kinds(keys)
    roles, simple, monthly = kinds
    if months_only:
        simple = monthly
        roles = np.where(monthly[:, None], roles, -1)
    if not simple.any():
        return None

    # Single months by rules 1 and 3 of each series (own, export, import), and its spans:
    # worked out for the batch's year-rows alone (``Columns.month_rows``).
    def months_and_spans(rows: Ints) -> tuple[NDArray[Any], ...]:
        if months_only:
            return (*columns.month_rows(rows), columns.present[rows])
        return (*columns.month_rows(rows), columns.present[rows], columns.cum_present[rows])

    own, x, m = (spread(columns, roles[:, role], months_and_spans) for role in range(3))
    value, found, xm, flags, difference = combine(own, x, m)
    candidate = own[4] | (x[4] & m[4])
    if months_only:
        del own, x, m
        jan = None
    else:
        jan_candidate = own[5] | (x[5] & m[5])
        jan_candidate[:, ::12] = False  # Jan..1 is January's month
        del own, x, m  # each table is let go once used (a batch's grid is 20-30 MB at most)
        jan = _jan_to(columns, keys, kinds, jan_candidate)
        del jan_candidate

    def interleave(month: NDArray[Any], of_jan: Callable[[JanTo], NDArray[Any]]) -> NDArray[Any]:
        """The months' table, and beside it ``of_jan`` of the Jan..m tables; without those
        (``months_only``) the Jan..m columns empty."""
        if jan is None:
            both_kinds = np.zeros((n_keys, 2 * n_months), dtype=month.dtype)
        else:
            both_kinds = np.empty((n_keys, 2 * n_months), dtype=month.dtype)
            both_kinds[:, 1::2] = of_jan(jan)
        both_kinds[:, 0::2] = month
        return both_kinds

    parts = np.where(xm | difference, np.int8(2), np.int8(0))  # 1 byte a cell, not 8
    cell_value = interleave(np.where(found, value, 0.0), lambda j: np.where(j.found, j.value, 0.0))
    del value
    cell_flags = interleave(np.where(found, flags, 0), lambda j: np.where(j.found, j.flags, 0))
    del flags
    cell_parts = interleave(parts, lambda j: np.where(j.found, j.parts, 0))
    del parts
    cells = Cells(
        cell_value,
        interleave(found, lambda j: j.found),
        cell_flags,
        interleave(xm, lambda j: j.xm & j.found),
        cell_parts,
        interleave(difference, lambda j: np.zeros_like(difference)),
        interleave(candidate, lambda j: j.candidate),
    )
    return cells, simple


class JanTo(NamedTuple):
    """A grid's Jan..m tables of months (column ``t``: Jan..m of that month's year)."""

    value: Floats
    found: Bools
    flags: Ints
    xm: Bools
    parts: NDArray[np.integer[Any]]
    candidate: Bools


def _jan_to(
    columns: Columns,
    keys: Sequence[SeriesKey],
    kinds: tuple[Ints, Bools, Bools],
    candidate: Bools,
) -> JanTo:
    """Jan..m of each year of ``keys`` (``kinds``: ``Columns.kinds`` of them) by rules 1,
    2 and 4 (``key_years``), as tables of months; ``candidate``: whether it is a span of
    the key."""
    n_keys, n_months, n_years = len(keys), columns.n_months, columns.n_months // 12
    ky = key_years(columns, keys, months=False, kinds=kinds)
    key_of = np.repeat(np.arange(n_keys), np.diff(ky.bounds))
    cell = (key_of * n_years + ky.year - columns.first_year).astype(np.int64)

    def dense(table: NDArray[Any]) -> NDArray[Any]:
        out = np.zeros((n_keys * n_years, 12), dtype=table.dtype)
        out[cell] = table
        return out.reshape(n_keys, n_months)

    return JanTo(
        dense(ky.value), dense(ky.found), dense(ky.flags), dense(ky.xm), dense(ky.parts), candidate
    )


def computable(cells: Cells) -> Bools:
    """Per key and span, whether its like-for-like change can be worked out: the span and
    the same span a year before (``YEAR`` columns back) are found, the one before not 0."""
    out = np.zeros_like(cells.found)
    out[:, YEAR:] = cells.found[:, YEAR:] & cells.found[:, :-YEAR]
    out[:, YEAR:] &= cells.value[:, :-YEAR] != 0
    return out


def grids(
    columns: Columns,
    keys: Sequence[SeriesKey],
    per_batch: int = BATCH_KEYS,
    months_only: bool = False,
) -> Iterator[tuple[Sequence[SeriesKey], Cells, Bools]]:
    """The ``Cells`` of ``keys``, ``per_batch`` keys at a time: each batch, its cells, and
    which of its keys are simple (a batch with none is left out); ``months_only``: as
    ``key_cells``."""
    for start in range(0, len(keys), per_batch):
        chunk = keys[start : start + per_batch]
        made = key_cells(columns, chunk, months_only)
        if made is not None:
            yield chunk, *made


def spread(
    columns: Columns, series: Ints, take: Callable[[Ints], Sequence[NDArray[Any]]]
) -> list[NDArray[Any]]:
    """Each table ``take(rows)`` gives of the year-rows ``rows`` (``Columns.row_bounds``)
    of the series ``series`` as one row per series over every month of the data (zeros
    for -1 and years without a row)."""
    n, n_months = len(series), columns.n_months
    has = np.flatnonzero(series >= 0)
    starts = columns.row_bounds[series[has]]
    counts = columns.row_bounds[series[has] + 1] - starts
    rows = ranges(starts, counts)
    cell = np.repeat(has, counts) * (n_months // 12) + columns.row_year[rows] - columns.first_year
    out = []
    for table in take(rows):
        dense = np.zeros((n * (n_months // 12), 12), dtype=table.dtype)
        dense[cell] = table
        out.append(dense.reshape(n, n_months))
    return out


def span(columns: Columns, column: int) -> Period:
    """The span of column ``column`` (``Cells``)."""
    t, jan = divmod(column, 2)
    month = columns.first_month + t
    if not jan:
        return Period.month(month)
    year, through = divmod(month, 12)
    return Period.year(year) if through == 11 else Period.ytd(year, through + 1)


def column_of(columns: Columns, period: Period) -> int | None:
    """The column of ``Cells`` that holds ``period`` (``span``'s inverse): a single month
    of the data, or Jan..m (m ≥ 2) of one of its years; None for any other span."""
    t = period.last - columns.first_month
    if not 0 <= t < columns.n_months:
        return None
    if period.n_months == 1:
        return 2 * t
    if period.is_year_to_date:
        return 2 * t + 1
    return None


def answer(
    engine: Engine, columns: Columns, key: SeriesKey, cells: Cells, i: int, c: int
) -> Answer:
    """The answer of key ``i`` (``key``) over span ``c`` (found), as the reference makes it:
    exact, tiled, a difference (rule 3) or export + import; its derivation the engine's."""
    period = span(columns, c)

    def made() -> Answer:
        return engine.value(key, period)

    value = float(cells.value[i, c])
    words = columns.flag_words(int(cells.flags[i, c]))
    xm, difference, n_parts = cells.xm[i, c], cells.difference[i, c], cells.parts[i, c]
    return found_answer(key, period, value, words, made, bool(xm), bool(difference), int(n_parts))


def found_answer(
    key: SeriesKey,
    period: Period,
    value: float,
    words: tuple[str, ...],
    made: Callable[[], Answer],
    xm: bool,
    difference: bool,
    n_parts: int = 0,
) -> Answer:
    """A found cell's answer, as the reference makes it: export + import (``xm``), a
    difference (rule 3), else exact or tiled from ``n_parts``; its derivation ``made``."""
    if xm:
        return bulk_answer(key, period, value, EXPORT_PLUS_IMPORT, 2, made, words)
    if difference:
        return bulk_answer(key, period, value, DIFFERENCE, 2, made, words)
    return bulk_answer(key, period, value, TILED if n_parts else EXACT, n_parts, made, words)


def last_true(mask: Bools) -> Ints:
    """Per row, the last column where ``mask`` holds (-1: none)."""
    n = mask.shape[1]
    last = n - 1 - np.argmax(mask[:, ::-1], axis=1)
    return np.where(mask.any(axis=1), last, -1).astype(np.int64)
