"""``tradecli project YEAR``: where a year ends, from its latest year-to-date span Jan..m.

- ``linear``: ytd × 12 / m;
- ``seasonal``: ytd ÷ the mean share that Jan..m held of the full year in up to
  three earlier years that have both, with a low–high range over those years;
- ``ytd-growth``: last full year × (ytd ÷ the same span a year before);
- ``auto``: seasonal where history allows, else linear, saying which and why.

When the year is complete in the data, the actual is given and every
year-to-date span of the year is projected by each method, so the methods can
be judged; ``backtest`` does that for every year with an actual and sums the
errors up by months covered.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property, partial
from operator import methodcaller
from statistics import mean
from typing import TYPE_CHECKING, Any

from tradecli.analysis.growth import usd_first, years_in
from tradecli.dataset import Dataset
from tradecli.engine import bulk as bulk_engine
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.masks import Plan, bulk_for
from tradecli.engine.reference import Engine
from tradecli.errors import NotAvailable
from tradecli.formatting import money
from tradecli.json_text import Each
from tradecli.periods import MONTH_ABBR, Period, check_year, month_iso
from tradecli.records import approximate, figure_range, flags_of, value_range

if TYPE_CHECKING:
    from tradecli.analysis.backtest_bulk import SimpleBacktest
    from tradecli.analysis.summary_bulk import YearAnswers
    from tradecli.render import Report

HISTORY_YEARS = 3

_NOTHING_TO_BACKTEST = (
    "nothing to backtest: no series has a full year up to {year} together with a "
    "year-to-date span of it"
)


class Method(StrEnum):
    auto = "auto"
    linear = "linear"
    seasonal = "seasonal"
    ytd_growth = "ytd-growth"


METHODS = (Method.linear, Method.seasonal, Method.ytd_growth)

RULES = {
    Method.linear: "YTD × 12 / months covered",
    Method.seasonal: "YTD ÷ the mean share the same months held of the full year in up to "
    f"{HISTORY_YEARS} earlier years",
    Method.ytd_growth: "last full year × (YTD ÷ the same span a year before)",
}

# -- the three formulas, on plain numbers --------------------------------------------


def linear(ytd: float, months: int) -> float:
    return ytd * 12 / months


def seasonal(ytd: float, shares: Sequence[float]) -> tuple[float, float, float]:
    """(projection, low, high): ytd ÷ mean share, and ytd ÷ the largest / smallest share."""
    return ytd / exact_mean(shares), ytd / max(shares), ytd / min(shares)


def ytd_growth(ytd: float, base_ytd: float, last_full: float) -> float:
    return last_full * ytd / base_ytd


# A half of two at least this large (twice the smallest normal float) comes of a sum
# rounded once, halved exactly; smaller ones and zeros (-0.0) take the integers' way.
_SMALLEST_SAFE_HALF = 2 * sys.float_info.min


def exact_mean(values: Sequence[float]) -> float:
    """The mean of ``values`` as ``statistics.mean`` gives it for floats (their exact sum
    over the count, rounded once), without its ``Fraction``s: every finite float is an
    integer over a power of two, so the sum is one integer over the largest denominator,
    and Python's division of two integers rounds correctly. Not finite: ``mean``'s own.

    One or two values, the common case of a backtest (one year tested; two years of
    history), go without the integers where the floats give the same: one value is its
    own mean (``+ 0.0``: -0.0's is 0.0, as ``mean`` gives it); the sum of two is rounded
    once and halving it is exact while it stays a normal float, so it is the exact sum
    over 2 rounded once."""
    if len(values) == 1 and math.isfinite(values[0]):
        return values[0] + 0.0
    if len(values) == 2:
        halved = (values[0] + values[1]) / 2
        if math.isfinite(halved) and abs(halved) >= _SMALLEST_SAFE_HALF:
            return halved
    if not all(map(math.isfinite, values)):
        return mean(values)
    ratios = [v.as_integer_ratio() for v in values]
    denominator = max(d for _, d in ratios)
    numerator = sum(n * (denominator // d) for n, d in ratios)
    return numerator / (denominator * len(values))


# -- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryYear:
    """An earlier year with both the same months and its full-year total."""

    ytd: Answer
    full: Answer

    @property
    def share(self) -> float:
        return (self.ytd.value or 0.0) / (self.full.value or 1.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.full.period.start_year,
            "ytd": self.ytd.value,
            "full": self.full.value,
            "share": self.share,
        }


@dataclass(frozen=True)
class Projection:
    """One method's projection of the year of ``basis`` (a Jan..m span)."""

    method: Method
    basis: Answer
    value: float | None
    last_full: Answer | None = None  # the year before: for the implied change (and ytd-growth)
    low: float | None = None
    high: float | None = None
    history: Sequence[HistoryYear] = ()  # a tuple, or made when looked at (the arrays')
    base_ytd: Answer | None = None
    reason: str = ""  # why not computable
    # The flags of every input (``input_flags``), when known without the answers (the
    # arrays' bitmasks: ``projection_bulk``); None: read off the inputs.
    flag_words: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> SeriesKey:
        return self.basis.key

    @property
    def year(self) -> int:
        return self.basis.period.start_year

    @property
    def months(self) -> int:
        return self.basis.period.n_months

    @property
    def found(self) -> bool:
        return self.value is not None

    def inputs(self) -> list[Answer]:
        """Every answer the projection stands on."""
        out = [self.basis]
        if self.method is Method.seasonal:
            out.extend(a for h in self.history for a in (h.ytd, h.full))
        if self.method is Method.ytd_growth and self.base_ytd is not None:
            out.append(self.base_ytd)
        if self.last_full is not None and self.last_full.found:
            out.append(self.last_full)
        return out

    def input_flags(self) -> list[str]:
        """The quality flags of every figure the projection stands on, sorted."""
        if self.flag_words is not None:
            return list(self.flag_words)
        return sorted({f for a in self.inputs() for f in flags_of(a)})

    @property
    def qualifiers(self) -> frozenset[str]:
        """about/over/almost of any figure used: the projection is approximate too."""
        return frozenset().union(*(a.qualifiers for a in self.inputs()))

    @property
    def implied_change(self) -> float | None:
        """The projection against the last full year."""
        base = self.last_full.value if self.last_full is not None else None
        if self.value is None or not base:
            return None
        return self.value / base - 1

    @property
    def rate_so_far(self) -> float | None:
        return None if self.basis.value is None else self.basis.value / self.months

    @property
    def rest_monthly(self) -> float | None:
        """The monthly value the rest of the year needs for the projection to come true."""
        if self.value is None or self.basis.value is None or self.months >= 12:
            return None
        return (self.value - self.basis.value) / (12 - self.months)

    @property
    def to_match_last_year(self) -> float | None:
        """The monthly value the rest of the year needs to equal the last full year."""
        base = self.last_full.value if self.last_full is not None else None
        if base is None or self.basis.value is None or self.months >= 12:
            return None
        return (base - self.basis.value) / (12 - self.months)

    def formula(self) -> str:
        cur = self.key.currency
        ytd = money(self.basis.value, cur)
        if self.value is None:
            return f"{self.method}: not computable ({self.reason})"
        if self.method is Method.linear:
            return f"linear: {ytd} × 12 / {self.months} = {money(self.value, cur)}"
        if self.method is Method.seasonal:
            shares = ", ".join(
                f"{h.full.period.label()} {money(h.ytd.value, cur)}/{money(h.full.value, cur)}"
                f" = {h.share:.3f}"
                for h in self.history
            )
            return (
                f"seasonal: {ytd} ÷ mean({shares}) = {money(self.value, cur)}, range "
                f"{money(self.low, cur)}–{money(self.high, cur)}"
            )
        assert self.last_full is not None and self.base_ytd is not None
        return (
            f"ytd-growth: {self.last_full.period.label()} {money(self.last_full.value, cur)} × "
            f"({ytd} ÷ {self.base_ytd.period.label()} {money(self.base_ytd.value, cur)}) = "
            f"{money(self.value, cur)}"
        )

    def range_how(self) -> str | None:
        """The ``range:`` line when the year-to-date figure is approximate: the method's
        own range scaled by the figure's (a projection is proportional to it)."""
        if self.value is None or not approximate(self.basis):
            return None
        cur = self.key.currency
        own = money(self.value, cur)
        if self.low is not None and self.high is not None and self.low != self.high:
            own = f"({money(self.low, cur)} to {money(self.high, cur)})"
        low, high = projection_range(self)
        return (
            f"range: {own} × {figure_range(self.basis)} / {money(self.basis.value, cur)} → "
            f"{money(low, cur)} to {money(high, cur)}"
        )

    def explain(self) -> list[str]:
        lines = [
            f"{self.key.label()} {self.year}, from {self.basis.period.label()}: {self.formula()}"
        ]
        how = self.range_how()
        lines.extend([f"  {how}"] if how else [])
        for answer in self.inputs():
            lines.extend(answer.explain(1))
        return lines

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": str(self.method),
            "basis": self.basis.period.iso(),
            "months": self.months,
            "ytd": self.basis.value,
            "value": self.value,
            "qualifiers": sorted(self.qualifiers),
            "last_full_year": self.last_full.value if self.last_full else None,
            "implied_change": self.implied_change,
            "monthly_so_far": self.rate_so_far,
            "monthly_rest_of_year": self.rest_monthly,
            "monthly_to_match_last_year": self.to_match_last_year,
            "formula": self.formula(),
        }
        if self.method is Method.seasonal:
            out["low"] = self.low
            out["high"] = self.high
            out["history"] = [h.to_dict() for h in self.history]
        if self.method is Method.ytd_growth:
            out["base_ytd"] = self.base_ytd.value if self.base_ytd else None
        if self.reason:
            out["reason"] = self.reason
        how = self.range_how()
        if how is not None:
            low, high = projection_range(self)
            out["range"] = {"low": low, "high": high, "how": how.removeprefix("range: ")}
        return out


