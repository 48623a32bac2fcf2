"""The bulk backend: the span rules over columns, for all series at once.

The whole-file commands (``summary``, ``growth``, ``share``, ``project`` with no filter)
ask every series for every full year and every year-to-date span Jan..m. Nearly every
series of a bulk download is made of single months, one figure each; for those the rules
(``engine.rules``) reduce to array operations:

- a series' months go into rows of 12 cells, one row per (series, calendar year) it has
  months in: ``values`` (the figure), ``present``, ``flags`` (a bitmask of the flag words
  of the figure's row, one bit per distinct word in the data);
- Jan..m has a value exactly when every month from January through m is there (rule 2;
  rule 1 for January alone). Its value is the cumulative sum along the row, which adds
  the months in the order the scalar engine adds them (``sum`` over Jan..m, left to right):
  the same float, bit for bit. Its flags are the cumulative OR of the months' flags;
- turnover with no figure of its own over a span is export + import (rule 4), where both
  are found: the sum of the two cumulative sums, as the scalar engine adds its two parts.

A series is **simple** when its kept rows (after the quality-flag exclusion) are single
months and Jan..m figures of one calendar year (a year, a year to date: what a bulk
download publishes beside its months), none approximate (about/over/almost) and all
finite; revisions and conflicts of a span are reconciled as the reference's span index
does. For such a series, Jan..m is its own figure where it has one (rule 1), else the
fewest spans that tile it (rule 2): the latest Jan..k figure whose months k + 1..m are
all there, then those months (``_Year.jan_to``); rule 3 can add nothing to a Jan..m
span there, and gives a single month without a figure as Jan..m less Jan..m - 1
(``Columns.month_vector``). A simple series made of single months alone is
**monthly**: only those answer any span from the columns (``Engine.value``, growth's
latest month, a key's own share); any simple series answers a span within one calendar
year (a quarter: its months, else Jan..last less Jan..first - 1; ``within_year``).
Every other series (quarters, spans across a year end, approximate figures) is left to
the reference rules; so is every question about a key one of whose series (own, export,
import) is not simple.

``BulkAnswer`` is the answer made from the arrays: value, span, rule and flags known at
once; its derivation (parts, sources, ``explain``, JSON) is the reference engine's answer
to the same question, asked only when something looks at it. ``Engine`` is the backend
of the selector: the reference engine with ``value`` answered from the columns where the
series are simple.

``TRADECLI_BACKEND=reference`` turns the columnar path of the commands off (``enabled``):
tests and benchmarks compare the two.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import cache, cached_property, partial
from itertools import chain
from typing import Any, BinaryIO, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradecli.engine.answers import (
    DIFFERENCE,
    EXACT,
    EXPORT_PLUS_IMPORT,
    NOT_AVAILABLE,
    TILED,
    Answer,
    Deferred,
    SeriesKey,
)
from tradecli.engine.reference import Engine as Reference
from tradecli.engine.rules import NEGATIVE_DIFFERENCE
from tradecli.engine.series import Series, SpanKey, codes_of, narrowest, series_of
from tradecli.heap import give_back
from tradecli.observations import (
    EXCLUDED_FLAGS,
    OFFICIAL_STATEMENT,
    QUALIFIERS,
    Coded,
    split_flags,
    step_codes,
)
from tradecli.periods import Period
from tradecli.reconcile import Figure, decide, decide_disagreeing

NAME = "bulk"
ENV = "TRADECLI_BACKEND"
# Below this many series the scalar engine alone is as quick (no arrays to build).
MIN_SERIES = 50
GATHER_ROWS = 1 << 18  # rows gathered at a time (``_gather``)
# The rows kept are held as those left out (``AllBut``) when at most one in this many is.
ALL_BUT = 8
# Rows of whole spans reconciled at a time (``_span_chunks``): the masks, bounds and winners
# of ``decide_disagreeing`` a chunk long beside the file-long columns.
SPAN_ROWS = 1 << 17
# ``key_years`` of at least this many cells hands its freed temporaries back (``give_back``).
# 10M rows: 1.4M cells, the command's peak 730 -> 685 MB; on sparse 1M, a trim after each
# of a summary's hundred small calls cost 0.1-0.15 s of system time.
TRIM_CELLS = 1 << 20
# A build from at least this many rows hands its freed temporaries back (``give_back``):
# the chunks of ``_span_chunks`` and ``_gather`` are carved from the C heap and leave it
# full of holes. trade-10m: the RSS after the build 574 -> 517 MB; sparse 1M: 50 MB
# less, which the commands' Python answers (in memory of their own) could not have
# reused; dense 1M `summary` and `growth` peak 255-262 MB, 272-276 without. Not after
# small builds (each test's), where pages handed back would be faulted in again.
TRIM_ROWS = 1 << 17
# Sort keys (and rows) up to this many are sorted with the rows' numbers inside them
# (``_stable_order``), not by ``argsort``.
STABLE_KEYS = 1 << 31
MAX_FLAG_WORDS = 63  # one bit each in an int64 (``flag_dtype``)
# What ``Columns.save`` writes: every array the build makes (the Jan..m tables only when
# there are Jan..m rows), each on a 64-byte bound.
_SAVED = (
    *("kept", "simple", "monthly", "row_year", "row_bounds", "values", "present", "flags"),
    *("chosen_rows", "chosen_columns", "chosen_cumulative", "chosen_bits"),
)
_CUMULATIVE = ("cum_values", "cum_present", "cum_flags")
_ALIGN = 64

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
Parts = NDArray[np.int8]  # how many spans a sum is of: 0..12


def enabled(n_series: int) -> bool:
    """Whether a command answering ``n_series`` series takes the columnar path:
    ``TRADECLI_BACKEND=reference`` never, ``=bulk`` always, else from ``MIN_SERIES`` on."""
    chosen = os.environ.get(ENV, "")
    return chosen == NAME or (chosen != "reference" and n_series >= MIN_SERIES)


@contextmanager
def small_pages() -> Iterator[None]:
    """Arrays made inside are not offered to the kernel for transparent huge pages.

    numpy asks for huge pages (``madvise(MADV_HUGEPAGE)``) for every array of 4 MB or
    more. Where the kernel compacts memory to honour that at the first touch (the usual
    ``defrag=madvise``), the many short-lived file-long arrays of ``Columns`` spent more
    in the kernel than in their arithmetic: 1.1-1.9 s of system time against 0.4-0.6 s
    with small pages, for a 10M-row file (``summary --no-cache``, a shared 2-core
    machine). The setting is numpy's, process-wide; it is put back on leaving. The
    command line sets it off for the whole process (``cli.process.run``); this is for
    callers of the API."""
    toggle = getattr(getattr(np, "_core", None), "multiarray", None)
    set_advice = getattr(toggle, "_set_madvise_hugepage", None)
    if set_advice is None:  # another numpy: leave it as it is
        yield
        return
    before = bool(set_advice(False))
    try:
        yield
    finally:
        set_advice(before)


@dataclass(frozen=True, eq=False)
class BulkAnswer(Answer):
    """An answer made from the arrays. ``made`` gives the reference engine's answer to
    the same question (its derivation); ``flag_words``: the quality flags of every figure
    used, sorted (None: ask the reference)."""

    made: Callable[[], Answer] | None = field(default=None, repr=False)
    flag_words: tuple[str, ...] | None = None

    def reference(self) -> Answer:
        assert self.made is not None
        return self.made()

    @property
    def qualifiers(self) -> frozenset[str]:
        return frozenset()  # approximate figures never go through the arrays

    def flags(self) -> list[str]:
        if self.flag_words is not None:
            return list(self.flag_words)
        return self.reference().flags()

    def observations(self) -> list[Any]:
        return self.reference().observations()

    def formula(self) -> str:
        return self.reference().formula()

    def explain(self, indent: int = 0) -> list[str]:
        return self.reference().explain(indent)

    def signed_dict(self, sign: int | None) -> dict[str, Any]:
        return self.reference().signed_dict(sign)


# ``BulkAnswer``'s fields in their order (``bulk_answer`` sets them in it).
_BULK_FIELDS = tuple(f.name for f in fields(BulkAnswer))


def bulk_answer(
    key: SeriesKey,
    period: Period,
    value: float | None,
    rule: str,
    n_parts: int,
    made: Callable[[], Answer],
    flag_words: tuple[str, ...] | None = None,
    *,
    notes: tuple[str, ...] = (),
    complete: bool = True,
) -> BulkAnswer:
    """A ``BulkAnswer`` whose parts (``n_parts`` of them) and, when not found, spans in the
    data are the reference answer's, made on first look. A difference (rule 3) is the
    longer span less the shorter, noted when negative, as ``rules.Rules`` makes it."""
    signs = _plus(n_parts)
    if rule == DIFFERENCE:
        signs = (1, -1)
        if value is not None and value < 0:
            notes = (NEGATIVE_DIFFERENCE,)
    parts: Sequence[Answer] = Deferred(partial(_parts, made), n_parts) if n_parts else ()
    available: Sequence[Period] = Deferred(partial(_available, made)) if value is None else ()
    # As ``BulkAnswer(...)`` would make it, without the frozen dataclass's __init__ (one
    # ``object.__setattr__`` per field): a whole-file summary makes tens of thousands.
    # The fields one by one, in their order: the instance's dict then shares its keys
    # with every other answer's (168 bytes); updated from keywords, each answer had a
    # dict of its own (464 bytes: 45 MB of a dense 10M-row file's growth).
    answer = BulkAnswer.__new__(BulkAnswer)
    values = (key, period, value, rule, parts, signs, None, available, complete, notes, made)
    answer.__dict__.update(zip(_BULK_FIELDS, (*values, flag_words), strict=True))
    return answer


# A whole-file summary makes tens of thousands of answers, each kept to the end: the
# callables and tuples they hold are made with as few objects as will do (``partial``,
# not a closure: two objects, not five), for the cyclic garbage collector walks them all.


def _parts(made: Callable[[], Answer]) -> tuple[Answer, ...]:
    return tuple(made().parts)


def _available(made: Callable[[], Answer]) -> tuple[Period, ...]:
    return tuple(made().available)


@cache
def _plus(n_parts: int) -> tuple[int, ...]:
    """The signs of a sum of ``n_parts`` parts, one tuple per length."""
    return (1,) * n_parts


class Columns:
    """Every series of an observation frame as arrays (module docstring).

    ``keys[s]``: series ``s`` (sorted; ``series``: the frame's, if already worked out);
    ``simple[s]``: whether it goes through the arrays. Rows
    ``row_bounds[s]:row_bounds[s + 1]`` of ``row_year``/``values``/``present``/``flags``
    are the calendar years of simple series ``s``, oldest first (other series have none).
    """

    LAYOUT = 2  # of what ``save`` writes: a new layout, a new number

    def __init__(
        self, frame: pd.DataFrame, include_flagged: bool = False, series: Series | None = None
    ) -> None:
        with small_pages():
            self._build(frame, include_flagged, series)
        if len(frame) >= TRIM_ROWS:
            give_back()

    def _build(self, frame: pd.DataFrame, include_flagged: bool, series: Series | None) -> None:
        n = len(frame)
        if series is None:
            series = series_of(frame)
        self.keys: list[SeriesKey] = series.keys
        self.number: dict[SeriesKey, int] = {k: s for s, k in enumerate(self.keys)}
        n_series = len(self.keys)

        # Flags: few distinct texts, each split once; one bit per distinct word of the texts
        # that rows have.
        flag_codes, flag_texts = codes_of(frame["flags"])
        flag_counts = _code_counts(flag_codes, len(flag_texts))  # rows of each text
        used: list[bool] = (flag_counts > 0).tolist()
        words_of = [split_flags(t) if u else [] for t, u in zip(flag_texts, used, strict=True)]
        words = sorted({w for ws in words_of for w in ws})
        self.usable = len(words) <= MAX_FLAG_WORDS
        self.words = words
        # More words than bits: no series is simple, so no bits are read (all 0).
        bit = {w: 1 << i for i, w in enumerate(words)} if self.usable else {}
        self.flag_dtype = flag_dtype(len(words))
        text_bits = np.array(
            [sum(bit.get(w, 0) for w in set(ws)) for ws in words_of], self.flag_dtype
        )
        excluded = np.array([any(w in EXCLUDED_FLAGS for w in ws) for ws in words_of], bool)
        approximate = np.array([any(w in QUALIFIERS for w in ws) for ws in words_of], bool)
        official = np.array([OFFICIAL_STATEMENT in ws for ws in words_of], dtype=bool)

        # The kept rows (None: all of them, in frame order), grouped by (series, first month,
        # last month), frame order within (a stable sort; a file written in that order, as
        # bulk downloads are, needs none). Columns are read in their own dtypes (int32
        # periods and series numbers) and gathered only when rows are left out or moved.
        all_first, all_last = frame["first"].to_numpy(), frame["last"].to_numpy()
        kept: NDArray[np.integer[Any]] | AllBut | None = None  # int32 rows (``_index``)
        if not include_flagged and bool(excluded.any()):
            kept = _kept_rows(~excluded, flag_codes, flag_counts)
        coded = SpanKey.of(all_first, all_last, n_series)
        low, width = coded.low, coded.width
        # Every row a single month (a bulk download of months): ``last`` is ``month``, not a
        # copy of it.
        months_only = bool(np.array_equal(all_first, all_last))
        # Rows left out or moved are gathered into copies, not the frame's own columns: held
        # in the narrowest integers their ranges allow, months counted from ``base``, a
        # January (so a month's place in its year is as before, and its year is offset by
        # base // 12), a chunk at a time (no file-long int32 copy on the way).
        base = low - low % 12 if width + 12 <= 1 << 15 else 0
        month_dtype = np.int16 if base else all_first.dtype.type
        series_dtype = narrowest(n_series + 1)

        def gathered(rows: NDArray[np.integer[Any]] | AllBut) -> tuple[NDArray[Any], ...]:
            s = _gather(series.of_row, rows, series_dtype)
            month = _gather(all_first, rows, month_dtype, base)
            last = month if months_only else _gather(all_last, rows, month_dtype, base)
            return s, month, last

        s, month, last = (
            (series.of_row, all_first, all_first if months_only else all_last)
            if kept is None
            else gathered(kept)
        )
        if not in_order(s, month, last):
            shift = low - (0 if kept is None else base)  # ``low`` as held in ``month``
            order_key = SpanKey(shift, width).keys(s, month, last)
            del s, month, last
            if (n_series + 1) * width**2 <= STABLE_KEYS and n <= STABLE_KEYS:
                moved: NDArray[np.integer[Any]] = _stable_order(order_key)
            else:
                moved = _index(np.argsort(order_key, kind="stable"), n)
            del order_key
            # Written out first when held as the rows left out: ``moved`` is in no order,
            # and each of its rows sought among them costs more than the array.
            if isinstance(kept, AllBut):
                kept = kept[:]
            kept = moved if kept is None else kept[moved]
            del moved
            s, month, last = gathered(kept)
        if kept is None:
            base = 0

        # The figures stay in the frame's own column, read through ``kept`` (the frame row
        # of each kept row; None: the same numbers) where needed: by ``decide_disagreeing``
        # a chunk at a time, and for the rows taken into the year-rows. Not a file-long copy.
        frame_value: Floats = frame["value"].to_numpy(dtype=np.float64)
        codes = flag_codes if kept is None else _gather(flag_codes, kept, flag_codes.dtype)
        del flag_codes

        # Jan..m of one calendar year (m >= 2): a cumulative figure, beside the months.
        # Tested on the rows that are not single months alone (few in a bulk download).
        spans = np.zeros(0, dtype=np.int64) if months_only else np.flatnonzero(month != last)
        span_first, span_last = month[spans], last[spans]
        is_cumulative = span_last > span_first
        is_cumulative &= span_first % 12 == 0
        is_cumulative &= span_last // 12 == span_first // 12
        cumulative = np.zeros(len(s), dtype=bool)
        cumulative[spans[is_cumulative]] = True
        # A series is not simple when a kept row is neither a month nor such a span, or
        # approximate, or not finite.
        bad = np.isfinite(frame_value)
        if kept is not None:
            bad = _gather(bad, kept, bool)
        np.logical_not(bad, out=bad)
        bad |= approximate[codes]
        bad[spans[~is_cumulative]] = True
        del spans, span_first, span_last, is_cumulative
        not_simple = np.bincount(s[bad], minlength=n_series) > 0
        del bad
        # Revisions and conflicts: ``decide_disagreeing`` picks the figure of each span where
        # no two agree, as the reference's span index does, a chunk of whole spans at a time
        # (``_span_chunks``): the masks, span bounds and winners it needs are a chunk long,
        # not file-long (trade-10m, a file of revisions: the peak while reconciling 671 -> 598 MB).
        # A row alone in its span is chosen; of a span of several, the winner.
        chosen = np.ones(len(s), dtype=bool)
        # Flag bits of a chosen row that are not its own text's: the union of its cluster's.
        own_bits: dict[int, int] = {}
        # Each frame row's published date: its code, the texts, each code's rank (made at
        # the first span of several figures: a file with none never reads the dates).
        dates: tuple[NDArray[Any], list[str], NDArray[Any]] | None = None
        # The frame's own steps (codes into their few values) and every frame row's date
        # rank, read through the frame rows of a chunk (not a file-long column of floats).
        steps = step_codes(frame)
        for start, end in _span_chunks(s, month, None if months_only else last):
            equal = ~_begins(s, month, None if months_only else last, start, end)
            same = equal.copy()  # rows of a span with more than one figure
            same[:-1] |= equal[1:]
            if not same.any():
                continue
            np.logical_not(same, out=chosen[start:end])
            if dates is None:
                dates = _date_ranks(frame["published"])
            published_codes, texts, rank = dates
            # When most rows are revised (a file of revisions), every row of the chunk goes
            # in, single figures too (they win alone), rather than a copy of the revised rows.
            rows: Ints | None = None
            if 2 * int(np.count_nonzero(same)) <= len(same):
                rows = np.flatnonzero(same)
            # Where each span begins, and the end (a last "begin", after every row).
            begins = np.empty(len(same) + 1 if rows is None else len(rows) + 1, dtype=bool)
            np.logical_not(equal if rows is None else equal[rows], out=begins[:-1])
            begins[-1] = True
            bounds = np.flatnonzero(begins)
            del begins, equal, same
            # Each given row's place among the kept rows, and its frame row.
            at = np.arange(start, end) if rows is None else rows + start
            in_frame = at if kept is None else kept[at]
            picked_codes = codes[at]
            winner, _ = decide_disagreeing(
                bounds,
                frame_value,
                steps,
                Coded(~approximate, picked_codes),
                Coded(official, picked_codes),
                Coded(rank, published_codes),
                reasons=False,
                at=in_frame,
            )
            del picked_codes
            chosen[at[winner[winner >= 0]]] = True
            # Spans where some figures agree: ``decide`` clusters them, span by span (few);
            # the value is the chosen figure's, the flags those of its cluster.
            for span in np.flatnonzero(winner < 0).tolist():
                these = np.arange(bounds[span], bounds[span + 1])
                if not_simple[s[at[these[0]]]]:
                    continue  # the series is not simple anyway: its figures are not read
                figures = [
                    Figure(
                        float(frame_value[j]),
                        step,
                        (True, not bool(official[codes[i]]), texts[published_codes[j]], -step),
                    )
                    for j, i, step in zip(
                        in_frame[these].tolist(),
                        at[these].tolist(),
                        steps[in_frame[these]].tolist(),
                        strict=True,
                    )
                ]
                decision = decide(figures)
                best = int(at[these[decision.chosen]])
                chosen[best] = True
                winning = at[these[list(decision.winning)]]
                own_bits[best] = int(np.bitwise_or.reduce(text_bits[codes[winning]]))
            del rows, winner, bounds, at, in_frame
        del steps, dates
        # Rows of each series: ``s`` is sorted, so its bounds (``bincount`` would first make
        # a file-long int64 copy of the series numbers). The end of the last is the row
        # count: ``n_series`` itself may not fit ``s``'s dtype (int8 for 128 series).
        ends = np.append(np.searchsorted(s, np.arange(n_series, dtype=s.dtype)), len(s))
        self.kept: Ints = np.diff(ends).astype(np.int64)
        del ends
        self.simple: Bools = ~not_simple if self.usable else np.zeros(n_series, dtype=bool)
        # Simple and made of single months alone: any span is a sum of months.
        self.monthly: Bools = self.simple & ~(np.bincount(s[cumulative], minlength=n_series) > 0)

        # The simple series' rows of 12 months, one per (series, year).
        # Row numbers, series numbers and cells in int32 where they fit (half of int64: once
        # the reconciling is chunked, trade-10m's build peaks here, 643 -> 621 MB).
        is_taken = self.simple[s]
        is_taken &= chosen
        del chosen
        take = true_rows(is_taken)
        del is_taken
        n_years_at_most = (int(month.max()) // 12 - int(month.min()) // 12 + 1) if len(s) else 1
        cell_dtype: type[np.integer[Any]] = (
            np.int32 if (n_series + 1) * n_years_at_most < 1 << 31 else np.int64
        )
        series_taken = s[take].astype(cell_dtype)
        del s
        month, cumulative = month[take], cumulative[take]
        last = month if months_only else last[take]
        # Each taken row's frame row: its figure is read from the frame when the tables
        # are filled (a copy of the figures, 8 bytes a row, would be held to the end).
        value_at = take if kept is None else kept[take]
        del kept
        row_bits = text_bits[codes[take]]
        del codes
        # Rows (of ``take``) whose bits became their cluster's, and their own bits before.
        pooled: Ints = np.zeros(0, dtype=np.int64)
        pooled_bits: Ints = np.zeros(0, dtype=np.int64)
        if own_bits:
            changed = np.fromiter(own_bits, dtype=np.int64, count=len(own_bits))
            at = np.searchsorted(take, changed)
            hit = at < len(take)
            hit[hit] &= take[at[hit]] == changed[hit]
            cluster_bits = np.fromiter(own_bits.values(), row_bits.dtype, len(own_bits))[hit]
            differs = cluster_bits != row_bits[at[hit]]
            pooled = at[hit][differs]
            pooled_bits = row_bits[pooled].astype(np.int64)
            row_bits[at[hit]] = cluster_bits
        del take
        year = month // 12
        year += base // 12
        self.first_year = int(year.min()) if len(year) else 0
        n_years = int(year.max()) - self.first_year + 1 if len(year) else 1
        self.first_month, self.n_months = self.first_year * 12, n_years * 12
        year -= self.first_year  # before it is added: a cell below n_series * n_years
        cell = series_taken * n_years
        cell += year
        del year, series_taken
        # The rows are in (series, first month) order, so their cells are sorted: the
        # distinct cells and each row's are found in one pass (``np.unique`` otherwise).
        if len(cell) < 2 or bool((cell[1:] >= cell[:-1]).all()):
            new = np.ones(len(cell), dtype=bool)
            new[1:] = cell[1:] != cell[:-1]
            rows = cell[new].astype(np.int64)
            row_of: NDArray[np.integer[Any]] = np.cumsum(new, dtype=cell_dtype)
            row_of -= 1
            del new
        else:
            rows, row_of = np.unique(cell, return_inverse=True)
            rows, row_of = rows.astype(np.int64), row_of.reshape(-1)
        del cell
        self.row_year: Ints = rows % n_years + self.first_year
        row_series = rows // n_years
        self.row_bounds: Ints = np.searchsorted(row_series, np.arange(n_series + 1)).astype(
            np.int64
        )
        n_rows = len(rows)
        self.values: Floats = np.zeros((n_rows, 12), dtype=np.float64)
        self.present: Bools = np.zeros((n_rows, 12), dtype=bool)
        self.flags: Ints = np.zeros((n_rows, 12), dtype=self.flag_dtype)
        # Each row's cell in the tables (flat: year-row * 12 + month); with no Jan..m rows
        # (a file of months), every row, without copies of the rows through a mask.
        self.has_cumulative = bool(cumulative.any())
        single = ~cumulative if self.has_cumulative else slice(None)
        cells: NDArray[np.integer[Any]] = row_of[single].astype(
            np.int32 if 12 * n_rows < 1 << 31 else np.int64
        )
        cells *= 12
        cells += month[single] % 12
        _put(self.values.reshape(-1), cells, frame_value, value_at, single)
        self.present.reshape(-1)[cells] = True
        self.flags.reshape(-1)[cells] = row_bits[single]
        del cells
        # Jan..m figures of the year in column m - 1 (m >= 2; column 0 is January's month).
        # With none (a file of months), each table is one zero seen as every cell: read-only
        # and of no size (``has_cumulative`` tells callers there is nothing to copy).
        shape = (n_rows, 12)
        if self.has_cumulative:
            self.cum_values: Floats = np.zeros(shape, dtype=np.float64)
            self.cum_present: Bools = np.zeros(shape, dtype=bool)
            self.cum_flags: Ints = np.zeros(shape, dtype=self.flag_dtype)
            column = last[cumulative] % 12
            self.cum_values[row_of[cumulative], column] = frame_value[value_at[cumulative]]
            self.cum_present[row_of[cumulative], column] = True
            self.cum_flags[row_of[cumulative], column] = row_bits[cumulative]
        else:
            self._no_cumulative()
        # A span whose figures agree has the flags of each in ``flags`` (as
        # ``Answer.flags`` lists them); the chosen figure's own bits (its
        # ``Reconciled.chosen.flags``), where they differ, are kept apart: year-row
        # ``chosen_rows[i]``, column ``chosen_columns[i]``, bits ``chosen_bits[i]``, of
        # ``flags`` (a single month) or of ``cum_flags`` (``chosen_cumulative[i]``).
        pooled_cumulative = cumulative[pooled]
        pooled_column = np.where(pooled_cumulative, last[pooled], month[pooled]) % 12
        order = np.lexsort((pooled_column, row_of[pooled]))
        self.chosen_rows: Ints = row_of[pooled][order].astype(np.int64)
        self.chosen_columns: Ints = pooled_column[order].astype(np.int64)
        self.chosen_cumulative: Bools = pooled_cumulative[order]
        self.chosen_bits: Ints = pooled_bits[order]
        self.fallback = int((~self.simple & (self.kept > 0)).sum())
        self._words: dict[int, tuple[str, ...]] = {}
        self._months: tuple[Floats, Bools, Ints, Bools] | None = None
        self._jan: tuple[Bools, Floats, Ints, Parts] | None = None

    def save(self, sink: BinaryIO) -> None:
        """Write the columns to ``sink``, for ``load`` to map back: a JSON head (the keys,
        the flag words, the sizes, where each array starts) and each array's bytes, on
        64-byte bounds. Nothing is copied but the head."""
        arrays = {name: getattr(self, name) for name in _SAVED}
        if self.has_cumulative:
            arrays.update((name, getattr(self, name)) for name in _CUMULATIVE)
        placed: list[tuple[str, str, list[int], int]] = []
        offset = 0
        for name, array in arrays.items():
            offset += -offset % _ALIGN
            placed.append((name, array.dtype.str, list(array.shape), offset))
            offset += array.nbytes
        head = json.dumps(
            {
                "keys": self.keys,
                "words": self.words,
                "usable": self.usable,
                "flag_dtype": np.dtype(self.flag_dtype).str,
                "first_year": self.first_year,
                "n_months": self.n_months,
                "fallback": self.fallback,
                "arrays": placed,
            }
        ).encode()
        start = 8 + len(head)
        start += -start % _ALIGN
        sink.write(len(head).to_bytes(8, "little") + head + bytes(start - 8 - len(head)))
        written = 0
        for (_, _, _, at), array in zip(placed, arrays.values(), strict=True):
            sink.write(bytes(at - written))
            sink.write(np.ascontiguousarray(array).view(np.uint8).data)
            written = at + array.nbytes

    @classmethod
    def load(cls, body: memoryview) -> Columns:
        """The columns ``save`` wrote, their arrays read-only views of ``body``."""
        size = int.from_bytes(body[:8], "little")
        head = json.loads(bytes(body[8 : 8 + size]))
        start = 8 + size
        start += -start % _ALIGN
        columns = cls.__new__(cls)
        columns.keys = list(map(SeriesKey._make, head["keys"]))
        columns.number = {k: s for s, k in enumerate(columns.keys)}
        columns.words = [str(w) for w in head["words"]]
        columns.usable = bool(head["usable"])
        columns.flag_dtype = np.dtype(head["flag_dtype"]).type
        columns.first_year = int(head["first_year"])
        columns.first_month = columns.first_year * 12
        columns.n_months = int(head["n_months"])
        columns.fallback = int(head["fallback"])
        for name, dtype, shape, at in head["arrays"]:
            count = int(np.prod(shape))
            array = np.frombuffer(body, dtype=dtype, count=count, offset=start + at)
            setattr(columns, name, array.reshape(shape))
        columns.has_cumulative = "cum_values" in columns.__dict__
        if not columns.has_cumulative:
            columns._no_cumulative()
        columns._words = {}
        columns._months = None
        columns._jan = None
        return columns

    def _no_cumulative(self) -> None:
        """The Jan..m tables of columns with no Jan..m rows: one read-only zero each."""
        shape = (len(self.row_year), 12)
        self.cum_values = np.broadcast_to(np.zeros(1, dtype=np.float64), shape)
        self.cum_present = np.broadcast_to(np.zeros(1, dtype=bool), shape)
        self.cum_flags = np.broadcast_to(np.zeros(1, dtype=self.flag_dtype), shape)

    def __len__(self) -> int:
        return len(self.keys)

    def flag_words(self, bits: int) -> tuple[str, ...]:
        """The flag words of a bitmask, sorted."""
        words = self._words.get(bits)
        if words is None:
            words = self._words[bits] = tuple(w for i, w in enumerate(self.words) if bits >> i & 1)
        return words

    def has_spans(self, key: SeriesKey) -> bool:
        """Whether the series has kept rows (a figure of some span)."""
        series = self.series(key)
        return series >= 0 and bool(self.kept[series])

    def month_vector(self, series: int) -> tuple[Floats, Bools, Ints, Bools]:
        """A simple series' value, whether found, flag bits, and whether it is a
        difference, for every month of the data's years (month ``first_month + t`` at
        ``t``); nothing found for -1. A month is its figure (rule 1); in a series with
        Jan..m figures, a month without one is Jan..m less Jan..m - 1 where both are
        found (rule 3: the only difference such a series can give, ``_Year.jan_to``)."""
        values = np.zeros(self.n_months, dtype=np.float64)
        present = np.zeros(self.n_months, dtype=bool)
        flags = np.zeros(self.n_months, dtype=self.flag_dtype)
        difference = np.zeros(self.n_months, dtype=bool)
        if series >= 0:
            start, end = int(self.row_bounds[series]), int(self.row_bounds[series + 1])
            at = (self.row_year[start:end] - self.first_year) * 12
            cells = (at[:, None] + np.arange(12)).reshape(-1)
            month_values, month_present, month_flags, differs = self.month_rows(
                np.arange(start, end)
            )
            difference[cells] = differs.reshape(-1)
            values[cells] = month_values.reshape(-1)
            present[cells] = month_present.reshape(-1)
            flags[cells] = month_flags.reshape(-1)
        return values, present, flags, difference

    def chosen_marks(self, mask: int) -> tuple[Ints, Ints]:
        """The bits of ``mask`` of the chosen figures (``Reconciled.chosen.flags``) used by
        each year-row's single months (rules 1 and 3, as ``months`` finds them) and by its
        Jan..m spans (rules 1 and 2, ``year_to_date``): their union over those figures."""
        month_bits = self.flags.astype(np.int64) & mask
        cum_bits = self.cum_flags.astype(np.int64) & mask
        single = ~self.chosen_cumulative
        for bits, which in ((month_bits, single), (cum_bits, ~single)):
            bits[self.chosen_rows[which], self.chosen_columns[which]] = (
                self.chosen_bits[which] & mask
            )
        _, _, jan_bits, _ = _Year(
            self.values, self.present, month_bits, self.cum_values, self.cum_present, cum_bits
        ).jan_to()
        differs = self.months()[3]
        month_marks = np.where(differs, jan_bits | np.roll(jan_bits, 1, axis=1), month_bits)
        return month_marks, jan_bits

    def year_to_date(self) -> tuple[Bools, Floats, Ints, Parts]:
        """Each year-row's Jan..m spans (column m - 1) by rules 1 and 2 (``_Year.jan_to``):
        found, value, flag bits, parts; worked out once."""
        if self._jan is None:
            self._jan = _Year(
                self.values,
                self.present,
                self.flags,
                self.cum_values,
                self.cum_present,
                self.cum_flags,
            ).jan_to()
        return self._jan

    def months(self) -> tuple[Floats, Bools, Ints, Bools]:
        """Each year-row's single months by rules 1 and 3 (``month_vector``): value,
        found, flag bits, and whether a difference; worked out once, for every row.
        Without Jan..m figures no month is a difference (a month is found by rule 3 only
        where Jan..m is a figure): the month tables themselves, not copies."""
        if self._months is None and not self.has_cumulative:
            nothing = np.zeros_like(self.present)  # pages never touched: no memory
            self._months = (self.values, self.present, self.flags, nothing)
        if self._months is None:
            jan = self.year_to_date()
            self._months = _with_differences(self.values, self.present, self.flags, jan)
        return self._months

    def month_rows(self, rows: Ints) -> tuple[Floats, Bools, Ints, Bools]:
        """``months`` of the year-rows ``rows`` alone, worked out for them and not kept:
        what a few series' months need (a group's members, a batch of keys), without the
        tables of every row (on sparse 1M, 13 MB each of ``months`` and ``year_to_date``
        held to the end of the command). A month is a difference only in a row with
        Jan..m figures: ``_Year.jan_to`` is asked of those rows alone."""
        if self._months is not None:  # worked out for every row already
            cached = self._months
            return cached[0][rows], cached[1][rows], cached[2][rows], cached[3][rows]
        values, present, flags = self.values[rows], self.present[rows], self.flags[rows]
        differs = np.zeros_like(present)
        mixed = (
            np.flatnonzero(self.cum_present[rows].any(axis=1))
            if self.has_cumulative
            else np.zeros(0, dtype=np.int64)
        )
        if not len(mixed):
            return values, present, flags, differs
        at = rows[mixed]
        these = values[mixed], present[mixed], flags[mixed]
        jan = _Year(*these, self.cum_values[at], self.cum_present[at], self.cum_flags[at]).jan_to()
        # As ``months`` works them out, on these rows.
        values[mixed], present[mixed], flags[mixed], differs[mixed] = _with_differences(*these, jan)
        return values, present, flags, differs

    def series(self, key: SeriesKey) -> int:
        """The series number of ``key``, -1 when the data has no rows of it."""
        return self.number.get(key, -1)

    def roles(self, key: SeriesKey, months_only: bool = True) -> tuple[int, int, int] | None:
        """(own, export, import) series numbers of ``key`` (-1: none; export and import
        only for turnover), or None when one of them is not simple (``months_only``: not
        made of single months alone, as any span but Jan..m needs)."""
        numbers = self._roles[key]
        taken = self.monthly if months_only else self.simple
        if any(n >= 0 and not taken[n] for n in numbers):
            return None
        return numbers

    def role_table(self, keys: Sequence[SeriesKey], months_only: bool = True) -> tuple[Ints, Bools]:
        """``roles`` of every key at once: an (n, 3) table of (own, export, import) series
        numbers (-1: none), all -1 on a key that is not simple, and whether each is."""
        numbers = chain.from_iterable(map(self._roles.__getitem__, keys))
        table = np.fromiter(numbers, dtype=np.int64, count=3 * len(keys)).reshape(len(keys), 3)
        taken = self.monthly if months_only else self.simple
        simple: Bools = np.logical_and.reduce(np.append(taken, True)[table], axis=1)
        table[~simple] = -1
        return table, simple

    def kinds(self, keys: Sequence[SeriesKey]) -> tuple[Ints, Bools, Bools]:
        """``role_table(keys, months_only=False)``, and which keys are made of single
        months alone (``KeyYears.monthly``)."""
        roles, simple = self.role_table(keys, months_only=False)
        monthly_of = np.append(self.monthly, True)  # at -1: no series
        return roles, simple, simple & monthly_of[roles].all(axis=1)

    @cached_property
    def _roles(self) -> _Roles:
        """The (own, export, import) series numbers of each key asked about (``_Roles``)."""
        return _Roles(self.number)

    def month_values(self, series: int, first: int, last: int) -> list[float] | None:
        """The figure of every month first..last of a simple series, or None when one is
        missing."""
        if series < 0:
            return None
        start, end = int(self.row_bounds[series]), int(self.row_bounds[series + 1])
        years = self.row_year[start:end]
        out: list[float] = []
        for y in range(first // 12, last // 12 + 1):
            at = int(np.searchsorted(years, y))
            if at == len(years) or years[at] != y:
                return None
            row = start + at
            low = first - y * 12 if y == first // 12 else 0
            high = last - y * 12 if y == last // 12 else 11
            if not self.present[row, low : high + 1].all():
                return None
            out.extend(self.values[row, low : high + 1].tolist())
        return out

    def within_year(self, series: int, first: int, last: int) -> Within | None:
        """The value of a simple series over months first..last of one calendar year by
        rules 1-3 within the series (``rules.Rules._direct``), or None when not found.

        Jan..m: its figure, else the fewest spans that tile it (``year_to_date``). Any
        other span: its months where each is there (rule 1 for one month, rule 2: no other
        span of a simple series lies within it); else Jan..last less Jan..first - 1 where
        both are found (rule 3: the reference tries the latest start first; a start
        after January would need the months themselves, one before the year the same
        Jan..last and Jan..first - 1, so January is the latest start that can work)."""
        if series < 0:
            return None
        start, end = int(self.row_bounds[series]), int(self.row_bounds[series + 1])
        year = first // 12
        at = start + int(np.searchsorted(self.row_year[start:end], year))
        if at == end or int(self.row_year[at]) != year:
            return None
        low, high = first - year * 12, last - year * 12
        if low == 0:
            found, value, bits, parts = self.year_to_date()
            if not found[at, high]:
                return None
            n = int(parts[at, high])
            return Within(float(value[at, high]), TILED if n else EXACT, n, int(bits[at, high]))
        if bool(self.present[at, low : high + 1].all()):
            if low == high:
                return Within(float(self.values[at, low]), EXACT, 0, int(self.flags[at, low]))
            values = self.values[at, low : high + 1].tolist()
            months = int(np.bitwise_or.reduce(self.flags[at, low : high + 1]))
            return Within(float(sum(values)), TILED, high - low + 1, months)
        found, value, flag_bits, _ = self.year_to_date()
        if not (found[at, high] and found[at, low - 1]):
            return None
        # As ``answers._sum`` adds the two parts with their signs.
        longer, shorter = float(value[at, high]), float(value[at, low - 1])
        total = float(sum((1 * longer, -1 * shorter)))
        return Within(total, DIFFERENCE, 2, int(flag_bits[at, high] | flag_bits[at, low - 1]))

    def month_flags(self, series: int, first: int, last: int) -> int:
        """The OR of the flag bits of months first..last (all present) of a simple series."""
        start, end = int(self.row_bounds[series]), int(self.row_bounds[series + 1])
        years = self.row_year[start:end]
        bits = 0
        for y in range(first // 12, last // 12 + 1):
            row = start + int(np.searchsorted(years, y))
            low = first - y * 12 if y == first // 12 else 0
            high = last - y * 12 if y == last // 12 else 11
            bits |= int(np.bitwise_or.reduce(self.flags[row, low : high + 1]))
        return bits


class _Roles(dict[SeriesKey, tuple[int, int, int]]):
    """(own, export, import) series numbers of a key, simple or not (-1: none; export and
    import only for turnover), worked out at its first look-up and kept: the columns never
    change, and a command asks ``Columns.role_table`` of the same keys again and again
    (``growth``: 9 tables over 69,000 keys on sparse 1M, 0.10 -> 0.04 s; the memo's
    28,700 entries are 4 MB). Read through ``__getitem__`` (``map`` calls it in C; a key
    met before costs one look-up)."""

    def __init__(self, number: dict[SeriesKey, int]) -> None:
        super().__init__()
        # Asked with plain tuples too: hashed and compared as the ``SeriesKey``s they equal
        # (a tuple is made in C, a ``SeriesKey`` by its Python ``__new__``).
        self._get = cast(Callable[[tuple[str, str, str, str], int], int], number.get)

    def __missing__(self, key: SeriesKey) -> tuple[int, int, int]:
        get, (r, p, flow, c) = self._get, key
        if flow != "turnover":
            found = get(key, -1), -1, -1
        else:
            found = get(key, -1), get((r, p, "export", c), -1), get((r, p, "import", c), -1)
        self[key] = found
        return found


@dataclass(frozen=True)
class Within:
    """A span of a simple series found within its calendar year (``Columns.within_year``):
    the value, the rule, the number of parts, the flag bits of every figure used."""

    value: float
    rule: str
    n_parts: int
    bits: int


# ``year_figure``'s "not available" (the only ``Within`` with this rule).
UNFOUND = Within(math.nan, NOT_AVAILABLE, 0, 0)


@dataclass(frozen=True)
class KeyYears:
    """For a list of keys, every (key, calendar year) they have spans in, as arrays.

    Rows ``bounds[k]:bounds[k + 1]`` are key ``k``'s years, oldest first (none for a key
    that is not simple: ``simple[k]``). Column m - 1 of a row is Jan..m of its year:
    ``found``, ``value`` (NaN when not found), ``flags`` (bitmask), ``xm`` (the value is
    export + import) and ``parts`` (0: the figure of exactly that span; else the number
    of spans it is the sum of). ``run``: the number of months from January that are
    found. ``month_*``: the same for each single month of the year (column m - 1: month
    m), for the keys whose series are single months alone (``monthly[k]``); with no rows
    (``months=False``: no command reads them) where ``key_years`` was not asked for them.
    """

    simple: Bools
    bounds: Ints
    year: Ints
    value: Floats
    flags: Ints
    xm: Bools
    run: Ints
    month_found: Bools
    month_value: Floats
    month_flags: Ints
    month_xm: Bools
    found: Bools
    parts: Parts
    monthly: Bools

    def rows_of(self, keys: Ints, years: Ints) -> tuple[Ints, Bools]:
        """The row of each (key number ``keys[i]``, calendar year ``years[i]``), and
        whether the key has that year (else the row is another's): a search over (key,
        year), which the rows are sorted by."""
        key_of = np.repeat(np.arange(len(self.bounds) - 1, dtype=np.int64), np.diff(self.bounds))
        at = key_of * _YEARS + self.year
        if not len(at):
            return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
        wanted = keys.astype(np.int64) * _YEARS + years
        row = np.minimum(np.searchsorted(at, wanted), len(at) - 1)
        return row, at[row] == wanted


# Above every calendar year: (key, year) as one sortable int64 (``KeyYears.rows_of``).
_YEARS = 10_000


def key_years(
    columns: Columns,
    keys: Sequence[SeriesKey],
    months: bool = True,
    kinds: tuple[Ints, Bools, Bools] | None = None,
) -> KeyYears:
    """The Jan..m spans of every year of each key, by rules 1, 2 and 4 (module docstring);
    its single months too (``KeyYears.month_*``) unless ``months`` is False: four tables
    of every cell fewer (13 MB on sparse 1M) where they are not read (``summary``,
    ``project``, the span grids). ``kinds``: ``columns.kinds(keys)``, when the caller
    has it already (a span grid: a turnover key's roles are three look-ups by key)."""
    with small_pages():
        years = _key_years(columns, keys, months, kinds or columns.kinds(keys))
    if len(years.year) * 12 >= TRIM_CELLS:
        # Its temporaries (about 60 bytes a cell; 80 MB at 10M rows) are heap, not mapped,
        # in pieces below glibc's threshold: handed back, for the answers made next. Not
        # after the small calls (a group's members): pages handed back are faulted in again.
        give_back()
    return years


def _key_years(
    columns: Columns, keys: Sequence[SeriesKey], months: bool, kinds: tuple[Ints, Bools, Bools]
) -> KeyYears:
    n_keys = len(keys)
    roles, simple, monthly = kinds
    first_year = columns.first_year
    n_years = int(columns.row_year.max()) - first_year + 1 if len(columns.row_year) else 1
    # Every (key, year) that any of its series has a row in; each role's year-rows and
    # their cells kept, to be placed in the cells found (a series has one row a year).
    cells, role_rows = [], []
    for role in range(3):
        series = roles[:, role]
        has = simple & (series >= 0)
        which = np.flatnonzero(has)
        counts = columns.row_bounds[series[which] + 1] - columns.row_bounds[series[which]]
        starts = columns.row_bounds[series[which]]
        rows = ranges(starts, counts)
        role_rows.append(rows)
        cells.append(np.repeat(which, counts) * n_years + columns.row_year[rows] - first_year)
    every = np.concatenate(cells)
    if n_keys * n_years <= 4 * len(every) + (1 << 16):
        # Few possible cells: marked in a table, read back in order (no sort).
        marked = np.zeros(n_keys * n_years, dtype=bool)
        marked[every] = True
        cell = np.flatnonzero(marked).astype(np.int64)
        del marked
    else:
        cell = np.unique(every)
    del every
    key_of, year = cell // n_years, cell % n_years + first_year
    bounds = np.searchsorted(key_of, np.arange(n_keys + 1)).astype(np.int64)
    n = len(cell)

    def lookup(role: int) -> tuple[Iterator[tuple[Ints, _Year, _Jan]], Bools]:
        """One role's months and Jan..m figures (``_year_chunks``) in the (key, year)
        cells it has a row in (a series has one row a year), with those cells, and a
        mark of them."""
        at = role_rows[role]
        where = np.searchsorted(cell, cells[role])
        role_rows[role] = cells[role] = np.empty(0, dtype=np.int64)  # let go once placed
        has = np.zeros(n, dtype=bool)
        has[where] = True
        return _year_chunks(columns, at, where), has

    # Each role's figures are made only for the cells it has (an export key has no export
    # and import series, a turnover key seldom one of its own), one role at a time and
    # ``KEY_YEARS_CHUNK`` of its rows at a time, and placed in the key's cells at once:
    # no file-long table of a role's figures (sparse 1M: 24 MB each, and as much again
    # for their Jan..m) is made. In the cells a role has no row in, its figures count as
    # nothing found, zeros (as a table of all cells would have them).
    # Export, then import: their months' sums and Jan..m sums, where both are there.
    n_month = n if months else 0  # cells of the single months' tables
    month_value = np.zeros((n_month, 12), dtype=np.float64)
    month_flags = np.zeros((n_month, 12), dtype=columns.flag_dtype)
    month_xm = np.zeros((n_month, 12), dtype=bool)
    both = np.zeros((n, 12), dtype=bool)
    value = np.full((n, 12), np.nan)
    flags = np.zeros((n, 12), dtype=columns.flag_dtype)
    chunks, _ = lookup(1)
    for at, x, (x_found, x_value, x_flags, _) in chunks:
        if months:
            month_value[at], month_flags[at], month_xm[at] = x.value, x.flags, x.found
        both[at], value[at], flags[at] = x_found, x_value, x_flags
    chunks, has = lookup(2)
    for at, m, (m_found, m_value, m_flags, _) in chunks:
        if months:
            month_value[at] += m.value
            month_flags[at] |= m.flags
            month_xm[at] &= m.found
        both[at] &= m_found
        value[at] += m_value
        flags[at] |= m_flags
    if months:
        month_xm[~has] = False
    both[~has] = False
    del has
    # Export + import stands where both are found and the key has no figure of its own.
    value[~both] = np.nan
    flags[~both] = 0
    parts = np.where(both, np.int8(2), np.int8(0))
    # The key's own series: its figures where it has them, else export + import.
    month_found = np.zeros((n_month, 12), dtype=bool)
    found = np.zeros((n, 12), dtype=bool)
    chunks, _ = lookup(0)
    for at, own, (own_found, own_value, own_flags, own_parts) in chunks:
        if months:
            month_found[at] = own.found
            month_value[at] = np.where(own.found, own.value, month_value[at])
            month_flags[at] = np.where(own.found, own.flags, month_flags[at])
        found[at] = own_found
        both[at] &= ~own_found
        value[at] = np.where(own_found, own_value, value[at])
        flags[at] = np.where(own_found, own_flags, flags[at])
        parts[at] = np.where(own_found, own_parts, parts[at])
    if months:
        month_xm &= ~month_found
        month_found |= month_xm
    found |= both
    run = accumulated(np.logical_and, found).sum(axis=1).astype(np.int64)
    return KeyYears(
        simple,
        bounds,
        year.astype(np.int64),
        value,
        flags,
        both,
        run,
        month_found,
        month_value,
        month_flags,
        month_xm,
        found,
        parts,
        monthly,
    )


# Rows of a role's series ``_key_years`` works on at a time: its copies of their figures
# and their Jan..m (about 500 bytes a row) stay a few MB, whatever the file.
KEY_YEARS_CHUNK = 1 << 13
_Jan = tuple[Bools, Floats, Ints, Parts]


def _year_chunks(columns: Columns, rows: Ints, cells: Ints) -> Iterator[tuple[Ints, _Year, _Jan]]:
    """The year-rows ``rows`` of ``columns`` a chunk at a time (``KEY_YEARS_CHUNK``): the
    cells of ``cells`` they go to, their figures, and their Jan..m (``_Year.jan_to``,
    which works row by row)."""
    step = KEY_YEARS_CHUNK
    for low in range(0, len(rows), step):
        at = rows[low : low + step]
        shape = (len(at), 12)
        if columns.has_cumulative:
            cum = (columns.cum_values[at], columns.cum_present[at], columns.cum_flags[at])
        else:  # no Jan..m figures: one zero seen as every cell
            cum = (
                np.broadcast_to(np.zeros(1), shape),
                np.broadcast_to(np.zeros(1, dtype=bool), shape),
                np.broadcast_to(np.zeros(1, dtype=columns.flag_dtype), shape),
            )
        year = _Year(columns.values[at], columns.present[at], columns.flags[at], *cum)
        yield cells[low : low + step], year, year.jan_to()


@dataclass(frozen=True)
class _Year:
    """One series' figures in each of ``n`` calendar years: the months (column m - 1:
    month m) and the Jan..m figures (column m - 1, m >= 2)."""

    value: Floats
    found: Bools
    flags: Ints
    cum_value: Floats
    cum_found: Bools
    cum_flags: Ints

    def jan_to(self) -> tuple[Bools, Floats, Ints, Parts]:
        """Jan..m of each year by rules 1 and 2 within the series: (found, value, flags,
        parts). The figure of exactly Jan..m (parts 0); else the fewest spans that tile
        it, as ``rules._tiling`` finds them: a Jan..k figure (January's month for k = 1)
        of the largest k whose months k + 1..m are all there, then those months (parts
        1 + m - k), added left to right as the reference adds them. (Rule 3 adds nothing
        here: every span lies within a calendar year and starts in January or is a
        month, so a difference ending at m needs a tiling of Jan..m itself.)"""
        if not self.found.any() and not self.cum_found.any():
            # No figure at all (a turnover key has no series of its own): nothing found.
            shape = self.found.shape
            nothing = np.zeros(shape, dtype=self.flags.dtype)
            parts = np.zeros(shape, dtype=np.int8)
            return np.zeros(shape, dtype=bool), np.full(shape, np.nan), nothing, parts
        found = accumulated(np.logical_and, self.found)
        value = accumulated(np.add, self.value)  # the months added left to right
        value[~found] = np.nan
        flags = accumulated(np.bitwise_or, self.flags)
        flags[~found] = 0
        parts = np.where(found, np.arange(1, 13, dtype=np.int8), np.int8(0))
        parts[:, 0] = 0  # January: a month, exactly
        mixed = np.flatnonzero(self.cum_found.any(axis=1))
        if not len(mixed):
            return found, value, flags, parts
        # Years with a Jan..k figure: the tiling, span by span (few rows).
        mv, mf, mp = self.value[mixed], self.flags[mixed], self.found[mixed]
        jv, jf, jp = self.cum_value[mixed], self.cum_flags[mixed], self.cum_found[mixed]
        jv[:, 0], jf[:, 0], jp[:, 0] = mv[:, 0], mf[:, 0], mp[:, 0]
        # Jan..i + 1 not a figure itself is tiled by the largest j < i with a Jan..j + 1
        # figure whose months j + 2..i + 1 are all there: where month i + 1 is there and
        # Jan..i is found, a figure (j = i - 1) or tiled itself (the same j). Its value is
        # Jan..i's plus month i + 1: the figure and the months added left to right, as
        # the reference adds them. Column by column, each a step on the one before.
        tiled = np.zeros_like(jp)
        total = np.where(jp, jv, np.nan)
        bits = np.where(jp, jf, 0).astype(self.flags.dtype)
        tile_parts = np.zeros(jp.shape, dtype=np.int8)  # 1 + i - j where tiled
        for i in range(1, 12):
            earlier = jp[:, i - 1] | tiled[:, i - 1]
            now = np.logical_and(earlier, mp[:, i], out=tiled[:, i])
            now &= ~jp[:, i]
            np.add(total[:, i - 1], mv[:, i], out=total[:, i], where=now)
            np.bitwise_or(bits[:, i - 1], mf[:, i], out=bits[:, i], where=now)
            tile_parts[:, i] = np.where(jp[:, i - 1], 2, tile_parts[:, i - 1] + 1)
        found[mixed], value[mixed], flags[mixed] = jp | tiled, total, bits
        parts[mixed] = np.where(tiled, tile_parts, 0)
        return found, value, flags, parts


def accumulated(ufunc: np.ufunc, table: NDArray[Any]) -> NDArray[Any]:
    """``ufunc.accumulate(table, axis=1)`` (a new array), a column at a time: along rows
    of 12 cells numpy runs its loop once per row, 3-4 times slower (a chunk of 8,192
    year-rows: 0.38 ms a cumulative sum, 0.10 here). The same operations in the same
    order: each column is the one before it combined with its own cells, left to right
    (a cumulative sum of floats, bit for bit)."""
    out = np.array(table, copy=True, order="C")
    for column in range(1, out.shape[1]):
        ufunc(out[:, column - 1], out[:, column], out=out[:, column])
    return out


def _with_differences(
    values: Floats, present: Bools, flags: Ints, jan: tuple[Bools, Floats, Ints, Parts]
) -> tuple[Floats, Bools, Ints, Bools]:
    """Single months of year-rows by rules 1 and 3 (``Columns.months``, ``month_rows``)
    from their months and their Jan..m spans (``jan``: ``_Year.jan_to``'s): a month
    without a figure of its own is Jan..m less Jan..m - 1 where both are found, with the
    flags of both; value, found, flag bits, and whether a difference."""
    found, value, bits, _ = jan
    differs = np.zeros_like(present)
    differs[:, 1:] = found[:, 1:] & found[:, :-1] & ~present[:, 1:]
    return (
        np.where(differs, np.diff(value, axis=1, prepend=0.0), values),
        present | differs,
        np.where(differs, bits | np.roll(bits, 1, axis=1), flags),
        differs,
    )


def in_order(*columns: NDArray[Any]) -> bool:
    """Whether the rows (one item of each column per row) are sorted by the first column,
    then the second, and so on. Tested on the columns as they are, a pair of neighbouring
    rows at a time, in booleans: without the one integer key a sort needs."""
    if not columns or len(columns[0]) < 2:
        return True
    tied: Bools | None = None  # neighbours equal in the columns so far (None: all)
    for column in columns:
        later, earlier = column[1:], column[:-1]
        below = later < earlier
        if tied is not None:
            below &= tied
        if bool(below.any()):
            return False
        equal = later == earlier
        tied = equal if tied is None else tied & equal
        if not bool(tied.any()):
            break
    return True


def _code_counts(codes: NDArray[np.integer[Any]], distinct: int) -> Ints:
    """How many rows have each code, counted a chunk of rows at a time (``bincount`` of
    the whole column first makes an int64 copy of it: 80 MB at 10M rows)."""
    counts = np.zeros(distinct, dtype=np.int64)
    for low in range(0, len(codes), GATHER_ROWS):
        counts += np.bincount(codes[low : low + GATHER_ROWS], minlength=distinct)[:distinct]
    return counts


def _date_ranks(column: pd.Series[Any]) -> tuple[NDArray[Any], list[str], NDArray[Any]]:
    """A published-date column's codes, the texts they stand for, and each code's rank in
    text order, in the narrowest integer (a row each: 1 byte, not 8)."""
    codes, texts = codes_of(column)
    by_text = sorted(range(len(texts)), key=texts.__getitem__)
    rank = np.empty(len(texts), dtype=narrowest(len(texts)))
    rank[by_text] = np.arange(len(texts))
    return codes, texts, rank


def _begins(
    s: NDArray[Any], month: NDArray[Any], last: NDArray[Any] | None, start: int, end: int
) -> Bools:
    """Whether each of rows ``start:end`` begins a span: differs from the row before in its
    series, first month or last month (``last`` None: the first month is the last). Row 0
    begins one."""
    before = max(start - 1, 0)
    differs: Bools = s[before + 1 : end] != s[before : end - 1]
    differs |= month[before + 1 : end] != month[before : end - 1]
    if last is not None:
        differs |= last[before + 1 : end] != last[before : end - 1]
    if start == 0:
        return np.concatenate((np.ones(1, dtype=bool), differs))
    return differs


def _span_chunks(
    s: NDArray[Any], month: NDArray[Any], last: NDArray[Any] | None
) -> Iterator[tuple[int, int]]:
    """Rows ``start:end`` of about ``SPAN_ROWS`` rows each, one after the other, cut where
    a span begins (``_begins``): every span's rows in one chunk."""
    n, start = len(s), 0
    while start < n:
        end = min(start + SPAN_ROWS, n)
        width = 64  # rows looked at for the next span's beginning, doubled till one is
        while end < n:
            looked = min(end + width, n)
            found = np.flatnonzero(_begins(s, month, last, end, looked))
            if len(found):
                end += int(found[0])
                break
            end, width = looked, width * 2
        yield start, end
        start = end


def flag_dtype(words: int) -> type[np.integer[Any]]:
    """The integer that holds a bit for each of ``words`` flag words: the smallest unsigned
    one up to 32 words, int64 beyond (up to ``MAX_FLAG_WORDS``; an unsigned 64-bit integer
    would turn into a float beside the int64 arrays it is combined with). Bitmasks of a
    year-row are 12 per row: 1 byte each, not 8, for a file's usual handful of flags."""
    if words <= 8:
        return np.uint8
    if words <= 16:
        return np.uint16
    if words <= 32:
        return np.uint32
    return np.int64


def _gather(
    column: NDArray[Any], rows: NDArray[np.integer[Any]] | AllBut, dtype: Any, minus: int = 0
) -> NDArray[Any]:
    """``column[rows] - minus`` as ``dtype`` (the caller knows the numbers fit), a chunk of
    rows at a time: no copy of ``rows``' length in ``column``'s wider dtype on the way."""
    out = np.empty(len(rows), dtype=dtype)
    for low in range(0, len(rows), GATHER_ROWS):
        part = column[rows[low : low + GATHER_ROWS]]
        np.subtract(part, minus, out=out[low : low + GATHER_ROWS], casting="unsafe")
    return out


def _put(
    flat: Floats, cells: NDArray[np.integer[Any]], source: Floats, at: NDArray[Any], rows: Any
) -> None:
    """``flat[cells] = source[at[rows]]`` (``rows``: a mask, or every row), a chunk of rows
    at a time: no copy of the figures as long as ``cells``."""
    done = 0
    for low in range(0, len(at), GATHER_ROWS):
        part = at[low : low + GATHER_ROWS]
        if not isinstance(rows, slice):
            part = part[rows[low : low + GATHER_ROWS]]
        flat[cells[done : done + len(part)]] = source[part]
        done += len(part)
    assert done == len(cells)


def _kept_rows(
    keep: Bools, codes: NDArray[np.integer[Any]], counts: Ints
) -> NDArray[np.integer[Any]] | AllBut:
    """The rows whose code is kept (``keep[codes[i]]``; ``counts``: the rows of each code),
    as ``_rows_where`` finds them; when few are left out, an ``AllBut`` of them."""
    n = len(codes)
    left = int(counts[~keep].sum())
    if left * ALL_BUT <= n:
        return AllBut(n, _rows_where(n, lambda low, high: ~keep[codes[low:high]], left))
    return _rows_where(n, lambda low, high: keep[codes[low:high]], n - left)


class AllBut:
    """Rows ``0..n - 1`` but ``left_out`` (sorted), read as the array of the rows kept
    would be read (``kept[at]``, ``kept[low:high]``, ``len``): kept row ``i`` is row ``i``
    plus the rows left out before it. Holds the few rows left out, not a number for each
    row kept (a file of a few low-trust figures: 40 MB at 10M rows)."""

    def __init__(self, n: int, left_out: NDArray[np.integer[Any]]) -> None:
        self.n = n
        # Where each row left out would be among the kept: kept row i has as many rows
        # left out before it as there are of these at or below i.
        self._before = left_out.astype(np.int64) - np.arange(len(left_out), dtype=np.int64)
        self.dtype = _index_dtype(n)

    def __len__(self) -> int:
        return self.n - len(self._before)

    def __getitem__(self, at: slice | NDArray[np.integer[Any]]) -> NDArray[np.integer[Any]]:
        if isinstance(at, slice):
            low, high, step = at.indices(len(self))
            n = len(range(low, high, step))
        else:
            n = len(at)
        out = np.empty(n, dtype=self.dtype)
        part: NDArray[np.integer[Any]]
        for i in range(0, n, GATHER_ROWS):
            if isinstance(at, slice):  # made a chunk at a time, not the whole run
                part = np.arange(low + i * step, low + min(i + GATHER_ROWS, n) * step, step)
            else:
                part = at[i : i + GATHER_ROWS]
            np.add(part, self._skipped(part), out=out[i : i + GATHER_ROWS], casting="unsafe")
        return out

    def _skipped(self, part: NDArray[np.integer[Any]]) -> NDArray[np.integer[Any]]:
        """How many rows are left out at or before each of ``part``'s kept rows."""
        before = self._before
        if len(part) < 2 or not bool((part[1:] >= part[:-1]).all()):
            return np.searchsorted(before, part, side="right")
        # In order (a run of rows, the rows taken): the few left out in the part's range
        # sought among its rows, not each row among them (a tenth of the time at 10M).
        first = int(np.searchsorted(before, part[0], side="right"))
        end = int(np.searchsorted(before, part[-1], side="right"))
        where = np.searchsorted(part, before[first:end], side="left")
        skipped = np.cumsum(np.bincount(where, minlength=len(part))[: len(part)])
        skipped += first
        return skipped


def true_rows(mask: Bools) -> NDArray[np.integer[Any]]:
    """The rows where ``mask`` holds, as ``_rows_where`` finds them (int32 below 2**31
    rows, with no file-long int64 ``flatnonzero`` on the way)."""
    return _rows_where(len(mask), lambda low, high: mask[low:high])


def _rows_where(
    n: int, mask: Callable[[int, int], Bools], count: int | None = None
) -> NDArray[np.integer[Any]]:
    """The rows i < n where ``mask(low, high)`` (the mask of rows low..high - 1) holds, as
    ``_index`` holds them, found a chunk of rows at a time: no file-long int64
    ``flatnonzero`` beside the int32 result (an 80 MB transient at 10M rows). ``count``:
    how many there are, when known (else counted first)."""
    chunks = range(0, n, GATHER_ROWS)
    if count is None:
        count = sum(int(np.count_nonzero(mask(low, low + GATHER_ROWS))) for low in chunks)
    out = np.empty(count, dtype=_index_dtype(n))
    at = 0
    for low in chunks:
        rows = np.flatnonzero(mask(low, low + GATHER_ROWS))
        rows += low
        out[at : at + len(rows)] = rows
        at += len(rows)
    assert at == count
    return out


def _stable_order(key: Ints) -> NDArray[np.int32]:
    """``np.argsort(key, kind="stable")`` as int32, for keys in 0..2**31 - 1 and at most
    2**31 of them, sorting ``key`` itself (overwritten): each item's number goes into the
    low 32 bits of its key, so the keys are distinct and an unstable sort in place gives
    the stable order, with no int64 index or merge buffer beside the key (a shuffled
    trade-10m: the build's peak 782 -> 645 MB, in no more CPU time)."""
    n = len(key)
    key <<= 32
    for low in range(0, n, GATHER_ROWS):
        key[low : low + GATHER_ROWS] |= np.arange(low, min(low + GATHER_ROWS, n))
    key.sort()
    order = np.empty(n, dtype=np.int32)
    for low in range(0, n, GATHER_ROWS):
        np.bitwise_and(
            key[low : low + GATHER_ROWS],
            0xFFFFFFFF,
            out=order[low : low + GATHER_ROWS],
            casting="unsafe",
        )
    return order


def _index_dtype(n: int) -> type[np.integer[Any]]:
    """The integer ``_index`` holds row numbers into ``n`` rows in."""
    return np.int32 if n <= 1 << 31 else np.int64


def _index(rows: Ints, n: int) -> NDArray[np.integer[Any]]:
    """Row numbers into ``n`` rows (from ``flatnonzero``, ``argsort``: int64) as int32
    when ``n`` allows: half the memory for the index of a file-long column."""
    return rows.astype(_index_dtype(n), copy=False)


def series_of_rows(columns: Columns) -> Ints:
    """The series of each year-row of ``columns`` (sorted)."""
    counts = np.diff(columns.row_bounds)
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)


