"""Ranges in every command's --explain (text and JSON), beside summary's figures or folded
into a note when the width does not allow them, and on mirror's gap (issue 14, item 2).

Expected values by hand from data/azerbaijan-trade-published.csv:
- line 53: AZE–TJK turnover Jan–Jun 2023 = 1.786 million (± half its last digit: 500);
  line 2: Q1 2023 "about" 1 million (± half a million): Q2 2023 = 786,000 in
  1,785,500 − 1,500,000 = 285,500 to 1,786,500 − 500,000 = 1,286,500.
- lines 59 and 61: TJK–AZE turnover 2023 "about" 7.5 million (7.45 to 7.55 million),
  2022 "about" 6.5 million (6.45 to 6.55 million); lines 30-35: AZE–TJK 2023 = 6.1
  million, 2022 = 5.9 million, exact.
- line 162: UZB–AZE turnover Jan 2023 "over" 11 million (11 to 12 million): the linear
  run-rate of 2023 is 11 × 12 = 132 million, in 132 to 144 million.
- line 36: AZE–TJK turnover Q1 2024 "over" 1.4 billion (1.4 to 1.5 billion, flagged
  suspect-unit); line 120: AZE–WORLD turnover Q1 2024 = 9,696,000,000, exact.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from tradecli.cli import app

Q2_LOW, Q2_HIGH = 1_785_500 - 1_500_000, 1_786_500 - 500_000
TJK_AZE = {2022: (6.45e6, 6.55e6), 2023: (7.45e6, 7.55e6)}
AZE_TJK = {2022: 5.9e6, 2023: 6.1e6}
WORLD_Q1_2024 = 9_696_000_000


def run(runner: CliRunner, *args: str, width: str = "200") -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli", env={"COLUMNS": width})
    return result.exit_code, result.stdout, result.stderr


def csv_rows(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def ranges_in(payload: Any) -> list[dict[str, Any]]:
    """Every ``range`` object anywhere in a JSON payload."""
    found: list[dict[str, Any]] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key in ("range", "share_range", "gap_range") and isinstance(value, dict):
                found.append(value)
            found.extend(ranges_in(value))
    elif isinstance(payload, list):
        for item in payload:
            found.extend(ranges_in(item))
    return found


def test_value_explains_how_the_range_follows_in_text_and_json(runner: CliRunner) -> None:
    code, out, _ = run(runner, "value", "-p", "TJK", "-s", "2023-Q2", "--explain")
    assert code == 0
    assert (
        "  range: Jan–Jun 2023 $1.786M (±$500) − Q1 2023 about $1M (±$500K) → "
        "$285.5K to $1.286M" in out
    )
    assert "    range: about $1M (±$500K) → $500K to $1.5M" in out  # the approximate part
    code, out, _ = run(runner, "value", "-p", "TJK", "-s", "2023-Q2", "-f", "json")
    (answer,) = json.loads(out)["answers"]
    assert answer["range"]["low"] == pytest.approx(Q2_LOW)
    assert answer["range"]["high"] == pytest.approx(Q2_HIGH)
    assert "about $1M (±$500K)" in answer["range"]["how"]


def test_an_exact_value_explains_no_range(runner: CliRunner) -> None:
    code, out, _ = run(runner, "value", "-p", "TJK", "-s", "2022-Q2", "--explain")
    assert code == 0
    assert "range:" not in out
    code, out, _ = run(runner, "value", "-p", "TJK", "-s", "2022-Q2", "-f", "json")
    assert ranges_in(json.loads(out)) == []


def test_growth_explains_the_range_of_the_change(runner: CliRunner) -> None:
    code, out, _ = run(runner, "growth", "-r", "TJK", "-p", "AZE", "--explain")
    assert code == 0
    low, high = 7.45 / 6.55 - 1, 7.55 / 6.45 - 1  # +13.7%, +17.1%
    line = (
        f"range: ($7.45M to $7.55M) / ($6.45M to $6.55M) − 1 → +{low * 100:.1f}% to "
        f"+{high * 100:.1f}%"
    )
    assert line in out
    assert f"+15.4% (+{low * 100:.1f}% to +{high * 100:.1f}%)" in out  # beside the CAGR too
    code, out, _ = run(runner, "growth", "-r", "TJK", "-p", "AZE", "-f", "json")
    span = json.loads(out)["series"][0]["span"]
    assert (span["range"]["low"], span["range"]["high"]) == pytest.approx((low, high))


def test_growth_records_carry_the_ranges_of_the_year_change_and_the_cagr(
    runner: CliRunner,
) -> None:
    """Lines 59 and 61: 2022 "about" 6.5M → 2023 "about" 7.5M, one year apart, so the
    year's change and the CAGR share one range: lowest 2023 over highest 2022 and back."""
    code, out, _ = run(runner, "growth", "-r", "TJK", "-p", "AZE", "-f", "csv")
    assert code == 0
    (row,) = csv_rows(out)
    (l23, h23), (l22, h22) = TJK_AZE[2023], TJK_AZE[2022]
    for name in ("year_change", "cagr"):
        assert float(row[name]) == pytest.approx(7.5 / 6.5 - 1)
        assert float(row[f"{name}_low"]) == pytest.approx(l23 / h22 - 1)
        assert float(row[f"{name}_high"]) == pytest.approx(h23 / l22 - 1)
    code, out, _ = run(runner, "growth", "-r", "AZE", "-p", "TJK", "-f", "csv")
    (row,) = csv_rows(out)  # lines 30-35: both years exact, the range is the figure
    exact = AZE_TJK[2023] / AZE_TJK[2022] - 1
    for name in ("year_change", "year_change_low", "year_change_high"):
        assert float(row[name]) == pytest.approx(exact)
    assert row["cagr"] == row["cagr_low"] == row["cagr_high"] != ""


