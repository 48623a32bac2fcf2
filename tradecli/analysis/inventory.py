"""``tradecli data``: what is loaded, what conflicts, what was left out and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tradecli.dataset import Dataset
from tradecli.engine import bulk as bulk_engine
from tradecli.engine.answers import SeriesKey
from tradecli.observations import EXCLUDED_FLAGS, Observation
from tradecli.reconcile import Reconciled

if TYPE_CHECKING:
    from tradecli.render import Report


@dataclass(frozen=True)
class SeriesInventory:
    key: SeriesKey
    observations: int
    spans: list[str]
    first: str
    last: str
    sources: int
    excluded: int
    conflicts: int

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.key.to_dict(),
            "observations": self.observations,
            "spans": self.spans,
            "first": self.first,
            "last": self.last,
            "sources": self.sources,
            "excluded": self.excluded,
            "conflicts": self.conflicts,
        }


# What a listing of conflicts shows of one, read from arrays (``inventory_bulk``) rather
# than from its observations: the superseded figures' distinct values, ascending, and the
# kept figure's flags.
Figures = tuple[tuple[float, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Conflict:
    key: SeriesKey
    reconciled: Reconciled
    figures: Figures | None = field(default=None, compare=False, repr=False)

    def superseded_values(self) -> tuple[float, ...]:
        """The superseded figures' values (in the series' currency, ``key.currency``)."""
        if self.figures is not None:
            return self.figures[0]
        return tuple(o.value for o in self.reconciled.superseded)

    def kept_flags(self) -> list[str]:
        """The flags of the figures kept, in order."""
        if self.figures is not None:
            return list(self.figures[1])
        return [f for o in self.reconciled.sources for f in o.flags]

    def to_dict(self) -> dict[str, Any]:
        rec = self.reconciled
        return {
            **self.key.to_dict(),
            "period": rec.period.iso(),
            "value": rec.value,
            "kept": [o.to_dict() for o in rec.sources],
            "superseded": [o.to_dict() for o in rec.superseded],
            "resolution": rec.reason,
        }


@dataclass(frozen=True)
class Inventory:
    files: list[str]
    rows: int
    series: list[SeriesInventory]
    excluded: list[tuple[Observation, str]]
    conflicts: list[Conflict]
    left_out: dict[str, int]
    include_flagged: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "rows": self.rows,
            "series": [s.to_dict() for s in self.series],
            "excluded": [{**o.to_dict(), "reason": r} for o, r in self.excluded],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "left_out": self.left_out,
        }

    def report(self, conflicts: bool = False) -> Report:
        """What ``tradecli data`` shows: built in ``analysis.inventory_report``."""
        from tradecli.analysis.inventory_report import inventory_report

        return inventory_report(self, conflicts)


def inventory(
    dataset: Dataset, reporter: str | None = None, partner: str | None = None
) -> Inventory:
    """What is loaded; with ``reporter`` and/or ``partner`` (codes), only their series.

    Many series are worked out from the columns (``inventory_bulk``), a few from the
    engine's reconciled tables; both give the same inventory."""
    if bulk_engine.enabled(len(dataset.keys())):
        from tradecli.analysis.inventory_bulk import inventory_parts

        parts = inventory_parts(dataset, reporter, partner)
        series, excluded, conflicts = parts.series, parts.excluded, parts.conflicts
    else:
        series, excluded, conflicts = _from_tables(dataset, reporter, partner)
    return Inventory(
        files=[str(f) for f in sorted({str(s) for s in dataset.frame["source"].unique()})],
        rows=sum(s.observations for s in series) if reporter or partner else len(dataset.frame),
        series=series,
        excluded=excluded,
        conflicts=conflicts,
        left_out=dataset.left_out,
        include_flagged=dataset.filters.include_flagged,
    )


def _from_tables(
    dataset: Dataset, reporter: str | None, partner: str | None
) -> tuple[list[SeriesInventory], list[tuple[Observation, str]], list[Conflict]]:
    """The inventory's series, excluded rows and conflicts from the engine's reconciled
    table of each series (the reference)."""
    engine = dataset.engine
    series: list[SeriesInventory] = []
    excluded: list[tuple[Observation, str]] = []
    conflicts: list[Conflict] = []
    keys = [
        key
        for key in engine.keys()
        if reporter in (None, key.reporter) and partner in (None, key.partner)
    ]
    for key, table in engine.tables(keys):
        spans = list(table.spans)
        every = [o for r in table.spans.values() for o in (*r.agreeing, *r.superseded)]
        for obs in table.excluded:
            flags = [f for f in obs.flags if f in EXCLUDED_FLAGS]
            excluded.append((obs, f"flagged {', '.join(flags)}"))
        conflicts.extend(Conflict(key, r) for r in table.spans.values() if r.conflict)
        sources = {o.url or o.publisher or o.where() for o in (*every, *table.excluded)}
        series.append(
            SeriesInventory(
                key=key,
                observations=len(every) + len(table.excluded),
                spans=[p.iso() for p in spans],
                first=min(spans).label() if spans else "—",
                last=max(spans, key=lambda p: (p.last, p.first)).label() if spans else "—",
                sources=len(sources),
                excluded=len(table.excluded),
                conflicts=sum(1 for r in table.spans.values() if r.conflict),
            )
        )
    return series, excluded, conflicts
