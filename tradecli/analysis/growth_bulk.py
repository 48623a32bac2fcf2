"""``growth`` from the columns of the bulk backend.

Without ``--period``, for every key whose series are simple (``tradecli.engine.bulk``)
the latest span is the latest single month found (``spans_of``: a monthly series answers
months directly), compared with the same month a year before; when that has no figure,
the latest earlier month that has one a year before too. A simple key with year or Jan..m
figures beside its months looks for its latest span over all its spans, not its months
alone (``latest_changes``, over the grid of ``analysis.span_cells``). With ``--period``,
a Jan..m span (a full year too) of a simple key and a single month of a monthly one are
read off the years' arrays (``_over``), any other span within a year (a quarter) of a
simple key from the columns key by key (``engine.bulk.within_year``); a span across a
year end is left to the reference. Each full year is compared with the one before, and
the CAGR runs from the first full year to the last (or ``first``/``last``). The months
and years are picked with numpy for all keys at once; the answers are ``BulkAnswer``s
whose derivation is the reference engine's, made when looked at. Other keys are left to
``growth.series_growth``. ``growth --flow``'s shared span of each pair of simple keys,
and each key's change over it, come from the same grid (``shared_spans``)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np

from tradecli.analysis.growth import Cagr, Change, SeriesGrowth
from tradecli.analysis.span_cells import (
    BATCH_KEYS,
    YEAR,
    Bools,
    Cells,
    Ints,
    answer,
    computable,
    key_cells,
    last_true,
    span,
)
from tradecli.analysis.summary_bulk import Annual, Lazy, Made, columns_of, last_where, not_found
from tradecli.dataset import Dataset
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.bulk import Columns, KeyYears, key_years, within_year
from tradecli.engine.reference import Engine
from tradecli.heap import give_back
from tradecli.periods import Period


def bulk_growth(
    dataset: Dataset,
    keys: Sequence[SeriesKey],
    first: int | None = None,
    last: int | None = None,
    period: Period | Sequence[Period | None] | None = None,
    known: Known | None = None,
) -> dict[SeriesKey, SeriesGrowth | str]:
    """``series_growth(engine, key, period, first, last)`` of each simple key; with
    ``period`` (one span, or each key's: ``growth --flow``, each pair's shared span), of
    the keys whose span the years' arrays hold (``_over``) or whose change over it is
    ``known`` (``shared_spans``)."""
    if isinstance(period, Period) and period.start_year != period.end_year:
        return {}  # a span across a year end: every key to the reference
    engine = dataset.engine
    columns = columns_of(dataset)
    kinds = columns.kinds(keys)  # asked once, for the latest spans and the years' arrays
    if period is None:
        # The latest spans of the keys with more than single months first: the span grids
        # they are found on and the years' arrays (with single months) below are each
        # the command's largest tables, not held at once.
        _, simple, monthly = kinds
        spanned = [key for key, s, m in zip(keys, simple, monthly, strict=True) if s and not m]
        spans: Spans = {
            key: "no figures" if found is None else found
            for key, found in latest_changes(engine, columns, spanned).items()
        }
    ky = key_years(columns, keys, kinds=kinds)
    made = Made(engine, columns, ky)
    if period is None:
        spans.update(_latest(engine, keys, ky, made))
    else:
        periods = [period] * len(keys) if isinstance(period, Period) else period
        given = known or {}
        asked = [None if (key, p) in given else p for key, p in zip(keys, periods, strict=True)]
        spans = _over(engine, keys, ky, made, asked)
        for key, p in zip(keys, periods, strict=True):
            if p is not None and (key, p) in given:
                spans[key] = (given[key, p], None)
    full_rows = np.flatnonzero(ky.found[:, 11])
    full_bounds = np.searchsorted(full_rows, ky.bounds).tolist()
    full_list, years = full_rows.tolist(), made.lists[0]
    # The years' arrays let go before the series are made (the command's peak): their
    # full years are all the series ask of them (``Annual``).
    del ky, full_rows
    made.keep_full_years()
    out: dict[SeriesKey, SeriesGrowth | str] = {}
    for k, key in enumerate(keys):
        found = spans.get(key)
        if found is None or isinstance(found, str):
            if found is not None:
                out[key] = found
            continue
        span, earlier = found
        rows = full_list[full_bounds[k] : full_bounds[k + 1]]
        annual = Annual(made, key, rows)
        changes = Lazy(partial(_year_change, engine, key, annual), len(rows))
        cagr = None
        start = first if first is not None else (years[rows[0]] if rows else None)
        end = last if last is not None else (years[rows[-1]] if rows else None)
        if start is not None and end is not None and end > start:
            ends = (
                annual.of_year(y) or not_found(engine, key, Period.year(y)) for y in (start, end)
            )
            cagr = Cagr(*ends)
        out[key] = SeriesGrowth(key, span, changes, cagr, earlier)
    return out


Spans = dict[SeriesKey, tuple[Change, Change | None] | str]


def _latest(engine: Engine, keys: Sequence[SeriesKey], ky: KeyYears, made: Made) -> Spans:
    """Each key of single months alone (``ky.monthly``): its latest month against the
    same month a year before and, when that change cannot be computed, the latest
    earlier month whose change can; "no figures" without months (module docstring). The
    other simple keys' latest spans are ``latest_changes``'."""
    n_keys = len(keys)
    key_of = np.repeat(np.arange(n_keys), np.diff(ky.bounds))
    # Cells: (row, month) flattened; the month a year before is 12 cells back when the
    # row before is the same key's previous year.
    latest = last_cell(ky.month_found, key_of, n_keys)
    previous_year = np.zeros(len(ky.year), dtype=bool)
    if len(ky.year) > 1:
        previous_year[1:] = (key_of[1:] == key_of[:-1]) & (ky.year[1:] == ky.year[:-1] + 1)
    based = np.zeros_like(ky.month_found)
    based[1:] = ky.month_found[1:] & ky.month_found[:-1] & previous_year[1:, None]
    # The latest earlier month whose change can be computed (a base found and not zero).
    good = based.copy()
    good[1:] &= ky.month_value[:-1] != 0
    good.reshape(-1)[latest[latest >= 0]] = False
    comparable = last_cell(good, key_of, n_keys)
    del good
    monthly = ky.monthly.tolist()
    latest_list, comparable_list = latest.tolist(), comparable.tolist()
    based_list = based.reshape(-1)
    out: Spans = {}

    def month(key: SeriesKey, cell: int) -> Answer:
        return made.month(key, cell // 12, cell % 12)

    for k, key in enumerate(keys):
        if not monthly[k]:
            continue
        cell = latest_list[k]
        if cell < 0:
            out[key] = "no figures"
            continue
        current = month(key, cell)
        if based_list[cell]:
            span = Change(current, month(key, cell - 12))
        else:
            span = Change(current, not_found(engine, key, current.period.shifted_years(-1)))
        earlier = None
        if span.value is None and comparable_list[k] >= 0:
            cell = comparable_list[k]
            earlier = Change(month(key, cell), month(key, cell - 12))
        out[key] = (span, earlier)
    return out


def last_cell(mask: Bools, key_of: Ints, n_keys: int) -> Ints:
    """Per key, the last cell of a table of rows by key (``key_of``, in order) where
    ``mask`` holds, as ``row * width + column``; -1 when none. ``last_where`` of the
    flattened table with each row's key repeated, without a key for every cell (two
    file-long int64 arrays of cells, 20 MB on sparse 1M, at the command's peak)."""
    width = mask.shape[1]
    if not len(mask):
        return np.full(n_keys, -1, dtype=np.int64)
    row = last_where(np.logical_or.reduce(mask, axis=1), key_of, n_keys)
    column = width - 1 - np.argmax(mask[:, ::-1], axis=1)
    return np.where(row >= 0, row * width + column[row], -1)


