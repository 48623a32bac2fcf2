"""The reference backend's store: every (series, span) of an observation frame, grouped
once with numpy (``SpanIndex``), and one series' spans as the rules see them
(``LazySpans``, the ``SeriesSpans`` protocol of ``engine.protocol``).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradecli.engine.answers import EXACT, SeriesKey, answer_head
from tradecli.engine.series import SpanKey
from tradecli.heap import give_back
from tradecli.observations import (
    COLUMNS,
    EXCLUDED_FLAGS,
    OFFICIAL_STATEMENT,
    QUALIFIERS,
    Observation,
    RowSource,
    split_flags,
    step_codes,
)
from tradecli.periods import Period, month_iso
from tradecli.reconcile import (
    REASON_CODES,
    Figure,
    LoneSource,
    Reconciled,
    decide,
    decide_disagreeing,
    reconcile_span,
)

# An index built from at least this many rows hands its freed temporaries back
# (``give_back``), as ``engine.bulk`` does after a build of as many.
TRIM_ROWS = 1 << 17


class _Picked(RowSource):
    """``RowSource`` reading the frame's own arrays item by item (nothing converted first:
    the figures behind a few answers of a large file cost no more than those rows).

    A categorical column is read through its codes (a numpy array) and its categories (a
    list), a numeric one from its numpy array: an item of either costs well under a
    microsecond, where pandas' own item access (``frame[c].array[i]``) costs tens."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.columns = {c: _items(frame[c]) for c in frame.columns}
        self.extra = [c for c in frame.columns if c not in COLUMNS]
        self.size = len(frame)
        self._flags = {}
        self._periods = {}
        self._isos = {}


class _Coded:
    """A categorical column's items by number: its category, NaN where it has none (as
    the column's ``tolist()`` gives them)."""

    __slots__ = ("_categories", "_codes")

    def __init__(self, column: pd.Series[Any]) -> None:
        self._codes: NDArray[Any] = np.asarray(column.cat.codes)
        self._categories: list[Any] = [*column.cat.categories.tolist(), np.nan]  # code -1

    def __getitem__(self, i: int) -> Any:
        return self._categories[self._codes[i]]


