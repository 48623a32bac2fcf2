"""What the data says about a claim: the interval a computed figure allows, bounds
from the spans around a missing one, values, group totals and their ratio."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from tradecli.analysis.growth import spans_of
from tradecli.analysis.share import missing_total
from tradecli.engine.answers import AGGREGATE, Answer, SeriesKey
from tradecli.engine.reference import Engine
from tradecli.formatting import money
from tradecli.groups import Group
from tradecli.periods import Period
from tradecli.records import interval as interval  # re-exported: claims use it here

# -- what the data says ----------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A computed figure with the range its published inputs allow, or bounds on it.

    ``has_low``/``has_high`` say whether the data bounds the figure from below /
    above; ``lower``/``upper`` are the spans that do, for a value that is not in
    the data; ``missing`` says what the data lacks.
    """

    value: float | None
    low: float
    high: float
    has_low: bool
    has_high: bool
    answers: tuple[Answer, ...] = ()
    lower: Answer | None = None
    upper: Answer | None = None
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    inputs: tuple[Estimate, ...] = ()  # a ratio's numerator and denominator

    @property
    def exact(self) -> bool:
        return self.value is not None

    def shifted(self, by: float) -> Estimate:
        return dataclasses.replace(
            self,
            value=None if self.value is None else self.value + by,
            low=self.low + by,
            high=self.high + by,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "low": _finite(self.low) if self.has_low else None,
            "high": _finite(self.high) if self.has_high else None,
            "lower_bound": _bound_dict(self.lower),
            "upper_bound": _bound_dict(self.upper),
            "missing": list(self.missing),
            "notes": list(self.notes),
            "derivations": [a.to_dict() for a in self.answers],
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _bound_dict(answer: Answer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    return {"period": answer.period.iso(), "value": answer.value}


def bounding_spans(
    engine: Engine, key: SeriesKey, period: Period
) -> tuple[Answer | None, Answer | None]:
    """The tightest spans inside ``period`` (a lower bound) and around it (an upper bound).

    Trade values are not negative, so a span inside ``period`` is at most its
    value and a span around it at least. Candidates are the spans the series has
    and every January-to-month span of the years ``period`` touches.
    """
    candidates = set(spans_of(engine, key))
    for year in range(period.start_year, period.end_year + 1):
        candidates |= {Period.ytd(year, m) for m in range(1, 13)}
    inner = [p for p in candidates if p != period and period.contains(p)]
    outer = [p for p in candidates if p != period and p.contains(period)]
    lowers = [a for a in (engine.value(key, p) for p in sorted(inner)) if a.found]
    uppers = [a for a in (engine.value(key, p) for p in sorted(outer)) if a.found]
    lower = max(lowers, key=lambda a: interval(a)[0], default=None)
    upper = min(uppers, key=lambda a: interval(a)[1], default=None)
    return lower, upper


def value_estimate(engine: Engine, key: SeriesKey, period: Period) -> Estimate:
    """The value of one series over ``period``, else the bounds around it."""
    answer = engine.value(key, period)
    if answer.found:
        low, high = interval(answer)
        return Estimate(answer.value, low, high, True, True, (answer,), notes=answer.notes)
    lower, upper = bounding_spans(engine, key, period)
    what = f"no {key.label()} figure for {period.label()}"
    if lower is None and upper is None:
        shown = ", ".join(p.label() for p in answer.available[-8:]) or "none"
        missing = f"{what}, and no span inside or around it; spans in the data: {shown}"
    elif upper is None:
        missing = f"{what}, and no span around it to bound it from above"
    elif lower is None:
        missing = f"{what}, and no span inside it to bound it from below"
    else:
        missing = (
            f"{what} (only bounds: {lower.period.label()} and {upper.period.label()}, "
            f"{money(lower.value, key.currency)} to {money(upper.value, key.currency)})"
        )
    return Estimate(
        None,
        interval(lower)[0] if lower else 0.0,
        interval(upper)[1] if upper else math.inf,
        lower is not None,
        upper is not None,
        tuple(a for a in (lower, upper) if a is not None),
        lower,
        upper,
        (missing,),
    )


def group_estimate(engine: Engine, key: SeriesKey, group: Group, period: Period) -> Estimate:
    """The reporter's trade with ``group``: its published total or a complete member sum,
    else bounds: the group's published totals around the span, and an incomplete
    member sum (a lower bound, since members' values are not negative)."""
    total = engine.group_value(key.reporter, group, key.flow, period, key.currency)
    if total.found and (total.rule == AGGREGATE or total.complete):
        low, high = interval(total)
        return Estimate(total.value, low, high, True, True, (total,), notes=total.notes)
    lower: Answer | None = None
    upper: Answer | None = None
    if group.code:
        lower, upper = bounding_spans(engine, key.with_partner(group.code), period)
    low = interval(lower)[0] if lower else 0.0
    answers = [a for a in (lower, upper) if a is not None]
    notes: tuple[str, ...] = ()
    if total.found:
        member_low = interval(total)[0]
        answers.append(total)
        notes = total.notes
        if lower is None or member_low > low:
            low, lower = member_low, total
    return Estimate(
        None,
        low,
        interval(upper)[1] if upper else math.inf,
        lower is not None,
        upper is not None,
        tuple(answers),
        lower,
        upper,
        (missing_total(engine, key, group, period, total),),
        notes,
    )


def ratio(numerator: Estimate, denominator: Estimate) -> Estimate:
    """numerator / denominator, with the range (or bounds) the inputs allow."""
    value = None
    if numerator.exact and denominator.exact and denominator.value:
        value = (numerator.value or 0.0) / denominator.value
    has_low = numerator.has_low and denominator.has_high and 0 < denominator.high < math.inf
    has_high = numerator.has_high and denominator.has_low and denominator.low > 0
    return Estimate(
        value,
        numerator.low / denominator.high if has_low else 0.0,
        numerator.high / denominator.low if has_high else math.inf,
        has_low or value is not None,
        has_high or value is not None,
        numerator.answers + denominator.answers,
        missing=numerator.missing + denominator.missing,
        notes=numerator.notes + denominator.notes,
        inputs=(numerator, denominator),
    )


def _overlap(low1: float, high1: float, low2: float, high2: float) -> bool:
    """True when two ranges overlap; touching counts only when one is a single point."""
    finite = [abs(x) for x in (low1, high1, low2, high2) if math.isfinite(x)]
    eps = 1e-9 * (max(finite) or 1.0)
    low, high = max(low1, low2), min(high1, high2)
    if high1 - low1 > eps and high2 - low2 > eps:
        return high - low > eps
    return high - low >= -eps