def ranges(starts: Ints, counts: Ints) -> Ints:
    """The concatenation of range(start, start + count) for each pair."""
    if not len(counts):
        return np.zeros(0, dtype=np.int64)
    total = int(counts.sum())
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + np.arange(total, dtype=np.int64) - offsets


@dataclass
class Engine(Reference):
    """The backend ``bulk``: the reference engine, with ``value`` answered from the columns
    for keys whose series are simple (module docstring)."""

    _columns: Columns | None = field(default=None, init=False, repr=False)
    _bulk: dict[tuple[SeriesKey, Period], Answer] = field(
        default_factory=dict, init=False, repr=False
    )

    @property
    def columns(self) -> Columns:
        if self._columns is None:
            self._columns = Columns(self.frame, self.include_flagged)
        return self._columns

    def value(self, key: SeriesKey, period: Period) -> Answer:
        memo = (key, period)
        answer = self._bulk.get(memo)
        if answer is None:
            answer = self._bulk[memo] = self._bulk_value(key, period)
        return answer

    def _bulk_value(self, key: SeriesKey, period: Period) -> Answer:
        columns = self.columns
        first, last = period
        roles = columns.roles(key)
        if roles is None:
            # Series with Jan..m figures: a span within a year, else the reference's.
            answer = within_year(columns, partial(Reference.value, self), key, period)
            return super().value(key, period) if answer is None else answer
        own, x, m = roles

        made = partial(Reference.value, self, key, period)  # the reference's (memoised there)
        values = columns.month_values(own, first, last)
        if values is not None:
            rule = EXACT if first == last else TILED
            bits = columns.month_flags(own, first, last)
            n_parts = 0 if first == last else last - first + 1
            return bulk_answer(
                key, period, float(sum(values)), rule, n_parts, made, columns.flag_words(bits)
            )
        xs, ms = columns.month_values(x, first, last), columns.month_values(m, first, last)
        if xs is None or ms is None:
            # Not available: months alone tile a span only when each is there (rule 2),
            # and without Jan..m figures rules 1 and 3 find no other; the spans it lists
            # are the reference's, worked out when looked at.
            return bulk_answer(key, period, None, NOT_AVAILABLE, 0, made)
        total = float(sum(xs)) + float(sum(ms))
        bits = columns.month_flags(x, first, last) | columns.month_flags(m, first, last)
        return bulk_answer(
            key, period, total, EXPORT_PLUS_IMPORT, 2, made, columns.flag_words(bits)
        )