def projection_range(p: Projection) -> tuple[float | None, float | None]:
    """The projection's range: the method's own (seasonal: over the shares of earlier
    years; else the projection itself), scaled by the range of the year-to-date figure
    when it was approximate (a projection is proportional to it)."""
    if p.value is None:
        return None, None
    low = p.low if p.low is not None else p.value
    high = p.high if p.high is not None else p.value
    basis_low, basis_high = value_range(p.basis)
    if p.basis.value and basis_low is not None and basis_high is not None:
        low, high = low * basis_low / p.basis.value, high * basis_high / p.basis.value
    return low, high


@dataclass(frozen=True)
class SpanProjections:
    """What each method makes of one year-to-date span, and the one chosen."""

    basis: Answer
    by_method: tuple[Projection, ...]
    chosen: Projection
    why: str

    def to_dict(self, derivations: bool = True) -> dict[str, Any]:
        """``derivations``: the year-to-date answer with its derivation, else its figures
        (``Answer.figures_dict``)."""
        return {
            "basis": self.basis.period.iso(),
            "ytd": self.basis.to_dict() if derivations else self.basis.figures_dict(),
            "chosen": str(self.chosen.method),
            "why": self.why,
            "projections": [p.to_dict() for p in self.by_method],
        }


@dataclass(frozen=True)
class SeriesProjection:
    key: SeriesKey
    year: int
    method: Method
    actual: Answer | None
    last_full: Answer | None
    spans: tuple[SpanProjections, ...]

    @property
    def complete(self) -> bool:
        return self.actual is not None

    @property
    def headline(self) -> SpanProjections | None:
        return self.spans[-1] if self.spans else None

    def error(self, projection: Projection) -> float | None:
        """Projection against the actual: +0.05 is 5% too high."""
        if self.actual is None or not self.actual.value or projection.value is None:
            return None
        return projection.value / self.actual.value - 1

    @property
    def size(self) -> float | None:
        if self.actual is not None:
            return self.actual.value
        return self.headline.chosen.value if self.headline else None

    def to_dict(self, derivations: bool = True) -> dict[str, Any]:
        """``derivations``: the actual, the year before and the headline span's
        year-to-date answer with their derivations, the earlier spans' (a complete year
        tested from each of its spans) with their figures alone (``Answer.figures_dict``):
        with theirs, the same published figures would stand once per span. Without
        ``derivations``, every answer with its figures (a backtest's years)."""
        headline = self.headline

        def answer(a: Answer | None) -> dict[str, Any] | None:
            if a is None:
                return None
            return a.to_dict() if derivations else a.figures_dict()

        return {
            **self.key.to_dict(),
            "year": self.year,
            "complete": self.complete,
            "actual": answer(self.actual),
            "last_full_year": answer(self.last_full),
            "spans": [
                {
                    **s.to_dict(derivations and s is headline),
                    "errors": {str(p.method): self.error(p) for p in s.by_method},
                }
                for s in self.spans
            ],
        }


