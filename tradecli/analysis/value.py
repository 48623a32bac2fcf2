"""``tradecli value``: the value of series over a span, with its derivation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tradecli.dataset import Dataset
from tradecli.errors import BadRequest
from tradecli.groups import Group
from tradecli.periods import Period
from tradecli.render import Column, Kind, Report
from tradecli.selection import Selection
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


def check_options(*, partner: str | None, vs: str | None) -> None:
    """``vs`` (a whole group) and ``partner`` (one partner) exclude each other."""
    if vs and partner:
        raise BadRequest(
            "--vs asks for the reporter's trade with the whole group, --partner for one "
            "partner; for a partner's share of a group use `tradecli share --vs GROUP --partner X`"
        )


def values(
    dataset: Dataset,
    period: Period,
    *,
    reporter: str | None = None,
    partner: str | None = None,
    flow: str | None = None,
    vs: str | None = None,
) -> ValueResult:
    """``tradecli value``: the selected series over ``period``, or with ``vs`` the
    reporter's trade with that whole group (then no ``partner``)."""
    check_options(partner=partner, vs=vs)
    selection = Selection.parse(dataset, reporter, partner, flow)
    if vs:
        group = dataset.groups.get(vs)
        reporter_code = selection.reporter_or_only(dataset, group)
        return group_values(dataset, reporter_code, group, selection.flow or "turnover", period)
    return series_values(dataset, selection.keys(dataset), period)
