"""``mirror`` for many pairs at once, from the columns (``engine.bulk``).

``mirror.compare_mirrors`` asks, for each comparison (a reporter's series and its
partner's mirror of it), the value of both over every span either side published
(``growth.spans_of``: the series' own spans, for turnover also those its export and
import both have), and keeps the spans where both are found. Where every series
behind the two keys (own, for turnover also export and import) is made of single
months alone (``Columns.monthly``), the reference's answers are plain:

- the spans are months: those the own series has, and for turnover those both its
  export and import have; a month is found exactly where it is such a span, so the
  rows are the months both keys find;
- over a month, a key's value is its own figure (rule 1), else, for turnover, export +
  import (rule 4, added as the reference adds them: 0 + export + import); over a
  longer span (``--period``), the sum of its months left to right (rule 2), else
  export + import of such sums;
- the flags of a figure (``Answer.flags``) are those of every figure agreeing with the
  chosen one (``Columns.flags``); how it was published (``mirror.published_marks``)
  reads the chosen figure's own official-statement and exclusion flags
  (``Columns.chosen_marks``); approximate figures are never in the columns.

Where the series are simple but some have Jan..m figures beside their months (a year,
a year to date: ``Columns.simple``), with no ``--period``, the spans are also those
Jan..m figures (the own series', or for turnover export's and import's both); a key's
month is its figure (rule 1), else Jan..m less Jan..m - 1 (rule 3, ``Columns.months``),
else export + import; its Jan..m span the figure, else the tiling of
``Columns.year_to_date`` (rule 2), else export + import; the marks of a difference or a
tiling are those of every chosen figure it uses (``Columns.chosen_marks``).

All comparisons are worked out at once, not key by key: the six series of each (own,
export, import of either key) looked up once; their months and Jan..m spans gathered
from the year-rows into (comparison, year) cells where both keys have a row, and the
rules applied to those arrays (``--period``: the span's months of each series used,
summed column by column); Python objects are made only for the rows found.

Every other comparison is left to the reference (returned). The answers are
``BulkAnswer``s: their derivation (JSON, ``--explain``, the sources of a flagged figure)
is the dataset engine's answer to the same question, asked only when looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradecli.analysis.mirror import Comparison, MirrorRow
from tradecli.analysis.summary_bulk import columns_of
from tradecli.dataset import Dataset
from tradecli.engine.answers import (
    DIFFERENCE,
    EXACT,
    EXPORT_PLUS_IMPORT,
    TILED,
    Answer,
    SeriesKey,
)
from tradecli.engine.bulk import Columns, Parts, bulk_answer, ranges, series_of_rows
from tradecli.engine.reference import Engine
from tradecli.observations import EXCLUDED_FLAGS, OFFICIAL_STATEMENT
from tradecli.periods import Period

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

MARKED = (OFFICIAL_STATEMENT, *EXCLUDED_FLAGS)  # the flags ``published_marks`` names
OWN, DIFFERENCE_OF, BOTH = 0, 1, 2  # how a key's month is found: ``KeyCells.month_rule``


def columnar_rows(
    dataset: Dataset, comparisons: Sequence[Comparison], period: Period | None
) -> tuple[list[MirrorRow], list[Comparison]]:
    """The rows of every comparison the columns answer (module docstring: series all
    single months, or, without ``period``, all simple), over ``period`` or every span
    either side published; and the comparisons left to the reference.

    All comparisons at once: each key's three series (own, export, import) looked up
    once, their figures gathered for the (comparison, year) cells where both sides have
    rows, the rules applied to those arrays; Python objects made only for the rows."""
    columns = columns_of(dataset)
    roles = _roles(columns, comparisons)
    # A series -1 (none) takes any path; else it must be simple (monthly for --period).
    taken_of = np.append(columns.simple if period is None else columns.monthly, True)
    taken = np.asarray(taken_of[roles].all(axis=1), dtype=bool)
    left: list[bool] = (~taken).tolist()
    rest = [c for c, out in zip(comparisons, left, strict=True) if out]
    which = np.flatnonzero(taken)
    if not len(which):
        return [], rest
    mine = [comparisons[i] for i in which.tolist()]
    if period is None:
        return _span_rows(dataset.engine, columns, mine, roles[which]), rest
    return _period_rows(dataset.engine, columns, mine, roles[which], period), rest


def _roles(columns: Columns, comparisons: Sequence[Comparison]) -> Ints:
    """Per comparison, the series numbers (-1: none) of its own key and of its mirror:
    own, export, import of each (export and import only for turnover)."""
    number = columns.number
    out: list[int] = []
    for comparison in comparisons:
        for key in comparison:
            out.append(number.get(key, -1))
            if key.flow == "turnover":
                reporter, partner, _, currency = key
                out.append(number.get(SeriesKey(reporter, partner, "export", currency), -1))
                out.append(number.get(SeriesKey(reporter, partner, "import", currency), -1))
            else:
                out += (-1, -1)
    return np.array(out, dtype=np.int64).reshape(len(comparisons), 6)


@dataclass(frozen=True)
class KeyCells:
    """A key's months and Jan..m spans in each of some (comparison, year) cells: column
    m - 1 is month m (``month_*``) and Jan..m (``jan_*``, nothing at January, which is
    the month). ``*_span``: a span of ``growth.spans_of`` (the own series publishes it,
    or for turnover export and import both do); ``month_rule``: ``OWN`` (rule 1),
    ``DIFFERENCE_OF`` (rule 3), ``BOTH`` (export + import, rule 4), for one series
    whether a difference; ``jan_parts``: 0 the figure, else how many spans it tiles;
    ``jan_xm``: export + import."""

    month_value: Floats
    month_found: Bools
    month_flags: Ints
    month_marks: Ints
    month_span: Bools
    month_rule: Ints
    jan_value: Floats
    jan_found: Bools
    jan_flags: Ints
    jan_marks: Ints
    jan_span: Bools
    jan_parts: Parts
    jan_xm: Bools


class _Tables:
    """Per year-row of the columns: single months by rules 1 and 3 (``Columns.months``),
    Jan..m spans by rules 1 and 2 (``Columns.year_to_date``), the published spans
    (``present``, ``cum_present``) and the chosen figures' marks (``chosen_marks``);
    gathered into (comparison, year) cells by ``gather``."""

    def __init__(self, columns: Columns, mask: int) -> None:
        self.month_value, self.month_found, self.month_flags, self.differs = columns.months()
        self.present = columns.present
        self.month_marks, self.jan_marks = columns.chosen_marks(mask)
        self.cumulative = columns.has_cumulative  # else no Jan..m span is published
        if self.cumulative:
            self.jan_found, self.jan_value, self.jan_flags, self.jan_parts = columns.year_to_date()
            self.cum_present = columns.cum_present

    def gather(self, at: Ints) -> KeyCells:
        """The series' cells at year-rows ``at`` (-1: none, nothing found)."""
        none = at < 0
        rows = np.where(none, 0, at)

        def take(table: NDArray[Any]) -> NDArray[Any]:
            out = table[rows]
            out[none] = 0
            return out

        if self.cumulative:
            jan_value, jan_found = take(self.jan_value), take(self.jan_found)
            jan_flags, jan_marks = take(self.jan_flags), take(self.jan_marks)
            jan_span, jan_parts = take(self.cum_present), take(self.jan_parts)
        else:  # no Jan..m span is published: none is found (zeros never written to)
            jan_value = np.zeros((len(rows), 12), dtype=np.float64)
            jan_flags = jan_marks = np.zeros((len(rows), 12), dtype=np.int64)
            jan_found = jan_span = np.zeros((len(rows), 12), dtype=bool)
            jan_parts = np.zeros((len(rows), 12), dtype=np.int8)
        return KeyCells(
            take(self.month_value),
            take(self.month_found),
            take(self.month_flags),
            take(self.month_marks),
            take(self.present),
            take(self.differs),
            jan_value,
            jan_found,
            jan_flags,
            jan_marks,
            jan_span,
            jan_parts,
            np.zeros((len(rows), 12), dtype=bool),
        )


