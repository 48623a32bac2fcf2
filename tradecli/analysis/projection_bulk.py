"""``project`` for the simple keys of a ``KeyYears`` (``engine.bulk``), all keys at once.

``projection.project_series`` asks the engine one span at a time: the year, the year
before, the year-to-date spans Jan..m of the year, and for the seasonal method up to
``HISTORY_YEARS`` earlier years with both Jan..m and the full year. For the keys whose
series are simple those spans are cells of the ``KeyYears`` arrays: here the cells are
found for every key with numpy (which year-to-date spans, which earlier years), and the
projections are worked out per span with the formulas of ``projection`` in the same
order, on the same floats, so every value is the one the scalar path computes, bit for
bit. The answers are ``BulkAnswer``s made once per cell (their derivation, for JSON and
``--explain``, is the reference engine's, made when looked at).
``tests/test_projection_bulk.py`` holds the results equal to the scalar path's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray

from tradecli.analysis.projection import (
    HISTORY_YEARS,
    METHODS,
    HistoryYear,
    Method,
    Projection,
    SeriesProjection,
    SpanProjections,
    _months_label,
    auto_choice,
    linear,
    seasonal,
    ytd_growth,
)
from tradecli.analysis.summary_bulk import (
    Lazy,
    YearAnswers,
    last_where,
    not_found,
)
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.periods import Period

Ints = NDArray[np.int64]


class _Cells:
    """The ``BulkAnswer`` of each (row, months) of a ``KeyYears`` asked for, made once
    (``Made.cell``); each cell read from the arrays as a Python number when asked (copied
    out as lists, 12 objects a row, 40,000 rows of a dense 10M file held 54 MB)."""

    def __init__(self, answers: YearAnswers) -> None:
        self.ky = answers.ky
        self.cell = answers.made.cell
        self.flag_words = answers.made.columns.flag_words
        self.made: dict[tuple[int, int], Answer] = {}

    def year(self, row: int) -> int:
        return int(self.ky.year[row])

    def value(self, row: int, at: int) -> float:
        """Row ``row``'s Jan..``at + 1``."""
        return float(self.ky.value[row, at])

    def flags(self, row: int, at: int) -> int:
        """The flag bits of row ``row``'s Jan..``at + 1``."""
        return int(self.ky.flags[row, at])

    def answer(self, key: SeriesKey, row: int, months: int) -> Answer:
        """Jan..``months`` of row ``row``'s year (found), as ``Made.answer`` makes it."""
        found = self.made.get((row, months))
        if found is None:
            found = self.made[(row, months)] = self.cell(key, row, months)
        return found


def project_simple(
    answers: YearAnswers,
    keys: Sequence[SeriesKey],
    year: int,
    method: Method,
    complete: bool = False,
    within: tuple[int, int] | None = None,
) -> dict[SeriesKey, SeriesProjection | str]:
    """``project_series(answers, key, year, method, answers.plan(key))`` for every simple
    key of ``keys`` (those of ``answers.number``), from the arrays (``complete``: only the
    keys with the year's own figure, as the backtest takes them; ``within``: only the
    keys numbered ``lo <= k < hi``, whose rows alone are looked at)."""
    ky = answers.ky
    lo, hi = within if within is not None else (0, len(ky.bounds) - 1)
    n_keys = hi - lo
    # The rows of keys lo..hi, numbered from 0 here: made absolute (+ ``first_row``) for
    # the cells, which read the whole arrays.
    first_row = int(ky.bounds[lo])
    rows = slice(first_row, int(ky.bounds[hi]))
    found, bounds = ky.found[rows], ky.bounds[lo : hi + 1] - first_row
    key_of = np.repeat(np.arange(n_keys, dtype=np.int64), np.diff(bounds))
    row_y = last_where(ky.year[rows] == year, key_of, n_keys)
    row_p = last_where(ky.year[rows] == year - 1, key_of, n_keys)
    has = row_y >= 0
    found_y = np.zeros((n_keys, 12), dtype=bool)
    found_y[has] = found[row_y[has]]
    actual = found_y[:, 11].copy()
    below = found_y[:, :11]
    # The spans projected: every Jan..m (m < 12) found when the year has its figure, else
    # the longest alone (``ytd_spans(longest=not actual.found)``).
    take = below.copy()
    shorten = np.flatnonzero(~actual & below.any(axis=1))
    longest = 10 - np.argmax(below[shorten, ::-1], axis=1)
    take[shorten] = False
    take[shorten, longest] = True
    span_key, span_col = np.nonzero(take)  # by key, then shortest first
    span_row = row_y[span_key]
    history = _history(found, ky.value[rows], bounds[span_key], span_row, span_col)
    cells = _Cells(answers)
    prev_found = np.zeros(n_keys, dtype=bool)
    prev = row_p >= 0
    prev_found[prev] = found[row_p[prev], 11]
    prev_ytd = np.zeros((n_keys, 12), dtype=bool)
    prev_ytd[prev] = found[row_p[prev]]
    row_y, row_p, history = (np.where(a >= 0, a + first_row, -1) for a in (row_y, row_p, history))

    starts = np.searchsorted(span_key, np.arange(n_keys + 1)).tolist()
    span_cols, history_rows = span_col.tolist(), history.tolist()
    row_y_of, row_p_of = row_y.tolist(), row_p.tolist()
    actual_of, prev_found_of = actual.tolist(), prev_found.tolist()
    prev_ytd_of = prev_ytd.tolist()
    key_rows, years = (bounds + first_row).tolist(), ky.year
    engine, words = answers.engine, cells.flag_words
    out: dict[SeriesKey, SeriesProjection | str] = {}
    for key in keys:
        k = answers.number.get(key, -1) - lo
        if not 0 <= k < n_keys:
            continue
        if complete and not actual_of[k]:
            continue
        first, end = starts[k], starts[k + 1]
        if not actual_of[k] and first == end:
            shown = ", ".join(map(str, years[key_rows[k] : key_rows[k + 1]][-8:].tolist()))
            out[key] = (
                f"no figure for {year} or any of its year-to-date spans; years in the data: "
                f"{shown or 'none'}"
            )
            continue
        last_full = (
            cells.answer(key, row_p_of[k], 12)
            if prev_found_of[k]
            else not_found(engine, key, Period.year(year - 1))
        )
        row, before = row_y_of[k], row_p_of[k]
        spans = []
        for i in range(first, end):
            months = span_cols[i] + 1
            basis = cells.answer(key, row, months)
            bits = cells.flags(row, months - 1)
            if prev_found_of[k]:
                bits |= cells.flags(before, 11)
            if prev_ytd_of[k][months - 1]:
                base_ytd = cells.answer(key, before, months)
                base_bits = cells.flags(before, months - 1)
            else:
                base_ytd = not_found(engine, key, Period.ytd(year - 1, months))
                base_bits = 0
            earlier = [r for r in history_rows[i] if r >= 0]
            history_bits = 0
            for r in earlier:
                history_bits |= cells.flags(r, months - 1) | cells.flags(r, 11)
            inputs = _Inputs(
                basis,
                last_full,
                base_ytd,
                Lazy(partial(_history_year, cells, key, earlier, months), len(earlier))
                if earlier
                else (),
                [cells.value(r, months - 1) / cells.value(r, 11) for r in earlier],
                [cells.year(r) for r in earlier],
                {
                    Method.linear: words(bits),
                    Method.seasonal: words(bits | history_bits),
                    Method.ytd_growth: words(bits | base_bits),
                },
            )
            spans.append(_project_span(inputs, method))
        out[key] = SeriesProjection(
            key,
            year,
            method,
            cells.answer(key, row_y_of[k], 12) if actual_of[k] else None,
            last_full if prev_found_of[k] else None,
            tuple(spans),
        )
    return out