def _tested_dict(tested: SeriesProjection) -> dict[str, Any]:
    """A backtest's year in the JSON: its answers by their figures."""
    return tested.to_dict(derivations=False)


@dataclass(frozen=True)
class BacktestError:
    """The errors of one method at one number of months covered, over the years tested."""

    key: SeriesKey
    months: int
    method: Method
    errors: tuple[tuple[int, float], ...]  # (year, error)

    @cached_property  # the table and the records both read it
    def mean_absolute(self) -> float:
        return exact_mean([abs(e) for _, e in self.errors])

    @cached_property
    def mean(self) -> float:
        return exact_mean([e for _, e in self.errors])

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.key.to_dict(),
            "months": self.months,
            "method": str(self.method),
            "years": [y for y, _ in self.errors],
            "errors": [e for _, e in self.errors],
            "mean_absolute_error": self.mean_absolute,
            "mean_error": self.mean,
        }


def backtest_errors(tested: Sequence[SeriesProjection]) -> list[BacktestError]:
    table: dict[tuple[SeriesKey, int, Method], list[tuple[int, float]]] = {}
    for sp in tested:
        for span in sp.spans:
            for p in span.by_method:
                error = sp.error(p)
                if error is not None:
                    table.setdefault((sp.key, p.months, p.method), []).append((sp.year, error))
    return [
        BacktestError(key, months, method, tuple(sorted(errors)))
        for (key, months, method), errors in sorted(table.items())
    ]


