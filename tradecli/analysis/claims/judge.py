"""Judging: a stated figure against what the data says (``judge``), and one claim
checked on one view of the data (``Check``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tradecli.analysis.claims.estimate import Estimate, _overlap
from tradecli.analysis.claims.file import Claim
from tradecli.analysis.claims.stated import Stated, Verdict
from tradecli.engine.answers import SeriesKey
from tradecli.groups import Group


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    gap: float | None = None  # computed (or the nearest bound) − stated
    inside: str = ""  # bounded: 'inside' or 'partly inside'


def judge(estimate: Estimate, stated: Stated) -> Judgement:
    """The verdict on a stated figure, given what the data says."""
    low, high = stated.bounds
    if estimate.exact:
        if _overlap(estimate.low, estimate.high, low, high):
            return Judgement(Verdict.consistent)
        return Judgement(Verdict.inconsistent, (estimate.value or 0.0) - stated.value)
    if not (estimate.has_low or estimate.has_high):
        return Judgement(Verdict.unverifiable)
    if not _overlap(estimate.low, estimate.high, low, high):
        below = high <= estimate.low  # the stated figure is under the lower bound
        bound = estimate.lower if below else estimate.upper
        edge = estimate.low if below else estimate.high
        if bound is not None and bound.value is not None:
            edge = bound.value  # the bounding span's figure as published
        return Judgement(Verdict.inconsistent, edge - stated.value)
    if estimate.has_low and estimate.has_high:
        eps = 1e-9 * max(abs(low), abs(high), 1e-300)
        inside = low >= estimate.low - eps and high <= estimate.high + eps
        return Judgement(Verdict.bounded, inside="inside" if inside else "partly inside")
    return Judgement(Verdict.unverifiable)


# -- one claim on one view of the data ---------------------------------------------------


@dataclass(frozen=True)
class Check:
    """The verdict on one claim from one view of the data."""

    data: str  # 'current' or 'as of YYYY-MM-DD'
    vintage: str | None
    estimate: Estimate
    judgement: Judgement
    left_out: dict[str, int]

    @property
    def verdict(self) -> Verdict:
        return self.judgement.verdict

    def to_dict(self) -> dict[str, Any]:
        return {
            "data": self.data,
            "vintage": self.vintage,
            "verdict": str(self.verdict),
            "computed": self.estimate.to_dict(),
            "gap": self.judgement.gap,
            "inside": self.judgement.inside or None,
            "left_out": dict(self.left_out),
        }


@dataclass(frozen=True)
class Resolved:
    """A claim with its series and group resolved against the data."""

    claim: Claim
    key: SeriesKey
    group: Group | None
