"""Groups where a country is expected (issue 14, item 6): ``value --partner central-asia``
answers with the member sum and its coverage; a command that answers for countries says
in one line to use ``--vs``; an unknown name is matched against groups and countries."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.cli import app


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def five(write_csv: Callable[..., Path]) -> Path:
    """AZE's 2023 turnover with each of the five central-asia members (groups.csv lines
    22-26: KAZ, KGZ, TJK, TKM, UZB), in millions."""
    return write_csv(
        [
            "AZE,KAZ,turnover,2023,10,million,USD,,,,",
            "AZE,KGZ,turnover,2023,1.5,million,USD,,,,",
            "AZE,TJK,turnover,2023,6.1,million,USD,,,,",
            "AZE,TKM,turnover,2023,20,million,USD,,,,",
            "AZE,UZB,turnover,2023,4.25,million,USD,,,,",
            "AZE,RUS,turnover,2023,999,million,USD,,,,",  # not a member
        ]
    )


@pytest.mark.parametrize("name", ["central-asia", "Central-Asia"])
def test_value_of_a_group_partner_is_the_member_sum(
    runner: CliRunner, five: Path, name: str
) -> None:
    code, out, err = run(
        runner, "--data", str(five), "value", "-p", name, "-s", "2023", "-f", "csv"
    )
    assert code == 0, err
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert (row["reporter"], row["partner"], row["period"]) == ("AZE", "CENTRAL-ASIA", "2023")
    assert float(row["value"]) == pytest.approx((10 + 1.5 + 6.1 + 20 + 4.25) * 1e6)
    assert row["rule"] == "member sum" and row["complete"] == "True"
    assert "5 of 5 members have data" in err


def test_an_incomplete_member_sum_says_its_coverage(runner: CliRunner) -> None:
    """The bundled data has AZE's 2023 turnover with TJK only (lines 30 and 34: 6.1 million)
    among the five members."""
    code, out, _ = run(runner, "value", "--partner", "central-asia", "-s", "2023")
    assert code == 0
    assert "AZE–CENTRAL-ASIA turnover" in out and "$6.1M" in out
    assert "1 of 5 members have data" in out  # a table's notes are part of it
    assert "missing KAZ, KGZ, TKM, UZB; this is not the group total" in out


@pytest.mark.parametrize(
    "command",
    [["summary"], ["growth"], ["project", "2024"], ["share", "--vs", "world"], ["mirror"]],
)
@pytest.mark.parametrize("name", ["central-asia", "cis-stat"])
def test_other_commands_say_in_one_line_to_use_vs(
    runner: CliRunner, command: list[str], name: str
) -> None:
    code, out, err = run(runner, *command, "--partner", name)
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"error: '{name}' is a group, not a country: ask with --vs {name}")
    assert "Malaysia" not in line and "Pakistan" not in line


def test_a_published_group_total_is_still_a_partner(runner: CliRunner) -> None:
    """``cis`` is the code of the CIS totals the bundled data publishes (partner CIS,
    lines 63, 73, 77 and 78 of the bundled CSV: turnover, export and import)."""
    code, out, _ = run(runner, "data", "-p", "cis", "-f", "csv")
    assert code == 0
    got = {(r["reporter"], r["partner"], r["flow"]) for r in csv.DictReader(io.StringIO(out))}
    assert got == {("AZE", "CIS", "turnover"), ("AZE", "CIS", "export"), ("AZE", "CIS", "import")}


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("centralasia", "did you mean central-asia (a group)"),
        ("cis-stats", "did you mean cis-stat (a group)?"),
        ("Tajikstan", "did you mean Tajikistan"),
    ],
)
def test_suggestions_come_from_groups_and_countries(
    runner: CliRunner, typed: str, suggested: str
) -> None:
    code, _, err = run(runner, "summary", "-p", typed)
    assert code == 1
    assert err.startswith(f"error: unknown country '{typed}'; {suggested}")


def test_a_claim_about_a_group_partner_names_its_line(runner: CliRunner, tmp_path: Path) -> None:
    claims = tmp_path / "c.toml"
    claims.write_text(
        '[[claim]]\nmeasure = "value"\npartner = "central-asia"\nperiod = "2023"\n'
        'stated = "6 million USD"\n',
        encoding="utf-8",
    )
    code, _, err = run(runner, "verify", str(claims))
    assert code == 1
    assert f"{claims}:3: claim 1: partner: 'central-asia': 'central-asia' is a group" in err
