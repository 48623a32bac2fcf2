"""The report of ``tradecli project``: the overview of many series, the detail of one,
the backtest table, and their notes. Out of ``projection``, which computes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from tradecli.analysis.growth import qualified, usd_first
from tradecli.analysis.projection import (
    METHODS,
    RULES,
    BacktestError,
    Method,
    Projection,
    ProjectionResult,
    SeriesProjection,
    SpanProjections,
    backtest_errors,
    projection_range,
)
from tradecli.engine.answers import NOT_AVAILABLE, Answer, SeriesKey
from tradecli.formatting import capped, money
from tradecli.observations import EXCLUDED_FLAGS
from tradecli.periods import Period, month_iso
from tradecli.records import KEY_FIELDS, flag_note, flagged, flags_of
from tradecli.render import Column, Kind, Report

# ``project``: ``period`` is the projected year, ``value`` the projection, ``low``/``high``
# the method's range (seasonal) widened by the range of approximate year-to-date figures.
PROJECTION_FIELDS = [
    "method",
    "chosen",
    "basis_period",
    "basis_value",
    "implied_change",
    "actual",
    "error",
]


# ``project --backtest``: ``value`` is a method's mean absolute error over the years tested
# (``period``; ``years`` lists them), ``low``/``high`` the smallest and largest absolute
# error of those years; each year's error is in the JSON payload (``backtest.errors``).
BACKTEST_FIELDS = ["method", "months", "years", "n", "mean_error"]


class ProjectionReport:
    """Builds a ``ProjectionResult``'s report."""

    def __init__(self, result: ProjectionResult, every: bool = False) -> None:
        self.result = result
        self.every = every  # --all: the series with nothing for the year as rows too
        self.year = result.year
        self.method = result.method
        self.series = result.series
        self.unanswered = result.unanswered
        self.as_of = result.as_of
        self.vintage = result.vintage
        self.left_out = result.left_out
        self.backtest = result.backtest

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    def payload(self) -> dict[str, Any]:
        return self.result.payload()

    def report(self) -> Report:
        explain: list[str] | Callable[[], list[str]]
        if self.backtest is not None:
            columns, rows, notes, explain = self._backtest_table()
            title = f"Backtest: mean absolute projection error (years up to {self.year})"
        elif len(self.series) == 1 and not (self.every and self.unanswered):
            columns, rows, notes, explain = self._detail(self.series[0])
            s = self.series[0]
            title = f"Projection of {self.year}: {s.key.label()}"
        else:
            columns, rows, notes, explain = self._overview()
            title = f"Projection of {self.year} ({self._flow()})"
        notes.extend(self._common_notes())
        if self.backtest is None:
            notes.extend(flag_note(self._shown_inputs()))
        if self.backtest is not None:  # errors by months covered, keyed by series
            fields = [*KEY_FIELDS, *BACKTEST_FIELDS]
            return Report(
                title, columns, rows, self.payload, notes, explain, fields, self.backtest_records
            )
        fields = [*KEY_FIELDS, *PROJECTION_FIELDS]
        return Report(title, columns, rows, self.payload, notes, explain, fields, self.records)

    def records(self) -> list[dict[str, Any]]:
        """Keyed records: with one series, every span and method; else each series'
        headline (its latest span, the chosen method)."""
        out = []
        for s in self.series:
            spans = s.spans if len(self.series) == 1 else [s.headline] if s.headline else []
            for span in spans:
                for p in span.by_method if len(self.series) == 1 else [span.chosen]:
                    out.append(self._record(s, span, p))
        return out

    def _record(self, s: SeriesProjection, span: SpanProjections, p: Projection) -> dict[str, Any]:
        low, high = projection_range(p)
        return {
            **s.key._asdict(),
            "unit": "unit",
            "period": Period(self.year * 12, self.year * 12 + 11).iso(),
            "value": p.value,
            "low": low,
            "high": high,
            "approximate": bool(span.basis.qualifiers),
            "flags": ";".join(p.input_flags()),
            "method": str(p.method),
            "chosen": p is span.chosen,
            "basis_period": span.basis.period.iso(),
            "basis_value": span.basis.value,
            "implied_change": p.implied_change,
            "actual": s.actual.value if s.actual else None,
            "error": s.error(p) if s.complete else None,
        }

    def backtest_records(self) -> list[dict[str, Any]]:
        """``--backtest``: one keyed record per series, months covered and method: ``value``
        is the mean absolute error (a ratio: 0.05 is 5%), ``period`` the years tested
        (``2021-01/2023-12``), ``low``/``high`` the smallest and largest absolute error;
        ``approximate`` and ``flags`` are those of every figure the projections and the
        actuals used."""
        return [r for _, r in self._keyed_backtest_records]

    @cached_property
    def _keyed_backtest_records(self) -> list[tuple[SeriesKey, dict[str, Any]]]:
        """The backtest's records with their series, sorted by series, months covered and
        method: those the arrays made (``backtest_bulk``) and those of the objects."""
        methods = [m for m in METHODS if self.method in (Method.auto, m)]
        arrays = self.result.arrays
        if arrays is None:
            return backtest_object_records(
                self.backtest or [], self.result.backtest_errors, methods
            )
        by_key = dict(arrays.records)
        others = backtest_object_records(arrays.others, backtest_errors(arrays.others), methods)
        for key, record in others:
            by_key.setdefault(key, []).append(record)
        return [(key, record) for key in sorted(by_key) for record in by_key[key]]

    def _shown_inputs(self) -> list[Answer | None]:
        """The answers behind the table's figures: with one series, every span and
        method; else each series' headline projection."""
        out: list[Answer | None] = []
        for s in self.series:
            spans = s.spans if len(self.series) == 1 else [s.headline] if s.headline else []
            for span in spans:
                for p in span.by_method if len(self.series) == 1 else [span.chosen]:
                    # Only a flagged figure is named: the inputs of a projection with one.
                    if p.found and projection_flagged(p):
                        out.extend(p.inputs())
                    elif not p.found:
                        out.append(p.basis)
        return out

    def _flow(self) -> str:
        return self.series[0].key.flow if self.series else "turnover"

    def _common_notes(self) -> list[str]:
        notes = []
        if self.as_of is not None:
            notes.append(f"as of {month_iso(self.as_of)}: spans ending later are left out")
        if self.vintage is not None:
            notes.append(f"vintage {self.vintage}: only figures published by then")
        notes.extend(
            f"{count} observations left out: {why}" for why, count in self.left_out.items()
        )
        if self.unanswered and self.backtest is None and not self.every:
            notes.append(
                f"{len(self.unanswered)} series with nothing for {self.year} (not shown; "
                "--all shows them): "
                + capped([f"{k.reporter}–{k.partner}" for k, _ in self.unanswered])
            )
        return notes

    def _method_label(self, span: SpanProjections, p: Projection) -> str:
        chosen = self.method is Method.auto and len(span.by_method) > 1 and p is span.chosen
        return f"{p.method} (auto)" if chosen else str(p.method)

    def _overview(
        self,
    ) -> tuple[list[Column], list[dict[str, Any]], list[str], Callable[[], list[str]]]:
        prev = self.year - 1
        ranged = any(s.headline and _range(s.headline.chosen) for s in self.series)
        columns = [
            Column("series", "series"),
            Column("basis", "from"),
            Column("method", "method"),
            Column("projection", "projection", Kind.money),
            Column("range", "range", table=bool(ranged)),
            Column("low", "low", Kind.money, table=False),
            Column("high", "high", Kind.money, table=False),
            Column("implied_change", f"on {prev}", Kind.percent, priority=2),
            Column("actual", "actual", Kind.money, priority=2),
        ]
        rows = []
        for s in self.series:
            head = s.headline
            p = head.chosen if head else None
            rows.append(
                {
                    "series": f"{s.key.reporter}–{s.key.partner}",
                    "currency": s.key.currency,
                    "basis": _basis_label(head.basis) if head else None,
                    "method": p.method if p and p.found else None,
                    "projection": p.value if p else None,
                    "projection_flagged": bool(p and p.found and projection_flagged(p)),
                    **(_approximate_range(p) if p else {}),
                    "range": _range(p) if p else None,
                    "low": p.low if p else None,
                    "high": p.high if p else None,
                    "implied_change": p.implied_change if p else None,
                    "actual": s.actual.value if s.actual else None,
                }
            )
        if self.every:
            rows.extend(
                {
                    "series": f"{k.reporter}–{k.partner}",
                    "currency": k.currency,
                    "basis": NOT_AVAILABLE,
                }
                for k, _ in self.unanswered
            )
        series = self.series

        def explain() -> list[str]:  # built only for --explain
            lines: list[str] = []
            for s in series:
                p = s.headline.chosen if s.headline else None
                if s.actual is not None:
                    lines.extend(s.actual.explain())
                if p is not None:
                    lines.extend(p.explain())
            return lines

        notes = [f"{m}: {RULES[m]}" for m in METHODS if self.method in (Method.auto, m)]
        if self.method is Method.auto:
            notes.append(
                "auto: seasonal where an earlier year has the same months and its full "
                "year, else linear"
            )
        done = [s for s in self.series if s.complete]
        if done:
            notes.append(
                f"{self.year} is complete in the data for {len(done)} series: the actual is shown "
                "beside the projection from the latest year-to-date span; --partner for every "
                "span and method"
            )
        for s in self.series:
            head = s.headline
            if head and head.basis.qualifiers:
                notes.append(
                    f"{s.key.reporter}–{s.key.partner}: {head.basis.period.label()} was "
                    f"published as '{qualified(head.basis)}': the projection is "
                    "approximate too"
                )
        return columns, rows, notes, explain

    def _detail(
        self, s: SeriesProjection
    ) -> tuple[list[Column], list[dict[str, Any]], list[str], list[str]]:
        prev = self.year - 1
        columns = [
            Column("basis", "from"),
            Column("ytd", "YTD", Kind.money),
            Column("method", "method", priority=2),
            Column("projection", "projection", Kind.money, priority=2),
            Column("range", "range", wrap=True),
            Column("low", "low", Kind.money, table=False),
            Column("high", "high", Kind.money, table=False),
            Column("implied_change", f"on {prev}", Kind.percent, priority=2),
        ]
        if s.complete:
            columns.append(Column("error", "vs actual", Kind.percent))
        rows = []
        explain: list[str] = []
        if s.actual is not None:
            explain.extend(s.actual.explain())
        for span in s.spans:
            for p in span.by_method:
                row = {
                    "series": f"{s.key.reporter}–{s.key.partner}",
                    "currency": s.key.currency,
                    "basis": _basis_label(span.basis),
                    "ytd": span.basis.value,
                    "ytd_flagged": bool(flagged(span.basis)),
                    "method": self._method_label(span, p),
                    "projection": p.value,
                    "projection_flagged": p.found and projection_flagged(p),
                    **_approximate_range(p),
                    "range": _range(p) if p.found else _short_reason(p),
                    "low": p.low,
                    "high": p.high,
                    "implied_change": p.implied_change,
                }
                if s.complete:
                    row["error"] = s.error(p)
                rows.append(row)
                if p.found:
                    explain.extend(p.explain())
        return columns, rows, self._headline_notes(s), explain

    def _headline_notes(self, s: SeriesProjection) -> list[str]:
        notes: list[str] = []
        cur = s.key.currency
        prev = self.year - 1
        if s.actual is not None:
            notes.append(
                f"{self.year} is complete in the data: {qualified(s.actual)} ({s.actual.rule}). "
                f"The rows show what each method would have projected from each year-to-date "
                f"span of {self.year}."
            )
        head = s.headline
        if head is None:
            return notes
        p = head.chosen
        if self.method is Method.auto and len(head.by_method) > 1:
            notes.append(head.why)
        missing = [p for span in s.spans for p in span.by_method if not p.found]
        for reason in dict.fromkeys(
            f"{p.method}: {p.reason}" for p in missing if p.method is Method.seasonal
        ):
            notes.append(f"n/c (not computable) {reason}")
        if s.actual is None and p.found:
            text = (
                f"{p.method} projection from {head.basis.period.label()} "
                f"({qualified(head.basis)}): {_q(p)}{money(p.value, cur)}"
            )
            if p.last_full is not None and p.last_full.found:
                text += f", {_pct(p.implied_change)} on {prev} ({qualified(p.last_full)})"
            notes.append(text)
            if p.to_match_last_year is not None:
                implied = (
                    ""
                    if p.method is Method.linear
                    else f"; the projection implies {money(p.rest_monthly, cur)}/month"
                )
                notes.append(
                    f"to match {prev}, the remaining {12 - p.months} months need "
                    f"{money(p.to_match_last_year, cur)}/month; so far "
                    f"{money(p.rate_so_far, cur)}/month{implied}"
                )
            elif p.rest_monthly is not None:
                notes.append(
                    f"the projection implies {money(p.rest_monthly, cur)}/month for the remaining "
                    f"{12 - p.months} months (so far {money(p.rate_so_far, cur)}/month); "
                    f"no {prev} total to compare with"
                )
        elif s.actual is None:
            notes.append(f"{p.method}: not computable ({p.reason})")
        if head.basis.qualifiers:
            notes.append(
                f"{head.basis.period.label()} was published as "
                f"'{qualified(head.basis)}': the projection is approximate too"
            )
        return notes

    def _backtest_table(
        self,
    ) -> tuple[list[Column], list[dict[str, Any]], list[str], Callable[[], list[str]]]:
        tested = self.backtest if self.backtest is not None else []
        methods = [m for m in METHODS if self.method in (Method.auto, m)]
        columns = [Column("series", "series"), Column("months", "months", Kind.number)]
        for m in methods:
            columns.append(Column(f"{m}_mae", str(m), Kind.share))
            columns.append(Column(f"{m}_n", "n", Kind.number))
        rows: dict[tuple[SeriesKey, int], dict[str, Any]] = {}
        for key, record in self._keyed_backtest_records:
            row = rows.setdefault(
                (key, record["months"]),
                {
                    "series": f"{key.reporter}–{key.partner}",
                    "currency": key.currency,
                    "months": record["months"],
                },
            )
            row[f"{record['method']}_mae"] = record["value"]
            row[f"{record['method']}_n"] = record["n"]
        arrays = self.result.arrays
        largest = (
            {**arrays.largest, **_largest(arrays.others)}
            if arrays is not None
            else _largest(tested)
        )
        order = sorted(rows, key=lambda k: (usd_first(k[0], largest.get(k[0], 0.0)), k))
        notes = [
            "each method's mean absolute error against the year's actual total, by months "
            "covered by the year-to-date span; n: years tested",
            f"tested: every year up to {self.year} with a full-year figure, projected from each "
            "of its year-to-date spans",
        ]

        def explain() -> list[str]:  # built only for --explain
            lines: list[str] = []
            for sp in tested:
                lines.append(
                    f"{sp.key.label()} {sp.year}: actual {qualified(sp.actual)}"
                    if sp.actual
                    else f"{sp.key.label()} {sp.year}"
                )
                for span in sp.spans:
                    for p in span.by_method:
                        if p.method in methods:
                            err = sp.error(p)
                            lines.append(
                                f"  {span.basis.period.label()}: {p.formula()}"
                                + (f"; error {_pct(err)}" if err is not None else "")
                            )
            return lines

        return columns, [rows[k] for k in order], notes, explain


