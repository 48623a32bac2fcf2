"""The claims file (TOML): its fields, top-level defaults, and one ``Claim`` per
``[[claim]]`` table, every problem reported with its line."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tradecli.analysis.claims.stated import STATED_EXAMPLES, Measure, Stated, parse_stated
from tradecli.countries import suggest
from tradecli.errors import (
    BadInput,
    BadPeriod,
    Problem,
)
from tradecli.file_names import shown_name
from tradecli.observations import FLOWS
from tradecli.periods import Period

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
        raise BadInput(
            [Problem(shown_name(path), None, "", "", "claims file is not UTF-8")]
        ) from None
    return parse_claims(text, shown_name(path))


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