def within_year(
    columns: Columns, made: Callable[[SeriesKey, Period], Answer], key: SeriesKey, period: Period
) -> Answer | None:
    """The answer of ``key`` over a span within one calendar year, from the columns when
    each of its series is simple (``year_figure``). None: a span across a year end, or a
    series that is not simple. ``made(key, period)``: the reference's answer (its
    derivation, asked when looked at)."""
    return figure_answer(columns, made, key, period, year_figure(columns, key, period))


def figure_answer(
    columns: Columns,
    made: Callable[[SeriesKey, Period], Answer],
    key: SeriesKey,
    period: Period,
    found: Within | None,
) -> Answer | None:
    """``within_year``'s answer from the figure ``year_figure`` found: None for None,
    not available for ``UNFOUND``."""
    if found is None:
        return None
    reference = partial(made, key, period)
    if found is UNFOUND:
        # Not available; the spans it lists are the reference's, worked out when asked.
        return bulk_answer(key, period, None, NOT_AVAILABLE, 0, reference)
    words = columns.flag_words(found.bits)
    return bulk_answer(key, period, found.value, found.rule, found.n_parts, reference, words)


def year_figure(columns: Columns, key: SeriesKey, period: Period) -> Within | None:
    """``key``'s figure over a span within one calendar year when each of its series is
    simple: its own series' by rules 1-3 (``Columns.within_year``), else export + import
    where both are found (rule 4), else ``UNFOUND`` (not available). None: a span across
    a year end, or a series that is not simple."""
    first, last = period
    roles = columns.roles(key, months_only=False) if first // 12 == last // 12 else None
    if roles is None:
        return None
    own, x, m = roles
    found = columns.within_year(own, first, last)
    if found is not None:
        return found
    export, imports = columns.within_year(x, first, last), columns.within_year(m, first, last)
    if export is None or imports is None:
        return UNFOUND
    total = float(sum((1 * export.value, 1 * imports.value)))  # as ``answers._sum`` adds
    return Within(total, EXPORT_PLUS_IMPORT, 2, export.bits | imports.bits)


__all__ = ["NOT_AVAILABLE", "BulkAnswer", "Columns", "Engine", "KeyYears", "key_years"]