def _cell_of(period: Period | None) -> tuple[bool, int] | None:
    """Where the years' arrays (``KeyYears``) hold ``period``: whether it is a single month,
    and its column (the month's; of Jan..m, m - 1); None for a span they do not hold (a
    quarter, a span not from January or across a year end)."""
    if period is None or period.start_year != period.end_year:
        return None
    if period.n_months == 1:
        return True, period.end_month - 1
    if period.is_year_to_date:
        return False, period.n_months - 1
    return None


def _over(
    engine: Engine,
    keys: Sequence[SeriesKey],
    ky: KeyYears,
    made: Made,
    periods: Sequence[Period | None],
) -> Spans:
    """Each key's span (``periods[k]``; None: none asked) against the same months a year
    before (``like_for_like``), for the keys whose arrays answer it: a Jan..m span (a full
    year too) of a simple key, a single month of a series of single months alone; "no
    <span> figure" where it is not found. Any other span within a year (a quarter, a span
    not from January, a single month of a series with Jan..m figures) of a simple key: from
    the columns key by key (``within_year``); the rest are left to the reference."""
    n_keys = len(keys)
    year = np.zeros(n_keys, dtype=np.int64)
    column = np.zeros(n_keys, dtype=np.int64)
    single = np.zeros(n_keys, dtype=bool)
    asked = np.zeros(n_keys, dtype=bool)
    for k, period in enumerate(periods):
        cell = _cell_of(period)
        if cell is not None:
            assert period is not None
            single[k], column[k] = cell
            asked[k], year[k] = True, period.start_year
    asked &= np.where(single, ky.monthly, ky.simple)

    # Each key's row of its span's year, and of the year before.
    def found_in(of_year: Ints) -> tuple[list[int], Bools]:
        row, in_row = ky.rows_of(np.arange(n_keys), of_year)
        has = asked & in_row
        found = np.zeros(n_keys, dtype=bool)
        found[has] = np.where(
            single[has],
            ky.month_found[row[has], column[has]],
            ky.found[row[has], column[has]],
        )
        return row.tolist(), found

    rows, is_found = found_in(year)
    rows_before, before_found = found_in(year - 1)

    def made_over(key: SeriesKey, period: Period, r: int) -> Answer:
        if period.n_months == 1:
            return made.month(key, r, period.end_month - 1)
        return made.answer(key, r, period.n_months)

    out: Spans = {}
    # Any other span within a year (a quarter; a single month of a series with Jan..m
    # figures) of a simple key: key by key from the columns (``within_year``).
    columns = made.columns
    for k in np.flatnonzero(ky.simple & ~asked).tolist():
        key, period = keys[k], periods[k]
        if period is None:
            continue
        current = within_year(columns, engine.value, key, period)
        if current is None:
            continue  # a span across a year end: the reference's
        before = within_year(columns, engine.value, key, period.shifted_years(-1))
        assert before is not None  # the key's series are simple
        out[key] = (
            (Change(current, before), None) if current.found else f"no {period.label()} figure"
        )
    for k in np.flatnonzero(asked).tolist():
        key, period = keys[k], periods[k]
        assert period is not None
        if not is_found[k]:
            out[key] = f"no {period.label()} figure"
            continue
        before = (
            made_over(key, period, rows_before[k])
            if before_found[k]
            else not_found(engine, key, period.shifted_years(-1))
        )
        out[key] = (Change(made_over(key, period, rows[k]), before), None)
    return out


