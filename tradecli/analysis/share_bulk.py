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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import compress

import numpy as np
from numpy.typing import NDArray

from tradecli.analysis.share import Ranking, Share, Unanswered, missing_total, no_figure
from tradecli.analysis.span_cells import (
    BATCH_KEYS,
    Bools,
    Cells,
    answer,
    column_of,
    key_cells,
    last_true,
    span,
)
from tradecli.analysis.summary_bulk import code_has_figures, member_sum, no_share
from tradecli.dataset import Dataset
from tradecli.engine import rules
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.bulk import UNFOUND, Columns, Within, figure_answer, year_figure
from tradecli.engine.masks import found_member_sum
from tradecli.engine.reference import Engine
from tradecli.engine.rules import countries_by_reporter
from tradecli.groups import Group
from tradecli.periods import Period

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class WorldTotals:
    """Per span (columns of ``Cells``): the sum over the partners with a value, their
    number, the OR of their flag bits; ``names`` the partners, ``found`` which have one,
    ``rows`` where they are in the grid."""

    value: Floats
    have: Ints
    flags: Ints
    names: list[str]
    found: Bools  # (partner, span)
    rows: slice  # the partners' rows of the span grid (``Cells``)


def world_shares(
    dataset: Dataset,
    columns: Columns,
    keys: Sequence[SeriesKey],
    group: Group,
    period: Period | None = None,
) -> dict[SeriesKey, Share | Unanswered]:
    """``share_of(engine, key, group, period)`` (a partial world sum accepted) of each key
    the columns answer (module docstring); the others are left out. Without ``period``
    the latest span; with it (within one calendar year), the share over it or why there
    is none (``_period_shares``); a span across a year end is left to the reference."""
    assert group.every_partner
    column = None if period is None else column_of(columns, period)
    if period is not None and column is None and period.start_year != period.end_year:
        return {}  # across a year end: the reference's
    blocks: dict[tuple[str, str, str], list[SeriesKey]] = {}
    for key in keys:
        blocks.setdefault((key.reporter, key.flow, key.currency), []).append(key)
    out: dict[SeriesKey, Share | Unanswered] = {}
    for block in _blocks(dataset, columns, group, blocks):
        answered = [(key, block.row[key]) for key in block.asked if block.simple[block.row[key]]]
        if not answered:
            continue
        if period is None:
            shares = _block_shares(
                dataset.engine, columns, group, answered, block.cells, block.totals
            )
        elif column is None:
            shares = _within_shares(dataset.engine, columns, group, answered, block, period)
        else:
            shares = _period_shares(
                dataset.engine, columns, group, answered, block.cells, block.totals, column
            )
        out.update(shares)
    return out


def _period_shares(
    engine: Engine,
    columns: Columns,
    group: Group,
    asked: list[tuple[SeriesKey, int]],
    cells: Cells,
    totals: WorldTotals,
    c: int,
    within: _Over | None = None,
) -> dict[SeriesKey, Share | Unanswered]:
    """``share_of(engine, key, group, span(columns, c))`` for each (key, row of ``cells``)
    of one reporter whose world total over the span is a sum over at least two partners
    and not 0 (``share._is_total``): the share where the key's own value is found, else
    why not, with its latest spans (its candidates: ``growth.spans_of``). A reporter
    without such a total: why, for each of its keys (``_no_total``).
    ``within``: a span that is no column of ``cells`` (``_within_shares``), whose totals
    are column ``c`` of ``totals``; each key's value over it from the columns."""
    out: dict[SeriesKey, Share | Unanswered] = {}
    period = span(columns, c) if within is None else within.period
    if totals.have[c] < 2 or totals.value[c] == 0:
        return _no_total(engine, columns, asked, group, period, cells, totals, c, within)
    total = _world_total(engine, columns, asked[0][0], group, period, c, totals)
    for key, i in asked:
        if within is None:
            part = answer(engine, columns, key, cells, i, c) if cells.found[i, c] else None
        else:
            part = within.answer(engine, columns, key)
            if part is None:
                continue  # not simple after all: the reference's
        if part is not None and part.found:
            out[key] = Share(key, group.name, part, total, partial=True)
        else:
            own = np.flatnonzero(cells.candidate[i])[-6:].tolist()
            out[key] = no_figure(key, period, [span(columns, s) for s in own])
    return out


