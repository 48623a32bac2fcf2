"""A ranking's span search from the columns, for all simple keys at once.

``rankings.rank`` asks of every series its spans (``growth.spans_of``), the latest of them
where its measure can be worked out, and, over the ranking's span, its value (and for a
change the same span a year before): per key through the reference, tens of thousands
of questions on a sparse file. For keys whose series are simple (``Columns.simple``) the
grid of ``analysis.span_cells`` holds every span they can have: here, per key and span,
whether the span is one of the key's own and whether the measure can be worked out
there (``value``: a value; ``change``: a value and, 24 columns back, the same span a year
before, found and not zero), and, over the ranking's span, the reference's answers
(``span_cells.answer``). A ranking by share takes only each key's spans and reach from
here (``own_spans``): a whole's total per key and span is the engine's. Keys that are not
simple and spans the grid does not hold are left to the reference. Keys of single months
alone (most of a sparse file's) are searched on grids of months (their own spans are
months): the years' arrays of their Jan..m spans are made only for a ranking over one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tradecli.analysis.span_cells import (
    YEAR,
    Bools,
    answer,
    column_of,
    computable,
    grids,
    last_true,
    span,
)
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.bulk import Columns
from tradecli.engine.reference import Engine
from tradecli.periods import Period


@dataclass(frozen=True)
class SpanSearch:
    """The simple keys of a ranking (``keys``: those of single months alone first, each
    kind in the order given) over the grid.

    ``latest``: each key's latest span (``spans_of(...)[-1]``; None: none); ``best``: how
    many keys have each span as the latest where their measure can be worked out;
    ``measured``: per key (row) and span (column), whether it can; of the first
    ``months_alone`` keys (single months alone, searched on grids of months) over their
    months only, their Jan..m columns worked out when asked (``measured_at``)."""

    columns: Columns
    keys: list[SeriesKey]
    latest: list[Period | None]
    best: Counter[Period]
    measured: Bools
    change: bool = False
    months_alone: int = 0

    def count(self, period: Period) -> int | None:
        """How many of the keys have the measure over ``period``; None when the grid does
        not hold the span."""
        c = column_of(self.columns, period)
        return None if c is None else int(self.measured_at(c).sum())

    def measured_at(self, c: int) -> Bools:
        """Per key, whether its measure can be worked out over span ``c``. A Jan..m span
        of the keys of single months alone (tiled from their months) is read off their
        full grids, made again for it: a ranking's span is most often a month."""
        column = self.measured[:, c]
        if c % 2 == 0 or not self.months_alone:
            return column
        column = column.copy()
        at = 0
        for keys, cells, _ in grids(self.columns, self.keys[: self.months_alone]):
            ok = computable(cells)[:, c] if self.change else cells.found[:, c]
            column[at : at + len(keys)] = ok
            at += len(keys)
        return column

    def candidates(
        self, engine: Engine, period: Period, change: bool
    ) -> dict[SeriesKey, tuple[Answer, Answer | None]] | None:
        """The keys whose measure can be worked out over ``period``, with their answer
        over it and (``change``) over the same span a year before; None when the grid
        does not hold the span."""
        c = column_of(self.columns, period)
        if c is None:
            return None
        rows = np.flatnonzero(self.measured_at(c))
        out: dict[SeriesKey, tuple[Answer, Answer | None]] = {}
        # Over a month (and the month a year before) the keys of single months alone are
        # read off grids of months, as they were searched.
        alone = rows < self.months_alone if c % 2 == 0 else np.zeros(len(rows), dtype=bool)
        for months_only in (True, False):
            keys_of = [self.keys[r] for r in rows[alone == months_only].tolist()]
            for keys, cells, simple in grids(self.columns, keys_of, months_only=months_only):
                assert bool(simple.all()), "keys that are not simple"
                for i, key in enumerate(keys):
                    value = answer(engine, self.columns, key, cells, i, c)
                    base = answer(engine, self.columns, key, cells, i, c - YEAR) if change else None
                    out[key] = (value, base)
        return out


