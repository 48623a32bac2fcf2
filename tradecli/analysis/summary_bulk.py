"""``summary`` rows from the columns of the bulk backend (``tradecli.engine.bulk``).

For every key whose series are simple (single months, one exact figure each), the
latest full year, the year before, the latest year-to-date span and its base, the
run-rate and the shares in groups are picked from arrays (``key_years``) with numpy,
for all keys at once; what the rows hold are ``BulkAnswer``s, whose derivation
(JSON, ``--explain``) is the reference engine's answer, made only when looked at.
Keys that are not simple are left to ``summary.summarize``'s reference path, and so
is a share whose group total could come from a published aggregate or from a member
that is not simple. The choices are the definitions of ``summary`` and ``share``
(``latest_ytd``, ``share_of``) read off the arrays: ``tests/test_engines.py`` and
``tests/test_bulk_engine.py`` hold the output equal to the reference path's.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from typing import TypeVar, overload

import numpy as np
from numpy.typing import NDArray

from tradecli.analysis.projection import Method, Projection, linear
from tradecli.analysis.share import Share, Unanswered, share_of, what_total
from tradecli.analysis.span_cells import Cells, answer, combine, key_cells, span, spread
from tradecli.dataset import Dataset
from tradecli.engine.answers import (
    DIFFERENCE,
    EXACT,
    EXPORT_PLUS_IMPORT,
    MEMBER_SUM,
    NOT_AVAILABLE,
    TILED,
    Answer,
    SeriesKey,
)
from tradecli.engine.bulk import TRIM_CELLS, Columns, KeyYears, bulk_answer, key_years
from tradecli.engine.masks import Bulk, Plan
from tradecli.engine.reference import Engine
from tradecli.groups import Group
from tradecli.heap import give_back
from tradecli.periods import Period

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
T = TypeVar("T")
# A key's months: value, found, export + import, flag bits, a difference (``Shares._vector``).
Vector = tuple[Floats, Bools, Bools, Ints, Bools]
Lists = tuple[list[int], list[float], list[int], list[bool], list[int]]


@dataclass(frozen=True)
class Picked:
    """Per key, the rows of ``KeyYears`` a summary row is made of (-1: none)."""

    year: Ints
    before: Ints
    ytd: Ints
    months: Ints
    ytd_before: Ints


def pick(ky: KeyYears, years_only: bool) -> Picked:
    """The latest full year and the one before it, the latest Jan..m (m < 12) of a later
    year and the same span a year earlier, as ``summary._spans_of_row`` chooses them."""
    n = len(ky.year)
    n_keys = len(ky.bounds) - 1
    key_of = np.repeat(np.arange(n_keys), np.diff(ky.bounds))
    rows = np.arange(n)
    full = ky.found[:, 11]
    year = last_where(full, key_of, n_keys)
    previous = year - 1
    ok = (year >= 0) & (previous >= 0)
    ok[ok] &= (key_of[previous[ok]] == key_of[year[ok]]) & (
        ky.year[previous[ok]] == ky.year[year[ok]] - 1
    )
    ok[ok] &= full[previous[ok]]
    before = np.where(ok, previous, -1)
    # The latest year after the latest full year with Jan..m found for some m < 12.
    after = np.where(year >= 0, year, -1)[key_of]
    below = ky.found[:, :11]
    candidate = below.any(axis=1) & (rows > after)
    ytd = np.full(n_keys, -1) if years_only else last_where(candidate, key_of, n_keys)
    months = np.zeros(n_keys, dtype=np.int64)
    has = ytd >= 0
    # The longest Jan..m found (m < 12).
    months[has] = 11 - np.argmax(below[ytd[has], ::-1], axis=1)
    previous = ytd - 1
    ok = (ytd >= 0) & (previous >= 0)
    ok[ok] &= (key_of[previous[ok]] == key_of[ytd[ok]]) & (
        ky.year[previous[ok]] == ky.year[ytd[ok]] - 1
    )
    ok[ok] &= ky.found[previous[ok], months[ok] - 1]
    ytd_before = np.where(ok, previous, -1)
    return Picked(year, before, ytd, months, ytd_before)


def last_where(mask: Bools, key_of: Ints, n_keys: int) -> Ints:
    """Per key, the last row index where ``mask`` holds, -1 when none."""
    out = np.full(n_keys, -1, dtype=np.int64)
    rows = np.flatnonzero(mask)
    out[key_of[rows]] = rows  # later rows overwrite earlier ones (numpy assigns in order)
    return out


class Made:
    """``BulkAnswer``s of one ``KeyYears``, their derivation asked of ``engine``. The
    arrays are read as Python lists (made once): one item each is all an answer needs."""

    def __init__(self, engine: Engine, columns: Columns, ky: KeyYears) -> None:
        self.engine, self.columns = engine, columns
        self._ky: KeyYears | None = ky
        self.ask = engine.value  # bound once; each answer's derivation is a ``partial`` of it
        self._lists: Lists | None = None

    @property
    def ky(self) -> KeyYears:
        assert self._ky is not None, "only the full years are kept (keep_full_years)"
        return self._ky

    def keep_full_years(self) -> None:
        """Let the ``KeyYears`` go, keeping what the full years' answers are made of
        (``lists``): all that is asked once the rows are made (``Annual``, made when
        looked at, as late as the output). Its tables, 15-30 MB on sparse 1M, are not
        held to the end of the command: handed back to the system when large (the
        answers made next live in Python's own memory, which could not reuse them), as
        long as the caller holds the ``KeyYears`` no more."""
        _ = self.lists
        large = len(self.ky.year) * 12 >= TRIM_CELLS
        self._ky = None
        if large:
            give_back()

    @property
    def lists(self) -> Lists:
        """The year of every row, and its full year's value, flag bits, export + import
        mark and number of parts (NaN, 0, False, 0 where not found)."""
        if self._lists is None:
            ky = self.ky
            # Each year one int object, not one per row (ints above 256 are not shared).
            low = int(ky.year.min()) if len(ky.year) else 0
            year_objects = list(range(low, int(ky.year.max()) + 1)) if len(ky.year) else []
            self._lists = (
                [year_objects[i] for i in (ky.year - low).tolist()],
                ky.value[:, 11].tolist(),
                ky.flags[:, 11].tolist(),
                ky.xm[:, 11].tolist(),
                ky.parts[:, 11].tolist(),
            )
        return self._lists

    def answer(self, key: SeriesKey, row: int, months: int) -> Answer:
        """Jan..``months`` of row ``row``'s year (found)."""
        if months != 12:
            return self.cell(key, row, months)
        years, values, flags, xms, parts = self.lists
        words = self.columns.flag_words(flags[row])
        return cell_answer(
            self.ask, key, _span(years[row], 12), values[row], words, xms[row], parts[row]
        )

    def cell(self, key: SeriesKey, row: int, months: int) -> Answer:
        """``answer``, its cell read straight from the ``KeyYears`` (no ``lists``: for a
        few cells of each row, as a projection reads)."""
        ky, at = self.ky, months - 1
        period = _span(int(ky.year[row]), months)
        value = float(ky.value[row, at])
        bits, xm, n_parts = int(ky.flags[row, at]), bool(ky.xm[row, at]), int(ky.parts[row, at])
        return cell_answer(self.ask, key, period, value, self.columns.flag_words(bits), xm, n_parts)

    def month(self, key: SeriesKey, row: int, column: int) -> Answer:
        """The single month ``column`` + 1 of row ``row``'s year (found)."""
        ky = self.ky
        period = Period.month(int(ky.year[row]) * 12 + column)
        value = float(ky.month_value[row, column])
        words = self.columns.flag_words(int(ky.month_flags[row, column]))
        made = partial(self.ask, key, period)
        if ky.month_xm[row, column]:
            return bulk_answer(key, period, value, EXPORT_PLUS_IMPORT, 2, made, words)
        return bulk_answer(key, period, value, EXACT, 0, made, words)


def cell_answer(
    ask: Callable[[SeriesKey, Period], Answer],
    key: SeriesKey,
    period: Period,
    value: float,
    words: tuple[str, ...],
    xm: bool,
    n_parts: int,
) -> Answer:
    """The answer of a found Jan..m cell of a ``KeyYears``: export + import (``xm``), else
    its own figure, exact or the sum of ``n_parts`` parts; its derivation ``ask``'s."""
    made = partial(ask, key, period)
    if xm:
        return bulk_answer(key, period, value, EXPORT_PLUS_IMPORT, 2, made, words)
    return bulk_answer(key, period, value, TILED if n_parts else EXACT, n_parts, made, words)


class Lazy(Sequence[T]):
    """A sequence whose items are made one by one, when first looked at (``make(i)``):
    a table shows the last of a series' annual values, JSON and ``--explain`` all of
    them. Equal to any sequence with the same items."""

    __slots__ = ("_items", "_make")

    def __init__(self, make: Callable[[int], T], length: int) -> None:
        self._make = make
        self._items: list[T | None] = [None] * length

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(len(self._items))[index])
        item = self._items[index]
        if item is None:
            item = self._items[index] = self._make(index % len(self._items))
        return item

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Lazy({list(self)!r})"


