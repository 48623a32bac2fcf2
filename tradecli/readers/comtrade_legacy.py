"""Legacy UN Comtrade CSV (the pre-2023 site and API): 35 columns, or its shorter
exports, with ``Trade Flow Code`` 1 import, 2 export, 3 re-export, 4 re-import;
World is ``WLD`` / code 0, the EU reporter code 97 / ``EU2``; rows are not in
period order (they need not be). Values are ``Trade Value (US$)``.

The rows are renamed to the Comtrade+ columns and read by the same code, so the
two formats place entities, spans and flows alike.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tradecli.readers.common import ReadContext
from tradecli.readers.comtrade import commodity_filter, no_commodity_problem, observations
from tradecli.readers.tabular import columns_by_norm, head_bytes, header_from, read_delimited

FORMAT = "comtrade-legacy"
REQUIRED = ("tradeflowcode", "reportercode", "partnercode", "commoditycode", "tradevalueus")
# legacy column (normalised) → Comtrade+ column (normalised)
RENAME = {
    "reportercode": "reportercode",
    "reporteriso": "reporteriso",
    "reporter": "reporterdesc",
    "partnercode": "partnercode",
    "partneriso": "partneriso",
    "partner": "partnerdesc",
    "tradeflowcode": "flowcode",
    "tradeflow": "flowdesc",
    "commoditycode": "cmdcode",
    "tradevalueus": "primaryvalue",
    "period": "period",
    "year": "refyear",
    "2ndpartnercode": "partner2code",
}
FLOWS = {"1": "import", "2": "export"}
FLOW_NAMES = {"import": "1", "export": "2", "re-export": "3", "re-import": "4"}


def looks_like(header: list[str]) -> bool:
    return set(REQUIRED) <= set(columns_by_norm(header))


def read(path: Path, context: ReadContext) -> pd.DataFrame:
    """Read a legacy Comtrade CSV (gzip or not) into observations."""
    file = str(path)
    names = columns_by_norm(header_from(head_bytes(path)))
    wanted = [names[c] for c in RENAME if c in names]
    seen: set[str] = set()
    keep = commodity_filter(names["commoditycode"], context.commodity, seen)
    raw = read_delimited(path, wanted, keep).frame
    if raw.empty:
        raise no_commodity_problem(file, context.commodity, seen)
    raw = raw.rename(columns={names[c]: RENAME[c] for c in RENAME if c in names})
    if "flowdesc" in raw:
        by_name = raw["flowdesc"].str.strip().str.lower().map(FLOW_NAMES).fillna("")
        raw["flowcode"] = raw["flowcode"].where(raw["flowcode"].str.strip() != "", by_name)
    written = {RENAME[c]: names[c] for c in RENAME if c in names}
    return observations(raw, file, context, FORMAT, FLOWS, written)
