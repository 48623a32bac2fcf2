"""What the engine answers: series keys, the names of the span rules, ``Answer`` (a value
over a span with its derivation), and ``Deferred`` (parts made when first looked at).
Pandas-free: every backend returns these, and the formatting layer reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar, cast, overload

from tradecli.formatting import money
from tradecli.json_text import Flat, Headed
from tradecli.observations import Observation
from tradecli.periods import Period
from tradecli.reconcile import Reconciled

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
        """Qualifiers (about/over/almost) of every published figure used. Worked out once
        per answer: a group total (a member sum of sums of months) is a part of every
        share of its reporter, and each share's range and flags ask it again."""
        known: frozenset[str] | None = self.__dict__.get("_qualifiers")
        if known is None:
            rec = self.reconciled
            own = {rec.qualifier} if rec is not None and rec.qualifier else set()
            known = frozenset(own.union(*(p.qualifiers for p in self.parts)))
            object.__setattr__(self, "_qualifiers", known)
        return known

    def observations(self) -> list[Reconciled]:
        """Every reconciled span used, depth first."""
        if self.reconciled is not None:
            return [self.reconciled]
        return [r for p in self.parts for r in p.observations()]

    def flags(self) -> list[str]:
        """The quality flags of every published figure used (of each reconciled span's
        sources), sorted. Worked out once per answer, as ``qualifiers``."""
        known: tuple[str, ...] | None = self.__dict__.get("_flags")
        if known is None:
            rec = self.reconciled
            if rec is not None:
                words = rec.source_flags()
            else:
                words = {f for p in self.parts for f in p.flags()}
            known = tuple(sorted(words))
            object.__setattr__(self, "_flags", known)
        return list(known)

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
        """The derivation as indented lines, down to the published figures and their
        sources; a value worked out from approximate figures gets a ``range:`` line saying
        how its interval follows from theirs (``range_how``)."""
        pad = "  " * indent
        lines = [f"{pad}{self.key.label()}, {self.formula()}"]
        if self.qualifiers and self.value is not None:
            lines.append(f"{pad}  range: {range_how(self)}")
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
        return self.signed_dict(None)

    def figures_dict(self) -> dict[str, Any]:
        """The answer without its derivation: its span, value, rule, qualifiers,
        completeness, notes, range and (not available) the spans there are; no key, no
        sources, no parts. What ``project --backtest`` lists for each span it tests,
        where the derivations of every span of every year would repeat the same
        published figures tens of times (``tradecli value --period P --explain`` gives
        any one)."""
        qualifiers = sorted(self.qualifiers)
        out: dict[str, Any] = {
            "period": self.period.iso(),
            "value": self.value,
            "rule": self.rule,
            "qualifiers": qualifiers,
            "complete": self.complete,
        }
        if self.notes:
            out["notes"] = list(self.notes)
        self._add_ends(out, qualifiers)
        return Flat(out) if not qualifiers and len(out) == 5 else out

    def _add_ends(self, out: dict[str, Any], qualifiers: Collection[str]) -> None:
        """The last items of an answer's dict, after its figures and derivation: the spans
        there are (not available), and the range its approximate figures allow."""
        if self.rule == NOT_AVAILABLE:
            out["available"] = [p.iso() for p in self.available]
        if qualifiers and self.value is not None:
            low, high = interval(self)
            out["range"] = {"low": low, "high": high, "how": range_how(self)}

    def signed_dict(self, sign: int | None) -> dict[str, Any]:
        """``to_dict()``, after a ``"sign"`` (its sign in the answer it is a part of) unless
        None. Nearly always a ``json_text.Headed``: every item but the last (the sources or
        the parts) a scalar or empty, which a whole-file JSON writes in one call each."""
        months = type(self.parts) is MonthParts
        if months:
            parts = cast(MonthParts, self.parts).signed_dicts()  # every sign is 1
        else:
            parts = [p.signed_dict(s) for s, p in zip(self.signs, self.parts, strict=True)]
        # The qualifiers from the parts' dicts where each part is a plain ``Answer`` (its
        # dict lists its own): ``self.qualifiers`` walks every part again, at every depth.
        if type(self) is Answer and (months or all(type(p) is Answer for p in self.parts)):
            own = self.reconciled.qualifier if self.reconciled else None
            qualifiers = {q for d in parts for q in d["qualifiers"]}
            if own:
                qualifiers.add(own)
        else:
            qualifiers = set(self.qualifiers)
        out: dict[str, Any] = answer_head(
            self.key,
            sign,
            self.period.iso(),
            self.value,
            self.rule,
            sorted(qualifiers),
            self.complete,
        )
        # Headed while every item but the last is a scalar or empty.
        headed = not qualifiers and not self.notes
        if self.notes:
            out["notes"] = list(self.notes)
        if self.reconciled is not None:
            out["sources"], superseded = self.reconciled.source_dicts()
            if superseded:
                out["superseded"] = superseded
                out["resolution"] = self.reconciled.reason
                headed = False
            if parts:
                headed = False
        if parts:
            out["parts"] = parts
        if self.rule == NOT_AVAILABLE:
            headed = headed and not parts and self.reconciled is None
        self._add_ends(out, qualifiers)
        return out if headed else dict(out)


