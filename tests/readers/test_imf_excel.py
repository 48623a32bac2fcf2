"""The IMF Direction of Trade report as Excel: header rows, text years, group rows,
blank cells and a partner listed twice. The workbooks are made here with openpyxl."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from tradecli.dataset import load
from tradecli.engine.answers import SeriesKey
from tradecli.errors import BadInput
from tradecli.periods import Period
from tradecli.readers.common import ReadContext

from .expect import assert_rows

Read = Callable[..., pd.DataFrame]
Rows = list[list[Any]]

EXPORTS: Rows = [
    ["Exports, FOB to Partner Countries"],
    ["Azerbaijan, Rep. of"],
    ["US Dollars, Millions"],
    [],
    [None, None, "2021", "2022", "2023"],
    [None, "World", 22000.123, 35000.5, 30000],
    [None, "Advanced Economies", 15000, 20000, None],
    [None, "Euro Area", 9000, None, 11000],
    [None, "Europe"],
    [None, "Tajikistan", 7.3, 5.8, 5.1],
    [None, "Türkiye, Rep of", 2000, 2500, None],
    [None, "Tajikistan", 7.3, 5.8, 5.1],
    [],
    ["Source: IMF, Direction of Trade Statistics (DOTS)"],
]
IMPORTS: Rows = [
    ["Imports, CIF from Partner Countries"],
    ["Azerbaijan, Rep. of"],
    ["US Dollars, Millions"],
    [],
    [None, None, "2021", "2022", "2023"],
    [None, "Tajikistan", 0.185, 0.138, 1.1],
]


def workbook(path: Path, sheets: dict[str, Rows]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def report(tmp_path: Path) -> Path:
    sheets = {"Exports, FOB": EXPORTS, "Imports, CIF": IMPORTS, "Trade Balance": [["x"]]}
    return workbook(tmp_path / "dots.xlsx", sheets)


def test_report_as_it_comes(read: Read, report: Path, context: ReadContext) -> None:
    # millions from the header rows; blank cells are no figure; "Europe" (a heading)
    # and the source line have none; Tajikistan's second row (line 12) counts once
    assert_rows(
        read(report),
        [
            ("AZE", "WORLD", "export", "2021", 22000.123e6, 6),
            ("AZE", "WORLD", "export", "2022", 35000.5e6, 6),
            ("AZE", "WORLD", "export", "2023", 30000e6, 6),
            ("AZE", "IMF:ADVANCED", "export", "2021", 15000e6, 7),
            ("AZE", "IMF:ADVANCED", "export", "2022", 20000e6, 7),
            ("AZE", "IMF:EURO-AREA", "export", "2021", 9000e6, 8),
            ("AZE", "IMF:EURO-AREA", "export", "2023", 11000e6, 8),
            ("AZE", "TJK", "export", "2021", 7.3e6, 10),
            ("AZE", "TJK", "export", "2022", 5.8e6, 10),
            ("AZE", "TJK", "export", "2023", 5.1e6, 10),
            ("AZE", "TUR", "export", "2021", 2000e6, 11),
            ("AZE", "TUR", "export", "2022", 2500e6, 11),
            ("AZE", "TJK", "import", "2021", 0.185e6, 6),
            ("AZE", "TJK", "import", "2022", 0.138e6, 6),
            ("AZE", "TJK", "import", "2023", 1.1e6, 6),
        ],
    )
    notes = "\n".join(context.notes)
    assert "3 figure(s) printed twice counted once" in notes
    assert "left out sheet(s) Trade Balance" in notes


def test_each_figure_names_its_cell(read: Read, report: Path) -> None:
    frame = read(report)
    row = frame[(frame["partner"] == "TJK") & (frame["flow"] == "export")]
    assert list(row["cell"]) == ["Exports, FOB!C10", "Exports, FOB!D10", "Exports, FOB!E10"]
    assert set(frame["format"].astype(str)) == {"imf-dots-xlsx"}
    assert set(frame["publisher"]) == {"IMF DOTS"}
    # 5.8 million as published: its last digit is 0.1 million
    assert float(row["step"].iloc[1]) == pytest.approx(1e5)


def test_turnover_is_exports_plus_imports(report: Path) -> None:
    engine = load([report]).engine
    answer = engine.value(SeriesKey("AZE", "TJK", "turnover"), Period.year(2022))
    assert answer.value == pytest.approx(5.8e6 + 0.138e6)


def test_the_scale_is_never_assumed(read: Read, tmp_path: Path) -> None:
    rows = [r for r in EXPORTS if r != ["US Dollars, Millions"]]
    with pytest.raises(BadInput, match="no scale in the header rows"):
        read(workbook(tmp_path / "no-scale.xlsx", {"Exports, FOB": rows}))


def test_the_reporter_must_be_named(read: Read, tmp_path: Path) -> None:
    rows = [r for r in EXPORTS if r != ["Azerbaijan, Rep. of"]]
    with pytest.raises(BadInput, match="no reporter country in the header rows"):
        read(workbook(tmp_path / "no-reporter.xlsx", {"Exports, FOB": rows}))


def test_an_unplaceable_partner_is_left_out_and_named_in_one_warning(
    read: Read, context: ReadContext, tmp_path: Path
) -> None:
    rows = [*EXPORTS[:6], [None, "Atlantis", 1.0, 2.0, 3.0], *EXPORTS[6:]]
    path = workbook(tmp_path / "atlantis.xlsx", {"Exports, FOB": rows})
    frame = read(path)
    assert "Atlantis" not in set(frame["partner"].astype(str))
    assert set(frame["partner"].astype(str)) >= {"WORLD", "TJK", "TUR"}
    [warning] = [n for n in context.notes if n.startswith("warning: ")]
    assert f"{path}: left out 1 row(s)" in warning
    assert "Exports, FOB!B7: 'Atlantis'" in warning
    assert "--strict" in warning


def test_with_strict_an_unplaceable_partner_is_the_error(
    read: Read, context: ReadContext, tmp_path: Path
) -> None:
    rows = [*EXPORTS[:6], [None, "Atlantis", 1.0, 2.0, 3.0], *EXPORTS[6:]]
    path = workbook(tmp_path / "atlantis.xlsx", {"Exports, FOB": rows})
    context.strict = True
    with pytest.raises(BadInput) as err:
        read(path)
    [problem] = err.value.problems
    assert (problem.file, problem.line, problem.column, problem.value) == (
        str(path),
        7,
        "Exports, FOB!B7",
        "Atlantis",
    )


def test_a_workbook_of_another_layout_is_refused(read: Read, tmp_path: Path) -> None:
    path = workbook(tmp_path / "other.xlsx", {"Sheet1": [["reporter", "partner"]]})
    with pytest.raises(BadInput, match="not an IMF Direction of Trade report"):
        read(path)


def test_strict_makes_the_warning_the_exit_1_error_on_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tradecli.cli import app

    rows = [*EXPORTS[:6], [None, "Atlantis", 1.0, 2.0, 3.0], *EXPORTS[6:]]
    path = workbook(tmp_path / "atlantis.xlsx", {"Exports, FOB": rows, "Imports, CIF": IMPORTS})
    lenient = CliRunner().invoke(app, ["--data", str(path), "data"])
    assert lenient.exit_code == 0
    [warning] = [line for line in lenient.stderr.splitlines() if line.startswith("warning: ")]
    assert "left out 1 row(s)" in warning and "Exports, FOB!B7: 'Atlantis'" in warning
    strict = CliRunner().invoke(app, ["--strict", "--data", str(path), "data"])
    assert strict.exit_code == 1
    assert "Exports, FOB!B7: 'Atlantis'" in strict.stderr
    assert "Traceback" not in strict.stderr


def test_a_reporter_no_table_places_is_kept_as_the_imfs_own(
    read: Read, context: ReadContext, tmp_path: Path
) -> None:
    rows = [["Atlantis, Rep. of"] if r == ["Azerbaijan, Rep. of"] else r for r in EXPORTS]
    frame = read(workbook(tmp_path / "atlantis.xlsx", {"Exports, FOB": rows}))
    assert set(frame["reporter"].astype(str)) == {"IMF:ATLANTIS-REP-OF"}
    pairs = zip(frame["partner"].astype(str), frame["value"], strict=True)
    assert ("TJK", 7.3e6) in set(pairs)
    [warning] = [n for n in context.notes if n.startswith("warning: ")]
    assert "'Atlantis, Rep. of'" in warning and "IMF:ATLANTIS-REP-OF" in warning


def test_the_imfs_european_union_is_its_own_aggregate(read: Read, tmp_path: Path) -> None:
    rows = [["European Union"] if r == ["Azerbaijan, Rep. of"] else r for r in EXPORTS]
    frame = read(workbook(tmp_path / "eu.xlsx", {"Exports, FOB": rows}))
    assert set(frame["reporter"].astype(str)) == {"IMF:EUROPEAN-UNION"}
