"""Machine formats with keys: one stable schema per command whatever the number of rows,
periods as codes --period accepts, values in base units, the formula guard on text only;
JSON has the same records plus notes and metadata."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.render import safe_csv_cell

KEYS = [
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
OWN = {
    "summary": ["change", "ytd_period", "ytd_value", "ytd_change", "run_rate", "shares"],
    "growth": [
        "change",
        "change_low",
        "change_high",
        "base_period",
        "base_value",
        "year",
        "year_value",
        "year_change",
        "year_change_low",
        "year_change_high",
        "cagr",
        "cagr_low",
        "cagr_high",
        "cagr_from",
        "cagr_to",
    ],
    "value": ["rule", "complete", "qualifiers"],
}


def rows(runner: CliRunner, *args: str) -> tuple[list[str], list[dict[str, str]]]:
    result = runner.invoke(app, [*args, "-f", "csv"], prog_name="tradecli")
    assert result.exit_code == 0, result.stderr
    reader = csv.DictReader(io.StringIO(result.stdout))
    return list(reader.fieldnames or []), list(reader)


@pytest.mark.parametrize(
    ("command", "narrow", "broad"),
    [
        ("summary", ["-p", "TJK"], []),
        ("growth", ["-p", "TJK"], []),
        ("value", ["-p", "TJK", "--period", "2023"], ["--period", "2023"]),
    ],
)
def test_one_schema_whatever_the_number_of_rows(
    runner: CliRunner, command: str, narrow: list[str], broad: list[str]
) -> None:
    one_header, one = rows(runner, command, *narrow)
    many_header, many = rows(runner, command, *broad)
    assert len(one) == 1 and len(many) > 5
    assert one_header == many_header == KEYS + OWN[command]


def test_value_record_by_hand(runner: CliRunner) -> None:
    # data/azerbaijan-trade-published.csv: AZE–TJK turnover Jan–Jun 2023 = 1.786 million
    # (line 53), Q1 2023 = "about" 1 million (line 2): Q2 = 786,000, approximate.
    _, [row] = rows(runner, "value", "-p", "TJK", "--period", "2023-Q2")
    assert (row["reporter"], row["partner"], row["flow"], row["currency"]) == (
        "AZE",
        "TJK",
        "turnover",
        "USD",
    )
    assert row["period"] == "2023-Q2" and row["unit"] == "unit"
    assert float(row["value"]) == pytest.approx(1_786_000 - 1_000_000)
    assert row["approximate"] == "True"
    # Jan–Jun 1.786 million stands for 1.7855-1.7865 million (± half its last digit); "about"
    # 1 million for 0.5-1.5 million: Q2 lies in 1.7855M - 1.5M to 1.7865M - 0.5M.
    assert float(row["low"]) == pytest.approx(1_785_500 - 1_500_000)
    assert float(row["high"]) == pytest.approx(1_786_500 - 500_000)
    assert "about" in row["flags"].split(";") and "garbled-in-source" in row["flags"].split(";")
    assert row["rule"] == "difference"


def test_summary_periods_are_codes_that_period_accepts(runner: CliRunner) -> None:
    _, [row] = rows(runner, "summary", "-p", "TJK")
    # AZE–TJK: 2023 = 6.1 million, 2022 = 5.9 million; Jan–Apr 2024 = 2208 thousand
    assert row["period"] == "2023" and float(row["value"]) == 6_100_000
    assert float(row["low"]) == float(row["high"]) == 6_100_000
    assert float(row["change"]) == pytest.approx(6.1 / 5.9 - 1)
    assert row["ytd_period"] == "2024-01/2024-04" and float(row["ytd_value"]) == 2_208_000
    assert float(row["run_rate"]) == pytest.approx(2_208_000 * 12 / 4)
    _, [again] = rows(runner, "value", "-p", "TJK", "--period", row["ytd_period"])
    assert float(again["value"]) == 2_208_000


def test_every_row_says_which_series_it_is(runner: CliRunner) -> None:
    _, records = rows(runner, "summary")
    keys = [(r["reporter"], r["partner"], r["flow"], r["currency"]) for r in records]
    assert len(set(keys)) == len(keys)
    assert ("RUS", "AZE", "turnover", "RUB") in keys and ("RUS", "AZE", "turnover", "USD") in keys


def test_numbers_are_numbers_and_only_text_is_guarded(runner: CliRunner) -> None:
    result = runner.invoke(app, ["summary", "-p", "WORLD", "-f", "csv"], prog_name="tradecli")
    line = result.stdout.splitlines()[1]
    assert "'-" not in line and "'+" not in line
    _, [row] = rows(runner, "summary", "-p", "WORLD")
    # AZE–WORLD: 2023 = 51 billion; 2022 = 52.68 billion (the later publication, line 116)
    assert float(row["change"]) == pytest.approx(51 / 52.68 - 1)
    assert safe_csv_cell("=1+2") == "'=1+2"
    assert safe_csv_cell("-3%") == "'-3%"  # text that looks like a formula
    assert safe_csv_cell(-0.03) == -0.03  # a number is never touched


def test_json_has_the_same_records_notes_and_metadata(runner: CliRunner) -> None:
    header, csv_rows = rows(runner, "summary")
    result = runner.invoke(app, ["summary", "-f", "json"], prog_name="tradecli")
    payload = json.loads(result.stdout)
    assert payload["metadata"]["fields"] == header
    assert len(payload["records"]) == len(csv_rows)
    for record, row in zip(payload["records"], csv_rows, strict=True):
        assert list(record) == header
        for key in ("reporter", "partner", "flow", "currency", "period", "flags"):
            assert (record[key] or "") == row[key]
        assert record["value"] == (float(row["value"]) if row["value"] else None)
    assert any("run-rate" in note for note in payload["notes"])
    assert "series" in payload  # the full result is still there
