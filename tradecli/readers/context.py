"""What a reader needs from outside the file, and the words the readers share.

Nothing here imports pandas, numpy or pyarrow (``dataset``, the parsed-file cache
and ``--reporter`` use it before any frame exists). The words themselves (flows,
units, tidy columns) live in ``tradecli.vocabulary``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
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

    def options(self) -> dict[str, Any]:
        """What of the context the rows read depend on (notes and progress do not): the
        cache of parsed files and the reading ahead compare readings by it."""
        return {
            "groups": sorted(self.group_codes),
            "commodity": self.commodity,
            "reporters": sorted(self.reporters) if self.reporters is not None else None,
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
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
