"""What a reader needs from outside the file, and the words the readers share.

Nothing here imports pandas, numpy or pyarrow (``dataset``, the parsed-file cache
and ``--reporter`` use it before any frame exists). The words themselves (flows,
units, tidy columns) live in ``tradecli.vocabulary``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from tradecli.countries import normalize_name, resolve_country, suggest
from tradecli.errors import TradeCliError, UnknownCountry

# The words the readers share: ``tradecli.vocabulary`` (re-exported for the readers).
from tradecli.vocabulary import FLOW_ALIASES as FLOW_ALIASES
from tradecli.vocabulary import FLOWS as FLOWS
from tradecli.vocabulary import OPTIONAL as OPTIONAL
from tradecli.vocabulary import REQUIRED as REQUIRED
from tradecli.vocabulary import UNIT_ALIASES as UNIT_ALIASES
from tradecli.vocabulary import UNITS as UNITS

WARNING = "warning: "  # a note that starts so is shown as a warning, not a note

# Names under which aggregates appear in downloads, normalised (``normalize_name``)
# → group code. World and the groups of groups.csv keep their group code; other
# aggregates are "SOURCE:NAME" codes (the source's own definition, members not
# known): IMF:ADVANCED, IMF:EURO-AREA, COMTRADE:AREAS-NES, ...
GROUP_NAMES = {
    "world": "WORLD",
    "wld": "WORLD",
    "w00": "WORLD",
    "all": "WORLD",
    "g001": "WORLD",
    "cis": "CIS",
    "commonwealth of independent states": "CIS",
    "eu": "EU27",
    "eu27": "EU27",
    "eu 27": "EU27",
    "eu2": "EU27",
    "eun": "EU27",
    "european union": "EU27",
    "advanced economies": "IMF:ADVANCED",
    "emerging and developing economies": "IMF:EMDE",
    "emerging market and developing economies": "IMF:EMDE",
    "euro area": "IMF:EURO-AREA",
    "emerging and developing asia": "IMF:EMDE-ASIA",
    "emerging and developing europe": "IMF:EMDE-EUROPE",
    "middle east and central asia": "IMF:MIDDLE-EAST-CENTRAL-ASIA",
    "middle east north africa afghanistan and pakistan": "IMF:MENAP",
    "sub saharan africa": "IMF:SUB-SAHARAN-AFRICA",
    "western hemisphere": "IMF:WESTERN-HEMISPHERE",
    "countries and areas not specified": "IMF:NOT-SPECIFIED",
    "other countries nie": "IMF:OTHER-NIE",
    "special categories and economic zones": "IMF:SPECIAL-CATEGORIES",
    "areas nes": "COMTRADE:AREAS-NES",
    "bunkers": "COMTRADE:BUNKERS",
    "free zones": "COMTRADE:FREE-ZONES",
    "special categories": "COMTRADE:SPECIAL-CATEGORIES",
}
AGGREGATE_CODES = frozenset(GROUP_NAMES.values())


@dataclass
class ReadContext:
    """What a reader needs from outside the file: the known group codes."""

    group_codes: frozenset[str]
    commodity: str = "TOTAL"
    notes: list[str] = field(default_factory=list)
    # Keep only these reporters' rows (every row is still validated); None keeps all.
    reporters: frozenset[str] | None = None
    # Called with (bytes read, total bytes) while a large file loads.
    progress: Callable[[int, int], None] | None = None
    # ``--strict``: a publisher's row that cannot be placed is an error, not a warning.
    strict: bool = False

    def options(self) -> dict[str, Any]:
        """What of the context the rows read depend on (notes and progress do not): the
        cache of parsed files and the reading ahead compare readings by it."""
        return {
            "groups": sorted(self.group_codes),
            "commodity": self.commodity,
            "reporters": sorted(self.reporters) if self.reporters is not None else None,
            "strict": self.strict,
        }

    def resolve(self, text: str) -> str:
        """A country (→ alpha-3) or a group code; raises ``UnknownCountry``."""
        raw = text.strip()
        upper = raw.upper()
        if upper in self.group_codes or upper in AGGREGATE_CODES:
            return upper
        group = GROUP_NAMES.get(raw.casefold()) or GROUP_NAMES.get(normalize_name(raw))
        if group:
            return group
        try:
            return resolve_country(raw)
        except UnknownCountry as exc:
            extra = suggest(upper, sorted(self.group_codes)) if len(raw) <= 6 else ""
            raise UnknownCountry(f"{exc}{extra}") from None


def reporter_codes(text: str | None) -> frozenset[str] | None:
    """The reporter codes ``--reporter TEXT`` can select, to keep only their rows while
    reading; None (keep every row) when the text does not name a country."""
    if not text:
        return None
    try:
        code = resolve_country(text)
    except TradeCliError:
        return None
    return frozenset({code, text.strip().upper()})


def is_date(text: str) -> bool:
    """An ISO calendar date written ``YYYY-MM-DD`` in ASCII digits, and only that: such
    dates compare as text the way they compare as dates (``20230801`` and ``2020-W01-1``,
    which ``date.fromisoformat`` also takes, do not)."""
    if len(text) != 10 or not text.isascii() or text[4] != "-" or text[7] != "-":
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def date_problem(text: str, today: str | None = None) -> str:
    """What is wrong with a ``published`` cell ("" when nothing): not ``YYYY-MM-DD``, or a
    date after ``today`` (default: the clock's), which would win every reconciliation."""
    if not text:
        return ""
    if not is_date(text):
        return "not a date; write YYYY-MM-DD (for example 2023-09-14) or leave empty"
    today = today or dt.date.today().isoformat()
    if text > today:
        return f"publication date in the future (today is {today})"
    return ""


# Larger values are typos or wrong units (world trade is about 3e13 USD a year); below
# it, sums of any number of rows stay finite.
MAX_VALUE = 1e18

# Flags with a meaning to tradecli (observations.QUALIFIERS, EXCLUDED_FLAGS,
# OFFICIAL_STATEMENT) and the quality marks of the bundled data; others are kept (they
# show in --explain) with a note.
KNOWN_FLAGS = frozenset(
    {
        "about",
        "over",
        "almost",
        "suspect-unit",
        "low-trust",
        "official-statement",
        "conflict",
        "year-inferred",
        "garbled-in-source",
        "title-text-mismatch",
        "undated-page",
        "direction-interpreted",
        "decimal-comma-in-source",
        "source-not-named",
        "ambiguous-wording",
        "estimate",
        "provisional",
        "revised",
    }
)


@cache
def currency_codes() -> frozenset[str]:
    """ISO 4217 alphabetic codes (pycountry's table)."""
    import pycountry

    return frozenset(str(c.alpha_3) for c in pycountry.currencies)


def note_unknown_flags(flags: Iterable[str], file: str, context: ReadContext) -> None:
    """A note naming the flags of a file that tradecli does not know (they are kept)."""
    unknown = sorted(
        {f.strip() for text in flags for f in str(text).split(";") if f.strip()} - KNOWN_FLAGS
    )
    if unknown:
        shown = ", ".join(repr(f) for f in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        context.notes.append(
            f"{file}: flags tradecli does not know (kept, with no effect): {shown}{more}"
        )
