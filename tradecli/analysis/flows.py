"""``value --flow export,import,turnover``: flows side by side, with the balance and
the coverage ratio.

For each reporter–partner pair and a span S, each asked flow is found by the
engine's own rules (exact, tiled, differenced cumulative, export + import). When
both export and import are asked, the *balance* (export − import) and the
*coverage* (export ÷ import) are worked out only from an export and an import
found over the same span S; otherwise they are not available, and the answer says
which flow is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tradecli.dataset import Dataset
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.errors import BadRequest, NotAvailable
from tradecli.observations import FLOWS
from tradecli.periods import Period
from tradecli.selection import Selection


def check_flows(flows: str | list[str] | tuple[str, ...]) -> list[str]:
    """``--flow export,import``: the flows in the order given (``BadRequest`` for an
    unknown, repeated or missing one)."""
    names = flows.split(",") if isinstance(flows, str) else list(flows)
    names = [n.strip().lower() for n in names]
    if not names or "" in names:
        raise BadRequest("give flows separated by commas, e.g. export,import", "--flow")
    for name in names:
        if name not in FLOWS:
            choices = ", ".join(repr(f) for f in FLOWS)
            raise BadRequest(f"{name!r} is not one of {choices}", "--flow")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise BadRequest(f"{', '.join(repeated)} given twice", "--flow")
    return names


def check_unranked(flows: list[str], sort: object, top: int | None) -> None:
    """Several flows side by side are not ranked: ``BadRequest`` with --sort or --top."""
    if len(flows) > 1 and (sort is not None or top is not None):
        raise BadRequest("several flows are shown side by side, not ranked", "--flow")


@dataclass(frozen=True)
class PairFlows:
    """One reporter–partner pair over a span: each asked flow, and the balance."""

    pair: SeriesKey  # flow: the first asked (the key of the pair)
    answers: dict[str, Answer]

    @property
    def has_both(self) -> bool:
        return all(f in self.answers and self.answers[f].found for f in ("export", "import"))

    @property
    def balance(self) -> float | None:
        if not self.has_both:
            return None
        return float((self.answers["export"].value or 0.0) - (self.answers["import"].value or 0.0))

    @property
    def coverage(self) -> float | None:
        if not self.has_both or not self.answers["import"].value:
            return None
        return float((self.answers["export"].value or 0.0) / self.answers["import"].value)

    @property
    def reason(self) -> str:
        """Why the balance is not available ('' when it is, or was not asked)."""
        if not {"export", "import"} <= set(self.answers) or self.has_both:
            return ""
        missing = [f for f in ("export", "import") if not self.answers[f].found]
        period = next(iter(self.answers.values())).period.label()
        return f"no {' or '.join(missing)} figure for {period}: no balance"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "reporter": self.pair.reporter,
            "partner": self.pair.partner,
            "currency": self.pair.currency,
            "flows": {f: a.to_dict() for f, a in self.answers.items()},
        }
        if {"export", "import"} <= set(self.answers):
            out["balance"] = self.balance
            out["coverage"] = self.coverage
            if self.reason:
                out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class FlowsResult:
    period: Period
    flows: list[str]
    pairs: list[PairFlows]

    @property
    def balanced(self) -> bool:
        """Export and import were both asked: the balance and coverage are columns."""
        return {"export", "import"} <= set(self.flows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.iso(),
            "flows": self.flows,
            "pairs": [p.to_dict() for p in self.pairs],
        }

    def raise_if_unanswered(self) -> None:
        if any(a.found for p in self.pairs for a in p.answers.values()):
            return
        raise NotAvailable(f"no flow of the selected series has a value for {self.period.label()}")

    def report(self) -> Any:
        from tradecli.analysis.flows_report import report

        return report(self)


def side_by_side(
    dataset: Dataset,
    period: Period,
    flows: str | list[str],
    *,
    reporter: str | None = None,
    partner: str | None = None,
) -> FlowsResult:
    """Each reporter–partner pair of the selection over ``period``, one answer per flow."""
    names = check_flows(flows)
    selection = Selection.parse(dataset, reporter, partner)
    engine = dataset.engine
    pairs = sorted(
        {
            SeriesKey(k.reporter, k.partner, names[0], k.currency)
            for k in engine.keys()
            if (selection.reporter is None or k.reporter == selection.reporter)
            and (selection.partner is None or k.partner == selection.partner)
        }
    )
    if not pairs:
        selection.keys(dataset)  # raises NotAvailable, naming the series there are
    found = [
        PairFlows(pair, {f: engine.value(pair.with_flow(f), period) for f in names})
        for pair in pairs
    ]
    return FlowsResult(period, names, found)
