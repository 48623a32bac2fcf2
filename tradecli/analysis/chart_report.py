"""The plotted numbers of ``tradecli chart`` as a table (for --format json, csv,
markdown). Out of ``chart``, which computes what is drawn."""

from __future__ import annotations

from tradecli.analysis.chart import ChartData
from tradecli.render import Column, Kind, Report


def chart_report(chart: ChartData) -> Report:
    """The plotted numbers as a table (for --format json, csv, markdown)."""
    kind = Kind.share if chart.is_share else Kind.money
    columns = [
        Column("trace", "series"),
        Column("label", "span"),
        Column("value", "value", kind),
        Column("low", "low", kind),
        Column("high", "high", kind),
    ]
    rows = [
        {
            "trace": t.name,
            "label": p.label,
            "value": p.value,
            "low": p.low,
            "high": p.high,
            "currency": chart.key.currency,
        }
        for t, p in chart.points()
    ]
    explain = [line for a in chart.answers for line in a.explain()]
    return Report(
        chart.title, columns, rows, chart.to_dict(), [*chart.notes, chart.caption], explain
    )
