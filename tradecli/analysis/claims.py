"""``tradecli verify``: check the figures an article states against the data.

A claims file (TOML) lists statements: what each measures (``value``, a
``share`` of a group, like-for-like ``growth``), over which span, and the
figure as it was written ("over 2.3 million USD", "0.06%", "+7.2%"). Each
claim gets one verdict:

- **consistent**: the computed figure agrees with the stated one at the
  precision it was written with, qualifier included;
- **inconsistent**: it does not; the computed figure and the gap are given;
- **bounded**: the span is not in the data, but spans inside and around it
  bound it (trade values are not negative, so Jan–Jun ≤ Jan–Jul ≤ Jan–Aug),
  and the stated figure lies inside the bounds (or partly inside);
- **unverifiable**: the data lacks what is needed, and the verdict says what.

What a stated figure allows. Its precision is the unit of its last written
digit (``2.3 million`` → 0.1 million; trailing zeros of an integer are read as
rounding, as in data files). With ``s`` the figure and ``d`` that unit:
plain or ``about`` → within rounding, [s − d/2, s + d/2]; ``over`` → at least
``s`` and below the next step (the writer truncated), [s, s + d]; ``almost`` →
just under, [s − d, s]. For a fall ("−5%") ``over``/``almost`` apply to its
size. A computed figure carries the precision (and qualifiers) of the
published figures behind it; the two agree when their ranges overlap, and
touching is not overlapping ($5.8M and $5.9M differ).

Which data. Figures from the claim's own ``source_url`` are left out, so an
article is never checked against itself. With ``published``, the claim is
checked first on the data as known that day: figures published on or before
it; undated figures are left out too, since nothing says they were known.
That can leave too little to decide (the undated Jan–Aug 2023 AZE–TJK figure
is what bounds Jan–Jul 2023 from above), so where the data as known then is
unverifiable, all current data decides, and the result says which data
decided. Where the data as known then decides, the answer of current data is
reported beside it when it differs (a revision).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

from tradecli.analysis.growth import spans_of
from tradecli.analysis.share import missing_total
from tradecli.countries import suggest
from tradecli.dataset import Dataset, Filters, apply_filters
from tradecli.errors import (
    BadInput,
    BadPeriod,
    ClaimsInconsistent,
    Problem,
    UnknownCountry,
    UnknownGroup,
)
from tradecli.groups import Group
from tradecli.observations import FLOWS
from tradecli.periods import Period
from tradecli.render import Column, Report, percent, share_percent
from tradecli.selection import resolve_entity
from tradecli.series import AGGREGATE, MEMBER_SUM, Answer, Engine, SeriesKey, money


class Measure(StrEnum):
    value = "value"
    share = "share"
    growth = "growth"


class Verdict(StrEnum):
    consistent = "consistent"
    inconsistent = "inconsistent"
    bounded = "bounded"
    unverifiable = "unverifiable"


CLAIM_FIELDS = (
    "text",
    "reporter",
    "partner",
    "vs",
    "measure",
    "flow",
    "period",
    "base_period",
    "stated",
    "currency",
    "published",
    "source_url",
)
# Fields that may be written once at the top of the file, for every claim.
DEFAULT_FIELDS = (
    "reporter",
    "partner",
    "vs",
    "measure",
    "flow",
    "currency",
    "published",
    "source_url",
)
TOP_FIELDS = ("title", *DEFAULT_FIELDS)

# -- the stated figure ------------------------------------------------------------

QUALIFIER_WORDS: dict[str, str] = {
    "over": "over",
    "more than": "over",
    "above": "over",
    "exceeding": "over",
    "in excess of": "over",
    "upwards of": "over",
    "at least": "over",
    "about": "about",
    "around": "about",
    "approximately": "about",
    "roughly": "about",
    "some": "about",
    "~": "about",
    "≈": "about",
    "almost": "almost",
    "nearly": "almost",
    "just under": "almost",
}
SCALE_WORDS: dict[str, int] = {
    "thousand": 3,
    "k": 3,
    "million": 6,
    "mln": 6,
    "mn": 6,
    "m": 6,
    "billion": 9,
    "bln": 9,
    "bn": 9,
    "b": 9,
    "trillion": 12,
    "trn": 12,
    "tn": 12,
}
CURRENCY_SIGNS = {"us$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "₽": "RUB", "₼": "AZN"}
CURRENCY_WORDS = {
    "dollar": "USD",
    "dollars": "USD",
    "us dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "ruble": "RUB",
    "rubles": "RUB",
    "rouble": "RUB",
    "roubles": "RUB",
    "manat": "AZN",
    "manats": "AZN",
}
PERCENT_WORDS = ("%", "percent", "per cent")
STATED_EXAMPLES = (
    '"$5.8 million", "over 2.3 million USD", "almost 300 billion RUB", "0.06%", "+7.2%"'
)

_QUALIFIER_RE = "|".join(re.escape(w) for w in sorted(QUALIFIER_WORDS, key=len, reverse=True))
_SIGN_RE = "|".join(re.escape(s) for s in sorted(CURRENCY_SIGNS, key=len, reverse=True))
_STATED = re.compile(
    rf"^(?:(?P<qual>{_QUALIFIER_RE})\s*)?(?P<sign>[+\-−])?\s*(?P<cur>{_SIGN_RE})?\s*"
    r"(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)\s*(?P<rest>.*)$"
)
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def digit_step(number: str) -> Decimal:
    """The unit of the last significant digit written: ``"2.3"`` → 0.1, ``"460"`` → 10.

    The same reading as data files (``readers.common.published_step``): trailing
    zeros of an integer are read as rounding.
    """
    if "." in number:
        return Decimal(1).scaleb(-len(number.split(".", 1)[1]))
    digits = number.lstrip("0") or "0"
    zeros = len(digits) - len(digits.rstrip("0")) if digits != "0" else 0
    return Decimal(10) ** zeros


@dataclass(frozen=True)
class Stated:
    """A figure as an article wrote it, and the range of true values it allows."""

    text: str
    value: float  # money in base units; a percentage as a fraction (0.06% → 0.0006)
    step: float  # the unit of the last written digit, in the same units
    qualifier: str  # '', 'over', 'about' or 'almost'
    is_percent: bool
    currency: str | None = None  # money only, when written

    @property
    def bounds(self) -> tuple[float, float]:
        """The true values the figure allows (see the module docstring)."""
        s, d, q = self.value, self.step, self.qualifier
        if s < 0 and q in ("over", "almost"):  # a fall of over 5% is at most −5%
            q = "almost" if q == "over" else "over"
        if q == "over":
            return s, s + d
        if q == "almost":
            return s - d, s
        return s - d / 2, s + d / 2

    def to_dict(self) -> dict[str, Any]:
        low, high = self.bounds
        return {
            "text": self.text,
            "value": self.value,
            "step": self.step,
            "qualifier": self.qualifier or None,
            "percent": self.is_percent,
            "currency": self.currency,
            "low": low,
            "high": high,
        }


def parse_stated(text: str, default_currency: str = "USD") -> Stated:
    """Read a figure as written; raise ``ValueError`` saying what is not understood."""
    raw = " ".join(text.strip().split())
    m = _STATED.match(raw.lower())
    if m is None:
        raise ValueError(
            f"not a figure as published; write it as in the article, e.g. {STATED_EXAMPLES}"
        )
    number = m["num"]
    if "," in number:
        if not _THOUSANDS.match(number):
            raise ValueError(f"{number!r}: a decimal comma? write the decimal point: 5.8")
        number = number.replace(",", "")
    rest = m["rest"].strip().rstrip(".").strip()
    exponent = 0
    scale = re.match(r"^([a-z]+)\.?(?:\s+|$)", rest)
    if scale and scale[1] in SCALE_WORDS:
        exponent = SCALE_WORDS[scale[1]]
        rest = rest[scale.end() :].strip()
    is_percent = rest in PERCENT_WORDS
    currency = CURRENCY_SIGNS[m["cur"]] if m["cur"] else None
    if not is_percent and rest:
        word = CURRENCY_WORDS.get(rest) or (rest.upper() if _is_currency(rest) else None)
        if word is None:
            raise ValueError(
                f"{rest!r} is not understood after the number; expected a scale (thousand, "
                "million, billion), a currency (USD, $, RUB, …) or a percent sign"
            )
        if currency is not None and currency != word:
            raise ValueError(f"two currencies: {m['cur']} and {rest}")
        currency = word
    if is_percent and (exponent or currency):
        raise ValueError("a percentage takes no scale or currency")
    sign = -1 if m["sign"] in ("-", "−") else 1
    if sign < 0 and not is_percent:
        raise ValueError("a trade value is not negative; only a growth rate can be")
    try:
        value = Decimal(number) * sign
    except InvalidOperation:
        raise ValueError(f"{number!r} is not a number") from None
    step = digit_step(number)
    if is_percent:
        value, step = value / 100, step / 100
    else:
        value, step = value.scaleb(exponent), step.scaleb(exponent)
        currency = currency or default_currency
    qualifier = QUALIFIER_WORDS[m["qual"]] if m["qual"] else ""
    return Stated(text.strip(), float(value), float(step), qualifier, is_percent, currency)


def _is_currency(word: str) -> bool:
    if not re.fullmatch(r"[a-z]{3}", word):
        return False
    import pycountry

    return pycountry.currencies.get(alpha_3=word.upper()) is not None


# -- the claims file ----------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One statement to check, as read from the claims file."""

    number: int
    line: int | None
    measure: Measure
    period: Period
    stated: Stated
    text: str = ""
    reporter: str | None = None
    partner: str | None = None
    vs: str | None = None
    flow: str = "turnover"
    base_period: Period | None = None
    currency: str = "USD"
    published: str | None = None
    source_url: str | None = None
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False)

    def line_of(self, name: str) -> int | None:
        return self.lines.get(name, self.line)

    @property
    def base(self) -> Period:
        return self.base_period or self.period.shifted_years(-1)


