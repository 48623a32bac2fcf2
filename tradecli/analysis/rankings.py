"""``--sort value|change|share`` and ``--top N``: rankings on one comparable span.

A ranking compares like with like. For each series the spans where its measure can
be worked out are found (``value``: a value over the span; ``change``: the value
and the same months a year before; ``share``: the value and the whole's total, a
published total or a complete member sum). The ranking's span is the latest span
that the most series share: the one that is the latest of the most series (ties:
the one the most series have, then the one ending last, then the longest), stated
in the title; every ranked row is over that span, never a mix. The series without
it are listed after, unranked and marked, with their own latest span named. Group
totals among the series (a partner that is a group code, such as ``CIS`` or
``WORLD``) are not ranked among countries.

With many series, the spans of the simple ones are searched from the columns, all at
once (``analysis.rankings_bulk``; a share's wholes are still asked of the engine); the
others through the engine. With ``TRADECLI_BACKEND=bulk`` a ranking asks the bulk backend
(``engine.bulk.Engine``), whose values of simple series come from the columns; it prints
what the reference engine prints (``engine_for`` says why that is not the default for
large files).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tradecli.analysis.growth import Change, spans_of
from tradecli.dataset import Dataset
from tradecli.engine import backend
from tradecli.engine import bulk as bulk_engine
from tradecli.engine.answers import AGGREGATE, Answer, SeriesKey
from tradecli.engine.masks import bulk_for
from tradecli.engine.reference import Engine
from tradecli.errors import BadRequest, NotAvailable
from tradecli.groups import Group
from tradecli.periods import Period

if TYPE_CHECKING:
    from tradecli.analysis.rankings_bulk import SpanSearch


class Measure(StrEnum):
    """What a ranking sorts by: ``--sort``."""

    value = "value"
    change = "change"
    share = "share"


def check_ranking(sort: str | None, top: int | None) -> Measure | None:
    """``--sort`` and ``--top`` as the core takes them (``BadRequest`` otherwise): the
    measure, or None when no ranking is asked."""
    if top is not None and top < 1:
        raise BadRequest(f"--top {top}: give a whole number of rows, 1 or more", "--top")
    if sort is None:
        return None
    try:
        return Measure(sort)
    except ValueError:
        names = ", ".join(m.value for m in Measure)
        raise BadRequest(f"--sort {sort!r}: sort by one of {names}", "--sort") from None


@dataclass(frozen=True)
class Ranked:
    """One series over the ranking's span."""

    key: SeriesKey
    value: Answer
    base: Answer | None = None  # the same months a year before (change)
    whole: Answer | None = None  # the whole's total (share)

    def measure(self, measure: Measure) -> float | None:
        if measure is Measure.change:
            return Change(self.value, self.base).value if self.base is not None else None
        if measure is Measure.share:
            if self.whole is None or not self.whole.value or self.value.value is None:
                return None
            return self.value.value / self.whole.value
        return self.value.value


@dataclass(frozen=True)
class Unranked:
    """A series without the ranking's span: its own latest span, or why it has none."""

    key: SeriesKey
    latest: Period | None
    reason: str


@dataclass(frozen=True)
class Ranking:
    measure: Measure
    span: Period
    shared: int  # how many series have the span
    ranked: list[Ranked]  # best first, all over ``span``
    unranked: list[Unranked]
    top: int | None = None
    group: Group | None = None  # the whole of a share
    groups_left_out: list[SeriesKey] = field(default_factory=list)

    @property
    def shown(self) -> list[Ranked]:
        return self.ranked[: self.top] if self.top is not None else self.ranked

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sort": self.measure.value,
            "period": self.span.iso(),
            "series_with_span": self.shared,
            "top": self.top,
            "ranked": [
                {
                    "rank": n,
                    **r.key.to_dict(),
                    "value": r.value.value,
                    "base": r.base.value if r.base else None,
                    "whole": r.whole.value if r.whole else None,
                    self.measure.value: r.measure(self.measure),
                }
                for n, r in enumerate(self.shown, start=1)
            ],
            "not_shown": len(self.ranked) - len(self.shown),
            "unranked": [
                {
                    **u.key.to_dict(),
                    "latest": u.latest.iso() if u.latest else None,
                    "reason": u.reason,
                }
                for u in self.unranked
            ],
            "groups_left_out": [k.to_dict() for k in self.groups_left_out],
        }
        if self.group is not None:
            out["group"] = self.group.name
        return out

    def report(self) -> Any:
        from tradecli.analysis.rankings_report import report

        return report(self)


