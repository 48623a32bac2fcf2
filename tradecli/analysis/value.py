"""``tradecli value``: the value of series over a span, with its derivation."""

from __future__ import annotations

from dataclasses import dataclass
from operator import methodcaller
from typing import TYPE_CHECKING, Any

from tradecli.dataset import Dataset
from tradecli.engine.answers import AGGREGATE, Answer, SeriesKey
from tradecli.errors import BadRequest, NotAvailable
from tradecli.groups import Group
from tradecli.json_text import Each
from tradecli.periods import Period
from tradecli.selection import Selection, partner_group

if TYPE_CHECKING:
    from tradecli.render import Report

# How many names a note lists before "and N more" (the JSON output lists them all).
NOTE_LIST = 10


@dataclass(frozen=True)
class ValueResult:
    period: Period
    answers: list[Answer]

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period.iso(), "answers": [a.to_dict() for a in self.answers]}

    def payload(self) -> dict[str, Any]:
        """``to_dict()`` with each answer's dict made when its JSON is written, and let go
        after (``json_text.Each``): the report's JSON payload."""
        return {"period": self.period.iso(), "answers": Each(self.answers, methodcaller("to_dict"))}

    def raise_if_unanswered(self) -> None:
        """Raise ``NotAvailable`` when no series has a value (the exit-code rule: 1 when
        nothing could be answered), saying what the data has instead."""
        if not self.answers or any(a.found for a in self.answers):
            return
        reasons = []
        for a in self.answers[:NOTE_LIST]:
            spans = ", ".join(p.label() for p in list(a.available)[-5:]) or "none"
            reasons.append(f"{a.key.label()}: latest spans {spans}")
        more = len(self.answers) - NOTE_LIST
        tail = f"; and {more:,} more" if more > 0 else ""
        raise NotAvailable(
            f"no series has a value for {self.period.label()}; {'; '.join(reasons)}{tail}"
        )

    def report(self, every: bool = True) -> Report:
        """What ``tradecli value`` shows: built in ``analysis.value_report``."""
        from tradecli.analysis.value_report import value_report

        return value_report(self, every)

    def records(self) -> list[dict[str, Any]]:
        """One keyed record per series (``analysis.value_report.value_records``)."""
        from tradecli.analysis.value_report import value_records

        return value_records(self)


def series_values(dataset: Dataset, keys: list[SeriesKey], period: Period) -> ValueResult:
    """Each key's value over ``period``. A calendar year or Jan..m span of many keys is
    read off the columns' year arrays (``summary_bulk.YearAnswers``: series with Jan..m
    figures beside their months too, which ``engine.value`` leaves to the reference); any
    other span within a year from the columns too (``engine.bulk.within_year``)."""
    from tradecli.engine import bulk as bulk_engine

    if period.is_year_to_date and bulk_engine.enabled(len(keys)):
        from tradecli.analysis.summary_bulk import YearAnswers

        answers = YearAnswers(dataset, keys)
        return ValueResult(period, [answers.value(k, period) for k in keys])
    engine = dataset.engine
    if period.start_year == period.end_year and bulk_engine.enabled(len(keys)):
        # Any other span within a year (a quarter, a month): from the columns where the
        # series are simple.
        columns = dataset.columns()
        found = (bulk_engine.within_year(columns, engine.value, k, period) for k in keys)
        return ValueResult(
            period,
            [engine.value(k, period) if a is None else a for k, a in zip(keys, found, strict=True)],
        )
    return ValueResult(period, [engine.value(k, period) for k in keys])


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
    reporter's trade with that whole group (then no ``partner``). A ``partner`` that is a
    group (``central-asia``) is asked as ``vs``: the group's trade, its members summed."""
    check_options(partner=partner, vs=vs)
    group_partner = partner_group(partner, dataset)
    if group_partner is not None:
        partner, vs = None, group_partner.name
    selection = Selection.parse(dataset, reporter, partner, flow)
    if vs:
        group = dataset.groups.get(vs)
        reporter_code = selection.reporter_or_only(dataset, group)
        return group_values(dataset, reporter_code, group, selection.flow or "turnover", period)
    return series_values(dataset, selection.keys(dataset), period)
