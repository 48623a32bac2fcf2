"""The report of ``tradecli growth``: the overview of many series or the detail of one,
its notes and keyed records. Out of ``growth``, which computes."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from tradecli.analysis.growth import Growth, SeriesGrowth, series_name
from tradecli.engine.answers import NOT_AVAILABLE, Answer, SeriesKey
from tradecli.formatting import capped, signed_percent
from tradecli.json_text import Each
from tradecli.records import KEY_FIELDS, change_range, flag_note, flagged, record
from tradecli.render import Column, Kind, LazyRows, Report

GROWTH_FIELDS = [
    "change",
    "change_low",
    "change_high",
    "base_period",
    "base_value",
    "year",
    "year_value",
    "year_change",
    "year_change_low",
    "year_change_high",
    "cagr",
    "cagr_low",
    "cagr_high",
    "cagr_from",
    "cagr_to",
]


def growth_report(growth: Growth, every: bool = False) -> Report:
    """The table, notes and derivation of a ``Growth``; the series not answered folded
    into one note per reason, or (``every``: ``--all``) as rows marked "not available".
    The rows are made when first read (``LazyRows``): CSV and JSON write the keyed
    records, and a whole file's rows (62,790 of ``growth --flow`` on sparse 1M) were
    most of the report's time."""
    detail = len(growth.series) == 1 and not (every and growth.unanswered)
    columns = _detail_columns() if detail else _overview_columns()
    several = len(growth.flows) > 1
    if several:
        # ``--flow export,import``: a flow column after the series, the flow in each note
        columns.insert(1, Column("flow", "flow"))

    def rows() -> list[dict[str, Any]]:  # the table's and markdown's
        if detail:
            made = _detail_rows(growth.series[0])
        else:
            made = _overview_rows(growth)
            if every:
                made.extend(
                    {
                        "series": f"{k.reporter}–{k.partner}",
                        "currency": k.currency,
                        "span": f"{NOT_AVAILABLE} ({reason})",
                    }
                    for k, reason in growth.unanswered
                )
        if several:
            if len(growth.series) == 1:  # the detail: a row per change of the one series
                for row in made:
                    row["flow"] = growth.series[0].key.flow
            else:
                for row, s in zip(made, growth.series, strict=True):
                    row["flow"] = s.key.flow
        return made

    notes = _notes(growth, _flow_name if several else series_name, every)
    notes.extend(flag_note([a for s in growth.series for a in (s.span.current, s.span.base)]))
    # The payload and the derivation are built only for the output that shows them.
    series = growth.series

    def explain() -> list[str]:
        return [line for s in series for line in s.explain()]

    flow = growth.series[0].key.flow if growth.series else "turnover"
    if several:
        flow = ", ".join(growth.flows)
    what = f"over {growth.period.label()}" if growth.period else "latest span"
    title = f"Growth ({flow}, {what}, like for like)"
    fields = [*KEY_FIELDS, *GROWTH_FIELDS]
    return Report(
        title,
        columns,
        LazyRows(rows),
        growth.to_dict,
        notes,
        explain,
        fields,
        partial(growth_records, growth),
    )


def growth_records(growth: Growth) -> list[dict[str, Any]]:
    """One keyed record per series, however many: the span (``period``, ``value``)
    and its like-for-like change, then the latest full year's and the CAGR."""
    out = []
    for s in growth.series:
        last_year = s.years[-1] if s.years else None
        change_low, change_high = change_range(s.span.current, s.span.base, s.span.value)
        year_low, year_high = (
            change_range(last_year.current, last_year.base, last_year.value)
            if last_year
            else (None, None)
        )
        cagr_low, cagr_high = s.cagr.range() if s.cagr else (None, None)
        out.append(
            record(
                s.key,
                s.span.current,
                change=s.span.value,
                change_low=change_low,
                change_high=change_high,
                base_period=s.span.base.period.iso(),
                base_value=s.span.base.value,
                year=last_year.current.period.iso() if last_year else None,
                year_value=last_year.current.value if last_year else None,
                year_change=last_year.value if last_year else None,
                year_change_low=year_low,
                year_change_high=year_high,
                cagr=s.cagr.value if s.cagr else None,
                cagr_low=cagr_low,
                cagr_high=cagr_high,
                cagr_from=s.cagr.first.period.iso() if s.cagr else None,
                cagr_to=s.cagr.last.period.iso() if s.cagr else None,
            )
        )
    return out


def _flow_name(key: SeriesKey) -> str:
    """``AZE–RUS export``: a series named with its flow, where several flows are shown."""
    return f"{series_name(key)} {key.flow}"


