"""Projections of a year from its year-to-date spans, checked by hand arithmetic."""

from __future__ import annotations

import json
from collections import Counter
from statistics import mean

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tradecli import json_text
from tradecli.analysis.projection import (
    Method,
    SeriesProjection,
    backtest_errors,
    linear,
    project,
    project_from,
    project_series,
    seasonal,
    ytd_growth,
    ytd_spans,
)
from tradecli.dataset import Dataset, Filters, load
from tradecli.engine.answers import SeriesKey
from tradecli.engine.reference import Engine
from tradecli.errors import NotAvailable
from tradecli.groups import load_bundled
from tradecli.periods import Period, month_index

TJK = SeriesKey("AZE", "TJK", "turnover")


def _series(dataset: Dataset, year: int = 2023, method: Method = Method.auto) -> SeriesProjection:
    found = project_series(dataset.engine, TJK, year, method)
    assert isinstance(found, SeriesProjection), found
    return found


def test_the_formulas() -> None:
    assert linear(2.3e6, 7) == pytest.approx(2.3e6 * 12 / 7)
    assert ytd_growth(4.103, 3.828, 5.9) == pytest.approx(5.9 * 4.103 / 3.828)
    value, low, high = seasonal(10.0, [0.5, 0.25])
    assert (value, low, high) == pytest.approx((10 / 0.375, 10 / 0.5, 10 / 0.25))


def test_as_published_on_2023_09_14_linear_from_jan_jul() -> None:
    dataset = load(filters=Filters(vintage="2023-09-14"))
    s = _series(dataset)
    assert not s.complete
    head = s.headline
    assert head is not None and head.basis.period == Period.parse("2023-01/2023-07")
    p = head.chosen
    assert p.method is Method.linear  # no earlier Jan–Jul with its full year: auto falls back
    assert "auto chose linear" in head.why
    assert p.value == pytest.approx(2.3e6 * 12 / 7)
    assert s.last_full is not None and s.last_full.value == pytest.approx(5.8e6)
    assert p.implied_change == pytest.approx(2.3 * 12 / 7 / 5.8 - 1)
    assert round((p.implied_change or 0.0) * 100) == -32
    assert "over" in p.qualifiers
    assert p.to_match_last_year == pytest.approx((5.8e6 - 2.3e6) / 5)
    assert dataset.left_out  # later and undated figures were left out, and counted


def test_as_of_july_2023_uses_the_revised_2022() -> None:
    dataset = load(filters=Filters(as_of=month_index(2023, 7)))
    head = _series(dataset).headline
    assert head is not None
    p = head.chosen
    assert p.value == pytest.approx(2.3e6 * 12 / 7)
    assert p.last_full is not None and p.last_full.value == pytest.approx(5.9e6)
    assert round((p.implied_change or 0) * 100) == -33


def test_a_complete_year_is_said_and_each_span_projected(bundled: Dataset) -> None:
    s = _series(bundled)
    assert s.complete and s.actual is not None
    assert s.actual.value == pytest.approx(6.1e6)
    by_span = {span.basis.period: span for span in s.spans}
    jan_aug = by_span[Period.parse("2023-01/2023-08")]
    got = {p.method: p for p in jan_aug.by_method}
    assert got[Method.linear].value == pytest.approx(4.103e6 * 12 / 8)
    assert got[Method.ytd_growth].value == pytest.approx(5.9e6 * 4.103 / 3.828)
    shares = [3.828 / 5.9, 5.5 / 7.5]  # Jan–Aug / full year in 2022 and 2021
    seasonal_p = got[Method.seasonal]
    assert seasonal_p.value == pytest.approx(4.103e6 / mean(shares))
    assert seasonal_p.low == pytest.approx(4.103e6 / max(shares))
    assert seasonal_p.high == pytest.approx(4.103e6 / min(shares))
    # as the issue rounds them: $5.94M, range $5.60M–$6.32M
    assert seasonal_p.value == pytest.approx(5.94e6, abs=0.005e6)
    assert seasonal_p.low == pytest.approx(5.60e6, abs=0.006e6)  # 5.595…
    assert seasonal_p.high == pytest.approx(6.32e6, abs=0.005e6)
    assert jan_aug.chosen is seasonal_p
    assert s.error(got[Method.linear]) == pytest.approx(4.103 * 12 / 8 / 6.1 - 1)
    assert Period.parse("2023-01/2023-07") in by_span  # every year-to-date span of 2023


