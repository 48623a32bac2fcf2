"""``tradecli summary``: for each series, how it stands and how it moves.

The latest full year and its change on the year before, the latest
year-to-date span and its like-for-like change, the linear run-rate
projection of that span's year, the partner's share in each group that
contains it (where computable), and a sparkline of the annual values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import methodcaller
from typing import TYPE_CHECKING, Any, cast

from tradecli.analysis.growth import annual_values, change, usd_first, years_in
from tradecli.analysis.projection import Method, Projection, linear, project_from
from tradecli.analysis.share import Share, share_of
from tradecli.dataset import Dataset
from tradecli.engine import bulk as bulk_engine
from tradecli.engine.answers import AGGREGATE, Answer, SeriesKey
from tradecli.engine.masks import Bulk, Plan, bulk_for
from tradecli.engine.reference import Engine
from tradecli.formatting import money, share_percent
from tradecli.groups import Group
from tradecli.json_text import Each
from tradecli.periods import Period

if TYPE_CHECKING:
    from tradecli.render import Report

SPARK_BARS = "▁▂▃▄▅▆▇█"
SPARK_YEARS = 8
SPARK_GAP = "·"
NOTE_WIDTH = 94  # a note line in a 100-column terminal, after "note: "


def sparkline(values: list[float | None]) -> str:
    """One character per value, scaled min..max; a gap (no figure, or not finite) is '·'."""
    values = [v if v is not None and math.isfinite(v) else None for v in values]
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    top = len(SPARK_BARS) - 1
    out = []
    for v in values:
        if v is None:
            out.append(SPARK_GAP)
        elif high == low:
            out.append(SPARK_BARS[top // 2])
        else:
            # halves first: high - low overflows to inf for values near the float limit
            scaled = (v / 2 - low / 2) / (high / 2 - low / 2)
            out.append(SPARK_BARS[round(scaled * top)])
    return "".join(out)


def latest_ytd(engine: Engine, key: SeriesKey, after_year: int | None) -> Answer | None:
    """The longest Jan..m span (m < 12) of the latest year after ``after_year`` that has one
    (``ytd_spans(...)[-1]``, looking from the longest down)."""
    for year in reversed(years_in(engine, key)):
        if after_year is not None and year <= after_year:
            return None
        for month in range(11, 0, -1):
            answer = engine.value(key, Period.ytd(year, month))
            if answer.found:
                return answer
    return None


@dataclass(frozen=True)
class SummaryRow:
    key: SeriesKey
    year: Answer | None
    year_before: Answer | None
    ytd: Answer | None
    ytd_before: Answer | None
    projection: Projection | None = None
    shares: tuple[Share, ...] = ()
    annual: Sequence[Answer] = ()  # the bulk path's are made when looked at

    @property
    def year_change(self) -> float | None:
        return change(self.year, self.year_before)

    @property
    def ytd_change(self) -> float | None:
        return change(self.ytd, self.ytd_before)

    @property
    def run_rate(self) -> float | None:
        """Linear projection of the year of the year-to-date span."""
        return self.projection.value if self.projection is not None else None

    @property
    def size(self) -> float | None:
        """For 'largest first': the latest full year, else the run-rate."""
        return self.year.value if self.year is not None else self.run_rate

    def trend(self) -> list[tuple[int, float | None]]:
        """Annual values of the last ``SPARK_YEARS`` years up to the latest full year."""
        if not self.annual:
            return []
        by_year = year_values(self.annual)
        last = max(by_year)
        first = max(min(by_year), last - SPARK_YEARS + 1)
        return [(y, by_year.get(y)) for y in range(first, last + 1)]

    def shares_text(self) -> str:
        """'cis, cis-stat 0.115% (Jan–Apr 2024); world 0.0120% (2023)'."""
        return "; ".join(self.share_parts())

    def share_parts(self) -> list[str]:
        """One item per distinct share: 'cis, cis-stat 0.115% (Jan–Apr 2024)'."""
        # Groups answered by the same published aggregate (cis, cis-stat → CIS) are one share.
        merged: dict[tuple[str, str, float | None], list[Share]] = {}
        for s in self.shares:
            same = s.total.key.partner if s.total.rule == AGGREGATE else s.group
            merged.setdefault((same, s.period.label(), s.value), []).append(s)
        parts = []
        for (_, period, value), group_shares in merged.items():
            names = ", ".join(s.group for s in group_shares)
            bound = "≤ " if any(s.partial for s in group_shares) else ""
            parts.append(f"{names} {bound}{share_percent(value)} ({period})")
        return parts

    def explain(self, seen: set[tuple[SeriesKey, Period]] | None = None) -> list[str]:
        """The derivation of the row; a group total derived already (``seen``, shared by
        the rows of one summary) is named, not derived again."""
        seen = set() if seen is None else seen
        lines = []
        for a in (self.year, self.year_before, self.ytd, self.ytd_before):
            if a is not None:
                lines.extend(a.explain())
        if self.projection is not None and self.projection.found:
            lines.append(f"{self.key.label()}: projection {self.projection.formula()}")
        for s in self.shares:
            lines.append(
                f"{self.key.label()}: share of {s.group} over {s.period.label()} = "
                f"{share_percent(s.value)} ({s.basis})"
            )
            if s.part.period not in {a.period for a in (self.year, self.ytd) if a is not None}:
                lines.extend(s.part.explain(1))
            total = (s.total.key, s.total.period)
            if total in seen:
                lines.append(
                    f"  {s.total.key.label()}, {s.total.period.label()}: "
                    f"{money(s.total.value, s.total.key.currency)}, derived above"
                )
            else:
                seen.add(total)
                lines.extend(s.total.explain(1))
        return lines

    def to_dict(self) -> dict[str, Any]:
        def ans(a: Answer | None) -> dict[str, Any] | None:
            return a.to_dict() if a is not None else None

        return {
            **self.key.to_dict(),
            "year": ans(self.year),
            "year_before": ans(self.year_before),
            "year_change": self.year_change,
            "ytd": ans(self.ytd),
            "ytd_before": ans(self.ytd_before),
            "ytd_change": self.ytd_change,
            "projection": self.projection.to_dict() if self.projection else None,
            "shares": [s.to_dict() for s in self.shares],
            "annual": [{"year": y, "value": v} for y, v in year_values(self.annual).items()],
        }


@dataclass(frozen=True)
class Summary:
    rows: list[SummaryRow]
    unanswered: list[SeriesKey] = field(default_factory=list)
    one_flow: str | None = None  # the data's only flow, when turnover cannot be derived

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": [r.to_dict() for r in self.rows],
            "unanswered": [k.to_dict() for k in self.unanswered],
        }

    def payload(self) -> dict[str, Any]:
        """``to_dict()`` with each series' dict made when its JSON is written, and let go
        after (``json_text.Each``): the report's JSON payload."""
        return {
            "series": Each(self.rows, methodcaller("to_dict")),
            "unanswered": [k.to_dict() for k in self.unanswered],
        }

    def report(self, every: bool = False) -> Report:
        """What ``tradecli summary`` shows: built in ``analysis.summary_report``;
        ``every``: the series with no figure as rows too (``--all``)."""
        from tradecli.analysis.summary_report import summary_report

        return summary_report(self, every)

    def explain_lines(self) -> list[str]:
        """The derivation of every row, for ``--explain``."""
        seen: set[tuple[SeriesKey, Period]] = set()
        return [line for r in self.rows for line in r.explain(seen)]


