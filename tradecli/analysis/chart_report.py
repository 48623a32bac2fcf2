"""The plotted numbers of ``tradecli chart`` as a table (for --format json, csv,
markdown). Out of ``chart``, which computes what is drawn."""

from __future__ import annotations

from tradecli.analysis.chart import ChartData, Point
from tradecli.records import KEY_FIELDS, value_range
from tradecli.render import Column, Kind, Report

# ``chart``: one record per plotted point; ``value`` is money, or a share (``unit``
# ``ratio``) for --kind share; ``low``/``high`` the range drawn (a projection's).
CHART_FIELDS = ["kind", "trace", "label"]


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
    answers = {a.period: a for a in chart.answers if a.key == chart.key and a.found}

    def bounds(p: Point) -> tuple[float | None, float | None]:
        if p.low is not None or p.high is not None:
            return p.low, p.high
        if p.qualifiers and not chart.is_share:  # the range the published figures allow
            return value_range(answers.get(p.period)) if p.period in answers else (None, None)
        return p.value, p.value

    records = [
        {
            **chart.key._asdict(),
            "unit": "ratio" if chart.is_share else "unit",
            "period": p.period.iso(),
            "value": p.value,
            "low": bounds(p)[0],
            "high": bounds(p)[1],
            "approximate": bool(p.qualifiers),
            "flags": "",
            "kind": str(chart.kind),
            "trace": t.name,
            "label": p.label,
        }
        for t, p in chart.points()
    ]
    notes = [*chart.notes, chart.caption]
    fields = [*KEY_FIELDS, *CHART_FIELDS]
    return Report(chart.title, columns, rows, chart.to_dict(), notes, explain, fields, records)