def test_share_explains_the_range_of_the_share(runner: CliRunner) -> None:
    ask = ["--include-flagged", "share", "--vs", "world", "-p", "TJK"]
    code, out, _ = run(runner, *ask, "--explain")
    assert code == 0
    assert "range: ($1.4B to $1.5B) / $9.696B → 14.4% to 15.5%" in out
    code, out, _ = run(runner, *ask, "-f", "json")
    (found,) = [r for r in ranges_in(json.loads(out)) if "how" in r and "/" in r["how"]]
    assert (found["low"], found["high"]) == pytest.approx(
        (1.4e9 / WORLD_Q1_2024, 1.5e9 / WORLD_Q1_2024)
    )


def test_a_ranking_carries_the_range_of_each_share(runner: CliRunner) -> None:
    """Line 181: AZE–RUS 2021 "about" 3 billion (2.5 to 3.5 billion); line 110: AZE–WORLD
    2021 = 33.9 billion, exact: the share lies in 2.5/33.9 to 3.5/33.9."""
    low, high = 2.5 / 33.9, 3.5 / 33.9
    code, out, _ = run(runner, "share", "--vs", "world", "--all", "-f", "csv")
    assert code == 0
    rus = next(r for r in csv_rows(out) if r["partner"] == "RUS")
    assert float(rus["share"]) == pytest.approx(3 / 33.9)
    assert (float(rus["share_low"]), float(rus["share_high"])) == pytest.approx((low, high))
    code, out, _ = run(runner, "share", "--vs", "world", "--all")
    assert f"{3 / 33.9:.2%} ({low:.2%} to {high:.1%})" in out


def test_project_explains_the_range_of_the_projection(runner: CliRunner) -> None:
    code, out, _ = run(runner, "project", "2023", "-r", "UZB", "-p", "AZE", "--explain")
    assert code == 0
    assert "range: $132M × ($11M to $12M) / $11M → $132M to $144M" in out
    code, out, _ = run(runner, "project", "2023", "-r", "UZB", "-p", "AZE", "-f", "json")
    projections = json.loads(out)["series"][0]["spans"][-1]["projections"]
    (linear,) = [p for p in projections if p["method"] == "linear"]
    assert (linear["range"]["low"], linear["range"]["high"]) == pytest.approx((132e6, 144e6))


