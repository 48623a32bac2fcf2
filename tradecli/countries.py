"""Country names and codes → ISO 3166-1 alpha-3.

pycountry knows the ISO names and codes, and (``historic_countries``, ISO
3166-3) the dissolved states with their dates: Czechoslovakia (CSK), the USSR
(SUN), Yugoslavia (YUG), the German Democratic Republic (DDR), the Netherlands
Antilles (ANT), Yemen PDR (YMD). A historical entity is a country in its own
right, never merged into a successor. Trade statistics use their own spellings
("Azerbaijan, Rep. of", "Kyrgyz Rep.", "Bahamas, The", "St. Lucia"): the
bundled alias table ``aliases.csv`` (IMF, Comtrade and WITS spellings) and a few
rules (``St.`` is Saint, ``Rep.`` Republic, a trailing ``, Rep. of`` or
``, Kingdom of`` is the country's style) sit in front of it. Publishers'
aggregates and residual areas (``aggregates.csv``) are kept in the publisher's
namespace (``IMF:MIDDLE-EAST``, ``COMTRADE:AREAS-NES``). Unknown names are an
error that suggests the closest known names. pycountry is imported lazily: it is
not needed on the path of ``--help``.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

from tradecli.errors import UnknownCountry

# Trade-statistics spellings that pycountry does not resolve (or resolves
# ambiguously), normalised with ``_norm``. Values are alpha-3 codes.
ALIASES: dict[str, str] = {
    "turkey": "TUR",
    "turkiye": "TUR",
    "republic of turkiye": "TUR",
    "russia": "RUS",
    "russian federation": "RUS",
    "azerbaijan rep of": "AZE",
    "azerbaijan republic of": "AZE",
    "kyrgyz republic": "KGZ",
    "kyrgyz rep": "KGZ",
    "kyrgyzstan": "KGZ",
    "tajikistan rep of": "TJK",
    "moldova rep of": "MDA",
    "republic of moldova": "MDA",
    "armenia rep of": "ARM",
    "belarus rep of": "BLR",
    "kazakhstan rep of": "KAZ",
    "uzbekistan rep of": "UZB",
    "iran islamic rep of": "IRN",
    "iran": "IRN",
    "korea rep of": "KOR",
    "south korea": "KOR",
    "republic of korea": "KOR",
    "korea dem peoples rep of": "PRK",
    "north korea": "PRK",
    "china pr mainland": "CHN",
    "china peoples republic of": "CHN",
    "china pr hong kong": "HKG",
    "china pr macao": "MAC",
    "hong kong sar china": "HKG",
    "china hong kong sar": "HKG",
    "china macao sar": "MAC",
    "usa": "USA",
    "us": "USA",
    "united states": "USA",
    "united states of america": "USA",
    "uk": "GBR",
    "united kingdom": "GBR",
    "czech republic": "CZE",
    "czech rep": "CZE",
    "slovak republic": "SVK",
    "slovak rep": "SVK",
    "netherlands the": "NLD",
    "netherlands kingdom of the": "NLD",
    "vietnam": "VNM",
    "lao peoples dem rep": "LAO",
    "laos": "LAO",
    "syria": "SYR",
    "syrian arab republic": "SYR",
    "egypt arab rep of": "EGY",
    "venezuela rep bolivariana de": "VEN",
    "bolivia": "BOL",
    "tanzania united rep of": "TZA",
    "congo dem rep of the": "COD",
    "congo rep of": "COG",
    "cote divoire": "CIV",
    "ivory coast": "CIV",
    "north macedonia republic of": "MKD",
    "macedonia": "MKD",
    "kosovo rep of": "XKX",
    "kosovo": "XKX",
    "taiwan province of china": "TWN",
    "other asia nes": "TWN",
    "belgium luxembourg": "BLX",
    # IMF (DOTS/IMTS) and UN Comtrade spellings
    "china pr": "CHN",
    "china mainland": "CHN",
    "hong kong china": "HKG",
    "china hong kong": "HKG",
    "macao china": "MAC",
    "rep of korea": "KOR",
    "dem peoples rep of korea": "PRK",
    "rep of moldova": "MDA",
    "united rep of tanzania": "TZA",
    "tanzania": "TZA",
    "dem rep of the congo": "COD",
    "central african rep": "CAF",
    "dominican rep": "DOM",
    "bosnia herzegovina": "BIH",
    "state of palestine": "PSE",
    "west bank and gaza": "PSE",
    "fs micronesia": "FSM",
    "micronesia fed states of": "FSM",
    "gambia the": "GMB",
    "bahamas the": "BHS",
    "afghanistan islamic rep of": "AFG",
    "mauritania islamic rep of": "MRT",
    "serbia and montenegro": "SCG",
    "curacao kingdom of the netherlands": "CUW",
    "aruba kingdom of the netherlands": "ABW",
    "sint maarten kingdom of the netherlands": "SXM",
    "eswatini kingdom of": "SWZ",
    "lesotho kingdom of": "LSO",
    "ethiopia the federal dem rep of": "ETH",
    "timor leste dem rep of": "TLS",
    "sao tome and principe dem rep of": "STP",
    "andorra principality of": "AND",
    "san marino rep of": "SMR",
}

# Codes used by trade statistics that ISO does not assign.
EXTRA_CODES: dict[str, str] = {
    "XKX": "Kosovo",
    "BLX": "Belgium-Luxembourg",
    "SCG": "Serbia and Montenegro",
    # Historical entities ISO 3166-3 does not list (user-assigned X codes).
    "XYE": "Yemen Arab Rep.",
    "XMW": "Malaysia, West",
}

# Short names of the ISO 3166-3 entities, as trade statistics name them.
HISTORIC_NAMES: dict[str, str] = {
    "CSK": "Czechoslovakia",
    "SUN": "USSR",
    "YUG": "Yugoslavia",
    "DDR": "German Democratic Republic",
    "ANT": "Netherlands Antilles",
    "YMD": "Yemen, People's Dem. Rep.",
    "ZAR": "Zaire",
    "BUR": "Burma",
    "TMP": "East Timor",
}
# Historical entities without an ISO 3166-3 entry: (name, last year of existence).
EXTRA_HISTORIC: dict[str, tuple[str, str]] = {
    "XYE": ("Yemen Arab Rep.", "1990-05-22"),
    "XMW": ("Malaysia, West", "1963"),
    "SCG": ("Serbia and Montenegro", "2006-09-26"),
}

# "Poland, Rep. of", "Bahrain, Kingdom of", "Eritrea, The State of" and the like:
# the name without the style is the country.
_STATE_SUFFIX = re.compile(
    r" (?:the )?(?:(?:(?:federal |islamic |arab |dem |democratic |peoples |united )*"
    r"(?:rep|republic|kingdom|state|union|principality|federation))|federated states) of(?: the)?$"
    r"| the$"
)
# Abbreviations of publishers' names, token by token.
_WORDS = {
    "st": "saint",
    "rep": "republic",
    "dem": "democratic",
    "isds": "islands",
    "is": "islands",
    "fed": "federal",
    "sts": "states",
}


def _norm(text: str) -> str:
    """Lower case, accents and punctuation removed, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("'", "").replace("\u2019", "").replace(".", "").replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", plain.casefold()).strip()