@dataclass(frozen=True)
class ProjectionResult:
    year: int
    method: Method
    series: list[SeriesProjection]
    unanswered: list[tuple[SeriesKey, str]] = field(default_factory=list)
    as_of: int | None = None
    vintage: str | None = None
    left_out: dict[str, int] = field(default_factory=dict)
    backtest: Sequence[SeriesProjection] | None = None
    # The backtest of the simple keys from the arrays (``backtest_bulk``): the report's
    # records and table from it; ``backtest`` is then made only when looked at.
    arrays: SimpleBacktest | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return self._dict(lazy=False)

    def payload(self) -> dict[str, Any]:
        """``to_dict()`` with each backtest year's dict made when its JSON is written, and
        let go after (``json_text.Each``): the report's JSON payload."""
        return self._dict(lazy=True)

    def _dict(self, lazy: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "year": self.year,
            "method": str(self.method),
            "as_of": month_iso(self.as_of) if self.as_of is not None else None,
            "vintage": self.vintage,
            "left_out": self.left_out,
            "series": Each(self.series, methodcaller("to_dict"))
            if lazy
            else [s.to_dict() for s in self.series],
            "unanswered": [{**k.to_dict(), "reason": r} for k, r in self.unanswered],
        }
        if self.backtest is not None:
            out["backtest"] = {
                # Each tested year's answers by their figures: with their derivations, the
                # published figures of a year stood in it once per span (175 KB a year of
                # a monthly series; 100,000 rows made gigabytes).
                "tested": (
                    Each(self.backtest, _tested_dict)
                    if lazy
                    else [_tested_dict(s) for s in self.backtest]
                ),
                "errors": (
                    self.arrays.error_dicts(backtest_errors(self.arrays.others))
                    if lazy and self.arrays is not None
                    else [e.to_dict() for e in self.backtest_errors]
                ),
            }
        return out

    @cached_property
    def backtest_errors(self) -> list[BacktestError]:
        """``backtest_errors`` of the years tested, worked out once for the table, the
        records and the payload (empty without ``--backtest``)."""
        return backtest_errors(self.backtest or [])

    def report(self, every: bool = False) -> Report:
        """What ``tradecli project`` shows: built in ``analysis.projection_report``;
        ``every``: the series with nothing for the year as rows too (``--all``)."""
        from tradecli.analysis.projection_report import ProjectionReport

        return ProjectionReport(self, every).report()


