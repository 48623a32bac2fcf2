"""``summary --flow export,import[,turnover]``: the flows side by side over the same spans,
with the balance and the coverage, in every format.

Expected values are read off ``data/azerbaijan-trade-published.csv`` (lines cited) and
worked out by hand here.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tradecli.analysis.summary_flows import summarize_flows
from tradecli.cli import app
from tradecli.dataset import Dataset

# AZE–RUS 2023: export $1.2B (line 186) and $1.12B (line 189) disagree; both undated and
# exact, so the more significant digits win: $1.12B. Import "over $3.2B" (line 187)
# against $3.16B (line 190): the exact figure wins. Turnover $4.4B (line 76, and line 184,
# an official statement) against $4.36B (line 188): $4.36B.
RUS_2023 = {"export": 1.12e9, "import": 3.16e9, "turnover": 4.36e9}
# Jan–Jun 2024: export $557M (line 192), import $1.6B (line 193), turnover $2.17B (191).
RUS_H1_2024 = {"export": 557e6, "import": 1.6e9, "turnover": 2.17e9}


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


RUS = ["summary", "-r", "AZE", "-p", "RUS", "--flow", "export,import,turnover"]


def test_aze_rus_flows_side_by_side_with_the_balance(bundled: Dataset) -> None:
    result = summarize_flows(bundled, "export,import,turnover", reporter="AZE", partner="RUS")
    (pair,) = result.pairs
    assert pair.year is not None and pair.ytd is not None
    assert pair.year.period.iso() == "2023"
    assert pair.ytd.period.iso() == "2024-H1"
    for flow, value in RUS_2023.items():
        assert pair.year.now.answers[flow].value == pytest.approx(value)
    for flow, value in RUS_H1_2024.items():
        assert pair.ytd.now.answers[flow].value == pytest.approx(value)
    assert pair.year.now.balance == pytest.approx(1.12e9 - 3.16e9)  # -$2.04B
    assert pair.year.now.coverage == pytest.approx(1.12 / 3.16)
    assert pair.ytd.now.balance == pytest.approx(557e6 - 1.6e9)  # -$1.043B
    assert pair.ytd.now.coverage == pytest.approx(557 / 1600)
    # No 2022 export or import of AZE–RUS in the data: no change, never -100%.
    assert pair.year.change("export").value is None
    assert pair.year.balance_change is None


def test_the_table_and_its_notes(runner: CliRunner) -> None:
    code, out, _ = run(runner, *RUS)
    assert code == 0
    assert "Trade summary (export, import, turnover side by side)" in out
    lines = [line for line in out.splitlines() if line.startswith("│ AZE–RUS")]
    assert len(lines) == 2
    assert "2023" in lines[0] and "$1.12B" in lines[0] and "$3.16B" in lines[0]
    assert "$4.36B" in lines[0] and "-$2.04B" in lines[0] and "0.3544" in lines[0]
    assert "Jan–Jun 2024" in lines[1] and "$557M" in lines[1] and "-$1.043B" in lines[1]
    assert "both from an export and an import over the same span" in out


def test_the_keyed_records_in_csv_json_and_xlsx(runner: CliRunner, tmp_path: Path) -> None:
    code, out, _ = run(runner, *RUS, "-f", "csv")
    assert code == 0
    records = {r["flow"]: r for r in csv.DictReader(io.StringIO(out))}
    assert list(records) == ["export", "import", "turnover", "balance", "coverage"]
    for flow, value in RUS_2023.items():
        assert float(records[flow]["value"]) == pytest.approx(value)
        assert records[flow]["period"] == "2023"
        assert float(records[flow]["ytd_value"]) == pytest.approx(RUS_H1_2024[flow])
        assert records[flow]["ytd_period"] == "2024-H1"
        # The run-rate of Jan–Jun: × 12 / 6.
        assert float(records[flow]["run_rate"]) == pytest.approx(RUS_H1_2024[flow] * 2)
    assert float(records["balance"]["value"]) == pytest.approx(-2.04e9)
    assert float(records["balance"]["ytd_value"]) == pytest.approx(-1.043e9)
    assert float(records["balance"]["run_rate"]) == pytest.approx((557e6 - 1.6e9) * 2)
    assert float(records["coverage"]["value"]) == pytest.approx(1.12 / 3.16)
    assert records["coverage"]["unit"] == "ratio"
    # The import's 2023 loser "over $3.2B" is not used; the export and import are exact.
    assert records["balance"]["approximate"] == "False"

    code, out, _ = run(runner, *RUS, "-f", "json")
    payload = json.loads(out)
    (pair,) = payload["pairs"]
    assert pair["year"]["balance"] == pytest.approx(-2.04e9)
    assert pair["ytd"]["flows"]["turnover"]["value"] == pytest.approx(2.17e9)
    assert [r["flow"] for r in payload["records"]] == list(records)

    book = tmp_path / "flows.xlsx"
    code, _, _ = run(runner, *RUS, "-f", "xlsx", "--out", str(book))
    assert code == 0
    rows = list(load_workbook(book)["data"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    by_flow = {row[header.index("flow")]: row for row in body}
    assert by_flow["balance"][header.index("value")] == pytest.approx(-2.04e9)
    assert by_flow["import"][header.index("ytd_value")] == pytest.approx(1.6e9)


def test_explain_cites_the_lines_and_works_out_the_balance(runner: CliRunner) -> None:
    code, out, _ = run(runner, *RUS, "--explain")
    assert code == 0
    for line in (186, 187, 188, 189, 190, 191, 192, 193):
        assert f"csv:{line}]" in out
    assert "AZE–RUS balance 2023: export ($1.12B) − import ($3.16B) = -$2.04B" in out
    assert "AZE–RUS balance Jan–Jun 2024: export ($557M) − import ($1.6B) = -$1.043B" in out
    assert "run-rate 2024: $557M × 12 / 6 = $1.114B" in out


def test_the_balance_change_of_aze_tjk(bundled: Dataset) -> None:
    (pair,) = summarize_flows(bundled, ["export", "import"], reporter="AZE", partner="TJK").pairs
    assert pair.year is not None
    # 2023: export $5M (line 32) − import $1.1M (line 33) = $3.9M; 2022: $5.8M (line 10)
    # − $138K (line 12) = $5.662M; the balance fell by $1.762M.
    assert pair.year.now.balance == pytest.approx(3.9e6)
    assert pair.year.before.balance == pytest.approx(5.662e6)
    assert pair.year.balance_change == pytest.approx(-1.762e6)
    assert pair.year.change("export").value == pytest.approx(5 / 5.8 - 1)


def test_a_pair_without_both_flows_has_no_balance(runner: CliRunner) -> None:
    # AZE–CHN: one import figure, Jan–May 2020 $541.2M (line 198), no export.
    code, out, _ = run(runner, "summary", "-r", "AZE", "-p", "CHN", "--flow", "export,import")
    assert code == 0
    (row,) = [line for line in out.splitlines() if line.startswith("│ AZE–CHN")]
    assert "Jan–May 2020" in row and "$541.2M" in row
    assert "AZE–CHN: no export figure for Jan–May 2020: no balance" in out
    code, out, _ = run(
        runner, "summary", "-r", "AZE", "-p", "CHN", "--flow", "export,import", "-f", "csv"
    )
    records = {r["flow"]: r for r in csv.DictReader(io.StringIO(out))}
    assert records["balance"]["value"] == records["balance"]["ytd_value"] == ""
    assert float(records["import"]["ytd_value"]) == pytest.approx(541.2e6)


def test_the_rows_of_a_pair_are_over_spans_every_flow_has(bundled: Dataset) -> None:
    """Every row that shows a balance has every flow over that one span."""
    result = summarize_flows(bundled, "export,import", reporter="AZE")
    for pair in result.pairs:
        for s in pair.spans:
            periods = {a.period for a in s.now.answers.values()}
            assert len(periods) == 1
            assert (s.now.balance is not None) == s.shared


@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--sort", "value"], "not ranked"), (["--flow", "export,export"], "given twice")],
)
def test_usage_errors(runner: CliRunner, extra: list[str], message: str) -> None:
    args = ["summary", "-r", "AZE"] + (["--flow", "export,import"] if "--sort" in extra else [])
    code, _, err = run(runner, *args, *extra)
    assert code == 2 and message in err


def test_one_flow_is_the_plain_summary(runner: CliRunner) -> None:
    code, out, _ = run(runner, "summary", "-r", "AZE", "-p", "TJK", "--flow", "export")
    assert code == 0 and "Trade summary (export)" in out
