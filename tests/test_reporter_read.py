"""``growth``, ``share`` and ``project`` with ``--reporter``: only that reporter's rows
are read (as ``summary`` does), and the output is byte for byte what reading every row
gives; a reporter with no row in the data is answered after reading every row, so the
error lists the series the data has."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import tradecli.dataset
import tradecli.readers.context
from tradecli.cli import app

pytestmark = pytest.mark.usefixtures("cache_dir")

COMMANDS = [
    ["growth"],
    ["growth", "-f", "json", "--explain"],
    ["growth", "--contributions", "--vs", "cis"],
    ["growth", "--flow", "export,import", "-f", "csv"],
    ["share", "--vs", "world", "--all", "-f", "json"],
    ["share", "--vs", "world", "--sort", "share", "--top", "3"],
    ["project", "2024", "--method", "seasonal", "--explain"],
    ["project", "2022", "--backtest", "-f", "csv"],
]


@pytest.fixture(scope="module")
def data(generate: Callable[[int, int], Path]) -> Path:
    return generate(6_000, 11)


def _run(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, args: list[str], whole: bool
) -> tuple[int, str, str, list[int]]:
    """Exit code, stdout, stderr and the number of rows of each load."""
    loaded: list[int] = []
    real_load = tradecli.dataset.load

    def counting(*a: object, **k: object) -> tradecli.dataset.Dataset:
        dataset = real_load(*a, **k)  # type: ignore[arg-type]
        loaded.append(len(dataset.frame))
        return dataset

    with monkeypatch.context() as patch:
        patch.setattr(tradecli.dataset, "load", counting)
        if whole:
            patch.setattr(tradecli.readers.context, "reporter_codes", lambda text: None)
        result = runner.invoke(app, ["--no-cache", *args])
    return result.exit_code, result.stdout, result.stderr, loaded


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_reporter_s_rows_alone_give_what_every_row_gives(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, data: Path, command: list[str]
) -> None:
    rows = pd.read_csv(data, dtype=str, keep_default_na=False)
    reporter = str(rows["reporter"].value_counts().idxmax())
    args = ["--data", str(data), *command, "-r", reporter]
    code, out, err, loaded = _run(runner, monkeypatch, args, whole=False)
    assert loaded == [int((rows["reporter"] == reporter).sum())]  # its rows alone
    whole = _run(runner, monkeypatch, args, whole=True)
    assert whole[3] == [len(rows)]
    assert (code, out, err) == whole[:3]  # an answer, or the same error


def test_project_as_of_reads_every_row(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, data: Path
) -> None:
    """--as-of counts the rows it leaves out over the whole data: as many rows are
    loaded (those published by then) as without --reporter."""
    rows = pd.read_csv(data, dtype=str, keep_default_na=False)
    reporter = str(rows["reporter"].iloc[0])
    args = ["--data", str(data), "project", "2024", "--as-of", "2024-03"]
    mine = _run(runner, monkeypatch, [*args, "-r", reporter], whole=False)[3]
    assert mine == _run(runner, monkeypatch, args, whole=False)[3]
    assert mine[0] > (rows["reporter"] == reporter).sum()


@pytest.mark.parametrize("command", [["growth"], ["share", "--vs", "cis"], ["project", "2023"]])
def test_a_reporter_not_in_the_data_lists_the_series_there_are(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, data: Path, command: list[str]
) -> None:
    rows = pd.read_csv(data, dtype=str, keep_default_na=False)
    assert "FRA" not in set(rows["reporter"])
    args = ["--data", str(data), *command, "-r", "France"]
    code, out, err, loaded = _run(runner, monkeypatch, args, whole=False)
    assert code == 1 and loaded == [0, len(rows)]  # nothing of FRA; then every row
    assert (code, out, err) == _run(runner, monkeypatch, args, whole=True)[:3]
    if command == ["growth"]:  # the error lists what there is
        first = sorted(rows["reporter"] + "–" + rows["partner"])[0]
        assert "no series for FRA" in err and first in err


def test_standard_input_and_a_pipe_are_read_once_and_whole(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, data: Path, tmp_path: Path
) -> None:
    """They cannot be read twice: read whole at once, so the error for a reporter without
    a row lists the series as a file's does (and a pipe does not hang on a second read)."""
    args = ["growth", "-r", "France"]
    expected = _run(runner, monkeypatch, ["--data", str(data), *args], whole=True)
    text = data.read_text("utf-8")
    piped = runner.invoke(app, ["--no-cache", "--data", "-", *args], input=text)
    assert (piped.exit_code, piped.stdout, piped.stderr) == expected[:3]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_text, args=(text, "utf-8"))
    writer.start()
    done = subprocess.run(
        [sys.executable, "-m", "tradecli", "--no-cache", "--data", str(fifo), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "100"},
    )
    writer.join()
    assert (done.returncode, done.stderr) == (expected[0], expected[2])
