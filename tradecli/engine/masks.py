"""The bulk helper: the years and year-to-date spans of every series, for all series at once.

Not an engine backend (``tradecli.engine.backend``): it answers no value. It says, from
an engine's span index, which spans that engine finds (found-masks), so that the caller
asks the engine only about those; every value shown is still the scalar engine's. The
columnar backend is ``engine.bulk``; this helper serves the keys it leaves to the
reference.

The commands that answer many series (``summary``, ``growth`` with no filter) ask
the scalar engine (``tradecli.engine.reference.Engine``) for every full year and every
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
for byte; what the bulk helper saves is every question whose answer is "not
available", which is most of them, and for each the walk through the rules in
Python (the tilings tried, every start of a difference).

It reads the reference engine's span store (``_rows``, ``_index``, ``_series_number``,
built by ``Engine.spans``) and, for a group with no member found, ``Rules._group_spans``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial

import numpy as np
from numpy.typing import NDArray

from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.reference import Engine
from tradecli.engine.rules import countries_by_reporter, member_sum
from tradecli.engine.spans import SpanIndex
from tradecli.groups import Group
from tradecli.periods import Period

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
        return self._by_year.get(year, 0)

    @cached_property
    def _by_year(self) -> dict[int, int]:
        return dict(zip(self.years, self.masks, strict=True))

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
    """What an engine finds, worked out for all series at once: per (series, year) the
    found-mask of the Jan..m spans (``plan``), for any span whether it is found
    (``found``), and the group values built on those (``group_value``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        index = _span_index(engine)
        self._number: dict[SeriesKey, int] = dict(engine._series_number)
        self._index: SpanIndex | None = index
        self._mixed: dict[int, dict[int, int]] = {}
        self._reach_memo: dict[int, tuple[dict[int, int], int]] = {}
        self._months_memo: dict[int, frozenset[int]] = {}
        self._partners: dict[tuple[str, str], list[str]] | None = None
        self._groups: dict[tuple[str, Group, str, Period, str], Answer] = {}
        self._missing: dict[tuple[str, Group, str, Period, str], bool] = {}
        if index is None:
            self._monthly = np.zeros(0, dtype=bool)
            self._bounds: list[int] = [0]
            self._years: list[int] = []
            self._masks: list[int] = []
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

    def _reach(self, number: int) -> tuple[dict[int, int], int]:
        """Per span start s of a series: the months reached from s (bit e - base set when
        spans laid end to end run from s to e - 1); and base, the series' first month."""
        found = self._reach_memo.get(number)
        if found is None:
            assert self._index is not None
            start, end = self._index.series_bounds[number], self._index.series_bounds[number + 1]
            firsts, lasts = self._index.first[start:end], self._index.last[start:end]
            base = min(firsts)
            # The spans come sorted by first month: a start's bit is final before its spans
            # are looked at.
            reach: dict[int, int] = {}
            for s in sorted(set(firsts)):
                bits = 1 << (s - base)
                for first, last in zip(firsts, lasts, strict=True):
                    if first >= s and bits >> (first - base) & 1:
                        bits |= 1 << (last + 1 - base)
                reach[s] = bits
            found = self._reach_memo[number] = (reach, base)
        return found

    def _mixed_masks(self, number: int) -> dict[int, int]:
        """Year → found-mask of a series with spans longer than a month (module docstring)."""
        assert self._index is not None
        reach, base = self._reach(number)
        start, end = self._index.series_bounds[number], self._index.series_bounds[number + 1]
        out: dict[int, int] = {}
        for year in sorted({last // 12 for last in self._index.last[start:end]}):
            january = year * 12
            ends = reach.get(january, 0)
            if january > base:
                for s, bits in reach.items():
                    if s < january and bits >> (january - base) & 1:
                        ends |= bits  # a difference from s: (s..m) − (s..Dec of year − 1)
            out[year] = ends >> (january + 1 - base) & 0xFFF if january + 1 >= base else 0
        return out

    def _months(self, number: int) -> frozenset[int]:
        """The months of a series made of single months."""
        months = self._months_memo.get(number)
        if months is None:
            assert self._index is not None
            start, end = self._index.series_bounds[number], self._index.series_bounds[number + 1]
            months = self._months_memo[number] = frozenset(self._index.first[start:end])
        return months

    # -- any span -------------------------------------------------------------------

    def _direct_found(self, key: SeriesKey, period: Period) -> bool:
        """Whether rules 1–3 find a value of ``key`` over ``period`` within the series."""
        number = self._number.get(key, -1)
        if number < 0:
            return False
        first, last = period
        if self._monthly[number]:
            months = self._months(number)
            return all(m in months for m in range(first, last + 1))
        reach, base = self._reach(number)
        if first < base:
            return False  # every tiling and every difference starts at a span's first month
        if reach.get(first, 0) >> (last + 1 - base) & 1:
            return True  # rules 1 and 2
        return any(
            s < first and bits >> (first - base) & 1 and bits >> (last + 1 - base) & 1
            for s, bits in reach.items()
        )  # rule 3

    def found(self, key: SeriesKey, period: Period) -> bool:
        """Whether ``Engine.value(key, period)`` is found (rules 1–4), without asking it."""
        if self._direct_found(key, period):
            return True
        return (
            key.flow == "turnover"
            and self._direct_found(key.with_flow("export"), period)
            and self._direct_found(key.with_flow("import"), period)
        )

    # -- groups ---------------------------------------------------------------------

    def partners_for(
        self, reporter: str, group: Group, period: Period, currency: str = "USD"
    ) -> list[str]:
        """``Engine.partners_for``, with the partners of every reporter found once."""
        if not group.every_partner:
            return self.engine.partners_for(reporter, group, period, currency)
        if self._partners is None:
            self._partners = countries_by_reporter(self.engine._rows, self.engine.group_codes)
        return list(self._partners.get((reporter, currency), ()))

    def member_missing(
        self, reporter: str, group: Group, flow: str, period: Period, currency: str = "USD"
    ) -> bool:
        """``Engine.member_missing``, each member looked up in bulk; worked out once per
        question (a share search asks it at every span of every partner of the group)."""
        memo = (reporter, group, flow, period, currency)
        missing = self._missing.get(memo)
        if missing is None:
            missing = self._missing[memo] = self._member_missing(
                reporter, group, flow, period, currency
            )
        return missing

    def _member_missing(
        self, reporter: str, group: Group, flow: str, period: Period, currency: str
    ) -> bool:
        if group.code and self.found(SeriesKey(reporter, group.code, flow, currency), period):
            return False
        members = self.partners_for(reporter, group, period, currency)
        return not all(self.found(SeriesKey(reporter, m, flow, currency), period) for m in members)

    def group_value(
        self, reporter: str, group: Group, flow: str, period: Period, currency: str = "USD"
    ) -> Answer:
        """``Engine.group_value``: the published aggregate, else the member sum, asking the
        engine only for the members found (a world sum has a member for every partner of
        the reporter, and most have no figure over most spans)."""
        memo = (reporter, group, flow, period, currency)
        answer = self._groups.get(memo)
        if answer is None:
            answer = self._groups[memo] = self._group_value(reporter, group, flow, period, currency)
        return answer

    def _group_value(
        self, reporter: str, group: Group, flow: str, period: Period, currency: str
    ) -> Answer:
        engine = self.engine
        code = SeriesKey(reporter, group.code, flow, currency) if group.code else None
        members = self.partners_for(reporter, group, period, currency)
        if (code is not None and self.found(code, period)) or not members:
            return engine.group_value(reporter, group, flow, period, currency)  # no member sum
        found = partial(self.found, period=period)
        return found_member_sum(engine, reporter, group, flow, period, currency, members, found)

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


def found_member_sum(
    engine: Engine,
    reporter: str,
    group: Group,
    flow: str,
    period: Period,
    currency: str,
    members: list[str],
    found: Callable[[SeriesKey], bool],
) -> Answer:
    """``engine.group_value``'s member sum of ``members`` over ``period`` (the group's code
    has no figure), asking the engine only for the members ``found`` says have one."""
    key = SeriesKey(reporter, group.code or group.name.upper(), flow, currency)
    keys = [SeriesKey(reporter, m, flow, currency) for m in members]
    hits = [found(k) for k in keys]
    have = tuple(engine.value(k, period) for k, f in zip(keys, hits, strict=True) if f)
    missing = [k.partner for k, f in zip(keys, hits, strict=True) if not f]
    spans = partial(engine._group_spans, reporter, group, flow, currency)
    return member_sum(key, period, group, len(members), have, missing, spans)


def _span_index(engine: Engine) -> SpanIndex | None:
    """The engine's span index (built on first need, as a question about a series builds it)."""
    if engine._index is None and engine._rows:
        engine.spans(next(iter(engine._rows)))
    return engine._index


def bulk_for(engine: Engine, n_series: int) -> Bulk | None:
    """The bulk helper when ``n_series`` series are asked about, else None (scalar alone)."""
    return Bulk(engine) if n_series >= MIN_SERIES else None