def backtest_object_records(
    tested: Sequence[SeriesProjection], errors: Sequence[BacktestError], methods: list[Method]
) -> list[tuple[SeriesKey, dict[str, Any]]]:
    """The records of ``errors`` (``backtest_errors(tested)``) of ``methods``, each with
    its series (``ProjectionReport.backtest_records``)."""
    # The flags of every figure used (inputs and actuals), and where one is approximate.
    flags_used: dict[tuple[SeriesKey, int, Method], set[str]] = {}
    approximate: set[tuple[SeriesKey, int, Method]] = set()
    for sp in tested:
        if sp.actual is None:
            continue
        actual_flags = flags_of(sp.actual)  # the same for each span and method
        actual_approximate = bool(sp.actual.qualifiers)
        for span in sp.spans:
            for p in span.by_method:
                if sp.error(p) is not None:
                    used = (sp.key, p.months, p.method)
                    flags_used.setdefault(used, set()).update(p.input_flags(), actual_flags)
                    if actual_approximate or p.qualifiers:
                        approximate.add(used)
    out = []
    for e in errors:
        if e.method not in methods:
            continue
        used = (e.key, e.months, e.method)
        years = [y for y, _ in e.errors]
        sizes = [abs(err) for _, err in e.errors]
        record = backtest_record(
            e.key,
            tested_years(years),
            (e.mean_absolute, min(sizes), max(sizes), e.mean),
            used in approximate,
            ";".join(sorted(flags_used.get(used, ()))),
            str(e.method),
            e.months,
            len(years),
        )
        out.append((e.key, record))
    return out