def _history(
    found: NDArray[np.bool_], value: NDArray[np.float64], lowest: Ints, row: Ints, col: Ints
) -> Ints:
    """Per span (its key's first row ``lowest``, its year's row ``row``, Jan..``col`` + 1):
    the rows of up to ``HISTORY_YEARS`` earlier years, latest first, with Jan..m and the
    full year both found and above 0 (``seasonal_history``); -1 past the last."""
    n = len(row)
    out = np.full((n, HISTORY_YEARS), -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    back = 1
    while True:
        earlier = row - back
        open_ = (earlier >= lowest) & (count < HISTORY_YEARS)
        if not open_.any():
            return out
        at = np.flatnonzero(open_)
        r, c = earlier[at], col[at]
        full, ytd = value[r, 11], value[r, c]
        ok = found[r, 11] & found[r, c] & (full > 0) & (ytd > 0)
        at, r = at[ok], r[ok]
        out[at, count[at]] = r
        count[at] += 1
        back += 1


def _history_year(
    cells: _Cells, key: SeriesKey, rows: list[int], months: int, i: int
) -> HistoryYear:
    """The ``i``-th earlier year of a span's history (rows ``rows``)."""
    return HistoryYear(cells.answer(key, rows[i], months), cells.answer(key, rows[i], 12))


class _Projection(Projection):
    """A projection from the arrays: every input is an exact figure (``BulkAnswer``s,
    which never hold an approximate one), so none is looked at for its qualifiers."""

    @property
    def qualifiers(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class _Inputs:
    """What the methods need of one span: the answers, the history (made when looked
    at), its shares and years, and the flag words of each method's inputs."""

    basis: Answer
    last_full: Answer
    base_ytd: Answer
    history: Sequence[HistoryYear]
    shares: list[float]
    years: list[int]
    flags: dict[Method, tuple[str, ...]]


def _project_span(inputs: _Inputs, method: Method) -> SpanProjections:
    """``project_span``, with the spans it asks for given."""
    basis = inputs.basis
    if method is not Method.auto:
        p = _projection(inputs, method)
        return SpanProjections(basis, (p,), p, f"{method} (asked for)")
    by_method = tuple(_projection(inputs, m) for m in METHODS)
    return auto_choice(basis, by_method, inputs.years)


def _projection(inputs: _Inputs, method: Method) -> Projection:
    """``project_from``, with the spans it asks for given (``flag_words``: from the
    bitmasks)."""
    basis, last_full, words = inputs.basis, inputs.last_full, inputs.flags[method]
    assert basis.value is not None
    months = basis.period.n_months
    if method is Method.linear:
        value = linear(basis.value, months)
        return _Projection(method, basis, value, last_full, flag_words=words)
    if method is Method.seasonal:
        if not inputs.shares:
            return _Projection(
                method,
                basis,
                None,
                last_full,
                reason=f"no earlier year has both {_months_label(months)} and its full year",
                flag_words=words,
            )
        value, low, high = seasonal(basis.value, inputs.shares)
        return _Projection(
            method, basis, value, last_full, low, high, inputs.history, flag_words=words
        )
    base_ytd = inputs.base_ytd
    year = basis.period.start_year
    reason = ""
    if not last_full.found:
        reason = f"no {year - 1} total"
    elif not base_ytd.found or not base_ytd.value:
        reason = f"no {base_ytd.period.label()} figure"
    if reason:
        return _Projection(
            method, basis, None, last_full, base_ytd=base_ytd, reason=reason, flag_words=words
        )
    assert last_full.value is not None and base_ytd.value is not None
    value = ytd_growth(basis.value, base_ytd.value, last_full.value)
    return _Projection(method, basis, value, last_full, base_ytd=base_ytd, flag_words=words)
