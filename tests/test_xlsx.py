"""``--format xlsx`` (issue 14, item 3): a real workbook, the CSV's records with numbers as
numbers and text as text (never a formula), written whole or not at all to ``--out``,
to a stdout that is not a terminal, and refused on a terminal."""

from __future__ import annotations

import csv
import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.cli.settings import write_output


def run(runner: CliRunner, *args: str) -> tuple[int, bytes, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout_bytes, result.stderr


def sheet_rows(path_or_bytes: Path | bytes, sheet: str = "data") -> list[tuple[object, ...]]:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    book = load_workbook(source)
    return list(book[sheet].iter_rows(values_only=True))


@pytest.mark.parametrize("command", [["value", "-p", "TJK", "-s", "2023-Q2"], ["summary"]])
def test_the_workbook_holds_the_csv_records(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    out = tmp_path / "answer.xlsx"
    code, stdout, err = run(runner, *command, "-f", "xlsx", "--out", str(out))
    assert code == 0 and stdout == b""
    assert f"wrote {out}" in err
    _, text, _ = run(runner, *command, "-f", "csv")
    expected = list(csv.reader(io.StringIO(text.decode())))
    rows = sheet_rows(out)
    assert [str(c) for c in rows[0]] == expected[0]
    assert len(rows) == len(expected)
    for got, want in zip(rows[1:], expected[1:], strict=True):
        for cell, text_cell in zip(got, want, strict=True):
            if isinstance(cell, bool):
                assert str(cell) == text_cell
            elif isinstance(cell, (int, float)):
                assert cell == pytest.approx(float(text_cell))  # a number, not text
            else:
                assert (cell or "") == text_cell
    notes = [r[0] for r in sheet_rows(out, "notes")]
    assert notes[0] in ("Value over Q2 2023", "Trade summary (turnover)")  # the title


def test_value_by_hand_in_the_workbook(runner: CliRunner, tmp_path: Path) -> None:
    """Q2 2023 = Jan–Jun 1.786 million (bundled line 53) minus "about" 1 million (line 2)."""
    out = tmp_path / "q2.xlsx"
    code, _, _ = run(runner, "value", "-p", "TJK", "-s", "2023-Q2", "-f", "xlsx", "--out", str(out))
    assert code == 0
    header, row = sheet_rows(out)
    record = dict(zip(header, row, strict=True))
    assert record["period"] == "2023-Q2"
    assert record["value"] == pytest.approx(786_000)
    assert (record["low"], record["high"]) == (pytest.approx(285_500), pytest.approx(1_286_500))
    assert record["approximate"] is True


def test_text_that_looks_like_a_formula_stays_text(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "f.csv"
    data.write_text(
        "reporter,partner,flow,period,value,flags\nAZE,TJK,export,2023,5,=1+2\n",
        encoding="utf-8",
    )
    out = tmp_path / "f.xlsx"
    ask = ["--data", str(data), "value", "-s", "2023", "-f", "xlsx", "--out", str(out)]
    code, _, err = run(runner, *ask)
    assert code == 0, err
    book = load_workbook(out)
    sheet = book["data"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("flags") + 1)
    assert cell.value == "=1+2" and cell.data_type == "s"
    assert sheet.cell(row=2, column=header.index("value") + 1).value == 5


def test_a_stdout_that_is_not_a_terminal_gets_the_workbook(runner: CliRunner) -> None:
    code, stdout, _ = run(runner, "value", "-p", "TJK", "-s", "2023", "-f", "xlsx")
    assert code == 0
    assert stdout.startswith(b"PK\x03\x04")
    header, row = sheet_rows(stdout)
    assert dict(zip(header, row, strict=True))["value"] == 6_100_000  # bundled lines 30, 34


def test_a_terminal_stdout_is_refused_before_any_work() -> None:
    main, child = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tradecli", "summary", "-f", "xlsx"],
            stdout=child,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    finally:
        os.close(child)
        os.close(main)
    assert done.returncode == 2
    assert b"give --out FILE.xlsx, or redirect stdout to a file" in done.stderr


def test_the_file_is_written_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "kept.xlsx"
    target.write_bytes(b"the earlier answer")

    def fail(src: str, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_output(b"a new workbook", target)
    assert target.read_bytes() == b"the earlier answer"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.xlsx"]  # no partial file left
    monkeypatch.undo()
    write_output(b"a new workbook", target)
    assert target.read_bytes() == b"a new workbook"
    assert target.stat().st_mode & 0o044  # readable as any new file, not mkstemp's 0600


def test_out_into_a_missing_folder_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such.xlsx"
    code, _, err = run(runner, "summary", "-f", "xlsx", "--out", str(out))
    assert code == 2 and "does not exist" in err
    assert not out.parent.exists()


def test_the_same_report_is_the_same_bytes(runner: CliRunner) -> None:
    """No save time in the workbook (zip member dates, docProps/core.xml): two runs a
    second apart write the same bytes, so xlsx output compares as every format does."""
    import time
    import zipfile

    first = run(runner, "summary", "-f", "xlsx")[1]
    time.sleep(1.1)
    second = run(runner, "summary", "-f", "xlsx")[1]
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as book:
        assert {info.date_time for info in book.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"1980-01-01T00:00:00Z</dcterms:modified>" in book.read("docProps/core.xml")
