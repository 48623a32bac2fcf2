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
  (``Columns.chosen_flags``); approximate figures are never in the columns.

Where the series are simple but some have Jan..m figures beside their months (a year,
a year to date: ``Columns.simple``), with no ``--period``, the spans are also those
Jan..m figures (the own series', or for turnover export's and import's both); a key's
month is its figure (rule 1), else Jan..m less Jan..m - 1 (rule 3, ``Columns.months``),
else export + import; its Jan..m span the figure, else the tiling of
``Columns.year_to_date`` (rule 2), else export + import; the marks of a difference or a
tiling are those of every chosen figure it uses (``Columns.chosen_marks``).

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
from tradecli.engine.bulk import Columns, Parts, bulk_answer
from tradecli.engine.reference import Engine
from tradecli.engine.rules import NEGATIVE_DIFFERENCE
from tradecli.observations import EXCLUDED_FLAGS, OFFICIAL_STATEMENT
from tradecli.periods import Period

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

MARKED = (OFFICIAL_STATEMENT, *EXCLUDED_FLAGS)  # the flags ``published_marks`` names


@dataclass(frozen=True)
class Months:
    """One monthly series on the data's month axis (``Columns.month_vector``): value,
    found, flag bits (``Answer.flags``), and the chosen figures' marked bits."""

    value: Floats
    found: Bools
    flags: Ints
    marks: Ints


@dataclass(frozen=True)
class KeyMonths:
    """A key's figure of each month by rules 1 and 4: ``xm`` where it is export + import."""

    value: Floats
    found: Bools
    flags: Ints
    marks: Ints
    xm: Bools


def columnar_rows(
    dataset: Dataset, comparisons: Sequence[Comparison], period: Period | None
) -> tuple[list[MirrorRow], list[Comparison]]:
    """The rows of every comparison the columns answer (module docstring: series all
    single months, or, without ``period``, all simple), over ``period`` or every span
    either side published; and the comparisons left to the reference."""
    columns = columns_of(dataset)
    engine = dataset.engine
    mask = sum(1 << i for i, word in enumerate(columns.words) if word in MARKED)
    rows: list[MirrorRow] = []
    rest: list[Comparison] = []
    series: dict[int, Months] = {}  # those of the pair in hand (each serves two flows)

    def months_of(s: int) -> Months:
        made = series.get(s)
        if made is None:
            made = series[s] = _months(columns, s, mask)
        return made

    cells: dict[int, Cells] = {}  # the same, for series with Jan..m figures

    def cells_of(s: int) -> Cells:
        made = cells.get(s)
        if made is None:
            made = cells[s] = _cells(columns, s, tables)
        return made

    tables: Tables | None = None
    pair: tuple[str, str, str] | None = None
    for comparison in comparisons:
        own_key, mirror_key = comparison
        if (own_key.reporter, own_key.partner, own_key.currency) != pair:
            pair = (own_key.reporter, own_key.partner, own_key.currency)
            series.clear()
            cells.clear()
        own_roles, mirror_roles = columns.roles(own_key), columns.roles(mirror_key)
        if own_roles is None or mirror_roles is None:
            own_roles = columns.roles(own_key, months_only=False)
            mirror_roles = columns.roles(mirror_key, months_only=False)
            if period is not None or own_roles is None or mirror_roles is None:
                rest.append(comparison)
                continue
            # Simple series, some with Jan..m figures: their months and Jan..m spans.
            if tables is None:
                tables = _tables(columns, mask)
            own_cells = _key_cells(*(cells_of(s) for s in own_roles))
            mirror_cells = _key_cells(*(cells_of(s) for s in mirror_roles))
            rows.extend(_cell_rows(engine, columns, comparison, own_cells, mirror_cells))
            continue
        own = tuple(months_of(s) for s in own_roles)
        mirror = tuple(months_of(s) for s in mirror_roles)
        if period is None:
            ours, theirs = _key_months(*own), _key_months(*mirror)
            rows.extend(_monthly_rows(engine, columns, comparison, ours, theirs))
            continue
        found = _over(engine, columns, own_key, own, period)
        mirrored = _over(engine, columns, mirror_key, mirror, period)
        if found is not None and mirrored is not None:
            marks = (list(columns.flag_words(found[1])), list(columns.flag_words(mirrored[1])))
            rows.append(MirrorRow(found[0], mirrored[0], marks))
    return rows, rest


def _months(columns: Columns, series: int, mask: int) -> Months:
    """A monthly series on the month axis (-1: none), its marks those of ``mask``."""
    value, found, flags, _ = columns.month_vector(series)
    marks = columns.chosen_flags(series, flags) & mask
    return Months(value, found, flags.astype(np.int64), marks.astype(np.int64))


def _key_months(own: Months, export: Months, imports: Months) -> KeyMonths:
    """Rule 1 where the own series has the month, else rule 4 where export and import
    both have it (the roles of a key that is not turnover: none, nothing found)."""
    xm = export.found & imports.found & ~own.found
    value = np.where(own.found, own.value, (0.0 + export.value) + imports.value)
    flags = np.where(own.found, own.flags, export.flags | imports.flags)
    marks = np.where(own.found, own.marks, export.marks | imports.marks)
    return KeyMonths(value, own.found | xm, flags, marks, xm)


def _monthly_rows(
    engine: Engine,
    columns: Columns,
    comparison: Comparison,
    own: KeyMonths,
    mirror: KeyMonths,
) -> list[MirrorRow]:
    """A row for each month both keys find (every span either side published)."""
    at = np.flatnonzero(own.found & mirror.found)
    if not len(at):
        return []
    periods = [Period.month(m) for m in (at + columns.first_month).tolist()]
    sides = []
    for key, side in ((comparison.own, own), (comparison.mirror, mirror)):
        values, flags, xms = (
            side.value[at].tolist(),
            side.flags[at].tolist(),
            side.xm[at].tolist(),
        )
        sides.append(
            [
                _answer(engine, columns, key, p, v, f, xm)
                for p, v, f, xm in zip(periods, values, flags, xms, strict=True)
            ]
        )
    marks = [
        (list(columns.flag_words(a)), list(columns.flag_words(b)))
        for a, b in zip(own.marks[at].tolist(), mirror.marks[at].tolist(), strict=True)
    ]
    return [MirrorRow(o, m, k) for o, m, k in zip(sides[0], sides[1], marks, strict=True)]


def _over(
    engine: Engine,
    columns: Columns,
    key: SeriesKey,
    roles: tuple[Months, ...],
    period: Period,
) -> tuple[Answer, int] | None:
    """A key's answer over a span (``--period``) and its marked bits, or None when not
    found: the sum of its own series' months (rules 1 and 2), else of its export's plus
    that of its import's (rule 4), as the reference adds them."""
    first, last = period.first - columns.first_month, period.last - columns.first_month
    if first < 0 or last >= columns.n_months:
        return None  # no simple series has a month outside the axis
    span = slice(first, last + 1)
    own, export, imports = roles
    if own.found[span].all():
        value, flags, marks = _sum_over(own, span)
        return _answer(engine, columns, key, period, value, flags, False), marks
    if export.found[span].all() and imports.found[span].all():
        x_value, x_flags, x_marks = _sum_over(export, span)
        m_value, m_flags, m_marks = _sum_over(imports, span)
        value = float(sum((x_value or 0.0, m_value or 0.0)))  # ``rules._sum``
        answer = _answer(engine, columns, key, period, value, x_flags | m_flags, True)
        return answer, x_marks | m_marks
    return None


def _sum_over(months: Months, span: slice) -> tuple[float, int, int]:
    """The value over a span of months all found (a month's own figure; a longer span's
    sum left to right, as ``Rules._exact_or_tiled`` adds it), its flags and marks."""
    values = months.value[span].tolist()
    value = values[0] if len(values) == 1 else float(sum(values))
    flags = int(np.bitwise_or.reduce(months.flags[span]))
    return value, flags, int(np.bitwise_or.reduce(months.marks[span]))


@dataclass(frozen=True)
class Tables:
    """Per year-row of the columns: single months by rules 1 and 3 (value, found, flags,
    marks, a difference) and Jan..m spans by rules 1 and 2 (value, found, flags, marks,
    parts), as ``Columns.months``, ``Columns.year_to_date`` and ``Columns.chosen_marks``
    give them."""

    month_value: Floats
    month_found: Bools
    month_flags: Ints
    month_marks: Ints
    differs: Bools
    jan_value: Floats
    jan_found: Bools
    jan_flags: Ints
    jan_marks: Ints
    jan_parts: Parts


def _tables(columns: Columns, mask: int) -> Tables:
    month_value, month_found, month_flags, differs = columns.months()
    jan_found, jan_value, jan_flags, jan_parts = columns.year_to_date()
    month_marks, jan_marks = columns.chosen_marks(mask)
    return Tables(
        month_value,
        month_found,
        month_flags.astype(np.int64),
        month_marks,
        differs,
        jan_value,
        jan_found,
        jan_flags.astype(np.int64),
        jan_marks,
        jan_parts,
    )


@dataclass(frozen=True)
class Cells:
    """A simple series (or a key: ``xm`` where export + import) on the month axis: at
    ``t``, the month ``first_month + t`` (``month_*``) and Jan..that month of its year
    (``jan_*``; nothing at January, which is the month). ``*_span``: a span the series
    publishes (or, for a key, one of ``growth.spans_of``); ``month_rule``: 0 the figure,
    1 a difference, 2 export + import."""

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


def _cells(columns: Columns, series: int, tables: Tables | None) -> Cells:
    """Series ``series`` (-1: none) on the month axis, read from ``tables``."""
    n = columns.n_months

    def spread(a: NDArray[Any], rows: slice, at: Ints) -> NDArray[Any]:
        out = np.zeros(n, dtype=a.dtype)
        out[at] = a[rows].reshape(-1)
        return out

    names = [
        ("month_value", "month_value"),
        ("month_found", "month_found"),
        ("month_flags", "month_flags"),
        ("month_marks", "month_marks"),
        ("month_span", "present"),
        ("month_rule", "differs"),
        ("jan_value", "jan_value"),
        ("jan_found", "jan_found"),
        ("jan_flags", "jan_flags"),
        ("jan_marks", "jan_marks"),
        ("jan_span", "cum_present"),
        ("jan_parts", "jan_parts"),
    ]
    if series < 0 or tables is None:
        empty: dict[str, Any] = {
            name: np.zeros(n, dtype=np.float64 if "value" in name else np.int64)
            for name, _ in names
        }
        for name in ("month_found", "month_span", "jan_found", "jan_span"):
            empty[name] = np.zeros(n, dtype=bool)
        return Cells(**empty, jan_xm=np.zeros(n, dtype=bool))
    start, end = int(columns.row_bounds[series]), int(columns.row_bounds[series + 1])
    at = ((columns.row_year[start:end] - columns.first_year) * 12)[:, None] + np.arange(12)
    at = at.reshape(-1)
    rows = slice(start, end)
    sources: dict[str, NDArray[Any]] = {
        "present": columns.present,
        "cum_present": columns.cum_present,
        **{name: getattr(tables, name) for name in tables.__dataclass_fields__},
    }
    made: dict[str, Any] = {name: spread(sources[source], rows, at) for name, source in names}
    made["month_rule"] = made["month_rule"].astype(np.int64)
    january = (np.arange(n) % 12) == 0
    made["jan_found"] &= ~january
    made["jan_span"] &= ~january
    return Cells(**made, jan_xm=np.zeros(n, dtype=bool))


def _key_cells(own: Cells, export: Cells, imports: Cells) -> Cells:
    """A key's months and Jan..m spans: the own series' (rules 1-3), else export + import
    where both are found (rule 4); its spans those of ``growth.spans_of``."""
    month_xm = export.month_found & imports.month_found & ~own.month_found
    jan_xm = export.jan_found & imports.jan_found & ~own.jan_found

    def pick(mine: NDArray[Any], x: NDArray[Any], m: NDArray[Any], found: Bools) -> NDArray[Any]:
        return np.where(found, mine, x | m)

    return Cells(
        np.where(
            own.month_found, own.month_value, (0.0 + export.month_value) + imports.month_value
        ),
        own.month_found | month_xm,
        pick(own.month_flags, export.month_flags, imports.month_flags, own.month_found),
        pick(own.month_marks, export.month_marks, imports.month_marks, own.month_found),
        own.month_span | (export.month_span & imports.month_span),
        np.where(month_xm, 2, own.month_rule),
        np.where(own.jan_found, own.jan_value, (0.0 + export.jan_value) + imports.jan_value),
        own.jan_found | jan_xm,
        pick(own.jan_flags, export.jan_flags, imports.jan_flags, own.jan_found),
        pick(own.jan_marks, export.jan_marks, imports.jan_marks, own.jan_found),
        own.jan_span | (export.jan_span & imports.jan_span),
        own.jan_parts,
        jan_xm,
    )


def _cell_rows(
    engine: Engine, columns: Columns, comparison: Comparison, own: Cells, mirror: Cells
) -> list[MirrorRow]:
    """A row for each month and Jan..m span either key publishes and both find."""
    rows: list[MirrorRow] = []
    first_month = columns.first_month
    months = np.flatnonzero(
        (own.month_span | mirror.month_span) & own.month_found & mirror.month_found
    )
    jans = np.flatnonzero((own.jan_span | mirror.jan_span) & own.jan_found & mirror.jan_found)
    # Single months, then Jan..m spans (column t: the span ending in month t).
    spans = [(t, Period.month(first_month + t), False) for t in months.tolist()]
    spans += [(t, _jan_to(first_month + t), True) for t in jans.tolist()]
    for t, period, jan in spans:
        answers = [
            _cell_answer(engine, columns, key, period, cells, t, jan=jan)
            for key, cells in ((comparison.own, own), (comparison.mirror, mirror))
        ]
        own_marks, mirror_marks = (
            list(columns.flag_words(int((cells.jan_marks if jan else cells.month_marks)[t])))
            for cells in (own, mirror)
        )
        rows.append(MirrorRow(answers[0], answers[1], (own_marks, mirror_marks)))
    return rows


def _jan_to(month: int) -> Period:
    """January through ``month`` of its year."""
    return Period(month - month % 12, month)


def _cell_answer(
    engine: Engine,
    columns: Columns,
    key: SeriesKey,
    period: Period,
    cells: Cells,
    t: int,
    *,
    jan: bool,
) -> Answer:
    """The ``BulkAnswer`` of a key's month or Jan..m span ``t`` (found)."""
    made = partial(engine.value, key, period)
    if jan:
        value, flags = float(cells.jan_value[t]), int(cells.jan_flags[t])
        parts = int(cells.jan_parts[t])
        if cells.jan_xm[t]:
            rule, parts = EXPORT_PLUS_IMPORT, 2
        else:
            rule = TILED if parts else EXACT
        return bulk_answer(key, period, value, rule, parts, made, columns.flag_words(flags))
    value, flags = float(cells.month_value[t]), int(cells.month_flags[t])
    kind = int(cells.month_rule[t])
    words = columns.flag_words(flags)
    if kind == 1:
        notes = (NEGATIVE_DIFFERENCE,) if value < 0 else ()
        return bulk_answer(
            key, period, value, DIFFERENCE, 2, made, words, notes=notes, signs=(1, -1)
        )
    if kind == 2:
        return bulk_answer(key, period, value, EXPORT_PLUS_IMPORT, 2, made, words)
    return bulk_answer(key, period, value, EXACT, 0, made, words)


def _answer(
    engine: Engine,
    columns: Columns,
    key: SeriesKey,
    period: Period,
    value: float,
    flags: int,
    xm: bool,
) -> Answer:
    """The ``BulkAnswer`` of a value found: export + import (``xm``), a month's own figure,
    or a sum of months; its derivation is ``engine``'s answer, made when looked at."""
    made = partial(engine.value, key, period)
    if xm:
        rule, n_parts = EXPORT_PLUS_IMPORT, 2
    elif period.first == period.last:
        rule, n_parts = EXACT, 0
    else:
        rule, n_parts = TILED, period.last - period.first + 1
    return bulk_answer(key, period, value, rule, n_parts, made, columns.flag_words(flags))
