"""The value of a series over a span: the heart of tradecli.

For one series (reporter, partner, flow, currency) and a span S, in order:

1. the reconciled observation of exactly S;
2. a set of disjoint observed spans that tiles S exactly — their sum;
3. the difference of two cumulative figures with the same start
   (Jan–Aug − Jan–Jun = Jul–Aug; FY − Jan–Oct = Nov–Dec);
4. for turnover, export + import over S, each found by 1–3;
5. otherwise not available, naming the spans that exist.

Spans are alternatives, never addends: an annual figure and the months inside
it are never added together. Every ``Answer`` carries its derivation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tradecli.groups import Group
from tradecli.observations import EXCLUDED_FLAGS, Observation, RowSource, records, split_flags
from tradecli.periods import Period
from tradecli.reconcile import Reconciled, SpanTable, reconcile, reconcile_span

EXACT = "exact"
TILED = "tiled"
DIFFERENCE = "difference"
EXPORT_PLUS_IMPORT = "export+import"
AGGREGATE = "published aggregate"
MEMBER_SUM = "member sum"
NOT_AVAILABLE = "not available"


@dataclass(frozen=True, order=True)
class SeriesKey:
    reporter: str
    partner: str
    flow: str
    currency: str = "USD"

    def with_flow(self, flow: str) -> SeriesKey:
        return SeriesKey(self.reporter, self.partner, flow, self.currency)

    def with_partner(self, partner: str) -> SeriesKey:
        return SeriesKey(self.reporter, partner, self.flow, self.currency)

    def label(self) -> str:
        currency = "" if self.currency == "USD" else f" ({self.currency})"
        return f"{self.reporter}–{self.partner} {self.flow}{currency}"

    def to_dict(self) -> dict[str, str]:
        return {
            "reporter": self.reporter,
            "partner": self.partner,
            "flow": self.flow,
            "currency": self.currency,
        }


def money(value: float | None, currency: str = "USD") -> str:
    """Short readable money: 2.317M, 1.92B, 27.5K."""
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ""
    v = float(f"{abs(value):.4g}")  # rounded before the scale is chosen: $1M, never $1000K
    prefix = "$" if currency == "USD" else ""
    suffix = "" if currency == "USD" else f" {currency}"
    for scale, letter in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if v >= scale:
            return f"{sign}{prefix}{v / scale:.4g}{letter}{suffix}"
    return f"{sign}{prefix}{v:.4g}{suffix}"


@dataclass(frozen=True)
class Answer:
    """A value over a span with the derivation that produced it."""

    key: SeriesKey
    period: Period
    value: float | None
    rule: str
    parts: tuple[Answer, ...] = ()
    signs: tuple[int, ...] = ()
    reconciled: Reconciled | None = None
    available: tuple[Period, ...] = ()
    complete: bool = True
    notes: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.value is not None

    @property
    def qualifiers(self) -> frozenset[str]:
        """Qualifiers (about/over/almost) of every published figure used."""
        own = (
            {self.reconciled.qualifier} if self.reconciled and self.reconciled.qualifier else set()
        )
        return frozenset(own.union(*(p.qualifiers for p in self.parts)))

    def observations(self) -> list[Reconciled]:
        """Every reconciled span used, depth first."""
        if self.reconciled is not None:
            return [self.reconciled]
        return [r for p in self.parts for r in p.observations()]

    def formula(self) -> str:
        """One line: how the value was obtained, with each term's value."""
        if self.rule == EXACT:
            return f"{self.period.label()} published: {money(self.value, self.key.currency)}"
        if self.rule == NOT_AVAILABLE:
            return f"{self.period.label()}: not available"
        terms = []
        for sign, part in zip(self.signs, self.parts, strict=True):
            op = "−" if sign < 0 else "+"
            if self.rule == MEMBER_SUM:
                name = part.key.partner
            elif self.rule == EXPORT_PLUS_IMPORT:
                name = part.key.flow
            else:
                name = part.period.label()
            terms.append(f"{op} {name} ({money(part.value, part.key.currency)})")
        text = " ".join(terms).lstrip("+ ")
        return f"{self.rule}: {text} = {money(self.value, self.key.currency)}"

    def explain(self, indent: int = 0) -> list[str]:
        """The derivation as indented lines, down to the published figures and their sources."""
        pad = "  " * indent
        lines = [f"{pad}{self.key.label()}, {self.formula()}"]
        lines.extend(f"{pad}  note: {n}" for n in self.notes)
        if self.reconciled is not None:
            lines.extend(_explain_reconciled(self.reconciled, pad + "  "))
        for part in self.parts:
            lines.extend(part.explain(indent + 1))
        if self.rule == NOT_AVAILABLE and self.available:
            lines.append(
                f"{pad}  spans in the data: {', '.join(p.label() for p in self.available)}"
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            **self.key.to_dict(),
            "period": self.period.iso(),
            "value": self.value,
            "rule": self.rule,
            "qualifiers": sorted(self.qualifiers),
            "complete": self.complete,
        }
        if self.notes:
            out["notes"] = list(self.notes)
        if self.reconciled is not None:
            out["sources"] = [o.to_dict() for o in self.reconciled.sources]
            if self.reconciled.superseded:
                out["superseded"] = [o.to_dict() for o in self.reconciled.superseded]
                out["resolution"] = self.reconciled.reason
        if self.parts:
            out["parts"] = [
                {"sign": s, **p.to_dict()} for s, p in zip(self.signs, self.parts, strict=True)
            ]
        if self.rule == NOT_AVAILABLE:
            out["available"] = [p.iso() for p in self.available]
        return out


