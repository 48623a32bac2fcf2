"""``tradecli summary``: for each series, the latest year, the latest year-to-date
span and how both moved, and the run-rate of the current year."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tradecli.dataset import Dataset
from tradecli.periods import Period
from tradecli.render import Column, Kind, Report
from tradecli.series import Answer, Engine, SeriesKey


def change(current: Answer | None, base: Answer | None) -> float | None:
    """Relative change, or None when either side is missing (never −100% for a missing base)."""
    if current is None or base is None or current.value is None or base.value is None:
        return None
    if base.value == 0:
        return None
    return current.value / base.value - 1


def years_in(engine: Engine, key: SeriesKey) -> list[int]:
    flows = [key.flow] + (["export", "import"] if key.flow == "turnover" else [])
    return sorted({p.end_year for f in flows for p in engine.periods(key.with_flow(f))})


def latest_full_year(engine: Engine, key: SeriesKey) -> Answer | None:
    for year in reversed(years_in(engine, key)):
        answer = engine.value(key, Period.year(year))
        if answer.found:
            return answer
    return None


def latest_ytd(engine: Engine, key: SeriesKey, after_year: int | None) -> Answer | None:
    """The longest Jan..m span (m < 12) of the latest year after ``after_year`` that has one."""
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

    @property
    def year_change(self) -> float | None:
        return change(self.year, self.year_before)

    @property
    def ytd_change(self) -> float | None:
        return change(self.ytd, self.ytd_before)

    @property
    def run_rate(self) -> float | None:
        """Linear projection of the current year from its year-to-date span."""
        if self.ytd is None or self.ytd.value is None:
            return None
        return self.ytd.value * 12 / self.ytd.period.n_months

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
            "projection": None
            if self.run_rate is None
            else {
                "value": self.run_rate,
                "method": "linear",
                "basis": self.ytd.period.iso() if self.ytd else None,
            },
        }


@dataclass(frozen=True)
class Summary:
    rows: list[SummaryRow]
    unanswered: list[SeriesKey]

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": [r.to_dict() for r in self.rows],
            "unanswered": [k.to_dict() for k in self.unanswered],
        }

    def report(self) -> Report:
        columns = [
            Column("series", "series"),
            Column("year", "year"),
            Column("year_value", "value", Kind.money),
            Column("year_change", "y/y", Kind.percent),
            Column("ytd", "latest YTD"),
            Column("ytd_value", "value", Kind.money),
            Column("ytd_change", "y/y", Kind.percent),
            Column("projection", "run-rate*", Kind.money),
        ]
        rows = []
        for r in self.rows:
            rows.append(
                {
                    "series": f"{r.key.reporter}–{r.key.partner}",
                    "currency": r.key.currency,
                    "year": r.year.period.label() if r.year else None,
                    "year_value": r.year.value if r.year else None,
                    "year_change": r.year_change,
                    "ytd": r.ytd.period.label() if r.ytd else None,
                    "ytd_value": r.ytd.value if r.ytd else None,
                    "ytd_change": r.ytd_change,
                    "projection": r.run_rate,
                }
            )
        notes = ["* run-rate: a projection of the year, linear (YTD × 12 / months covered)"]
        if self.unanswered:
            notes.append(
                f"{len(self.unanswered)} series with no full year or year-to-date figure: "
                + ", ".join(f"{k.reporter}–{k.partner}" for k in self.unanswered)
            )
        explain = []
        for r in self.rows:
            for a in (r.year, r.year_before, r.ytd, r.ytd_before):
                if a is not None:
                    explain.extend(a.explain())
        flow = self.rows[0].key.flow if self.rows else "turnover"
        return Report(f"Trade summary ({flow})", columns, rows, self.to_dict(), notes, explain)


def summarize(dataset: Dataset, keys: list[SeriesKey]) -> Summary:
    engine = dataset.engine
    rows: list[SummaryRow] = []
    unanswered: list[SeriesKey] = []
    for key in keys:
        year = latest_full_year(engine, key)
        before = engine.value(key, year.period.shifted_years(-1)) if year else None
        ytd = latest_ytd(engine, key, year.period.start_year if year else None)
        ytd_before = engine.value(key, ytd.period.shifted_years(-1)) if ytd else None
        if year is None and ytd is None:
            unanswered.append(key)
            continue
        rows.append(SummaryRow(key, year, _found(before), ytd, _found(ytd_before)))
    rows.sort(key=lambda r: -((r.year.value if r.year else 0) or 0))
    return Summary(rows, unanswered)


def _found(answer: Answer | None) -> Answer | None:
    return answer if answer is not None and answer.found else None
