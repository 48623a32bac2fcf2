"""One keyed schema per command (issue 14, item 3): CSV and JSON records start with the
series' key and the figure, then the command's own columns, the same whatever the number
of rows; ``period`` is a code ``--period`` accepts; JSON holds the same records with the
notes and metadata."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.periods import Period

KEY = [
    "reporter",
    "partner",
    "flow",
    "currency",
    "unit",
    "period",
    "value",
    "low",
    "high",
    "approximate",
    "flags",
]
CLAIMS = Path(__file__).resolve().parents[1] / "examples" / "claims" / "trend-2023-09-14.toml"

# Each command asked twice: for one series and for many (or other spans): same columns.
COMMANDS = {
    "summary": (["summary", "-p", "TJK"], ["summary"]),
    "value": (["value", "-p", "TJK", "-s", "2023"], ["value", "-s", "2023", "--all"]),
    "growth": (["growth", "-p", "TJK"], ["growth"]),
    "share": (["share", "--vs", "cis", "-p", "TJK"], ["share", "--vs", "world"]),
    "share --all": (
        ["share", "--vs", "cis", "-p", "TJK", "--all"],
        ["share", "--vs", "central-asia", "--all"],
    ),
    "project": (["project", "2024", "-p", "TJK"], ["project", "2024"]),
    "mirror": (["mirror", "-r", "AZE", "-p", "TJK"], ["mirror"]),
    "verify": (["verify", str(CLAIMS), "-p", "TJK"], ["verify", str(CLAIMS)]),
    "data": (["data", "-p", "TJK"], ["data"]),
    "data --conflicts": (["data", "--conflicts", "-p", "TJK"], ["data", "--conflicts"]),
}


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


def header_and_rows(runner: CliRunner, args: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    code, out, err = run(runner, *args, "-f", "csv")
    assert code in (0, 1), err  # verify: 1 when a claim is inconsistent
    reader = csv.DictReader(io.StringIO(out))
    return list(reader.fieldnames or []), list(reader)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_same_keyed_columns_whatever_the_rows(runner: CliRunner, command: str) -> None:
    one, many = COMMANDS[command]
    header_one, rows_one = header_and_rows(runner, one)
    header_many, rows_many = header_and_rows(runner, many)
    assert header_one[: len(KEY)] == KEY
    assert header_one == header_many
    assert rows_one and rows_many
    for row in rows_one + rows_many:
        assert row["reporter"] and row["partner"] and row["flow"] and row["currency"]
        if row["period"]:
            assert Period.parse(row["period"]).iso() == row["period"]  # --period takes it
        assert row["approximate"] in ("True", "False")
        for number in ("value", "low", "high"):
            if row[number]:
                float(row[number])  # a number, never a guarded text ('-3%)
        if row["value"] and row["low"] and row["high"]:
            assert float(row["low"]) <= float(row["value"]) <= float(row["high"])


@pytest.mark.parametrize("command", list(COMMANDS))
def test_json_holds_the_same_records_notes_and_metadata(runner: CliRunner, command: str) -> None:
    args = COMMANDS[command][0]
    header, rows = header_and_rows(runner, args)
    code, out, _ = run(runner, *args, "-f", "json")
    assert code in (0, 1)
    payload = json.loads(out)
    assert payload["metadata"]["fields"] == header
    assert isinstance(payload["notes"], list)
    records = payload["records"]
    assert len(records) == len(rows)
    for record, row in zip(records, rows, strict=True):
        assert list(record) == header
        for name in ("reporter", "partner", "flow", "period"):
            assert (record[name] or "") == row[name]


def test_share_record_by_hand(runner: CliRunner) -> None:
    """data/azerbaijan-trade-published.csv: AZE–TJK turnover 2023 = 6.1 million (lines 30
    and 34), AZE–WORLD 2023 = 51 billion: the share of the latest span with both."""
    _, rows = header_and_rows(runner, ["share", "--vs", "world", "-p", "TJK"])
    (row,) = rows
    assert (row["reporter"], row["partner"], row["period"], row["group"]) == (
        "AZE",
        "TJK",
        "2023",
        "world",
    )
    assert float(row["value"]) == 6_100_000 and float(row["total"]) == 51e9
    assert float(row["share"]) == pytest.approx(6.1e6 / 51e9)


def test_mirror_record_by_hand(runner: CliRunner) -> None:
    """AZE–TJK turnover 2022: 5.9 million as AZE publishes it (lines 31 and 35), against
    TJK's "about" 6.5 million for TJK–AZE."""
    _, rows = header_and_rows(runner, ["mirror", "-r", "AZE", "-p", "TJK", "-s", "2022"])
    (row,) = rows
    assert (row["reporter"], row["partner"], row["mirror_reporter"]) == ("AZE", "TJK", "TJK")
    assert float(row["value"]) == 5_900_000 and float(row["mirror_value"]) == 6_500_000
    assert float(row["gap"]) == pytest.approx(600_000)
