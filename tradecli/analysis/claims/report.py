"""The verdicts as a report: one row per claim, notes, the derivation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradecli.analysis.claims.estimate import Estimate, _finite
from tradecli.analysis.claims.file import Claim
from tradecli.analysis.claims.judge import Check, Resolved
from tradecli.analysis.claims.stated import Measure, Verdict
from tradecli.engine.answers import MEMBER_SUM, Answer
from tradecli.errors import (
    ClaimsInconsistent,
)
from tradecli.formatting import money, percent, share_percent
from tradecli.records import KEY_FIELDS, flags_of
from tradecli.render import Column, Report

# -- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimResult:
    """A claim, the check that decided it, and the other view of the data when there is one."""

    item: Resolved
    decisive: Check
    other: Check | None = None

    @property
    def claim(self) -> Claim:
        return self.item.claim

    @property
    def verdict(self) -> Verdict:
        return self.decisive.verdict

    @property
    def revised(self) -> bool:
        """Decided on the data as known then, and current data says something else."""
        if self.other is None or self.decisive.vintage is None:
            return False
        a, b = self.decisive, self.other
        if a.verdict != b.verdict:
            return True
        return not _same(a.estimate.value, b.estimate.value) or not (
            _same(a.estimate.low, b.estimate.low) and _same(a.estimate.high, b.estimate.high)
        )

    def subject(self) -> str:
        claim, key = self.claim, self.item.key
        who = f"{key.reporter}–{key.partner}"
        flow = key.flow if key.currency == "USD" else f"{key.flow} ({key.currency})"
        if claim.measure is Measure.share:
            assert self.item.group is not None
            return f"{who} share of {self.item.group.name}, {claim.period.label()}"
        if claim.measure is Measure.growth:
            return f"{who} {flow}, {claim.period.label()} vs {claim.base.label()}"
        return f"{who} {flow}, {claim.period.label()}"

    def show(self, value: float | None) -> str:
        """A computed or stated number in the claim's terms: money, share or change."""
        if value is None or not math.isfinite(value):
            return "—"
        if self.claim.measure is Measure.share:
            return share_percent(value)
        if self.claim.measure is Measure.growth:
            return percent(value)
        return money(value, self.item.key.currency)

    def reading(self) -> str:
        """The stated figure and what it allows: 'over 2.3 million USD ($2.3M to $2.4M)'."""
        low, high = self.claim.stated.bounds
        return f"'{self.claim.stated.text}' ({self.show(low)} to {self.show(high)})"

    def computed(self, c: Check) -> str:
        """The computed figure, or its bounds ("$1.786M to $4.103M"; "≥ $1.786M")."""
        e = c.estimate
        if e.exact:
            return self.show(e.value)
        # the bounding spans' own figures read better than their rounding-widened edges
        low = e.lower.value if e.lower is not None and e.lower.value is not None else e.low
        high = e.upper.value if e.upper is not None and e.upper.value is not None else e.high
        if e.has_low and e.has_high:
            return f"{self.show(low)} to {self.show(high)}"
        if e.has_low:
            return f"≥ {self.show(low)}"
        if e.has_high:
            return f"≤ {self.show(high)}"
        return "—"

    def gap(self, c: Check) -> str:
        g = c.judgement.gap
        if g is None:
            return ""
        if self.claim.measure is Measure.value:
            return f"{'+' if g >= 0 else '−'}{money(abs(g), self.item.key.currency)}"
        return f"{g * 100:+.3g} pp"

    def describe(self, c: Check) -> str:
        """One sentence: the verdict on this view and why."""
        e, j = c.estimate, c.judgement
        approximate = e.exact and _approximate(e)
        allowed = (
            f"the range {self.show(e.low)} to {self.show(e.high)} that the approximate "
            f"figures used ({', '.join(_qualifiers(e))}) allow"
        )
        if j.verdict is Verdict.consistent and approximate:
            return (
                f"consistent: the stated {self.reading()} is within {allowed} "
                f"(computed {self.show(e.value)})"
            )
        if j.verdict is Verdict.consistent:
            return f"consistent: computed {self.show(e.value)} agrees with {self.reading()}"
        if j.verdict is Verdict.inconsistent:
            what = f"computed {self.show(e.value)}" if e.exact else f"computed {self.computed(c)}"
            if approximate:
                what += f", in {allowed},"
            return f"inconsistent: {what} against {self.reading()}, gap {self.gap(c)}"
        if j.verdict is Verdict.bounded:
            return f"bounded: {self._bounds(e)}; the stated {self.reading()} lies {j.inside} them"
        text = "unverifiable: " + "; ".join(e.missing)
        if e.has_low or e.has_high:
            text += f" (the data only says {self.computed(c)})"
        return text

    def _bounds(self, e: Estimate) -> str:
        if e.lower is not None and e.upper is not None and self.claim.measure is Measure.value:
            return (
                f"{self.claim.period.label()} is not in the data; it lies between "
                f"{_bound_label(e.lower)} ({self.show(e.lower.value)}) and "
                f"{_bound_label(e.upper)} ({self.show(e.upper.value)})"
            )
        return f"the data puts it between {self.show(e.low)} and {self.show(e.high)}"

    def notes(self) -> list[str]:
        n = self.claim.number
        notes = [f"claim {n}: {self.describe(self.decisive)}"]
        other = self.other
        if other is not None and self.decisive.vintage is None:
            if self.verdict is Verdict.unverifiable:
                notes.append(
                    f"claim {n}: unverifiable on the data as known on {other.vintage} as well"
                )
            else:
                notes.append(
                    f"claim {n}: the data as known on {other.vintage} cannot decide "
                    f"({'; '.join(other.estimate.missing)}); current data decided"
                )
        elif other is not None and self.revised:
            notes.append(
                f"claim {n}: since revised: on current data, {self.describe(other)}"
                + _sources(other.estimate)
            )
        implied = self.implied_total()
        if implied:
            notes.append(f"claim {n}: {implied}")
        return notes

    def implied_total(self) -> str:
        """For an unverifiable share whose part is known or bounded: the total it implies."""
        estimate = self.decisive.estimate
        if self.claim.measure is not Measure.share or self.verdict is not Verdict.unverifiable:
            return ""
        part = estimate.inputs[0] if estimate.inputs else None
        low, high = self.claim.stated.bounds
        if part is None or not part.has_low or low <= 0:
            return ""
        currency = self.item.key.currency
        least = money(part.low / high, currency)
        span = f"{least} to {money(part.high / low, currency)}" if part.has_high else f"≥ {least}"
        group = self.item.group.code if self.item.group and self.item.group.code else "group"
        return (
            f"implied {self.item.key.reporter}–{group} total ({self.item.key.reporter}–"
            f"{self.item.key.partner} ÷ the stated share): {span}"
        )

    def to_dict(self) -> dict[str, Any]:
        claim = self.claim
        return {
            "claim": claim.number,
            "line": claim.line,
            "text": claim.text or None,
            "measure": str(claim.measure),
            **self.item.key.to_dict(),
            "group": self.item.group.name if self.item.group else None,
            "period": claim.period.iso(),
            "base_period": claim.base.iso() if claim.measure is Measure.growth else None,
            "stated": claim.stated.to_dict(),
            "published": claim.published,
            "source_url": claim.source_url,
            "verdict": str(self.verdict),
            "decided_on": self.decisive.data,
            "revised": self.revised,
            "check": self.decisive.to_dict(),
            "other": self.other.to_dict() if self.other else None,
        }