def year_values(annual: Sequence[Answer]) -> dict[int, float | None]:
    """Each annual answer's value by year, without making the bulk path's answers."""
    known = getattr(annual, "year_values", None)
    if known is not None:
        return cast(dict[int, float | None], known())
    return {a.period.start_year: a.value for a in annual}


def groups_with(dataset: Dataset, partner: str) -> list[Group]:
    """The groups that list ``partner`` (at any date), and world."""
    return [
        g
        for g in dataset.groups.by_name.values()
        if g.every_partner or any(m.member == partner for m in g.members)
    ]


def calendar_years_only(dataset: Dataset) -> bool:
    """Every figure in the data is one calendar year (an IMF report of 60 years, say): no
    year-to-date span can be answered, so none is looked for, year by year and month by
    month, in every series."""
    january = Period.year(2000).first % 12
    first, last = dataset.frame["first"].to_numpy(), dataset.frame["last"].to_numpy()
    # A chunk of rows at a time, to the first that is not a year (the first row, in a file
    # of months): no file-long temporaries.
    for low in range(0, len(first), YEARS_CHUNK_ROWS):
        f, lst = first[low : low + YEARS_CHUNK_ROWS], last[low : low + YEARS_CHUNK_ROWS]
        if not bool(((lst - f == 11) & (f % 12 == january)).all()):
            return False
    return True


YEARS_CHUNK_ROWS = 1 << 16


