"""The report of ``growth --contributions``: one row per partner (largest contribution
first), then the residual and the whole; ``--explain`` gives each contribution's
arithmetic and the figures behind the whole; keyed records, one per partner."""

from __future__ import annotations

from typing import Any

from tradecli.analysis.contributions import Contributions
from tradecli.engine.answers import SeriesKey
from tradecli.records import KEY_FIELDS, record
from tradecli.render import Column, Kind, Report

CONTRIBUTION_FIELDS = [
    "base_period",
    "base_value",
    "change",
    "contribution",
    "whole",
    "whole_change",
    "note",
]
RESIDUAL = "(residual)"


def report(result: Contributions) -> Report:
    columns = [
        Column("partner", "partner"),
        Column("base", f"{result.whole.base.period.label()}", Kind.money, "right", priority=2),
        Column("value", f"{result.period.label()}", Kind.money, "right", priority=2),
        Column("change", "y/y", Kind.percent, "right", priority=3),
        Column("points", "contribution", justify="right"),
        Column("note", "note", priority=1),
    ]
    whole_key = result.whole.current.key
    rows: list[dict[str, Any]] = []
    for p in result.parts:
        if not (p.change.current.found or p.change.base.found):
            continue  # named in a note
        rows.append(
            {
                "partner": p.key.partner,
                "currency": p.key.currency,
                "base": p.change.base.value,
                "value": p.change.current.value,
                "change": p.change.value,
                "points": _pp(p.points),
                "note": p.reason or None,
            }
        )
    rows.append({"partner": RESIDUAL, "points": _pp(result.residual), "note": _residual_note()})
    rows.append(
        {
            "partner": f"{whole_key.partner} total",
            "currency": whole_key.currency,
            "base": result.whole.base.value,
            "value": result.whole.current.value,
            "change": result.total,
            "points": _pp(result.total),
        }
    )
    title = (
        f"Contributions to {result.reporter}–{result.group.name} {result.flow} change, "
        f"{result.whole.label}: {result.total * 100:+.1f}% (percentage points)"
    )
    notes = [
        "contribution: the partner's change ÷ the whole's "
        f"{result.whole.base.period.label()} value; they and the residual sum to the whole's "
        "change",
        f"whole: {result.whole.current.rule} ({result.whole.current.period.label()}), "
        f"{result.whole.base.rule} ({result.whole.base.period.label()})",
    ]
    one = [p.key.partner for p in result.parts if p.points is None and p.reason]
    none = [
        p.key.partner for p in result.parts if not (p.change.current.found or p.change.base.found)
    ]
    half = [name for name in one if name not in none]
    if half:
        notes.append(f"in the residual (a figure for one span only): {', '.join(half)}")
    if none:
        notes.append(f"in the residual (no figure for either span, not shown): {', '.join(none)}")
    fields = [*KEY_FIELDS, *CONTRIBUTION_FIELDS]

    def explain() -> list[str]:
        lines = [f"{whole_key.label()}, {result.whole.formula()}"]
        lines += [p.formula() for p in result.parts]
        lines.append(
            f"residual: {result.total * 100:+.4g} pp − ({result.explained * 100:+.4g} pp) = "
            f"{result.residual * 100:+.4g} pp"
        )
        lines += result.whole.current.explain() + result.whole.base.explain()
        for p in result.parts:
            for answer in (p.change.current, p.change.base):
                if answer.found:
                    lines.extend(answer.explain())
        return lines

    def records() -> list[dict[str, Any]]:
        out = []
        whole = whole_key.partner
        for p in result.parts:
            out.append(
                record(
                    p.key,
                    p.change.current,
                    base_period=p.change.base.period.iso(),
                    base_value=p.change.base.value,
                    change=p.change.value,
                    contribution=p.points,
                    whole=whole,
                    whole_change=result.total,
                    note=p.reason,
                )
            )
        residual = SeriesKey(result.reporter, RESIDUAL, result.flow, whole_key.currency)
        row = record(residual, None)
        row.update(
            period=result.period.iso(),
            base_period=result.whole.base.period.iso(),
            base_value=None,
            change=None,
            contribution=result.residual,
            whole=whole,
            whole_change=result.total,
            note=_residual_note(),
        )
        out.append(row)
        return out

    return Report(title, columns, rows, result.to_dict, notes, explain, fields, records)


def _pp(value: float | None) -> str | None:
    """Percentage points: two decimals, or two significant digits below a tenth."""
    if value is None:
        return None
    points = value * 100
    return f"{points:+.2f} pp" if abs(points) >= 0.1 or points == 0 else f"{points:+.2g} pp"


def _residual_note() -> str:
    return "partners without both figures, and what a published total holds beyond them"
