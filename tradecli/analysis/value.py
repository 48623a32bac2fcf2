"""``tradecli value``: the value of series over a span, with its derivation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tradecli.dataset import Dataset
from tradecli.groups import Group
from tradecli.periods import Period
from tradecli.render import Column, Kind, Report
from tradecli.series import AGGREGATE, Answer, SeriesKey


@dataclass(frozen=True)
class ValueResult:
    period: Period
    answers: list[Answer]

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period.iso(), "answers": [a.to_dict() for a in self.answers]}

    def report(self) -> Report:
        columns = [
            Column("series", "series"),
            Column("period", "span"),
            Column("value", "value", Kind.money),
            Column("qualifier", "as published"),
            Column("rule", "how"),
        ]
        rows = []
        notes: list[str] = []
        for a in self.answers:
            rows.append(
                {
                    "series": a.key.label(),
                    "period": a.period.label(),
                    "value": a.value,
                    "currency": a.key.currency,
                    "qualifier": ", ".join(sorted(a.qualifiers)),
                    "rule": a.rule if a.complete else f"{a.rule} (incomplete)",
                }
            )
            if not a.found and a.available:
                notes.append(
                    f"{a.key.label()}: no figure for {a.period.label()}; spans in the "
                    f"data: {', '.join(p.label() for p in a.available)}"
                )
            notes.extend(f"{a.key.label()}: {n}" for n in a.notes)
        explain = [line for a in self.answers for line in a.explain()]
        return Report(
            f"Value over {self.period.label()}", columns, rows, self.to_dict(), notes, explain
        )


def series_values(dataset: Dataset, keys: list[SeriesKey], period: Period) -> ValueResult:
    return ValueResult(period, [dataset.engine.value(k, period) for k in keys])


def group_values(
    dataset: Dataset, reporter: str, group: Group, flow: str, period: Period
) -> ValueResult:
    """The group's value, and, when it comes from a published aggregate, the member sum too."""
    engine = dataset.engine
    first = engine.group_value(reporter, group, flow, period)
    answers = [first]
    if first.rule == AGGREGATE:
        members = engine.group_value(
            reporter, Group(group.name, "", group.members, group.source), flow, period
        )
        answers.append(members)
    return ValueResult(period, answers)