class Annual(Lazy[Answer]):
    """A key's full years, oldest first, as ``BulkAnswer``s made when looked at; their
    years and values known at once (``year_values``, for the sparkline)."""

    __slots__ = ("_values", "_years")

    def __init__(self, made: Made, key: SeriesKey, rows: list[int]) -> None:
        super().__init__(partial(_full_year, made, key, rows), len(rows))
        years, values, _, _, _ = made.lists
        self._years = [years[r] for r in rows]
        self._values: list[float | None] = [values[r] for r in rows]

    def year_values(self) -> dict[int, float | None]:
        """Each year's value."""
        return dict(zip(self._years, self._values, strict=True))

    def of_year(self, year: int) -> Answer | None:
        """The answer of ``year`` (None: not a full year of the key)."""
        at = bisect_left(self._years, year)
        return self[at] if at < len(self._years) and self._years[at] == year else None


def _full_year(made: Made, key: SeriesKey, rows: list[int], i: int) -> Answer:
    """The ``i``-th of the full years of ``key`` (rows ``rows`` of ``made``)."""
    return made.answer(key, rows[i], 12)


@cache
def _span(year: int, months: int) -> Period:
    """Jan..``months`` of ``year``, each made once."""
    return Period.year(year) if months == 12 else Period.ytd(year, months)


