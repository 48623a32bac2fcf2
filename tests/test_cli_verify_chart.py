"""``tradecli verify`` and ``tradecli chart`` on the command line: output, exit codes, errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.analysis.chart import ChartKind, annual_chart
from tradecli.analysis.claims import read_claims, verify
from tradecli.cli import app
from tradecli.cli.choices import CHART_KINDS
from tradecli.dataset import Dataset
from tradecli.engine.answers import SeriesKey

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "claims" / "trend-2023-09-14.toml"
TJK = SeriesKey("AZE", "TJK", "turnover")


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, text: str, name: str = "claims.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- verify ------------------------------------------------------------------------------------


def test_verify_the_article(runner: CliRunner) -> None:
    code, out, err = run(runner, "verify", str(EXAMPLE))
    assert code == 0, err
    assert "1 consistent, 1 bounded, 1 unverifiable" in out
    assert "consistent *" in out and "bounded (inside)" in out and "unverifiable" in out
    assert "$1.786M to $4.103M" in out
    assert "since revised" in out and "$5.9M" in out
    assert "no AZE–CIS total for Jan–Jul 2023" in out
    assert err == ""


def test_verify_json_equals_the_library_result(runner: CliRunner, bundled: Dataset) -> None:
    code, out, _ = run(runner, "verify", str(EXAMPLE), "--format", "json")
    assert code == 0
    expected = verify(bundled, read_claims(EXAMPLE)).to_dict()
    got = json.loads(out)
    keyed = {name: got.pop(name) for name in ("records", "notes", "metadata")}
    assert got == json.loads(json.dumps(expected))
    assert len(keyed["records"]) == len(got["claims"])
    assert [c["verdict"] for c in json.loads(out)["claims"]] == [
        "consistent",
        "bounded",
        "unverifiable",
    ]


def test_verify_explain_shows_each_derivation(runner: CliRunner) -> None:
    code, out, _ = run(runner, "verify", str(EXAMPLE), "--explain")
    assert code == 0
    assert "AZE–TJK turnover, Jan–Jun 2023 published: $1.786M" in out
    assert "Ghroona" in out and "Pars Today" in out
    assert "superseded: $5.8M" in out


@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_verify_other_formats(runner: CliRunner, fmt: str) -> None:
    code, out, _ = run(runner, "verify", str(EXAMPLE), "-f", fmt)
    assert code == 0
    assert ("bounded,inside" if fmt == "csv" else "bounded (inside)") in out


def test_an_inconsistent_claim_prints_the_report_then_exits_1(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        'reporter = "AZE"\npartner = "TJK"\n[[claim]]\nperiod = "2022"\nstated = "$5.8 million"\n',
    )
    code, out, err = run(runner, "verify", str(path))
    assert code == 1
    assert "inconsistent" in out and "$5.9M" in out  # the whole report, on stdout
    assert err == (
        "error: 1 of 1 claims inconsistent with the data: claim 1 (AZE–TJK turnover, 2022)\n"
    )


def test_a_bad_claims_file_lists_its_problems(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, '[[claim]]\nmeasure = "value"\nperiod = "2023-Q5"\nstated = "lots"\n')
    code, out, err = run(runner, "verify", str(path))
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {path}:3: claim 1: period: '2023-Q5': ")
    assert f"{path}:4: claim 1: stated: 'lots': not a figure as published" in err
    assert "Traceback" not in err


def test_a_claims_file_that_is_not_toml(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "[[claim]\n")
    code, _, err = run(runner, "verify", str(path))
    assert code == 1
    assert err.startswith(f"error: {path}:1: -: '': not valid TOML")


def test_a_missing_claims_file_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = run(runner, "verify", str(tmp_path / "nope.toml"))
    assert code == 2
    assert "does not exist" in err


# -- chart -----------------------------------------------------------------------------------


def test_chart_kinds_match_the_library() -> None:
    assert tuple(ChartKind) == CHART_KINDS


def test_text_chart_in_the_terminal(runner: CliRunner) -> None:
    code, out, err = run(runner, "chart", "--partner", "Tajikistan")
    assert code == 0, err
    assert out.startswith("Azerbaijan–Tajikistan turnover by year (US$ million)")
    assert "▒" in out and "░" in out
    code, out, _ = run(runner, "chart", "-p", "TJK", "--kind", "ytd")
    assert code == 0 and "Jan–Aug 2023" in out
    code, out, _ = run(runner, "chart", "-p", "TJK", "--kind", "share", "--vs", "world")
    assert code == 0 and "0.0112%" in out


def test_chart_png_and_svg_files(runner: CliRunner, tmp_path: Path) -> None:
    png, svg = tmp_path / "a.png", tmp_path / "a.svg"
    code, out, err = run(runner, "chart", "-p", "TJK", "--out", str(png))
    assert code == 0
    assert out == "" and err == f"wrote {png}\n"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, _ = run(runner, "chart", "-p", "TJK", "-k", "ytd", "-o", str(svg))
    assert code == 0
    assert ET.parse(svg).getroot().tag.endswith("svg")


def test_chart_json_equals_the_library_result(runner: CliRunner, bundled: Dataset) -> None:
    code, out, _ = run(runner, "chart", "-p", "TJK", "--format", "json")
    assert code == 0
    chart = annual_chart(bundled, TJK)
    expected = json.loads(json.dumps(chart.to_dict()))
    got = json.loads(out)
    records, _ = got.pop("records"), got.pop("metadata")
    assert got.pop("notes") == [*expected.pop("notes"), chart.caption]  # the report's notes
    assert got == expected
    assert [r["value"] for r in records] == [p.value for _, p in chart.points()]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "pie"], "'pie' is not one of 'annual', 'ytd', 'share'"),
        (["--kind", "share"], "--kind share needs --vs GROUP"),
        (["--out", "chart.gif"], "write a .png or .svg file"),
        (["--out", "no/such/folder/chart.png"], "does not exist"),
    ],
)
def test_chart_usage_errors(runner: CliRunner, args: list[str], message: str) -> None:
    code, out, err = run(runner, "chart", "-p", "TJK", *args)
    assert code == 2
    assert out == ""
    assert message in " ".join(err.split())


def test_chart_needs_one_series(runner: CliRunner) -> None:
    code, out, err = run(runner, "chart")
    assert code == 1
    assert out == ""
    assert err.startswith("error: a chart shows one series and ")
    assert "AZE–TJK" in err


def test_chart_share_without_data_says_what_is_missing(runner: CliRunner) -> None:
    code, _, err = run(runner, "chart", "-p", "KAZ", "-r", "AZE", "-k", "share", "--vs", "eaeu")
    assert code == 1
    assert err == (
        "error: nothing to chart: no span has both the AZE–KAZ figure and the AZE–EAEU total "
        "(published, or a sum over every member)\n"
    )