# -- computation -------------------------------------------------------------------


def project_from(
    engine: Engine,
    basis: Answer,
    method: Method,
    last_full: Answer | None = None,
    plan: Plan | None = None,
) -> Projection:
    """Project the year of ``basis`` (Jan..m, found) by one method (``plan``: the series'
    plan from the bulk helper, which says which spans are found)."""
    assert basis.value is not None and basis.period.is_year_to_date
    key, year, months = basis.key, basis.period.start_year, basis.period.n_months
    if last_full is None:
        last_full = engine.value(key, Period.year(year - 1))
    if method is Method.linear:
        return Projection(method, basis, linear(basis.value, months), last_full)
    if method is Method.seasonal:
        history = seasonal_history(engine, key, year, months, plan)
        if not history:
            return Projection(
                method,
                basis,
                None,
                last_full,
                reason=f"no earlier year has both {_months_label(months)} and its full year",
            )
        value, low, high = seasonal(basis.value, [h.share for h in history])
        return Projection(method, basis, value, last_full, low, high, tuple(history))
    base_ytd = engine.value(key, basis.period.shifted_years(-1))
    if not last_full.found:
        return Projection(
            method, basis, None, last_full, base_ytd=base_ytd, reason=f"no {year - 1} total"
        )
    if not base_ytd.found or not base_ytd.value:
        return Projection(
            method,
            basis,
            None,
            last_full,
            base_ytd=base_ytd,
            reason=f"no {base_ytd.period.label()} figure",
        )
    assert last_full.value is not None
    value = ytd_growth(basis.value, base_ytd.value, last_full.value)
    return Projection(method, basis, value, last_full, base_ytd=base_ytd)


def _months_label(months: int) -> str:
    return "January" if months == 1 else f"Jan–{MONTH_ABBR[months - 1]}"


def seasonal_history(
    engine: Engine, key: SeriesKey, year: int, months: int, plan: Plan | None = None
) -> list[HistoryYear]:
    """Up to ``HISTORY_YEARS`` most recent earlier years with both Jan..m and the full year."""
    out: list[HistoryYear] = []
    years = plan.years if plan is not None else years_in(engine, key)
    for earlier in sorted((y for y in years if y < year), reverse=True):
        if plan is not None and not (plan.found(earlier, 12) and plan.found(earlier, months)):
            continue  # one of the two is not found: the engine would say so
        full = engine.value(key, Period.year(earlier))
        if not full.found or not full.value or full.value <= 0:
            continue
        ytd = engine.value(key, Period.ytd(earlier, months))
        if ytd.found and ytd.value is not None and ytd.value > 0:
            out.append(HistoryYear(ytd, full))
        if len(out) == HISTORY_YEARS:
            break
    return out


def project_span(
    engine: Engine,
    basis: Answer,
    method: Method,
    last_full: Answer | None = None,
    plan: Plan | None = None,
) -> SpanProjections:
    """Every requested method on one span, and the chosen one (auto: seasonal, else linear)."""
    if method is not Method.auto:
        p = project_from(engine, basis, method, last_full, plan)
        return SpanProjections(basis, (p,), p, f"{method} (asked for)")
    by_method = tuple(project_from(engine, basis, m, last_full, plan) for m in METHODS)
    years = [h.full.period.start_year for h in by_method[1].history]
    return auto_choice(basis, by_method, years)


def auto_choice(
    basis: Answer, by_method: tuple[Projection, ...], years: Sequence[int]
) -> SpanProjections:
    """auto's pick among ``by_method`` (in ``METHODS`` order): seasonal where it is found
    (``years``: the earlier years it used), else linear; with the reason."""
    linear_p, seasonal_p = by_method[0], by_method[1]
    if seasonal_p.found:
        n = len(years)
        why = (
            f"auto chose seasonal: {n} earlier year{'s' if n != 1 else ''} "
            f"({', '.join(str(y) for y in years)}) {'have' if n != 1 else 'has'} both "
            f"{_months_label(basis.period.n_months)} and the full year"
        )
        return SpanProjections(basis, by_method, seasonal_p, why)
    return SpanProjections(basis, by_method, linear_p, f"auto chose linear: {seasonal_p.reason}")


