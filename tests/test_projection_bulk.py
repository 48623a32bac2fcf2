"""``project`` from the arrays (``analysis.projection_bulk``): its pieces by hand, and a
property holding its output equal, byte for byte and in every format, to the scalar
path's on long random histories (gaps, Jan..m figures, zero and negative values,
flagged and approximate figures, revisions)."""

from __future__ import annotations

import gc
import random
import statistics
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tests.test_bulk_arrays import with_year_to_date
from tests.test_bulk_engine import _bulk, _keys
from tradecli.analysis import projection
from tradecli.analysis.projection import Method, backtest_errors, exact_mean, project
from tradecli.analysis.projection_bulk import _history, project_simple
from tradecli.analysis.summary_bulk import YearAnswers
from tradecli.dataset import Dataset, Filters
from tradecli.engine.answers import SeriesKey
from tradecli.engine.bulk import BulkAnswer
from tradecli.engine.reference import Engine
from tradecli.errors import NotAvailable
from tradecli.groups import load_bundled
from tradecli.periods import Period
from tradecli.render import Output, OutputFormat, render

AZE_TJK = SeriesKey("AZE", "TJK", "export")


def test_exact_mean_rounds_once_by_hand() -> None:
    # 0.1 + 0.2 + 0.3 in floats is 0.6000000000000001, a third of which is
    # 0.20000000000000004; the exact sum of the three doubles is 0.60000000000000000555...,
    # a third of it 0.2000000000000000018..., whose nearest double is 0.2.
    assert (0.1 + 0.2 + 0.3) / 3 == 0.20000000000000004
    assert exact_mean([0.1, 0.2, 0.3]) == 0.2
    assert exact_mean([0.25]) == 0.25
    assert exact_mean([0.5, 0.25]) == 0.375
    assert exact_mean([1e-300, 3.0, 1e300]) == 1e300 / 3
    assert str(exact_mean([-0.0])) == "0.0"  # as statistics.mean: an exact 0
    assert exact_mean([float("inf"), 1.0]) == float("inf")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=20,
    )
)
def test_exact_mean_is_the_mean_of_statistics(values: list[float]) -> None:
    assert exact_mean(values) == statistics.mean(values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=2))
def test_exact_mean_of_one_or_two_is_the_mean_of_statistics(values: list[float]) -> None:
    """The floats' own path for one or two values (tiny, huge, subnormal, -0.0)."""
    assert str(exact_mean(values)) == str(statistics.mean(values))


def test_exact_mean_of_two_by_hand() -> None:
    # Rounding to even: half of the smallest subnormal is 0.0, one and a half of it is 2;
    # the sum of two huge values overflows; -0.0 and -0.0 have the exact mean 0.
    tiny = 5e-324
    assert exact_mean([tiny, 0.0]) == 0.0
    assert exact_mean([3 * tiny, 0.0]) == 2 * tiny
    assert exact_mean([1.7e308, 1.7e308]) == 1.7e308
    assert exact_mean([0.1, 0.2]) == 0.15000000000000002  # (0.1 + 0.2) / 2, rounded once
    assert str(exact_mean([-0.0, -0.0])) == "0.0"
    assert str(exact_mean([-tiny, 0.0])) == str(statistics.mean([-tiny, 0.0]))


def test_history_rows_by_hand() -> None:
    """One key, rows 0..5 = years 2018..2023; the span is Jan..2 of 2023 (row 5). Row 4
    (2022) has no full year; row 3 (2021) a full year of 0; rows 2, 1, 0 (2020, 2019,
    2018) have both, above 0: the three latest of them are 2, 1, 0. A second span, Jan..3
    of 2020 (row 2) of the same key, has only rows 1 and 0 before it, and row 1 lacks
    Jan..3."""
    found = np.ones((6, 12), dtype=bool)
    value = np.ones((6, 12))
    found[4, 11] = False
    value[3, 11] = 0.0
    found[1, 2] = False
    rows = _history(
        found, value, np.array([0, 0]), np.array([5, 2]), np.array([1, 2], dtype=np.int64)
    )
    assert rows.tolist() == [[2, 1, 0], [0, -1, -1]]


def _year(year: int, values: list[float], **kw: Any) -> list[dict[str, Any]]:
    return [obs(f"{year}-{m:02d}", v, flow="export", **kw) for m, v in enumerate(values, 1)]