def bulk_rows(
    dataset: Dataset, keys: Sequence[SeriesKey], years_only: bool
) -> dict[SeriesKey, tuple[Annual, Answer | None, Answer | None, Answer | None] | None]:
    """For each simple key: (annual answers, the year before the latest, the latest YTD
    span, its base), as ``summary._spans_of_row``; None when it has neither a full year
    nor a year-to-date span."""
    columns = columns_of(dataset)
    ky = key_years(columns, keys, months=False)
    picked = pick(ky, years_only)
    made = Made(dataset.engine, columns, ky)
    simple = ky.simple.tolist()
    full_rows = np.flatnonzero(ky.found[:, 11])
    full_bounds = np.searchsorted(full_rows, ky.bounds).tolist()
    full_rows_list = full_rows.tolist()
    year_of, before_of = picked.year.tolist(), picked.before.tolist()
    ytd_of, months_of, ytd_before_of = (
        picked.ytd.tolist(),
        picked.months.tolist(),
        picked.ytd_before.tolist(),
    )
    out: dict[SeriesKey, tuple[Annual, Answer | None, Answer | None, Answer | None] | None] = {}
    for k, key in enumerate(keys):
        if not simple[k]:
            continue
        if year_of[k] < 0 and ytd_of[k] < 0:
            out[key] = None
            continue
        annual = Annual(made, key, full_rows_list[full_bounds[k] : full_bounds[k + 1]])
        before = made.answer(key, before_of[k], 12) if before_of[k] >= 0 else None
        ytd = ytd_before = None
        if ytd_of[k] >= 0:
            ytd = made.answer(key, ytd_of[k], months_of[k])
            if ytd_before_of[k] >= 0:
                ytd_before = made.answer(key, ytd_before_of[k], months_of[k])
        out[key] = (annual, before, ytd, ytd_before)
    del ky, picked, full_rows
    made.keep_full_years()
    return out


def last_full(engine: Engine, key: SeriesKey, ytd: Answer, annual: Annual) -> Answer:
    """The full year before the year of ``ytd``, as ``project_from`` asks the engine for it
    (``annual``: the key's full years found)."""
    year = ytd.period.start_year - 1
    found = annual.of_year(year)
    return found if found is not None else not_found(engine, key, Period.year(year))


