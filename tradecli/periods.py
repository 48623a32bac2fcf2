"""Periods: closed spans of whole months.

A month is held as an integer index ``year * 12 + (month - 1)`` so spans
compare, sort and subtract cheaply; ``Period`` wraps the first and last month.
This module is pure Python (no pandas), so the CLI's help path stays light.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from operator import itemgetter
from typing import NamedTuple

from tradecli.errors import BadPeriod, BadRequest

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

ACCEPTED_FORMS = (
    "2022 (a year), 2023-Q2 (a quarter), 2023-H1 (a half), 2023-07 (a month), "
    "2023-01/2023-07 or 2023-01..2023-07 (a span of months)"
)

# ASCII digits only: ``２０２３`` is not a year (``\d`` would take any script's digits).
_YEAR = re.compile(r"^([0-9]{4})$")
_QUARTER = re.compile(r"^([0-9]{4})-?Q([1-4])$", re.IGNORECASE)
_HALF = re.compile(r"^([0-9]{4})-?H([12])$", re.IGNORECASE)
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{1,2})$")

# The one range of years every command and every reader accepts.
MIN_YEAR = 1900
MAX_YEAR = 2200


def _out_of_range(year: int, what: str = "year") -> str:
    """The message for a year outside MIN_YEAR..MAX_YEAR ("" when inside)."""
    if MIN_YEAR <= year <= MAX_YEAR:
        return ""
    return f"{what} {year} is outside the years tradecli reads: {MIN_YEAR}..{MAX_YEAR}"


_SEPARATOR = re.compile(r"\s*(?:/|\.\.)\s*")


def month_index(year: int, month: int) -> int:
    """The integer index of a calendar month (``month`` is 1..12)."""
    return year * 12 + (month - 1)


def year_of(index: int) -> int:
    return index // 12


def month_of(index: int) -> int:
    """Calendar month 1..12 of a month index."""
    return index % 12 + 1


def month_iso(index: int) -> str:
    return f"{year_of(index):04d}-{month_of(index):02d}"


class _Span(NamedTuple):
    first: int
    last: int


class Period(_Span):
    """A closed span ``[first, last]`` of whole months (month indices).

    A named tuple underneath: hashing and comparing (first month, then last) run
    in C, and the engine keys tens of thousands of answers by period.
    """

    __slots__ = ()

    def __new__(cls, first: int, last: int) -> Period:
        if last < first:
            raise BadPeriod(f"span ends ({month_iso(last)}) before it starts ({month_iso(first)})")
        return super().__new__(cls, first, last)

    # -- construction ---------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse any accepted notation; raise ``BadPeriod`` naming the accepted forms."""
        raw = text.strip()
        try:
            parts = _SEPARATOR.split(raw)
            if len(parts) == 2:
                first = cls._parse_single(parts[0])
                last = cls._parse_single(parts[1])
                return cls(first.first, last.last)
            if len(parts) == 1:
                return cls._parse_single(raw)
        except BadPeriod as exc:
            raise BadPeriod(f"period {text!r}: {exc}; accepted forms: {ACCEPTED_FORMS}") from None
        raise BadPeriod(f"period {text!r} is not understood; accepted forms: {ACCEPTED_FORMS}")

    @classmethod
    def _parse_single(cls, raw: str) -> Period:
        if (m := re.match("^([0-9]{4})", raw)) is not None and _out_of_range(int(m[1])):
            raise BadPeriod(_out_of_range(int(m[1])))
        if m := _YEAR.match(raw):
            return cls.year(int(m[1]))
        if m := _QUARTER.match(raw):
            year, q = int(m[1]), int(m[2])
            return cls(month_index(year, 3 * q - 2), month_index(year, 3 * q))
        if m := _HALF.match(raw):
            year, h = int(m[1]), int(m[2])
            return cls(month_index(year, 6 * h - 5), month_index(year, 6 * h))
        if m := _MONTH.match(raw):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise BadPeriod(f"month {month} is not 1..12")
            index = month_index(year, month)
            return cls(index, index)
        raise BadPeriod(f"{raw!r} is not a year, quarter, half or month")

    @classmethod
    def month(cls, index: int) -> Period:
        """The single month ``index``; each is made once (the engine asks for every month
        of every year it sums)."""
        period = _MONTHS.get(index)
        if period is None:
            period = _MONTHS[index] = cls(index, index)
        return period

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(month_index(year, 1), month_index(year, 12))

    @classmethod
    def ytd(cls, year: int, through_month: int) -> Period:
        """January through ``through_month`` of ``year``."""
        return cls(month_index(year, 1), month_index(year, through_month))

    # -- questions ------------------------------------------------------------

    @property
    def n_months(self) -> int:
        return self.last - self.first + 1

    @property
    def start_year(self) -> int:
        return year_of(self.first)

    @property
    def end_year(self) -> int:
        return year_of(self.last)

    @property
    def end_month(self) -> int:
        """Calendar month (1..12) of the last month."""
        return month_of(self.last)

    @property
    def is_full_year(self) -> bool:
        return month_of(self.first) == 1 and self.n_months == 12

    @property
    def is_year_to_date(self) -> bool:
        """Starts in January and ends in the same year (a full year counts too)."""
        return month_of(self.first) == 1 and self.start_year == self.end_year

    def contains(self, other: Period) -> bool:
        return self.first <= other.first and other.last <= self.last

    def overlaps(self, other: Period) -> bool:
        return self.first <= other.last and other.first <= self.last

    def shifted_years(self, years: int) -> Period:
        return Period(self.first + 12 * years, self.last + 12 * years)

    # -- formatting -----------------------------------------------------------

    def iso(self) -> str:
        """Canonical machine form: ``2022``, ``2023-Q2``, ``2023-H1``, ``2023-07``,
        ``2023-01/2023-07``."""
        return _iso(self.first, self.last)

    def label(self) -> str:
        """Readable form for tables: ``2022``, ``Q2 2023``, ``Jul 2023``, ``Jan–Jun 2023``,
        ``Jan–Jul 2023``."""
        return _label(self)

    def __str__(self) -> str:
        return self.iso()