def _spans_of_row(
    engine: Engine, key: SeriesKey, plan: Plan | None, years_only: bool
) -> tuple[list[Answer], Answer | None, Answer | None, Answer | None]:
    """The annual values, the year before the latest, the latest YTD span and its base.

    With a bulk plan (``tradecli.engine.masks``), only the spans the plan finds are asked
    of the engine; without, every candidate span is, as the definitions read."""
    if plan is None:
        annual = annual_values(engine, key)
        year = annual[-1] if annual else None
        before = engine.value(key, year.period.shifted_years(-1)) if year else None
        after = year.period.start_year if year else None
        ytd = None if years_only else latest_ytd(engine, key, after)
        ytd_before = engine.value(key, ytd.period.shifted_years(-1)) if ytd else None
        return annual, _found(before), ytd, _found(ytd_before)
    annual = [engine.value(key, Period.year(y)) for y in plan.full_years()]
    year = annual[-1] if annual else None
    before = None
    if year is not None and plan.found(year.period.start_year - 1, 12):
        before = engine.value(key, year.period.shifted_years(-1))
    found = None if years_only else plan.latest_ytd(year.period.start_year if year else None)
    if found is None:
        return annual, before, None, None
    ytd_year, months = found
    ytd = engine.value(key, Period.ytd(ytd_year, months))
    ytd_before = None
    if plan.found(ytd_year - 1, months):
        ytd_before = engine.value(key, ytd.period.shifted_years(-1))
    return annual, before, ytd, ytd_before


def summarize(dataset: Dataset, keys: list[SeriesKey]) -> Summary:
    engine = dataset.engine
    helper = _Helper(engine, len(keys))
    rows: list[SummaryRow] = []
    unanswered: list[SeriesKey] = []
    years_only = calendar_years_only(dataset)
    fast: dict[SeriesKey, Any] = {}
    shares_of: Any = None
    groups_of: dict[str, list[Group]] = {}
    if bulk_engine.enabled(len(keys)):
        # The columnar path (``engine.bulk``) for the keys whose series are simple.
        from tradecli.analysis import summary_bulk

        fast = summary_bulk.bulk_rows(dataset, keys, years_only)
        columns = summary_bulk.columns_of(dataset)
        shares_of = summary_bulk.Shares(dataset, columns, helper.get)
    for key in keys:
        if key in fast:
            spans = fast[key]
            if spans is None:
                unanswered.append(key)
                continue
            annual, before, ytd, ytd_before = spans
            year = annual[-1] if annual else None
            projection = None
            if ytd is not None:
                assert ytd.value is not None
                last = summary_bulk.last_full(engine, key, ytd, annual)
                months = ytd.period.n_months
                projection = Projection(Method.linear, ytd, linear(ytd.value, months), last)
        else:
            plan = helper.get().plan(key) if helper.get() is not None else None  # type: ignore[union-attr]
            annual, before, ytd, ytd_before = _spans_of_row(engine, key, plan, years_only)
            year = annual[-1] if annual else None
            if year is None and ytd is None:
                unanswered.append(key)
                continue
            projection = project_from(engine, ytd, Method.linear) if ytd else None
        shares: list[Share] = []
        if key.partner not in dataset.groups.codes and key.partner != key.reporter:
            groups = groups_of.get(key.partner)
            if groups is None:
                groups = groups_of[key.partner] = groups_with(dataset, key.partner)
            for group in groups:
                if key in fast:
                    share = shares_of.share(key, group)
                    if share is not None:
                        shares.append(share)
                    continue
                found = share_of(engine, key, group, accept_partial=False, bulk=helper.get())
                if isinstance(found, Share) and not found.partial:
                    shares.append(found)
        rows.append(
            SummaryRow(
                key,
                year,
                before,
                ytd,
                ytd_before,
                projection,
                tuple(shares),
                annual if key in fast else tuple(annual),
            )
        )
    rows.sort(key=lambda r: usd_first(r.key, r.size))
    return Summary(rows, unanswered, lone_flow(keys, dataset.keys()))


def lone_flow(keys: list[SeriesKey], every_key: list[SeriesKey]) -> str | None:
    """The one flow of ``keys`` when the data has only that side of their pairs (a file
    of exports alone: the summary then says so), else None."""
    flows = {k.flow for k in keys}
    other = {"export": "import", "import": "export"}.get(next(iter(flows))) if keys else None
    pairs = {(k.reporter, k.partner) for k in keys}
    alone = (
        len(flows) == 1
        and other is not None
        and not any(k.flow == other and (k.reporter, k.partner) in pairs for k in every_key)
    )
    return next(iter(flows)) if alone else None


class _Helper:
    """The bulk helper of ``engine.masks`` for ``n_series`` series, built on first need."""

    def __init__(self, engine: Engine, n_series: int) -> None:
        self.engine, self.n_series = engine, n_series
        self._made = False
        self._bulk: Bulk | None = None

    def get(self) -> Bulk | None:
        if not self._made:
            self._bulk, self._made = bulk_for(self.engine, self.n_series), True
        return self._bulk


def _found(answer: Answer | None) -> Answer | None:
    return answer if answer is not None and answer.found else None