def _no_total(
    engine: Engine,
    columns: Columns,
    asked: list[tuple[SeriesKey, int]],
    group: Group,
    period: Period,
    cells: Cells,
    totals: WorldTotals,
    c: int,
    within: _Over | None,
) -> dict[SeriesKey, Share | Unanswered]:
    """Every key of one reporter without a share over ``period``: its world total is a
    sum over fewer than two partners, or 0 (``share._is_total``). Why, in the reference's
    words (``share.missing_total``), once: they are the same for each key of it. The
    total is the reference's member sum of the partners found (their answers from the
    columns, as ``_period_shares`` makes them); the world's code has no figures here
    (``_blocks``), so no spans of its own."""
    first = asked[0][0]
    code = group.code or group.name.upper()
    parts = []
    for j, name in enumerate(totals.names):
        if totals.found[j, c]:
            key = SeriesKey(first.reporter, name, first.flow, first.currency)
            part = (
                answer(engine, columns, key, cells, totals.rows.start + j, c)
                if within is None
                else within.answer(engine, columns, key)
            )
            assert part is not None  # every partner is simple (``_blocks``)
            parts.append(part)
    missing = [name for j, name in enumerate(totals.names) if not totals.found[j, c]]
    world = SeriesKey(first.reporter, code, first.flow, first.currency)
    total = rules.member_sum(world, period, group, len(totals.names), tuple(parts), missing, tuple)
    reason = missing_total(engine, first, group, period, total, group_spans=[])
    return {key: Unanswered(key, reason) for key, _ in asked}


def _within_shares(
    engine: Engine,
    columns: Columns,
    group: Group,
    asked: list[tuple[SeriesKey, int]],
    block: _Block,
    period: Period,
) -> dict[SeriesKey, Share | Unanswered]:
    """``_period_shares`` over a span within one calendar year that the grid has no
    column of (a quarter, a span from a month after January): each partner's figure
    over it from the columns (``engine.bulk.year_figure``), the world total their sum in
    the partners' order as ``world_totals`` adds a column; a key's latest spans from the
    grid, as there. A reporter any of whose figures the columns cannot give is left to
    the reference (none is expected: the block's series are simple)."""
    key = asked[0][0]
    names = block.totals.names
    partners = [SeriesKey(key.reporter, name, key.flow, key.currency) for name in names]
    figures = [year_figure(columns, partner, period) for partner in partners]
    if any(f is None for f in figures):
        return {}
    over = _Over(period, dict(zip(partners, figures, strict=True)))
    found = [f is not UNFOUND for f in figures]
    value, bits = 0.0, 0
    for figure, f in zip(figures, found, strict=True):
        if f:
            assert figure is not None
            value += figure.value
            bits |= figure.bits
    totals = WorldTotals(
        np.array([value]),
        np.array([sum(found)], dtype=np.int64),
        np.array([bits], dtype=np.int64),
        names,
        np.array(found, dtype=bool)[:, None],
        block.members,
    )
    return _period_shares(engine, columns, group, asked, block.cells, totals, 0, over)


@dataclass(frozen=True)
class _Over:
    """A span within one calendar year that the span grid has no column of, and the
    partners' figures over it (``engine.bulk.year_figure``), found once for the total and
    read again for each key's answer."""

    period: Period
    figures: dict[SeriesKey, Within | None]

    def answer(self, engine: Engine, columns: Columns, key: SeriesKey) -> Answer | None:
        """``engine.bulk.within_year`` of ``key`` over the span."""
        found = self.figures.get(key) or year_figure(columns, key, self.period)
        return figure_answer(columns, engine.value, key, self.period, found)


