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
payload and ``--explain`` show them), a block of keys at a time, and let go once shown;
the JSON's errors are read from the arrays (``Errors``), worked out again for it.
``tests/test_projection_bulk.py`` holds the output equal to the scalar path's.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

from tradecli.analysis.exact_means import exact_means
from tradecli.analysis.projection import METHODS, BacktestError, Method, SeriesProjection
from tradecli.analysis.projection_bulk import _history
from tradecli.analysis.projection_report import backtest_record, tested_years
from tradecli.analysis.summary_bulk import YearAnswers
from tradecli.engine.answers import SeriesKey
from tradecli.json_text import Each

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
    # The arrays' errors, worked out when asked (the JSON's).
    errors: Callable[[], Errors]
    rest: list[SeriesKey] = field(default_factory=list)
    # The series-years tested of the keys the arrays did not take, and of ``rest``.
    others: list[SeriesProjection] = field(default_factory=list)

    def error_dicts(self, others: list[BacktestError]) -> Each:
        """The JSON's errors (``BacktestError.to_dict()`` of ``backtest_errors`` of every
        series-year tested, in its order): the arrays' from the arrays, each made as it
        is written, and ``others`` (those of ``self.others``), by series."""
        made = self.errors()
        by_key: dict[SeriesKey, Ints] = dict(made.by_key())
        for key, group in itertools.groupby(range(len(others)), key=lambda i: others[i].key):
            # A key is in the arrays or in ``others``, never both (``rest`` is taken out).
            by_key[key] = -1 - np.fromiter(group, dtype=np.int64)
        order = [by_key[key] for key in sorted(by_key)]
        items = np.concatenate(order) if order else np.zeros(0, dtype=np.int64)

        def one(i: int) -> dict[str, Any]:
            return others[-1 - i].to_dict() if i < 0 else made.to_dict(i)

        return Each(items.tolist(), one)


@dataclass(frozen=True)
class Errors:
    """The errors of the arrays' keys: one group per key, months covered and method (in
    that order, the keys by number), each with its years and errors (in the order of the
    years) and their means."""

    names: dict[int, SeriesKey]
    methods: list[str]
    key: Ints  # per group: the key's number, months covered - 1, the method's index,
    col: Ints  # and where its years and errors start
    which: Ints
    starts: Ints
    year: NDArray[np.int16]  # per error
    error: Floats
    mean_absolute: Floats  # per group
    mean: Floats

    def by_key(self) -> Iterator[tuple[SeriesKey, Ints]]:
        """Each key with the numbers of its groups."""
        if not len(self.key):
            return
        starts = np.flatnonzero(np.r_[True, self.key[1:] != self.key[:-1]])
        ends = [*starts[1:].tolist(), len(self.key)]
        for start, end in zip(starts.tolist(), ends, strict=True):
            yield self.names[int(self.key[start])], np.arange(start, end, dtype=np.int64)

    def to_dict(self, g: int) -> dict[str, Any]:
        """Group ``g`` as ``BacktestError.to_dict()`` makes it."""
        start = int(self.starts[g])
        end = int(self.starts[g + 1]) if g + 1 < len(self.starts) else len(self.error)
        return {
            **self.names[int(self.key[g])].to_dict(),
            "months": int(self.col[g]) + 1,
            "method": self.methods[int(self.which[g])],
            "years": self.year[start:end].tolist(),
            "errors": self.error[start:end].tolist(),
            "mean_absolute_error": float(self.mean_absolute[g]),
            "mean_error": float(self.mean[g]),
        }