def _year_change(engine: Engine, key: SeriesKey, annual: Annual, i: int) -> Change:
    """The change of the ``i``-th full year on the year before."""
    current = annual[i]
    year = current.period.start_year - 1
    return Change(current, annual.of_year(year) or not_found(engine, key, Period.year(year)))


def latest_changes(
    engine: Engine, columns: Columns, keys: Sequence[SeriesKey]
) -> dict[SeriesKey, tuple[Change, Change | None] | None]:
    """For simple keys (``Columns.simple``, not only single months): ``series_growth``'s
    latest span (``spans_of(...)[-1]``: the latest end, the longest) against the same span a
    year before, and, when that change cannot be computed, the latest earlier span whose
    change can (None); None for a key without spans. From ``analysis.span_cells``: a
    span's column less 24 is the same span a year before."""
    known: Known = {}
    out: dict[SeriesKey, tuple[Change, Change | None] | None] = {}
    for key, found in zip(
        keys, shared_spans(engine, columns, [[k] for k in keys], known), strict=True
    ):
        assert found is not None, "keys that are not simple"
        latest, earlier = found
        if latest is None:
            out[key] = None
        else:
            out[key] = (known[key, latest], None if earlier is None else known[key, earlier])
    return out


def _like_for_like(
    engine: Engine, columns: Columns, key: SeriesKey, cells: Cells, i: int, c: int
) -> Change:
    """Span ``c`` of key ``i`` (found) against the same span a year before (``c - YEAR``)."""
    current = answer(engine, columns, key, cells, i, c)
    if c >= YEAR and cells.found[i, c - YEAR]:
        return Change(current, answer(engine, columns, key, cells, i, c - YEAR))
    return Change(current, not_found(engine, key, current.period.shifted_years(-1)))


