"""Legacy UN Comtrade CSV (the pre-2023 site and API): 35 columns, or its shorter
exports, with ``Trade Flow Code`` 1 import, 2 export, 3 re-export, 4 re-import;
World is ``WLD`` / code 0; rows are not in period order (they need not be).
Values are ``Trade Value (US$)``. The EU reporter, code 97 / ``EU2``, is the
aggregate the file names: ``EU-28`` (with the United Kingdom) is
``COMTRADE:EU-28``, not tradecli's EU27.

Layouts recognised (by header, never by file name):

- the 35-column export (``Classification, Year, Period, Period Desc., ...,
  Trade Value (US$), CIF Trade Value (US$), FOB Trade Value (US$), Flag``);
- the 12-column annual export ``Classification, Year, Trade Flow Code, Trade
  Flow, Reporter Code, Reporter, Partner Code, Partner, Commodity Code,
  Commodity, Trade Value (US$), Flag`` (no ``Period``: the year is the period);
- the 8-column export with names only, ``Year, Period, Trade Flow, Reporter,
  Partner, Commodity, Commodity Code, Trade Value (US$)``, flows written
  ``Exports`` / ``Imports``.

The classification (``H1``, ``S4``, …) is kept per row; a download with no
all-products (``TOTAL``) rows is answered per product.

The rows are renamed to the Comtrade+ columns and read by the same code, so the
two formats place entities, spans and flows alike.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tradecli.readers.common import ReadContext
from tradecli.readers.comtrade import (
    all_commodities,
    commodity_filter,
    no_commodity_problem,
    observations,
    per_product,
)
from tradecli.readers.tabular import columns_by_norm, head_bytes, header_from, read_delimited

FORMAT = "comtrade-legacy"
REQUIRED = ("tradeflowcode", "reportercode", "partnercode", "commoditycode", "tradevalueus")
# The shorter export with names only (no codes).
REQUIRED_NAMES = ("year", "tradeflow", "reporter", "partner", "commoditycode", "tradevalueus")
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
    "classification": "classificationcode",
}
FLOWS = {"1": "import", "2": "export"}
FLOW_NAMES = {
    "import": "1",
    "export": "2",
    "re-export": "3",
    "re-import": "4",
    "imports": "1",
    "exports": "2",
    "re-exports": "3",
    "re-imports": "4",
}


def looks_like(header: list[str]) -> bool:
    names = set(columns_by_norm(header))
    return set(REQUIRED) <= names or set(REQUIRED_NAMES) <= names


def read(path: Path, context: ReadContext) -> pd.DataFrame:
    """Read a legacy Comtrade CSV (gzip or not) into observations."""
    file = str(path)
    names = columns_by_norm(header_from(head_bytes(path)))
    wanted = [names[c] for c in RENAME if c in names]
    seen: set[str] = set()
    keep = commodity_filter(names["commoditycode"], context.commodity, seen)
    raw = read_delimited(path, wanted, keep).frame
    every = raw.empty and context.commodity.strip().upper() == "TOTAL" and bool(seen)
    if every:
        raw = read_delimited(path, wanted, all_commodities(names["commoditycode"], set())).frame
    if raw.empty:
        raise no_commodity_problem(file, context.commodity, seen)
    raw = raw.rename(columns={names[c]: RENAME[c] for c in RENAME if c in names})
    if "flowdesc" in raw:
        by_name = raw["flowdesc"].str.strip().str.lower().map(FLOW_NAMES).fillna("")
        if "flowcode" in raw:
            raw["flowcode"] = raw["flowcode"].where(raw["flowcode"].str.strip() != "", by_name)
        else:
            raw["flowcode"] = by_name
    if "period" in raw and "refyear" in raw:
        # the 8-column export writes the year in Period too; a bare year is the year
        raw["period"] = raw["period"].where(raw["period"].str.strip() != "", raw["refyear"])
    written = {RENAME[c]: names[c] for c in RENAME if c in names}
    frame = observations(raw, file, context, FORMAT, FLOWS, written)
    return per_product(frame, file, context) if every else frame
