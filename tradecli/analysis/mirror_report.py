"""The report of ``tradecli mirror``: each side's figure and the gap. Out of
``mirror``, which computes."""

from __future__ import annotations

from typing import Any

from tradecli.analysis.mirror import CAVEAT, GAP_NOTE, MirrorResult, MirrorRow
from tradecli.formatting import money
from tradecli.records import KEY_FIELDS, flag_note, flagged, record, value_range
from tradecli.render import Column, Kind, LazyRows, Report

MIRROR_FIELDS = [
    "mirror_reporter",
    "mirror_partner",
    "mirror_flow",
    "mirror_value",
    "mirror_low",
    "mirror_high",
    "gap",
    "gap_low",
    "gap_high",
    "gap_relative",
    "gap_relative_low",
    "gap_relative_high",
]


def mirror_report(result: MirrorResult) -> Report:
    """One row per pair, span and flow: each side's figure and the gap."""
    columns = [
        Column("pair", "pair"),
        Column("flows", "compared"),
        Column("period", "span"),
        Column("own", "reporter's", Kind.money, priority=2),
        Column("mirror", "partner's", Kind.money, priority=2),
        Column("gap", "gap", Kind.money),
        Column("gap_relative", "gap %", Kind.percent),
        Column("published_as", "as published", wrap=True),
    ]
    mirrored = result.rows

    def rows() -> list[dict[str, Any]]:  # the table's and markdown's (``LazyRows``)
        out = []
        for r in mirrored:
            key, other = r.own.key, r.mirror.key
            own_marks, mirror_marks = r.published_as()
            marks = [
                f"{k.reporter}: {', '.join(m)}"
                for k, m in ((key, own_marks), (other, mirror_marks))
                if m
            ]
            own_low, own_high, mirror_low, mirror_high, *gap = _ranges(r)
            out.append(
                {
                    "pair": f"{key.reporter}–{key.partner}",
                    "flows": key.flow if key.flow == other.flow else f"{key.flow} ↔ {other.flow}",
                    "period": r.period.label(),
                    "currency": key.currency,
                    "own": r.own.value,
                    "mirror": r.mirror.value,
                    "gap": r.gap,
                    "gap_relative": r.gap_relative,
                    "published_as": "; ".join(marks),
                    # a figure worked out from approximate ones is followed by its range,
                    # as the records have it (low, high, mirror_low, mirror_high)
                    "own_low": own_low,
                    "own_high": own_high,
                    "mirror_low": mirror_low,
                    "mirror_high": mirror_high,
                    "gap_low": gap[0],
                    "gap_high": gap[1],
                    "gap_relative_low": gap[2],
                    "gap_relative_high": gap[3],
                    "own_flagged": bool(flagged(r.own)),
                    "mirror_flagged": bool(flagged(r.mirror)),
                }
            )
        return out

    def records() -> list[dict[str, Any]]:  # CSV's and JSON's
        out = []
        for r in mirrored:
            other = r.mirror.key
            _, _, mirror_low, mirror_high, gap_low, gap_high, relative_low, relative_high = _ranges(
                r
            )
            out.append(
                record(
                    r.own.key,
                    r.own,
                    mirror_reporter=other.reporter,
                    mirror_partner=other.partner,
                    mirror_flow=other.flow,
                    mirror_value=r.mirror.value,
                    mirror_low=mirror_low,
                    mirror_high=mirror_high,
                    gap=r.gap,
                    gap_low=gap_low,
                    gap_high=gap_high,
                    gap_relative=r.gap_relative,
                    gap_relative_low=relative_low,
                    gap_relative_high=relative_high,
                )
            )
        return out

    pairs = sorted({(r.own.key.reporter, r.own.key.partner) for r in result.rows})
    title = "Mirror statistics" + (f": {pairs[0][0]}–{pairs[0][1]}" if len(pairs) == 1 else "")

    def explain() -> list[str]:  # built only for --explain
        lines = []
        for r in mirrored:
            cur = r.own.key.currency
            lines.append(
                f"{r.own.key.label()} ↔ {r.mirror.key.label()}, {r.period.label()}: gap "
                f"{money(r.mirror.value, cur)} − {money(r.own.value, cur)} = {money(r.gap, cur)}"
            )
            how = r.gap_how()
            lines.extend([f"  {how}"] if how else [])
            lines.extend(line for a in (r.own, r.mirror) for line in a.explain(1))
        return lines

    notes = [GAP_NOTE, CAVEAT, *flag_note([a for r in result.rows for a in (r.own, r.mirror)])]
    fields = [*KEY_FIELDS, *MIRROR_FIELDS]
    return Report(title, columns, LazyRows(rows), result.payload, notes, explain, fields, records)


def _ranges(r: MirrorRow) -> tuple[float | None, ...]:
    """The ranges of a row: own low, high; mirror low, high; gap low, high; gap % low,
    high (each the figure itself when the figures are exact)."""
    return (
        *value_range(r.own),
        *value_range(r.mirror),
        *r.gap_range(),
        *r.gap_relative_range(),
    )
