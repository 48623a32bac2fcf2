"""``share --vs world`` (latest span) for every key at once, from the columns (``engine.bulk``).

``share.share_of`` looks for a key's share of its reporter's trade with the world over
the key's spans (``growth.spans_of``: its own spans, for turnover also those export and
import both have), latest end first and, among spans ending together, longest first; it
takes the first span whose world total is a sum over at least two partners and not 0.
With no published world total (the group's code has no figures), that total is the
sum over every partner of the reporter in the data, each found by rules 1–4, in the
partners' order.

Here the same search is made with arrays, one reporter (flow, currency) at a time, for
every key of it whose series are simple (single months and Jan..m figures of one year,
``Columns.simple``): the spans are the months of the data and the Jan..m spans of each
year (m ≥ 2); a key's candidates are the spans its own series has a figure of, or both
its export and import have; the world total of each month is the sum of the partners'
months (rules 1, 3, 4: ``Columns.months``), of each Jan..m span the sum of their Jan..m
values (rules 1, 2, 4: ``engine.bulk.key_years``), added in the partners' order as the
reference adds them. A reporter whose world code has figures, or one of whose partners is
not simple, is left to the reference (None), and so is a key that is not simple.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradecli.analysis.share import Share, Unanswered
from tradecli.dataset import Dataset
from tradecli.engine.answers import (
    DIFFERENCE,
    EXACT,
    EXPORT_PLUS_IMPORT,
    MEMBER_SUM,
    TILED,
    Answer,
    SeriesKey,
)
from tradecli.engine.bulk import BulkAnswer, Columns, bulk_answer, key_years
from tradecli.engine.reference import Engine
from tradecli.engine.rules import NEGATIVE_DIFFERENCE
from tradecli.groups import Group
from tradecli.periods import Period

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True)
class Cells:
    """Per key (row) and span (column), for the spans of the data in the order "latest"
    reads them backwards: column ``2 t`` is month ``first_month + t``, column ``2 t + 1``
    Jan..m of that month's year, m = t % 12 + 1 ≥ 2 (never a span for January)."""

    value: Floats
    found: Bools
    flags: Ints
    xm: Bools  # export + import (rule 4)
    parts: Ints  # 0: exact; else the number of spans summed (or differenced)
    difference: Bools  # a month as Jan..m less Jan..m - 1 (rule 3)
    candidate: Bools  # a span of the key (``growth.spans_of``)


@dataclass(frozen=True)
class WorldTotals:
    """Per span (columns of ``Cells``): the sum over the partners with a value, their
    number, the OR of their flag bits; ``names`` the partners, ``found`` which have one."""

    value: Floats
    have: Ints
    flags: Ints
    names: list[str]
    found: Bools  # (partner, span)


def world_shares(
    dataset: Dataset, columns: Columns, keys: Sequence[SeriesKey], group: Group
) -> dict[SeriesKey, Share | Unanswered]:
    """``share_of(engine, key, group)`` (the latest span, a partial world sum accepted) of
    each key the columns answer (module docstring); the others are left out."""
    assert group.every_partner
    codes = dataset.groups.codes
    partners: dict[tuple[str, str], set[str]] = {}
    for k in columns.keys:
        if k.partner not in codes and ":" not in k.partner and k.partner != k.reporter:
            partners.setdefault((k.reporter, k.currency), set()).add(k.partner)
    blocks: dict[tuple[str, str, str], list[SeriesKey]] = {}
    for key in keys:
        blocks.setdefault((key.reporter, key.flow, key.currency), []).append(key)
    out: dict[SeriesKey, Share | Unanswered] = {}
    for (reporter, flow, currency), asked in blocks.items():
        if group.code and _code_has_figures(columns, reporter, group.code, flow, currency):
            continue  # a published total may answer
        names = sorted(partners.get((reporter, currency), ()))
        members = [SeriesKey(reporter, p, flow, currency) for p in names]
        named = set(names)
        extra = [k for k in dict.fromkeys(asked) if k.partner not in named]
        block = members + extra
        cells = key_cells(columns, block)
        if cells is None:
            continue
        cells_of, simple = cells
        if not simple[: len(members)].all():
            continue  # a partner that is not simple: the reference sums the world
        totals = world_totals(cells_of, len(members), names)
        row = {k: i for i, k in enumerate(block)}
        for key in asked:
            i = row[key]
            if simple[i]:
                out[key] = _share(dataset.engine, columns, key, group, cells_of, i, totals)
    return out