def tested_years(years: Sequence[int]) -> tuple[str, str]:
    """A backtest record's ``period`` (the years tested, whole: ``2021-01/2023-12``) and
    ``years`` (``2021;2022;2023``)."""
    return Period(min(years) * 12, max(years) * 12 + 11).iso(), ";".join(map(str, years))


def backtest_record(
    key: SeriesKey,
    years: tuple[str, str],
    errors: tuple[float, float, float, float],
    approximate: bool,
    flags: str,
    method: str,
    months: int,
    n: int,
) -> dict[str, Any]:
    """One record of ``ProjectionReport.backtest_records``, its fields in their order, on
    both paths (``backtest_bulk``): ``years`` from ``tested_years``; ``errors`` the mean
    absolute error, the smallest and largest absolute error, and the mean error."""
    mean_absolute, low, high, mean_error = errors
    return {
        **key._asdict(),
        "unit": "ratio",
        "period": years[0],
        "value": mean_absolute,
        "low": low,
        "high": high,
        "approximate": approximate,
        "flags": flags,
        "method": method,
        "months": months,
        "years": years[1],
        "n": n,
        "mean_error": mean_error,
    }


def _approximate_range(p: Projection) -> dict[str, float | None]:
    """``projection_low``/``projection_high`` (the records' ``low``/``high``), which the
    table shows beside the projection, when its year-to-date figure was approximate; an
    exact one's range is the method's own, in the ``range`` column."""
    if not p.found or not p.basis.qualifiers:
        return {}
    low, high = projection_range(p)
    return {"projection_low": low, "projection_high": high}