@dataclass(frozen=True)
class ClaimsFile:
    path: str
    title: str
    claims: tuple[Claim, ...]


_TABLE = re.compile(r"^\s*\[")
_CLAIM_TABLE = re.compile(r"^\s*\[\[\s*claim\s*\]\]")
_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*=""")


def _field_lines(text: str) -> tuple[dict[str, int], list[tuple[int, dict[str, int]]]]:
    """Line numbers of top-level keys and, per ``[[claim]]`` table, of its header and keys."""
    top: dict[str, int] = {}
    claims: list[tuple[int, dict[str, int]]] = []
    current: dict[str, int] | None = top
    for number, line in enumerate(text.splitlines(), 1):
        if _CLAIM_TABLE.match(line):
            claims.append((number, {}))
            current = claims[-1][1]
        elif _TABLE.match(line):
            current = None
        elif current is not None and (m := _KEY.match(line)):
            current.setdefault(m[1] or m[2] or m[3], number)
    return top, claims


def read_claims(path: Path) -> ClaimsFile:
    """Read and check a claims file; every problem is reported, with its line."""
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput([Problem(str(path), None, "", "", "claims file is not UTF-8")]) from None
    return parse_claims(text, str(path))


def parse_claims(text: str, file: str) -> ClaimsFile:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\s*\(at line (\d+), column (\d+)\)", message)
        line = int(where[1]) if where else None
        if where:
            message = f"{message[: where.start()]} at column {where[2]}"
        raise BadInput([Problem(file, line, "", "", f"not valid TOML: {message}")]) from None
    except RecursionError:  # tables or arrays nested thousands deep
        message = "not valid TOML for claims: nested too deeply"
        raise BadInput([Problem(file, None, "", "", message)]) from None
    top_lines, claim_lines = _field_lines(text)
    problems: list[Problem] = []
    for name in document:
        if name != "claim" and name not in TOP_FIELDS:
            problems.append(
                Problem(file, top_lines.get(name), name, "", _unknown_field(name, TOP_FIELDS))
            )
    defaults = {k: v for k, v in document.items() if k in DEFAULT_FIELDS}
    tables = document.get("claim")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        problems.append(
            Problem(
                file,
                None,
                "claim",
                "",
                "no [[claim]] tables; each claim is a [[claim]] table with measure, period "
                "and stated (see examples/claims/)",
            )
        )
        raise BadInput(problems)
    claims: list[Claim] = []
    for number, table in enumerate(tables, 1):
        header, lines = claim_lines[number - 1] if number <= len(claim_lines) else (None, {})
        merged_lines = {**{k: v for k, v in top_lines.items() if k in defaults}, **lines}
        claim = _parse_claim(number, header, {**defaults, **table}, merged_lines, file, problems)
        if claim is not None:
            claims.append(claim)
    if problems:
        raise BadInput(problems)
    title = document.get("title")
    return ClaimsFile(file, title if isinstance(title, str) else "", tuple(claims))


def _unknown_field(name: str, known: tuple[str, ...]) -> str:
    return f"unknown field{suggest(name, list(known))}; fields are: {', '.join(known)}"


def _parse_claim(
    number: int,
    header: int | None,
    table: dict[str, Any],
    lines: dict[str, int],
    file: str,
    problems: list[Problem],
) -> Claim | None:
    before = len(problems)

    def problem(name: str, value: Any, message: str) -> None:
        shown = "" if value is None else str(value)
        problems.append(
            Problem(file, lines.get(name, header), f"claim {number}: {name}", shown, message)
        )

    def text_field(name: str) -> str | None:
        value = table.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            problem(name, value, "must be a non-empty string in quotes")
            return None
        return value.strip()

    for name in table:
        if name not in CLAIM_FIELDS:
            problem(name, None, _unknown_field(name, CLAIM_FIELDS))
    measure = Measure.value
    raw_measure = text_field("measure")
    if raw_measure is not None:
        if raw_measure.lower() not in set(Measure):
            problem("measure", raw_measure, f"measures are: {', '.join(Measure)}")
        else:
            measure = Measure(raw_measure.lower())
    flow = (text_field("flow") or "turnover").lower()
    if flow not in FLOWS:
        problem("flow", flow, f"flows are: {', '.join(FLOWS)}")
    periods: dict[str, Period] = {}
    for name in ("period", "base_period"):
        value = table.get(name)
        if value is None:
            if name == "period":
                problem(
                    name, None, "missing: the span the figure covers, e.g. 2022 or 2023-01/2023-07"
                )
            continue
        try:
            periods[name] = Period.parse(str(value))
        except BadPeriod as exc:
            problem(name, value, str(exc))
    currency = (text_field("currency") or "").upper() or None
    stated: Stated | None = None
    raw_stated = table.get("stated")
    if raw_stated is None:
        problem("stated", None, f"missing: the figure as published, e.g. {STATED_EXAMPLES}")
    elif not isinstance(raw_stated, str):
        problem(
            "stated",
            raw_stated,
            f"write the figure as published, in quotes, e.g. {STATED_EXAMPLES}",
        )
    else:
        try:
            stated = parse_stated(raw_stated, currency or "USD")
        except ValueError as exc:
            problem("stated", raw_stated, str(exc))
    if stated is not None:
        if measure is Measure.value and stated.is_percent:
            problem(
                "stated",
                raw_stated,
                "a value claim states money ('$5.8 million'); for a "
                'percentage use measure = "share" or "growth"',
            )
        if measure is not Measure.value and not stated.is_percent:
            problem("stated", raw_stated, f"a {measure} claim states a percentage ('0.06%')")
        if currency and stated.currency and stated.currency != currency:
            problem(
                "stated",
                raw_stated,
                f"its currency {stated.currency} is not the claim's currency {currency}",
            )
    partner, vs = text_field("partner"), text_field("vs")
    if measure is Measure.share and vs is None:
        problem(
            "vs", None, "missing: a share is of a group (cis, cis-stat, central-asia, world, …)"
        )
    if measure is not Measure.value and partner is None:
        problem("partner", None, f"missing: the partner whose {measure} is claimed")
    if measure is Measure.value and partner is None and vs is None:
        problem("partner", None, "missing: the partner (or, for a group total, vs)")
    published = _published(table.get("published"), problem)
    if len(problems) > before or stated is None or "period" not in periods:
        return None
    return Claim(
        number=number,
        line=header,
        measure=measure,
        period=periods["period"],
        stated=stated,
        text=text_field("text") or "",
        reporter=text_field("reporter"),
        partner=partner,
        vs=vs,
        flow=flow,
        base_period=periods.get("base_period"),
        currency=stated.currency or currency or "USD",
        published=published,
        source_url=text_field("source_url"),
        lines=lines,
    )


def _published(value: Any, problem: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        problem("published", value, "not a date; write YYYY-MM-DD")
        return None


# -- what the data says ----------------------------------------------------------------


def interval(answer: Answer) -> tuple[float, float]:
    """The true values an answer allows, given how its published figures were written.

    A figure stands for ± half its last digit; ``over``/``almost`` for the step
    above/below it. Sums add the ranges; a difference subtracts the opposite ends.
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
            f"{money(lower.value, key.currency)} … {money(upper.value, key.currency)})"
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