def not_found(engine: Engine, key: SeriesKey, period: Period) -> Answer:
    """The answer "not available" of ``key`` over ``period``; the spans it lists are the
    reference's, worked out when looked at."""
    return bulk_answer(key, period, None, NOT_AVAILABLE, 0, partial(engine.value, key, period))


def columns_of(dataset: Dataset) -> Columns:
    """The dataset's columns (``Dataset.columns``: built once, or read from the cache)."""
    return dataset.columns()


def forget_columns(dataset: Dataset) -> None:
    """Drop the dataset's columns now (a Dask worker, done with a partition)."""
    dataset.forget_columns()


class Shares:
    """The shares a summary shows, from the month columns, for keys whose group total
    is a member sum of simple series (module docstring)."""

    def __init__(
        self, dataset: Dataset, columns: Columns, helper: Callable[[], Bulk | None]
    ) -> None:
        self.dataset, self.columns, self.helper = dataset, columns, helper
        self.engine = dataset.engine
        self._totals: dict[tuple[str, Group, str, str], _Totals | None] = {}
        self._vectors: dict[SeriesKey, Vector | None] = {}
        self._members: dict[Group, dict[tuple[str, ...], list[int]]] = {}
        # Keys with Jan..m figures beside their months: the span grid (``span_cells``) of
        # the members of every listed group, one reporter (flow, currency) at a time.
        self._block: tuple[tuple[str, str, str], dict[SeriesKey, int], Cells, Bools] | None
        self._block = None
        self._cell_totals: dict[tuple[str, Group, str, str], _Totals | None] = {}
        self._spans_with_figures: dict[
            tuple[str, Group, str, str], dict[tuple[str, ...], list[int]] | None
        ] = {}
        self._span_members: dict[Group, dict[tuple[str, ...], list[int]]] = {}
        self._listed: list[str] | None = None

    def share(self, key: SeriesKey, group: Group) -> Share | None:
        """The summary's share of ``key`` in ``group`` (None: none shown): the latest span
        over a complete member sum; a partial world sum is never shown."""
        if group.every_partner and not code_has_figures(self.columns, key, group):
            return None  # only a partial sum over the partners present could answer
        if not group.every_partner:
            answered, found = self._latest(key, group)
            if answered:
                return found if isinstance(found, Share) else None
        shown = share_of(self.engine, key, group, accept_partial=False, bulk=self.helper())
        return shown if isinstance(shown, Share) and not shown.partial else None

    def latest(self, key: SeriesKey, group: Group) -> Share | Unanswered | None:
        """``share_of(engine, key, group)`` (the latest span) of a group of listed members
        when the columns answer it; None: ask the reference (a published total may exist,
        a series is not simple, or there is no share and the reference says why). The
        world's: ``analysis.share_bulk``."""
        return self._latest(key, group)[1]

    def _latest(self, key: SeriesKey, group: Group) -> tuple[bool, Share | Unanswered | None]:
        """(whether the columns answer, the share or why there is none)."""
        if group.every_partner or code_has_figures(self.columns, key, group):
            return False, None
        if self.columns.roles(key) is None:
            # Spans beside the months (Jan..m figures): the share is looked for over each
            # span of the key (``share._candidate_spans``), not its months alone.
            return self._cells_latest(key, group)
        r, flow, currency = key.reporter, key.flow, key.currency
        totals = self._group_totals(r, group, flow, currency)
        if totals is not None and not totals.complete.any():
            # No month with every member's figure (a member without any series, in a
            # sparse file): no share, and no month whose total is 0 to name.
            return True, no_share(key, group, [])
        part = self._vector(key)
        if totals is None or part is None:
            return False, None
        values, found, xm, part_flags, difference = part
        ok = found & totals.complete & (totals.value != 0)
        where = np.flatnonzero(ok)
        if not len(where):
            return True, self._no_share(key, group, found, totals)
        t = int(where[-1])
        period = Period.month(self.columns.first_month + t)
        engine = self.engine

        def part_made() -> Answer:
            return engine.value(key, period)

        words = self.columns.flag_words
        part_words = words(int(part_flags[t]))
        if xm[t]:
            answer = bulk_answer(
                key, period, float(values[t]), EXPORT_PLUS_IMPORT, 2, part_made, part_words
            )
        elif difference[t]:
            answer = bulk_answer(
                key, period, float(values[t]), DIFFERENCE, 2, part_made, part_words
            )
        else:
            answer = bulk_answer(key, period, float(values[t]), EXACT, 0, part_made, part_words)
        return True, Share(key, group.name, answer, self._total(key, group, period, totals, t))

    def _no_share(self, key: SeriesKey, group: Group, found: Bools, totals: _Totals) -> Unanswered:
        """Why ``share_of`` finds no span (its messages, for a code without figures)."""
        zero = found & totals.complete & (totals.value == 0)
        months = np.flatnonzero(zero)[::-1][:6].tolist()
        first = self.columns.first_month
        return no_share(key, group, [Period.month(first + t) for t in months])

    # -- keys with Jan..m figures beside their months ---------------------------------

    def _cells_latest(self, key: SeriesKey, group: Group) -> tuple[bool, Share | Unanswered | None]:
        """``_latest`` over every span of a simple key (months and Jan..m), from the span
        grid of the reporter's group members (``span_cells``)."""
        if self.columns.roles(key, months_only=False) is None:
            return False, None
        r, flow, currency = key.reporter, key.flow, key.currency
        spans = self._span_figures(r, group, flow, currency)
        if spans is not None and not spans and key.partner in self._listed_members():
            # No span with every member's figure: as ``_latest`` (no grid made).
            return True, no_share(key, group, [])
        row, cells, simple = self._cells_block(r, flow, currency)
        i = row.get(key, -1)
        totals = self._cells_totals(r, group, flow, currency)
        if i < 0 or not simple[i] or totals is None:
            return False, None
        part = cells.candidate[i] & cells.found[i]
        where = np.flatnonzero(part & totals.complete & (totals.value != 0))
        if not len(where):
            zero = np.flatnonzero(part & totals.complete & (totals.value == 0))[::-1][:6]
            return True, no_share(key, group, [span(self.columns, c) for c in zero.tolist()])
        c = int(where[-1])
        period = span(self.columns, c)
        part_answer = answer(self.engine, self.columns, key, cells, i, c)
        return True, Share(key, group.name, part_answer, self._total(key, group, period, totals, c))

    def _total(
        self, key: SeriesKey, group: Group, period: Period, totals: _Totals, at: int
    ) -> Answer:
        """The complete member sum at ``at`` of ``totals`` (every member has data)."""
        n = int(totals.members[at])
        return member_sum(
            self.engine,
            key,
            group,
            period,
            float(totals.value[at]),
            n,
            self.columns.flag_words(int(totals.flags[at])),
            (f"{n} of {n} members have data",),
        )

    def _cells_block(
        self, reporter: str, flow: str, currency: str
    ) -> tuple[dict[SeriesKey, int], Cells, Bools]:
        """The span grid of the reporter's keys with each partner listed in a group (the
        last one asked for kept: keys come reporter by reporter)."""
        block = (reporter, flow, currency)
        if self._block is None or self._block[0] != block:
            keys = [SeriesKey(reporter, p, flow, currency) for p in self._listed_members()]
            made = key_cells(self.columns, keys)
            if made is None:
                cells, simple = (
                    _no_cells(len(keys), self.columns.n_months),
                    np.zeros(len(keys), bool),
                )
            else:
                cells, simple = made
            self._block = (block, {k: i for i, k in enumerate(keys)}, cells, simple)
        return self._block[1], self._block[2], self._block[3]

    def _listed_members(self) -> list[str]:
        """Every member of a group of listed members, sorted: the partners of a grid."""
        if self._listed is None:
            self._listed = sorted(
                {
                    m.member
                    for g in self.dataset.groups.by_name.values()
                    if not g.every_partner
                    for m in g.members
                }
            )
        return self._listed

    def _cells_totals(
        self, reporter: str, group: Group, flow: str, currency: str
    ) -> _Totals | None:
        """``_make_totals`` over every span of the grid (None: a member is not simple)."""
        memo = (reporter, group, flow, currency)
        if memo in self._cell_totals:
            return self._cell_totals[memo]
        row, cells, simple = self._cells_block(reporter, flow, currency)

        def member(name: str) -> tuple[Floats, Bools, Ints] | None:
            i = row.get(SeriesKey(reporter, name, flow, currency), -1)
            if i < 0 or not simple[i]:
                return None
            return cells.value[i], cells.found[i], cells.flags[i]

        by_members = self._span_figures(reporter, group, flow, currency)
        out = (
            None if by_members is None else _member_totals(cells.value.shape[1], by_members, member)
        )
        self._cell_totals[memo] = out
        return out

    def _span_figures(
        self, reporter: str, group: Group, flow: str, currency: str
    ) -> dict[tuple[str, ...], list[int]] | None:
        """The grid's spans by the group's members (``_members_by_span``) that can have
        every member's figure (``_with_figures``), worked out once per reporter's block."""
        memo = (reporter, group, flow, currency)
        if memo not in self._spans_with_figures:
            by_span = _without(reporter, self._members_by_span(group))
            self._spans_with_figures[memo] = self._with_figures(reporter, flow, currency, by_span)
        return self._spans_with_figures[memo]

    def _members_by_span(self, group: Group) -> dict[tuple[str, ...], list[int]]:
        """The spans of the grid (``span_cells.Cells`` columns) by the group's members
        during them (no column for Jan..1: that is January's month)."""
        columns = [c for c in range(2 * self.columns.n_months) if c % 24 != 1]
        return _by_members(self._span_members, group, columns, partial(span, self.columns))

    def _vector(self, key: SeriesKey) -> Vector | None:
        """Per month of the data: the key's value (rules 1, 3 and 4 for one month), whether
        found, whether export + import, its flag bits, whether its own difference; None
        when a series of it is not simple. (A group member's months; a key's own share
        is looked for over its months only when they are its only spans.)"""
        if key in self._vectors:
            return self._vectors[key]
        columns = self.columns
        roles = columns.roles(key, months_only=False)
        out = None
        if roles is not None:
            out = combine(*(columns.month_vector(s) for s in roles))
        self._vectors[key] = out
        return out

    def _prefetch(self, keys: Sequence[SeriesKey]) -> None:
        """``_vector`` of several keys at once (a group's members): one gather per role
        (``span_cells.spread``) instead of one per key and role."""
        todo = [k for k in dict.fromkeys(keys) if k not in self._vectors]
        if len(todo) < 2:
            return
        columns = self.columns
        table, simple = columns.role_table(todo, months_only=False)
        is_simple = simple.tolist()
        taken = [k for k, ok in zip(todo, is_simple, strict=True) if ok]
        self._vectors.update((k, None) for k, ok in zip(todo, is_simple, strict=True) if not ok)
        if not taken:
            return
        series = table[simple]
        values, found, both, flags, difference = combine(
            *(spread(columns, series[:, role], columns.month_rows) for role in range(3))
        )
        for i, k in enumerate(taken):
            self._vectors[k] = (values[i], found[i], both[i], flags[i], difference[i])

    def _group_totals(
        self, reporter: str, group: Group, flow: str, currency: str
    ) -> _Totals | None:
        """The member sums of ``group`` for each month (None: left to the reference)."""
        memo = (reporter, group, flow, currency)
        if memo not in self._totals:
            self._totals[memo] = self._make_totals(reporter, group, flow, currency)
        return self._totals[memo]

    def _membership(self, group: Group) -> dict[tuple[str, ...], list[int]]:
        """The months of the data (0: ``first_month``) by the group's members in them."""
        first = self.columns.first_month
        months = range(self.columns.n_months)
        return _by_members(self._members, group, months, lambda t: Period.month(first + t))

    def _make_totals(self, reporter: str, group: Group, flow: str, currency: str) -> _Totals | None:
        """Member sums over the members of each month (``partners_for``); may be shown where
        every member has a figure. None: a member is not simple."""
        by_members = self._with_figures(
            reporter, flow, currency, _without(reporter, self._membership(group))
        )
        if by_members is None:
            return None
        self._prefetch(
            [SeriesKey(reporter, name, flow, currency) for names in by_members for name in names]
        )

        def member(name: str) -> tuple[Floats, Bools, Ints] | None:
            vector = self._vector(SeriesKey(reporter, name, flow, currency))
            return None if vector is None else (vector[0], vector[1], vector[3])

        return _member_totals(self.columns.n_months, by_members, member)

    def _with_figures(
        self,
        reporter: str,
        flow: str,
        currency: str,
        by_members: dict[tuple[str, ...], list[int]],
    ) -> dict[tuple[str, ...], list[int]] | None:
        """``by_members`` without the columns whose members include one without any series
        of ``reporter``'s: their sums never have every member's figure, so they are never
        shown nor read (``_Totals.complete`` False) and are not added (most of a sparse
        file's groups, member by member). None when a member is not simple, as
        ``_member_totals`` finds it."""
        every = list(dict.fromkeys(name for names in by_members for name in names))
        roles, simple = self.columns.role_table(
            [SeriesKey(reporter, name, flow, currency) for name in every], months_only=False
        )
        if not simple.all():
            return None
        none = {every[i] for i in np.flatnonzero((roles < 0).all(axis=1)).tolist()}
        return {m: c for m, c in by_members.items() if none.isdisjoint(m)}


