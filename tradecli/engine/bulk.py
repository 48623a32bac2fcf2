"""The bulk engine: the years and year-to-date spans of every series, for all series at once.

The commands that answer many series (``summary``, ``growth`` with no filter) ask
the scalar engine (``tradecli.series.Engine``) for every full year and every
year-to-date span Jan..m of every year of every series. Most of those spans are
not there (a month missing, a year not over), and each miss costs the scalar
engine a walk through its rules in Python. Here the spans of all series are
grouped once with numpy, by series and calendar year:

- for a series made of single months only (nearly every series of a bulk
  download), Jan..m of year y has a value by the engine's rules exactly when
  every month from January through m is a span of the series (rule 1 for a
  month, rule 2 the months that tile it; rule 3 needs a longer span), so one
  integer per (series, year) says which Jan..m spans are found: the number of
  months present in a row from January (``run``); their values are cumulative
  sums of the reconciled months, in month order, as the scalar engine adds them;
- turnover with no figure of its own over Jan..m is export + import, found where
  both are (rule 4): the run of turnover is ``max(own, min(export, import))``.

A series with a span longer than a month (annual or cumulative figures beside
months) is worked out per series, with Python integers as bit sets: month e can
be reached from month s when spans laid end to end run from s to e - 1; Jan..m
of year y is found when the end of month m is reached from January (rules 1 and
2), or from an earlier start s from which January is also reached (rule 3: the
longer span s..m minus the shorter s..Dec of y - 1). What each (series, year)
has is one 12-bit mask: bit m - 1 set when Jan..m is found.

For the spans found, the caller takes the scalar engine's ``Answer`` (the same
object ``--explain`` and JSON show), so the output is the scalar engine's byte
for byte; what the bulk engine saves is every question whose answer is "not
available", which is most of them, and for each the walk through the rules in
Python (the tilings tried, every start of a difference).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradecli.series import Engine, SeriesKey, SpanIndex

# Below this many series the scalar engine alone is as quick (no grouping to pay for).
MIN_SERIES = 50

FULL_YEAR = 1 << 11  # the bit of Jan..Dec

# _FOUND[months]: the found-mask of a year whose months are ``months`` (bit i: month i + 1
# is a span): Jan..m is found when every month through m is, so bits 0..run - 1 where run
# is the number of months present in a row from January.
_FOUND = np.zeros(1 << 12, dtype=np.int64)
for _months in range(1 << 12):
    _run = 0
    while _run < 12 and _months >> _run & 1:
        _run += 1
    _FOUND[_months] = (1 << _run) - 1


@dataclass(frozen=True)
class Plan:
    """What a series has, by the engine's rules, in each calendar year it has spans in.

    ``years``: the calendar years any span of the series (for turnover also of its
    export and import) ends in, oldest first — ``growth.years_in``. ``masks[i]``:
    bit m - 1 set when Jan..m of ``years[i]`` has a value (bit 11: the full year).
    """

    years: tuple[int, ...]
    masks: tuple[int, ...]

    def full_years(self) -> list[int]:
        """The years whose full-year value is found (``growth.annual_values``)."""
        return [y for y, m in zip(self.years, self.masks, strict=True) if m & FULL_YEAR]

    def mask(self, year: int) -> int:
        """The found Jan..m spans of ``year`` (0 for a year without spans)."""
        for y, m in zip(self.years, self.masks, strict=True):
            if y == year:
                return m
        return 0

    def found(self, year: int, months: int) -> bool:
        """Whether Jan..``months`` of ``year`` has a value."""
        return bool(self.mask(year) >> (months - 1) & 1)

    def latest_ytd(self, after_year: int | None) -> tuple[int, int] | None:
        """(year, m) of ``summary.latest_ytd``: the longest Jan..m (m < 12) of the latest
        year after ``after_year`` that has one."""
        for year, mask in zip(reversed(self.years), reversed(self.masks), strict=True):
            if after_year is not None and year <= after_year:
                return None
            below = mask & (FULL_YEAR - 1)
            if below:
                return year, below.bit_length()
        return None


class Bulk:
    """Per (series, year) of an engine's frame: the run of months from January, in bulk."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        index = _span_index(engine)
        self._number: dict[SeriesKey, int] = dict(engine._series_number)
        if index is None:
            self._monthly = np.zeros(0, dtype=bool)
            self._bounds: list[int] = [0]
            self._years: list[int] = []
            self._runs: list[int] = []
            return
        first = np.asarray(index.first, dtype=np.int64)
        last = np.asarray(index.last, dtype=np.int64)
        series_bounds = np.asarray(index.series_bounds, dtype=np.int64)
        n_series = len(series_bounds) - 1
        series = np.repeat(np.arange(n_series), np.diff(series_bounds))
        # A series is monthly when it has no span longer than a month.
        longer = np.bincount(series[first != last], minlength=n_series)
        self._monthly = longer == 0
        # Spans come sorted by (series, first, last) and are distinct: within a (series,
        # year) the months are distinct, so the sum of their bits is their mask.
        single = first == last
        s, month = series[single], first[single]
        year = month // 12
        if len(s):
            starts = np.flatnonzero(
                np.concatenate(([True], (s[1:] != s[:-1]) | (year[1:] != year[:-1])))
            )
            mask = np.add.reduceat(np.left_shift(1, month % 12), starts)
            group_series, group_year = s[starts], year[starts]
        else:
            mask = group_series = group_year = np.zeros(0, dtype=np.int64)
        found: NDArray[np.int64] = _FOUND[mask]
        self._bounds = np.searchsorted(group_series, np.arange(n_series + 1)).tolist()
        self._years = group_year.tolist()
        self._masks = found.tolist()
        self._index = index
        self._mixed: dict[int, dict[int, int]] = {}

    def _own(self, key: SeriesKey) -> dict[int, int]:
        """Year → found-mask of the series' own spans (rules 1–3)."""
        number = self._number.get(key, -1)
        if number < 0:
            return {}
        if not self._monthly[number]:
            mixed = self._mixed.get(number)
            if mixed is None:
                mixed = self._mixed[number] = self._mixed_masks(number)
            return mixed
        start, end = self._bounds[number], self._bounds[number + 1]
        return dict(zip(self._years[start:end], self._masks[start:end], strict=True))

    def _mixed_masks(self, number: int) -> dict[int, int]:
        """Year → found-mask of a series with spans longer than a month (module docstring)."""
        assert self._index is not None
        start, end = self._index.series_bounds[number], self._index.series_bounds[number + 1]
        firsts, lasts = self._index.first[start:end], self._index.last[start:end]
        base = min(firsts)
        # reach[s]: bit e - base set when spans laid end to end run from s to e - 1. The spans
        # come sorted by first month, so a start's bit is final before its spans are used.
        reach: dict[int, int] = {}
        for s in sorted(set(firsts)):
            bits = 1 << (s - base)
            for first, last in zip(firsts, lasts, strict=True):
                if first >= s and bits >> (first - base) & 1:
                    bits |= 1 << (last + 1 - base)
            reach[s] = bits
        out: dict[int, int] = {}
        for year in sorted({last // 12 for last in lasts}):
            january = year * 12
            ends = reach.get(january, 0)
            if january > base:
                for s, bits in reach.items():
                    if s < january and bits >> (january - base) & 1:
                        ends |= bits  # a difference from s: (s..m) − (s..Dec of year − 1)
            out[year] = ends >> (january + 1 - base) & 0xFFF if january + 1 >= base else 0
        return out

    def plan(self, key: SeriesKey) -> Plan:
        """The series' years and found-masks."""
        own = self._own(key)
        if key.flow != "turnover":
            years = sorted(own)
            return Plan(tuple(years), tuple(own[y] for y in years))
        export, imports = self._own(key.with_flow("export")), self._own(key.with_flow("import"))
        years = sorted({*own, *export, *imports})
        masks = tuple(own.get(y, 0) | (export.get(y, 0) & imports.get(y, 0)) for y in years)
        return Plan(tuple(years), masks)


def _span_index(engine: Engine) -> SpanIndex | None:
    """The engine's span index (built on first need, as a question about a series builds it)."""
    if engine._index is None and engine._rows:
        engine._spans(next(iter(engine._rows)))
    return engine._index


def bulk_for(engine: Engine, n_series: int) -> Bulk | None:
    """A bulk engine when ``n_series`` series are asked about, else None (scalar alone)."""
    return Bulk(engine) if n_series >= MIN_SERIES else None
