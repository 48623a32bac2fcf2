"""The analytics commands from the command line: figures, formats, --explain, error paths."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tradecli.analysis.growth import growth
from tradecli.analysis.projection import Method, project
from tradecli.analysis.share import member_keys, shares
from tradecli.analysis.summary import summarize
from tradecli.cli import app
from tradecli.cli.choices import FLOWS
from tradecli.dataset import Dataset, Filters, load
from tradecli.engine.answers import SeriesKey
from tradecli.observations import FLOWS as OBSERVATION_FLOWS
from tradecli.periods import Period
from tradecli.selection import Selection

TJK = SeriesKey("AZE", "TJK", "turnover")


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


def roundtrip(data: Any) -> Any:
    return json.loads(json.dumps(data))


# -- the figures ------------------------------------------------------------------


def test_project_as_published_on_2023_09_14(runner: CliRunner) -> None:
    code, out, _ = run(runner, "project", "2023", "--partner", "TJK", "--vintage", "2023-09-14")
    assert code == 0
    assert f"${2.3 * 12 / 7:.4g}M" in out  # $3.943M
    assert f"{(2.3 * 12 / 7 / 5.8 - 1) * 100:+.1f}%" in out  # -32.0%
    assert "over $2.3M" in out and "linear" in out and "Jan–Jul 2023" in out
    assert "left out" in out


def test_project_as_of_july_2023(runner: CliRunner) -> None:
    code, out, _ = run(runner, "project", "2023", "-p", "TJK", "--as-of", "2023-07")
    assert code == 0
    assert f"{(2.3 * 12 / 7 / 5.9 - 1) * 100:+.1f}%" in out  # -33.2%
    assert "$5.9M" in out


def test_project_a_complete_year(runner: CliRunner) -> None:
    code, out, _ = run(runner, "project", "2023", "--partner", "Tajikistan")
    assert code == 0
    assert "2023 is complete in the data: $6.1M" in out
    assert f"${4.103 * 12 / 8:.4g}M" in out  # linear $6.154M
    assert f"${5.9 * 4.103 / 3.828:.4g}M" in out  # ytd-growth $6.324M
    assert f"${4.103 / ((3.828 / 5.9 + 5.5 / 7.5) / 2):.4g}M" in out  # seasonal $5.937M


def test_share_of_cis_stat(runner: CliRunner) -> None:
    code, out, _ = run(runner, "share", "--vs", "cis-stat", "--partner", "TJK")
    assert code == 0
    assert "Jan–Apr 2024" in out and "0.115%" in out and "published CIS total" in out


def test_share_vs_cis_with_nothing_else(runner: CliRunner) -> None:
    code, out, _ = run(runner, "share", "--vs", "cis")
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("│")]
    assert "AZE–RUS" in lines[0] and "68.1%" in lines[0]  # largest first
    assert any("AZE–TJK" in line and "0.115%" in line for line in lines)


def test_share_all_ranks_every_member(runner: CliRunner) -> None:
    code, out, _ = run(runner, "share", "--vs", "cis-stat", "--all", "-p", "TJK")
    assert code == 0
    assert "AZE–UKR" in out and "AZE–TJK ◂" in out


def test_growth_jan_aug_2023(runner: CliRunner) -> None:
    code, out, _ = run(runner, "growth", "--period", "2023-01/2023-08")
    assert code == 0
    row = next(line for line in out.splitlines() if "AZE–TJK" in line)
    assert f"{(4.103 / 3.828 - 1) * 100:+.1f}%" in row  # +7.2%


def test_summary_reads_in_100_columns(runner: CliRunner) -> None:
    code, out, _ = run(runner, "summary")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100  # table and notes
    assert "AZE–TJK" in out and "run-rate" in out and "0.115%" in out


# -- JSON is the library result ---------------------------------------------------------


def _keys(dataset: Dataset) -> list[SeriesKey]:
    return Selection.parse(dataset, None, None).keys(dataset)


JSON_CASES: list[tuple[list[str], Callable[[], Any]]] = [
    (["summary"], lambda: summarize(load(), _keys(load()))),
    (
        ["share", "--vs", "cis"],
        lambda: shares(
            load(),
            member_keys(load(), load().groups.get("cis"), ["AZE"], None, "turnover"),
            load().groups.get("cis"),
        ),
    ),
    (
        ["growth", "--period", "2023-01/2023-08"],
        lambda: growth(load(), _keys(load()), Period.parse("2023-01/2023-08")),
    ),
    (["project", "2023"], lambda: project(load(), _keys(load()), 2023)),
    (
        ["project", "2023", "--vintage", "2023-09-14", "--method", "linear"],
        lambda: project(
            ds := load(filters=Filters(vintage="2023-09-14")), _keys(ds), 2023, Method.linear
        ),
    ),
    (
        ["project", "2023", "--backtest"],
        lambda: project(load(), _keys(load()), 2023, backtest=True),
    ),
]


@pytest.mark.parametrize(
    ("args", "compute"), JSON_CASES, ids=lambda a: " ".join(a) if isinstance(a, list) else ""
)
def test_json_equals_the_library_result(
    runner: CliRunner, args: list[str], compute: Callable[[], Any]
) -> None:
    code, out, _ = run(runner, *args, "--format", "json")
    assert code == 0
    payload = json.loads(out)
    result = compute()
    if "records" in payload:  # keyed commands: the CSV's records, notes and metadata too
        assert payload.pop("records") == roundtrip(result.report().machine_records())
        payload.pop("notes"), payload.pop("metadata")
    assert payload == roundtrip(result.to_dict())


# -- every format, --explain ------------------------------------------------------------

COMMANDS = [
    ["summary", "--partner", "TJK"],
    ["share", "--vs", "cis", "-p", "TJK"],
    ["growth", "-p", "TJK"],
    ["project", "2023", "-p", "TJK"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_every_format(runner: CliRunner, args: list[str], fmt: str) -> None:
    code, out, _ = run(runner, "--format", fmt, *args)
    assert code == 0 and out.strip()
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows and all(r for r in rows)
    if fmt == "markdown":
        assert out.startswith("**") and "|---" in out


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_explain_shows_the_published_figures(runner: CliRunner, args: list[str]) -> None:
    code, out, _ = run(runner, *args, "--explain")
    assert code == 0
    assert "source: " in out and "https://" in out
    assert "Today.az" in out or "Trend News Agency" in out


def test_explain_shows_the_rule_of_a_projection(runner: CliRunner) -> None:
    code, out, _ = run(
        runner, "project", "2023", "-p", "TJK", "--vintage", "2023-09-14", "--explain"
    )
    assert code == 0
    assert "linear: $2.3M × 12 / 7 = $3.943M" in out
    assert "2023-09-14 https://menafn.com/" in out


def test_csv_neutralises_formula_cells(
    runner: CliRunner, tmp_path: Path, write_csv: Callable[..., Path]
) -> None:
    """A user's group named '@evil' reaches the shares cell; a spreadsheet must not run it."""
    data = write_csv(
        ["AZE,TJK,turnover,2023,1,million,USD,,,,", "AZE,KAZ,turnover,2023,3,million,USD,,,,"]
    )
    groups = tmp_path / "groups.csv"
    groups.write_text(
        "group,member,valid_from,valid_to,note\n@evil,TJK,,,\n@evil,KAZ,,,\n", encoding="utf-8"
    )
    code, out, _ = run(
        runner, "--data", str(data), "--groups", str(groups), "-f", "csv", "summary", "-p", "TJK"
    )
    assert code == 0
    cell = next(csv.DictReader(io.StringIO(out)))["shares"]
    assert cell == "'@evil 25.0% (2023)"


