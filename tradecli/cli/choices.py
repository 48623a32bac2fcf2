"""The values the command line accepts for its choice options, as ``StrEnum``s that
Typer checks itself. Pandas-free, so that ``tradecli --help`` stays quick."""

from __future__ import annotations

from enum import StrEnum


class FormatChoice(StrEnum):
    """``--format``: the names of ``render.OutputFormat``."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    xlsx = "xlsx"


class FlowChoice(StrEnum):
    """``--flow``: the names of ``observations.FLOWS``."""

    export = "export"
    import_ = "import"
    turnover = "turnover"


class SortChoice(StrEnum):
    """``--sort``: the names of ``analysis.rankings.Measure``."""

    value = "value"
    change = "change"
    share = "share"


class MethodChoice(StrEnum):
    """``project --method``: the names of ``analysis.projection.Method``."""

    auto = "auto"
    linear = "linear"
    seasonal = "seasonal"
    ytd_growth = "ytd-growth"


class ChartKindChoice(StrEnum):
    """``chart --kind``: the names of ``analysis.chart.ChartKind``."""

    annual = "annual"
    ytd = "ytd"
    share = "share"


class EngineChoice(StrEnum):
    """``--engine``: where a command's work runs (``dask_engine``)."""

    local = "local"
    dask = "dask"


FLOWS = tuple(flow.value for flow in FlowChoice)
CHART_KINDS = tuple(kind.value for kind in ChartKindChoice)