def _items(column: pd.Series[Any]) -> list[Any]:
    """What ``_Picked`` reads a column's items through."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return cast(list[Any], _Coded(column))
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and (dtype.kind in "biu" or dtype == np.float64):
        # An item's text is the Python number's (``str`` of a float32 is numpy's shorter
        # one): other floats go through ``tolist`` as ``RowSource`` reads them.
        return cast(list[Any], column.to_numpy())
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return column.tolist()
    return cast(list[Any], column.array)


class SpanIndex:
    """Every (series, span) of an observation frame, grouped once with numpy.

    For each span: its rows (positions in the frame, in frame order, excluded
    quality flags left out unless ``include_flagged``), and, where no two of its
    figures agree (nearly always: one figure, or revisions that differ), the
    reconciled value decided for all spans at once (``decide_disagreeing``).
    Other spans are reconciled one by one (``decide``) when first asked.
    ``Observation`` objects are built only when an answer's sources are asked
    for (``--explain``, JSON), read item by item from the frame's arrays (``_Picked``:
    nothing is turned into Python columns first, however many are asked for).
    What the engine reads item by item is a Python ``array`` with an item per span
    (its rows, months, chosen row, the value decided in bulk); the rows stay numpy
    arrays, read a span at a time.
    """

    def __init__(self, frame: pd.DataFrame, series: Sequence[Any], include_flagged: bool) -> None:
        """``series``: each series' row positions in ``frame`` (series ``k`` is ``series[k]``)."""
        self._build(frame, series, include_flagged)
        if len(frame) >= TRIM_ROWS:
            # The build's temporaries (row masks, sort keys and order, the decisions'
            # arrays) are carved from the C heap and stay there once freed: handed back
            # (about 100 MB for 800,000 rows). Dense 1M, the peak of ``summary --explain
            # -f csv`` 855 -> 782 MB, of ``share --vs world -f json`` 423 -> 384 MB.
            give_back()

    def _build(self, frame: pd.DataFrame, series: Sequence[Any], include_flagged: bool) -> None:
        self.frame = frame
        self._picked: _Picked | None = None
        series_of = np.full(len(frame), -1, dtype=np.int64)
        for k, index in enumerate(series):
            series_of[index] = k
        # Flags and publication dates: few distinct texts, each looked at once.
        flag_codes, flag_texts = pd.factorize(frame["flags"], use_na_sentinel=False)
        flags = [split_flags(str(t)) for t in flag_texts.tolist()]
        self._qualifiers = [next((f for f in fl if f in QUALIFIERS), "") for fl in flags]
        self._official = [OFFICIAL_STATEMENT in fl for fl in flags]
        excluded = np.array([any(f in EXCLUDED_FLAGS for f in fl) for fl in flags], dtype=bool)
        published_codes, published_texts = pd.factorize(frame["published"], use_na_sentinel=False)
        self._published = [str(t) for t in published_texts.tolist()]
        # Integers that order like the texts (Python's string order, which ``_rank`` uses).
        by_text = sorted(range(len(self._published)), key=self._published.__getitem__)
        published_rank = np.empty(len(by_text), dtype=np.int64)
        published_rank[by_text] = np.arange(len(by_text))
        first = frame["first"].to_numpy(dtype=np.int64)
        last = frame["last"].to_numpy(dtype=np.int64)

        # The kept rows grouped by (series, first, last), frame order within a span: a stable
        # sort of one integer per row that orders like the three.
        keep = series_of >= 0
        if not include_flagged:
            keep &= ~excluded[flag_codes]
        kept = np.flatnonzero(keep)
        key = SpanKey.of(first, last, len(series)).keys(series_of[kept], first[kept], last[kept])
        order = np.argsort(key, kind="stable")
        kept, key = kept[order], key[order]
        starts = np.flatnonzero(np.diff(key, prepend=-1))
        bounds = np.append(starts, len(kept)).astype(np.int64)
        self._kept = kept
        self._value = frame["value"].to_numpy(dtype=np.float64)
        self._step = step_codes(frame)
        self._flag_codes = flag_codes
        self._published_codes = published_codes
        row_codes = flag_codes[kept]
        winner, reason = decide_disagreeing(
            bounds,
            self._value[kept],
            self._step[kept],
            np.array([not q for q in self._qualifiers], dtype=bool)[row_codes],
            np.array(self._official, dtype=bool)[row_codes],
            published_rank[published_codes[kept]],
        )

        # Python ``array``s from here: the engine reads them one item at a time, each
        # item made a Python number as it is read. A span costs 8 bytes in each, where a
        # list held an int object of 28 and its pointer (dense 1M: 37 MB a list; the
        # index has five, and its values).
        self.bounds = _ints(bounds)
        span_rows = kept[starts]
        self.first = _ints(first[span_rows])
        self.last = _ints(last[span_rows])
        self.series_bounds = _ints(
            np.searchsorted(series_of[span_rows], np.arange(len(series) + 1))
        )
        # Per span decided in bulk: the chosen figure's value (an ``array`` of floats; the
        # spans left to ``decide`` in ``_undecided``: few in a download, where two figures
        # of a span seldom agree; every span of a file published twice alike, which costs
        # a set of them, still less than the list of values and None it replaced) and row
        # (-1), the reason code.
        decided = winner >= 0
        chosen = kept[winner[decided]]
        values = np.zeros(len(winner), dtype=np.float64)
        values[decided] = self._value[chosen]
        self._decided = array("d")
        self._decided.frombytes(values.tobytes())
        self._undecided = frozenset(np.flatnonzero(~decided).tolist())
        chosen_rows = np.full(len(winner), -1, dtype=np.int64)
        chosen_rows[decided] = chosen
        self._chosen = _ints(chosen_rows)
        self._reason = bytes(reason.astype(np.uint8))  # an index into ``REASON_CODES``

    def numbers(
        self, series: NDArray[np.int64], first: NDArray[np.int64], last: NDArray[np.int64]
    ) -> NDArray[np.int64]:
        """The span number of each (series ``series[i]``, months ``first[i]..last[i]``);
        -1 where the series has no such span. The spans are in (series, first, last)
        order: one search of their keys for all at once."""
        out = np.full(len(series), -1, dtype=np.int64)
        n_series = len(self.series_bounds) - 1
        if not len(series) or not len(self.first):
            return out
        bounds = np.frombuffer(self.series_bounds, dtype=np.int64)
        firsts = np.frombuffer(self.first, dtype=np.int64)
        lasts = np.frombuffer(self.last, dtype=np.int64)
        span_key = SpanKey.of(firsts, lasts, n_series)
        spans = span_key.keys(np.repeat(np.arange(n_series), np.diff(bounds)), firsts, lasts)
        low, high = span_key.low, span_key.low + span_key.width
        asked = (series >= 0) & (first >= low) & (last < high) & (first <= last)
        wanted = span_key.keys(series[asked], first[asked], last[asked])
        at = np.minimum(np.searchsorted(spans, wanted), len(spans) - 1)
        out[asked] = np.where(spans[at] == wanted, at, -1)
        return out

    def bulk_values(self, spans: Sequence[int]) -> list[float | None]:
        """The reconciled value of each span decided in bulk; None for the others."""
        values: list[float | None] = list(map(self._decided.__getitem__, spans))
        undecided = self._undecided
        if undecided and not undecided.isdisjoint(spans):
            return [None if s in undecided else v for s, v in zip(spans, values, strict=True)]
        return values

    def reconciled(self, span: int, period: Period) -> Reconciled:
        """Span number ``span`` (covering ``period``) after reconciliation."""
        start, end = self.bounds[span], self.bounds[span + 1]
        if span not in self._undecided:
            value = self._decided[span]
            flag = int(self._flag_codes[self._chosen[span]])
            reason, conflict = REASON_CODES[self._reason[span]], end - start > 1
        else:  # some figures agree: cluster them, this span alone
            rows = self._kept[start:end]
            decision = decide(self._figures(rows))
            chosen = int(rows[decision.chosen])
            value, flag = float(self._value[chosen]), int(self._flag_codes[chosen])
            reason, conflict = decision.reason, bool(decision.superseded)
        return Reconciled.deferred(
            period, value, self._qualifiers[flag], reason, conflict, self, span
        )

    def observed(
        self, span: int, period: Period
    ) -> tuple[Observation, tuple[Observation, ...], tuple[Observation, ...]]:
        """The observations behind a span's reconciled value (``reconcile_span`` decides again,
        on the observations themselves: the result is the same)."""
        index = self._kept[self.bounds[span] : self.bounds[span + 1]].tolist()
        rec = reconcile_span(period, [self._rows().observation(i) for i in index])
        return rec.chosen, rec.agreeing, rec.superseded

    def _rows(self) -> _Picked:
        """The frame's rows, read one at a time (made on first need)."""
        if self._picked is None:
            self._picked = _Picked(self.frame)
        return self._picked

    def single_dict(self, span: int, period: Period) -> dict[str, Any] | None:
        """The ``to_dict()`` of a span's one figure, read from its row (None: the span has
        several figures; ``observed`` gives them). ``reconcile_span`` chooses a figure
        alone as it is, with no other source and nothing superseded."""
        start = self.bounds[span]
        if self.bounds[span + 1] - start != 1:
            return None
        return self._rows().observation_dict(int(self._kept[start]))

    def lone_source(self, span: int, period: Period) -> LoneSource | None:
        """The ``where()`` and flags of a span's one source when it was decided in bulk (no
        two figures agree: the chosen one is its only source), read from its row without
        making observations; else None (``observed`` then)."""
        row = self._chosen[span]
        if row < 0:
            return None
        read = self._rows()
        return LoneSource(read.where(row), read.flags(row))

    def exact_dicts(
        self, key: SeriesKey, spans: Sequence[int], months: range
    ) -> list[dict[str, Any]] | None:
        """The ``signed_dict(1)`` of the exact answer of ``key`` over each single month
        ``months[i]`` (span ``spans[i]``), when each is one figure alone with no qualifier;
        else None. Such a span's reconciled figure is its row's (``reconcile_span``): its
        value, no qualifier, that row alone its source, nothing superseded."""
        bounds, kept, qualifiers, codes = (
            self.bounds,
            self._kept,
            self._qualifiers,
            self._flag_codes,
        )
        rows = []
        for span in spans:
            start = bounds[span]
            if bounds[span + 1] - start != 1:
                return None
            row = int(kept[start])
            if qualifiers[codes[row]]:
                return None
            rows.append(row)
        source = self._rows().observation_dict
        dicts: list[dict[str, Any]] = []
        for row, month in zip(rows, months, strict=True):
            out = answer_head(key, 1, month_iso(month), float(self._value[row]), EXACT, [], True)
            out["sources"] = [source(row)]
            dicts.append(out)
        return dicts

    def _figures(self, rows: NDArray[np.int64]) -> list[Figure]:
        """The rows as ``decide`` sees them (the same values as ``_rank`` of their observations)."""
        values, steps = self._value[rows].tolist(), self._step[rows].tolist()
        codes, published = self._flag_codes[rows].tolist(), self._published_codes[rows].tolist()
        return [
            Figure(
                value,
                step,
                (not self._qualifiers[code], not self._official[code], self._published[p], -step),
            )
            for value, step, code, p in zip(values, steps, codes, published, strict=True)
        ]


