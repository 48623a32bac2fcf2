"""The report of ``tradecli data``: the series loaded, the observations left out or
excluded, and the conflicts resolved. Out of ``inventory``, which computes."""

from __future__ import annotations

from functools import cache, partial
from operator import itemgetter
from typing import Any

from tradecli.analysis.inventory import Inventory
from tradecli.engine.answers import describe
from tradecli.formatting import NOTE_LIST, money
from tradecli.observations import EXCLUDED_FLAGS
from tradecli.periods import Period
from tradecli.records import KEY_FIELDS, keyed
from tradecli.render import Column, Kind, LazyRows, Report


def inventory_report(inventory: Inventory, conflicts: bool = False) -> Report:
    """The series loaded, or (``conflicts``) each conflict and how it was resolved."""
    if conflicts:
        return _conflict_report(inventory)
    columns = [
        Column("series", "series"),
        Column("observations", "obs", Kind.number),
        Column("span_count", "spans", Kind.number),
        Column("first", "from"),
        Column("last", "to"),
        Column("sources", "sources", Kind.number),
        Column("excluded", "excluded", Kind.number),
        Column("conflicts", "conflicts", Kind.number),
    ]
    rows = [
        {
            "series": s.key.label(),
            "observations": s.observations,
            "span_count": len(s.spans),
            "first": s.first,
            "last": s.last,
            "sources": s.sources,
            "excluded": s.excluded,
            "conflicts": s.conflicts,
        }
        for s in inventory.series
    ]
    files = ", ".join(inventory.files)
    notes = [f"{inventory.rows} observations in {len(inventory.series)} series from {files}"]
    if inventory.excluded:
        notes.append(
            f"{len(inventory.excluded)} observations excluded by quality flags "
            f"({', '.join(EXCLUDED_FLAGS)}); --include-flagged keeps them:"
        )
        notes.extend(
            f"  excluded {o.reporter}–{o.partner} {o.flow} {o.period.label()}: "
            f"{money(o.value, o.currency)} [{o.where()}] — {reason}"
            for o, reason in inventory.excluded[:NOTE_LIST]
        )
        more = len(inventory.excluded) - NOTE_LIST
        if more > 0:
            notes.append(f"  and {more:,} more; --format json lists them all")
    for reason, count in inventory.left_out.items():
        notes.append(f"{count} observations left out: {reason}")
    if inventory.conflicts:
        notes.append(
            f"{len(inventory.conflicts)} spans had conflicting figures; "
            "`tradecli data --conflicts` shows how each was resolved"
        )

    def explain() -> list[str]:
        return [f"{s.key.label()}: {', '.join(map(_label, s.spans))}" for s in inventory.series]

    fields = [*KEY_FIELDS, *INVENTORY_FIELDS]
    return Report(
        "Data loaded",
        columns,
        rows,
        inventory.to_dict,
        notes,
        explain,
        fields,
        partial(_records, inventory),
    )


def _records(inventory: Inventory) -> list[dict[str, Any]]:
    """A keyed record per series: the stretch its spans cover, its first and last span."""
    records = []
    for s in inventory.series:
        covered = first = last = None
        if s.spans:
            parsed = list(map(_parsed, s.spans))
            earliest, latest = min(parsed), max(parsed, key=_BY_END)
            covered = Period(earliest.first, latest.last).iso()
            first, last = earliest.iso(), latest.iso()
        records.append(
            keyed(
                s.key,
                covered,
                None,
                observations=s.observations,
                spans=len(s.spans),
                first=first,
                last=last,
                sources=s.sources,
                excluded=s.excluded,
                conflicts=s.conflicts,
            )
        )
    return records


# ``data``: ``period`` is the whole stretch the series' spans cover (``2009-01/2024-04``),
# ``first``/``last`` its first and last span as codes; it has no value.
INVENTORY_FIELDS = ["observations", "spans", "first", "last", "sources", "excluded", "conflicts"]
CONFLICT_FIELDS = ["superseded", "resolution"]


@cache
def _parsed(code: str) -> Period:
    """``Period.parse`` of a span code, once per code: a whole file's series share a few
    hundred spans, each read twice per series."""
    return Period.parse(code)


@cache
def _label(code: str) -> str:
    return _parsed(code).label()


# Spans ordered by their last month, then their first.
_BY_END = itemgetter(1, 0)


def _conflict_report(inventory: Inventory) -> Report:
    columns = [
        Column("series", "series"),
        Column("period", "span"),
        Column("value", "kept", Kind.money),
        Column("superseded", "superseded"),
        Column("resolution", "why"),
    ]

    def rows() -> list[dict[str, Any]]:
        return [
            {
                "series": c.key.label(),
                "period": c.reconciled.period.label(),
                "value": c.reconciled.value,
                "currency": c.key.currency,
                "superseded": ", ".join(
                    sorted({money(v, c.key.currency) for v in c.superseded_values()})
                ),
                "resolution": c.reconciled.reason,
            }
            for c in inventory.conflicts
        ]

    def explain() -> list[str]:
        lines = []
        for c in inventory.conflicts:
            rec = c.reconciled
            lines.append(f"{c.key.label()} {rec.period.label()}:")
            lines.extend(f"  kept: {describe(o)}" for o in rec.sources)
            lines.extend(f"  superseded: {describe(o)}" for o in rec.superseded)
        return lines

    def data() -> dict[str, Any]:
        return {"conflicts": [c.to_dict() for c in inventory.conflicts]}

    def records() -> list[dict[str, Any]]:
        return [
            keyed(
                c.key,
                c.reconciled.period.iso(),
                c.reconciled.value,
                c.kept_flags(),
                superseded=";".join(str(v) for v in sorted(set(c.superseded_values()))),
                resolution=c.reconciled.reason,
            )
            for c in inventory.conflicts
        ]

    notes = [] if inventory.conflicts else ["no conflicting figures in the data"]
    fields = [*KEY_FIELDS, *CONFLICT_FIELDS]
    title = "Conflicts and how they were resolved"
    return Report(title, columns, LazyRows(rows), data, notes, explain, fields, records)
