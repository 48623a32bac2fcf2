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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradecli.engine.answers import SeriesKey
from tradecli.engine.bulk import Columns, ranges
from tradecli.periods import Period

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


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
    a, b = old_value[at[both]], new_value[both]
    limit = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)
    limit *= tolerance
    differs = np.abs(a - b) > limit
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


__all__ = ["SimpleRevisions", "simple_revisions"]