def span_search(
    engine: Engine, columns: Columns, keys: Sequence[SeriesKey], change: bool
) -> SpanSearch | None:
    """The ``SpanSearch`` of the simple keys among ``keys`` for a ranking by value or
    (``change``) by like-for-like change; None when none is simple. The keys of single
    months alone first, on grids of months (``key_cells(months_only=True)``): their own
    spans are months."""
    simple_keys: list[SeriesKey] = []
    latest: list[Period | None] = []
    best: Counter[Period] = Counter()
    measured: list[Bools] = []
    monthly = columns.kinds(keys)[2].tolist()
    months_alone = 0
    for months_only in (True, False):
        chosen = [key for key, m in zip(keys, monthly, strict=True) if m == months_only]
        for chunk, cells, simple in grids(columns, chosen, months_only=months_only):
            own = cells.candidate[simple]
            ok = computable(cells)[simple] if change else cells.found[simple]
            measured.append(ok)
            latest_at = last_true(own).tolist()
            best_at = last_true(own & ok).tolist() if change else latest_at
            simple_keys.extend(key for key, s in zip(chunk, simple.tolist(), strict=True) if s)
            latest.extend(span(columns, c) if c >= 0 else None for c in latest_at)
            best.update(span(columns, c) for c in best_at if c >= 0)
        if months_only:
            months_alone = len(simple_keys)
    if not simple_keys:
        return None
    found = np.concatenate(measured)
    return SpanSearch(columns, simple_keys, latest, best, found, change, months_alone)


def own_spans(
    columns: Columns, keys: Sequence[SeriesKey]
) -> dict[SeriesKey, tuple[list[Period], tuple[int, int]]]:
    """For each simple key of ``keys``: its spans (``growth.spans_of``, in its order) and
    the first and last month of any figure of it, of turnover also of its export and
    import (``rankings._reach``; (1, 0): none). A ranking by share asks the engine for
    each span's whole, but not for the spans."""
    # The first and last month of each simple series: of a year-row, its first month
    # figure (January with a Jan..m figure) and its last month or Jan..m figure.
    n_rows = len(columns.row_year)
    at = np.arange(12)
    cum = np.broadcast_to(columns.cum_present, (n_rows, 12))
    has_cum = cum.any(axis=1)
    first_in_row = np.where(has_cum, 0, np.where(columns.present, at, 12).min(axis=1))
    last_in_row = np.where(columns.present | cum, at, -1).max(axis=1)
    base = columns.row_year.astype(np.int64) * 12
    counts = np.diff(columns.row_bounds)
    has = np.flatnonzero(counts > 0)
    series_first = np.ones(len(counts), dtype=np.int64)
    series_last = np.zeros(len(counts), dtype=np.int64)
    if len(has):
        starts = columns.row_bounds[has]
        series_first[has] = np.minimum.reduceat(base + first_in_row, starts)
        series_last[has] = np.maximum.reduceat(base + last_in_row, starts)
    first_list, last_list = series_first.tolist(), series_last.tolist()
    with_rows = (counts > 0).tolist()  # a series whose rows were all left out has none
    periods = [span(columns, c) for c in range(2 * columns.n_months)]
    out: dict[SeriesKey, tuple[list[Period], tuple[int, int]]] = {}
    for chunk, cells, simple in grids(columns, keys):
        for i in np.flatnonzero(simple).tolist():
            key = chunk[i]
            roles = columns.roles(key, months_only=False)
            assert roles is not None
            numbers = [n for n in roles if n >= 0 and with_rows[n]]
            reach = (
                (min(first_list[n] for n in numbers), max(last_list[n] for n in numbers))
                if numbers
                else (1, 0)
            )
            spans = [periods[c] for c in np.flatnonzero(cells.candidate[i]).tolist()]
            out[key] = (spans, reach)
    return out
