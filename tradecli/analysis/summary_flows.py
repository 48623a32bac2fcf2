"""``summary --flow export,import[,turnover]``: how each reporter–partner pair stands,
its flows side by side, with the balance and the coverage ratio.

For each pair, two spans, as the one-flow summary has: the latest full year, and the
latest year-to-date span (January to a month before December) of a later year. Each
is the latest such span over which *every* asked flow is found by the engine's own
rules (exact, tiled, differenced cumulative, export + import), so that the balance
(export − import) and the coverage (export ÷ import) are worked out from an export
and an import over the very same span, as ``value --flow`` does. A pair with no span
that every flow has shows the latest span any flow has, the missing flows and the
balance marked not available, with the reason. Each flow's change on the same months
a year before, and the linear run-rate of a year-to-date span, are in the keyed
records and ``--explain``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tradecli.analysis.flows import PairFlows, check_flows
from tradecli.analysis.growth import Change, usd_first, years_in
from tradecli.analysis.projection import linear
from tradecli.analysis.rankings import engine_for
from tradecli.dataset import Dataset
from tradecli.engine.answers import SeriesKey
from tradecli.engine.reference import Engine
from tradecli.periods import Period
from tradecli.selection import Selection

if TYPE_CHECKING:
    from tradecli.render import Report


@dataclass(frozen=True)
class FlowsSpan:
    """A pair's asked flows over one span (``now``) and the same months a year before."""

    now: PairFlows
    before: PairFlows

    @property
    def period(self) -> Period:
        return next(iter(self.now.answers.values())).period

    @property
    def shared(self) -> bool:
        """Every asked flow is found over the span."""
        return all(a.found for a in self.now.answers.values())

    @property
    def missing(self) -> list[str]:
        return [f for f, a in self.now.answers.items() if not a.found]

    def change(self, flow: str) -> Change:
        return Change(self.now.answers[flow], self.before.answers[flow])

    @property
    def balance_change(self) -> float | None:
        """The balance's change on a year before, in money (None without both)."""
        now, before = self.now.balance, self.before.balance
        return None if now is None or before is None else now - before

    def run_rate(self, flow: str) -> float | None:
        """The linear run-rate of the span's year (a year-to-date span only)."""
        value = self.now.answers[flow].value
        months = self.period.n_months
        return None if value is None or months == 12 else linear(value, months)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "period": self.period.iso(),
            "base_period": self.period.shifted_years(-1).iso(),
            "flows": {
                f: {
                    "value": a.value,
                    "base": self.before.answers[f].value,
                    "change": self.change(f).value,
                }
                for f, a in self.now.answers.items()
            },
        }
        if {"export", "import"} <= set(self.now.answers):
            out["balance"] = self.now.balance
            out["balance_base"] = self.before.balance
            out["balance_change"] = self.balance_change
            out["coverage"] = self.now.coverage
            out["coverage_base"] = self.before.coverage
        if self.missing:
            out["missing"] = self.missing
        return out


@dataclass(frozen=True)
class PairSummary:
    pair: SeriesKey  # flow: the first asked
    year: FlowsSpan | None
    ytd: FlowsSpan | None

    @property
    def spans(self) -> list[FlowsSpan]:
        return [s for s in (self.year, self.ytd) if s is not None]

    @property
    def size(self) -> float | None:
        """For 'largest first': the first asked flow over the row's latest full year."""
        first = self.spans[0].now.answers[self.pair.flow] if self.spans else None
        return first.value if first is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "reporter": self.pair.reporter,
            "partner": self.pair.partner,
            "currency": self.pair.currency,
            "year": self.year.to_dict() if self.year else None,
            "ytd": self.ytd.to_dict() if self.ytd else None,
        }


@dataclass(frozen=True)
class SummaryFlows:
    flows: list[str]
    pairs: list[PairSummary]
    unanswered: list[SeriesKey] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return {"export", "import"} <= set(self.flows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "flows": self.flows,
            "pairs": [p.to_dict() for p in self.pairs],
            "unanswered": [
                {"reporter": k.reporter, "partner": k.partner, "currency": k.currency}
                for k in self.unanswered
            ],
        }

    def report(self) -> Report:
        from tradecli.analysis.summary_flows_report import report

        return report(self)


def summarize_flows(
    dataset: Dataset,
    flows: str | list[str],
    *,
    reporter: str | None = None,
    partner: str | None = None,
) -> SummaryFlows:
    """Each reporter–partner pair of the selection: its asked flows over the latest full
    year and the latest later year-to-date span that every flow has."""
    names = check_flows(flows)
    selection = Selection.parse(dataset, reporter, partner)
    engine = engine_for(dataset)  # TRADECLI_BACKEND=bulk: the bulk backend
    pairs = sorted(
        {
            SeriesKey(k.reporter, k.partner, names[0], k.currency)
            for k in dataset.keys()
            if (selection.reporter is None or k.reporter == selection.reporter)
            and (selection.partner is None or k.partner == selection.partner)
        }
    )
    if not pairs:
        selection.keys(dataset)  # raises NotAvailable, naming the series there are
    rows: list[PairSummary] = []
    unanswered: list[SeriesKey] = []
    for pair in pairs:
        years = sorted(set().union(*(years_in(engine, pair.with_flow(f)) for f in names)))
        year = _latest(engine, pair, names, [Period.year(y) for y in reversed(years)])
        after = year.period.start_year if year is not None else None
        ytds = [
            Period.ytd(y, m)
            for y in reversed(years)
            if after is None or y > after
            for m in range(11, 0, -1)
        ]
        ytd = _latest(engine, pair, names, ytds)
        if year is None and ytd is None:
            unanswered.append(pair)
            continue
        rows.append(PairSummary(pair, year, ytd))
    rows.sort(key=lambda r: usd_first(r.pair, r.size))
    return SummaryFlows(names, rows, unanswered)


def _latest(
    engine: Engine, pair: SeriesKey, flows: list[str], spans: list[Period]
) -> FlowsSpan | None:
    """The first of ``spans`` (latest first) over which every flow is found; else the
    first over which any is; None when no flow has any of them."""
    answers = {}
    for span in spans:
        found = {f: engine.value(pair.with_flow(f), span) for f in flows}
        answers[span] = found
        if all(a.found for a in found.values()):
            return _with_base(engine, pair, found, span)
    for span in spans:
        if any(a.found for a in answers[span].values()):
            return _with_base(engine, pair, answers[span], span)
    return None


def _with_base(engine: Engine, pair: SeriesKey, found: dict[str, Any], span: Period) -> FlowsSpan:
    base = span.shifted_years(-1)
    before = {f: engine.value(pair.with_flow(f), base) for f in found}
    return FlowsSpan(PairFlows(pair, found), PairFlows(pair, before))