# -- error paths: exit code and message ---------------------------------------------------

ERRORS = [
    (
        ["share", "--vs", "cis", "--period", "2023-01/2023-07"],
        1,
        ["no AZE–CIS total for Jan–Jul 2023", "CIS spans in the data", "Jan–Apr 2024"],
    ),
    (["share", "--vs", "narnia"], 1, ["unknown group 'narnia'", "groups are: central-asia"]),
    (["share", "--vs", "cis", "--partner", "TUR"], 1, ["TUR is not a member of cis"]),
    (["share", "--vs", "eu27"], 1, ["with a member of eu27"]),
    (["share"], 2, ["--vs"]),
    (["share", "--vs", "cis", "--period", "2023-13"], 2, ["month 13 is not 1..12"]),
    (["growth", "--from", "2023", "--to", "2022"], 2, ["--from 2023 must be before --to 2022"]),
    (["growth", "--period", "2030"], 1, ["no series has a figure for 2030"]),
    (["growth", "--partner", "Narnia"], 1, ["Narnia"]),
    (["project", "soon"], 2, ["Invalid value for 'YEAR'"]),
    (["project", "2023", "--method", "magic"], 2, ["'magic' is not one of 'auto', 'linear'"]),
    (["project", "2023", "--as-of", "2023"], 2, ["'2023' is not a month"]),
    (["project", "2023", "--as-of", "July"], 2, ["accepted forms"]),
    (["project", "2023", "--vintage", "14.09.2023"], 2, ["'14.09.2023' is not a date"]),
    (["project", "2023", "--vintage", "2023-02-30"], 2, ["is not a date"]),
    (["project", "2031"], 1, ["nothing to project 2031 from", "years in the data"]),
    (["project", "2023", "--as-of", "2022-12", "-p", "TJK"], 1, ["nothing to project 2023"]),
    (["summary", "--partner", "Atlantis"], 1, ["Atlantis"]),
    (
        ["summary", "--flow", "balance"],
        2,
        ["'balance' is not one of 'export', 'import', 'turnover'"],
    ),
    (["share", "--vs", "cis", "--flow", "barter"], 2, ["'barter' is not one of 'export'"]),
]


@pytest.mark.parametrize(("args", "exit_code", "phrases"), ERRORS, ids=lambda a: str(a))
def test_errors_say_what_is_wrong(
    runner: CliRunner, args: list[str], exit_code: int, phrases: list[str]
) -> None:
    code, out, err = run(runner, *args)
    assert code == exit_code, (out, err)
    text = " ".join(err.split())
    for phrase in phrases:
        assert phrase in text, text
    assert "Traceback" not in err and out == ""


def test_the_flows_the_cli_accepts_are_the_observation_flows() -> None:
    assert FLOWS == OBSERVATION_FLOWS