# ``Engine.group_value``, or the bulk helper's (``engine.masks.Bulk``), which asks the
# engine only for the members it finds.
GroupValue = Callable[[str, Group, str, Period, str], Answer]


def _whole(group_value: GroupValue, key: SeriesKey, group: Group, period: Period) -> Answer | None:
    """The whole's total over ``period``: a published total or a complete member sum."""
    total = group_value(key.reporter, group, key.flow, period, key.currency)
    if not total.found or not total.value:
        return None
    if total.rule == AGGREGATE or (total.complete and not group.every_partner):
        return total
    return None


def _may_have_any_whole(engine: Engine, key: SeriesKey, group: Group) -> bool:
    """False when ``_may_have_whole`` is False over every span: a group of every partner
    whose code no rule can find a figure of for the key's reporter (flow, currency)."""
    if not group.every_partner:
        return True
    return bool(group.code) and engine.source.findable(key.with_partner(group.code))


def _may_have_whole(engine: Engine, key: SeriesKey, group: Group, period: Period) -> bool:
    """False when ``_whole`` is None for certain without a member sum: a group of every
    partner counts only with a published total (a sum over the partners in the data is
    partial), and there is none over ``period`` (no rows of its code, or no figure). On a
    file without world totals every span of every series is tried, each world sum over
    every partner of the reporter thrown away."""
    if not _may_have_any_whole(engine, key, group):
        return False
    return not group.every_partner or engine.value(key.with_partner(group.code), period).found


def _candidate(
    engine: Engine,
    key: SeriesKey,
    period: Period,
    measure: Measure,
    group: Group | None,
    group_value: GroupValue,
) -> Ranked | None:
    """The series over ``period`` when its measure can be worked out there."""
    if measure is Measure.share:
        assert group is not None
        if not _may_have_whole(engine, key, group, period):
            return None  # before the series' own value, which costs as much to work out
    value = engine.value(key, period)
    if not value.found:
        return None
    if measure is Measure.change:
        base = engine.value(key, period.shifted_years(-1))
        ranked = Ranked(key, value, base=base)
    elif measure is Measure.share:
        assert group is not None
        whole = _whole(group_value, key, group, period)
        if whole is None:
            return None
        ranked = Ranked(key, value, whole=whole)
    else:
        ranked = Ranked(key, value)
    return ranked if ranked.measure(measure) is not None else None


