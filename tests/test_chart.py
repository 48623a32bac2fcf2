"""Charts: the plotted numbers equal the analysis results; files are valid and whole."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.frames import frame, obs
from tradecli.analysis.chart import (
    ChartKind,
    Style,
    annual_chart,
    build_chart,
    chart_key,
    share_chart,
    ytd_chart,
)
from tradecli.analysis.growth import annual_values
from tradecli.analysis.projection import SeriesProjection, project_series
from tradecli.dataset import Dataset, Filters
from tradecli.drawing import draw, text_chart
from tradecli.engine.answers import SeriesKey
from tradecli.errors import AmbiguousSelection, ChartNotWritten, NotAvailable
from tradecli.groups import load_bundled
from tradecli.periods import Period

TJK = SeriesKey("AZE", "TJK", "turnover")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def dataset(*rows: dict[str, Any]) -> Dataset:
    return Dataset(frame(*rows), load_bundled(), [], Filters())


def values(data: Any, style: Style) -> dict[str, float]:
    return {p.label: p.value for t in data.traces if t.style is style for p in t.points}


# -- the numbers --------------------------------------------------------------------------


def test_annual_bars_are_the_full_years_and_the_projection_stands_apart(bundled: Dataset) -> None:
    data = annual_chart(bundled, TJK)
    bars = values(data, Style.bars)
    assert bars["2022"] == 5.9e6  # revised from 5.8M
    assert bars["2023"] == 6.1e6
    assert bars["2009"] == 25_472_000
    assert bars == {a.period.label(): a.value for a in annual_values(bundled.engine, TJK)}
    # 2024 is incomplete: Jan–Apr $2.208M, and linear 2.208 × 12 / 4 = $6.624M
    assert values(data, Style.ytd) == {"Jan–Apr 2024": 2.208e6}
    assert values(data, Style.projection) == {"2024 projected": pytest.approx(6.624e6)}
    projected = project_series(bundled.engine, TJK, 2024)
    assert isinstance(projected, SeriesProjection) and projected.headline is not None
    assert values(data, Style.projection)["2024 projected"] == projected.headline.chosen.value
    assert "Trend News Agency" in data.caption and "Sources:" in data.caption
    assert data.scale() == (1e6, "US$ million")


def test_a_seasonal_projection_carries_its_range() -> None:
    # H1 held 40/100 of 2021 and 60/120 = 0.5 of 2022; H1 2023 = 45:
    # 45 / mean(0.4, 0.5) = 100, range 45 / 0.5 = 90 … 45 / 0.4 = 112.5
    data = annual_chart(
        dataset(
            obs("2021", 100e6),
            obs("2021-H1", 40e6),
            obs("2022", 120e6),
            obs("2022-H1", 60e6),
            obs("2023-H1", 45e6),
        ),
        TJK,
    )
    [point] = [p for t in data.traces if t.style is Style.projection for p in t.points]
    assert (point.value, point.low, point.high) == pytest.approx((100e6, 90e6, 112.5e6))
    assert values(data, Style.ytd) == {"Jan–Jun 2023": 45e6}


def test_ytd_lines_are_the_cumulative_values_by_month(bundled: Dataset) -> None:
    data = ytd_chart(bundled, TJK)
    lines = {t.name: {int(p.x): p.value for p in t.points} for t in data.traces}
    assert lines["2023"][6] == 1.786e6
    assert lines["2023"][8] == 4.103e6
    assert lines["2023"][12] == 6.1e6
    assert lines["2022"][3] == 1.5e6
    assert "2009" not in lines  # a full year alone is not a year-to-date line
    for name, points in lines.items():
        for month, value in points.items():
            answer = bundled.engine.value(TJK, Period.ytd(int(name), month))
            assert answer.value == value


def test_share_points_are_the_partners_share_of_the_group(bundled: Dataset) -> None:
    data = share_chart(bundled, TJK, bundled.groups.get("world"))
    shares = values(data, Style.bars)
    assert shares["2022"] == pytest.approx(5.9e6 / 52.68e9)
    assert shares["2021"] == pytest.approx(7.5e6 / 33.9e9)
    assert data.scale()[0] == 0.01
    cis = share_chart(bundled, TJK, bundled.groups.get("cis-stat"))
    assert values(cis, Style.bars) == {"Jan–Apr 2024": pytest.approx(2.208e6 / 1.92e9)}


def test_nothing_to_draw_is_an_error_that_says_so() -> None:
    empty = dataset(obs("2022", 1.0, partner="KAZ"))
    with pytest.raises(NotAvailable, match="no full year or year-to-date figure"):
        annual_chart(empty, TJK)
    with pytest.raises(NotAvailable, match="no year-to-date spans"):
        ytd_chart(dataset(obs("2022", 1.0)), TJK)
    with pytest.raises(NotAvailable, match="a share chart needs a group"):
        build_chart(empty, TJK, ChartKind.share)
    with pytest.raises(AmbiguousSelection, match="a chart shows one series and 2 match"):
        chart_key([TJK, TJK.with_partner("KAZ")])


# -- text ---------------------------------------------------------------------------------------


def test_text_chart_draws_every_value(bundled: Dataset) -> None:
    text = text_chart(annual_chart(bundled, TJK))
    assert text.startswith("Azerbaijan–Tajikistan turnover by year (US$ million)\n")
    line_2022 = next(line for line in text.splitlines() if line.startswith("2022 "))
    assert "█" in line_2022 and line_2022.endswith("5.900")
    assert "▒" in text and "░" in text  # year to date, projection
    assert "linear: $2.208M × 12 / 4 = $6.624M" in text
    assert "0.115%" in text_chart(share_chart(bundled, TJK, bundled.groups.get("cis-stat")))


# -- files -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def annual(bundled: Dataset) -> Any:
    return annual_chart(bundled, TJK)


def test_png_is_written_whole(annual: Any, tmp_path: Path) -> None:
    out = tmp_path / "chart.png"
    draw(annual, out)
    assert out.read_bytes().startswith(PNG_SIGNATURE)
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]  # no temporary file left


def test_svg_parses_as_xml(bundled: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "chart.svg"
    draw(ytd_chart(bundled, TJK), out)
    assert ET.parse(out).getroot().tag.endswith("svg")


def test_a_failed_drawing_leaves_the_old_file(
    annual: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.figure import Figure

    out = tmp_path / "chart.png"
    out.write_bytes(b"old")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        draw(annual, out)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_unwritable_targets_are_errors(annual: Any, tmp_path: Path) -> None:
    with pytest.raises(ChartNotWritten, match="cannot write"):
        draw(annual, tmp_path / "missing" / "chart.png")
    with pytest.raises(ChartNotWritten, match=r"\.png or \.svg"):
        draw(annual, tmp_path / "chart.gif")


def test_matplotlib_is_imported_only_to_draw() -> None:
    code = (
        "import sys\n"
        "from tradecli.dataset import load\n"
        "from tradecli.analysis.chart import annual_chart\n"
        "from tradecli.drawing import text_chart\n"
        "from tradecli.engine.answers import SeriesKey\n"
        "text_chart(annual_chart(load(), SeriesKey('AZE', 'TJK', 'turnover')))\n"
        "print('matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
