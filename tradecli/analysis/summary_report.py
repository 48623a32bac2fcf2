"""The report of ``tradecli summary``: one row per series, the notes on shares and
approximate figures. Out of ``summary``, which computes."""

from __future__ import annotations

from typing import Any

from tradecli.analysis.growth import qualified
from tradecli.analysis.projection import projection_range
from tradecli.analysis.summary import (
    NOTE_WIDTH,
    SPARK_GAP,
    SPARK_YEARS,
    Summary,
    SummaryRow,
    sparkline,
)
from tradecli.engine.answers import NOT_AVAILABLE, Answer
from tradecli.formatting import capped
from tradecli.records import (
    KEY_FIELDS,
    approximate,
    change_range,
    flag_note,
    flagged,
    record,
    value_range,
)
from tradecli.render import Column, Kind, Report


def summary_report(summary: Summary, every: bool = False) -> Report:
    """The table, notes and derivation of a ``Summary``; the series with no full year
    or year-to-date figure folded into one note, or (``every``: ``--all``) as rows
    marked "not available"."""
    columns = [
        Column("series", "series"),
        Column("year", "year"),
        Column("year_value", "value", Kind.money, label="year value"),
        Column("year_change", "y/y", Kind.percent, label="year y/y"),
        Column("ytd", "latest YTD"),
        Column("ytd_value", "value", Kind.money, label="YTD value"),
        Column("ytd_change", "y/y", Kind.percent, label="YTD y/y"),
        Column("projection", "run-rate*", Kind.money, priority=0),
        Column("trend", "trend", priority=0),
        Column("shares", "shares", table=False),
    ]
    rows = []
    # The answers that used a flagged figure (few: only under --include-flagged), each
    # looked at once; the flag note names theirs.
    marked: list[Answer] = []
    for r in summary.rows:
        trend = r.trend()
        year, ytd = _flagged(r.year, marked), _flagged(r.ytd, marked)
        year_before, ytd_before = _flagged(r.year_before, marked), _flagged(r.ytd_before, marked)
        rows.append(
            {
                "series": f"{r.key.reporter}–{r.key.partner}",
                "currency": r.key.currency,
                "year": r.year.period.label() if r.year else None,
                "year_value": r.year.value if r.year else None,
                "year_change": r.year_change,
                "ytd": _ytd_label(r.ytd) if r.ytd else None,
                "ytd_value": r.ytd.value if r.ytd else None,
                "ytd_change": r.ytd_change,
                "projection": r.run_rate,
                "trend": sparkline([v for _, v in trend]) if len(trend) > 1 else None,
                "shares": r.shares_text() or None,
                "year_value_flagged": year,
                "ytd_value_flagged": ytd,
                "year_change_flagged": year or year_before,
                "ytd_change_flagged": ytd or ytd_before,
                "projection_flagged": ytd,
                **_ranges(r),
            }
        )
    notes = [
        "* run-rate: projection of the YTD span's year, linear (YTD × 12 / months)",
        f"trend: annual values, up to {SPARK_YEARS} years ({SPARK_GAP} = no figure)",
    ]
    with_shares = [r for r in summary.rows if r.shares]
    if with_shares:
        notes.append("share of the reporter's trade with each group containing the partner:")
        for r in with_shares:
            notes.extend(_packed(f"  {r.key.reporter}–{r.key.partner}: ", r.share_parts()))
    for r in summary.rows:
        if r.ytd is not None and r.ytd.qualifiers:
            notes.append(
                f"{r.key.reporter}–{r.key.partner}: {r.ytd.period.label()} was "
                f"published as '{qualified(r.ytd)}'; its run-rate is approximate"
            )
    if summary.one_flow:
        notes.append(
            f"turnover needs both exports and imports; the data has {summary.one_flow}s "
            f"only, so these are {summary.one_flow}s"
        )
    if every:
        rows.extend(
            {
                "series": f"{k.reporter}–{k.partner}",
                "currency": k.currency,
                "year": NOT_AVAILABLE,
            }
            for k in summary.unanswered
        )
    elif summary.unanswered:
        notes.append(
            f"{len(summary.unanswered)} series with no full year or year-to-date figure "
            "(not shown; --all shows them): "
            + capped([f"{k.reporter}–{k.partner}" for k in summary.unanswered])
        )
    notes.extend(flag_note(list(marked)))
    flow = summary.rows[0].key.flow if summary.rows else "turnover"
    # The payload and the derivation are built only for the output that shows them.
    return Report(
        f"Trade summary ({flow})",
        columns,
        rows,
        summary.payload,
        notes,
        summary.explain_lines,
        [*KEY_FIELDS, *SUMMARY_FIELDS],
        lambda: records(summary),
        range_priority=-1,  # below the natural width, ranges fold (into a note) first
    )


SUMMARY_FIELDS = ["change", "ytd_period", "ytd_value", "ytd_change", "run_rate", "shares"]


def records(summary: Summary) -> list[dict[str, Any]]:
    """One keyed record per series: the latest full year (``period``, ``value``), then
    its change and the latest year-to-date span (``ytd_period`` as a code)."""
    return [
        record(
            r.key,
            r.year,
            change=r.year_change,
            ytd_period=r.ytd.period.iso() if r.ytd else None,
            ytd_value=r.ytd.value if r.ytd else None,
            ytd_change=r.ytd_change,
            run_rate=r.run_rate,
            shares=r.shares_text() or None,
        )
        for r in summary.rows
    ]


def _ranges(r: SummaryRow) -> dict[str, float | None]:
    """The ranges the table shows beside the figures worked out from approximate ones
    (none for exact figures): each value's, each change's, and the run-rate's (the
    year-to-date figure's range, scaled)."""
    out: dict[str, float | None] = {}
    if approximate(r.year):
        out["year_value_low"], out["year_value_high"] = value_range(r.year)
    if approximate(r.ytd):
        out["ytd_value_low"], out["ytd_value_high"] = value_range(r.ytd)
        if r.projection is not None and r.projection.found:
            out["projection_low"], out["projection_high"] = projection_range(r.projection)
    if approximate(r.year, r.year_before):
        out["year_change_low"], out["year_change_high"] = change_range(
            r.year, r.year_before, r.year_change
        )
    if approximate(r.ytd, r.ytd_before):
        out["ytd_change_low"], out["ytd_change_high"] = change_range(
            r.ytd, r.ytd_before, r.ytd_change
        )
    return out


def _packed(head: str, parts: list[str]) -> list[str]:
    """``head`` + parts joined by '; ', broken between parts to fit ``NOTE_WIDTH``."""
    lines: list[str] = []
    line = head
    for i, part in enumerate(parts):
        text = part + (";" if i < len(parts) - 1 else "")
        if line.strip() and line != head and len(line) + 1 + len(text) > NOTE_WIDTH:
            lines.append(line)
            line = " " * len(head)
        line += text if line.endswith(" ") else " " + text
    lines.append(line)
    return lines


def _ytd_label(answer: Answer) -> str:
    mark = "~" if answer.qualifiers else ""
    return f"{answer.period.label()}{mark}"


def _flagged(answer: Answer | None, marked: list[Answer]) -> bool:
    """Whether ``answer`` used a figure with an exclusion flag; such answers are added
    to ``marked``, in the order looked at."""
    if answer is None or not flagged(answer):
        return False
    marked.append(answer)
    return True
