"""Growth: like for like, every year, CAGR; a missing base is not computable, never −100%."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tradecli.analysis.growth import Change, SeriesGrowth, growth, like_for_like, series_growth
from tradecli.dataset import Dataset
from tradecli.engine.answers import SeriesKey
from tradecli.engine.reference import Engine
from tradecli.errors import NotAvailable
from tradecli.periods import Period

TJK = SeriesKey("AZE", "TJK", "turnover")


def test_jan_aug_2023_against_jan_aug_2022(bundled: Dataset) -> None:
    result = growth(bundled, [TJK], Period.parse("2023-01/2023-08"))
    change = result.series[0].span
    assert change.value == pytest.approx(4.103 / 3.828 - 1)
    assert f"{(change.value or 0.0) * 100:+.1f}%" == "+7.2%"


def test_every_year_against_the_year_before(bundled: Dataset) -> None:
    found = series_growth(bundled.engine, TJK)
    assert isinstance(found, SeriesGrowth)
    by_year = {c.current.period.start_year: c for c in found.years}
    assert by_year[2023].value == pytest.approx(6.1 / 5.9 - 1)  # 2022 as revised: 5.9
    assert by_year[2021].value == pytest.approx(7.5 / 5.2 - 1)
    assert by_year[2020].value is None and "no 2019 figure" in by_year[2020].reason


def test_cagr_between_full_years(bundled: Dataset) -> None:
    found = series_growth(bundled.engine, TJK, first=2015, last=2023)
    assert isinstance(found, SeriesGrowth) and found.cagr is not None
    assert found.cagr.value == pytest.approx((6.1 / 6.44) ** (1 / 8) - 1)
    missing = series_growth(bundled.engine, TJK, first=2014, last=2023)
    assert isinstance(missing, SeriesGrowth) and missing.cagr is not None
    assert missing.cagr.value is None and "no 2014 figure" in missing.cagr.reason


def test_a_missing_base_is_not_computable_never_minus_100() -> None:
    engine = Engine(frame(obs("2023-01/2023-03", 5.0)))
    change = like_for_like(engine, TJK, Period.parse("2023-Q1"))
    assert change.value is None
    assert change.reason.startswith("not computable")
    assert change.to_dict()["change"] is None


def test_the_latest_span_without_a_base_points_to_the_latest_comparable(bundled: Dataset) -> None:
    found = series_growth(bundled.engine, TJK)
    assert isinstance(found, SeriesGrowth)
    assert found.span.current.period == Period.parse("2024-01/2024-04")
    assert found.span.value is None
    assert found.latest_comparable is not None
    assert found.latest_comparable.current.period == Period.year(2023)


def test_no_series_with_the_span_is_an_error_naming_what_there_is(bundled: Dataset) -> None:
    with pytest.raises(NotAvailable, match=r"no series has a figure for 2030.*Jan–Apr 2024"):
        growth(bundled, [TJK], Period.year(2030))


@settings(max_examples=20, deadline=None)
@given(
    st.floats(min_value=1.0, max_value=1e12, allow_nan=False),
    st.integers(min_value=2001, max_value=2030),
    st.integers(min_value=2, max_value=6),
    st.integers(min_value=1, max_value=11),
)
def test_a_constant_series_has_zero_growth(value: float, start: int, years: int, m: int) -> None:
    rows = []
    for year in range(start, start + years):
        rows.append(obs(str(year), value))
        rows.append(obs(f"{year}-01/{year}-{m:02d}", value * m / 12))
    engine = Engine(frame(*rows))
    found = series_growth(engine, TJK)
    assert isinstance(found, SeriesGrowth)
    changes: list[Change] = [found.span, *found.years[1:]]
    assert all(c.value == pytest.approx(0.0, abs=1e-12) for c in changes)
    assert found.cagr is not None and found.cagr.value == pytest.approx(0.0, abs=1e-12)


def test_a_cagr_whose_last_year_is_about_zero_reaches_minus_100_not_a_complex_number() -> None:
    """'About 0' lies in −0.5 to 0.5; the CAGR's low end is (0 / 100)^(1/2) − 1 = −100%, its
    high end (0.5 / 100)^(1/2) − 1 (a negative base would make a complex number, which no
    format can print: the JSON renderer raised TypeError on such a draw)."""
    engine = Engine(frame(obs("2021", 100.0), obs("2023", 0.0, flags="about")))
    found = series_growth(engine, TJK, first=2021, last=2023)
    assert isinstance(found, SeriesGrowth) and found.cagr is not None
    assert found.cagr.value == -1.0
    low, high = found.cagr.range()
    assert low == -1.0 and high == pytest.approx(0.5**0.5 / 10 - 1)
    assert found.cagr.to_dict()["range"]["low"] == -1.0


def test_a_change_is_worked_out_once_per_change() -> None:
    """``Change.value`` kept on each change (the report, its notes and the records each
    read it): two changes keep their own, and a change made from another (``replace``)
    its own: 11 / 10 − 1 and 5 / 4 − 1."""
    from dataclasses import replace

    key = SeriesKey("AZE", "TJK", "export")
    engine = Engine(
        frame(
            *(
                obs(span, value, partner="TJK", flow="export")
                for span, value in (("2022-01", 10.0), ("2023-01", 11.0), ("2022-02", 4.0))
            ),
            obs("2023-02", 5.0, partner="TJK", flow="export"),
        )
    )
    january = like_for_like(engine, key, Period.parse("2023-01"))
    february = like_for_like(engine, key, Period.parse("2023-02"))
    assert january.value == pytest.approx(0.1)
    assert february.value == pytest.approx(0.25)
    assert january.value == pytest.approx(0.1)  # each its own, however read
    moved = replace(january, base=february.base)
    assert moved.value == pytest.approx(11 / 4 - 1)
    assert january.value == pytest.approx(0.1)


def test_the_latest_comparable_spans_are_listed_ten_then_how_many_more() -> None:
    """Eleven series whose latest month (Feb 2023, $5) has no month a year before: the
    note names the first ten with their January change (2023's 10 + n against 2022's 10:
    +0.0%, +10.0%, …, in the order of the rows), then "and 1 more"."""
    from tradecli.groups import load_bundled

    partners = ["ARM", "BLR", "GEO", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB"]
    rows = []
    for n, partner in enumerate(partners):
        for span, value in (("2022-01", 10.0), ("2023-01", 10.0 + n), ("2023-02", 5.0)):
            rows.append(obs(span, value, partner=partner, flow="export"))
    data = frame(*rows)
    notes = growth(Dataset(data, load_bundled(), []), Engine(data).keys()).report().notes
    listed = "; ".join(
        f"AZE–{p} Jan 2023 vs Jan 2022 +{10 * n}.0%" for n, p in enumerate(partners[:10])
    )
    assert (
        f"latest comparable span instead: {listed} and 1 more; --format json lists them all"
        in notes
    )
    assert "AZE–UZB Jan 2023" not in " ".join(notes)
