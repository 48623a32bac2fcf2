"""IMF trade statistics as CSV: the IMTS portal download and the older DOTS bulk file.

IMTS: ``COUNTRY, COUNTRY.ID, INDICATOR, INDICATOR.ID, COUNTERPART_COUNTRY,
COUNTERPART_COUNTRY.ID, FREQUENCY, SCALE`` (or ``SCALE.ID``), then either
``TIME_PERIOD`` + ``OBS_VALUE`` or one column per period (``2022``, ``2022-M01``,
``2022-Q1``). Aggregates have ``G`` codes (``G001`` World).

DOTS bulk: ``Country Name, Country Code, Indicator Name, Indicator Code,
Counterpart Country Name, Counterpart Country Code, Attribute``, then one column
per period (``2022``, ``2022M1``, ``2022Q1``); only ``Attribute`` = Value rows
hold figures. Country codes are IMF codes, not ISO, so names are used.

Exports FOB (``XG_FOB_USD``, ``TXG_FOB_USD``) and imports CIF (``MG_CIF_USD``,
``TMG_CIF_USD``) are read. Imports valued FOB (``MG_FOB_USD``) are a second
valuation of the same imports and trade balance (``TBG_USD``) is exports minus
imports, not turnover: both are left out, and counted in the notes. The scale
comes from the file (``SCALE``, ``SCALE.ID`` or the indicator's name).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tradecli.errors import BadInput, Problem, UnknownCountry
from tradecli.readers.common import (
    ReadContext,
    leave_out,
    published_step,
    raise_problems,
    snap_to_step,
)
from tradecli.readers.tabular import (
    LINE,
    columns_by_norm,
    finished,
    first_resolved,
    numbers,
    period_label,
    read_delimited,
    resolve_entities,
    scale_of,
    skipped_note,
    slug,
)

IMTS = "imf-imts"
DOTS = "imf-dots"
EXPORTS = frozenset({"XG_FOB_USD", "TXG_FOB_USD"})
IMPORTS = frozenset({"MG_CIF_USD", "TMG_CIF_USD"})
INDICATOR_NOTES = {
    "TBG_USD": "trade balance, exports minus imports: not turnover",
    "MG_FOB_USD": "imports valued FOB: a second valuation of imports",
    "TMG_FOB_USD": "imports valued FOB: a second valuation of imports",
}
# IMTS codes of aggregates; other G codes become IMF:<NAME>.
AGGREGATES = {"G001": "WORLD", "G110": "IMF:ADVANCED", "G163": "IMF:EURO-AREA", "G200": "IMF:EMDE"}
MISSING = ("", "..", "...", "-", "n/a", "na", "nan")


@dataclass(frozen=True)
class Layout:
    """Which column holds what, in one of the two CSV shapes (normalised names);
    each role is a (code column, name column) pair."""

    name: str
    reporter: tuple[str, str]
    indicator: tuple[str, str]
    partner: tuple[str, str]
    codes_are_iso: bool


IMTS_LAYOUT = Layout(
    IMTS,
    ("countryid", "country"),
    ("indicatorid", "indicator"),
    ("counterpartcountryid", "counterpartcountry"),
    True,
)
DOTS_LAYOUT = Layout(
    DOTS,
    ("countrycode", "countryname"),
    ("indicatorcode", "indicatorname"),
    ("counterpartcountrycode", "counterpartcountryname"),
    False,
)


def layout_of(header: list[str]) -> Layout | None:
    names = set(columns_by_norm(header))
    for layout in (DOTS_LAYOUT, IMTS_LAYOUT):
        roles = (layout.reporter, layout.indicator, layout.partner)
        if all(code in names or name in names for code, name in roles):
            return layout
    return None


def looks_like(header: list[str]) -> bool:
    return layout_of(header) is not None


def flow_of(code: str, name: str) -> str | None:
    """export / import for exports FOB and imports CIF; None for every other indicator."""
    code = code.strip().upper()
    if code:
        return "export" if code in EXPORTS else "import" if code in IMPORTS else None
    text = name.lower()
    if "export" in text and ("fob" in text or "free on board" in text):
        return "export"
    if "import" in text and ("cif" in text or "insurance" in text):
        return "import"
    return None


def place(context: ReadContext, code: str, name: str, codes_are_iso: bool) -> str:
    """An IMF country or counterpart (code, name) → alpha-3 or group code."""
    code = code.strip().upper()
    if code in AGGREGATES:
        return AGGREGATES[code]
    plain = re.sub(r"\s*\([^)]*\)\s*$", "", name).strip()
    texts = ([code] if codes_are_iso else []) + [name, plain]
    try:
        return first_resolved(context, texts)
    except UnknownCountry as exc:
        if re.fullmatch(r"G\d+", code) and name.strip():
            return f"IMF:{slug(name)}"
        raise UnknownCountry(f"cannot place {name.strip() or code!r} ({exc})") from None


def check_commodity(file: str, context: ReadContext) -> None:
    if context.commodity.strip().upper() != "TOTAL":
        raise BadInput(
            [
                Problem(
                    file,
                    None,
                    "commodity",
                    context.commodity,
                    "IMF trade statistics hold all-goods totals only; this file "
                    "cannot answer for another commodity",
                )
            ]
        )


def read(path: Path, context: ReadContext) -> pd.DataFrame:
    """Read an IMF IMTS or DOTS CSV (long or wide, gzip or not) into observations."""
    file = str(path)
    check_commodity(file, context)
    table = read_delimited(path)
    layout = layout_of(table.header)
    if layout is None:  # pragma: no cover - detection chose this reader
        raise BadInput([Problem(file, 1, "", "", "not an IMF IMTS/DOTS CSV")])
    names = columns_by_norm(table.header)
    raw = table.frame.rename(columns={v: k for k, v in names.items()})
    for column in {*layout.reporter, *layout.indicator, *layout.partner}:
        if column not in raw:
            raw[column] = ""
    if "attribute" in raw:
        raw = raw[raw["attribute"].str.strip().str.lower().isin(["value", ""])]
    problems: list[Problem] = []
    raw = _read_flows(raw, layout, file, context)
    raw["__scale"] = _scales(raw, layout, file, context, problems)
    long = _long(raw, table.header, names, file, problems)
    raise_problems(problems)
    long = long[long["__value"].notna()]
    out = pd.DataFrame(index=long.index)
    unplaced: list[Problem] = []
    for role, (code, name) in (("reporter", layout.reporter), ("partner", layout.partner)):
        out[role] = resolve_entities(
            long,
            [code, name],
            _placer(context, layout),
            file,
            name,
            unplaced,
            label=names.get(name, names.get(code)),
        )
    out["flow"] = long["__flow"]
    out["first"] = long["__first"]
    out["last"] = long["__last"]
    out["step"] = long["__text"].map(published_step) * long["__scale"]
    out["value"] = snap_to_step(long["__value"] * long["__scale"], out["step"])
    out["currency"] = "USD"
    out["source"] = file
    out["line"] = long[LINE]
    out["format"] = layout.name
    out["publisher"] = "IMF IMTS" if layout is IMTS_LAYOUT else "IMF DOTS"
    out["indicator"] = long[layout.indicator[0]].str.strip()
    raise_problems(problems)
    placed = out["reporter"].notna() & out["partner"].notna()
    leave_out(context, file, "row(s) whose country or counterpart cannot be placed", unplaced)
    return finished(out[placed], file, context)


def _placer(context: ReadContext, layout: Layout) -> Callable[[tuple[str, ...]], str]:
    def resolve(key: tuple[str, ...]) -> str:
        return place(context, key[0], key[1], layout.codes_are_iso)

    return resolve


def _read_flows(raw: pd.DataFrame, layout: Layout, file: str, context: ReadContext) -> pd.DataFrame:
    code, name = layout.indicator
    flow = pd.Series(
        [flow_of(c, n) for c, n in zip(raw[code], raw[name], strict=True)],
        index=raw.index,
        dtype=object,
    )
    other = flow.isna()
    if bool(other.any()):
        labels = (
            raw.loc[other, code]
            .str.strip()
            .where(raw.loc[other, code].str.strip() != "", raw.loc[other, name].str.strip())
        )
        counts = labels.value_counts().sort_index()
        meaning = "; ".join(f"{k}: {v}" for k, v in INDICATOR_NOTES.items() if k in counts.index)
        context.notes.append(
            skipped_note(file, "indicators other than exports FOB and imports CIF", counts)
            + (f" ({meaning})" if meaning else "")
        )
    raw = raw[~other].copy()
    raw["__flow"] = flow[~other]
    return raw


def _scales(
    raw: pd.DataFrame, layout: Layout, file: str, context: ReadContext, problems: list[Problem]
) -> pd.Series:
    """The multiplier of every row, from SCALE, SCALE.ID or the indicator's name."""
    blank = pd.Series("", index=raw.index)
    texts = raw.get("scale", blank)
    ids = raw.get("scaleid", blank)
    names = raw[layout.indicator[1]]
    found: dict[tuple[str, str, str], float | str] = {}
    out: list[float] = []
    for line, text, ident, name in zip(raw[LINE], texts, ids, names, strict=True):
        key = (text.strip(), ident.strip(), name.strip())
        if key not in found:
            found[key] = _scale(*key)
        scale = found[key]
        if isinstance(scale, str):
            problems.append(Problem(file, int(line), "SCALE", text or ident or name, scale))
            scale = 1.0
        out.append(scale)
    if any(not t and not i and scale_of(n) is None for t, i, n in found):
        context.notes.append(
            f"{file}: no SCALE column; values read in US dollars, as the indicator name states"
        )
    return pd.Series(out, index=raw.index, dtype="float64")