def _notes(
    growth: Growth, name: Callable[[SeriesKey], str] = series_name, every: bool = False
) -> list[str]:
    notes = []
    blocked = [s for s in growth.series if s.span.reason]
    if blocked:
        notes.append(
            "not computable (no figure for the same months a year before): "
            + capped(Each(blocked, lambda s: f"{name(s.key)} {s.span.current.period.label()}"))
        )
    comparable = [s for s in blocked if s.latest_comparable is not None]
    if comparable:

        def latest(s: SeriesGrowth) -> str:
            change = s.latest_comparable
            assert change is not None
            return f"{name(s.key)} {change.label} {signed_percent(change.value)}"

        notes.append(
            "latest comparable span instead: " + capped(Each(comparable, latest), sep="; ")
        )
    for s in growth.series:
        current, base = s.span.current, s.span.base
        if (current.qualifiers or base.qualifiers) and s.span.value is not None:
            qualifiers = current.qualifiers | base.qualifiers
            notes.append(
                f"{name(s.key)}: approximate figures ({', '.join(sorted(qualifiers))}) "
                f"behind {s.span.label}"
            )
    by_reason: dict[str, list[str]] = {}
    for key, reason in [] if every else growth.unanswered:
        by_reason.setdefault(reason, []).append(name(key))
    notes.extend(
        f"{len(names)} series not answered ({reason}; not shown, --all shows them): {capped(names)}"
        for reason, names in by_reason.items()
    )
    return notes


def _overview_columns() -> list[Column]:
    return [
        Column("series", "series"),
        Column("span", "span"),
        Column("value", "value", Kind.money),
        Column("change", "y/y", Kind.percent),
        Column("year", "year"),
        Column("year_change", "y/y", Kind.percent),
        Column("cagr", "CAGR", Kind.percent),
        Column("cagr_years", "CAGR years"),
    ]


def _overview_rows(growth: Growth) -> list[dict[str, Any]]:
    rows = []
    for s in growth.series:
        last_year = s.years[-1] if s.years else None
        cagr = s.cagr
        cagr_low, cagr_high = cagr.range() if cagr else (None, None)
        change = s.span.value
        rows.append(
            {
                "series": f"{s.key.reporter}–{s.key.partner}",
                "currency": s.key.currency,
                "span": s.span.current.period.label(),
                "value": s.span.current.value,
                "change": change,
                **_change_cells(s.span.current, s.span.base, change),
                "year": last_year.current.period.label() if last_year else None,
                "year_change": last_year.value if last_year else None,
                "cagr": cagr.value if cagr else None,
                "cagr_low": cagr_low,
                "cagr_high": cagr_high,
                "cagr_years": (
                    f"{cagr.first.period.label()}–{cagr.last.period.label()}" if cagr else None
                ),
            }
        )
    return rows


def _detail_columns() -> list[Column]:
    return [
        Column("series", "series"),
        Column("comparison", "comparison"),
        Column("value", "value", Kind.money),
        Column("base", "base", Kind.money),
        Column("change", "change", Kind.percent, priority=3),
        Column("note", "note"),
    ]


def _detail_rows(s: SeriesGrowth) -> list[dict[str, Any]]:
    series = f"{s.key.reporter}–{s.key.partner}"
    rows: list[dict[str, Any]] = []
    changes = [s.span]
    if s.latest_comparable is not None:
        changes.append(s.latest_comparable)
    shown = {c.current.period for c in changes}
    changes.extend(c for c in reversed(s.years) if c.current.period not in shown)
    for c in changes:
        rows.append(
            {
                "series": series,
                "currency": s.key.currency,
                "comparison": c.label,
                "value": c.current.value,
                "base": c.base.value,
                "change": c.value,
                "note": _short(c.reason),
                "value_flagged": bool(flagged(c.current)),
                "base_flagged": bool(flagged(c.base)),
                **_change_cells(c.current, c.base, c.value),
            }
        )
    if s.cagr is not None:
        rows.append(
            {
                "series": series,
                "currency": s.key.currency,
                "comparison": f"{s.cagr.label} ({s.cagr.years} years)",
                "value": s.cagr.last.value,
                "base": s.cagr.first.value,
                "change": s.cagr.value,
                "note": _short(s.cagr.reason) or "per year",
                "change_low": s.cagr.range()[0],
                "change_high": s.cagr.range()[1],
            }
        )
    return rows


def _change_cells(current: Answer, base: Answer, change: float | None) -> dict[str, Any]:
    low, high = change_range(current, base, change)
    return {
        "change_low": low,
        "change_high": high,
        "change_flagged": bool(flagged(current) or flagged(base)),
    }


def _short(reason: str) -> str | None:
    """'not computable: no 2019 figure to compare with' → 'no 2019 figure'."""
    text = reason.removeprefix("not computable: ").removesuffix(" to compare with")
    return text or None
