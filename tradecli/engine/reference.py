"""The reference backend: today's reconcile-and-resolve over an observation frame.

``Engine`` is the span rules (``rules.Rules``) with memoisation (``memo.Memo``) over
a store that groups the frame by series once and reconciles each span when a rule
first looks at it (``spans.SpanIndex``, ``spans.LazySpans``). It answers one series
and one span at a time, with the full derivation: it is the semantics, what
``--explain`` shows, and what every other backend is checked against.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tradecli.engine.answers import EXACT, Answer, SeriesKey
from tradecli.engine.memo import Memo
from tradecli.engine.spans import LazySpans, SpanIndex
from tradecli.observations import RowSource, records
from tradecli.periods import Period
from tradecli.reconcile import SpanTable, reconcile

NAME = "reference"


# Rows turned into Python values at a time by ``Engine.tables`` (a few hundred MB).
BATCH_ROWS = 250_000


@dataclass
class Engine(Memo):
    """Answers questions about the series in an observation frame.

    ``frame`` is the loaded observation table; filters (vintage, as-of, left-out
    sources) are applied by ``Dataset`` before the frame reaches the engine.
    """

    frame: pd.DataFrame
    include_flagged: bool = False
    group_codes: frozenset[str] = frozenset()
    _row_index: dict[SeriesKey, Any] | None = field(default=None, init=False, repr=False)
    _tables: dict[SeriesKey, SpanTable] = field(default_factory=dict, init=False, repr=False)
    _lazy: dict[SeriesKey, LazySpans] = field(default_factory=dict, init=False, repr=False)
    _index: SpanIndex | None = field(default=None, init=False, repr=False)
    _series_number: dict[SeriesKey, int] = field(default_factory=dict, init=False, repr=False)
    # The series a rule could find a figure of: those with rows, and turnover from X + M.
    _findable_keys: set[SeriesKey] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.source = self
        self.forget()

    @property
    def _rows(self) -> dict[SeriesKey, Any]:
        """Each series' row numbers in the frame, from one group-by of every row, made when
        first needed (a whole-file command that answers from the columns never needs it)."""
        if self._row_index is None:
            rows: dict[SeriesKey, Any] = {}
            if len(self.frame):
                grouped = self.frame.groupby(
                    ["reporter", "partner", "flow", "currency"], observed=True, sort=True
                )
                for group_key, index in grouped.indices.items():
                    parts: tuple[Any, ...] = group_key  # type: ignore[assignment]
                    reporter, partner, flow, currency = (str(k) for k in parts)
                    rows[SeriesKey(reporter, partner, flow, currency)] = index
            self._row_index = rows
        return self._row_index

    @property
    def _findable(self) -> set[SeriesKey]:
        if self._findable_keys is None:
            rows = self._rows
            findable = set(rows)
            findable.update(
                k.with_flow("turnover")
                for k in rows
                if k.flow == "export" and k.with_flow("import") in rows
            )
            self._findable_keys = findable
        return self._findable_keys

    # -- what is there (the ``SpanSource`` protocol) ---------------------------

    def keys(self) -> list[SeriesKey]:
        return sorted(self._rows)

    def series(self) -> Iterable[SeriesKey]:
        return self._rows.keys()

    def findable(self, key: SeriesKey) -> bool:
        return key in self._findable

    def table(self, key: SeriesKey) -> SpanTable:
        if key not in self._tables:
            index = self._rows.get(key)
            obs = records(self.frame.iloc[index]) if index is not None else []
            self._tables[key] = reconcile(obs, self.include_flagged)
        return self._tables[key]

    def tables(self, keys: Iterable[SeriesKey]) -> Iterator[tuple[SeriesKey, SpanTable]]:
        """Each key's ``table``, for many keys: the frame's rows of a batch of keys (up to
        ``BATCH_ROWS``) are turned into Python values once, where ``table`` does it key by
        key (a pandas gather per series: most of the time of a whole-file ``data``). The
        tables are not kept (a whole file's observations as objects would not fit)."""
        rows = self._rows
        batch: list[SeriesKey] = []
        n_rows = 0

        def made(batch: list[SeriesKey]) -> Iterator[tuple[SeriesKey, SpanTable]]:
            # Which keys are read is settled before the first is given out: a caller that
            # asks ``table`` in between changes nothing here.
            kept = [self._tables.get(k) for k in batch]
            gathered = [
                rows[k] for k, t in zip(batch, kept, strict=True) if t is None and k in rows
            ]
            source = RowSource(self.frame.iloc[np.concatenate(gathered)]) if gathered else None
            at = 0
            for k, table in zip(batch, kept, strict=True):
                if table is None:
                    n = len(rows[k]) if k in rows else 0
                    assert source is not None or n == 0
                    obs = [source.observation(i) for i in range(at, at + n)] if source else []
                    at += n
                    table = reconcile(obs, self.include_flagged)
                yield k, table

        for key in keys:
            batch.append(key)
            n_rows += len(rows[key]) if key in rows else 0
            if n_rows >= BATCH_ROWS:
                yield from made(batch)
                batch, n_rows = [], 0
        if batch:
            yield from made(batch)

    def spans(self, key: SeriesKey) -> LazySpans:
        """The series' spans, each reconciled only when a rule first looks at it."""
        lazy = self._lazy.get(key)
        if lazy is None:
            if self._index is None and self._rows:
                self._index = SpanIndex(self.frame, list(self._rows.values()), self.include_flagged)
                self._series_number = {k: n for n, k in enumerate(self._rows)}
            lazy = self._lazy[key] = LazySpans(self._index, self._series_number.get(key, -1))
        return lazy

    _spans = spans

    def figures(self, spans: Sequence[tuple[SeriesKey, Period]]) -> list[Answer | None]:
        """The answer of each (series, span) that is a span of the data: rule 1's, as
        ``value`` gives it (the span's reconciled figure), kept as ``value`` keeps it;
        None for the others. The spans are looked up in the span index all at once, not
        through the rules one series at a time (a series' spans, each rule tried): the
        many revised figures of ``revisions``."""
        if not spans or not self._rows:
            return [None] * len(spans)
        index = self._index
        if index is None:
            self.spans(spans[0][0])  # builds the span index
            index = self._index
        assert index is not None
        number = self._series_number
        series = np.fromiter((number.get(k, -1) for k, _ in spans), np.int64, len(spans))
        first = np.fromiter((p.first for _, p in spans), np.int64, len(spans))
        last = np.fromiter((p.last for _, p in spans), np.int64, len(spans))
        out: list[Answer | None] = []
        known = self._direct_answers
        reconciled = index.reconciled
        numbers = index.numbers(series, first, last).tolist()
        for (key, period), span in zip(spans, numbers, strict=True):
            if span < 0:
                out.append(None)
                continue
            answer = known.get((key, period))
            if answer is None:  # as ``Rules._exact``, kept as ``Memo._exact`` keeps it
                rec = reconciled(span, period)
                answer = known[(key, period)] = Answer(
                    key, period, rec.value, EXACT, reconciled=rec
                )
            out.append(answer)
        return out