def _by_members(
    memo: dict[Group, dict[tuple[str, ...], list[int]]],
    group: Group,
    columns: Iterable[int],
    period_of: Callable[[int], Period],
) -> dict[tuple[str, ...], list[int]]:
    """``columns`` (each the span ``period_of(c)``) by the group's members during them,
    worked out once per group in ``memo``."""
    found = memo.get(group)
    if found is None:
        found = memo[group] = {}
        for c in columns:
            found.setdefault(tuple(group.members_during(period_of(c))), []).append(c)
    return found


def _without(
    reporter: str, by_members: dict[tuple[str, ...], list[int]]
) -> dict[tuple[str, ...], list[int]]:
    """``by_members`` with the reporter left out of each member list (its trade with
    itself is no part of a group total); lists that become equal are joined."""
    out: dict[tuple[str, ...], list[int]] = {}
    for listed, columns in by_members.items():
        out.setdefault(tuple(m for m in listed if m != reporter), []).extend(columns)
    return out


def _member_totals(
    n_columns: int,
    by_members: dict[tuple[str, ...], list[int]],
    member: Callable[[str], tuple[Floats, Bools, Ints] | None],
) -> _Totals | None:
    """The member sum at each of ``n_columns`` columns (months or grid spans): the members
    ``by_members`` names for it, each ``member(name)`` (value, found, flag bits per
    column), added in the members' order as the reference adds them. None: a member is
    not simple (``member`` gave None)."""
    value = np.zeros(n_columns, dtype=np.float64)
    complete = np.zeros(n_columns, dtype=bool)
    members = np.zeros(n_columns, dtype=np.int64)
    flags = np.zeros(n_columns, dtype=np.int64)
    for names, columns in by_members.items():
        if not names:
            continue
        at = np.array(columns, dtype=np.int64)
        total = np.zeros(len(at), dtype=np.float64)
        bits = np.zeros(len(at), dtype=np.int64)
        every = np.ones(len(at), dtype=bool)
        for name in names:
            got = member(name)
            if got is None:
                return None
            found = got[1][at]
            total = total + np.where(found, got[0][at], 0.0)
            bits |= np.where(found, got[2][at], 0)
            every &= found
        value[at], flags[at], complete[at], members[at] = total, bits, every, len(names)
    return _Totals(value, complete, members, flags)


