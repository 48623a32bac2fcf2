"""UN Comtrade+ downloads: the 47-column CSV of the web interface and the API,
and the tab-separated bulk files (often gzipped) that carry codes only.

As downloaded: Windows-1252 ("Türkiye"), a trailing comma on every data row,
``refMonth`` 52 on annual rows, ``period`` YYYY or YYYYMM, the world partner as
code 0 / ``W00``, ``primaryValue`` in US dollars. Flows ``X`` and ``M`` are
exports and imports; re-exports, re-imports and the other flows are distinct
flows and are left out (counted in the notes). Only the rows of the chosen
commodity (``TOTAL`` by default) are used, and only totals over the second
partner, customs procedure, mode of transport and mode of supply: the
breakdowns would count the same trade twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tradecli.countries import normalize_name, publisher_aggregate, resolve_country
from tradecli.errors import BadInput, Problem, UnknownCountry
from tradecli.observations import empty, finish
from tradecli.periods import Period, month_index
from tradecli.readers.common import ReadContext, leave_out, raise_problems
from tradecli.readers.tabular import (
    LINE,
    Keep,
    columns_by_norm,
    finished,
    head_bytes,
    header_from,
    numbers,
    read_delimited,
    resolve_entities,
    skipped_note,
    slug,
    stripped,
)

FORMAT = "comtrade+"
REQUIRED = ("reportercode", "flowcode", "partnercode", "cmdcode", "primaryvalue")
OPTIONAL = (
    "period",
    "refyear",
    "refmonth",
    "reporteriso",
    "reporterdesc",
    "partneriso",
    "partnerdesc",
    "partner2code",
    "classificationcode",
    "typecode",
    "customscode",
    "motcode",
    "moscode",
)
FLOWS = {"X": "export", "M": "import"}
# Breakdown columns and the codes of their totals.
TOTALS = {
    "partner2code": ("0", ""),
    "customscode": ("C00", ""),
    "motcode": ("0", ""),
    "moscode": ("0", ""),
}
ANNUAL_MONTH = "52"
MAX_CODES_LISTED = 30

# Comtrade area codes that are not (or not the) ISO 3166 numeric code of a country.
AREA_CODES = {
    "0": "WORLD",
    "97": "EU27",
    "490": "TWN",  # "Other Asia, nes": in practice Taiwan
    "251": "FRA",
    "579": "NOR",
    "699": "IND",
    "757": "CHE",
    "842": "USA",
    "58": "BLX",
    "891": "SCG",
    "899": "COMTRADE:AREAS-NES",
    "837": "COMTRADE:BUNKERS",
    "838": "COMTRADE:FREE-ZONES",
    "839": "COMTRADE:SPECIAL-CATEGORIES",
    "886": "XYE",  # Yemen Arab Rep. (North Yemen, to 1990)
}
# Comtrade classification codes → how tradecli names them.
CLASSIFICATIONS = {
    "H0": "HS 1992",
    "H1": "HS 1996",
    "H2": "HS 2002",
    "H3": "HS 2007",
    "H4": "HS 2012",
    "H5": "HS 2017",
    "H6": "HS 2022",
    "HS": "HS (as reported)",
    "S1": "SITC Rev. 1",
    "S2": "SITC Rev. 2",
    "S3": "SITC Rev. 3",
    "S4": "SITC Rev. 4",
    "BEC": "BEC",
    "EB02": "EBOPS 2002 (services)",
    "EB10": "EBOPS 2010 (services)",
    "EB": "EBOPS (services)",
}


def classification_name(code: str, type_code: str = "") -> str:
    """``S4`` → ``SITC Rev. 4``; services (``typeCode`` S) say so."""
    code = code.strip().upper()
    name = CLASSIFICATIONS.get(code, code)
    if type_code.strip().upper() == "S" and "services" not in name:
        name = f"{name} (services)".strip()
    return name


def family(code: str) -> str:
    """HS, SITC, BEC or EBOPS: codes of one family name the same goods across revisions."""
    name = classification_name(code)
    return name.split()[0] if name else ""


def looks_like(header: list[str]) -> bool:
    return set(REQUIRED) <= set(columns_by_norm(header))


def place(context: ReadContext, role: str, code: str = "", iso: str = "", name: str = "") -> str:
    """A Comtrade reporter/partner (numeric code, ISO code, name) → alpha-3 or group code."""
    code = code.strip().lstrip("0") or ("0" if code.strip() else "")
    if code == "97" and name.strip():
        # the EU as the file names it: EU-28 (with the United Kingdom) is not EU27
        return publisher_aggregate(name, "COMTRADE") or AREA_CODES[code]
    if code in AREA_CODES:
        return AREA_CODES[code]
    error: UnknownCountry | None = None
    for text in (iso, name):
        if text.strip() and text.strip().upper() not in ("N/A", "NA"):
            try:
                return context.resolve(text)
            except UnknownCountry as exc:
                error = exc
    if code.isdigit():
        try:
            return resolve_country(code)
        except UnknownCountry:
            pass
    aggregate = publisher_aggregate(name, "COMTRADE") if name.strip() else None
    if aggregate:
        return aggregate
    if name and normalize_name(name).endswith(" nes"):
        return f"COMTRADE:{slug(name)}"
    described = ", ".join(x for x in (f"code {code}" if code else "", iso, name) if x.strip())
    hint = f" ({error})" if error is not None and name else ""
    raise UnknownCountry(f"cannot place the {role} {described or '(empty)'}{hint}")


def _placer(context: ReadContext, role: str, kinds: list[str]) -> Callable[[tuple[str, ...]], str]:
    def resolve(key: tuple[str, ...]) -> str:
        return place(context, role, **dict(zip(kinds, key, strict=True)))

    return resolve


def commodity_filter(column: str, wanted: str, seen: set[str]) -> Keep:
    """A ``keep`` callback: rows of commodity ``wanted``, remembering the codes seen."""
    target = wanted.strip().upper()

    def keep(batch: pa.RecordBatch) -> pa.Array:
        codes = stripped(batch.column(column))
        if len(seen) < 1000:
            seen.update(str(c) for c in pc.unique(codes).to_pylist())
        return pc.equal(codes, pa.scalar(target))

    return keep


def all_commodities(column: str, seen: set[str]) -> Keep:
    """A ``keep`` callback for a download with no all-products rows: every row is kept."""

    def keep(batch: pa.RecordBatch) -> pa.Array:
        codes = stripped(batch.column(column))
        if len(seen) < 1000:
            seen.update(str(c) for c in pc.unique(codes).to_pylist())
        return pc.is_valid(codes)

    return keep


def per_product(frame: pd.DataFrame, file: str, context: ReadContext) -> pd.DataFrame:
    """A download without all-products (TOTAL) rows, answered per product: the product's
    classification and code become part of the partner, ``DEU/SITC4:27`` (a series of its
    own, never added to a country's or group's sum)."""
    if frame.empty:
        return frame
    classification = (
        frame["classification"].astype(str)
        if "classification" in frame
        else pd.Series("", index=frame.index)
    )
    short = classification.map(_short_classification)
    frame = frame.copy()
    frame["partner"] = (
        frame["partner"].astype(str) + "/" + short + ":" + frame["commodity"].astype(str)
    )
    products = sorted(set(short + ":" + frame["commodity"].astype(str)))
    shown = ", ".join(products[:MAX_CODES_LISTED]) + (
        " …" if len(products) > MAX_CODES_LISTED else ""
    )
    context.notes.append(
        f"{file}: no all-products (TOTAL) rows: answered per product, each series's partner "
        f"is PARTNER/CLASSIFICATION:CODE ({len(products)} product(s): {shown}); "
        "--commodity CODE reads one product"
    )
    return finish(frame)


def _short_classification(name: str) -> str:
    """``HS 1996`` → ``HS`` (an HS code names the same product across revisions, so a
    series runs across them); ``SITC Rev. 4`` → ``SITC4``; '' → ``CODE``."""
    if name.startswith("HS"):
        return "HS"
    plain = re.sub(r"[^A-Za-z0-9]", "", name.split("(")[0].replace("Rev.", ""))
    return plain or "CODE"


def no_commodity_problem(file: str, wanted: str, seen: set[str]) -> BadInput:
    listed = sorted(seen)
    shown = ", ".join(listed[:MAX_CODES_LISTED]) + (" …" if len(listed) > MAX_CODES_LISTED else "")
    return BadInput(
        [
            Problem(
                file,
                None,
                "commodity",
                wanted,
                f"no rows for commodity {wanted}; the file has commodity codes: "
                f"{shown or 'none'} (choose one with --commodity)",
            )
        ]
    )


def read(path: Path, context: ReadContext) -> pd.DataFrame:
    """Read a Comtrade+ CSV or bulk TSV (gzip or not) into observations."""
    file = str(path)
    names = columns_by_norm(header_from(head_bytes(path)))
    wanted = [names[c] for c in (*REQUIRED, *OPTIONAL) if c in names]
    seen: set[str] = set()
    keep = commodity_filter(names["cmdcode"], context.commodity, seen)
    raw = read_delimited(path, wanted, keep, trailing_comma=True).frame
    every = raw.empty and context.commodity.strip().upper() == "TOTAL" and bool(seen)
    if every:
        keep = all_commodities(names["cmdcode"], set())
        raw = read_delimited(path, wanted, keep, trailing_comma=True).frame
    if raw.empty:
        raise no_commodity_problem(file, context.commodity, seen)
    raw = raw.rename(columns={v: k for k, v in names.items() if v in raw.columns})
    frame = observations(raw, file, context, FORMAT, FLOWS, names)
    return per_product(frame, file, context) if every else frame


def observations(
    raw: pd.DataFrame,
    file: str,
    context: ReadContext,
    fmt: str,
    flows: dict[str, str],
    written: dict[str, str],
) -> pd.DataFrame:
    """Rows of one commodity → observations. ``raw`` has the Comtrade+ column names,
    normalised (``reportercode``, ``flowcode``, ``primaryvalue``, …) and ``__line``;
    ``written`` gives each normalised name as the file writes it, for messages."""
    problems: list[Problem] = []
    unplaced: list[Problem] = []
    raw = _totals_only(raw, file, context)
    raw = _known_flows(raw, file, context, flows)
    if raw.empty:
        return empty()
    out = pd.DataFrame(index=raw.index)
    for role in ("reporter", "partner"):
        kinds = {"code": f"{role}code", "iso": f"{role}iso", "name": f"{role}desc"}
        present = {kind: column for kind, column in kinds.items() if column in raw}
        resolver = _placer(context, role, list(present))
        report = list(present.values())[-1]
        out[role] = resolve_entities(
            raw,
            list(present.values()),
            resolver,
            file,
            report,
            unplaced,
            label=written.get(report, report),
        )
    out["flow"] = raw["__flow"]
    spans = _spans(raw, file, problems)
    out["first"] = spans.map(lambda s: s[0])
    out["last"] = spans.map(lambda s: s[1])
    value_column = written.get("primaryvalue", "primaryValue")
    out["value"] = numbers(raw["primaryvalue"], raw[LINE], file, value_column, problems)
    out["step"] = 1.0
    out["currency"] = "USD"
    out["source"] = file
    out["line"] = raw[LINE]
    out["format"] = fmt
    out["publisher"] = "UN Comtrade"
    out["commodity"] = raw["cmdcode"].str.strip()
    if "classificationcode" in raw:
        types = raw["typecode"] if "typecode" in raw else pd.Series("", index=raw.index)
        names = {
            (c, t): classification_name(c, t)
            for c, t in set(zip(raw["classificationcode"], types, strict=True))
        }
        out["classification"] = [
            names[(c, t)] for c, t in zip(raw["classificationcode"], types, strict=True)
        ]
        _check_classifications(out, file, context)
        # a product's figures name their classification and code wherever they are shown,
        # and services (typeCode S) say so: they are not goods
        product = out["commodity"].str.upper() != "TOTAL"
        services = out["classification"].str.contains("services", regex=False)
        out["publisher"] = out["publisher"].where(
            ~product, "UN Comtrade (" + out["classification"] + ", code " + out["commodity"] + ")"
        )
        out["publisher"] = out["publisher"].where(
            product | ~services, "UN Comtrade (" + out["classification"] + ")"
        )
        if bool(services.any()):
            context.notes.append(
                f"{file}: {int(services.sum())} figure(s) of trade in services "
                f"({', '.join(sorted(set(out.loc[services, 'classification'])))}), not goods"
            )
    raise_problems(problems)
    placed = out["reporter"].notna() & out["partner"].notna()
    leave_out(context, file, "row(s) whose reporter or partner cannot be placed", unplaced)
    return finished(out[placed], file, context)


def _check_classifications(out: pd.DataFrame, file: str, context: ReadContext) -> None:
    """Name the classification a commodity is read in; refuse a series that would mix
    HS with SITC (or goods with services) for one commodity code."""
    used = sorted(set(out["classification"]))
    if not used or context.commodity.strip().upper() == "TOTAL":
        return
    families = sorted({n.split()[0] for n in used})
    if len(families) > 1:
        raise BadInput(
            [
                Problem(
                    file,
                    None,
                    "classification",
                    ", ".join(used),
                    f"commodity {context.commodity} is a different product in each of these "
                    "classifications; a series would mix them (read the files of one "
                    "classification together)",
                )
            ]
        )
    context.notes.append(
        f"{file}: commodity {context.commodity} read as a code of {', '.join(used)}, the "
        f"file's classification{'' if families == ['HS'] else ' (not HS)'}"
    )


def _totals_only(raw: pd.DataFrame, file: str, context: ReadContext) -> pd.DataFrame:
    breakdown = pd.Series(False, index=raw.index)
    for column, totals in TOTALS.items():
        if column in raw:
            breakdown |= ~raw[column].str.strip().str.upper().isin(totals)
    if bool(breakdown.any()):
        context.notes.append(
            f"{file}: left out {int(breakdown.sum())} row(s) broken down by "
            "second partner, customs procedure or mode of transport (their "
            "totals are used)"
        )
        raw = raw[~breakdown]
    return raw


def _known_flows(
    raw: pd.DataFrame, file: str, context: ReadContext, flows: dict[str, str]
) -> pd.DataFrame:
    code = raw["flowcode"].str.strip().str.upper()
    flow = code.map(flows)
    other = flow.isna()
    if bool(other.any()):
        context.notes.append(
            skipped_note(
                file,
                "flows other than exports and imports (re-exports, re-imports and the like "
                "are never added to them)",
                code[other].value_counts().sort_index(),
            )
        )
    raw = raw[~other].copy()
    raw["__flow"] = flow[~other]
    return raw


def _spans(raw: pd.DataFrame, file: str, problems: list[Problem]) -> pd.Series:
    """``period`` YYYY or YYYYMM; else refYear with refMonth (52 = the whole year)."""
    period = raw["period"].str.strip() if "period" in raw else pd.Series("", index=raw.index)
    year = raw["refyear"].str.strip() if "refyear" in raw else pd.Series("", index=raw.index)
    month = raw["refmonth"].str.strip() if "refmonth" in raw else pd.Series("", index=raw.index)
    cache: dict[tuple[str, str, str], tuple[int, int] | None] = {}
    out: list[tuple[int, int]] = []
    for line, p, y, m in zip(raw[LINE], period, year, month, strict=True):
        key = (p, y, m)
        if key not in cache:
            cache[key] = _span(*key)
        span = cache[key]
        if span is None:
            # the value shown is one the file holds: the period, else the year, else the month
            column, shown = next(
                ((c, v) for c, v in (("period", p), ("year", y), ("refMonth", m)) if v),
                ("period", ""),
            )
            problems.append(
                Problem(file, int(line), column, shown, "not a year (YYYY) or month (YYYYMM)")
            )
            span = (0, 0)
        out.append(span)
    return pd.Series(out, index=raw.index, dtype=object)


def _span(period: str, year: str, month: str) -> tuple[int, int] | None:
    if period.isdigit() and len(period) == 4:
        p = Period.year(int(period))
        return p.first, p.last
    if period.isdigit() and len(period) == 6 and 1 <= int(period[4:]) <= 12:
        index = month_index(int(period[:4]), int(period[4:]))
        return index, index
    if not period and year.isdigit() and len(year) == 4:
        if month in (ANNUAL_MONTH, ""):  # no refMonth: an annual file (older layout)
            p = Period.year(int(year))
            return p.first, p.last
        if month.isdigit() and 1 <= int(month) <= 12:
            index = month_index(int(year), int(month))
            return index, index
    return None