_MONTHS: dict[int, Period] = {}


def by_end(spans: Iterable[Period]) -> list[Period]:
    """Distinct spans in the order "latest" reads them: by last month, then shortest first
    (as ``key=lambda p: (p.last, p.n_months)``, with sorts that run in C)."""
    ordered = sorted(spans, reverse=True)  # latest first month first
    ordered.sort(key=itemgetter(1))  # stable: by last month, latest start (shortest) first
    return ordered


@cache
def _label(period: Period) -> str:
    """``period.label()``, worked out once per span: a whole-file table labels the same
    few spans on every row."""
    iso = period.iso()
    first, last = MONTH_ABBR[month_of(period.first) - 1], MONTH_ABBR[month_of(period.last) - 1]
    if len(iso) == 4:
        return iso
    if "-Q" in iso:
        return f"{iso[5:]} {iso[:4]}"
    if period.n_months == 1:
        return f"{first} {period.start_year}"
    if period.start_year == period.end_year:
        return f"{first}–{last} {period.start_year}"
    return f"{first} {period.start_year}–{last} {period.end_year}"


@cache
def _iso(first: int, last: int) -> str:
    """``Period(first, last).iso()``, worked out once per span: JSON output of a large
    summary writes the same few thousand spans tens of thousands of times."""
    first_month, year, n_months = month_of(first), year_of(first), last - first + 1
    if year == year_of(last):
        if first_month == 1 and n_months == 12:
            return f"{year:04d}"
        if n_months == 3 and first_month in (1, 4, 7, 10):
            return f"{year:04d}-Q{(first_month + 2) // 3}"
        if n_months == 6 and first_month in (1, 7):
            return f"{year:04d}-H{(first_month + 5) // 6}"
    if n_months == 1:
        return month_iso(first)
    return f"{month_iso(first)}/{month_iso(last)}"


def check_year(year: int, hint: str = "YEAR") -> int:
    """A year asked for (``project YEAR``, ``growth --from``): refused (``BadRequest``)
    outside MIN_YEAR..MAX_YEAR, the one range of years every command and reader takes."""
    problem = _out_of_range(year, hint)
    if problem:
        raise BadRequest(problem, hint=hint)
    return year


def check_year_range(first: int | None, last: int | None) -> None:
    """The full years of a CAGR: each in MIN_YEAR..MAX_YEAR, the first before the last."""
    for year, hint in ((first, "--from"), (last, "--to")):
        if year is not None:
            check_year(year, hint)
    if first is not None and last is not None and first >= last:
        raise BadRequest(f"--from {first} must be before --to {last}")
