"""The same series options on every command that selects series (``-r``/``-p`` on ``data``
and ``verify`` too), and the root options shown in each command's ``--help``."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.cli import app

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "data" / "azerbaijan-trade-published.csv"
CLAIMS = REPO / "examples" / "claims" / "trend-2023-09-14.toml"  # about AZE–TJK only
COMMANDS = ["summary", "value", "data", "share", "growth", "project", "mirror", "verify", "chart"]
ROOT_OPTIONS = ["--data", "--groups", "--format", "--explain", "--include-flagged", "--wide"]


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_lists_the_root_options(runner: CliRunner, command: str) -> None:
    code, out, _ = run(runner, command, "--help")
    assert code == 0
    own, _, shared = out.partition("Global options (before or after the command):")
    assert shared, out
    for option in ROOT_OPTIONS:
        assert option in shared, option
        assert f" {option} " not in own  # listed once, under its own heading
    assert "-f, --format" in shared and "-d, --data" in shared


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_that_selects_series_has_r_and_p(runner: CliRunner, command: str) -> None:
    _, out, _ = run(runner, command, "--help")
    assert "-r, --reporter COUNTRY" in out
    assert "-p, --partner COUNTRY|GROUP" in out


def test_the_root_help_does_not_list_them_twice(runner: CliRunner) -> None:
    _, out, _ = run(runner, "--help")
    assert "Global options" not in out
    assert out.count("--format") == 1


def _bundled_rows() -> list[dict[str, str]]:
    with BUNDLED.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("args", [["-p", "TJK"], ["--partner", "Tajikistan", "-r", "AZE"]])
def test_data_lists_only_the_selected_series(runner: CliRunner, args: list[str]) -> None:
    code, out, err = run(runner, "data", *args, "-f", "csv")
    assert code == 0, err
    got = {
        (row["reporter"], row["partner"], row["flow"]): int(row["observations"])
        for row in csv.DictReader(io.StringIO(out))
    }
    rows = [r for r in _bundled_rows() if (r["reporter"], r["partner"]) == ("AZE", "TJK")]
    expected = Counter(("AZE", "TJK", r["flow"]) for r in rows)  # every row of the pair
    assert got == dict(expected)
    assert f"{len(rows)} observations in 3 series" in err


def test_data_with_an_unknown_partner_is_said(runner: CliRunner) -> None:
    code, out, err = run(runner, "data", "-p", "Atlantis")
    assert code == 1 and out == ""
    assert "unknown country 'Atlantis'" in err


def test_verify_checks_only_the_claims_about_the_partner(runner: CliRunner, tmp_path: Path) -> None:
    claims = tmp_path / "claims.toml"
    # AZE–TJK 2022: 5.9 million, the latest publication (lines 31 and 35 of the bundled CSV)
    claims.write_text(
        '[[claim]]\nmeasure = "value"\nreporter = "AZE"\npartner = "TJK"\nperiod = "2022"\n'
        'stated = "5.9 million USD"\n\n'
        '[[claim]]\nmeasure = "value"\nreporter = "AZE"\npartner = "RUS"\nperiod = "2022"\n'
        'stated = "4 billion USD"\n',
        encoding="utf-8",
    )
    code, out, _ = run(runner, "verify", str(claims), "-p", "TJK", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    got = [(row["claim"], row["reporter"], row["partner"], row["period"]) for row in rows]
    assert got == [("1", "AZE", "TJK", "2022")]
    assert float(rows[0]["value"]) == 5_900_000 and rows[0]["verdict"] == "consistent"
    assert code == 0
    code, out, _ = run(runner, "verify", str(claims), "-f", "csv")
    assert len(list(csv.DictReader(io.StringIO(out)))) == 2


def test_verify_without_a_claim_about_the_partner_says_so(runner: CliRunner) -> None:
    code, out, err = run(runner, "verify", str(CLAIMS), "--partner", "KGZ")
    assert code == 1 and out == ""
    assert "no claim about KGZ" in err


def test_verify_reporter_is_the_default_for_claims_naming_none(
    runner: CliRunner, tmp_path: Path
) -> None:
    """With two reporters in the data a claim naming none is an error, unless -r names it."""
    data = tmp_path / "two.csv"
    data.write_text(
        "reporter,partner,flow,period,value,unit,currency\n"
        "AZE,TJK,turnover,2022,5.8,million,USD\n"
        "TJK,AZE,turnover,2022,6.1,million,USD\n",
        encoding="utf-8",
    )
    claims = tmp_path / "claims.toml"
    claims.write_text(
        '[[claim]]\nmeasure = "value"\npartner = "TJK"\nperiod = "2022"\n'
        'stated = "5.8 million USD"\n',
        encoding="utf-8",
    )
    code, _, err = run(runner, "--data", str(data), "verify", str(claims))
    assert code == 1 and "several reporters" in err
    code, out, err = run(
        runner, "--data", str(data), "verify", str(claims), "-r", "AZE", "-f", "csv"
    )
    assert code == 0, err
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert float(row["value"]) == 5_800_000  # line 2 of two.csv, AZE's figure, not TJK's
    assert row["verdict"].startswith("consistent")