def test_project_simple_by_hand() -> None:
    """2019, 2020 and 2022: full years of 1.0 a month but for January, 2.0 (Jan..2 = 3.0,
    the year 13.0: a share of 3/13); 2021 has a January of -1.0 (Jan..2 = 0.0: not above
    0, so not history); 2024 Jan..2 = 4 + 2 = 6.0, no 2023. Seasonal: 6 / (3/13) from
    2022, 2020 and 2019; linear 6 × 12 / 2 = 36; ytd-growth: no 2023 total. 2024 has no
    full year: its longest span alone is projected."""
    rows = _year(2021, [-1.0] + [1.0] * 11)
    for year in (2019, 2020, 2022):
        rows += _year(year, [2.0] + [1.0] * 11)
    rows += _year(2024, [4.0, 2.0])
    dataset = Dataset(frame(*rows), load_bundled(), [])
    with _bulk(True):
        answers = YearAnswers(dataset, [AZE_TJK])
        found = project_simple(answers, [AZE_TJK], 2024, Method.auto)[AZE_TJK]
        assert not isinstance(found, str)
        (span,) = found.spans
        assert isinstance(span.basis, BulkAnswer) and span.basis.value == 6.0
        linear, seasonal, growth = span.by_method
        assert linear.value == 36.0
        assert [h.full.period.start_year for h in seasonal.history] == [2022, 2020, 2019]
        assert [h.share for h in seasonal.history] == [3.0 / 13.0] * 3
        assert seasonal.value == 6.0 / (3.0 / 13.0)
        assert growth.value is None and growth.reason == "no 2023 total"
        assert span.chosen is seasonal
        assert span.why == (
            "auto chose seasonal: 3 earlier years (2022, 2020, 2019) have both Jan–Feb "
            "and the full year"
        )
        assert found.actual is None and found.last_full is None
        reason = project_simple(answers, [AZE_TJK], 2023, Method.linear)[AZE_TJK]
        assert reason == (
            "no figure for 2023 or any of its year-to-date spans; years in the data: "
            "2019, 2020, 2021, 2022, 2024"
        )


# -- the property: the arrays print what the scalar path prints ----------------------------