def test_asking_for_one_method_gives_only_that_method(bundled: Dataset) -> None:
    s = _series(bundled, method=Method.ytd_growth)
    assert all(len(span.by_method) == 1 for span in s.spans)
    assert all(span.chosen.method is Method.ytd_growth for span in s.spans)


def test_backtest_errors_by_months_covered(bundled: Dataset) -> None:
    result = project(bundled, [TJK], 2023, backtest=True)
    assert result.backtest is not None
    errors = {(e.months, e.method): e for e in backtest_errors(result.backtest)}
    # Jan–Aug and the full year: 2023 (4.103 of 6.1), 2022 (3.828 of 5.9), 2021 (5.5 of 7.5)
    expected = [4.103 * 12 / 8 / 6.1 - 1, 3.828 * 12 / 8 / 5.9 - 1, 5.5 * 12 / 8 / 7.5 - 1]
    linear_8 = errors[(8, Method.linear)]
    assert [y for y, _ in linear_8.errors] == [2021, 2022, 2023]
    assert linear_8.mean_absolute == pytest.approx(mean(abs(e) for e in expected))


def test_nothing_to_project_is_an_error(bundled: Dataset) -> None:
    with pytest.raises(NotAvailable, match=r"nothing to project 2031 from.*years in the data"):
        project(bundled, [TJK], 2031)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**8), min_size=12, max_size=12))
def test_a_linear_projection_of_a_complete_year_is_the_year(months: list[int]) -> None:
    rows = [obs(f"2022-{m:02d}", v) for m, v in enumerate(months, 1)]
    engine = Engine(frame(*rows))
    basis = engine.value(TJK, Period.ytd(2022, 12))
    assert basis.found
    p = project_from(engine, basis, Method.linear)
    assert p.value == pytest.approx(engine.value(TJK, Period.year(2022)).value)
    assert p.value == pytest.approx(sum(months))


@settings(max_examples=20, deadline=None)
@given(
    st.integers(min_value=1, max_value=11),
    st.floats(min_value=1.0, max_value=1e9),
    st.floats(min_value=0.01, max_value=0.99),
    st.floats(min_value=1.0, max_value=1e9),
)
def test_ytd_growth_and_one_year_seasonal_agree(
    m: int, full: float, share: float, ytd: float
) -> None:
    engine = Engine(
        frame(
            obs("2022", full),
            obs(f"2022-01/2022-{m:02d}", full * share),
            obs(f"2023-01/2023-{m:02d}", ytd),
        )
    )
    basis = engine.value(TJK, Period.ytd(2023, m))
    by_seasonal = project_from(engine, basis, Method.seasonal)
    by_growth = project_from(engine, basis, Method.ytd_growth)
    assert len(by_seasonal.history) == 1
    assert by_seasonal.value == pytest.approx(by_growth.value)


def test_the_longest_year_to_date_span_alone_is_asked_from_the_longest_down() -> None:
    """Jan, Jan..Feb and Jan..Apr of 2023 published (Jan..Mar not): ``longest`` gives
    Jan..Apr, asking Jan..Nov down to Jan..Apr only; without it every span is asked."""
    rows = [
        obs("2023-01", 10.0, flow="export"),
        obs("2023-01/2023-02", 25.0, flow="export"),
        obs("2023-01/2023-04", 61.0, flow="export"),
    ]
    engine = Engine(frame(*rows))
    asked: list[Period] = []
    value = engine.value

    def counted(key: SeriesKey, period: Period) -> object:
        asked.append(period)
        return value(key, period)

    engine.value = counted  # type: ignore[method-assign]
    key = SeriesKey("AZE", "TJK", "export")
    every = ytd_spans(engine, key, 2023)
    assert [(a.period.n_months, a.value) for a in every] == [(1, 10.0), (2, 25.0), (4, 61.0)]
    assert len(asked) == 11
    asked.clear()
    (longest,) = ytd_spans(engine, key, 2023, longest=True)
    assert (longest.period.n_months, longest.value) == (4, 61.0)
    assert [p.n_months for p in asked] == [11, 10, 9, 8, 7, 6, 5, 4]


