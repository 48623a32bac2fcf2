"""World Bank WITS trade downloads: ``ReporterISO3, ReporterName, PartnerISO3,
PartnerName, Year, TradeFlowName, TradeFlowCode, ProductCode, TradeValue in 1000
USD, …``.

The unit of values is read from the value column's header ("in 1000 USD").
Flows: Export / Gross Exp. (code 2) and Import / Gross Imp. (code 1), as in UN
Comtrade, from which WITS takes them; re-exports and re-imports are left out.
World is ``WLD``, the EU ``EUN``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tradecli.countries import normalize_name
from tradecli.errors import BadInput, Problem
from tradecli.periods import Period
from tradecli.readers.common import (
    ReadContext,
    leave_out,
    published_step,
    raise_problems,
    snap_to_step,
)
from tradecli.readers.comtrade import commodity_filter, no_commodity_problem
from tradecli.readers.tabular import (
    LINE,
    columns_by_norm,
    finished,
    first_resolved,
    head_bytes,
    header_from,
    numbers,
    read_delimited,
    resolve_entities,
    scale_of,
    skipped_note,
)

FORMAT = "wits"
REQUIRED = ("reporteriso3", "partneriso3", "year")
OPTIONAL = ("reportername", "partnername", "tradeflowname", "tradeflowcode", "productcode")
FLOW_NAMES = {
    "export": "export",
    "exports": "export",
    "gross exp": "export",
    "gross exports": "export",
    "import": "import",
    "imports": "import",
    "gross imp": "import",
    "gross imports": "import",
}
FLOW_CODES = {"1": "import", "2": "export"}


def value_column(header: list[str]) -> str | None:
    return next(
        (h for h in header if re.sub(r"[^a-z0-9]", "", h.lower()).startswith("tradevalue")), None
    )


def looks_like(header: list[str]) -> bool:
    return set(REQUIRED) <= set(columns_by_norm(header)) and value_column(header) is not None


def value_scale(name: str) -> float | None:
    """The multiplier a value column's header states: "TradeValue in 1000 USD" → 1000."""
    text = name.lower()
    if not re.search(r"usd|us\$|dollar", text):
        return None
    m = re.search(r"in\s+([\d,]+)\s*(?:usd|us\$|us dollars?)", text)
    if m:
        return float(m[1].replace(",", ""))
    return scale_of(text) or 1.0


def read(path: Path, context: ReadContext) -> pd.DataFrame:
    """Read a WITS download (CSV, gzip or not) into observations."""
    file = str(path)
    header = header_from(head_bytes(path))
    names = columns_by_norm(header)
    value = value_column(header)
    assert value is not None  # detection checked it
    scale = value_scale(value)
    if scale is None:
        raise BadInput(
            [
                Problem(
                    file,
                    1,
                    value,
                    value,
                    "cannot tell the unit of the values from "
                    "this header (expected such as 'TradeValue in 1000 USD')",
                )
            ]
        )
    wanted = [names[c] for c in (*REQUIRED, *OPTIONAL) if c in names] + [value]
    seen: set[str] = set()
    keep = None
    if "productcode" in names:
        keep = commodity_filter(names["productcode"], context.commodity, seen)
    elif context.commodity.strip().upper() != "TOTAL":
        raise BadInput(
            [
                Problem(
                    file, 1, "", "", "no ProductCode column: the file cannot answer for a commodity"
                )
            ]
        )
    raw = read_delimited(path, wanted, keep).frame
    if raw.empty and keep is not None:
        raise no_commodity_problem(file, context.commodity, seen)
    raw = raw.rename(columns={names[c]: c for c in (*REQUIRED, *OPTIONAL) if c in names})
    raw = raw.rename(columns={value: "__value"})
    for column in OPTIONAL:
        if column not in raw:
            raw[column] = ""
    raw = _known_flows(raw, file, context)
    problems: list[Problem] = []
    unplaced: list[Problem] = []
    out = pd.DataFrame(index=raw.index)
    for role in ("reporter", "partner"):
        columns = [f"{role}iso3", f"{role}name"]
        out[role] = resolve_entities(
            raw,
            columns,
            _placer(context),
            file,
            f"{role}iso3",
            unplaced,
            label=names[f"{role}iso3"],
        )
    out["flow"] = raw["__flow"]
    years = raw["year"].str.strip()
    bad = ~years.str.fullmatch(r"\d{4}")
    problems.extend(
        Problem(file, int(line), names["year"], text, "not a year (YYYY)")
        for line, text in zip(raw.loc[bad, LINE], years[bad], strict=True)
    )
    spans = years.where(~bad, "0").map(lambda y: Period.year(int(y)))
    out["first"] = spans.map(lambda p: p.first)
    out["last"] = spans.map(lambda p: p.last)
    text = raw["__value"].str.strip().str.replace(",", "", regex=False)
    out["step"] = text.map(published_step) * scale
    number = numbers(raw["__value"], raw[LINE], file, value, problems)
    out["value"] = snap_to_step(number * scale, out["step"])
    out["currency"] = "USD"
    out["source"] = file
    out["line"] = raw[LINE]
    out["format"] = FORMAT
    out["publisher"] = "World Bank WITS"
    out["commodity"] = raw["productcode"].str.strip()
    raise_problems(problems)
    placed = out["reporter"].notna() & out["partner"].notna()
    leave_out(context, file, "row(s) whose reporter or partner cannot be placed", unplaced)
    return finished(out[placed], file, context)


def _placer(context: ReadContext) -> Callable[[tuple[str, ...]], str]:
    def resolve(key: tuple[str, ...]) -> str:
        return first_resolved(context, key)

    return resolve


def _known_flows(raw: pd.DataFrame, file: str, context: ReadContext) -> pd.DataFrame:
    name = raw["tradeflowname"].str.strip()
    code = raw["tradeflowcode"].str.strip()
    flow = name.map(lambda n: FLOW_NAMES.get(normalize_name(n)))
    flow = flow.where(name != "", code.map(FLOW_CODES))
    other = flow.isna()
    if bool(other.any()):
        labels = name.where(name != "", code)[other]
        context.notes.append(
            skipped_note(
                file,
                "flows other than exports and imports (re-exports and re-imports are never "
                "added to them)",
                labels.value_counts().sort_index(),
            )
        )
    raw = raw[~other].copy()
    raw["__flow"] = flow[~other]
    return raw
