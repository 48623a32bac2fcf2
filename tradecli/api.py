"""The Python API: what a notebook needs, in a few functions (``tradecli.load``, ...).

Each function takes names and spans as the command line does (``"AZE"``,
``"Tajikistan"``, ``"2023-01/2023-07"``), applies the same rules (a ``BadRequest``
for options that exclude each other or a year out of range), and returns the
command's result object: ``.to_dict()`` for its JSON, ``frame(result)`` for a
pandas DataFrame of its table, ``.report()`` for what the command prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tradecli.analysis.contributions import Contributions
from tradecli.analysis.flows import FlowsResult
from tradecli.analysis.growth import Growth
from tradecli.analysis.projection import Method, ProjectionResult
from tradecli.analysis.rankings import Ranking
from tradecli.analysis.revisions import Revisions
from tradecli.analysis.share import RankingResult, ShareResult
from tradecli.analysis.summary_flows import SummaryFlows
from tradecli.analysis.value import ValueResult
from tradecli.dataset import Dataset, Filters
from tradecli.periods import Period
from tradecli.selection import Selection

Span = str | Period


def load(
    *paths: str | Path,
    groups: str | Path | None = None,
    include_flagged: bool = False,
    vintage: str | None = None,
    commodity: str = "TOTAL",
) -> Dataset:
    """The files (or folders) ``paths`` as one dataset; none: the bundled dataset.
    ``vintage`` (YYYY-MM-DD) keeps only figures published by that day."""
    from tradecli.dataset import load as load_dataset

    filters = Filters(include_flagged=include_flagged, vintage=vintage)
    return load_dataset(
        [Path(p) for p in paths] or None,
        Path(groups) if groups is not None else None,
        filters,
        commodity=commodity,
    )


def value(
    dataset: Dataset,
    period: Span,
    *,
    reporter: str | None = None,
    partner: str | None = None,
    flow: str | None = None,
    vs: str | None = None,
) -> ValueResult:
    """The value of the selected series over ``period`` (``tradecli value``)."""
    from tradecli.analysis.value import values

    return values(dataset, _span(period), reporter=reporter, partner=partner, flow=flow, vs=vs)


def share(
    dataset: Dataset,
    vs: str,
    *,
    period: Span | None = None,
    reporter: str | None = None,
    partner: str | None = None,
    flow: str | None = None,
    rank_all: bool = False,
) -> ShareResult | RankingResult:
    """The partner's share of the reporter's trade with the group ``vs`` (``tradecli share``)."""
    from tradecli.analysis.share import group_shares

    selection = Selection.parse(dataset, reporter, partner, flow)
    span = _span(period) if period is not None else None
    return group_shares(dataset, dataset.groups.get(vs), selection, span, rank_all)


def growth(
    dataset: Dataset,
    *,
    period: Span | None = None,
    first: int | None = None,
    last: int | None = None,
    reporter: str | None = None,
    partner: str | None = None,
    flow: str | None = None,
) -> Growth:
    """Like-for-like change, the change of every year, CAGR ``first``..``last``."""
    from tradecli.analysis.growth import growth as compute

    keys = Selection.parse(dataset, reporter, partner, flow).keys(dataset)
    span = _span(period) if period is not None else None
    return compute(dataset, keys, span, first, last)


def project(
    dataset: Dataset,
    year: int,
    *,
    method: str = "auto",
    reporter: str | None = None,
    partner: str | None = None,
    flow: str | None = None,
    backtest: bool = False,
) -> ProjectionResult:
    """Where ``year`` will end, from its latest year-to-date span (``tradecli project``)."""
    from tradecli.analysis.projection import project as compute

    keys = Selection.parse(dataset, reporter, partner, flow).keys(dataset)
    return compute(dataset, keys, year, Method(method), backtest)


def rank(
    dataset: Dataset,
    sort: str = "value",
    *,
    top: int | None = None,
    vs: str | None = None,
    period: Span | None = None,
    reporter: str | None = None,
    partner: str | None = None,
    flow: str | None = None,
) -> Ranking:
    """The selected series ranked by ``sort`` (value, change or share of ``vs``, default
    world) over the one span the most of them share (``--sort``/``--top``)."""
    from tradecli.analysis.rankings import rank as compute

    keys = Selection.parse(dataset, reporter, partner, flow).keys(dataset)
    group = dataset.groups.get(vs) if vs else None
    span = _span(period) if period is not None else None
    return compute(dataset, keys, sort, top, group, span)


def flows(
    dataset: Dataset,
    period: Span,
    flows: str | list[str] = "export,import,turnover",
    *,
    reporter: str | None = None,
    partner: str | None = None,
) -> FlowsResult:
    """The flows side by side over ``period``, with the balance and the coverage
    (``tradecli value --flow export,import,turnover``)."""
    from tradecli.analysis.flows import side_by_side

    return side_by_side(dataset, _span(period), flows, reporter=reporter, partner=partner)


def flows_summary(
    dataset: Dataset,
    flows: str | list[str] = "export,import,turnover",
    *,
    reporter: str | None = None,
    partner: str | None = None,
) -> SummaryFlows:
    """Each pair's flows side by side over its latest full year and latest later
    year-to-date span that every flow has, with the balance and the coverage
    (``tradecli summary --flow export,import,turnover``)."""
    from tradecli.analysis.summary_flows import summarize_flows

    return summarize_flows(dataset, flows, reporter=reporter, partner=partner)


def contributions(
    dataset: Dataset,
    *,
    vs: str = "world",
    period: Span | None = None,
    reporter: str | None = None,
    flow: str = "turnover",
) -> Contributions:
    """Each partner's contribution, in points, to the change of the reporter's trade with
    ``vs`` (``tradecli growth --contributions``)."""
    from tradecli.analysis.contributions import contributions as compute

    code = Selection.parse(dataset, reporter, None, flow).reporter
    span = _span(period) if period is not None else None
    return compute(dataset, code, dataset.groups.get(vs), flow, span)


def revisions(
    dataset: Dataset,
    *,
    from_vintage: str | None = None,
    to_vintage: str | None = None,
    reporter: str | None = None,
    partner: str | None = None,
    flow: str | None = None,
) -> Revisions:
    """The figures revised between two vintages and the answers that moved with them
    (``tradecli revisions``); ``dataset`` loaded without a vintage."""
    from tradecli.analysis.revisions import revisions as compute

    selection = Selection.parse(dataset, reporter, partner, flow)
    return compute(dataset, from_vintage, to_vintage, selection)


def frame(result: Any) -> pd.DataFrame:
    """A result's table as a DataFrame: one row per row of the command's table, one
    column per column (numbers as numbers, not as formatted text)."""
    report = result.report()
    keys = [column.key for column in report.columns]
    return pd.DataFrame([{k: row.get(k) for k in keys} for row in report.rows], columns=keys)


def _span(period: Span) -> Period:
    return period if isinstance(period, Period) else Period.parse(period)


__all__: Sequence[str] = (
    "contributions",
    "flows",
    "frame",
    "growth",
    "load",
    "project",
    "rank",
    "revisions",
    "share",
    "value",
)