def _key_cells(own: KeyCells, export: KeyCells, imports: KeyCells) -> KeyCells:
    """A key's months and Jan..m spans: the own series' (rules 1-3), else export + import
    where both are found (rule 4), added as the reference adds them (0 + export + import);
    its spans those of ``growth.spans_of``."""
    month_xm = export.month_found & imports.month_found & ~own.month_found
    jan_xm = export.jan_found & imports.jan_found & ~own.jan_found
    rule = np.where(own.month_rule.astype(bool), DIFFERENCE_OF, OWN)
    rule[month_xm] = BOTH
    jan_found = own.jan_found | jan_xm
    jan_span = own.jan_span | (export.jan_span & imports.jan_span)
    jan_found[:, 0] = jan_span[:, 0] = False  # Jan..Jan: the month

    def pick(mine: Ints, x: Ints, m: Ints, found: Bools) -> Ints:
        return np.where(found, mine, x | m)

    return KeyCells(
        np.where(
            own.month_found, own.month_value, (0.0 + export.month_value) + imports.month_value
        ),
        own.month_found | month_xm,
        pick(own.month_flags, export.month_flags, imports.month_flags, own.month_found),
        pick(own.month_marks, export.month_marks, imports.month_marks, own.month_found),
        own.month_span | (export.month_span & imports.month_span),
        rule,
        np.where(own.jan_found, own.jan_value, (0.0 + export.jan_value) + imports.jan_value),
        jan_found,
        pick(own.jan_flags, export.jan_flags, imports.jan_flags, own.jan_found),
        pick(own.jan_marks, export.jan_marks, imports.jan_marks, own.jan_found),
        jan_span,
        own.jan_parts,
        jan_xm,
    )