def _explain_reconciled(rec: Reconciled, pad: str) -> list[str]:
    lines = []
    for obs in rec.sources:
        lines.append(f"{pad}source: {describe(obs)}")
    for obs in rec.superseded:
        lines.append(f"{pad}superseded: {describe(obs)} ({rec.reason})")
    return lines


def describe(obs: Observation) -> str:
    qual = f"{obs.qualifier} " if obs.qualifier else ""
    who = obs.publisher or "unnamed publisher"
    when = obs.published or "undated"
    url = f" {obs.url}" if obs.url else ""
    return f"{qual}{money(obs.value, obs.currency)} — {who}, {when}{url} [{obs.where()}]"


def _sum(answers: Sequence[Answer], signs: Sequence[int]) -> float:
    return float(sum(s * (a.value or 0.0) for s, a in zip(signs, answers, strict=True)))


@dataclass
class Engine:
    """Answers questions about the series in an observation frame.

    ``frame`` is the loaded observation table; filters (vintage, as-of, left-out
    sources) are applied by ``Dataset`` before the frame reaches the engine.
    """

    frame: pd.DataFrame
    include_flagged: bool = False
    group_codes: frozenset[str] = frozenset()
    _rows: dict[SeriesKey, Any] = field(default_factory=dict, init=False, repr=False)
    _tables: dict[SeriesKey, SpanTable] = field(default_factory=dict, init=False, repr=False)
    _lazy: dict[SeriesKey, LazySpans] = field(default_factory=dict, init=False, repr=False)
    # Answers are immutable and the frame does not change: each question is worked out once.
    _answers: dict[tuple[SeriesKey, Period], Answer] = field(
        default_factory=dict, init=False, repr=False
    )
    _direct_answers: dict[tuple[SeriesKey, Period], Answer | None] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        if len(self.frame):
            grouped = self.frame.groupby(
                ["reporter", "partner", "flow", "currency"], observed=True, sort=True
            )
            for group_key, index in grouped.indices.items():
                parts: tuple[Any, ...] = group_key  # type: ignore[assignment]
                reporter, partner, flow, currency = (str(k) for k in parts)
                self._rows[SeriesKey(reporter, partner, flow, currency)] = index

    # -- what is there ------------------------------------------------------

    def keys(self) -> list[SeriesKey]:
        return sorted(self._rows)

    def table(self, key: SeriesKey) -> SpanTable:
        if key not in self._tables:
            index = self._rows.get(key)
            obs = records(self.frame.iloc[index]) if index is not None else []
            self._tables[key] = reconcile(obs, self.include_flagged)
        return self._tables[key]

    def periods(self, key: SeriesKey) -> list[Period]:
        return list(self._spans(key))

    def _spans(self, key: SeriesKey) -> LazySpans:
        """The series' spans, each reconciled only when a rule first looks at it."""
        if key not in self._lazy:
            index = self._rows.get(key)
            part = self.frame.iloc[index] if index is not None else self.frame.iloc[:0]
            self._lazy[key] = LazySpans(part, self.include_flagged)
        return self._lazy[key]

    # -- the rules ------------------------------------------------------------

    def value(self, key: SeriesKey, period: Period) -> Answer:
        """The value of ``key`` over ``period`` by rules 1–5 of the module docstring."""
        memo = (key, period)
        if memo not in self._answers:
            self._answers[memo] = self._value(key, period)
        return self._answers[memo]

    def _value(self, key: SeriesKey, period: Period) -> Answer:
        answer = self._direct(key, period)
        if answer is not None:
            return answer
        if key.flow == "turnover":
            export = self._direct(key.with_flow("export"), period)
            imports = self._direct(key.with_flow("import"), period)
            if export is not None and imports is not None:
                parts = (export, imports)
                return Answer(key, period, _sum(parts, (1, 1)), EXPORT_PLUS_IMPORT, parts, (1, 1))
        available = self.periods(key)
        if key.flow == "turnover":
            both = set(self.periods(key.with_flow("export"))) & set(
                self.periods(key.with_flow("import"))
            )
            available = sorted({*available, *both})
        return Answer(key, period, None, NOT_AVAILABLE, available=tuple(available))

    def _direct(self, key: SeriesKey, period: Period) -> Answer | None:
        """Rules 1–3 within one series."""
        memo = (key, period)
        if memo not in self._direct_answers:
            self._direct_answers[memo] = self._direct_uncached(key, period)
        return self._direct_answers[memo]

    def _direct_uncached(self, key: SeriesKey, period: Period) -> Answer | None:
        spans = self._spans(key)
        found = self._exact_or_tiled(key, period, spans)
        if found is not None:
            return found
        return self._difference(key, period, spans)

    def _exact_or_tiled(self, key: SeriesKey, period: Period, spans: LazySpans) -> Answer | None:
        if period in spans:
            rec = spans[period]
            return Answer(key, period, rec.value, EXACT, reconciled=rec)
        if spans.monthly:
            # Only single months: the one possible tiling is every month of the span.
            months = [Period(m, m) for m in range(period.first, period.last + 1)]
            tiles: list[Period] | None = months if all(m in spans for m in months) else None
        else:
            tiles = _tiling(period, [p for p in spans if period.contains(p) and p != period])
        if tiles is None:
            return None
        parts = tuple(Answer(key, p, spans[p].value, EXACT, reconciled=spans[p]) for p in tiles)
        signs = (1,) * len(parts)
        return Answer(key, period, _sum(parts, signs), TILED, parts, signs)

    def _difference(self, key: SeriesKey, period: Period, spans: LazySpans) -> Answer | None:
        if spans.monthly:
            # The longer span would need every month of ``period``, which did not tile.
            return None
        starts = sorted({p.first for p in spans if p.first < period.first}, reverse=True)
        for start in starts:
            longer = self._exact_or_tiled(key, Period(start, period.last), spans)
            if longer is None:
                continue
            shorter = self._exact_or_tiled(key, Period(start, period.first - 1), spans)
            if shorter is None:
                continue
            parts, signs = (longer, shorter), (1, -1)
            value = _sum(parts, signs)
            notes: tuple[str, ...] = ()
            if value < 0:
                notes = ("the difference is negative: the two cumulative figures are inconsistent",)
            return Answer(key, period, value, DIFFERENCE, parts, signs, notes=notes)
        return None

    # -- groups ---------------------------------------------------------------

    def group_value(
        self, reporter: str, group: Group, flow: str, period: Period, currency: str = "USD"
    ) -> Answer:
        """A group's value: the published aggregate when present, else the member sum."""
        if group.code:
            aggregate = self.value(SeriesKey(reporter, group.code, flow, currency), period)
            if aggregate.found:
                note = (
                    f"published {group.code} total: the source's own definition of the group, "
                    f"which may differ from the {group.name!r} list"
                )
                return Answer(
                    aggregate.key,
                    period,
                    aggregate.value,
                    AGGREGATE,
                    (aggregate,),
                    (1,),
                    notes=(note,),
                )
        members = self.partners_for(reporter, group, period, currency)
        key = SeriesKey(reporter, group.code or group.name.upper(), flow, currency)
        if not members:
            return Answer(
                key,
                period,
                None,
                NOT_AVAILABLE,
                available=self._group_spans(reporter, group, flow, currency),
                notes=(f"no {group.name} members for {period.label()}",),
            )
        parts = [self.value(SeriesKey(reporter, m, flow, currency), period) for m in members]
        have = tuple(p for p in parts if p.found)
        missing = [p.key.partner for p in parts if not p.found]
        if not have:
            return Answer(
                key,
                period,
                None,
                NOT_AVAILABLE,
                available=self._group_spans(reporter, group, flow, currency),
                notes=(
                    f"no published {key.partner} total and none of the "
                    f"{len(members)} members has data for {period.label()}",
                ),
            )
        notes = [f"{len(have)} of {len(members)} members have data"]
        if missing:
            notes.append(f"incomplete: missing {', '.join(missing)}; this is not the group total")
        partial = bool(missing) or group.every_partner
        if group.every_partner:
            notes.append(
                "sum over the partners present in the data, not every partner: a partial total"
            )
        signs = (1,) * len(have)
        return Answer(
            key,
            period,
            _sum(have, signs),
            MEMBER_SUM,
            have,
            signs,
            complete=not partial,
            notes=tuple(notes),
        )

    def partners_for(
        self, reporter: str, group: Group, period: Period, currency: str = "USD"
    ) -> list[str]:
        if group.every_partner:
            # Countries only: groups.csv codes and source aggregates (``IMF:ADVANCED``,
            # ``COMTRADE:AREAS-NES``) would count their members' trade twice.
            codes = {
                k.partner
                for k in self._rows
                if k.reporter == reporter
                and k.currency == currency
                and k.partner not in self.group_codes
                and ":" not in k.partner
            }
            return sorted(c for c in codes if c != reporter)
        return [m for m in group.members_during(period) if m != reporter]

    def _group_spans(
        self, reporter: str, group: Group, flow: str, currency: str
    ) -> tuple[Period, ...]:
        if not group.code:
            return ()
        return tuple(self.periods(SeriesKey(reporter, group.code, flow, currency)))