def _code_has_figures(columns: Columns, reporter: str, code: str, flow: str, currency: str) -> bool:
    """``share._code_has_figures``: the group's code has figures for the flow (for turnover
    also export or import)."""
    flows = [flow, *(("export", "import") if flow == "turnover" else ())]
    return any(columns.has_spans(SeriesKey(reporter, code, f, currency)) for f in flows)


def key_cells(columns: Columns, keys: Sequence[SeriesKey]) -> tuple[Cells, Bools] | None:
    """The ``Cells`` of ``keys`` and whether each key is simple (the cells of one that is
    not are empty); None when none is."""
    n_keys, n_months, n_years = len(keys), columns.n_months, columns.n_months // 12
    roles = np.full((n_keys, 3), -1, dtype=np.int64)
    simple = np.zeros(n_keys, dtype=bool)
    for k, key in enumerate(keys):
        taken = columns.roles(key, months_only=False)
        if taken is not None:
            simple[k] = True
            roles[k] = taken
    if not simple.any():
        return None
    # Single months by rules 1 and 3 of each series (own, export, import), and its spans.
    month_value, month_found, month_flags, month_difference = columns.months()
    own, x, m = (
        _spread(
            columns,
            roles[:, role],
            (
                month_value,
                month_found,
                month_flags,
                month_difference,
                columns.present,
                columns.cum_present,
            ),
        )
        for role in range(3)
    )
    both = x[1] & m[1] & ~own[1]
    months = (
        np.where(own[1], own[0], x[0] + m[0]),
        own[1] | both,
        np.where(own[1], own[2], x[2] | m[2]),
        both,
        own[1] & own[3],
        own[4] | (x[4] & m[4]),
    )
    # Jan..m of each year by rules 1, 2 and 4 (``key_years``), into the same grid.
    ky = key_years(columns, keys)
    key_of = np.repeat(np.arange(n_keys), np.diff(ky.bounds))
    cell = (key_of * n_years + ky.year - columns.first_year).astype(np.int64)
    grid: list[NDArray[Any]] = []
    for table in (ky.value, ky.found, ky.flags, ky.xm, ky.parts):
        dense = np.zeros((n_keys * n_years, 12), dtype=table.dtype)
        dense[cell] = table
        grid.append(dense.reshape(n_keys, n_months))
    jan_value, jan_found, jan_flags, jan_xm, jan_parts = grid
    jan_candidate = own[5] | (x[5] & m[5])
    jan_candidate[:, ::12] = False  # Jan..1 is January's month

    def interleave(month: NDArray[Any], jan: NDArray[Any]) -> NDArray[Any]:
        both_kinds = np.empty((n_keys, 2 * n_months), dtype=month.dtype)
        both_kinds[:, 0::2] = month
        both_kinds[:, 1::2] = jan
        return both_kinds

    value, found, flags, xm, difference, candidate = months
    parts = np.where(xm, 2, np.where(difference, 2, 0))
    return (
        Cells(
            interleave(np.where(found, value, 0.0), np.where(jan_found, jan_value, 0.0)),
            interleave(found, jan_found),
            interleave(np.where(found, flags, 0), np.where(jan_found, jan_flags, 0)),
            interleave(xm, jan_xm & jan_found),
            interleave(parts, np.where(jan_found, jan_parts, 0)),
            interleave(difference, np.zeros_like(difference)),
            interleave(candidate, jan_candidate),
        ),
        simple,
    )