def _span_rows(
    engine: Engine, columns: Columns, comparisons: list[Comparison], roles: Ints
) -> list[MirrorRow]:
    """A row for each month and Jan..m span either key publishes and both find, of every
    comparison (``roles``: its six series)."""
    n_years = columns.n_months // 12
    row_cell = _row_cells(columns)

    def years(role: int) -> Ints:
        """The (comparison, year) cells where the series of ``role`` has a year-row."""
        series = roles[:, role]
        has = np.flatnonzero(series >= 0)
        starts = columns.row_bounds[series[has]]
        counts = columns.row_bounds[series[has] + 1] - starts
        rows = ranges(starts, counts)
        return np.repeat(has, counts) * n_years + (columns.row_year[rows] - columns.first_year)

    # A row needs a figure on both sides: the cells where both keys have a year-row.
    own_cells = np.unique(np.concatenate([years(r) for r in (0, 1, 2)]))
    mirror_cells = np.unique(np.concatenate([years(r) for r in (3, 4, 5)]))
    cell = np.intersect1d(own_cells, mirror_cells, assume_unique=True)
    del own_cells, mirror_cells
    comparison_of, year_of = cell // n_years, cell % n_years
    tables = _Tables(columns, _marked(columns))

    def gathered(role: int) -> KeyCells:
        series = roles[comparison_of, role]
        wanted = series * n_years + year_of
        at = np.minimum(np.searchsorted(row_cell, wanted), len(row_cell) - 1)
        hit = (series >= 0) & (row_cell[at] == wanted)
        return tables.gather(np.where(hit, at, -1))

    own = _key_cells(gathered(0), gathered(1), gathered(2))
    mirror = _key_cells(gathered(3), gathered(4), gathered(5))
    month_at = np.flatnonzero(
        (own.month_span | mirror.month_span) & own.month_found & mirror.month_found
    )
    jan_at = np.flatnonzero((own.jan_span | mirror.jan_span) & own.jan_found & mirror.jan_found)
    rows: list[MirrorRow] = []
    for at, jan in ((month_at, False), (jan_at, True)):
        which = comparison_of[at // 12].tolist()
        months = ((year_of[at // 12] + columns.first_year) * 12 + at % 12).tolist()
        periods = (
            [Period(m - m % 12, m) for m in months] if jan else [Period.month(m) for m in months]
        )
        sides = []
        for key_cells, side in ((own, 0), (mirror, 1)):
            keys = [comparisons[i][side] for i in which]
            sides.append(_answers(engine, columns, keys, periods, key_cells, at, jan=jan))
        marks = (own.jan_marks, mirror.jan_marks) if jan else (own.month_marks, mirror.month_marks)
        words = columns.flag_words
        rows += [
            MirrorRow(o, m, (list(words(a)), list(words(b))))
            for o, m, a, b in zip(
                sides[0],
                sides[1],
                marks[0].reshape(-1)[at].tolist(),
                marks[1].reshape(-1)[at].tolist(),
                strict=True,
            )
        ]
    return rows


def _marked(columns: Columns) -> int:
    """The bits of the flags ``published_marks`` names."""
    return sum(1 << i for i, word in enumerate(columns.words) if word in MARKED)


def _answers(
    engine: Engine,
    columns: Columns,
    keys: list[SeriesKey],
    periods: list[Period],
    cells: KeyCells,
    at: Ints,
    *,
    jan: bool,
) -> list[Answer]:
    """The ``BulkAnswer`` of each key's month or Jan..m span at flat cell ``at`` (found);
    its derivation is ``engine``'s answer, made when looked at."""
    words, value_of = columns.flag_words, engine.value
    out: list[Answer] = []
    if jan:
        for key, period, value, bits, parts, xm in zip(
            keys,
            periods,
            cells.jan_value.reshape(-1)[at].tolist(),
            cells.jan_flags.reshape(-1)[at].tolist(),
            cells.jan_parts.reshape(-1)[at].tolist(),
            cells.jan_xm.reshape(-1)[at].tolist(),
            strict=True,
        ):
            if xm:
                rule, parts = EXPORT_PLUS_IMPORT, 2
            else:
                rule = TILED if parts else EXACT
            made = partial(value_of, key, period)
            out.append(bulk_answer(key, period, value, rule, parts, made, words(bits)))
        return out
    for key, period, value, bits, kind in zip(
        keys,
        periods,
        cells.month_value.reshape(-1)[at].tolist(),
        cells.month_flags.reshape(-1)[at].tolist(),
        cells.month_rule.reshape(-1)[at].tolist(),
        strict=True,
    ):
        made = partial(value_of, key, period)
        if kind == DIFFERENCE_OF:
            answer = bulk_answer(key, period, value, DIFFERENCE, 2, made, words(bits))
        elif kind == BOTH:
            answer = bulk_answer(key, period, value, EXPORT_PLUS_IMPORT, 2, made, words(bits))
        else:
            answer = bulk_answer(key, period, value, EXACT, 0, made, words(bits))
        out.append(answer)
    return out


def _period_rows(
    engine: Engine, columns: Columns, comparisons: list[Comparison], roles: Ints, period: Period
) -> list[MirrorRow]:
    """A row for each comparison whose keys both find ``period`` (``roles``: its six
    series, all single months): a key's value the sum of its own series' months (rules 1
    and 2, left to right as ``Rules._exact_or_tiled`` adds them), else that of its
    export's plus that of its import's (rule 4, as ``rules._sum`` adds them)."""
    first, last = period.first - columns.first_month, period.last - columns.first_month
    if first < 0 or last >= columns.n_months:
        return []  # no simple series has a month outside the axis
    series = np.unique(roles[roles >= 0])
    found, value, flags, marks = _over(columns, series, first, last)
    # Each role's place in those (the last, one more: no series, nothing found).
    place = np.where(roles >= 0, np.searchsorted(series, roles), len(series))
    found, value = np.append(found, False), np.append(value, 0.0)
    flags, marks = np.append(flags, 0), np.append(marks, 0)
    n_parts = last - first + 1
    single = n_parts == 1
    rows: list[MirrorRow] = []
    sides = []
    for side in (0, 1):
        own, x, m = (place[:, 3 * side + r] for r in range(3))
        mine = found[own]
        xm = ~mine & found[x] & found[m]
        # ``sum((x or 0.0, m or 0.0))``: a zero of either is +0.0
        both = (0.0 + value[x]) + value[m]
        sides.append(
            (
                mine | xm,
                np.where(mine, value[own], both),
                np.where(mine, flags[own], flags[x] | flags[m]),
                np.where(mine, marks[own], marks[x] | marks[m]),
                xm,
            )
        )
    which = np.flatnonzero(sides[0][0] & sides[1][0])
    words, value_of = columns.flag_words, engine.value
    answers = []
    for side, (_, side_value, side_flags, _, side_xm) in enumerate(sides):
        made = []
        for i, v, bits, xm in zip(
            which.tolist(),
            side_value[which].tolist(),
            side_flags[which].tolist(),
            side_xm[which].tolist(),
            strict=True,
        ):
            key = comparisons[i][side]
            if xm:
                rule, parts = EXPORT_PLUS_IMPORT, 2
            else:
                rule, parts = (EXACT, 0) if single else (TILED, n_parts)
            call = partial(value_of, key, period)
            made.append(bulk_answer(key, period, v, rule, parts, call, words(bits)))
        answers.append(made)
    for ours, theirs, a, b in zip(
        answers[0],
        answers[1],
        sides[0][3][which].tolist(),
        sides[1][3][which].tolist(),
        strict=True,
    ):
        rows.append(MirrorRow(ours, theirs, (list(words(a)), list(words(b)))))
    return rows


def _over(
    columns: Columns, series: Ints, first: int, last: int
) -> tuple[Bools, Floats, Ints, Ints]:
    """Of each monthly series, over months ``first..last`` of the axis: whether all are
    found, their sum (a month's own figure; a longer span's sum left to right, from 0),
    and the OR of their flag bits and of their chosen figures' marked bits."""
    n_years = columns.n_months // 12
    month_value, month_found, month_flags, _ = columns.months()
    month_marks, _ = columns.chosen_marks(_marked(columns))
    row_cell = _row_cells(columns)
    n = len(series)
    found = np.ones(n, dtype=bool)
    total = np.zeros(n, dtype=np.float64)
    flags = np.zeros(n, dtype=np.int64)
    marks = np.zeros(n, dtype=np.int64)
    if not len(row_cell):
        return np.zeros(n, dtype=bool), total, flags, marks
    for year in range(first // 12, last // 12 + 1):
        wanted = series * n_years + year
        at = np.minimum(np.searchsorted(row_cell, wanted), len(row_cell) - 1)
        found &= row_cell[at] == wanted
        low, high = max(first - year * 12, 0), min(last - year * 12, 11) + 1
        found &= month_found[at, low:high].all(axis=1)
        values = month_value[at, low:high]
        if first == last:
            total = values[:, 0].copy()
        else:
            for column in range(high - low):  # left to right, as ``sum`` adds them
                total += values[:, column]
        flags |= np.bitwise_or.reduce(month_flags[at, low:high], axis=1)
        marks |= np.bitwise_or.reduce(month_marks[at, low:high], axis=1)
    return found, total, flags, marks


def _row_cells(columns: Columns) -> Ints:
    """Each year-row's (series, year) as one sorted number: series * years + year."""
    return series_of_rows(columns) * (columns.n_months // 12) + (
        columns.row_year - columns.first_year
    )
