"""The words of the observation model, shared by every layer: the flows, the units and
their spellings, the tidy format's columns. The bottom of the package: it imports
nothing of tradecli, and nothing heavy, so ``observations``, the readers, the engine
and the command line (its choices) all read the same lists.
"""

from __future__ import annotations

FLOWS = ("export", "import", "turnover")
UNITS: dict[str, float] = {"unit": 1.0, "thousand": 1e3, "million": 1e6, "billion": 1e9}

UNIT_ALIASES = {
    "": "unit",
    "units": "unit",
    "thousands": "thousand",
    "millions": "million",
    "mln": "million",
    "bn": "billion",
    "billions": "billion",
}

# The tidy format's columns and flow names.
REQUIRED = ("reporter", "partner", "flow", "period", "value")
OPTIONAL = ("unit", "currency", "flags", "published", "publisher", "url")
FLOW_ALIASES = {
    "exports": "export",
    "imports": "import",
    "x": "export",
    "m": "import",
    "trade": "turnover",
    "total": "turnover",
}

# How rows are cited (FILE:LINE): the bundled dataset by a stable id (``bundled:NAME``,
# not the path of an installed package), standard input as ``<stdin>``.
BUNDLED_NAME = "azerbaijan-trade-published.csv"
BUNDLED_ID = f"bundled:{BUNDLED_NAME}"
STDIN_NAME = "<stdin>"