def _bound_label(answer: Answer) -> str:
    """'Jan–Jun 2023', or for an incomplete member sum 'the 3 members with figures'."""
    if answer.rule == MEMBER_SUM:
        return f"the {len(answer.parts)} members with figures"
    return answer.period.label()


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300)


def _sources(estimate: Estimate) -> str:
    """' (Publisher, date; …)' for the figures an estimate rests on."""
    seen: list[str] = []
    for answer in estimate.answers:
        for rec in answer.observations():
            for obs in rec.sources:
                text = f"{obs.publisher or 'unnamed publisher'}, {obs.published or 'undated'}"
                if text not in seen:
                    seen.append(text)
    return f" ({'; '.join(seen[:4])}{'; …' if len(seen) > 4 else ''})" if seen else ""


@dataclass(frozen=True)
class Verification:
    path: str
    title: str
    results: list[ClaimResult]

    @property
    def inconsistent(self) -> list[ClaimResult]:
        return [r for r in self.results if r.verdict is Verdict.inconsistent]

    def counts(self) -> dict[str, int]:
        return {str(v): sum(r.verdict is v for r in self.results) for v in Verdict}

    def raise_for_inconsistent(self) -> None:
        """Raise ``ClaimsInconsistent`` when any claim is inconsistent (after the report)."""
        bad = self.inconsistent
        if bad:
            which = ", ".join(f"claim {r.claim.number} ({r.subject()})" for r in bad)
            raise ClaimsInconsistent(
                f"{len(bad)} of {len(self.results)} claims inconsistent with the data: {which}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": Path(self.path).name,
            "title": self.title or None,
            "counts": self.counts(),
            "claims": [r.to_dict() for r in self.results],
        }

    def report(self) -> Report:
        columns = [
            Column("claim", "#"),
            Column("subject", "claim", wrap=True, priority=3),
            Column("stated", "stated", wrap=True),
            Column("computed", "computed", priority=2),
            Column("verdict", "verdict", priority=3),
            Column("data", "data as of", priority=0),
            Column("value", "computed value", table=False),
            Column("low", "low", table=False),
            Column("high", "high", table=False),
            Column("gap", "gap", table=False),
            Column("revised", "revised since", table=False),
        ]
        rows: list[dict[str, Any]] = []
        notes: list[str] = []
        explain: list[str] = []
        for r in self.results:
            c, e = r.decisive, r.decisive.estimate
            verdict = str(r.verdict)
            if r.decisive.judgement.inside:
                verdict += f" ({r.decisive.judgement.inside})"
            rows.append(
                {
                    "claim": str(r.claim.number),
                    "subject": r.subject(),
                    "stated": r.claim.stated.text,
                    "computed": r.computed(c)
                    + (
                        f" ({r.show(e.low)} to {r.show(e.high)})"
                        if e.exact and _approximate(e)
                        else ""
                    ),
                    "verdict": verdict + (" *" if r.revised else ""),
                    "data": c.vintage or "current",
                    "value": e.value,
                    "low": _finite(e.low) if e.has_low else None,
                    "high": _finite(e.high) if e.has_high else None,
                    "gap": c.judgement.gap,
                    "revised": r.computed(r.other) if r.revised and r.other else None,
                }
            )
            notes.extend(r.notes())
            explain.extend(_explain(r))
        notes.extend(_left_out_notes(self.results))
        if any(r.revised for r in self.results):
            notes.append("* the data has been revised since: see the claim's note")
        if any(r.claim.published for r in self.results):
            notes.append(
                "data as of a date: only figures published on or before the claim's date "
                "(undated ones left out); where those cannot decide, current data decides"
            )
        counts = ", ".join(f"{n} {v}" for v, n in self.counts().items() if n)
        title = f"Claims in {Path(self.path).name}: {counts}"
        records = [_record(r) for r in self.results]
        fields = [*KEY_FIELDS, *CLAIM_FIELDS]
        return Report(title, columns, rows, self.to_dict(), notes, explain, fields, records)


