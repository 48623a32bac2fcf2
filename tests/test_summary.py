"""summary: latest year, latest year-to-date, run-rate, shares, sparkline — one row per series."""

from __future__ import annotations

import pytest

from tradecli.analysis.summary import SummaryRow, sparkline, summarize
from tradecli.dataset import Dataset
from tradecli.engine.answers import SeriesKey
from tradecli.periods import Period
from tradecli.render import OutputFormat, render
from tradecli.selection import Selection

TJK = SeriesKey("AZE", "TJK", "turnover")


def _row(bundled: Dataset, key: SeriesKey = TJK) -> SummaryRow:
    summary = summarize(bundled, [key])
    assert [r.key for r in summary.rows] == [key]
    return summary.rows[0]


def test_the_tajikistan_row(bundled: Dataset) -> None:
    row = _row(bundled)
    assert row.year is not None and row.year.period == Period.year(2023)
    assert row.year.value == pytest.approx(6.1e6)
    assert row.year_change == pytest.approx(6.1 / 5.9 - 1)
    assert row.ytd is not None and row.ytd.period == Period.parse("2024-01/2024-04")
    assert row.ytd_change is None  # no Jan–Apr 2023: not computable
    assert row.projection is not None and row.projection.method == "linear"
    assert row.run_rate == pytest.approx(2_208e3 * 12 / 4)


def test_shares_in_each_group_that_contains_the_partner(bundled: Dataset) -> None:
    shares = {s.group: s for s in _row(bundled).shares}
    assert {"cis", "cis-stat", "central-asia", "world"} <= set(shares)
    assert shares["cis-stat"].value == pytest.approx(2_208e3 / 1.92e9)
    assert shares["world"].value == pytest.approx(6.1e6 / 51e9)
    assert not any(s.partial for s in shares.values())
    assert "cis, cis-stat 0.115% (Jan–Apr 2024)" in _row(bundled).shares_text()


def test_sparkline_of_the_annual_values(bundled: Dataset) -> None:
    trend = _row(bundled).trend()
    assert [y for y, _ in trend] == list(range(2016, 2024))
    assert dict(trend)[2018] is None and dict(trend)[2021] == pytest.approx(7.5e6)
    assert sparkline([1.0, None, 3.0, 2.0]) == "▁·█▅"
    assert sparkline([5.0, 5.0]) == "▄▄"
    assert sparkline([None]) == ""


def test_largest_first_usd_before_other_currencies(bundled: Dataset) -> None:
    summary = summarize(bundled, Selection.parse(bundled, None, None).keys(bundled))
    usd = [r for r in summary.rows if r.key.currency == "USD"]
    assert summary.rows[: len(usd)] == usd
    sizes = [r.size or 0.0 for r in usd]
    assert sizes == sorted(sizes, reverse=True)
    assert SeriesKey("AZE", "CHN", "turnover") in summary.unanswered


def test_the_table_fits_a_100_column_terminal(bundled: Dataset) -> None:
    summary = summarize(bundled, Selection.parse(bundled, None, None).keys(bundled))
    text = render(summary.report(), OutputFormat.table, width=100).stdout
    table = [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and max(len(line) for line in table) <= 100
    assert all("…" not in line for line in table)  # nothing cut short
