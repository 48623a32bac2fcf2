"""One exit-code rule for every command: 0 when the question was answered (even partly,
with rows not available marked or folded), 1 when nothing could be answered or the data
is bad, 2 for usage; a missing optional dependency is one line naming the extra."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.cli import app

REPO = Path(__file__).resolve().parents[1]
CLAIMS = str(REPO / "examples" / "claims" / "trend-2023-09-14.toml")
BAD = str(REPO / "examples" / "bad.csv")


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


ANSWERED = [
    ["summary", "-p", "TJK"],
    ["value", "-p", "TJK", "--period", "2023"],
    ["value", "--period", "2023"],  # partly: 15 of 22 series not available
    ["growth", "-p", "TJK"],
    ["project", "2023", "-p", "TJK"],
    ["share", "--vs", "cis-stat", "-p", "TJK"],
    ["mirror", "-r", "AZE", "-p", "TJK"],
    ["data"],
    ["verify", CLAIMS],  # one claim unverifiable, none inconsistent
    ["chart", "-p", "TJK"],
]

NOTHING = [
    ["summary", "-p", "FRA"],
    ["value", "-p", "TJK", "--period", "2030"],
    ["growth", "-p", "TJK", "--period", "2030"],
    ["project", "2030", "-p", "TJK"],
    ["share", "--vs", "cis", "-p", "TJK", "--period", "2030"],
    ["mirror", "-r", "AZE", "-p", "TJK", "--period", "2030"],
    ["--data", BAD, "data"],
    ["--data", BAD, "summary"],
]

USAGE = [
    ["summary", "--bogus"],
    ["value"],  # --period is required
    ["value", "--period", "2023-13"],
    ["growth", "--period", "x"],
    ["project"],
    ["share"],
    ["mirror", "--period", "2023-Q5"],
    ["data", "--bogus"],
    ["verify"],
    ["chart", "--out", "chart.gif"],
    ["--format", "yaml", "summary"],
]


@pytest.mark.parametrize("args", ANSWERED, ids=" ".join)
def test_answered_is_0(runner: CliRunner, args: list[str]) -> None:
    code, out, err = run(runner, *args)
    assert code == 0, err
    assert out.strip()


@pytest.mark.parametrize("args", NOTHING, ids=" ".join)
def test_nothing_answered_or_bad_data_is_1(runner: CliRunner, args: list[str]) -> None:
    code, out, err = run(runner, *args)
    assert code == 1
    assert err.startswith("error: ")
    assert out == ""
    assert "Traceback" not in err


@pytest.mark.parametrize("args", USAGE, ids=" ".join)
def test_usage_is_2(runner: CliRunner, args: list[str]) -> None:
    code, out, err = run(runner, *args)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err


def test_value_partly_answered_folds_the_rest(runner: CliRunner) -> None:
    # data/azerbaijan-trade-published.csv: of the 22 turnover series, 7 have a 2023 figure
    # (AZE–OTS, AZE–RUS, AZE–TJK, AZE–WORLD, KAZ–AZE, RUS–AZE, TJK–AZE).
    code, out, _ = run(runner, "value", "--period", "2023")
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert len(rows) == 7
    assert "not available for 2023 (15 series, not shown; --all shows them)" in out
    assert "and 5 more; --format json lists them all" in out
    code, out, _ = run(runner, "value", "--period", "2023", "--all")
    assert len([line for line in out.splitlines() if line.startswith("│")]) == 22


def test_value_nothing_answered_says_what_the_data_has(runner: CliRunner) -> None:
    code, _, err = run(runner, "value", "-p", "TJK", "--period", "2030")
    assert code == 1
    assert err.startswith("error: no series has a value for 2030; AZE–TJK turnover: latest spans")
    assert "Jan–Apr 2024" in err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_matplotlib_is_one_line_naming_the_extra(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib: ImportError
    code, _, err = run(runner, "chart", "-p", "TJK", "--out", str(tmp_path / "c.png"))
    assert code == 1
    assert err == (
        "error: writing a chart file needs the Python package 'matplotlib', which is not "
        "installed; install it with: pip install 'tradecli[chart]'\n"
    )
    assert not (tmp_path / "c.png").exists()


def test_matplotlib_is_a_default_dependency() -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert any(dep.startswith("matplotlib") for dep in project["dependencies"])
    assert importlib.util.find_spec("matplotlib") is not None


def test_readme_examples_are_found_with_their_documented_codes() -> None:
    sys.path.insert(0, str(REPO / ".ci"))
    try:
        import readme_examples
    finally:
        sys.path.remove(str(REPO / ".ci"))
    found = readme_examples.examples((REPO / "README.md").read_text(encoding="utf-8"))
    commands = {" ".join(e.args): e.expected_code for e in found}
    assert commands["summary --partner Tajikistan"] == 0
    assert commands["--data examples/bad.csv summary"] == 1
    assert {e.args[0] for e in found} >= {"summary", "project", "value", "share", "verify"}
    text = "```console\n$ tradecli x\nerror: no\n$ pip install .\n```\n```\n$ tradecli y\n```\n"
    assert [(e.args, e.expected_code) for e in readme_examples.examples(text)] == [(["x"], 1)]
