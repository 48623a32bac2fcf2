"""``project YEAR --backtest`` for the simple keys of a ``YearAnswers``, from its arrays.

The backtest projects every complete year up to YEAR from each of its year-to-date
spans Jan..m by each method, and sums the errors against the year's actual up by
months covered (``projection.backtest_series``, ``backtest_errors``). The scalar path
makes a ``SeriesProjection`` per series and year, a ``Projection`` per span and method:
1.2 million objects on a whole file of 16,000 series. Here the same numbers are worked
out over arrays, one row per span: the projections with the formulas of ``projection``
in the same order on the same floats (``projection_bulk`` finds the same cells), the
errors, and their means with ``exact_means`` (``exact_mean``'s, bit for bit). The
report's records are made straight from them. A key any of whose errors is not finite
is left to the scalar path (``rest``), as are the keys the arrays do not take.

The ``SeriesProjection``s themselves are made only when looked at (``Tested``: the JSON
payload and ``--explain`` show them). ``tests/test_projection_bulk.py`` holds the
output equal to the scalar path's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

from tradecli.analysis.exact_means import exact_means
from tradecli.analysis.projection import METHODS, Method, SeriesProjection
from tradecli.analysis.projection_bulk import _history
from tradecli.analysis.projection_report import backtest_record, tested_years
from tradecli.analysis.summary_bulk import YearAnswers
from tradecli.engine.answers import SeriesKey

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class SimpleBacktest:
    """The backtest of the simple keys: each key's records (``ProjectionReport``'s
    ``backtest_records``, by months covered, then method), each tested key's largest
    actual (the table's order), how many series-years were tested, and the keys left
    to the scalar path (errors not finite)."""

    records: dict[SeriesKey, list[dict[str, Any]]]
    largest: dict[SeriesKey, float]
    n_tested: int
    rest: list[SeriesKey] = field(default_factory=list)
    # The series-years tested of the keys the arrays did not take, and of ``rest``.
    others: list[SeriesProjection] = field(default_factory=list)


class Tested(Sequence[SeriesProjection]):
    """The series-years tested, made by ``make`` when first looked at."""

    def __init__(self, make: Callable[[], list[SeriesProjection]]) -> None:
        self._make: Callable[[], list[SeriesProjection]] | None = make
        self._items: list[SeriesProjection] = []

    def _made(self) -> list[SeriesProjection]:
        if self._make is not None:
            self._items, self._make = self._make(), None
        return self._items

    def __len__(self) -> int:
        return len(self._made())

    @overload
    def __getitem__(self, index: int) -> SeriesProjection: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[SeriesProjection]: ...

    def __getitem__(self, index: int | slice) -> SeriesProjection | Sequence[SeriesProjection]:
        return self._made()[index]

    def __iter__(self) -> Iterator[SeriesProjection]:
        return iter(self._made())


@dataclass(frozen=True)
class _Spans:
    """One row per span tested (a key's year ``row``, Jan..``col`` + 1)."""

    key: Ints
    row: Ints
    col: Ints
    year: Ints
    actual: Floats
    actual_bits: Ints


def simple_backtest(
    answers: YearAnswers, keys: Sequence[SeriesKey], year: int, method: Method
) -> SimpleBacktest:
    """``backtest_series`` and the report's records for the simple keys of ``keys``."""
    ky = answers.ky
    n_keys = len(ky.bounds) - 1
    key_of = np.repeat(np.arange(n_keys, dtype=np.int64), np.diff(ky.bounds))
    wanted = np.zeros(n_keys, dtype=bool)
    number = [answers.number[k] for k in keys if k in answers.number]
    wanted[number] = True
    below = ky.found[:, :11]
    # A year is tested when it has its figure and a year-to-date span below it.
    tested = wanted[key_of] & (ky.year <= year) & ky.found[:, 11] & below.any(axis=1)
    row, col = np.nonzero(below & tested[:, None])  # by key and year, shortest first
    flags = ky.flags.astype(np.int64)
    spans = _Spans(key_of[row], row, col, ky.year[row], ky.value[row, 11], flags[row, 11])
    methods = [m for m in METHODS if method in (Method.auto, m)]
    parts = [_errors(ky.found, ky.value, flags, ky.bounds, ky.year, spans, m) for m in methods]
    err = np.concatenate([p[0] for p in parts])
    valid = np.concatenate([p[1] for p in parts])
    bits = np.concatenate([p[2] for p in parts]) | np.tile(spans.actual_bits, len(methods))
    which = np.repeat(np.arange(len(methods), dtype=np.int64), len(row))
    k, c, y = (np.tile(a, len(methods)) for a in (spans.key, spans.col, spans.year))
    rest = np.unique(k[valid & ~np.isfinite(err)])
    valid &= ~np.isin(k, rest)
    k, c, y, which, err, bits = (a[valid] for a in (k, c, y, which, err, bits))
    order = np.lexsort((y, which, c, k))
    k, c, y, which, err, bits = (a[order] for a in (k, c, y, which, err, bits))
    names = {number: key for key, number in answers.number.items()}
    records = _records(answers, names, k, c, y, which, err, bits, [str(m) for m in methods])
    largest: dict[SeriesKey, float] = {}
    tested_rows = np.flatnonzero(tested & ~np.isin(key_of, rest))
    if len(tested_rows):
        tested_keys = key_of[tested_rows]
        starts = np.flatnonzero(np.r_[True, tested_keys[1:] != tested_keys[:-1]])
        most = np.maximum.reduceat(ky.value[tested_rows, 11], starts)
        for key, size in zip(tested_keys[starts].tolist(), most.tolist(), strict=True):
            largest[names[key]] = size or 0.0  # ``_largest``: 0.0 for no value
    return SimpleBacktest(records, largest, len(tested_rows), [names[key] for key in rest.tolist()])


def _errors(
    found: NDArray[np.bool_],
    value: Floats,
    flags: Ints,
    bounds: Ints,
    years: Ints,
    spans: _Spans,
    method: Method,
) -> tuple[Floats, NDArray[np.bool_], Ints]:
    """Per span, one method's error against the actual (``SeriesProjection.error``),
    whether there is one, and the flag bits of the projection's inputs."""
    row, col = spans.row, spans.col
    ytd = value[row, col]
    before = row - 1  # the year before, when the key has it: the row below
    has_before = (before >= bounds[spans.key]) & (years[np.maximum(before, 0)] == spans.year - 1)
    before = np.where(has_before, before, 0)
    last_found = has_before & found[before, 11]
    bits = flags[row, col] | np.where(last_found, flags[before, 11], 0)
    with np.errstate(all="ignore"):
        if method is Method.linear:
            projected = ytd * 12 / (col + 1)
            computable = np.ones(len(row), dtype=bool)
        elif method is Method.seasonal:
            history = _history(found, value, bounds[spans.key], row, col)
            used = history >= 0
            counts = used.sum(axis=1)
            computable = counts > 0
            at = np.where(used, history, 0)
            shares = np.where(used, value[at, col[:, None]] / value[at, 11], 0.0)
            projected = np.full(len(row), np.nan)
            projected[computable] = ytd[computable] / exact_means(
                shares[computable], counts[computable]
            )
            for j in range(history.shape[1]):
                bits |= np.where(used[:, j], flags[at[:, j], col] | flags[at[:, j], 11], 0)
        else:
            base_found = has_before & found[before, col]
            base = value[before, col]
            computable = last_found & base_found & (base != 0)
            projected = value[before, 11] * ytd / base
            bits |= np.where(base_found, flags[before, col], 0)
        error = projected / spans.actual - 1
    return error, computable & (spans.actual != 0), bits


def _records(
    answers: YearAnswers,
    names: dict[int, SeriesKey],
    k: Ints,
    c: Ints,
    y: Ints,
    which: Ints,
    err: Floats,
    bits: Ints,
    methods: list[str],
) -> dict[SeriesKey, list[dict[str, Any]]]:
    """The records of the errors (sorted by key, months, method, year), one per group
    (``names``: each key's number to its series)."""
    out: dict[SeriesKey, list[dict[str, Any]]] = {}
    if not len(k):
        return out
    new = np.r_[True, (k[1:] != k[:-1]) | (c[1:] != c[:-1]) | (which[1:] != which[:-1])]
    starts = np.flatnonzero(new)
    counts = np.diff(np.r_[starts, len(k)])
    width = int(counts.max())
    at = np.arange(len(k)) - np.repeat(starts, counts)
    group = np.repeat(np.arange(len(starts)), counts)
    errors = np.zeros((len(starts), width))
    errors[group, at] = err
    sizes = np.abs(err)
    mean_absolute = exact_means(np.abs(errors), counts).tolist()
    mean = exact_means(errors, counts).tolist()
    low = np.minimum.reduceat(sizes, starts).tolist()
    high = np.maximum.reduceat(sizes, starts).tolist()
    used = np.bitwise_or.reduceat(bits, starts).tolist()
    years = y.tolist()
    words = answers.made.columns.flag_words
    flag_text: dict[int, str] = {}
    spans: dict[tuple[int, ...], tuple[str, str]] = {}
    for g, (key, col, m, first, n) in enumerate(
        zip(
            k[starts].tolist(),
            c[starts].tolist(),
            which[starts].tolist(),
            starts.tolist(),
            counts.tolist(),
            strict=True,
        )
    ):
        tested = tuple(years[first : first + n])
        listed = spans.get(tested) or spans.setdefault(tested, tested_years(tested))
        text = flag_text.get(used[g])
        if text is None:
            text = flag_text[used[g]] = ";".join(sorted(words(used[g])))
        name = names[key]
        figures = (mean_absolute[g], low[g], high[g], mean[g])
        # The arrays never hold an approximate figure.
        record = backtest_record(name, listed, figures, False, text, methods[m], col + 1, n)
        out.setdefault(name, []).append(record)
    return out