def estimate_claim(engine: Engine, item: Resolved) -> Estimate:
    claim, key = item.claim, item.key
    if claim.measure is Measure.share:
        assert item.group is not None
        part = value_estimate(engine, key, claim.period)
        return ratio(part, group_estimate(engine, key, item.group, claim.period))
    if claim.measure is Measure.growth:
        current = value_estimate(engine, key, claim.period)
        return ratio(current, value_estimate(engine, key, claim.base)).shifted(-1.0)
    if item.group is not None and claim.partner is None:
        return group_estimate(engine, key, item.group, claim.period)
    return value_estimate(engine, key, claim.period)


def check(dataset: Dataset, item: Resolved) -> Check:
    estimate = estimate_claim(dataset.engine, item)
    vintage = dataset.filters.vintage
    label = f"as of {vintage}" if vintage else "current"
    return Check(
        label, vintage, estimate, judge(estimate, item.claim.stated), dict(dataset.left_out)
    )


def url_variants(url: str | None) -> tuple[str, ...]:
    """The claim's address as data files may hold it: with or without a final slash, http(s)."""
    if not url:
        return ()
    base = url.strip().rstrip("/")
    forms = {base, base + "/"}
    for a, b in (("https://", "http://"), ("http://", "https://")):
        if base.startswith(a):
            forms |= {b + base[len(a) :], b + base[len(a) :] + "/"}
    return tuple(sorted(forms))


