"""Tables never cut a number, a code or a period: below their natural width they leave
out columns of low priority (with a note naming them) or print stacked records."""

from __future__ import annotations

import io
import os

import pytest
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.cli.settings import width
from tradecli.render import Column, Kind, Report, render_stacked, render_table

WIDTHS = [40, 60, 80, 100, 200]


def run(runner: CliRunner, columns: str | None, *args: str) -> tuple[int, str, str]:
    env = {"COLUMNS": columns} if columns is not None else {}
    if columns is None:
        os.environ.pop("COLUMNS", None)
    result = runner.invoke(app, list(args), prog_name="tradecli", env=env)
    return result.exit_code, result.stdout, result.stderr


def table_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if not line.startswith("note:")]


@pytest.mark.parametrize("columns", WIDTHS)
def test_summary_of_one_series_keeps_every_cell_whole(runner: CliRunner, columns: int) -> None:
    # From data/azerbaijan-trade-published.csv: AZE–TJK turnover 2023 = 6.1 million USD,
    # 2022 = 5.9 million (+3.4%), Jan–Apr 2024 = 2208 thousand (run-rate x 12/4 = $6.624M).
    code, out, _ = run(runner, str(columns), "summary", "-p", "TJK")
    assert code == 0
    assert "…" not in out
    for line in table_lines(out):
        assert len(line.rstrip()) <= columns, line
    for whole in ("AZE–TJK", "2023", "$6.1M", "+3.4%", "Jan–Apr 2024", "$2.208M"):
        assert whole in out, (columns, whole)
    shown = "$6.624M" in out
    if columns >= 100:
        assert shown and "not shown" not in out
    elif "┃" in out:  # a table with columns left out, and a note naming them
        assert "not shown at" in out and "--wide" in out
    else:  # stacked records: every column, one per line
        assert shown and "run-rate*" in out


@pytest.mark.parametrize("columns", [40, 60, 80])
def test_summary_of_every_series_is_never_cut(runner: CliRunner, columns: int) -> None:
    code, wide_out, _ = run(runner, "200", "summary")
    assert code == 0
    series = [line.split("│")[1].strip() for line in wide_out.splitlines() if line.startswith("│")]
    assert "AZE–WORLD" in series and len(series) > 10
    code, out, _ = run(runner, str(columns), "summary")
    assert code == 0
    assert "…" not in out
    for name in series:
        assert name in out
    for line in table_lines(out):
        assert len(line.rstrip()) <= columns, line


def test_wide_shows_every_column_however_narrow(runner: CliRunner) -> None:
    code, out, _ = run(runner, "60", "summary", "-p", "TJK", "--wide")
    assert code == 0
    assert "not shown" not in out
    assert "█▁··▃▅▄▄" in out  # the trend column, the first left out otherwise
    code, out, _ = run(runner, "60", "--wide", "summary", "-p", "TJK")
    assert code == 0 and "█▁··▃▅▄▄" in out


@pytest.mark.parametrize("columns", [None, "", "abc", "-5", "0", "12x", "1e3"])
def test_columns_unset_or_invalid_falls_back_as_rich_does(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, columns: str | None
) -> None:
    from rich.console import Console

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    rich_width = Console(file=io.StringIO()).size.width
    assert width() == (rich_width or 80)
    code, out, err = run(runner, columns, "summary", "-p", "TJK")
    assert code == 0, err
    assert "Traceback" not in out + err
    assert "AZE–TJK" in out and "$6.1M" in out


def test_columns_given_is_the_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "73")
    assert width() == 73


def _report() -> Report:
    columns = [
        Column("key", "key"),
        Column("a", "alpha", Kind.money),
        Column("b", "beta"),
        Column("c", "gamma", priority=0),
        Column("d", "delta", Kind.percent),
    ]
    rows = [{"key": "AZE–TJK", "a": 6.1e6, "b": "Jan–Apr 2024", "c": "█▁··▃▅▄▄", "d": 0.034}]
    return Report("T", columns, rows, {})


def test_lowest_priority_goes_first_then_the_rightmost() -> None:
    # widths: key 7, alpha 5 ($6.1M), beta 12, gamma 8, delta 5 (+3.4%): 37 + 3*5 + 1 = 53
    report = _report()
    assert "gamma" in render_table(report, 53) and "not shown" not in render_table(report, 53)
    text = render_table(report, 52)  # gamma (priority 0) goes: 53 - 11 = 42
    assert "gamma" not in text.splitlines()[2]
    assert "note: not shown at 52 columns: gamma;" in text
    text = render_table(report, 41)  # then delta, the rightmost of the rest: 42 - 8 = 34
    assert "note: not shown at 41 columns: gamma, delta;" in text
    assert "$6.1M" in text and "Jan–Apr 2024" in text
    text = render_table(report, 30)  # under half the columns would be left: stacked
    assert text == render_stacked(report, 30)
    assert text.splitlines() == [
        "T",
        "",
        "AZE–TJK",
        "  alpha  $6.1M",
        "  beta   Jan–Apr 2024",
        "  gamma  █▁··▃▅▄▄",
        "  delta  +3.4%",
        "",
    ]


def test_wide_is_the_natural_table() -> None:
    report = _report()
    assert render_table(report, 10, wide=True) == render_table(report, 200)
