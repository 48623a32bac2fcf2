"""Ranges (issue 14, item 2) and flags (item 7): a figure worked out from approximate
figures carries the interval they allow, in the table, CSV/JSON and --explain, and so do
the figures derived from it; a figure that used a flagged observation is marked.

Expected values by hand from data/azerbaijan-trade-published.csv:
- line 53: AZE–TJK turnover Jan–Jun 2023 = 1.786 million (± half its last digit: 500);
- line 2: Q1 2023 = "about" 1 million (± half a million): Q2 2023 = 786,000, in
  1,785,500 - 1,500,000 = 285,500 to 1,786,500 - 500,000 = 1,286,500;
- lines 54 and 3: Jan–Jun 2022 = 2.587 million minus Q1 2022 = 1.5 million: Q2 2022 =
  1,087,000, exact (no qualifier);
- line 36: AZE–TJK turnover Q1 2024 "over" 1.4 billion, flagged suspect-unit: 1.4 to 1.5
  billion; line 120: AZE–WORLD turnover Q1 2024 = 9,696,000,000, exact.
- line 164: AZE–UZB turnover Jan–Jun 2023 = 188 million, flagged low-trust; the latest
  AZE–UZB span of 2023 (lines 163-165), so `project 2023` is linear from it:
  188 million × 12 / 6 = 376 million.
- line 199: AZE–TJK turnover Jan–Jul 2023 "over" 2.3 million: 2.3 to 2.4 million, so the
  linear projection of 2023 is 2.3 × 12 / 7 = 3.942857 million, in 3.942857 to
  2.4 × 12 / 7 = 4.114286 million.
- lines 59 and 61: TJK–AZE turnover 2023 "about" 7.5 million (7.45 to 7.55 million) and
  2022 "about" 6.5 million (6.45 to 6.55 million); lines 30-35: AZE–TJK 2023 = 6.1
  million, 2022 = 5.9 million, exact.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.cli import app

Q2_LOW, Q2_HIGH = 1_785_500 - 1_500_000, 1_786_500 - 500_000
Q2_2022 = 2_587_000 - 1_500_000
WORLD_Q1_2024 = 9_696_000_000


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


def csv_rows(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


@pytest.mark.parametrize("width", ["80", "100"])
def test_the_value_table_shows_the_range(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    code, out, _ = run(runner, "value", "-p", "TJK", "-s", "2023-Q2")
    assert code == 0
    assert "$786K ($285.5K to $1.286M)" in out  # money() rounds 1,286,500 to 4 digits
    assert max(len(line) for line in out.splitlines() if not line.startswith("note")) <= int(width)


def test_explain_says_the_range(runner: CliRunner) -> None:
    code, out, _ = run(runner, "value", "-p", "TJK", "-s", "2023-Q2", "--explain")
    assert code == 0
    # Jan–Jun 2023 $1.786M stands for 1,785,500..1,786,500 (± half its last digit), Q1
    # "about $1M" for 500,000..1,500,000: the difference lies in 285,500..1,286,500.
    assert (
        "range: Jan–Jun 2023 $1.786M (±$500) − Q1 2023 about $1M (±$500K) → $285.5K to $1.286M"
        in out
    )


def test_an_exact_value_has_no_range(runner: CliRunner) -> None:
    code, out, _ = run(runner, "value", "-p", "TJK", "-s", "2022-Q2", "-f", "csv")
    assert code == 0
    (row,) = csv_rows(out)
    assert float(row["value"]) == float(row["low"]) == float(row["high"]) == Q2_2022
    assert row["approximate"] == "False"


def test_growth_carries_the_range_that_follows(runner: CliRunner) -> None:
    code, out, _ = run(runner, "growth", "-p", "TJK", "-s", "2023-Q2", "-f", "csv")
    assert code == 0
    (row,) = csv_rows(out)
    assert float(row["change"]) == pytest.approx(786_000 / Q2_2022 - 1)
    assert float(row["change_low"]) == pytest.approx(Q2_LOW / Q2_2022 - 1)
    assert float(row["change_high"]) == pytest.approx(Q2_HIGH / Q2_2022 - 1)
    code, out, _ = run(runner, "growth", "-p", "TJK", "-s", "2023-Q2")
    low, high = (Q2_LOW / Q2_2022 - 1) * 100, (Q2_HIGH / Q2_2022 - 1) * 100
    assert f"({low:.1f}% to +{high:.1f}%)" in out  # -73.7% to +18.4%


def test_share_carries_the_range_and_the_flag(runner: CliRunner) -> None:
    ask = ["--include-flagged", "share", "--vs", "world", "-p", "TJK"]
    code, out, _ = run(runner, *ask, "-f", "csv")
    assert code == 0
    (row,) = csv_rows(out)
    assert row["period"] == "2024-Q1"
    assert float(row["share"]) == pytest.approx(1.4e9 / WORLD_Q1_2024)
    assert float(row["share_low"]) == pytest.approx(1.4e9 / WORLD_Q1_2024)
    assert float(row["share_high"]) == pytest.approx(1.5e9 / WORLD_Q1_2024)
    assert (float(row["low"]), float(row["high"])) == (1.4e9, 1.5e9)
    assert "suspect-unit" in row["flags"].split(";")
    code, out, _ = run(runner, *ask)
    assert "14.4% (14.4% to 15.5%)†" in out
    assert "† used a figure flagged as doubtful (kept by --include-flagged):" in out
    assert "Q1 2024 [bundled:azerbaijan-trade-published.csv:36] flagged suspect-unit" in out


def test_without_include_flagged_nothing_is_marked(runner: CliRunner) -> None:
    code, out, _ = run(runner, "share", "--vs", "world", "-p", "TJK")
    assert code == 0
    assert "†" not in out and "suspect-unit" not in out


def test_value_marks_a_flagged_figure(runner: CliRunner) -> None:
    code, out, _ = run(runner, "--include-flagged", "value", "-p", "TJK", "-s", "2024-Q1")
    assert code == 0
    assert "$1.4B ($1.4B to $1.5B)†" in out
    assert "flagged suspect-unit" in out


@pytest.mark.parametrize("partner", [["-p", "UZB"], []], ids=["detail", "overview"])
def test_project_marks_a_flagged_figure(runner: CliRunner, partner: list[str]) -> None:
    code, out, _ = run(runner, "--include-flagged", "project", "2023", "-r", "AZE", *partner)
    assert code == 0
    assert "$376M†" in out  # 188 million × 12 / 6, from the low-trust figure of line 164
    if partner:
        assert "$188M†" in out  # the year-to-date figure itself, in the YTD column
    assert "† used a figure flagged as doubtful (kept by --include-flagged):" in out
    assert "Jan–Jun 2023 [bundled:azerbaijan-trade-published.csv:164] flagged low-trust" in out
    code, out, _ = run(runner, "project", "2023", "-r", "AZE", *partner)
    assert code == 0
    assert "†" not in out and "$376M" not in out


@pytest.mark.parametrize("width", ["80", "100"])
def test_project_shows_the_range_of_an_approximate_basis(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    ask = ["project", "2023", "-p", "TJK", "--vintage", "2023-09-14"]  # line 199 the latest
    code, out, _ = run(runner, *ask)
    assert code == 0
    assert "linear (auto) │ $3.943M ($3.943M to $4.114M) │" in out
    assert max(len(line) for line in out.splitlines() if not line.startswith("note")) <= int(width)
    code, out, _ = run(runner, *ask, "-f", "csv")
    chosen = [r for r in csv_rows(out) if r["chosen"] == "True"]
    assert [(float(r["low"]), float(r["high"])) for r in chosen] == [
        pytest.approx((2.3e6 * 12 / 7, 2.4e6 * 12 / 7))
    ]


def test_project_shows_no_range_beside_an_exact_basis(runner: CliRunner) -> None:
    code, out, _ = run(runner, "project", "2024", "-p", "TJK")  # line 72: 2208 thousand
    assert code == 0
    assert "$6.624M │" in out and " to $" not in out  # 2,208,000 × 12 / 4, exact


@pytest.mark.parametrize("width", ["80", "100"])
def test_mirror_shows_the_range_of_an_approximate_side(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    code, out, _ = run(runner, "mirror", "-r", "AZE", "-p", "TJK")
    assert code == 0
    assert "│ 2022 │      $5.9M │ $6.5M ($6.45M to $6.55M) │" in out
    assert "│ 2023 │      $6.1M │ $7.5M ($7.45M to $7.55M) │" in out
    assert max(len(line) for line in out.splitlines() if not line.startswith("note")) <= int(width)
    code, out, _ = run(runner, "mirror", "-r", "AZE", "-p", "TJK", "-f", "csv")
    ranges = [(r["period"], float(r["mirror_low"]), float(r["mirror_high"])) for r in csv_rows(out)]
    assert ranges == [("2022", 6.45e6, 6.55e6), ("2023", 7.45e6, 7.55e6)]


def test_verify_judges_against_the_range_in_words(runner: CliRunner, tmp_path: Path) -> None:
    claims = tmp_path / "c.toml"
    claims.write_text(
        'reporter = "AZE"\npartner = "TJK"\nmeasure = "value"\n\n'
        '[[claim]]\nperiod = "2023-Q2"\nstated = "1.2 million USD"\n\n'
        '[[claim]]\nperiod = "2023-Q2"\nstated = "2 million USD"\n',
        encoding="utf-8",
    )
    code, out, _ = run(runner, "verify", str(claims))
    assert code == 1  # claim 2 is inconsistent
    assert "$786K ($285.5K to $1.286M)" in out  # the table's computed column
    allowed = "the range $285.5K to $1.286M that the approximate figures used (about) allow"
    assert (
        f"claim 1: consistent: the stated '1.2 million USD' ($1.15M to $1.25M) is within {allowed}"
        in out
    )
    assert f"claim 2: inconsistent: computed $786K, in {allowed}," in out
    code, out, _ = run(runner, "verify", str(claims), "-f", "json")
    records = json.loads(out)["records"]
    assert [(r["low"], r["high"]) for r in records] == [(Q2_LOW, Q2_HIGH)] * 2
    assert [r["verdict"] for r in records] == ["consistent", "inconsistent"]