def rank(
    dataset: Dataset,
    keys: list[SeriesKey],
    measure: Measure | str,
    top: int | None = None,
    group: Group | None = None,
    period: Period | None = None,
) -> Ranking:
    """``keys`` ranked by ``measure`` over one span: ``period``, else the span most of
    them share (ties: the latest, then the longest). ``group``: the whole of a share
    (default world)."""
    measure = check_ranking(str(measure), top) or Measure.value
    if measure is Measure.share and group is None:
        group = dataset.groups.get("world")
    engine = engine_for(dataset)
    codes = dataset.groups.codes
    countries = [k for k in keys if k.partner not in codes and ":" not in k.partner]
    ranked_keys = set(countries)
    left_out = [k for k in keys if k not in ranked_keys]
    # Simple keys' spans from the columns, for all of them at once (``rankings_bulk``).
    search = _span_search(dataset, engine, countries, measure)
    fast = dict(zip(search.keys, search.latest, strict=True)) if search is not None else {}
    slow = [k for k in countries if k not in fast]
    # By share over a group of every partner, a key whose reporter has no published total
    # (the group's code has no figures) has no whole over any span: not searched (a file
    # without world totals tried every span of every key); its spans are looked up only
    # to say which is its latest, once the ranking's span is known.
    hopeless: set[SeriesKey] = set()
    if measure is Measure.share:
        assert group is not None
        whole: dict[tuple[str, str, str], bool] = {}  # the same for each key of a reporter
        for k in slow:
            of = (k.reporter, k.flow, k.currency)
            if of not in whole:
                whole[of] = _may_have_any_whole(engine, k, group)
            if not whole[of]:
                hopeless.add(k)
    hoped = [k for k in slow if k not in hopeless]
    spans, reach = _spans_and_reach(dataset, engine, hoped, measure)
    # A share's whole: with many series, from the bulk helper (a world total is a member
    # sum over every partner of the reporter, and most have no figure over most spans).
    helper = (
        bulk_for(engine, len(countries))
        if measure is Measure.share and len(hopeless) < len(slow)
        else None
    )
    group_value = helper.group_value if helper is not None else engine.group_value
    if period is None:
        period = _shared_span(engine, countries, spans, measure, group, reach, group_value, search)
    if hopeless:
        rest = _spans_and_reach(dataset, engine, [k for k in slow if k in hopeless], measure)
        spans.update(rest[0])
        reach.update(rest[1])
    over = search.candidates(engine, period, measure is Measure.change) if search else None
    if over is None and fast:  # a span the columns do not hold: every key asks the engine
        reach = _every_reach(engine, reach, search)
    ranked: list[Ranked] = []
    unranked: list[Unranked] = []
    for key in countries:
        found: Ranked | None = None
        if over is not None and key in fast:
            answers = over.get(key)
            found = Ranked(key, answers[0], base=answers[1]) if answers is not None else None
        else:
            first, last = reach[key]
            if first <= period.first and period.last <= last:
                found = _candidate(engine, key, period, measure, group, group_value)
        if found is not None:
            ranked.append(found)
            continue
        latest = fast[key] if key in fast else (spans[key][-1] if spans[key] else None)
        unranked.append(Unranked(key, latest, _why(measure, period)))
    if not ranked:
        raise NotAvailable(f"no series has a {_what(measure)} for {period.label()}")
    ranked.sort(key=lambda r: (r.key.currency != "USD", -(r.measure(measure) or 0.0), r.key))
    return Ranking(measure, period, len(ranked), ranked, unranked, top, group, left_out)


def _spans_and_reach(
    dataset: Dataset, engine: Engine, keys: list[SeriesKey], measure: Measure
) -> tuple[dict[SeriesKey, list[Period]], dict[SeriesKey, tuple[int, int]]]:
    """Each key's spans (``spans_of``) and the months its figures reach (``_reach``: a
    span outside them has no value, no need to ask the engine, which on a sparse file of
    thousands of series took minutes). By share, the simple keys' from the columns."""
    known = _own_spans(dataset, keys) if measure is Measure.share else {}
    spans = {k: known[k][0] if k in known else spans_of(engine, k) for k in keys}
    reach = {k: known[k][1] if k in known else _reach(engine, k) for k in keys}
    return spans, reach


def _span_search(
    dataset: Dataset, engine: Engine, keys: list[SeriesKey], measure: Measure
) -> SpanSearch | None:
    """The span search of the simple keys from the columns (``rankings_bulk``), for a
    ranking by value or change of many keys; None otherwise (shares: the reference)."""
    if measure is Measure.share or not bulk_engine.enabled(len(keys)):
        return None
    from tradecli.analysis.rankings_bulk import span_search
    from tradecli.analysis.summary_bulk import columns_of

    return span_search(engine, columns_of(dataset), keys, measure is Measure.change)


def _own_spans(
    dataset: Dataset, keys: list[SeriesKey]
) -> dict[SeriesKey, tuple[list[Period], tuple[int, int]]]:
    """The spans and reach of the simple keys from the columns (``rankings_bulk``), when
    there are many; else none."""
    if not bulk_engine.enabled(len(keys)):
        return {}
    from tradecli.analysis.rankings_bulk import own_spans
    from tradecli.analysis.summary_bulk import columns_of

    return own_spans(columns_of(dataset), keys)