def test_mirror_gives_the_gap_its_range(runner: CliRunner) -> None:
    code, out, _ = run(runner, "mirror", "-r", "AZE", "-p", "TJK", "-f", "csv")
    assert code == 0
    rows = csv_rows(out)
    for row in rows:
        year = int(row["period"])
        low, high = TJK_AZE[year]
        own = AZE_TJK[year]
        assert float(row["gap"]) == pytest.approx((low + high) / 2 - own)
        assert float(row["gap_low"]) == pytest.approx(low - own)
        assert float(row["gap_high"]) == pytest.approx(high - own)
        assert float(row["gap_relative_low"]) == pytest.approx(low / own - 1)
        assert float(row["gap_relative_high"]) == pytest.approx(high / own - 1)
    code, out, _ = run(runner, "mirror", "-r", "AZE", "-p", "TJK", "--explain")
    assert "range of the gap: ($6.45M to $6.55M) − $5.9M → $550K to $650K" in out
    assert "$600K ($550K to $650K)" in out  # beside the gap at 200 columns
    code, out, _ = run(runner, "mirror", "-r", "AZE", "-p", "TJK", "-f", "json")
    gaps = [c["gap_range"] for c in json.loads(out)["comparisons"]]
    assert [v for g in gaps for v in (g["low"], g["high"])] == pytest.approx(
        [550e3, 650e3, 7.45e6 - 6.1e6, 7.55e6 - 6.1e6]
    )


def test_mirror_where_both_sides_are_exact_has_a_gap_without_range(runner: CliRunner) -> None:
    code, out, _ = run(runner, "mirror", "-r", "AZE", "-p", "RUS", "-f", "csv")
    assert code == 0
    for row in csv_rows(out):
        assert row["gap_low"] == row["gap"] == row["gap_high"]


def test_verify_and_chart_explain_the_range(runner: CliRunner, tmp_path: Any) -> None:
    claims = tmp_path / "c.toml"
    claims.write_text(
        'reporter = "AZE"\npartner = "TJK"\nmeasure = "value"\n\n'
        '[[claim]]\nperiod = "2023-Q2"\nstated = "1.2 million USD"\n',
        encoding="utf-8",
    )
    code, out, _ = run(runner, "verify", str(claims), "--explain")
    assert code == 0
    assert "→ $285.5K to $1.286M" in out
    code, out, _ = run(runner, "chart", "-r", "TJK", "-p", "AZE", "--explain")
    assert code == 0
    assert "range: about $7.5M (±$50K) → $7.45M to $7.55M" in out


def test_summary_shows_the_range_beside_the_figure_when_it_fits(runner: CliRunner) -> None:
    code, out, _ = run(runner, "summary", "-r", "TJK", width="200")
    assert code == 0
    low, high = 7.45 / 6.55 - 1, 7.55 / 6.45 - 1
    assert "$7.5M ($7.45M to $7.55M)" in out
    assert f"+15.4% (+{low * 100:.1f}% to +{high * 100:.1f}%)" in out
    assert "ranges not shown" not in out


@pytest.mark.parametrize("width", ["60", "80", "100"])
def test_summary_folds_the_ranges_into_a_note_when_they_do_not_fit(
    runner: CliRunner, width: str
) -> None:
    code, out, _ = run(runner, "summary", width=width)
    assert code == 0
    table = [line for line in out.splitlines() if not line.startswith("note")]
    assert max(map(len, table)) <= int(width)
    if "┃" in out:  # a table: the ranges it could not hold are listed in the note
        assert (
            f"note: ranges not shown at {width} columns (--wide shows them; csv/json: low, high):"
            in out
        )
        assert "$7.45M to $7.55M" in out  # TJK–AZE 2023, beside the figure or in the note
        dropped = [line for line in out.splitlines() if line.startswith("note: not shown at")]
        if not any("YTD value" in line for line in dropped):  # the column is there
            assert "UZB–AZE Jan 2023~ YTD value $11M: $11M to $12M" in out
    code, out, _ = run(runner, "summary", "--wide", width=width)
    assert "UZB–AZE" in out and "$11M ($11M to $12M)" in out and "ranges not shown" not in out


def test_summary_records_always_have_low_and_high(runner: CliRunner) -> None:
    code, out, _ = run(runner, "summary", "-f", "csv", width="40")
    assert code == 0
    rows = {(r["reporter"], r["partner"], r["currency"]): r for r in csv_rows(out)}
    row = rows[("TJK", "AZE", "USD")]
    assert (float(row["low"]), float(row["high"])) == TJK_AZE[2023]
    exact = rows[("AZE", "TJK", "USD")]
    assert float(exact["low"]) == float(exact["high"]) == float(exact["value"]) == 6.1e6


def test_summary_explains_the_ranges(runner: CliRunner) -> None:
    code, out, _ = run(runner, "summary", "-r", "UZB", "--explain")
    assert code == 0
    assert "range: over $11M (to $12M) → $11M to $12M" in out