def code_has_figures(columns: Columns, key: SeriesKey, group: Group) -> bool:
    """``share._code_has_figures``: the group's code has figures for ``key``'s reporter,
    currency and flow (for turnover also export or import): a published total may answer."""
    if not group.code:
        return False
    code = key.with_partner(group.code)
    flows = [key.flow, *(("export", "import") if key.flow == "turnover" else ())]
    return any(columns.has_spans(code.with_flow(f)) for f in flows)


def no_share(key: SeriesKey, group: Group, zero: list[Period]) -> Unanswered:
    """Why ``share_of`` finds no span, for a code without figures: ``zero``, the latest
    few spans with the key's figure whose member sum is 0."""
    r, code = key.reporter, group.code or group.name
    if zero:
        shown = ", ".join(p.label() for p in zero)
        return Unanswered(
            key,
            f"the {r}–{code} total is 0 in the spans that have the partner's "
            f"figure too ({shown}): no share of it",
        )
    return Unanswered(key, _no_span(r, group))


@cache
def _no_span(reporter: str, group: Group) -> str:
    """``no_share``'s reason without spans to name, made once per reporter and group: the
    reason of most keys of a sparse file (``share --vs world`` on sparse 1M: 23,900 keys
    of 230 reporters)."""
    what = what_total(reporter, group)
    code = group.code or group.name
    return f"no span has both the partner's figure and a {what}" + (
        f"; {reporter}–{code} spans in the data: none" if group.code else ""
    )