class LazySpans(Mapping[Period, Reconciled]):
    """One series' spans; a span's observations are reconciled on first access.

    Equal to ``reconcile(records(part), include_flagged).spans`` (same spans, same
    order, same reconciled values), but a question about three spans of a long
    monthly series builds only those spans' observations.
    """

    def __init__(self, part: pd.DataFrame, include_flagged: bool) -> None:
        self._rows = RowSource(part)
        excluded: dict[str, bool] = {}
        by_span: dict[tuple[int, int], list[int]] = {}
        columns = self._rows.columns
        for i, (first, last, flags) in enumerate(
            zip(columns["first"], columns["last"], columns["flags"], strict=True)
        ):
            if not include_flagged:
                if flags not in excluded:
                    excluded[flags] = any(f in EXCLUDED_FLAGS for f in split_flags(flags))
                if excluded[flags]:
                    continue
            by_span.setdefault((first, last), []).append(i)
        self._by_span = {
            Period(first, last): rows for (first, last), rows in sorted(by_span.items())
        }
        self._done: dict[Period, Reconciled] = {}
        self.monthly = all(p.first == p.last for p in self._by_span)

    def __getitem__(self, period: Period) -> Reconciled:
        if period not in self._done:
            obs = [self._rows.observation(i) for i in self._by_span[period]]
            if len(obs) == 1:  # what reconcile_span gives for one figure, without the ranking
                self._done[period] = Reconciled(period, obs[0], (obs[0],), (), "")
            else:
                self._done[period] = reconcile_span(period, obs)
        return self._done[period]

    def __contains__(self, period: object) -> bool:
        return period in self._by_span

    def __iter__(self) -> Iterator[Period]:
        return iter(self._by_span)

    def __len__(self) -> int:
        return len(self._by_span)


def _tiling(period: Period, candidates: Iterable[Period]) -> list[Period] | None:
    """The fewest disjoint candidate spans that cover ``period`` exactly, or None."""
    by_start: dict[int, list[Period]] = {}
    for p in candidates:
        by_start.setdefault(p.first, []).append(p)
    # Breadth-first over the next uncovered month: the first path to reach the end is shortest.
    frontier: dict[int, list[Period]] = {period.first: []}
    seen = {period.first}
    while frontier:
        nxt: dict[int, list[Period]] = {}
        for month, path in sorted(frontier.items()):
            for span in sorted(by_start.get(month, []), key=lambda p: -p.n_months):
                end = span.last + 1
                if end == period.last + 1:
                    return [*path, span]
                if end <= period.last and end not in seen:
                    seen.add(end)
                    nxt[end] = [*path, span]
        frontier = nxt
    return None