def ytd_spans(
    engine: Engine, key: SeriesKey, year: int, plan: Plan | None = None, longest: bool = False
) -> list[Answer]:
    """The year-to-date spans Jan..m (m < 12) of ``year`` the data answers, shortest first
    (``longest``: the longest alone, the spans below it not asked)."""
    months = [m for m in range(1, 12) if plan is None or plan.found(year, m)]
    if longest:
        months.reverse()
    answers = (engine.value(key, Period.ytd(year, m)) for m in months)
    found = (a for a in answers if a.found and a.value is not None)
    if longest:
        return list(itertools.islice(found, 1))
    return list(found)


def project_series(
    engine: Engine,
    key: SeriesKey,
    year: int,
    method: Method = Method.auto,
    plan: Plan | None = None,
) -> SeriesProjection | str:
    """The projection of ``year`` for one series, or the reason there is none (``plan``:
    the series' plan from the bulk helper, which says which spans are found)."""
    actual = engine.value(key, Period.year(year))
    last_full = engine.value(key, Period.year(year - 1))
    # Without the year's figure only its longest year-to-date span is projected.
    spans = ytd_spans(engine, key, year, plan, longest=not actual.found)
    if not actual.found and not spans:
        years = list(plan.years) if plan is not None else years_in(engine, key)
        shown = ", ".join(str(y) for y in years[-8:]) or "none"
        return f"no figure for {year} or any of its year-to-date spans; years in the data: {shown}"
    projected = tuple(project_span(engine, a, method, last_full, plan) for a in spans)
    return SeriesProjection(
        key,
        year,
        method,
        actual if actual.found else None,
        last_full if last_full.found else None,
        projected,
    )


def project(
    dataset: Dataset,
    keys: list[SeriesKey],
    year: int,
    method: Method = Method.auto,
    backtest: bool = False,
) -> ProjectionResult:
    """Project ``year`` for every series that has something of it; raise when none has."""
    check_year(year)
    engine = dataset.engine
    columnar = None
    if bulk_engine.enabled(len(keys)):
        # The columnar path (``engine.bulk``): the spans of simple keys from arrays.
        from tradecli.analysis.summary_bulk import YearAnswers

        columnar = YearAnswers(dataset, keys)
    rest = len(keys) - (len(columnar.number) if columnar is not None else 0)
    bulk = bulk_for(engine, rest) if rest else None
    found: list[SeriesProjection] = []
    unanswered: list[tuple[SeriesKey, str]] = []
    simple: dict[SeriesKey, SeriesProjection | str] = {}
    if columnar is not None:
        from tradecli.analysis.projection_bulk import project_simple

        simple = project_simple(columnar, keys, year, method)
    for key in keys:
        plan: Plan | None
        if key in simple:
            result = simple[key]
        else:
            plan = bulk.plan(key) if bulk is not None else None
            result = project_series(engine, key, year, method, plan)
        if isinstance(result, str):
            unanswered.append((key, result))
        else:
            found.append(result)
    tested: Sequence[SeriesProjection] | None = None
    arrays: SimpleBacktest | None = None
    if backtest and columnar is not None:
        from tradecli.analysis.backtest_bulk import Tested, simple_backtest

        arrays = simple_backtest(columnar, keys, year, method)
        left = set(arrays.rest)
        left_keys = [k for k in keys if not columnar.simple(k) or k in left]
        others = backtest_series(engine, left_keys, year, method, columnar if left else None)
        arrays = replace(arrays, others=others)
        count = arrays.n_tested + len(others)
        tested = Tested(partial(each_tested, engine, keys, year, method, columnar), count)
        if not arrays.n_tested and not others:
            raise NotAvailable(_NOTHING_TO_BACKTEST.format(year=year))
    elif backtest:
        tested = backtest_series(engine, keys, year, method, columnar)
        if not tested:
            raise NotAvailable(_NOTHING_TO_BACKTEST.format(year=year))
    elif not found:
        reasons = "; ".join(f"{k.reporter}–{k.partner}: {r}" for k, r in unanswered[:6])
        raise NotAvailable(f"nothing to project {year} from: {reasons}")
    found.sort(key=lambda s: usd_first(s.key, s.size))
    filters = dataset.filters
    return ProjectionResult(
        year,
        method,
        found,
        unanswered,
        filters.as_of,
        filters.vintage,
        dict(dataset.left_out),
        tested,
        arrays,
    )


