"""Short by default (issue 14, item 8): lists in notes stop at 10 names ("and N more;
--format json lists them all"), rows that are all "not available" are one note unless
--all, and summary --explain derives each group total once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.cli import app

# Fifteen partners with one Q2 2020 figure each: no full year, no year-to-date span, no
# like-for-like base, nothing for 2023; AZE–TJK alone has 2022 and 2023.
OTHERS = [
    "ALB",
    "ARM",
    "AUT",
    "BEL",
    "BGR",
    "BRA",
    "CAN",
    "CHE",
    "CHL",
    "CZE",
    "DEU",
    "DNK",
    "ESP",
    "EST",
    "FIN",
]


@pytest.fixture
def many(write_csv: Callable[..., Path]) -> Path:
    rows = ["AZE,TJK,turnover,2023,5,million,USD,,,,", "AZE,TJK,turnover,2022,4,million,USD,,,,"]
    rows += [f"AZE,{code},turnover,2020-04/2020-06,1,million,USD,,,," for code in OTHERS]
    return write_csv(rows)


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("command", "head", "name"),
    [
        (
            ["summary"],
            "15 series with no full year or year-to-date figure (not shown; --all shows them): ",
            "AZE–{}",
        ),
        (
            ["growth"],
            "not computable (no figure for the same months a year before): ",
            "AZE–{} Q2 2020",
        ),
        (
            ["project", "2023"],
            "15 series with nothing for 2023 (not shown; --all shows them): ",
            "AZE–{}",
        ),
        (
            ["value", "-s", "2023"],
            "not available for 2023 (15 series, not shown; --all shows them): ",
            "AZE–{} turnover",
        ),
    ],
)
def test_a_note_lists_ten_names_then_how_many_more(
    runner: CliRunner, many: Path, command: list[str], head: str, name: str
) -> None:
    code, out, _ = run(runner, "--data", str(many), *command)
    assert code == 0
    first_ten = ", ".join(name.format(code) for code in OTHERS[:10])
    assert f"note: {head}{first_ten} and 5 more; --format json lists them all\n" in out
    assert name.format(OTHERS[10]) not in out


def test_json_lists_them_all(runner: CliRunner, many: Path) -> None:
    code, out, _ = run(runner, "--data", str(many), "value", "-s", "2023", "-f", "json")
    assert code == 0
    partners = {a["partner"] for a in json.loads(out)["answers"]}
    assert partners == {"TJK", *OTHERS}


def test_all_shows_the_rows_not_available(runner: CliRunner, many: Path) -> None:
    code, out, _ = run(runner, "--data", str(many), "value", "-s", "2023", "--all")
    assert code == 0
    assert all(f"AZE–{code} turnover" in out for code in OTHERS)
    assert "not shown" not in out


def test_summary_explain_derives_each_group_total_once(runner: CliRunner) -> None:
    code, out, _ = run(runner, "summary", "--explain")
    assert code == 0
    derived = "AZE–CIS turnover, published aggregate: Jan–Apr 2024 ($1.92B) = $1.92B"
    assert out.count(derived) == 1
    assert "AZE–CIS turnover, Jan–Apr 2024: $1.92B, derived above" in out
    assert len(out.splitlines()) < 330  # 426 lines before


@pytest.mark.parametrize(
    "command",
    [["summary"], ["project", "2023"], ["value", "-s", "2023"], ["growth", "-s", "2023"]],
    ids=["summary", "project", "value", "growth"],
)
def test_all_lists_the_folded_series_as_rows(
    runner: CliRunner, many: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # item 8: rows that are all "not available" are folded into one note unless --all
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run(runner, "--data", str(many), *command)
    assert code == 0
    assert "--all shows them" in out
    assert f"AZE–{OTHERS[10]}" not in out
    code, out, _ = run(runner, "--data", str(many), *command, "--all")
    assert code == 0
    assert "--all shows them" not in out
    for other in OTHERS:
        (row,) = [line for line in out.splitlines() if line.startswith(f"│ AZE–{other} ")]
        assert "not available" in row or "—" in row