def world_rankings(
    dataset: Dataset,
    columns: Columns,
    reporters: Sequence[str],
    group: Group,
    flow: str,
    partner: str | None = None,
) -> dict[str, Ranking | str]:
    """``share.rank_members(engine, reporter, group, flow, partner=partner)`` (USD) of each
    reporter whose world total the columns sum; the others are left out.

    Over the span with a world total (a sum over at least two partners, not 0) where the
    most partners have a figure, the latest (then the longest) among equals; the spans
    looked at are those where some partner has a figure of its own (or, for turnover,
    both an export and an import one), as ``rank_members`` looks at them."""
    assert group.every_partner
    engine, code = dataset.engine, group.code or group.name
    blocks: dict[tuple[str, str, str], list[SeriesKey]] = {(r, flow, "USD"): [] for r in reporters}
    out: dict[str, Ranking | str] = {}
    for block in _blocks(dataset, columns, group, blocks):
        reporter, totals, members = block.reporter, block.totals, block.members
        looked_at = block.cells.candidate[members].any(axis=0)
        shown = looked_at & (totals.have >= 2) & (totals.value != 0)
        if not shown.any():
            out[reporter] = (
                f"no span with a {reporter}–{code} total or a complete member sum; "
                f"{code} totals in the data: none"
            )
            continue
        most = totals.have[shown].max()
        c = int(np.flatnonzero(shown & (totals.have == most))[-1])
        world = SeriesKey(reporter, code, flow, "USD")
        total = _world_total(engine, columns, world, group, span(columns, c), c, totals)
        found = totals.found[:, c].tolist()
        answers = [
            answer(engine, columns, SeriesKey(reporter, name, flow, "USD"), block.cells, i, c)
            for i, (name, f) in enumerate(zip(totals.names, found, strict=True), members.start)
            if f
        ]
        answers.sort(key=lambda a: -(a.value or 0.0))
        missing = [name for name, f in zip(totals.names, found, strict=True) if not f]
        out[reporter] = Ranking(reporter, group, total, answers, missing, partner)
    return out


@dataclass(frozen=True)
class _Block:
    """One reporter's (flow, currency's) part of a batch's span grid: its partners at rows
    ``members``, then the keys asked that are not partners (``row``: each key's row)."""

    reporter: str
    asked: list[SeriesKey]
    cells: Cells
    simple: Bools
    members: slice
    row: dict[SeriesKey, int]
    totals: WorldTotals


def _blocks(
    dataset: Dataset,
    columns: Columns,
    group: Group,
    blocks: dict[tuple[str, str, str], list[SeriesKey]],
) -> Iterator[_Block]:
    """Each (reporter, flow, currency) of ``blocks`` whose world total the columns sum: the
    group's code has no figures and every partner is simple. Reporters a batch at a time:
    one ``key_cells`` for the keys of several (its arrays a few MB), each reporter's world
    total summed from its own rows."""
    partners = countries_by_reporter(columns.keys, dataset.groups.codes)
    batch: list[tuple[str, list[SeriesKey], list[str], int, int]] = []
    batch_keys: list[SeriesKey] = []

    def grid() -> list[_Block]:
        made = key_cells(columns, batch_keys)
        if made is None:
            return []
        cells, simple = made
        out: list[_Block] = []
        for reporter, asked, names, start, end in batch:
            members = slice(start, start + len(names))
            if not simple[members].all():
                continue  # a partner that is not simple: the reference sums the world
            row = {k: i for i, k in enumerate(batch_keys[start:end], start)}
            totals = world_totals(cells, members, names)
            out.append(_Block(reporter, asked, cells, simple, members, row, totals))
        return out

    for (reporter, flow, currency), asked in blocks.items():
        if code_has_figures(columns, SeriesKey(reporter, "", flow, currency), group):
            continue  # a published total may answer
        names = partners.get((reporter, currency), [])
        named = set(names)
        start = len(batch_keys)
        batch_keys.extend(SeriesKey(reporter, p, flow, currency) for p in names)
        batch_keys.extend(k for k in dict.fromkeys(asked) if k.partner not in named)
        batch.append((reporter, asked, names, start, len(batch_keys)))
        if len(batch_keys) >= BATCH_KEYS:
            yield from grid()
            batch.clear()
            batch_keys.clear()
    if batch:
        yield from grid()