def _ints(values: NDArray[Any]) -> array[int]:
    """An ``array`` of int64 holding ``values``."""
    out = array("q")
    out.frombytes(np.ascontiguousarray(values, dtype=np.int64).tobytes())
    return out


class _Months(Mapping[int, int]):
    """``dict(zip(first[start:end], range(start, end)))`` for spans ``start:end`` of the
    index that are single months in order (the spans of a series of months alone: nearly
    every series of a bulk download): a month's span number found by bisection in the
    index's own ``first``, without a dict of them (about 80 bytes a month: 60 MB on dense
    1M). A run of months is found with two look-ups (``numbers``)."""

    __slots__ = ("end", "first", "start")

    def __init__(self, first: array[int], start: int, end: int) -> None:
        self.first, self.start, self.end = first, start, end

    def get(self, month: int, default: Any = None) -> Any:
        try:
            at = bisect_left(self.first, month, self.start, self.end)
        except TypeError:  # not a number: not a key (a dict of ints says so too)
            return default
        return at if at < self.end and self.first[at] == month else default

    def __getitem__(self, month: int) -> int:
        at = self.get(month)
        if at is None:
            raise KeyError(month)
        return cast(int, at)

    def __contains__(self, month: object) -> bool:
        return self.get(cast(int, month)) is not None

    def __iter__(self) -> Iterator[int]:
        return iter(self.first[self.start : self.end])

    def __len__(self) -> int:
        return self.end - self.start

    def numbers(self, months: range) -> range | None:
        """The span numbers of ``months`` (not empty, step 1), or None when one is not a
        month of the series: the months are consecutive where the last is as many spans
        on as it is months on (the spans' months rise)."""
        at = self.get(months[0])
        if at is None:
            return None
        last = at + len(months) - 1
        if last >= self.end or self.first[last] != months[-1]:
            return None
        return range(at, last + 1)