def _scale(text: str, ident: str, name: str) -> float | str:
    """The multiplier, or a message saying why there is none."""
    if text:
        scale = scale_of(text)
        return (
            scale
            if scale is not None
            else "unknown scale; scales are units, thousands, millions, billions"
        )
    if ident:
        return float(10 ** int(ident)) if ident.isdigit() else "SCALE.ID is not a power of ten"
    scale = scale_of(name)
    if scale is not None:
        return scale
    if "dollar" in name.lower():
        return 1.0
    return "no scale: the file has no SCALE column and the indicator name does not state one"


def _long(
    raw: pd.DataFrame, header: list[str], names: dict[str, str], file: str, problems: list[Problem]
) -> pd.DataFrame:
    """One row per figure: ``__period`` (as written), ``__first``, ``__last``, ``__text``,
    ``__value``. Empty cells of a wide file are no figure; an empty OBS_VALUE neither."""
    if "timeperiod" in raw and "obsvalue" in raw:
        long = raw.rename(columns={"obsvalue": "__text", "timeperiod": "__period"})
        labels = pd.Series(names["obsvalue"], index=long.index)
    else:
        periods = [norm for norm, written in names.items() if period_label(written) is not None]
        if not periods:
            raise BadInput(
                [
                    Problem(
                        file,
                        1,
                        "",
                        ",".join(header)[:80],
                        "no TIME_PERIOD and OBS_VALUE columns and no period columns "
                        "(such as 2022, 2022M01, 2022-Q1)",
                    )
                ]
            )
        others = [c for c in raw.columns if c not in periods]
        long = raw.melt(
            id_vars=others, value_vars=periods, var_name="__period", value_name="__text"
        )
        long["__period"] = long["__period"].map(names)
        labels = long["__period"]
    long["__text"] = long["__text"].str.strip().str.replace(",", "", regex=False)
    long = long[long["__text"] != ""]
    labels = labels[long.index]
    spans = {text: period_label(text) for text in long["__period"].unique()}
    for text, span in spans.items():
        if span is None:
            bad = long["__period"] == text
            problems.extend(
                Problem(
                    file,
                    int(line),
                    names.get("timeperiod", "TIME_PERIOD"),
                    text,
                    "not a period (such as 2022, 2022-M01, 2022-Q1)",
                )
                for line in long.loc[bad, LINE]
            )
    period = long["__period"].map(spans)
    long["__first"] = period.map(lambda p: p.first if p is not None else 0)
    long["__last"] = period.map(lambda p: p.last if p is not None else 0)
    parts = [
        numbers(part["__text"], part[LINE], file, str(label), problems, MISSING)
        for label, part in long.groupby(labels, sort=False)
    ]
    long["__value"] = pd.concat(parts) if parts else pd.Series(dtype="float64")
    return long