class Views:
    """The data as a claim sees it: its own source left out, optionally as known on a date."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._cache: dict[Filters, Dataset] = {}

    def get(self, vintage: str | None, urls: tuple[str, ...]) -> Dataset:
        base = self.dataset.filters
        filters = Filters(base.include_flagged, vintage or base.vintage, base.as_of, urls)
        if filters not in self._cache:
            frame, left_out = apply_filters(self.dataset.frame, filters)
            self._cache[filters] = dataclasses.replace(
                self.dataset, frame=frame, filters=filters, left_out=left_out
            )
        return self._cache[filters]


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
        """The computed figure, or its bounds ('$1.786M … $4.103M'; '≥ $1.786M')."""
        e = c.estimate
        if e.exact:
            return self.show(e.value)
        # the bounding spans' own figures read better than their rounding-widened edges
        low = e.lower.value if e.lower is not None and e.lower.value is not None else e.low
        high = e.upper.value if e.upper is not None and e.upper.value is not None else e.high
        if e.has_low and e.has_high:
            return f"{self.show(low)} … {self.show(high)}"
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
        if j.verdict is Verdict.consistent:
            return f"consistent: computed {self.show(e.value)} agrees with {self.reading()}"
        if j.verdict is Verdict.inconsistent:
            what = f"computed {self.show(e.value)}" if e.exact else f"computed {self.computed(c)}"
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
                    "computed": r.computed(c),
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
        return Report(title, columns, rows, self.to_dict(), notes, explain)


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


# -- the whole file ------------------------------------------------------------------------


def resolve(dataset: Dataset, claims: ClaimsFile) -> list[Resolved]:
    """Names → codes for every claim; unknown names are reported with their lines."""
    problems: list[Problem] = []
    out: list[Resolved] = []
    reporters = dataset.reporters()
    for claim in claims.claims:

        def problem(name: str, value: str, message: str, claim: Claim = claim) -> None:
            problems.append(
                Problem(
                    claims.path,
                    claim.line_of(name),
                    f"claim {claim.number}: {name}",
                    value,
                    message,
                )
            )

        reporter: str | None = None
        if claim.reporter is None:
            if len(reporters) == 1:
                reporter = reporters[0]
            else:
                problem(
                    "reporter",
                    "",
                    f"missing: the data has several reporters ({', '.join(reporters)}); name one",
                )
        group: Group | None = None
        if claim.vs is not None:
            try:
                group = dataset.groups.get(claim.vs)
            except UnknownGroup as exc:
                problem("vs", claim.vs, str(exc))
        codes: dict[str, str] = {}
        for name in ("reporter", "partner"):
            text = getattr(claim, name)
            if text is None:
                continue
            try:
                codes[name] = resolve_entity(text, dataset)
            except UnknownCountry as exc:
                problem(name, text, str(exc))
        reporter = codes.get("reporter", reporter)
        partner = codes.get("partner")
        if partner is None and group is not None:
            partner = group.code or group.name.upper()
        if reporter is None or partner is None or (claim.vs is not None and group is None):
            continue
        out.append(Resolved(claim, SeriesKey(reporter, partner, claim.flow, claim.currency), group))
    if problems:
        raise BadInput(problems)
    return out


def verify_claim(views: Views, item: Resolved) -> ClaimResult:
    """Decide on the data as known at publication; where it cannot, on current data."""
    urls = url_variants(item.claim.source_url)
    current = check(views.get(None, urls), item)
    if item.claim.published is None:
        return ClaimResult(item, current)
    then = check(views.get(item.claim.published, urls), item)
    if then.verdict is Verdict.unverifiable:
        return ClaimResult(item, current, then)
    return ClaimResult(item, then, current)


def verify(dataset: Dataset, claims: ClaimsFile) -> Verification:
    """Check every claim of a claims file against the data."""
    views = Views(dataset)
    return Verification(
        claims.path, claims.title, [verify_claim(views, item) for item in resolve(dataset, claims)]
    )
