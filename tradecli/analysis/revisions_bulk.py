"""``tradecli revisions`` from the columns: which figures two vintages both publish, and
which of those differ, found for every series made of single months at once.

A series whose kept figures in a vintage are all single months (``Columns.monthly``)
publishes exactly the months its year-rows have (``Columns.present``), each worth the
figure reconciliation chose (``Columns.values``), as the reference's ``periods`` and
``value`` give them. So the spans a later vintage publishes that the earlier does not,
and the spans both publish with values that differ (``revisions.differ``, here on arrays
with the same float operations), are found by matching (series, month) codes. Series
that are not so in either vintage are left to the reference, span by span.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradecli.engine.answers import SeriesKey
from tradecli.engine.bulk import Columns, _ranges
from tradecli.periods import Period

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class MonthlyRevisions:
    """Of the keys asked: the (key, month) spans both vintages publish with values that
    differ, in key order then month; how many spans the later vintage alone publishes;
    and the keys left to the reference (``rest``), in the order asked."""

    revised: list[tuple[SeriesKey, Period]]
    first_published: int
    rest: list[SeriesKey]


def monthly_revisions(
    earlier: Columns, later: Columns, keys: Sequence[SeriesKey], tolerance: float
) -> MonthlyRevisions:
    """The revisions of ``keys`` (sorted) whose series are made of single months in the
    ``later`` vintage's columns and in the ``earlier``'s (or have no rows there)."""
    quick: list[SeriesKey] = []
    rest: list[SeriesKey] = []
    numbers: list[tuple[int, int]] = []
    for key in keys:
        old, new = earlier.series(key), later.series(key)
        if new >= 0 and later.monthly[new] and (old < 0 or earlier.monthly[old]):
            quick.append(key)
            numbers.append((old, new))
        else:
            rest.append(key)
    if not quick:
        return MonthlyRevisions([], 0, rest)
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
    revised = [
        (quick[code >> _MONTH_BITS], Period(month, month))
        for code, month in zip(codes.tolist(), (codes & _MONTH_MASK).tolist(), strict=True)
    ]
    return MonthlyRevisions(revised, first_published, rest)


# A (key, month) code: the key's place among those asked, then the month (counted from
# year 0, under 2**24: the year 1,398,101).
_MONTH_BITS = 24
_MONTH_MASK = (1 << _MONTH_BITS) - 1


def _cells(columns: Columns, series: Ints) -> tuple[Ints, Floats]:
    """Every month that series ``series[i]`` (-1: none) publishes, as the code
    ``i << _MONTH_BITS | month``, and its value; codes ascending."""
    has = series >= 0
    starts = np.zeros(len(series), dtype=np.int64)
    counts = np.zeros(len(series), dtype=np.int64)
    starts[has] = columns.row_bounds[series[has]]
    counts[has] = columns.row_bounds[series[has] + 1] - starts[has]
    rows = _ranges(starts, counts)
    place = np.repeat(np.arange(len(series), dtype=np.int64), counts)
    at, column = np.nonzero(columns.present[rows])
    month = columns.row_year[rows[at]].astype(np.int64) * 12 + column
    assert not len(month) or (int(month.min()) >= 0 and int(month.max()) <= _MONTH_MASK)
    return place[at] << _MONTH_BITS | month, columns.values[rows[at], column]


__all__ = ["MonthlyRevisions", "monthly_revisions"]