Known = dict[tuple[SeriesKey, Period], Change]


def shared_spans(
    engine: Engine, columns: Columns, pairs: Sequence[Sequence[SeriesKey]], known: Known
) -> list[tuple[Period | None, Period | None] | None]:
    """``growth.shared_span`` of each pair (its flows' keys, as many for every pair) whose
    keys are all simple: the latest span every key has (``spans_of``), and, when some key
    has no like-for-like change over it, the latest earlier span they have where each
    has one; None for a pair with a key that is not simple (left to the reference).
    Each key's like-for-like change over the two spans goes into ``known`` (by key and
    span). Over the grid of ``analysis.span_cells``: a span's column less 24 is the same
    span a year before. The pairs whose keys are all single months alone (most of them on
    a sparse file) are searched on grids of months (``key_cells(months_only=True)``):
    their spans are months only."""
    out: list[tuple[Period | None, Period | None] | None] = [None] * len(pairs)
    if not pairs:
        return out
    n_flows = len(pairs[0])
    _, _, monthly = columns.kinds([key for own in pairs for key in own])
    months_alone = np.logical_and.reduce(monthly.reshape(-1, n_flows), axis=1)
    per_batch = max(BATCH_KEYS // n_flows, 1)
    for months_only in (True, False):
        at = np.flatnonzero(months_alone == months_only).tolist()
        for start in range(0, len(at), per_batch):
            numbers = at[start : start + per_batch]
            chunk = [pairs[n] for n in numbers]
            found = _shared_of_batch(engine, columns, chunk, known, months_only)
            for n, spans in zip(numbers, found, strict=True):
                out[n] = spans
    if len(pairs) > per_batch:
        # The grids of several batches, freed into the C heap in pieces: handed back, for
        # the answers made next live in Python's own memory (sparse 1M growth: 15 MB).
        give_back()
    return out


def _shared_of_batch(
    engine: Engine,
    columns: Columns,
    chunk: Sequence[Sequence[SeriesKey]],
    known: Known,
    months_only: bool,
) -> list[tuple[Period | None, Period | None] | None]:
    """``shared_spans`` of a batch of pairs, on one grid (``months_only``: of months)."""
    n_flows = len(chunk[0])
    keys = [key for own in chunk for key in own]
    made = key_cells(columns, keys, months_only)
    if made is None:
        return [None] * len(chunk)
    cells, simple = made
    # Spans every key has (and is found over: a key's own span always is).
    common = _by_pair(cells.candidate & cells.found, n_flows)
    # Spans over which every key's like-for-like change can be worked out.
    every = common & _by_pair(computable(cells), n_flows)
    latest = last_true(common)  # every span of ``every`` ends by then: it is ``common``'s
    every_latest = every[np.arange(len(chunk)), np.maximum(latest, 0)]
    earlier = last_true(every)
    pair_simple = _by_pair(simple[:, None], n_flows)[:, 0].tolist()
    out: list[tuple[Period | None, Period | None] | None] = []
    for p, (c, ok, e) in enumerate(
        zip(latest.tolist(), every_latest.tolist(), earlier.tolist(), strict=True)
    ):
        if not pair_simple[p]:
            out.append(None)
            continue
        if c < 0:
            out.append((None, None))
            continue
        found = [c] if ok or e < 0 else [c, e]
        out.append((span(columns, c), span(columns, e) if len(found) > 1 else None))
        for i in range(p * n_flows, (p + 1) * n_flows):
            for at in found:
                change = _like_for_like(engine, columns, keys[i], cells, i, at)
                known[keys[i], change.current.period] = change
    return out


def _by_pair(table: Bools, n_flows: int) -> Bools:
    """Per pair (``n_flows`` rows of ``table`` each) and column, whether every row holds."""
    shared: Bools = np.logical_and.reduce(table.reshape(-1, n_flows, table.shape[1]), axis=1)
    return shared
