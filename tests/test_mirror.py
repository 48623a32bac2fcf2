"""``tradecli mirror``: each side's figures for the spans both report, and the gaps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.analysis.mirror import CAVEAT, MirrorRow, compare_mirrors, published_marks
from tradecli.cli import app
from tradecli.dataset import Dataset, load
from tradecli.engine.answers import SeriesKey
from tradecli.engine.reference import Engine
from tradecli.errors import NotAvailable
from tradecli.periods import Period

from .frames import frame, obs

FIXTURES = Path(__file__).resolve().parent / "fixtures"
COMTRADE = str(FIXTURES / "comtrade-plus-annual.csv")
IMF = str(FIXTURES / "imf-imts-long.csv")


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


def test_bundled_azerbaijan_against_tajikistan(bundled: Dataset) -> None:
    result = compare_mirrors(bundled, "AZE", "TJK")
    got = [
        (r.own.key.flow, r.period.iso(), r.own.value, r.mirror.value, published_marks(r.mirror))
        for r in result.rows
    ]
    # AZE 2022: $5.8M revised to $5.9M; TJK: "about $6.5M" (an official's statement)
    assert got == [
        ("turnover", "2022", 5.9e6, 6.5e6, ["about", "official-statement"]),
        ("turnover", "2023", 6.1e6, 7.5e6, ["about"]),
    ]
    assert [r.gap for r in result.rows] == pytest.approx([0.6e6, 1.4e6])
    assert [r.gap_relative for r in result.rows] == pytest.approx([0.6 / 5.9, 1.4 / 6.1])


def test_cli_on_the_bundled_data(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")  # with the partner's ranges, "as published" fits
    code, out, err = run(runner, "mirror", "--reporter", "AZE", "--partner", "TJK")
    assert code == 0, err
    assert "Mirror statistics: AZE–TJK" in out
    for text in ("$5.9M", "$6.5M", "$6.1M", "$7.5M", "+10.2%", "+23.0%", "TJK: about"):
        assert text in out
    assert "official-statement" in out
    assert "CIF" in out and "FOB" in out


def test_cli_json_equals_the_library_result(runner: CliRunner, bundled: Dataset) -> None:
    code, out, _ = run(runner, "mirror", "-r", "Azerbaijan", "-p", "Tajikistan", "-f", "json")
    assert code == 0
    got = json.loads(out)
    records, _ = got.pop("records"), got.pop("metadata")
    assert got == compare_mirrors(bundled, "AZE", "TJK").to_dict()  # notes: the gap, CIF/FOB
    assert len(records) == len(got["comparisons"])
    assert json.loads(out)["notes"][1] == CAVEAT


def test_every_pair_that_reports_on_each_other(bundled: Dataset) -> None:
    result = compare_mirrors(bundled)
    pairs = {(r.own.key.reporter, r.own.key.partner) for r in result.rows}
    assert ("AZE", "TJK") in pairs
    published = {(k.reporter, k.partner) for k in bundled.engine.keys()}
    assert all((b, a) in published for a, b in pairs)
    assert all(a < b for a, b in pairs)


def test_downloads_of_both_sides(runner: CliRunner) -> None:
    # Azerbaijan's Comtrade+ file against Tajikistan's IMF (IMTS) file, 2022:
    # AZE exports 5,812,345.67 vs TJK imports 6,500,000; AZE imports 138,000 vs
    # TJK exports 200,000; turnover 5,950,345.67 vs 6,700,000
    dataset = load([Path(COMTRADE), Path(IMF)])
    result = compare_mirrors(dataset, "AZE", "TJK")
    got = [(r.own.key.flow, r.mirror.key.flow, r.period.iso()) for r in result.rows]
    assert got == [
        ("export", "import", "2022"),
        ("import", "export", "2022"),
        ("turnover", "turnover", "2022"),
    ]
    assert [r.gap for r in result.rows] == pytest.approx([687654.33, 62000.0, 749654.33])
    assert [r.gap_relative for r in result.rows] == pytest.approx(
        [687654.33 / 5812345.67, 62000 / 138000, 749654.33 / 5950345.67]
    )
    assert result.rows[2].own.rule == "export+import"

    code, out, err = run(runner, "--data", COMTRADE, "--data", IMF, "mirror", "-r", "AZE")
    assert code == 0, err
    assert "export ↔ import" in out and "import ↔ export" in out
    assert "$5.812M" in out and "$6.5M" in out


def test_one_span(runner: CliRunner) -> None:
    code, out, _ = run(runner, "mirror", "-r", "AZE", "-p", "TJK", "--period", "2023")
    assert code == 0
    assert "$7.5M" in out and "$6.5M" not in out


def test_no_common_span_says_what_each_side_has(runner: CliRunner) -> None:
    code, _, err = run(runner, "mirror", "-r", "TJK", "-p", "AZE", "--period", "2019-01/2019-04")
    assert code == 1
    assert "no span for Jan–Apr 2019 that both sides report" in err
    assert "TJK reports AZE for Jan–Apr 2019, 2022, 2023" in err


def test_a_side_that_publishes_nothing(runner: CliRunner) -> None:
    code, _, err = run(runner, "mirror", "-r", "AZE", "-p", "TUR")
    assert code == 1
    assert "TUR publishes nothing on AZE" in err


def test_a_malformed_period_is_a_usage_error(runner: CliRunner) -> None:
    code, _, _ = run(runner, "mirror", "--period", "2023-13")
    assert code == 2


def test_no_pairs_at_all() -> None:
    dataset = Dataset(frame(obs("2022", 5.0)), load().groups, [])
    with pytest.raises(NotAvailable, match="no pair of countries"):
        compare_mirrors(dataset)


def test_a_zero_figure_has_no_relative_gap() -> None:
    data = frame(obs("2022", 0.0), obs("2022", 3.0, reporter="TJK", partner="AZE"))
    engine = Engine(data)
    own = engine.value(SeriesKey("AZE", "TJK", "turnover"), Period.year(2022))
    mirror = engine.value(SeriesKey("TJK", "AZE", "turnover"), Period.year(2022))
    row = MirrorRow(own, mirror)
    assert row.gap == 3.0
    assert row.gap_relative is None
    assert json.dumps(row.to_dict(), allow_nan=False)
