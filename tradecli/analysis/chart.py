"""``tradecli chart``: the numbers a chart shows, computed before anything is drawn.

- ``annual``: the full years as bars; the current (incomplete) year's
  projection apart, with its range when the method gives one, and its
  year-to-date value;
- ``ytd``: cumulative year-to-date values, one line per year, month on the x
  axis (seasonality at a glance);
- ``share``: the partner's share of the reporter's trade with a group, one
  point per year (the full year, else its longest year-to-date span).

Drawing (``tradecli.chart``) only places these numbers, so tests compare them
with the analysis results, not pixels.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tradecli.analysis.growth import annual_values, years_in
from tradecli.analysis.projection import Method, SeriesProjection, project_series, ytd_spans
from tradecli.analysis.share import Share, share_of
from tradecli.dataset import Dataset
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.errors import AmbiguousSelection, NotAvailable
from tradecli.groups import Group
from tradecli.periods import MONTH_ABBR, Period
from tradecli.records import approximate, ratio_range, value_range
from tradecli.selection import entity_name

if TYPE_CHECKING:
    from tradecli.render import Report

MAX_PUBLISHERS_NAMED = 5


class ChartKind(StrEnum):
    annual = "annual"
    ytd = "ytd"
    share = "share"


class Style(StrEnum):
    bars = "bars"  # published (or derived) values
    projection = "projection"  # hatched, apart from the published bars
    ytd = "ytd"  # the current year so far
    line = "line"  # one year's cumulative values


@dataclass(frozen=True)
class Point:
    label: str  # '2022', 'Jan–Jul 2023'
    x: float  # the year (annual, share) or the last month 1..12 (ytd)
    value: float  # money in base units, or a share 0..1
    period: Period
    low: float | None = None
    high: float | None = None
    qualifiers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "x": self.x,
            "period": self.period.iso(),
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "qualifiers": list(self.qualifiers),
        }


@dataclass(frozen=True)
class Trace:
    name: str
    style: Style
    points: tuple[Point, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "style": str(self.style),
            "points": [p.to_dict() for p in self.points],
        }


@dataclass(frozen=True)
class ChartData:
    kind: ChartKind
    key: SeriesKey
    title: str
    x_label: str
    traces: tuple[Trace, ...]
    caption: str
    group: str | None = None
    notes: tuple[str, ...] = ()
    answers: tuple[Answer, ...] = field(default=(), compare=False)

    @property
    def is_share(self) -> bool:
        return self.kind is ChartKind.share

    def points(self) -> list[tuple[Trace, Point]]:
        return [(t, p) for t in self.traces for p in t.points]

    def scale(self) -> tuple[float, str]:
        """Divisor and axis unit: money in millions (billions when that large), shares in %."""
        if self.is_share:
            return 0.01, f"share of the {self.group} total, %"
        largest = max((abs(p.high or p.value) for _, p in self.points()), default=0.0)
        divisor, word = (1e9, "billion") if largest >= 1e10 else (1e6, "million")
        currency = self.key.currency
        return divisor, f"US$ {word}" if currency == "USD" else f"{word} {currency}"

    def to_dict(self) -> dict[str, Any]:
        divisor, unit = self.scale()
        return {
            "kind": str(self.kind),
            **self.key.to_dict(),
            "group": self.group,
            "title": self.title,
            "unit": unit,
            "divisor": divisor,
            "traces": [t.to_dict() for t in self.traces],
            "caption": self.caption,
            "notes": list(self.notes),
        }

    def report(self) -> Report:
        """The plotted numbers as a table: built in ``analysis.chart_report``."""
        from tradecli.analysis.chart_report import chart_report

        return chart_report(self)


def chart_key(keys: list[SeriesKey]) -> SeriesKey:
    """The one series a chart shows; several → ``AmbiguousSelection`` listing them."""
    if len(keys) == 1:
        return keys[0]
    shown = ", ".join(f"{k.reporter}–{k.partner}" for k in keys[:15])
    more = f" and {len(keys) - 15} more" if len(keys) > 15 else ""
    raise AmbiguousSelection(
        f"a chart shows one series and {len(keys)} match; choose one with --reporter and "
        f"--partner: {shown}{more}"
    )


def build_chart(
    dataset: Dataset,
    key: SeriesKey,
    kind: ChartKind,
    group: Group | None = None,
    method: Method = Method.auto,
) -> ChartData:
    """The chart of one series; raise ``NotAvailable`` when the data has nothing to draw."""
    if kind is ChartKind.annual:
        return annual_chart(dataset, key, method)
    if kind is ChartKind.ytd:
        return ytd_chart(dataset, key)
    if group is None:
        raise NotAvailable("a share chart needs a group (--vs cis, cis-stat, world, …)")
    return share_chart(dataset, key, group)


def _point(answer: Answer, x: float) -> Point:
    """A found answer plotted at ``x``, labelled with its span and qualifiers."""
    low, high = value_range(answer) if approximate(answer) else (None, None)
    return Point(
        answer.period.label(),
        x,
        answer.value or 0.0,
        answer.period,
        low,
        high,
        qualifiers=tuple(sorted(answer.qualifiers)),
    )


def _pair(key: SeriesKey) -> str:
    return f"{entity_name(key.reporter)}–{entity_name(key.partner)}"


def sources_caption(answers: list[Answer]) -> str:
    """'Sources: Trend News Agency, Azernews, … (published figures; N publishers).'"""
    counts: Counter[str] = Counter()
    for answer in answers:
        for rec in answer.observations():
            for obs in rec.sources:
                counts[obs.publisher or "unnamed publisher"] += 1
    named = [name for name, _ in counts.most_common(MAX_PUBLISHERS_NAMED)]
    rest = len(counts) - len(named)
    text = "Sources: " + ", ".join(named) + (f" and {rest} more" if rest > 0 else "")
    return text + ", as published; compiled with tradecli."


def annual_chart(dataset: Dataset, key: SeriesKey, method: Method = Method.auto) -> ChartData:
    engine = dataset.engine
    years = annual_values(engine, key)
    traces = []
    answers: list[Answer] = list(years)
    if years:
        traces.append(
            Trace(
                "published full year",
                Style.bars,
                tuple(_point(a, a.period.start_year) for a in years),
            )
        )
    notes: list[str] = []
    every_year = years_in(engine, key)
    current = every_year[-1] if every_year else None
    if current is not None and not any(a.period.start_year == current for a in years):
        projected = project_series(engine, key, current, method)
        if isinstance(projected, SeriesProjection) and projected.headline is not None:
            head = projected.headline
            p, basis = head.chosen, head.basis
            if p.found and p.value is not None:
                traces.append(
                    Trace(
                        f"{current} projected ({p.method}, from {basis.period.label()})",
                        Style.projection,
                        (
                            Point(
                                f"{current} projected",
                                current,
                                p.value,
                                Period.year(current),
                                p.low,
                                p.high,
                                tuple(sorted(p.qualifiers)),
                            ),
                        ),
                    )
                )
                notes.append(f"{current} projection, {p.formula()}")
                answers.extend(a for a in p.inputs() if a not in answers)
            traces.append(
                Trace(
                    f"{basis.period.label()} (year to date)",
                    Style.ytd,
                    (_point(basis, current),),
                )
            )
            if basis not in answers:
                answers.append(basis)
    if not traces:
        raise NotAvailable(f"{key.label()}: no full year or year-to-date figure to chart")
    return ChartData(
        ChartKind.annual,
        key,
        f"{_pair(key)} {key.flow} by year",
        "year",
        tuple(traces),
        sources_caption(answers),
        notes=tuple(notes),
        answers=tuple(answers),
    )


def ytd_chart(dataset: Dataset, key: SeriesKey) -> ChartData:
    """One line per year with at least one span Jan..m shorter than the year."""
    engine = dataset.engine
    traces = []
    answers: list[Answer] = []
    for year in years_in(engine, key):
        spans = ytd_spans(engine, key, year)
        if not spans:
            continue
        full = engine.value(key, Period.year(year))
        if full.found:
            spans.append(full)
        answers.extend(spans)
        points = tuple(_point(a, a.period.end_month) for a in spans)
        traces.append(Trace(str(year), Style.line, points))
    if not traces:
        raise NotAvailable(f"{key.label()}: no year-to-date spans (Jan..m) to chart")
    return ChartData(
        ChartKind.ytd,
        key,
        f"{_pair(key)} {key.flow}, cumulative from January",
        "month (value from January to the end of the month)",
        tuple(traces),
        sources_caption(answers),
        answers=tuple(answers),
    )


def share_chart(dataset: Dataset, key: SeriesKey, group: Group) -> ChartData:
    """For each year: the share over the full year, else over its longest Jan..m span."""
    engine = dataset.engine
    years = set(years_in(engine, key))
    if group.code:
        years |= set(years_in(engine, key.with_partner(group.code)))
    points: list[Point] = []
    answers: list[Answer] = []
    partial = 0
    for year in sorted(years):
        for period in [Period.year(year), *(Period.ytd(year, m) for m in range(11, 0, -1))]:
            result = share_of(engine, key, group, period)
            if not isinstance(result, Share) or result.value is None:
                continue
            if result.partial:  # a sum over some partners: an upper bound, not a share
                partial += 1
                continue
            points.append(
                Point(
                    period.label(),
                    year,
                    result.value,
                    period,
                    *(
                        ratio_range(value_range(result.part), value_range(result.total))
                        if approximate(result.part, result.total)
                        else (None, None)
                    ),
                    qualifiers=tuple(sorted(result.part.qualifiers | result.total.qualifiers)),
                )
            )
            answers.extend((result.part, result.total))
            break
    if not points:
        code = group.code or group.name
        raise NotAvailable(
            f"nothing to chart: no span has both the {key.reporter}–{key.partner} figure and "
            f"the {key.reporter}–{code} total (published, or a sum over every member)"
        )
    notes = []
    if partial:
        notes.append(
            f"{partial} year(s) left out: their only {group.name} total is a partial sum over "
            "the partners in the data (it would overstate the share)"
        )
    return ChartData(
        ChartKind.share,
        key,
        f"{_pair(key)} {key.flow}: share of {entity_name(key.reporter)}'s trade with {group.name}",
        "span (the full year, else its longest year-to-date span)",
        (Trace(f"share of {group.name}", Style.bars, tuple(points)),),
        sources_caption(answers),
        group=group.name,
        notes=tuple(notes),
        answers=tuple(answers),
    )


def month_ticks() -> list[tuple[int, str]]:
    return [(m, MONTH_ABBR[m - 1]) for m in range(1, 13)]
