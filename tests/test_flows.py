"""``value --flow export,import,turnover``: flows side by side, balance and coverage.

Expected values are read off ``data/azerbaijan-trade-published.csv`` (lines cited)
and worked out by hand here.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from tradecli.analysis.flows import check_flows, side_by_side
from tradecli.cli import app
from tradecli.dataset import Dataset, load
from tradecli.errors import BadRequest
from tradecli.periods import Period

H1_2024 = Period.parse("2024-01/2024-06")


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def data() -> Dataset:
    return load()


def test_aze_rus_balance_over_a_span_with_both_flows(data: Dataset) -> None:
    result = side_by_side(data, H1_2024, "export,import,turnover", reporter="AZE", partner="RUS")
    (pair,) = result.pairs
    # Jan–Jun 2024: export $557M (line 192), import $1.6B (line 193), turnover $2.17B (191).
    assert pair.answers["export"].value == pytest.approx(557e6)
    assert pair.answers["import"].value == pytest.approx(1.6e9)
    assert pair.answers["turnover"].value == pytest.approx(2.17e9)
    assert pair.balance == pytest.approx(557e6 - 1.6e9)
    assert pair.coverage == pytest.approx(557e6 / 1.6e9)
    assert pair.reason == ""


def test_no_balance_without_both_flows_over_the_span(data: Dataset) -> None:
    # Q1 2024: AZE–RUS export $289M (line 75) and turnover $891M (line 74), no import.
    result = side_by_side(
        data, Period.parse("2024-01/2024-03"), ["export", "import"], reporter="AZE", partner="RUS"
    )
    (pair,) = result.pairs
    assert pair.answers["export"].value == pytest.approx(289e6)
    assert not pair.answers["import"].found
    assert pair.balance is None and pair.coverage is None
    assert pair.reason == "no import figure for Q1 2024: no balance"


def test_flows_side_by_side_from_the_command_line(runner: CliRunner) -> None:
    args = ["value", "-p", "RUS", "--period", "2024-01/2024-06", "--flow", "export,import"]
    code, out, _ = run(runner, *args)
    assert code == 0
    assert "$557M" in out and "$1.6B" in out
    assert "-$1.043B" in out  # 557M − 1.6B
    code, out, _ = run(runner, *args, "-f", "csv")
    records = {r["flow"]: r for r in csv.DictReader(io.StringIO(out))}
    assert set(records) == {"export", "import", "balance", "coverage"}
    assert float(records["balance"]["value"]) == pytest.approx(557e6 - 1.6e9)
    assert float(records["coverage"]["value"]) == pytest.approx(557 / 1600)
    assert records["coverage"]["unit"] == "ratio"
    assert records["balance"]["period"] == records["export"]["period"] == "2024-H1"
    code, out, _ = run(runner, *args, "-f", "json")
    (pair,) = json.loads(out)["pairs"]
    assert pair["balance"] == pytest.approx(557e6 - 1.6e9)
    code, out, _ = run(runner, *args, "--explain")
    assert "export ($557M) − import ($1.6B) = -$1.043B" in out
    assert "csv:192]" in out and "csv:193]" in out


@pytest.mark.parametrize(
    ("flows", "message"),
    [
        ("export,barter", "'barter' is not one of"),
        ("export,,import", "separated by commas"),
        ("import,import", "import given twice"),
    ],
)
def test_bad_flow_lists(runner: CliRunner, flows: str, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        check_flows(flows)
    code, _, err = run(runner, "value", "--period", "2023", "--flow", flows)
    assert code == 2 and message in err
    assert err.count("--flow") == 1  # the option is named once, by the error boundary


def test_one_flow_is_the_plain_value(runner: CliRunner) -> None:
    code, out, _ = run(
        runner, "value", "-p", "RUS", "--period", "2024-01/2024-06", "--flow", "import"
    )
    assert code == 0 and "AZE–RUS import" in out and "balance" not in out


def test_the_balance_range_follows_from_approximate_figures(runner: CliRunner) -> None:
    # AZE–WORLD 2023: export $33.8B (line 117, exact: its own range), import "about" $17.2B
    # (line 118: ± $0.05B): balance $16.6B, between 33.8 − 17.25 and 33.8 − 17.15 billion.
    code, out, _ = run(
        runner, "value", "-p", "WORLD", "--period", "2023", "--flow", "export,import", "-f", "csv"
    )
    assert code == 0
    records = {r["flow"]: r for r in csv.DictReader(io.StringIO(out))}
    balance = records["balance"]
    assert float(balance["value"]) == pytest.approx(16.6e9)
    assert float(balance["low"]) == pytest.approx(16.55e9)
    assert float(balance["high"]) == pytest.approx(16.65e9)
    assert balance["approximate"] == "True"
    coverage = records["coverage"]
    assert float(coverage["low"]) == pytest.approx(33.8 / 17.25)
    assert float(coverage["high"]) == pytest.approx(33.8 / 17.15)