def normalize_name(text: str) -> str:
    """The form names are compared in: lower case, no accents or punctuation."""
    return _norm(text)


@cache
def _pycountry() -> Any:
    import pycountry

    return pycountry


def _bundled_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("tradecli.bundled").joinpath(name).read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@cache
def publisher_aliases() -> dict[str, str]:
    """The bundled publisher spellings (``aliases.csv``), normalised → code."""
    return {_norm(row["name"]): row["code"] for row in _bundled_rows("aliases.csv")}


@cache
def _aggregates() -> dict[tuple[str, str], str]:
    """(publisher namespace, normalised name) → aggregate code (``aggregates.csv``)."""
    out: dict[tuple[str, str], str] = {}
    for row in _bundled_rows("aggregates.csv"):
        code = row["code"]
        out.setdefault((code.split(":", 1)[0], _norm(row["name"])), code)
    return out


def publisher_aggregate(name: str, namespace: str) -> str | None:
    """A publisher's aggregate or residual area by the name its files use, in the
    publisher's namespace (``IMF``, ``COMTRADE``, ``WITS``); None if not one."""
    return _aggregates().get((namespace.upper(), _norm(name)))


def aggregate_names() -> dict[str, list[str]]:
    """Aggregate code → the names files give it (for selection by name)."""
    out: dict[str, list[str]] = {}
    for (_, key), code in _aggregates().items():
        out.setdefault(code, []).append(key)
    return out