def _every_reach(
    engine: Engine, reach: dict[SeriesKey, tuple[int, int]], search: SpanSearch | None
) -> dict[SeriesKey, tuple[int, int]]:
    """``reach`` with that of the keys of ``search`` too (asked of the engine when a span
    the columns do not hold is looked at)."""
    every = dict(reach)
    for key in search.keys if search is not None else ():
        if key not in every:
            every[key] = _reach(engine, key)
    return every


def engine_for(dataset: Dataset) -> Engine:
    """The dataset's engine; the bulk backend over the same observations when
    ``TRADECLI_BACKEND=bulk`` asks for it. Not by the number of series, as the whole-file
    commands are: a ranking asks a few spans of each series, and the reference engine
    answered those faster than the bulk backend on every file measured (1.09 s against
    0.71 s on 200,000 dense rows, 4.0 s against 3.2 s on 5,813 sparse series)."""
    if os.environ.get(bulk_engine.ENV) != bulk_engine.NAME:
        return dataset.engine
    if dataset.engine_name == bulk_engine.NAME:
        return dataset.engine
    make = backend(bulk_engine.NAME)
    engine: Engine = make(dataset.frame, dataset.filters.include_flagged, dataset.groups.codes)
    return engine


def _shared_span(
    engine: Engine,
    keys: list[SeriesKey],
    spans: dict[SeriesKey, list[Period]],
    measure: Measure,
    group: Group | None,
    reach: dict[SeriesKey, tuple[int, int]],
    group_value: GroupValue,
    search: SpanSearch | None = None,
) -> Period:
    """The latest span that the most series share: the span that is the latest (for the
    measure) of the most series; ties: the one the most series have at all, then the one
    ending last, then the longest. Monthly data ranks over its latest month, not an older
    one that a series ending then and the rest happen to have too. ``spans`` and
    ``reach``: of the keys that ``search`` (the simple keys, from the columns) leaves."""
    latest: Counter[Period] = Counter(search.best if search is not None else ())
    for key, own in spans.items():
        for p in reversed(own):  # ``spans_of`` order: the one ending last, longest, last
            if measure is Measure.value or _candidate(engine, key, p, measure, group, group_value):
                latest[p] += 1  # a series' own span always has its value
                break
    if not latest:
        raise NotAvailable(_nothing(measure, keys))
    # Only the spans tied for the most series are counted over every series (the count
    # breaks their tie alone), and only over the series whose figures reach its months.
    most = max(latest.values())
    tied = [p for p in latest if latest[p] == most]
    have = {p: 0 for p in tied}
    if len(tied) > 1:
        for p in tied:
            counted = search.count(p) if search is not None else 0
            asked = reach
            if counted is None:  # a span the columns do not hold: every key asks the engine
                counted, asked = 0, _every_reach(engine, reach, search)
            have[p] = counted + sum(
                _candidate(engine, key, p, measure, group, group_value) is not None
                for key, (first, last) in asked.items()
                if first <= p.first and p.last <= last
            )
    return max(tied, key=lambda p: (have[p], p.last, p.n_months))


def _reach(engine: Engine, key: SeriesKey) -> tuple[int, int]:
    """The first and last month of any figure of the series (of turnover: also of its
    export and import), which bound every span it can answer ((1, 0): none)."""
    flows = (key.flow, "export", "import") if key.flow == "turnover" else (key.flow,)
    own = [p for flow in flows for p in engine.periods(key.with_flow(flow))]
    if not own:
        return 1, 0
    return min(p.first for p in own), max(p.last for p in own)


def _what(measure: Measure) -> str:
    return {"value": "value", "change": "like-for-like change", "share": "share"}[measure]


def _why(measure: Measure, period: Period) -> str:
    if measure is Measure.change:
        return f"no {period.label()} change (a figure for it and a year before)"
    if measure is Measure.share:
        return f"no {period.label()} share (a figure and the whole's total)"
    return f"no {period.label()} figure"


def _nothing(measure: Measure, keys: list[SeriesKey]) -> str:
    names = ", ".join(f"{k.reporter}–{k.partner}" for k in keys[:8]) or "none"
    return f"no series has a {_what(measure)} over any span to rank by; series: {names}"