PARTNERS = ("TJK", "KAZ", "DEU", "UZB")
FLAGS = ("provisional", "estimate", "low-trust")
VALUES = (0.0, -4.5, 1e6, 0.1, 2.5)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[dict[str, Any]], bool]:
    """Up to three series, months from some year in 2015..2021 to a month of 2024, with
    gaps (a month, now and then a whole year), odd values (0, negative), flagged and
    approximate figures, Jan..m figures beside the months, revisions; and whether flagged
    figures are kept."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    rows: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        partner = draw(st.sampled_from(PARTNERS))
        flows = draw(st.sampled_from((("export", "import"), ("export",), ("turnover",))))
        first, end = draw(st.integers(2015, 2021)), draw(st.integers(1, 12))
        for flow in flows:
            approximate = rng.random() < 0.2  # a series the arrays do not take
            skipped = rng.sample(range(first, 2024), rng.randint(0, 1))
            for year in range(first, 2025):
                if year in skipped:
                    continue
                for month in range(1, 13 if year < 2024 else end + 1):
                    if rng.random() < 0.01:
                        continue  # a gap
                    odd = rng.random() < 0.04
                    value = rng.choice(VALUES) if odd else round(rng.uniform(1.0, 50.0), 2)
                    flags = rng.choice(FLAGS) if rng.random() < 0.05 else ""
                    if approximate and rng.random() < 0.05:
                        flags = "about"
                    rows.append(
                        obs(
                            f"{year}-{month:02d}",
                            value,
                            flow=flow,
                            partner=partner,
                            flags=flags,
                            published=rng.choice(("2023-01-05", "2024-08-01", "")),
                        )
                    )
                if rng.random() < 0.15:  # a Jan..m figure beside the months
                    months = rng.choice((2, 3, 6, 12))
                    period = f"{year}" if months == 12 else f"{year}-01/{year}-{months:02d}"
                    rows.append(
                        obs(
                            period,
                            round(rng.uniform(5.0, 400.0), 2),
                            flow=flow,
                            partner=partner,
                            flags=rng.choice(("", "", "low-trust", "about" if approximate else "")),
                        )
                    )
            if rows and rng.random() < 0.3:  # a revision
                again = dict(rng.choice(rows))
                again["value"], again["published"] = 7.77, "2024-09-01"
                rows.append(again)
    return rows, draw(st.booleans())


def _outputs(
    data: Any, include_flagged: bool, year: int, method: Method, backtest: bool
) -> list[object]:
    dataset = Dataset(data, load_bundled(), [], Filters(include_flagged=include_flagged))
    try:
        result = project(dataset, _keys(dataset.engine), year, method, backtest)
    except NotAvailable as exc:
        return [str(exc)]
    out: list[object] = []
    for every in (False, True):
        report = result.report(every)
        out.extend(render(report, fmt) for fmt in OutputFormat if fmt is not OutputFormat.xlsx)
    out.append(render(result.report(), OutputFormat.table, True))  # --explain
    return out


@settings(max_examples=6, deadline=None)
@given(
    histories(),
    st.sampled_from((2023, 2024)),
    st.sampled_from(tuple(Method)),
    st.booleans(),
)
def test_project_from_the_arrays_prints_what_the_scalar_path_prints(
    drawn: tuple[list[dict[str, Any]], bool], year: int, method: Method, backtest: bool
) -> None:
    rows, include_flagged = drawn
    data = frame(*rows)
    with _bulk(False):
        scalar = _outputs(data, include_flagged, year, method, backtest)
    with _bulk(True):
        columnar = _outputs(data, include_flagged, year, method, backtest)
    assert columnar == scalar


@contextmanager
def _block_rows(rows: int) -> Iterator[None]:
    saved = projection.BLOCK_ROWS
    projection.BLOCK_ROWS = rows
    try:
        yield
    finally:
        projection.BLOCK_ROWS = saved


@settings(max_examples=4, deadline=None)
@given(histories(), st.sampled_from(tuple(Method)), st.sampled_from((1, 5, 4096)))
def test_backtest_from_the_arrays_prints_what_the_scalar_path_prints(
    drawn: tuple[list[dict[str, Any]], bool], method: Method, block_rows: int
) -> None:
    """``--backtest`` alone (the property above draws it half the time): the table,
    the records (csv, json, markdown) and the payload, which share the errors; the keys
    made a block of one row, of a few or all at once."""
    rows, include_flagged = drawn
    data = frame(*rows)
    with _bulk(False):
        scalar = _outputs(data, include_flagged, 2024, method, True)
    with _bulk(True), _block_rows(block_rows):
        columnar = _outputs(data, include_flagged, 2024, method, True)
    assert columnar == scalar


@settings(max_examples=4, deadline=None)
@given(histories())
def test_backtest_counts_the_years_it_makes(drawn: tuple[list[dict[str, Any]], bool]) -> None:
    """The tested series-years are made each time they are looked at: as many as the
    count known beforehand, the same each time, and those of the scalar path."""
    dataset = Dataset(frame(*drawn[0]), load_bundled(), [])
    with _bulk(False):
        try:
            scalar = project(dataset, _keys(dataset.engine), 2024, backtest=True).backtest
        except NotAvailable:
            return
    dataset = Dataset(frame(*drawn[0]), load_bundled(), [])
    with _bulk(True), _block_rows(3):
        tested = project(dataset, _keys(dataset.engine), 2024, backtest=True).backtest
        assert tested is not None and scalar is not None
        made = list(tested)
        assert len(tested) == len(made) == len(scalar)
        if made:  # indexed (the API), made once and kept: the same object each time
            assert tested[0] is tested[0] and tested[-1] is next(reversed(tested))
            assert list(tested) == made and next(iter(tested)) is tested[0]
        assert [(s.key, s.year) for s in tested] == [(s.key, s.year) for s in made]
        assert [(s.key, s.year) for s in made] == [(s.key, s.year) for s in scalar]


def test_backtest_lets_each_block_go_once_handed_on() -> None:
    """Two series of three full years each: with blocks of one key's rows, the first
    key's series-years are let go once the second key's are made (the JSON of a whole
    file's backtest held every one at once: 3.4 GB on dense 1M)."""
    rows = []
    for partner in ("TJK", "UZB"):
        for year in (2021, 2022, 2023):
            rows += [obs(f"{year}-{m:02d}", 1.0 + m, partner=partner) for m in range(1, 13)]
    dataset = Dataset(frame(*rows), load_bundled(), [])
    with _bulk(True), _block_rows(3):
        keys = _keys(dataset.engine)
        tested = project(dataset, keys, 2024, backtest=True).backtest
        assert tested is not None and len(tested) == 6  # 2 keys × 3 years
        each = iter(tested)
        first = weakref.ref(next(each))
        assert first() is not None and first().key.partner == "TJK"  # type: ignore[union-attr]
        later = [next(each) for _ in range(3)]  # 2022 and 2023 of TJK, 2021 of UZB
        assert later[-1].key.partner == "UZB"
        gc.collect()
        assert first() is None


def test_the_property_reaches_seasonal_history_of_three_years() -> None:
    """The drawn histories give the arrays keys with three earlier years of history (else
    the property would not test the mean of three shares)."""
    seen = [0]

    @settings(max_examples=10, deadline=None, derandomize=True)
    @given(histories())
    def count(drawn: tuple[list[dict[str, Any]], bool]) -> None:
        dataset = Dataset(frame(*drawn[0]), load_bundled(), [])
        with _bulk(True):
            keys = _keys(dataset.engine)
            found = project_simple(YearAnswers(dataset, keys), keys, 2024, Method.seasonal)
        for result in found.values():
            if not isinstance(result, str):
                seen[0] += any(len(s.chosen.history) == 3 for s in result.spans)

    count()
    assert seen[0] >= 3


def test_backtest_errors_of_the_arrays_and_the_objects_by_series() -> None:
    """AZE–ARM has an approximate month (not simple: its errors are the objects'),
    AZE–TJK and AZE–UZB are simple (the arrays'): the JSON's errors are by series, ARM's
    between none and TJK's, each as ``backtest_errors`` of the scalar path makes it."""
    rows = []
    for partner in ("ARM", "TJK", "UZB"):
        for year in (2022, 2023):
            rows += [
                obs(f"{year}-{m:02d}", 10.0 * m + year % 10, partner=partner) for m in range(1, 13)
            ]
    rows[3]["flags"] = "about"  # ARM, April 2022
    data = frame(*rows)
    with _bulk(False):
        dataset = Dataset(data, load_bundled(), [])
        scalar = project(dataset, _keys(dataset.engine), 2024, backtest=True)
        expected = [e.to_dict() for e in backtest_errors(list(scalar.backtest or []))]
    with _bulk(True):
        dataset = Dataset(data, load_bundled(), [])
        result = project(dataset, _keys(dataset.engine), 2024, backtest=True)
        assert result.arrays is not None
        assert {s.key.partner for s in result.arrays.others} == {"ARM"}
        errors = list(result.payload()["backtest"]["errors"])
    assert [e["partner"] for e in errors] == sorted(e["partner"] for e in errors)
    assert {e["partner"] for e in errors} == {"ARM", "TJK", "UZB"}
    assert errors == expected


def test_backtest_of_a_key_whose_errors_are_not_finite() -> None:
    """AZE–TJK's Januaries are 1e307 (no reader takes a figure above 1e18: a frame made
    in code): Jan × 12 overflows to inf, so an error is not finite and the key goes to
    the objects (``rest``), between AZE–ARM and AZE–UZB of the arrays; the outputs as
    the scalar path's."""
    rows = []
    for partner in ("ARM", "TJK", "UZB"):
        january = 1e307 if partner == "TJK" else 5.0
        for year in (2021, 2022, 2023):
            values = [january] + [1.0 + m for m in range(1, 12)]
            rows += [obs(f"{year}-{m:02d}", v, partner=partner) for m, v in enumerate(values, 1)]
    data = frame(*rows)
    with _bulk(True):
        dataset = Dataset(data, load_bundled(), [])
        arrays = project(dataset, _keys(dataset.engine), 2024, backtest=True).arrays
        assert arrays is not None and [k.partner for k in arrays.rest] == ["TJK"]

    def outputs() -> list[Output]:  # not JSON: an infinite error is no JSON number
        dataset = Dataset(data, load_bundled(), [])
        report = project(dataset, _keys(dataset.engine), 2024, backtest=True).report()
        formats = (OutputFormat.csv, OutputFormat.table, OutputFormat.markdown)
        return [render(report, fmt) for fmt in formats]

    with _bulk(False):
        scalar = outputs()
    with _bulk(True), _block_rows(2):
        assert outputs() == scalar
    assert "inf%" in scalar[1].stdout  # the table shows the infinite error (share_percent)


@settings(max_examples=25, deadline=None)
@given(with_year_to_date())
def test_the_found_masks_of_the_years_are_the_reference_answers(rows: list[dict[str, Any]]) -> None:
    """Per simple key, ``YearAnswers.plan``'s years and found-masks (bit m - 1: Jan..m
    found) and ``value``'s answers over Jan..m: each what the reference engine finds."""
    dataset = Dataset(frame(*rows), load_bundled(), [])
    engine = Engine(dataset.frame)
    with _bulk(True):
        keys = _keys(dataset.engine)
        answers = YearAnswers(dataset, keys)
    for key in keys:
        if not answers.simple(key):
            continue
        plan = answers.plan(key)
        for year, mask in zip(plan.years, plan.masks, strict=True):
            for m in range(1, 13):
                span = Period.ytd(year, m) if m < 12 else Period.year(year)
                expected = engine.value(key, span)
                assert bool(mask >> (m - 1) & 1) == expected.found, (key, span)
                got = answers.value(key, span)
                assert got.found == expected.found and got.value == expected.value, (key, span)
