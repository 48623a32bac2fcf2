"""tradecli: bilateral trade-turnover analytics from published statistics.

The Python API (``tradecli.api``), imported on first use so that ``import tradecli``
(and ``tradecli --help``) does not import pandas::

    import tradecli

    data = tradecli.load()  # the bundled dataset; or tradecli.load("trade.csv", ...)
    result = tradecli.value(data, "2023-01/2023-07", reporter="AZE", partner="TJK")
    tradecli.frame(result)  # a pandas DataFrame of the command's table
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradecli.api import (
        contributions,
        flows,
        flows_summary,
        frame,
        growth,
        load,
        project,
        rank,
        revisions,
        share,
        value,
    )

__all__ = [
    "contributions",
    "flows",
    "flows_summary",
    "frame",
    "growth",
    "load",
    "project",
    "rank",
    "revisions",
    "share",
    "value",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from tradecli import api

        return getattr(api, name)
    raise AttributeError(f"module 'tradecli' has no attribute {name!r}")