def projection_flagged(p: Projection) -> bool:
    return any(f in EXCLUDED_FLAGS for f in p.input_flags())


def _largest(tested: Sequence[SeriesProjection]) -> dict[SeriesKey, float]:
    """Each tested key's largest actual (0.0 for one without a value)."""
    out: dict[SeriesKey, float] = {}
    for s in tested:
        if s.actual is not None:
            value = s.actual.value or 0.0
            out[s.key] = max(out[s.key], value) if s.key in out else value
    return out


def _basis_label(basis: Answer) -> str:
    quals = ", ".join(sorted(basis.qualifiers))
    return f"{basis.period.label()} ({quals})" if quals else basis.period.label()


def _range(p: Projection) -> str | None:
    """The seasonal low–high range (None with a single year of history: no range)."""
    if p.low is None or p.high is None or len(p.history) < 2:
        return None
    return f"{money(p.low, p.key.currency)}–{money(p.high, p.key.currency)}"


def _short_reason(p: Projection) -> str:
    """A not-computable reason short enough for a table cell."""
    if p.method is Method.seasonal:
        return "n/c: no history"
    return "n/c: " + p.reason.removesuffix(" figure")


def _q(p: Projection) -> str:
    return " ".join(sorted(p.basis.qualifiers)) + " " if p.basis.qualifiers else ""


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:+.1f}%"