@cache
def _index() -> dict[str, str]:
    """Every known name and code, normalised, → alpha-3 (historical entities too)."""
    index: dict[str, str] = {}
    for country in _pycountry().countries:
        code = country.alpha_3
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                index.setdefault(_norm(value), code)
        index.setdefault(country.numeric, code)
    for code, name in EXTRA_CODES.items():
        index.setdefault(_norm(code), code)
        index.setdefault(_norm(name), code)
    for old in _pycountry().historic_countries:
        code = old.alpha_3
        names = [code, old.alpha_4, old.name, old.name.split(",")[0], HISTORIC_NAMES.get(code, "")]
        for value in names:
            if value:
                index.setdefault(_norm(value), code)
        numeric = getattr(old, "numeric", None)
        if numeric:
            index.setdefault(numeric, code)
    index.update(ALIASES)
    index.update(publisher_aliases())
    return index


def _expanded(key: str) -> str:
    return " ".join(_WORDS.get(word, word) for word in key.split())


def resolve_country(text: str) -> str:
    """Resolve a name, alpha-2, alpha-3 or numeric code to alpha-3.

    Raises ``UnknownCountry`` with the closest known names when it cannot.
    """
    raw = text.strip()
    if raw.isdigit():
        code = _index().get(raw.zfill(3))
        if code:
            return code
    key = _norm(raw)
    index = _index()
    for candidate in (key, _expanded(key)):
        code = index.get(candidate) or index.get(_STATE_SUFFIX.sub("", candidate))
        if code:
            return code
    raise UnknownCountry(f"unknown country {raw!r}{_suggestion(raw)}")


@cache
def country_names() -> tuple[str, ...]:
    """Every country's short name (``country_name``), sorted."""
    return tuple(sorted({country_name(code) for code in set(_index().values())}))


@cache
def _suggestion(raw: str) -> str:
    names = list(country_names())
    close = difflib.get_close_matches(raw, names, n=3, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(raw.title(), names, n=3, cutoff=0.5)
    return f"; did you mean {', '.join(close)}?" if close else ""


def suggest(raw: str, known: list[str]) -> str:
    """'; did you mean X, Y?' for the closest of ``known`` to ``raw``, or ''."""
    close = difflib.get_close_matches(raw, known, n=3, cutoff=0.5)
    return f"; did you mean {', '.join(close)}?" if close else ""


@cache
def country_name(code: str) -> str:
    """A short readable name for an alpha-3 code (the code itself if unknown)."""
    if code in EXTRA_CODES:
        return EXTRA_CODES[code]
    country = _pycountry().countries.get(alpha_3=code)
    if country is None:
        old = _pycountry().historic_countries.get(alpha_3=code)
        if old is None:
            return code
        return HISTORIC_NAMES.get(code) or str(old.name).split(",")[0]
    return str(getattr(country, "common_name", None) or country.name)


def historic(code: str) -> tuple[str, str] | None:
    """(name, date it ceased to exist) of a historical entity; None for a current one."""
    if code in EXTRA_HISTORIC:
        return EXTRA_HISTORIC[code]
    if _pycountry().countries.get(alpha_3=code) is not None:
        return None
    old = _pycountry().historic_countries.get(alpha_3=code)
    if old is None:
        return None
    return country_name(code), str(getattr(old, "withdrawal_date", ""))