# ``verify``: the claim's series and span; ``value`` the computed figure (a share or change
# as a ratio: ``unit`` says which), ``low``/``high`` the range the data allows (bounds for
# a span that is not in the data); then the claim and the verdict.
CLAIM_FIELDS = [
    "claim",
    "measure",
    "stated",
    "stated_low",
    "stated_high",
    "verdict",
    "inside",
    "data",
    "gap",
    "revised",
]


def _record(r: ClaimResult) -> dict[str, Any]:
    c, e = r.decisive, r.decisive.estimate
    key, claim = r.item.key, r.claim
    stated_low, stated_high = claim.stated.bounds
    answers = [*e.answers, *(a for i in e.inputs for a in i.answers)]
    return {
        **key._asdict(),
        "unit": "unit" if claim.measure is Measure.value else "ratio",
        "period": claim.period.iso(),
        "value": e.value,
        "low": _finite(e.low) if e.has_low else None,
        "high": _finite(e.high) if e.has_high else None,
        "approximate": bool(_qualifiers(e)),
        "flags": ";".join(sorted({f for a in answers for f in flags_of(a)})),
        "claim": claim.number,
        "measure": str(claim.measure),
        "stated": claim.stated.text,
        "stated_low": _finite(stated_low),
        "stated_high": _finite(stated_high),
        "verdict": str(r.verdict),
        "inside": c.judgement.inside or None,
        "data": c.vintage or "current",
        "gap": c.judgement.gap,
        "revised": r.revised,
    }


def _qualifiers(estimate: Estimate) -> list[str]:
    """The qualifiers (about, over, almost) of the published figures behind an estimate."""
    answers = [*estimate.answers, *(a for i in estimate.inputs for a in i.answers)]
    return sorted({q for a in answers for q in a.qualifiers})


def _approximate(estimate: Estimate) -> bool:
    return bool(_qualifiers(estimate)) and estimate.low < estimate.high


def _left_out_notes(results: list[ClaimResult]) -> list[str]:
    """One note per claim source whose own figures were left out."""
    counts: dict[str, int] = {}
    for r in results:
        own = r.decisive.left_out.get("from the claim's own source", 0)
        if own and r.claim.source_url:
            counts[r.claim.source_url] = max(counts.get(r.claim.source_url, 0), own)
    return [
        f"left out: {n} figure{'s' if n != 1 else ''} published by the claims' own source {url}"
        for url, n in counts.items()
    ]


def _explain(result: ClaimResult) -> list[str]:
    claim = result.claim
    head = f"claim {claim.number} ({result.subject()})"
    lines = [head + (f": {claim.text}" if claim.text else "")]
    lines.append(f"  stated {result.reading()}")
    for c in (result.decisive, result.other):
        if c is None:
            continue
        mark = "decided" if c is result.decisive else "also checked"
        lines.append(f"  {c.data} ({mark}): {result.describe(c)}")
        for answer in c.estimate.answers:
            lines.extend(answer.explain(2))
    return lines
