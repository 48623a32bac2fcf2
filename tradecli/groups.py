"""Country groups with dated membership and named variants.

``data/groups.csv`` (bundled) holds: group, code, member, valid_from,
valid_to, note. ``group`` is the variant's name (``cis``, ``cis-stat``);
``code`` is the partner code under which a source's own aggregate for the
group appears in the data (``CIS``); member ``*`` means every partner.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

from tradecli.countries import resolve_country, suggest
from tradecli.errors import BadInput, BadPeriod, Problem, UnknownCountry, UnknownGroup
from tradecli.file_names import shown_name
from tradecli.periods import Period

ALL_PARTNERS = "*"
COLUMNS = ("group", "member", "valid_from", "valid_to", "note")
_OPEN_START = 0
_OPEN_END = 9999 * 12 + 11


@dataclass(frozen=True)
class Membership:
    member: str
    first: int
    last: int
    note: str

    def valid_during(self, period: Period) -> bool:
        """True when the member belonged to the group at any month of ``period``."""
        return self.first <= period.last and period.first <= self.last


@dataclass(frozen=True)
class Group:
    """A group variant. Immutable; what is asked of it often is worked out once (a summary
    asks for the members of each span and hashes the group for every memoised answer)."""

    name: str
    code: str
    members: tuple[Membership, ...]
    source: str
    _during: dict[Period, list[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @cached_property
    def every_partner(self) -> bool:
        return any(m.member == ALL_PARTNERS for m in self.members)

    @cached_property
    def _hash(self) -> int:
        return hash((self.name, self.code, self.members, self.source))

    def __hash__(self) -> int:
        return self._hash

    def members_during(self, period: Period) -> list[str]:
        members = self._during.get(period)
        if members is None:
            members = self._during[period] = sorted(
                {
                    m.member
                    for m in self.members
                    if m.member != ALL_PARTNERS and m.valid_during(period)
                }
            )
        return list(members)


@dataclass(frozen=True)
class Groups:
    by_name: dict[str, Group]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(g.code for g in self.by_name.values() if g.code)

    def get(self, name: str) -> Group:
        key = name.strip().lower()
        if key in self.by_name:
            return self.by_name[key]
        for group in self.by_name.values():
            if group.code.lower() == key:
                return group
        names = sorted(self.by_name)
        raise UnknownGroup(
            f"unknown group {name!r}{suggest(key, names)}; groups are: {', '.join(names)}"
        )

    def merged(self, other: Groups) -> Groups:
        return Groups({**self.by_name, **other.by_name})


def bundled_text() -> str:
    return resources.files("tradecli.bundled").joinpath("groups.csv").read_text("utf-8")


def load_bundled() -> Groups:
    return _parse_once(bundled_text(), "groups.csv (bundled)")


@lru_cache(maxsize=2)
def _parse_once(text: str, file: str) -> Groups:
    """``parse``, once per process for the same text (the bundled file, read each
    time): groups are immutable, and every load asks for them."""
    return parse(text, file)


def load(groups_file: Path | None = None) -> Groups:
    """The bundled groups, with those of ``groups_file`` (``--groups``) merged in."""
    groups = load_bundled()
    return groups.merged(load_file(groups_file)) if groups_file is not None else groups


def load_file(path: Path) -> Groups:
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(
            [Problem(shown_name(path), None, "", "", "groups file is not UTF-8")]
        ) from None
    except OSError as exc:
        message = f"cannot read groups file: {exc.strerror or exc}"
        raise BadInput([Problem(shown_name(path), None, "", "", message)]) from None
    return parse(text, shown_name(path))


def _month(
    text: str, default: int, file: str, line: int, column: str, problems: list[Problem]
) -> int:
    if not text.strip():
        return default
    try:
        period = Period.parse(text)
    except BadPeriod as exc:
        problems.append(Problem(file, line, column, text, str(exc)))
        return default
    return period.first if column == "valid_from" else period.last


def parse(text: str, file: str) -> Groups:
    """Groups from the text of a groups file; ``BadInput`` listing every bad row.

    Column names are read as the tidy reader reads them (spaces around them and case do
    not matter); a field too long for the csv module (an unterminated quote) is a
    problem, not a crash; a group's code may not be a country's code (its rows would be
    taken for the group's published total).
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as exc:
        raise BadInput([Problem(file, 1, "", "", _csv_problem(exc))]) from None
    missing = [c for c in COLUMNS if c not in header]
    twice = sorted({h for h in header if header.count(h) > 1})
    if missing or twice:
        problem = (
            f"column(s) {', '.join(twice)} named twice"
            if twice
            else f"missing column(s) {', '.join(missing)}; a groups file needs "
            f"{', '.join(COLUMNS)} (and optionally code)"
        )
        raise BadInput([Problem(file, 1, "", ",".join(header)[:80], problem)])
    problems: list[Problem] = []
    rows: dict[str, list[Membership]] = {}
    codes: dict[str, str] = {}
    line = 1
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                message = f"row has {len(cells)} fields, the header has {len(header)}"
                problems.append(Problem(file, start, "", ",".join(cells)[:60], message))
                continue
            row = dict(zip(header, cells, strict=False))
            _parse_row(row, file, start, rows, codes, problems)
    except csv.Error as exc:
        problems.append(Problem(file, line + 1, "", "", _csv_problem(exc)))
    if problems:
        raise BadInput(problems)
    return Groups(
        {
            name: Group(name, codes.get(name, ""), tuple(members), file)
            for name, members in rows.items()
        }
    )


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return (
            f"a field longer than {csv.field_size_limit():,} characters "
            "(an unterminated quote?); the rest of the file is not read"
        )
    return f"not readable as CSV: {exc}"


def _parse_row(
    row: dict[str, str],
    file: str,
    line: int,
    rows: dict[str, list[Membership]],
    codes: dict[str, str],
    problems: list[Problem],
) -> None:
    name = (row.get("group") or "").strip().lower()
    raw_member = (row.get("member") or "").strip()
    if not name:
        problems.append(Problem(file, line, "group", "", "missing group name"))
        return
    member = raw_member
    if raw_member != ALL_PARTNERS:
        try:
            member = resolve_country(raw_member)
        except UnknownCountry as exc:
            problems.append(Problem(file, line, "member", raw_member, str(exc)))
            return
    first = _month(row.get("valid_from") or "", _OPEN_START, file, line, "valid_from", problems)
    last = _month(row.get("valid_to") or "", _OPEN_END, file, line, "valid_to", problems)
    code = (row.get("code") or "").strip().upper()
    if code and _is_country_code(code):
        message = (
            "a group's code must not be a country's code: figures with this partner would "
            "be read as the group's published total"
        )
        problems.append(Problem(file, line, "code", code, message))
        return
    rows.setdefault(name, []).append(
        Membership(member, first, last, (row.get("note") or "").strip())
    )
    if code:
        codes[name] = code


def _is_country_code(code: str) -> bool:
    """A country's alpha-2, alpha-3 or numeric code (not a name: GUAM is a group's name)."""
    if len(code) > 3:
        return False
    try:
        resolve_country(code)
    except UnknownCountry:
        return False
    return True
