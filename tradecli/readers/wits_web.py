"""World Bank WITS web exports (the tables of wits.worldbank.org saved as CSV or Excel).

Recognised by their header, never by the file's name:

(a) wide: ``Reporter Name, Partner Name, Trade Flow, Product Group, Indicator,
    1991, 1992, …``, one row per indicator; only the value indicators
    ``Export (US$ Thousand)`` and ``Import (US$ Thousand)`` (any US$ scale) are
    read, the others (shares, growth, tariffs) are counted and left out;
(b) long: ``Reporter Name, Partner Name, Year, Trade Flow, Product Group,
    Export (US$ Thousand), Import (US$ Thousand), …``; share and tariff columns
    are ignored; a row whose ``Trade Flow`` says Export (Import) gives its export
    (import) value, any other row both;
(c) either table saved as ``.xlsx`` (the first sheet with such a header).

The files carry a UTF-8 byte-order mark and names with a leading space
(`` World``); names, not codes, are placed (IMF/Comtrade/WITS spellings, WITS
regions as ``WITS:<NAME>``). Rows of the all-products group (``All Products``,
``Total``) are read; a table with none is answered per product (the product
group joins the partner, ``DEU/WITS:FUELS``). A row whose reporter or partner
cannot be placed is left out and named in one warning (``--strict``: an error);
a negative value is kept, flagged ``negative-as-published``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from tradecli.countries import publisher_aggregate
from tradecli.errors import BadInput, Problem, UnknownCountry
from tradecli.periods import Period
from tradecli.readers.common import ReadContext, leave_out, published_step, snap_to_step
from tradecli.readers.context import WARNING
from tradecli.readers.tabular import (
    LINE,
    columns_by_norm,
    finished,
    norm_header,
    period_label,
    read_delimited,
    skipped_note,
    slug,
)

FORMAT = "wits-web"
NAMES = ("reportername", "partnername", "productgroup")
ALL_PRODUCTS = ("all products", "total", "all product", "total trade")
NEGATIVE = "negative-as-published"
# "Export (US$ Thousand)", "Import (US$ Mil)": a value column or indicator, and its scale.
_VALUE = re.compile(r"^\s*(export|import)s?\s*\(\s*us\$\s*([a-z]*)\s*\)\s*$", re.IGNORECASE)
_SCALES = {"": 1.0, "thousand": 1e3, "thousands": 1e3, "mil": 1e6, "million": 1e6}
_SCALES |= {"millions": 1e6, "billion": 1e9, "bil": 1e9}


def value_of(text: str) -> tuple[str, float] | None:
    """``Export (US$ Thousand)`` → ("export", 1000.0); None for any other text."""
    m = _VALUE.match(str(text))
    if not m or m[2].lower() not in _SCALES:
        return None
    return m[1].lower(), _SCALES[m[2].lower()]


def layout(header: list[str]) -> str | None:
    """``wide``, ``long`` or None."""
    names = set(columns_by_norm(header))
    if not set(NAMES) <= names or "tradeflow" not in names:
        return None
    if "indicator" in names and any(period_label(h.strip()) is not None for h in header):
        return "wide"
    if "year" in names and any(value_of(h) is not None for h in header):
        return "long"
    return None


def looks_like(header: list[str]) -> bool:
    return layout(header) is not None


def read(path: Path, context: ReadContext) -> pd.DataFrame:
    """Read a WITS web export saved as CSV."""
    table = read_delimited(path)
    return read_table(table.frame, table.header, str(path), context, cells=None)


def read_rows(rows: list[list[Any]], file: str, sheet: str, context: ReadContext) -> pd.DataFrame:
    """Read a WITS web export saved as Excel: ``rows`` of one sheet from A1."""
    start = next(i for i, row in enumerate(rows) if layout([str(v) for v in row]) is not None)
    header = [str(v).strip() for v in rows[start]]
    width = len(header)
    body = [
        ([_text(v) for v in row[:width]] + [""] * (width - len(row)), i + 1)
        for i, row in enumerate(rows[start + 1 :], start=start + 1)
        if any(str(v).strip() for v in row)
    ]
    frame = pd.DataFrame([r for r, _ in body], columns=header, dtype="str")
    frame[LINE] = [line for _, line in body]
    return read_table(frame, header, file, context, cells=sheet)


def find_header(rows: list[list[Any]]) -> bool:
    return any(layout([str(v) for v in row]) is not None for row in rows[:30])


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return "" if value is None else str(value)


def read_table(
    raw: pd.DataFrame, header: list[str], file: str, context: ReadContext, cells: str | None
) -> pd.DataFrame:
    names = columns_by_norm([h.strip() for h in header])
    raw = raw.rename(columns={h: h.strip() for h in raw.columns})
    kind = layout(header)
    where = f"{cells}!" if cells else ""
    long = _wide(raw, header, names, file, context) if kind == "wide" else _long(raw, header, names)
    long = _products(long, file, context)
    unplaced: list[Problem] = []
    out = pd.DataFrame(index=long.index)
    for role, column in (("reporter", "reportername"), ("partner", "partnername")):
        out[role] = _place(long, names[column], role, file, context, unplaced, where)
    out["flow"] = long["__flow"]
    out["first"] = long["__period"].map(lambda p: p.first)
    out["last"] = long["__period"].map(lambda p: p.last)
    text = long["__text"].str.strip().str.replace(",", "", regex=False)
    number = pd.to_numeric(text, errors="coerce")
    bad = number.isna()
    unplaced.extend(
        Problem(file, int(line), f"{where}{column}", value, "not a number")
        for line, column, value in zip(
            long.loc[bad, LINE], long.loc[bad, "__column"], text[bad], strict=True
        )
    )
    out["step"] = text.str.lstrip("-").map(published_step) * long["__scale"]
    out["value"] = snap_to_step(number * long["__scale"], out["step"])
    out["flags"] = (number < 0).map({True: NEGATIVE, False: ""})
    out["currency"] = "USD"
    out["source"] = file
    out["line"] = long[LINE]
    out["format"] = FORMAT
    out["publisher"] = "World Bank WITS"
    out["commodity"] = long["__product"]
    keep = out["reporter"].notna() & out["partner"].notna() & ~bad
    leave_out(context, file, "row(s) or figure(s) that cannot be read", unplaced)
    out = out[keep]
    negative = out["flags"] == NEGATIVE
    if bool(negative.any()):
        context.notes.append(
            f"{WARNING}{file}: {int(negative.sum())} negative figure(s) kept as published, "
            f"flagged {NEGATIVE} and left out of analysis unless --include-flagged (lines "
            f"{', '.join(str(n) for n in out.loc[negative, 'line'].head(10))})"
        )
    return finished(out, file, context)


def _wide(
    raw: pd.DataFrame, header: list[str], names: dict[str, str], file: str, context: ReadContext
) -> pd.DataFrame:
    indicator = raw[names["indicator"]].str.strip()
    meaning = indicator.map(value_of)
    other = meaning.isna()
    if bool(other.any()):
        context.notes.append(
            skipped_note(
                file,
                "indicators other than exports and imports in US$ (shares, growth, tariffs)",
                indicator[other].value_counts().sort_index(),
            )
        )
    raw = raw[~other].copy()
    raw["__flow"] = meaning[~other].map(lambda m: m[0])
    raw["__scale"] = meaning[~other].map(lambda m: m[1])
    periods = {h.strip(): p for h in header if (p := period_label(h.strip())) is not None}
    keep = [LINE, "__flow", "__scale", names["reportername"], names["partnername"]]
    keep.append(names["productgroup"])
    long = raw.melt(id_vars=keep, value_vars=list(periods), var_name="__column")
    long = long.rename(columns={"value": "__text"})
    long["__text"] = long["__text"].fillna("").astype("str")
    long = long[long["__text"].str.strip() != ""].copy()
    long["__period"] = long["__column"].map(periods)
    return long


def _long(raw: pd.DataFrame, header: list[str], names: dict[str, str]) -> pd.DataFrame:
    flow_named = raw[names["tradeflow"]].str.strip().str.lower()
    parts = []
    for column in (h.strip() for h in header):
        meaning = value_of(column)
        if meaning is None:
            continue
        flow, scale = meaning
        said = flow_named.str.startswith(("export", "import"))
        mine = ~said | flow_named.str.startswith(flow)
        part = raw[mine & (raw[column].str.strip() != "")].copy()
        part["__flow"], part["__scale"], part["__column"] = flow, scale, column
        part["__text"] = part[column]
        parts.append(part)
    long = pd.concat(parts) if parts else raw.iloc[0:0].assign(__flow="", __scale=1.0)
    years = long[names["year"]].str.strip()
    long["__period"] = years.map(lambda y: period_label(y) or Period.year(0))
    return long.sort_values(LINE, kind="stable")


def _products(long: pd.DataFrame, file: str, context: ReadContext) -> pd.DataFrame:
    column = next(c for c in long.columns if norm_header(c) == "productgroup")
    product = long[column].str.strip()
    wanted = context.commodity.strip().lower()
    if wanted == "total":
        total = product.str.lower().isin(ALL_PRODUCTS)
        if bool(total.any()):
            if not bool(total.all()):
                context.notes.append(
                    skipped_note(
                        file,
                        "product groups other than all products",
                        product[~total].value_counts().sort_index(),
                    )
                )
            long = long[total].copy()
            long["__product"] = "TOTAL"
            long["__suffix"] = ""
            return long
        long = long.copy()
        long["__product"] = product
        long["__suffix"] = "/WITS:" + product.map(slug)
        context.notes.append(
            f"{file}: no all-products rows: answered per product group, each series's partner "
            f"is PARTNER/WITS:GROUP; --commodity GROUP reads one"
        )
        return long
    mine = (product.str.lower() == wanted) | product.str.lower().str.startswith(wanted + "-")
    mine |= product.map(slug) == slug(context.commodity)
    if not bool(mine.any()):
        raise BadInput(
            [
                Problem(
                    file,
                    None,
                    "Product Group",
                    context.commodity,
                    f"no rows for product group {context.commodity}; the file has: "
                    + ", ".join(sorted(set(product))[:30]),
                )
            ]
        )
    long = long[mine].copy()
    long["__product"] = product[mine]
    long["__suffix"] = ""
    return long


def _place(
    long: pd.DataFrame,
    column: str,
    role: str,
    file: str,
    context: ReadContext,
    unplaced: list[Problem],
    where: str,
) -> pd.Series:
    names = long[column].fillna("").astype("str")
    mapping: dict[str, str | None] = {}
    for name in names.unique():
        why: list[str] = []
        mapping[name] = _entity(context, name, why)
        if why:
            bad = names == name
            unplaced.extend(
                Problem(file, int(line), f"{where}{column}", name, why[0])
                for line in long.loc[bad, LINE]
            )
    placed = names.map(mapping)
    if role == "partner":
        placed = placed.where(placed.isna(), placed + long["__suffix"])
    return placed


def _entity(context: ReadContext, name: str, why: list[str]) -> str | None:
    text = name.strip()
    if not text:
        why.append("no name")
        return None
    aggregate = publisher_aggregate(text, "WITS")
    if aggregate:
        return aggregate
    try:
        return context.resolve(text)
    except UnknownCountry as exc:
        why.append(str(exc))
        return None