def member_sum(
    engine: Engine,
    key: SeriesKey,
    group: Group,
    period: Period,
    value: float,
    have: int,
    flag_words: tuple[str, ...],
    notes: tuple[str, ...],
    complete: bool = True,
    made: Callable[[], Answer] | None = None,
) -> Answer:
    """The member sum of ``group`` for ``key``'s reporter, flow and currency over
    ``period``, as the arrays found it (``have`` members with data); its derivation is
    the reference engine's ``group_value`` (or ``made``: the same answer, made quicker),
    made when looked at."""
    r, flow, currency = key.reporter, key.flow, key.currency
    return bulk_answer(
        SeriesKey(r, group.code or group.name.upper(), flow, currency),
        period,
        value,
        MEMBER_SUM,
        have,
        made or partial(engine.group_value, r, group, flow, period, currency),
        flag_words,
        notes=notes,
        complete=complete,
    )


def _no_cells(n_keys: int, n_months: int) -> Cells:
    """A grid with nothing found (keys none of which is simple)."""
    shape = (n_keys, 2 * n_months)
    nothing = np.zeros(shape, dtype=bool)
    zeros = np.zeros(shape, dtype=np.int64)
    return Cells(np.zeros(shape), nothing, zeros, nothing, zeros, nothing, nothing)