def answer_head(
    key: SeriesKey,
    sign: int | None,
    period: str,
    value: float | None,
    rule: str,
    qualifiers: list[str],
    complete: bool,
) -> Headed:
    """The first items of an answer's JSON (``Answer.signed_dict``, and ``SpanIndex``'s
    months read from their rows): its sign in the answer it is a part of (None: not a
    part), its key, span, value, rule, qualifiers and completeness."""
    out = Headed() if sign is None else Headed(sign=sign)
    out["reporter"], out["partner"] = key.reporter, key.partner
    out["flow"], out["currency"] = key.flow, key.currency
    out["period"] = period
    out["value"] = value
    out["rule"] = rule
    out["qualifiers"] = qualifiers
    out["complete"] = complete
    return out


def interval(answer: Answer) -> tuple[float, float]:
    """The true values an answer allows, given how its published figures were written.

    A figure stands for ± half its last digit; ``over``/``almost`` for the step
    above/below it. Sums add the ranges; a difference subtracts the opposite ends; a
    trade value is never below zero.
    """
    if answer.reconciled is not None:
        value, step = answer.reconciled.value, answer.reconciled.chosen.step
        qualifier = answer.reconciled.qualifier
        if qualifier == "over":
            return value, value + step
        if qualifier == "almost":
            return value - step, value
        return value - step / 2, value + step / 2
    low = high = 0.0
    for sign, part in zip(answer.signs, answer.parts, strict=True):
        part_low, part_high = interval(part)
        if sign > 0:
            low, high = low + part_low, high + part_high
        else:
            low, high = low - part_high, high - part_low
    return max(low, 0.0), high


def range_how(answer: Answer) -> str:
    """How an answer's interval follows from its figures, in one line: each term with
    what it stands for, then the interval: ``Jan–Jun 2023 $1.786M (±$500) − Q1 2023
    about $1M (±$500K) → $285.5K to $1.286M``."""
    cur = answer.key.currency
    low, high = interval(answer)
    result = f"{money(low, cur)} to {money(high, cur)}"
    if answer.reconciled is not None:
        return f"{_term(answer)} → {result}"
    terms, raw_low = [], 0.0
    for sign, part in zip(answer.signs, answer.parts, strict=True):
        terms.append(f"{'−' if sign < 0 else '+'} {_name(answer, part)} {_term(part)}")
        raw_low += interval(part)[0] if sign > 0 else -interval(part)[1]
    floor = " (a trade value is never below zero)" if raw_low < 0 else ""
    return f"{' '.join(terms).lstrip('+ ')} → {result}{floor}"


def _name(whole: Answer, part: Answer) -> str:
    if whole.rule == MEMBER_SUM:
        return part.key.partner
    if whole.rule == EXPORT_PLUS_IMPORT:
        return part.key.flow
    return part.period.label()


def _term(answer: Answer) -> str:
    """A figure and the interval it stands for: ``about $1M (±$500K)``, ``over $11M (to
    $12M)``, ``almost $5M (from $4M)``; a derived part: its value and interval."""
    cur = answer.key.currency
    rec = answer.reconciled
    if rec is None:
        low, high = interval(answer)
        return f"{money(answer.value, cur)} ({money(low, cur)} to {money(high, cur)})"
    text = f"{rec.qualifier} {money(rec.value, cur)}".lstrip()
    step = rec.chosen.step
    if rec.qualifier == "over":
        return f"{text} (to {money(rec.value + step, cur)})"
    if rec.qualifier == "almost":
        return f"{text} (from {money(rec.value - step, cur)})"
    return f"{text} (±{money(step / 2, cur)})"


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


class MonthParts(Deferred["Answer"]):
    """The parts of a sum of months of a series of single months (rule 2): the exact
    answer of each month, each a plain ``Answer``, made on first look. ``dicts``, when
    given, reads their ``signed_dict(1)`` without making them (``SeriesSpans.month_dicts``:
    None when it cannot); a whole-file JSON writes every month of every series."""

    __slots__ = ("_dicts",)

    def __init__(
        self,
        make: Callable[[], tuple[Answer, ...]],
        length: int,
        dicts: Callable[[], list[dict[str, Any]] | None] | None = None,
    ) -> None:
        super().__init__(make, length)
        self._dicts = dicts

    def signed_dicts(self) -> list[dict[str, Any]]:
        """``[p.signed_dict(1) for p in self]``."""
        if self._made is None and self._dicts is not None:
            known = self._dicts()
            if known is not None:
                return known
        return [p.signed_dict(1) for p in self]