def world_totals(cells: Cells, members: slice, names: list[str]) -> WorldTotals:
    """The sum of each span over the keys at rows ``members`` of ``cells`` (the partners
    ``names``), in their order."""
    value = np.zeros(cells.value.shape[1], dtype=np.float64)
    for i in range(members.start, members.stop):
        value += cells.value[i]  # 0.0 where not found: as the reference, which skips it
    found = cells.found[members]
    flags = np.bitwise_or.reduce(cells.flags[members], axis=0, initial=0)
    return WorldTotals(value, found.sum(axis=0).astype(np.int64), flags, names, found, members)


def _block_shares(
    engine: Engine,
    columns: Columns,
    group: Group,
    asked: list[tuple[SeriesKey, int]],
    cells: Cells,
    totals: WorldTotals,
) -> dict[SeriesKey, Share | Unanswered]:
    """``share_of`` for each (key, row of ``cells``) of one reporter (module docstring)."""
    rows = np.array([i for _, i in asked], dtype=np.int64)
    part_found = cells.candidate[rows] & cells.found[rows]
    shown = (totals.have >= 2) & (totals.value != 0)
    best = last_true(part_found & shown).tolist()
    zero = part_found & (totals.have >= 1) & (totals.value == 0)
    some_zero = zero.any(axis=1).tolist()
    out: dict[SeriesKey, Share | Unanswered] = {}
    # The reporter's world total over each span, one answer for all its partners: its
    # derivation is then made once, and its JSON written once (``shares_to_dicts``).
    world: dict[int, Answer] = {}
    for n, (key, i) in enumerate(asked):
        c = best[n]
        if c < 0:
            spans = np.flatnonzero(zero[n])[::-1][:6].tolist() if some_zero[n] else []
            out[key] = no_share(key, group, [span(columns, c) for c in spans])
        else:
            total = world.get(c)
            if total is None:
                period = span(columns, c)
                total = world[c] = _world_total(engine, columns, key, group, period, c, totals)
            part = answer(engine, columns, key, cells, i, c)
            out[key] = Share(key, group.name, part, total, partial=True)
    return out


def _world_total(
    engine: Engine,
    columns: Columns,
    key: SeriesKey,
    group: Group,
    period: Period,
    c: int,
    totals: WorldTotals,
) -> Answer:
    """The world total of ``key``'s reporter (flow, currency) over ``period``, column
    ``c`` of ``totals``: the partial sum over the partners with a figure, with the
    reference's notes."""
    have, n = int(totals.have[c]), len(totals.names)
    notes = [f"{have} of {n} members have data"]
    # The partners with and without a figure, picked in C (``compress``): a sparse file's
    # world totals have a few partners of a hundred or more.
    column = totals.found[:, c]
    if have < n:
        missing = compress(totals.names, np.logical_not(column).tolist())
        notes.append(f"incomplete: missing {', '.join(missing)}; this is not the group total")
    notes.append("sum over the partners present in the data, not every partner: a partial total")
    found = frozenset(compress(totals.names, column.tolist()))
    return member_sum(
        engine,
        key,
        group,
        period,
        float(totals.value[c]),
        have,
        columns.flag_words(int(totals.flags[c])),
        tuple(notes),
        complete=False,
        made=partial(_world_sum, engine, key, group, period, found),
    )


def _world_sum(
    engine: Engine, key: SeriesKey, group: Group, period: Period, found: frozenset[str]
) -> Answer:
    """``engine.group_value`` of ``key``'s reporter (flow, currency) over ``period``,
    where the group's code has no figures and ``found`` are the members the columns found
    (``_blocks``): only those are asked for, as ``masks.Bulk`` does. A world sum has a
    member for every partner of the reporter; in a sparse file most have no figure over
    the span, and the reference worked that out for each by every rule."""
    r, flow, currency = key.reporter, key.flow, key.currency
    members = engine.partners_for(r, group, period, currency)
    return found_member_sum(
        engine, r, group, flow, period, currency, members, lambda k: k.partner in found
    )