@dataclass(frozen=True)
class _Totals:
    """Per month: the member sum, whether it may be shown (every member has a figure)
    and the number of members."""

    value: Floats
    complete: Bools
    members: Ints
    flags: Ints  # the OR of the flag bits of the members with a figure


__all__ = [
    "Annual",
    "Lazy",
    "Made",
    "Method",
    "Picked",
    "Projection",
    "Shares",
    "bulk_rows",
    "linear",
    "pick",
]


class YearAnswers:
    """``engine.value`` for the full years and Jan..m spans of the simple keys of a
    ``KeyYears``, read off its arrays; any other question is the reference engine's.
    With ``plan``, the found-masks of ``engine.masks.Plan`` from the same arrays: what
    ``project_series`` needs, without the reference's span index."""

    def __init__(self, dataset: Dataset, keys: Sequence[SeriesKey]) -> None:
        self.engine = dataset.engine
        columns = columns_of(dataset)
        self.ky = ky = key_years(columns, keys, months=False)
        self.made = Made(self.engine, columns, ky)
        simple = ky.simple.tolist()
        self.number = {k: i for i, k in enumerate(keys) if simple[i]}
        self._years: dict[int, dict[int, int]] = {}
        # Per row, the found-mask of ``engine.masks.Plan`` (bit m - 1: Jan..m found): the
        # row's 12 marks packed into two bytes, month 1 the lowest bit, read as one number.
        packed = np.packbits(ky.found, axis=1, bitorder="little")
        self._masks = packed.view("<u2").reshape(-1).tolist()

    def simple(self, key: SeriesKey) -> bool:
        return key in self.number

    def _rows(self, k: int) -> dict[int, int]:
        rows = self._years.get(k)
        if rows is None:
            start, end = int(self.ky.bounds[k]), int(self.ky.bounds[k + 1])
            years = self.ky.year[start:end].tolist()
            rows = self._years[k] = dict(zip(years, range(start, end), strict=True))
        return rows

    def value(self, key: SeriesKey, period: Period) -> Answer:
        k = self.number.get(key)
        first, last = period
        if k is None or first % 12 or first // 12 != last // 12:
            return self.engine.value(key, period)
        months = last - first + 1
        row = self._rows(k).get(first // 12)
        if row is None or not self._masks[row] >> (months - 1) & 1:
            return not_found(self.engine, key, period)
        return self.made.answer(key, row, months)

    def plan(self, key: SeriesKey) -> Plan:
        """The key's years and found-masks (bit m - 1: Jan..m found)."""
        rows = self._rows(self.number[key])
        return Plan(tuple(rows), tuple(self._masks[row] for row in rows.values()))