def test_backtest_records_carry_the_flags_of_the_actual() -> None:
    """December 2023 is provisional: no year-to-date span Jan..m (m < 12) uses it, the
    actual (2023's total) does, so every record of 2023's backtest names the flag; 2022
    has none."""
    rows = [obs(f"{y}-{m:02d}", 10.0 + m) for y in (2022, 2023) for m in range(1, 12)]
    rows += [obs("2022-12", 30.0), obs("2023-12", 30.0, flags="provisional")]
    dataset = Dataset(frame(*rows), load_bundled(), [])
    records = project(dataset, [TJK], 2023, backtest=True).report().machine_records()
    assert len(records) == 3 * 11  # three methods, Jan..m for m = 1..11
    by_years = {r["years"]: r["flags"] for r in records}
    assert by_years == {"2022;2023": "provisional", "2023": "provisional"}


# -- the JSON of a backtest: figures once, not once per span ----------------------------

_DERIVATION = {"sources", "parts", "superseded", "resolution"}
_KEY = {"reporter", "partner", "flow", "currency", "sign"}


def _figures_of(answer_dict: dict[str, object]) -> dict[str, object]:
    """An answer's dict without its key and derivation: what ``figures_dict`` should be."""
    return {k: v for k, v in answer_dict.items() if k not in _DERIVATION | _KEY}


@pytest.mark.parametrize(
    "period", ["2023-01/2023-07", "2022", "2023-Q2", "2023-06", "2023", "2019-03"]
)
def test_figures_dict_is_the_answer_without_its_derivation(bundled: Dataset, period: str) -> None:
    """Approximate figures (a range, qualifiers), a year, a quarter, a month and a span
    with no figure (not available, with the spans there are)."""
    answer = bundled.engine.value(TJK, Period.parse(period))
    assert answer.figures_dict() == _figures_of(answer.to_dict())


def _monthly(years: range) -> Dataset:
    rows = [
        obs(f"{y}-{m:02d}", 100.0 * (y - 2000) + m + (flow == "import") * 7, flow=flow)
        for y in years
        for m in range(1, 13)
        for flow in ("export", "import")
    ]
    return Dataset(frame(*rows), load_bundled(), [])


def _walk(value: object) -> list[dict[str, object]]:
    """Every dict in a JSON value, at any depth."""
    if isinstance(value, dict):
        return [value, *(d for v in value.values() for d in _walk(v))]
    if isinstance(value, list):
        return [d for v in value for d in _walk(v)]
    return []


def test_backtest_json_names_each_published_figure_at_most_twice() -> None:
    """A turnover of monthly exports and imports over 2019-2023 tested from every span
    Jan..m: each tested year's answers are its figures (no sources, no parts); the year
    asked keeps the derivations of its actual, its year before and its headline span,
    so a published figure stands in the JSON at most twice (the actual's and the
    headline's month), not once per span (11 times a month of January)."""
    dataset = _monthly(range(2019, 2024))
    result = project(dataset, [TJK], 2023, backtest=True)
    payload = json.loads(json_text.dumps(result.to_dict()))

    lines = Counter(d["line"] for d in _walk(payload) if "line" in d and "published" in d)
    assert lines and max(lines.values()) <= 2
    # Every month of 2023 (the actual) and of 2022 (the year before) stands.
    assert len(lines) == 2 * 2 * 12

    tested = payload["backtest"]["tested"]
    assert [t["year"] for t in tested] == [2019, 2020, 2021, 2022, 2023]
    assert not [d for d in _walk(tested) if _DERIVATION & d.keys()]
    engine = dataset.engine
    for item in tested:
        year = item["year"]
        actual = engine.value(TJK, Period.parse(str(year)))
        assert item["actual"] == _figures_of(actual.to_dict())
        before = engine.value(TJK, Period.parse(str(year - 1)))
        assert item["last_full_year"] == (_figures_of(before.to_dict()) if year > 2019 else None)
        assert len(item["spans"]) == 11
        for months, span in enumerate(item["spans"], 1):
            ytd = engine.value(TJK, Period.parse(f"{year}-01/{year}-{months:02d}"))
            assert span["ytd"] == _figures_of(ytd.to_dict())
            assert span["ytd"]["value"] == sum(
                2 * (100.0 * (year - 2000) + m) + 7 for m in range(1, months + 1)
            )

    (series,) = payload["series"]
    *earlier, headline = series["spans"]
    assert headline["basis"] == "2023-01/2023-11" and "parts" in headline["ytd"]
    assert len(earlier) == 10 and not [d for d in _walk(earlier) if _DERIVATION & d.keys()]
    assert "parts" in series["actual"] and "parts" in series["last_full_year"]
