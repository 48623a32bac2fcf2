"""Duplicates, revisions and conflicts among observations of one series and span.

Values that agree within the precision they were published with (1.9 billion
and 1.92 billion) are one value: the most precise, with every source kept.
Values that disagree are ranked, in this order: quality flags that exclude
(``suspect-unit``, ``low-trust``; kept only with ``include_flagged``), exact
over approximate, statistical release over ``official-statement``, the later
published date (a revision), more significant digits. The losers stay listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tradecli.observations import EXCLUDED_FLAGS, Observation
from tradecli.periods import Period

RANK_REASONS = (
    "exact figure preferred to an approximate one",
    "statistical release preferred to an official statement",
    "later publication preferred (a revision)",
    "more precise figure preferred",
)


def agree(a: Observation, b: Observation) -> bool:
    """True when the two values are equal within the precision both were published with.

    Each figure stands for an interval of ± half its last digit; they agree
    when the intervals overlap (touching is not overlapping: 5.8 vs 5.9).
    """
    half = (a.step + b.step) / 2
    return abs(a.value - b.value) < half - 1e-9 * max(abs(a.value), abs(b.value), 1.0)


def is_excluded(obs: Observation, include_flagged: bool) -> bool:
    return not include_flagged and any(f in EXCLUDED_FLAGS for f in obs.flags)


def _rank(obs: Observation) -> tuple[bool, bool, str, float]:
    """Larger is better: exact, not an official statement, later published, more precise."""
    return (not obs.qualifier, not obs.is_official_statement, obs.published, -obs.step)


@dataclass(frozen=True)
class Reconciled:
    """The value of one series over one span after reconciliation."""

    period: Period
    chosen: Observation
    agreeing: tuple[Observation, ...]
    superseded: tuple[Observation, ...]
    reason: str

    @property
    def value(self) -> float:
        return self.chosen.value

    @property
    def qualifier(self) -> str:
        return self.chosen.qualifier

    @property
    def conflict(self) -> bool:
        return bool(self.superseded)

    @property
    def sources(self) -> tuple[Observation, ...]:
        return (self.chosen, *(o for o in self.agreeing if o is not self.chosen))


def _clusters(observations: list[Observation]) -> list[list[Observation]]:
    """Group observations that agree with a cluster's most precise member."""
    clusters: list[list[Observation]] = []
    for obs in sorted(observations, key=lambda o: o.step):
        for cluster in clusters:
            if agree(cluster[0], obs):
                cluster.append(obs)
                break
        else:
            clusters.append([obs])
    return clusters


def _reason(winner: Observation, loser: Observation) -> str:
    for reason, w, lo in zip(RANK_REASONS, _rank(winner), _rank(loser), strict=True):
        if w != lo:
            return reason
    return "same rank; the more precise figure kept"


def reconcile_span(period: Period, observations: list[Observation]) -> Reconciled:
    """Reconcile the (non-excluded) observations of one series over one span."""
    clusters = _clusters(observations)
    best = [max(cluster, key=_rank) for cluster in clusters]
    winner_index = max(range(len(clusters)), key=lambda i: (_rank(best[i]), -i))
    winning = clusters[winner_index]
    chosen = min(sorted(winning, key=_rank, reverse=True), key=lambda o: o.step)
    losers = [o for i, c in enumerate(clusters) if i != winner_index for o in c]
    reason = ""
    if losers:
        runner_up = max((best[i] for i in range(len(clusters)) if i != winner_index), key=_rank)
        reason = _reason(best[winner_index], runner_up)
    return Reconciled(period, chosen, tuple(winning), tuple(losers), reason)


@dataclass(frozen=True)
class SpanTable:
    """All spans of one series: reconciled values, and what was excluded."""

    spans: dict[Period, Reconciled]
    excluded: tuple[Observation, ...]


def reconcile(observations: Iterable[Observation], include_flagged: bool = False) -> SpanTable:
    by_span: dict[Period, list[Observation]] = {}
    excluded: list[Observation] = []
    for obs in observations:
        if is_excluded(obs, include_flagged):
            excluded.append(obs)
        else:
            by_span.setdefault(obs.period, []).append(obs)
    spans = {p: reconcile_span(p, obs) for p, obs in sorted(by_span.items())}
    return SpanTable(spans, tuple(excluded))