class Tested(Sequence[SeriesProjection]):
    """The series-years tested, ``count`` of them: made by ``make`` each time they are
    iterated, and not held (the JSON of a whole file's backtest writes each as it is
    made; all made at once, dense 1M's held 3.4 GB). Indexed (the API: ``[i]``,
    ``reversed``, ``in``), they are made once and kept from then on, so that a loop by
    index is not quadratic and ``[i]`` is the same object each time."""

    def __init__(self, make: Callable[[], Iterable[SeriesProjection]], count: int) -> None:
        self._make = make
        self._count = count
        self._items: list[SeriesProjection] | None = None

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> SeriesProjection: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[SeriesProjection]: ...

    def __getitem__(self, index: int | slice) -> SeriesProjection | Sequence[SeriesProjection]:
        if self._items is None:
            self._items = list(self._make())
        return self._items[index]

    def __iter__(self) -> Iterator[SeriesProjection]:
        return iter(self._items if self._items is not None else self._make())


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
    found = _found(answers, keys, year, method)
    errors, names, ky = found.errors, found.errors.names, answers.ky
    records = _records(answers, errors, found.bits)
    largest: dict[SeriesKey, float] = {}
    key_of = found.key_of
    tested_rows = np.flatnonzero(found.tested & ~np.isin(key_of, found.rest))
    if len(tested_rows):
        tested_keys = key_of[tested_rows]
        starts = np.flatnonzero(np.r_[True, tested_keys[1:] != tested_keys[:-1]])
        most = np.maximum.reduceat(ky.value[tested_rows, 11], starts)
        for key, size in zip(tested_keys[starts].tolist(), most.tolist(), strict=True):
            largest[names[key]] = size or 0.0  # ``_largest``: 0.0 for no value
    rest_keys = [names[key] for key in found.rest.tolist()]
    # The errors themselves only for JSON: worked out again then (1 s of a dense 1M
    # file's 80 s), not held through every command's output (50 MB).
    again = partial(_again, answers, keys, year, method)
    return SimpleBacktest(records, largest, len(tested_rows), again, rest_keys)


def _again(answers: YearAnswers, keys: Sequence[SeriesKey], year: int, method: Method) -> Errors:
    return _found(answers, keys, year, method).errors


@dataclass(frozen=True)
class _Found:
    """The errors of the simple keys, with the flag bits of each error's inputs, each
    row's key and whether it is a year tested, and the keys left to the scalar path."""

    errors: Errors
    bits: Ints
    key_of: Ints
    tested: NDArray[np.bool_]
    rest: Ints


def _found(answers: YearAnswers, keys: Sequence[SeriesKey], year: int, method: Method) -> _Found:
    """The errors of every series-year tested of the simple keys of ``keys``."""
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
    errors = _grouped(names, [str(m) for m in methods], k, c, y, which, err)
    return _Found(errors, bits, key_of, tested, rest)


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


def _grouped(
    names: dict[int, SeriesKey],
    methods: list[str],
    k: Ints,
    c: Ints,
    y: Ints,
    which: Ints,
    err: Floats,
) -> Errors:
    """The errors (sorted by key, months, method, year) in their groups, with the means
    of each (``BacktestError``'s, bit for bit)."""
    if not len(k):
        return Errors(names, methods, k, c, which, k, y.astype(np.int16), err, err, err)  # empty
    new = np.r_[True, (k[1:] != k[:-1]) | (c[1:] != c[:-1]) | (which[1:] != which[:-1])]
    starts = np.flatnonzero(new)
    counts = np.diff(np.r_[starts, len(k)])
    at = np.arange(len(k)) - np.repeat(starts, counts)
    group = np.repeat(np.arange(len(starts)), counts)
    errors = np.zeros((len(starts), int(counts.max())))
    errors[group, at] = err
    return Errors(
        names,
        methods,
        k[starts],
        c[starts],
        which[starts],
        starts,
        y.astype(np.int16),
        err,
        exact_means(np.abs(errors), counts),
        exact_means(errors, counts),
    )


def _records(
    answers: YearAnswers, errors: Errors, bits: Ints
) -> dict[SeriesKey, list[dict[str, Any]]]:
    """The records of the errors, one per group."""
    out: dict[SeriesKey, list[dict[str, Any]]] = {}
    starts = errors.starts
    if not len(starts):
        return out
    counts = np.diff(np.r_[starts, len(errors.error)])
    sizes = np.abs(errors.error)
    mean_absolute, mean = errors.mean_absolute.tolist(), errors.mean.tolist()
    low = np.minimum.reduceat(sizes, starts).tolist()
    high = np.maximum.reduceat(sizes, starts).tolist()
    used = np.bitwise_or.reduceat(bits, starts).tolist()
    years = errors.year.tolist()
    words = answers.made.columns.flag_words
    flag_text: dict[int, str] = {}
    spans: dict[tuple[int, ...], tuple[str, str]] = {}
    for g, (key, col, m, first, n) in enumerate(
        zip(
            errors.key.tolist(),
            errors.col.tolist(),
            errors.which.tolist(),
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
        name = errors.names[key]
        figures = (mean_absolute[g], low[g], high[g], mean[g])
        # The arrays never hold an approximate figure.
        record = backtest_record(name, listed, figures, False, text, errors.methods[m], col + 1, n)
        out.setdefault(name, []).append(record)
    return out
