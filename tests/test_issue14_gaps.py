"""The last gaps of issue 14: ``project --backtest`` writes keyed records (item 3),
``data --show`` shows rows of every input tradecli reads and cites (item 9), the notes
that fold unanswered series cap their lists the same way everywhere (item 8)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
from pathlib import Path
from statistics import mean

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from tradecli.cli import app

from .conftest import undecodable_folder

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"  # CI clones the repository with shared/ beside it
DOTS = SHARED / "real-world" / "imf-dots-xlsx" / "DOTS_107.xlsx"

# The keyed fields every command's records start with, spelled out independently.
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


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


# -- project --backtest: keyed records ---------------------------------------------------


def test_backtest_csv_is_keyed_records(runner: CliRunner) -> None:
    code, out, _ = run(runner, "project", "2023", "-p", "TJK", "--backtest", "-f", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == [*KEYS, "method", "months", "years", "n", "mean_error"]
    # data/azerbaijan-trade-published.csv: Jan–Aug and the full year of AZE–TJK turnover,
    # 2021 (5.5 of 7.5 million), 2022 (3.828 of 5.9), 2023 (4.103 of 6.1): the linear
    # projection from 8 months is ytd × 12 / 8.
    errors = [5.5 * 12 / 8 / 7.5 - 1, 3.828 * 12 / 8 / 5.9 - 1, 4.103 * 12 / 8 / 6.1 - 1]
    (row,) = [r for r in rows if r["method"] == "linear" and r["months"] == "8"]
    assert (row["reporter"], row["partner"], row["flow"], row["currency"]) == (
        "AZE",
        "TJK",
        "turnover",
        "USD",
    )
    assert row["unit"] == "ratio"
    assert row["period"] == "2021-01/2023-12"
    assert row["years"] == "2021;2022;2023" and row["n"] == "3"
    assert float(row["value"]) == pytest.approx(mean(abs(e) for e in errors))
    assert float(row["low"]) == pytest.approx(min(abs(e) for e in errors))
    assert float(row["high"]) == pytest.approx(max(abs(e) for e in errors))
    assert float(row["mean_error"]) == pytest.approx(mean(errors))
    assert not any(v.startswith("'") for r in rows for v in r.values())  # numbers stay numbers


def test_backtest_json_and_xlsx_hold_the_same_records(runner: CliRunner, tmp_path: Path) -> None:
    ask = ["project", "2023", "-p", "TJK", "--backtest"]
    code, out, _ = run(runner, *ask, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    code, out, _ = run(runner, *ask, "-f", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["metadata"]["fields"] == list(rows[0])
    assert "backtest" in payload  # the payload's own fields are kept
    assert [str(r["months"]) for r in payload["records"]] == [r["months"] for r in rows]
    workbook = tmp_path / "b.xlsx"
    code, _, _ = run(runner, *ask, "-f", "xlsx", "--out", str(workbook))
    assert code == 0
    sheet = load_workbook(workbook)["data"]
    cells = [[c.value for c in line] for line in sheet.iter_rows()]
    assert cells[0] == list(rows[0])
    assert len(cells) == len(rows) + 1
    assert cells[1][KEYS.index("value")] == pytest.approx(float(rows[0]["value"]))


# -- data --show for every input tradecli reads --------------------------------------------


@pytest.mark.skipif(not DOTS.is_file(), reason="needs ../shared/real-world beside the repository")
def test_show_a_workbook_row_the_reader_cites(runner: CliRunner, tmp_path: Path) -> None:
    book = tmp_path / "dots.xlsx"
    shutil.copyfile(DOTS, book)
    code, out, _ = run(runner, "--data", str(book), "value", "--period", "2020", "--explain")
    assert code == 0
    cited = re.search(rf"\[({re.escape(str(book))}:(\d+))\]", out)
    assert cited is not None
    citation, line = cited.group(1), int(cited.group(2))
    code, out, _ = run(runner, "data", "--show", citation, "-f", "json")
    assert code == 0
    shown = json.loads(out)["fields"]
    # Independently: every non-empty cell of that row, in each sheet, by openpyxl.
    expected = {}
    workbook = load_workbook(book, data_only=True)
    for sheet in workbook:
        for cell in next(sheet.iter_rows(min_row=line, max_row=line), ()):
            if cell.value not in (None, ""):
                expected[f"{sheet.title}!{cell.column_letter}{line}"] = cell.value
    workbook.close()
    assert set(shown) == set(expected)
    for address, value in expected.items():
        if isinstance(value, (int, float)):
            assert float(shown[address]) == pytest.approx(value)
        else:
            assert shown[address] == str(value)


def test_show_a_row_of_any_workbook(runner: CliRunner, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "one"
    sheet.append(["reporter", "partner", "value"])
    sheet.append(["AZE", "TJK", 1.5])
    other = book.create_sheet("two")
    other.append(["x"])
    path = tmp_path / "w.xlsx"
    book.save(path)
    code, out, _ = run(runner, "data", "--show", f"{path}:2")
    assert code == 0
    assert out.splitlines() == [f"{path}:2", "  one!A2  AZE", "  one!B2  TJK", "  one!C2  1.5"]
    code, _, err = run(runner, "data", "--show", f"{path}:9")
    assert code == 1 and "row 9 is empty in every sheet" in err


def test_show_a_row_of_a_gzipped_csv(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "mine.csv.gz"
    path.write_bytes(
        gzip.compress(
            b"reporter,partner,flow,period,value\nAZE,TJK,export,2023,1\nAZE,KGZ,export,2023,2\n"
        )
    )
    code, out, _ = run(runner, "data", "--show", f"{path}:3")
    assert code == 0
    assert "  partner   KGZ" in out and "  value     2" in out


def test_show_the_row_of_a_citation_whose_folder_utf8_cannot_decode(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A report cites a file in a folder named with a byte UTF-8 cannot decode by its
    name escaped (``d\\xff``), and that citation, given back to ``--show``, names the
    file; a file whose name really is the escape is taken first."""

    rows = b"reporter,partner,flow,period,value\nAZE,TJK,export,2023,1\nAZE,KGZ,export,2023,2\n"
    folder = undecodable_folder(tmp_path, b"d\xff")
    (folder / "t.csv").write_bytes(rows)
    value = ["value", "-r", "AZE", "-p", "KGZ", "-s", "2023", "--explain"]
    code, out, err = run(runner, "--data", str(folder / "t.csv"), *value)
    cited = f"{tmp_path}/d\\xff/t.csv:3"  # as ``ls -b`` writes the name
    assert code == 0 and f"[{cited}]" in out, err
    code, out, err = run(runner, "data", "--show", cited)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == cited and "  partner   KGZ" in out and "  value     2" in out
    code, out, _ = run(runner, "--format", "json", "data", "--show", cited)
    assert json.loads(out)["file"] == f"{tmp_path}/d\\xff/t.csv"
    # The citation typed with the byte itself: taken, and named, as reports print it.
    code, out, err = run(runner, "data", "--show", f"{folder}/t.csv:3")
    assert (code, err) == (0, "") and out.splitlines()[0] == cited
    code, out, err = run(runner, "data", "--show", f"{folder}/t.csv:9")
    assert code == 1 and f"error: {tmp_path}/d\\xff/t.csv:9: no row starts at line 9 of '" in err
    assert "udc" not in err
    # Missing under either name: the error names it as given, on one line.
    code, out, err = run(runner, "data", "--show", f"{tmp_path}/d\\xff/u.csv:3")
    assert code == 1 and out == "" and "no such file" in err and len(err.splitlines()) == 1
    # A folder whose name is the four characters ``\xff`` is that name, not the byte.
    literal = tmp_path / "d\\xff"
    literal.mkdir()
    (literal / "t.csv").write_bytes(rows.replace(b"KGZ", b"UZB"))
    code, out, _ = run(runner, "data", "--show", cited)
    assert code == 0 and "  partner   UZB" in out