def backtest_series(
    engine: Engine,
    keys: list[SeriesKey],
    year: int,
    method: Method = Method.auto,
    columnar: YearAnswers | None = None,
) -> list[SeriesProjection]:
    """Every year up to ``year`` with an actual, projected from each of its year-to-date spans
    (``columnar``: the simple keys' from the arrays, a year at a time)."""
    return list(each_tested(engine, keys, year, method, columnar))


# The simple keys' projections are made a block of keys at a time, about this many of the
# arrays' rows (years of a key) in a block: the JSON of a whole file's backtest writes
# them as they are made (dense 1M: 1.3 million series-years, 3.4 GB when all were made
# before the first was written). Each block looks at its own rows alone. A row tested
# is up to 33 projections (11 spans, 3 methods) and their answers, 25-30 KB: dense 200k
# peaked at 538 MB with blocks of 4096 rows, 258 MB with 512 (and no slower: 14.6 CPU s).
BLOCK_ROWS = 512


def each_tested(
    engine: Engine,
    keys: list[SeriesKey],
    year: int,
    method: Method = Method.auto,
    columnar: YearAnswers | None = None,
) -> Iterator[SeriesProjection]:
    """``backtest_series``, one series-year at a time (in its order), a block of keys'
    made together and let go once handed on."""
    rest = [k for k in keys if columnar is None or not columnar.simple(k)]
    bulk = bulk_for(engine, len(rest)) if rest else None
    for block in _blocks(keys, columnar):
        by_year = _simple_years(columnar, block, year, method) if columnar is not None else {}
        for key in block:
            if columnar is not None and columnar.simple(key):
                for y in columnar.plan(key).years:
                    if y > year:
                        break
                    found = by_year[y].get(key)
                    if isinstance(found, SeriesProjection) and found.spans:
                        yield found
                continue
            plan = bulk.plan(key) if bulk is not None else None
            for y in plan.years if plan is not None else years_in(engine, key):
                if y > year:
                    break
                result = project_series(engine, key, y, method, plan)
                if isinstance(result, SeriesProjection) and result.complete and result.spans:
                    yield result


def _blocks(keys: list[SeriesKey], columnar: YearAnswers | None) -> Iterator[list[SeriesKey]]:
    """``keys`` in turn, in blocks of about ``BLOCK_ROWS`` rows of the arrays (the keys
    the arrays do not take count for none: each is made on its own)."""
    if columnar is None:
        yield keys
        return
    bounds = columnar.ky.bounds
    block: list[SeriesKey] = []
    rows = 0
    for key in keys:
        block.append(key)
        k = columnar.number.get(key)
        if k is not None:
            rows += int(bounds[k + 1] - bounds[k])
        if rows >= BLOCK_ROWS:
            yield block
            block, rows = [], 0
    if block:
        yield block


def _simple_years(
    columnar: YearAnswers, block: list[SeriesKey], year: int, method: Method
) -> dict[int, dict[SeriesKey, SeriesProjection | str]]:
    """The projections of each year up to ``year`` of the simple keys of ``block``."""
    from tradecli.analysis.projection_bulk import project_simple

    numbers = [k for k in map(columnar.number.get, block) if k is not None]
    if not numbers:
        return {}
    within = (min(numbers), max(numbers) + 1)
    ky = columnar.ky
    years = ky.year[int(ky.bounds[within[0]]) : int(ky.bounds[within[1]])]
    return {
        y: project_simple(columnar, block, y, method, complete=True, within=within)
        for y in sorted(set(years.tolist()))
        if y <= year
    }