def _spread(columns: Columns, series: Ints, tables: tuple[NDArray[Any], ...]) -> list[NDArray[Any]]:
    """Each table of year-rows (``Columns.row_bounds``) as one row per series of
    ``series`` over every month of the data (zeros for -1 and years without a row)."""
    n, n_months = len(series), columns.n_months
    has = np.flatnonzero(series >= 0)
    starts = columns.row_bounds[series[has]]
    counts = columns.row_bounds[series[has] + 1] - starts
    total = int(counts.sum())
    rows = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)
    cell = np.repeat(has, counts) * (n_months // 12) + columns.row_year[rows] - columns.first_year
    out = []
    for table in tables:
        dense = np.zeros((n * (n_months // 12), 12), dtype=table.dtype)
        dense[cell] = table[rows]
        out.append(dense.reshape(n, n_months))
    return out


def world_totals(cells: Cells, n_members: int, names: list[str]) -> WorldTotals:
    """The sum over the first ``n_members`` keys of ``cells`` of each span, in order."""
    value = np.zeros(cells.value.shape[1], dtype=np.float64)
    for i in range(n_members):
        value += cells.value[i]  # 0.0 where not found: as the reference, which skips it
    found = cells.found[:n_members]
    flags = np.bitwise_or.reduce(cells.flags[:n_members], axis=0, initial=0)
    return WorldTotals(value, found.sum(axis=0).astype(np.int64), flags, names, found)


def _period(columns: Columns, column: int) -> Period:
    t, jan = divmod(column, 2)
    month = columns.first_month + t
    if not jan:
        return Period.month(month)
    year, through = divmod(month, 12)
    return Period.year(year) if through == 11 else Period.ytd(year, through + 1)


def _share(
    engine: Engine,
    columns: Columns,
    key: SeriesKey,
    group: Group,
    cells: Cells,
    i: int,
    totals: WorldTotals,
) -> Share | Unanswered:
    """``share_of`` for key ``i`` of ``cells`` (module docstring)."""
    r, flow, currency = key.reporter, key.flow, key.currency
    part_found = cells.candidate[i] & cells.found[i]
    ok = part_found & (totals.have >= 2) & (totals.value != 0)
    where = np.flatnonzero(ok)
    if not len(where):
        return _no_share(columns, key, group, part_found, totals)
    c = int(where[-1])
    period = _period(columns, c)

    def part_made() -> Answer:
        return engine.value(key, period)

    def total_made() -> Answer:
        return engine.group_value(r, group, flow, period, currency)

    words = columns.flag_words
    value = float(cells.value[i, c])
    part_words = words(int(cells.flags[i, c]))
    n_parts = int(cells.parts[i, c])
    part: BulkAnswer
    if cells.xm[i, c]:
        part = bulk_answer(key, period, value, EXPORT_PLUS_IMPORT, 2, part_made, part_words)
    elif cells.difference[i, c]:
        part = bulk_answer(
            key,
            period,
            value,
            DIFFERENCE,
            2,
            part_made,
            part_words,
            signs=(1, -1),
            notes=(NEGATIVE_DIFFERENCE,) if value < 0 else (),
        )
    else:
        rule = TILED if n_parts else EXACT
        part = bulk_answer(key, period, value, rule, n_parts, part_made, part_words)
    have, n = int(totals.have[c]), len(totals.names)
    notes = [f"{have} of {n} members have data"]
    if have < n:
        missing = [
            name for name, f in zip(totals.names, totals.found[:, c].tolist(), strict=True) if not f
        ]
        notes.append(f"incomplete: missing {', '.join(missing)}; this is not the group total")
    notes.append("sum over the partners present in the data, not every partner: a partial total")
    total = bulk_answer(
        SeriesKey(r, group.code or group.name.upper(), flow, currency),
        period,
        float(totals.value[c]),
        MEMBER_SUM,
        have,
        total_made,
        words(int(totals.flags[c])),
        notes=tuple(notes),
        complete=False,
    )
    return Share(key, group.name, part, total, partial=True)


def _no_share(
    columns: Columns, key: SeriesKey, group: Group, part_found: Bools, totals: WorldTotals
) -> Unanswered:
    """Why ``share_of`` finds no span (its messages, for a world code without figures)."""
    r, code = key.reporter, group.code or group.name
    zero = part_found & (totals.have >= 1) & (totals.value == 0)
    spans = np.flatnonzero(zero)[::-1][:6].tolist()
    if spans:
        shown = ", ".join(_period(columns, c).label() for c in spans)
        return Unanswered(
            key,
            f"the {r}–{code} total is 0 in the spans that have the partner's "
            f"figure too ({shown}): no share of it",
        )
    what = f"{r}–{code} total" if group.code else f"complete {group.name} member sum"
    return Unanswered(
        key,
        f"no span has both the partner's figure and a {what}"
        + (f"; {r}–{code} spans in the data: none" if group.code else ""),
    )