def test_show_a_row_kept_in_a_parquet_dataset(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "mine.csv"
    source.write_text(
        "reporter,partner,flow,period,value\nAZE,TJK,export,2023,1.5\nAZE,KGZ,export,2023-Q1,2\n",
        encoding="utf-8",
    )
    dataset = tmp_path / "ds"
    code, _, err = run(runner, "--data", str(source), "convert", "--out", str(dataset))
    assert code == 0, err
    source.unlink()  # the converted rows keep the citation; the file may be gone
    code, out, err = run(runner, "--data", str(dataset), "data", "--show", f"{source}:3")
    assert code == 0, err
    fields = dict(line.split(None, 1) for line in out.splitlines()[1:] if len(line.split()) > 1)
    assert fields["reporter"] == "AZE" and fields["partner"] == "KGZ"
    assert fields["period"] == "2023-Q1" and float(fields["value"]) == 2
    code, _, err = run(runner, "--data", str(dataset), "data", "--show", f"{source}:9")
    assert code == 1 and "no such file" in err
    part = next(dataset.rglob("*.parquet"))
    code, _, err = run(runner, "data", "--show", f"{part}:2")
    assert code == 1 and "is a Parquet file" in err and len(err.strip().splitlines()) == 1


def test_show_says_in_one_line_what_it_cannot_read(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x00\xff\xfe\x80" * 10)
    code, out, err = run(runner, "data", "--show", f"{path}:2")
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "neither a text file" in err


# -- capped lists in notes -----------------------------------------------------------------


def test_value_flows_fold_empty_pairs_into_a_capped_note(runner: CliRunner) -> None:
    code, out, _ = run(runner, "value", "--flow", "export,import", "--period", "2023")
    assert code == 0
    (note,) = [line for line in out.splitlines() if "with no flow for 2023" in line]
    assert "--all shows them" in note and "…" not in note
    assert re.search(r"and \d+ more; --format json lists them all", note)
    code, out, _ = run(runner, "value", "--flow", "export,import", "--period", "2023", "--all")
    assert "with no flow for 2023" not in out and "AZE–CHN" in out


@pytest.mark.parametrize("width", ["40", "60", "80", "100"])
def test_the_text_chart_fits_the_width(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    code, out, _ = run(runner, "chart", "-p", "TJK")
    assert code == 0
    bars = [
        line for line in out.splitlines() if line[:1].isalnum() and set(line) & set("█▒░▏▎▍▌▋▊▉")
    ]
    # data/azerbaijan-trade-published.csv: AZE–TJK 2009 = 25.472 million, the largest
    assert any(line.startswith("2009") and line.endswith("25.472") for line in bars)
    longest = max(len(line) for line in bars)
    # label, two spaces, the shortest bar (10) and a space, a space, the number, its range
    # and its mark (line 40: 2017 "about" 2.04 million, 2.035 to 2.045)
    tail = "2.040  (2.035 to 2.045)  [about]"
    assert longest <= max(int(width), 14 + 2 + 11 + 1 + len(tail))
    assert all("…" not in line for line in out.splitlines())


@pytest.mark.parametrize(
    "command",
    ["summary --partner Tajikistan", "mirror --reporter AZE --partner TJK"],
)
def test_readme_shows_real_runs_at_80_columns(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    # "Done when": the README's examples are regenerated from real runs at 80 columns
    # (.ci/readme_examples.py checks every one in CI; these two run here too).
    import sys

    sys.path.insert(0, str(REPO / ".ci"))
    try:
        import readme_examples
    finally:
        sys.path.remove(str(REPO / ".ci"))
    found = readme_examples.examples((REPO / "README.md").read_text(encoding="utf-8"))
    (example,) = [e for e in found if " ".join(e.args) == command]
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(runner, *example.args)
    assert code == 0 and err == ""
    assert [line.rstrip() for line in out.splitlines()] == example.shown


# -- flags marked in summary and mirror (item 7) -------------------------------------------


def test_summary_and_mirror_mark_a_flagged_figure(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "flagged.csv"
    data.write_text(
        "reporter,partner,flow,period,value,unit,currency,flags\n"
        "AZE,TJK,turnover,2022,5,million,USD,\n"
        "AZE,TJK,turnover,2023,6,million,USD,low-trust\n"
        "TJK,AZE,turnover,2023,7,million,USD,\n",
        encoding="utf-8",
    )
    for command, unflagged in ((["summary"], 0), (["mirror", "-r", "AZE", "-p", "TJK"], 1)):
        code, out, _ = run(runner, "--data", str(data), *command)
        assert code == unflagged  # mirror: no span both sides report without line 3
        assert "†" not in out and "$6M" not in out  # left out unless --include-flagged
        code, out, _ = run(runner, "--include-flagged", "--data", str(data), *command)
        assert code == 0
        assert "$6M†" in out  # line 3 of the file, kept by --include-flagged
        assert f"2023 [{data}:3] flagged low-trust" in out


def test_summary_marks_a_change_worked_out_from_a_flagged_figure(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The flagged figure is the year before (line 2), not the year shown: the value is
    clean, its y/y (6/5 - 1 = +20%) used the flagged one and carries the mark."""
    data = tmp_path / "flagged.csv"
    data.write_text(
        "reporter,partner,flow,period,value,unit,currency,flags\n"
        "AZE,TJK,turnover,2022,5,million,USD,low-trust\n"
        "AZE,TJK,turnover,2023,6,million,USD,\n",
        encoding="utf-8",
    )
    code, out, _ = run(runner, "--include-flagged", "--data", str(data), "summary")
    assert code == 0
    assert "$6M†" not in out and "$6M" in out
    assert "+20.0%†" in out
    assert f"2022 [{data}:2] flagged low-trust" in out