class LazySpans(Mapping[Period, Reconciled]):
    """One series' spans; a span is reconciled on first access.

    Equal to ``reconcile(records(part), include_flagged).spans`` (same spans, same
    order, same reconciled values) for the series' rows ``part`` of the frame,
    but a question about three spans of a long monthly series reconciles only
    those spans (see ``SpanIndex``). Single months are looked up by their month
    index, so a series of months makes no ``Period`` until it is iterated.
    """

    def __init__(self, index: SpanIndex | None, series: int) -> None:
        self._index = index
        # The single months among the spans → span number.
        self._months: dict[int, int] | _Months = {}
        self._longer: dict[Period, int] = {}  # the other spans → span number
        self._order: list[Period] | None = None  # every span in order, when not all months
        lasts: Sequence[int] = ()
        if index is not None and series >= 0:
            start, end = index.series_bounds[series], index.series_bounds[series + 1]
            firsts, lasts = index.first[start:end], index.last[start:end]
            numbers = range(start, end)
            if firsts == lasts:  # single months only: the usual monthly series
                self._months = _Months(index.first, start, end)
            else:
                self._order = []
                months: dict[int, int] = {}
                self._months = months
                for g, first, last in zip(numbers, firsts, lasts, strict=True):
                    if first == last:
                        months[first] = g
                        self._order.append(Period.month(first))
                    else:
                        period = Period(first, last)
                        self._longer[period] = g
                        self._order.append(period)
        self._done: dict[Period, Reconciled] = {}
        self.monthly = not self._longer
        self.end_years = frozenset({last // 12 for last in lasts})  # years spans end in

    def _number(self, period: Period) -> int | None:
        if period.first == period.last:
            return self._months.get(period.first)
        return self._longer.get(period)

    def __getitem__(self, period: Period) -> Reconciled:
        done = self._done.get(period)
        if done is None:
            span = self._number(period)
            if span is None:
                raise KeyError(period)  # a span the series does not have
            assert self._index is not None
            done = self._done[period] = self._index.reconciled(span, period)
        return done

    def __contains__(self, period: object) -> bool:
        return isinstance(period, Period) and self._number(period) is not None

    def month_values(self, months: range) -> list[float] | None:
        """The reconciled value of each month, or None if a month is not a span of the series.
        Equal to ``[self[Period.month(m)].value for m in months]``, without building the
        ``Reconciled`` of a month whose value was decided in bulk."""
        numbers = self._numbers(months)
        if numbers is None:
            return None
        assert self._index is not None
        values = self._index.bulk_values(numbers)
        if None not in values:
            return cast(list[float], values)
        # Some months are left to ``decide``, one by one.
        return [
            self[Period.month(m)].value if v is None else v
            for m, v in zip(months, values, strict=True)
        ]

    def month_dicts(self, key: SeriesKey, months: range) -> list[dict[str, Any]] | None:
        """``[Rules._exact(key, Period.month(m), self).signed_dict(1) for m in months]``
        where each month is one figure alone, not approximate (a bulk download's months):
        read from its row (``SpanIndex.exact_dicts``). None otherwise."""
        numbers = self._numbers(months)
        if numbers is None or self._index is None:
            return None
        return self._index.exact_dicts(key, numbers, months)

    def _numbers(self, months: range) -> Sequence[int] | None:
        """The span number of each of ``months``; None when one is not a span. (The
        rules ask only series of single months alone, ``monthly``, a run of months: a
        ``_Months``; the dict of a series with longer spans answers the same.)"""
        spans = self._months
        if not months:
            return []
        if type(spans) is _Months and months.step == 1:
            return spans.numbers(months)
        if months[-1] not in spans or months[0] not in spans:
            return None  # the usual gap: the span runs past the data's first or last month
        numbers = list(map(spans.get, months))
        return None if None in numbers else cast(list[int], numbers)

    def __iter__(self) -> Iterator[Period]:
        if self._order is None:
            return map(Period.month, self._months)
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._months) + len(self._longer)
