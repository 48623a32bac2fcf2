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

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar, cast, overload

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradecli.groups import Group
from tradecli.observations import (
    EXCLUDED_FLAGS,
    OFFICIAL_STATEMENT,
    QUALIFIERS,
    Observation,
    RowSource,
    records,
    split_flags,
)
from tradecli.periods import Period
from tradecli.reconcile import (
    REASON_CODES,
    Figure,
    Reconciled,
    SpanTable,
    decide,
    decide_disagreeing,
    reconcile,
    reconcile_span,
)

T = TypeVar("T")

EXACT = "exact"
TILED = "tiled"
DIFFERENCE = "difference"
EXPORT_PLUS_IMPORT = "export+import"
AGGREGATE = "published aggregate"
MEMBER_SUM = "member sum"
NOT_AVAILABLE = "not available"


class SeriesKey(NamedTuple):
    """One series. A named tuple: hashed and compared in C (answers are keyed by it)."""

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
    parts: Sequence[Answer] = ()
    signs: tuple[int, ...] = ()
    reconciled: Reconciled | None = None
    available: Sequence[Period] = ()
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
    _index: SpanIndex | None = field(default=None, init=False, repr=False)
    _series_number: dict[SeriesKey, int] = field(default_factory=dict, init=False, repr=False)
    # Answers are immutable and the frame does not change: each question is worked out once.
    _answers: dict[tuple[SeriesKey, Period], Answer] = field(
        default_factory=dict, init=False, repr=False
    )
    _direct_answers: dict[tuple[SeriesKey, Period], Answer | None] = field(
        default_factory=dict, init=False, repr=False
    )
    _group_answers: dict[tuple[str, Group, str, Period, str], Answer] = field(
        default_factory=dict, init=False, repr=False
    )
    _member_missing: dict[tuple[str, Group, str, Period, str], bool] = field(
        default_factory=dict, init=False, repr=False
    )
    # The series a rule could find a figure of: those with rows, and turnover from X + M.
    _findable: set[SeriesKey] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.frame):
            grouped = self.frame.groupby(
                ["reporter", "partner", "flow", "currency"], observed=True, sort=True
            )
            for group_key, index in grouped.indices.items():
                parts: tuple[Any, ...] = group_key  # type: ignore[assignment]
                reporter, partner, flow, currency = (str(k) for k in parts)
                self._rows[SeriesKey(reporter, partner, flow, currency)] = index
        self._findable = set(self._rows)
        self._findable.update(
            k.with_flow("turnover")
            for k in self._rows
            if k.flow == "export" and k.with_flow("import") in self._rows
        )

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

    def end_years(self, key: SeriesKey) -> frozenset[int]:
        """Calendar years that any span of the series ends in."""
        return self._spans(key).end_years

    def _spans(self, key: SeriesKey) -> LazySpans:
        """The series' spans, each reconciled only when a rule first looks at it."""
        if key not in self._lazy:
            if self._index is None and self._rows:
                self._index = SpanIndex(self.frame, list(self._rows.values()), self.include_flagged)
                self._series_number = {k: n for n, k in enumerate(self._rows)}
            self._lazy[key] = LazySpans(self._index, self._series_number.get(key, -1))
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
        # Shown only when the answer is (searches ask for many spans that are not there).
        available = Deferred(lambda: self._available(key))
        return Answer(key, period, None, NOT_AVAILABLE, available=available)

    def _available(self, key: SeriesKey) -> tuple[Period, ...]:
        """The spans a series answers directly; for turnover also those of export + import."""
        available = self.periods(key)
        if key.flow == "turnover":
            both = set(self.periods(key.with_flow("export"))) & set(
                self.periods(key.with_flow("import"))
            )
            available = sorted({*available, *both})  # a Period sorts as (first, last)
        return tuple(available)

    def _direct(self, key: SeriesKey, period: Period) -> Answer | None:
        """Rules 1–3 within one series."""
        memo = (key, period)
        if memo not in self._direct_answers:
            self._direct_answers[memo] = self._direct_uncached(key, period)
        return self._direct_answers[memo]

    def _direct_uncached(self, key: SeriesKey, period: Period) -> Answer | None:
        spans = self._spans(key)
        if not spans:
            return None  # no span to be exact, tile or differ (turnover is often only X + M)
        found = self._exact_or_tiled(key, period, spans)
        if found is not None:
            return found
        return self._difference(key, period, spans)

    def _exact(self, key: SeriesKey, period: Period, spans: LazySpans) -> Answer:
        """Rule 1 for a span of the data, worked out once (the memo of ``_direct``)."""
        memo = (key, period)
        answer = self._direct_answers.get(memo)
        if answer is None:
            rec = spans[period]
            answer = self._direct_answers[memo] = Answer(
                key, period, rec.value, EXACT, reconciled=rec
            )
        return answer

    def _exact_or_tiled(self, key: SeriesKey, period: Period, spans: LazySpans) -> Answer | None:
        if period in spans:
            return self._exact(key, period, spans)
        if spans.monthly:
            # Only single months: the one possible tiling is every month of the span. The
            # sum needs only their values; the parts are made when something looks at them.
            months = range(period.first, period.last + 1)
            values = spans.month_values(months)
            if values is None:
                return None
            # Each month's exact answer, shared with every other question that uses it.
            exact = self._exact
            months_of = Deferred(
                lambda: tuple(exact(key, Period.month(m), spans) for m in months), len(months)
            )
            return Answer(key, period, float(sum(values)), TILED, months_of, (1,) * len(months))
        tiles = _tiling(period, [p for p in spans if period.contains(p) and p != period])
        if tiles is None:
            return None
        # Each tile is a span of the data: its exact answer, shared with every other question
        # that uses it (the months of a year are also the months of its year-to-date spans).
        parts = tuple(self._exact(key, p, spans) for p in tiles)
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
        """A group's value: the published aggregate when present, else the member sum.

        Worked out once per question: a summary asks it for every partner of the group
        (each partner's share), and a member sum looks at every member. ``Group`` is an
        immutable value, so equal groups (same name, code, members) share the answer.
        """
        memo = (reporter, group, flow, period, currency)
        answer = self._group_answers.get(memo)
        if answer is None:
            answer = self._group_answers[memo] = self._group_value(
                reporter, group, flow, period, currency
            )
        return answer

    def _group_value(
        self, reporter: str, group: Group, flow: str, period: Period, currency: str
    ) -> Answer:
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

        def not_available(why: str) -> Answer:
            spans = self._group_spans(reporter, group, flow, currency)
            return Answer(key, period, None, NOT_AVAILABLE, available=spans, notes=(why,))

        if not members:
            return not_available(f"no {group.name} members for {period.label()}")
        parts = [self.value(SeriesKey(reporter, m, flow, currency), period) for m in members]
        have = tuple(p for p in parts if p.found)
        missing = [p.key.partner for p in parts if not p.found]
        if not have:
            return not_available(
                f"no published {key.partner} total and none of the "
                f"{len(members)} members has data for {period.label()}"
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

    def member_missing(
        self, reporter: str, group: Group, flow: str, period: Period, currency: str = "USD"
    ) -> bool:
        """True when the group has no published total over ``period`` and a member has no
        figure for it: its member sum would be incomplete.

        Quicker than the sum (it stops at the first member without a figure), and worked
        out once per question: a share search asks it at every span of every partner of
        the group, and the answer does not depend on the partner.
        """
        memo = (reporter, group, flow, period, currency)
        missing = self._member_missing.get(memo)
        if missing is None:
            missing = self._member_missing[memo] = self._member_missing_uncached(
                reporter, group, flow, period, currency
            )
        return missing

    def _member_missing_uncached(
        self, reporter: str, group: Group, flow: str, period: Period, currency: str
    ) -> bool:
        if group.code and self.value(SeriesKey(reporter, group.code, flow, currency), period).found:
            return False
        members = self.partners_for(reporter, group, period, currency)
        keys = [SeriesKey(reporter, m, flow, currency) for m in members]
        # A member whose series has no rows has no figure: that settles it at once, before
        # any member's value is worked out.
        findable = self._findable
        if not all(k in findable for k in keys):
            return True
        return any(not self.value(k, period).found for k in keys)

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


class SpanIndex:
    """Every (series, span) of an observation frame, grouped once with numpy.

    For each span: its rows (positions in the frame, in frame order, excluded
    quality flags left out unless ``include_flagged``), and, where no two of its
    figures agree (nearly always: one figure, or revisions that differ), the
    reconciled value decided for all spans at once (``decide_disagreeing``).
    Other spans are reconciled one by one (``decide``) when first asked.
    ``Observation`` objects are built only when an answer's sources are asked
    for (``--explain``, JSON): ``rows`` turns the frame into Python columns then.
    What the engine reads item by item is a Python list per span; the rows stay
    numpy arrays, read a span at a time.
    """

    def __init__(self, frame: pd.DataFrame, series: Sequence[Any], include_flagged: bool) -> None:
        """``series``: each series' row positions in ``frame`` (series ``k`` is ``series[k]``)."""
        self.frame = frame
        self._rows: RowSource | None = None
        series_of = np.full(len(frame), -1, dtype=np.int64)
        for k, index in enumerate(series):
            series_of[index] = k
        # Flags and publication dates: few distinct texts, each looked at once.
        flag_codes, flag_texts = pd.factorize(frame["flags"], use_na_sentinel=False)
        flags = [split_flags(str(t)) for t in flag_texts.tolist()]
        self._qualifiers = [next((f for f in fl if f in QUALIFIERS), "") for fl in flags]
        self._official = [OFFICIAL_STATEMENT in fl for fl in flags]
        excluded = np.array([any(f in EXCLUDED_FLAGS for f in fl) for fl in flags], dtype=bool)
        published_codes, published_texts = pd.factorize(frame["published"], use_na_sentinel=False)
        self._published = [str(t) for t in published_texts.tolist()]
        # Integers that order like the texts (Python's string order, which ``_rank`` uses).
        by_text = sorted(range(len(self._published)), key=self._published.__getitem__)
        published_rank = np.empty(len(by_text), dtype=np.int64)
        published_rank[by_text] = np.arange(len(by_text))
        first = frame["first"].to_numpy(dtype=np.int64)
        last = frame["last"].to_numpy(dtype=np.int64)

        # The kept rows grouped by (series, first, last), frame order within a span: a stable
        # sort of one integer per row that orders like the three.
        keep = series_of >= 0
        if not include_flagged:
            keep &= ~excluded[flag_codes]
        kept = np.flatnonzero(keep)
        low, high = (int(first.min()), int(last.max())) if len(frame) else (0, 0)
        width = high - low + 1  # first - low and last - low are below it
        assert len(series) * width**2 < 2**63, "the span key would overflow int64"
        key = series_of[kept]
        key *= width
        key += first[kept]
        key -= low
        key *= width
        key += last[kept]
        key -= low
        order = np.argsort(key, kind="stable")
        kept, key = kept[order], key[order]
        starts = np.flatnonzero(np.diff(key, prepend=-1))
        bounds = np.append(starts, len(kept)).astype(np.int64)
        self._kept = kept
        self._value = frame["value"].to_numpy(dtype=np.float64)
        self._step = frame["step"].to_numpy(dtype=np.float64)
        self._flag_codes = flag_codes
        self._published_codes = published_codes
        row_codes = flag_codes[kept]
        winner, reason = decide_disagreeing(
            bounds,
            self._value[kept],
            self._step[kept],
            np.array([not q for q in self._qualifiers], dtype=bool)[row_codes],
            np.array(self._official, dtype=bool)[row_codes],
            published_rank[published_codes[kept]],
        )

        # Python lists from here: the engine reads them one item at a time.
        self.bounds: list[int] = bounds.tolist()
        span_rows = kept[starts]
        self.first: list[int] = first[span_rows].tolist()
        self.last: list[int] = last[span_rows].tolist()
        self.series_bounds: list[int] = np.searchsorted(
            series_of[span_rows], np.arange(len(series) + 1)
        ).tolist()
        # Per span decided in bulk: the chosen figure's value (None: left to ``decide``; an
        # object array turns the others into Python floats) and flags, and the reason code.
        decided = winner >= 0
        chosen = kept[winner[decided]]
        values = np.full(len(winner), None, dtype=object)
        values[decided] = self._value[chosen]
        self._decided: list[float | None] = values.tolist()
        chosen_flags = np.zeros(len(winner), dtype=np.int64)
        chosen_flags[decided] = flag_codes[chosen]
        self._decided_flags: list[int] = chosen_flags.tolist()
        self._reason: list[int] = reason.tolist()

    @property
    def rows(self) -> RowSource:
        """The frame as Python columns, built on first need."""
        if self._rows is None:
            self._rows = RowSource(self.frame)
        return self._rows

    def bulk_values(self, spans: list[int]) -> list[float | None]:
        """The reconciled value of each span decided in bulk; None for the others."""
        return list(map(self._decided.__getitem__, spans))

    def reconciled(self, span: int, period: Period) -> Reconciled:
        """Span number ``span`` (covering ``period``) after reconciliation."""
        start, end = self.bounds[span], self.bounds[span + 1]
        value = self._decided[span]
        if value is not None:
            flag = self._decided_flags[span]
            reason, conflict = REASON_CODES[self._reason[span]], end - start > 1
        else:  # some figures agree: cluster them, this span alone
            rows = self._kept[start:end]
            decision = decide(self._figures(rows))
            chosen = int(rows[decision.chosen])
            value, flag = float(self._value[chosen]), int(self._flag_codes[chosen])
            reason, conflict = decision.reason, bool(decision.superseded)
        return Reconciled.deferred(
            period, value, self._qualifiers[flag], reason, conflict, self, span
        )

    def observed(
        self, span: int, period: Period
    ) -> tuple[Observation, tuple[Observation, ...], tuple[Observation, ...]]:
        """The observations behind a span's reconciled value (``reconcile_span`` decides again,
        on the observations themselves: the result is the same)."""
        rows = self.rows
        index = self._kept[self.bounds[span] : self.bounds[span + 1]].tolist()
        rec = reconcile_span(period, [rows.observation(i) for i in index])
        return rec.chosen, rec.agreeing, rec.superseded

    def _figures(self, rows: NDArray[np.int64]) -> list[Figure]:
        """The rows as ``decide`` sees them (the same values as ``_rank`` of their observations)."""
        values, steps = self._value[rows].tolist(), self._step[rows].tolist()
        codes, published = self._flag_codes[rows].tolist(), self._published_codes[rows].tolist()
        return [
            Figure(
                value,
                step,
                (not self._qualifiers[code], not self._official[code], self._published[p], -step),
            )
            for value, step, code, p in zip(values, steps, codes, published, strict=True)
        ]


class LazySpans(Mapping[Period, Reconciled]):
    """One series' spans; a span is reconciled on first access.

    Equal to ``reconcile(records(part), include_flagged).spans`` (same spans, same
    order, same reconciled values) for the series' rows ``part`` of the frame,
    but a question about three spans of a long monthly series reconciles only
    those spans (see ``SpanIndex``). Single months are looked up by their month
    index, so a series of months makes no ``Period`` until it is iterated.
    """

    def __init__(self, index: SpanIndex | None, series: int) -> None:
        self._index = index
        self._months: dict[int, int] = {}  # the single months among the spans → span number
        self._longer: dict[Period, int] = {}  # the other spans → span number
        self._order: list[Period] | None = None  # every span in order, when not all months
        lasts: list[int] = []
        if index is not None and series >= 0:
            start, end = index.series_bounds[series], index.series_bounds[series + 1]
            firsts, lasts = index.first[start:end], index.last[start:end]
            numbers = range(start, end)
            if firsts == lasts:  # single months only: the usual monthly series
                self._months = dict(zip(firsts, numbers, strict=True))
            else:
                self._order = []
                for g, first, last in zip(numbers, firsts, lasts, strict=True):
                    if first == last:
                        self._months[first] = g
                        self._order.append(Period.month(first))
                    else:
                        period = Period(first, last)
                        self._longer[period] = g
                        self._order.append(period)
        self._done: dict[Period, Reconciled] = {}
        self.monthly = not self._longer
        self.end_years = frozenset({last // 12 for last in lasts})  # years spans end in

    def _number(self, period: Period) -> int | None:
        if period.first == period.last:
            return self._months.get(period.first)
        return self._longer.get(period)

    def __getitem__(self, period: Period) -> Reconciled:
        done = self._done.get(period)
        if done is None:
            span = self._number(period)
            if span is None:
                raise KeyError(period)  # a span the series does not have
            assert self._index is not None
            done = self._done[period] = self._index.reconciled(span, period)
        return done

    def __contains__(self, period: object) -> bool:
        return isinstance(period, Period) and self._number(period) is not None

    def month_values(self, months: range) -> list[float] | None:
        """The reconciled value of each month, or None if a month is not a span of the series.
        Equal to ``[self[Period.month(m)].value for m in months]``, without building the
        ``Reconciled`` of a month whose value was decided in bulk."""
        spans = self._months
        if months[-1] not in spans or months[0] not in spans:
            return None  # the usual gap: the span runs past the data's first or last month
        numbers = list(map(spans.get, months))
        if None in numbers:
            return None
        assert self._index is not None
        values = self._index.bulk_values(cast(list[int], numbers))
        if None not in values:
            return cast(list[float], values)
        # Some months are left to ``decide``, one by one.
        return [
            self[Period.month(m)].value if v is None else v
            for m, v in zip(months, values, strict=True)
        ]

    def __iter__(self) -> Iterator[Period]:
        if self._order is None:
            return map(Period.month, self._months)
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._months) + len(self._longer)


class Deferred(Sequence[T]):
    """A sequence worked out on first look: the parts of a sum of months (a table of
    annual values never looks at them; JSON and ``--explain`` do), the spans a
    not-available answer lists. Indexing, slicing, length, iteration, equality and
    hashing are those of the tuple it stands for; it is not a tuple (no ``+``)."""

    __slots__ = ("_length", "_made", "_make")

    def __init__(self, make: Callable[[], tuple[T, ...]], length: int | None = None) -> None:
        self._make: Callable[[], tuple[T, ...]] | None = make
        self._made: tuple[T, ...] | None = None
        self._length = length  # when known without making the tuple

    def _items(self) -> tuple[T, ...]:
        if self._made is None:
            assert self._make is not None
            self._made, self._make = self._make(), None
        return self._made

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self._items()[index]

    def __len__(self) -> int:
        return self._length if self._length is not None else len(self._items())

    def __iter__(self) -> Iterator[T]:
        return iter(self._items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Deferred):
            other = other._items()
        return self._items() == other

    def __hash__(self) -> int:
        return hash(self._items())

    def __repr__(self) -> str:
        return repr(self._items())


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
