"""Real publisher downloads (``../shared/real-world`` beside the repository), read as they
come. Expected values are computed here from the workbooks' own cells with openpyxl, never
from tradecli's output. Skipped when the folder is absent."""

from __future__ import annotations

import json
import math
import os
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from tradecli import readers
from tradecli.cli import app
from tradecli.groups import load_bundled
from tradecli.readers.common import ReadContext

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real-world"
DOTS = REAL / "imf-dots-xlsx"
FILES = (
    sorted(DOTS.glob("*.xlsx")) + sorted((REAL / "comtrade-legacy").glob("*/*.csv"))
    if REAL.is_dir()
    else []
)


@pytest.fixture(autouse=True)
def _real_world() -> None:
    if not REAL.is_dir():
        pytest.skip("../shared/real-world is not beside the repository")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--no-cache", *args])
    return result.exit_code, result.stdout, result.stderr


# -- every file: read, then data and summary ---------------------------------------------

# The commands over every file take about a second of CPU per file and command (the
# analysis of ~350 series of 60 years); the suite runs them on one file of each kind, and
# on all with TRADECLI_REAL_WORLD_ALL=1. Every file is read (as the commands read it) here.
KINDS = {
    "DOTS_192.xlsx",  # a country, IMF estimates as '0.21 e'
    "DOTS_203.xlsx",  # a historical entity: USSR
    "DOTS_89.xlsx",  # Holy See, a short report
    "asheshwor__global",  # Comtrade, 35 columns, totals
    "ghislainv__menabe",  # Comtrade, products only, one flow
}
COMMANDED = [
    p
    for p in FILES
    if os.environ.get("TRADECLI_REAL_WORLD_ALL") == "1" or KINDS & {p.name, p.parent.name}
]


@cache
def reading(path: Path) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """A file read as ``data`` reads it, once per session: the rows and the notes."""
    context = ReadContext(group_codes=load_bundled().codes)
    return readers.read_any(path, context), tuple(context.notes)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_download_is_read_and_what_is_left_out_is_named(path: Path) -> None:
    frame, notes = reading(path)
    assert len(frame) > 100
    assert set(frame["flow"].astype(str)) <= {"export", "import"}
    for note in notes:
        if note.startswith("warning: "):
            # each warning names the file, what was left out or flagged, and where
            assert str(path) in note
            assert "left out" in note or "negative-as-published" in note
            assert "!" in note or "line" in note


@pytest.mark.parametrize("path", COMMANDED, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("command", ["data", "summary"])
def test_data_and_summary_exit_0(path: Path, command: str) -> None:
    # CSV output: the same reading and analysis as a table, without the drawing
    code, out, err = run("--data", str(path), "--format", "csv", command)
    assert code == 0, err
    assert "Traceback" not in out + err
    assert len(out.splitlines()) > 1  # a header and rows, never an empty table
    assert [n for n in reading(path)[1] if n.startswith("warning: ")] == [
        line for line in err.splitlines() if line.startswith("warning: ")
    ]


# -- figures from the cells -------------------------------------------------------------


@cache
def sheets(name: str) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(DOTS / name, read_only=True, data_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book}
    finally:
        book.close()


def cell_value(value: Any) -> float | None:
    """A cell as the IMF writes it: a number, blank, or text such as '1,039.50 e'."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = value.strip()
    if text.endswith(" e"):
        text = text[:-2]
    return float(text.replace(",", ""))


def figures(name: str, sheet: str, partner: str) -> dict[int, float]:
    """{year: US dollars} of a partner's row (column B), millions as the header says."""
    rows = sheets(name)[sheet]
    assert rows[4][1] == "US Dollars, Millions"
    years = {c: int(v) for c, v in enumerate(rows[6]) if isinstance(v, str) and v.isdigit()}
    row = next(r for r in rows[7:] if r[1] == partner)  # the first row may repeat a later one
    out = {}
    for c, year in years.items():
        number = cell_value(row[c]) if c < len(row) else None
        if number is not None:
            out[year] = number * 1e6
    return out


def turnover(name: str, partner: str) -> dict[int, float]:
    exports = figures(name, "Exports, FOB", partner)
    imports = figures(name, "Imports, CIF", partner)
    return {y: exports[y] + imports[y] for y in exports.keys() & imports.keys()}


# report, reporter code, partner as the report names it, partner code (by hand)
REPORTS = [
    ("DOTS_192.xlsx", "TJK", "Russian Federation", "RUS"),
    ("DOTS_162.xlsx", "RUS", "China, P.R.: Mainland", "CHN"),
    ("DOTS_15.xlsx", "BHR", "Saudi Arabia", "SAU"),
    ("DOTS_109.xlsx", "KGZ", "Kazakhstan, Rep. of", "KAZ"),
    ("DOTS_54.xlsx", "CSK", "USSR", "SUN"),
]


def latest_pair(name: str, partner: str) -> int:
    """The latest year Y with the partner's and World's turnover for Y and Y-1."""
    own, world = turnover(name, partner), turnover(name, "World")
    years = [y for y in own if y - 1 in own and y in world and y - 1 in world]
    return max(years)


@pytest.mark.parametrize(("name", "reporter", "partner", "code"), REPORTS)
def test_turnover_growth_and_world_share_match_the_cells(
    name: str, reporter: str, partner: str, code: str
) -> None:
    year = latest_pair(name, partner)
    own, world = turnover(name, partner), turnover(name, "World")
    data = ["--data", str(DOTS / name), "--format", "json"]
    pair = ["--reporter", reporter, "--partner", code]

    status, out, err = run(*data, "value", "--period", str(year), *pair)
    assert status == 0, err
    [answer] = json.loads(out)["answers"]
    assert math.isclose(answer["value"], own[year], rel_tol=1e-9)

    status, out, err = run(*data, "growth", *pair)
    assert status == 0, err
    [series] = json.loads(out)["series"]
    change = next(y for y in series["years"] if y["period"] == str(year))["change"]
    assert math.isclose(change, own[year] / own[year - 1] - 1, rel_tol=1e-9)

    status, out, err = run(*data, "share", "--vs", "world", "--period", str(year), *pair)
    assert status == 0, err
    [share] = json.loads(out)["shares"]
    assert math.isclose(share["share"], own[year] / world[year], rel_tol=1e-9)


def test_estimates_are_read_and_flagged() -> None:
    # Tajikistan's report writes IMF estimates as text: '0.21 e'
    rows = sheets("DOTS_192.xlsx")["Exports, FOB"]
    years = {c: v for c, v in enumerate(rows[6]) if isinstance(v, str) and v.isdigit()}
    r, c, text = next(
        (r, c, v)
        for r, row in enumerate(rows[8:], start=8)
        for c, v in enumerate(row)
        if c in years and isinstance(v, str) and v.endswith(" e") and row[1] != "World"
    )
    status, out, err = run(
        "--data", str(DOTS / "DOTS_192.xlsx"), "--format", "json", "--explain", "value",
        "--period", str(years[c]), "--partner", rows[r][1], "--flow", "export",
    )  # fmt: skip
    assert status == 0, err
    [answer] = json.loads(out)["answers"]
    assert math.isclose(answer["value"], float(text[:-2].replace(",", "")) * 1e6, rel_tol=1e-9)
    assert "estimate" in answer["sources"][0]["flags"]


def test_a_negative_figure_is_kept_flagged_and_left_out_unless_asked() -> None:
    # the World report's Malaysia row, 1960: negative as published
    rows = sheets("DOTS_221.xlsx")["Exports, FOB"]
    years = {c: v for c, v in enumerate(rows[6]) if isinstance(v, str) and v.isdigit()}
    c = next(c for c, v in years.items() if v == "1960")
    value = next(cell_value(r[c]) for r in rows[8:] if r[1] == "Malaysia")
    assert value is not None and value < 0
    args = ["--data", str(DOTS / "DOTS_221.xlsx"), "--format", "json"]
    query = ["value", "--period", "1960", "--partner", "MYS", "--flow", "export"]
    status, out, err = run(*args, *query)
    assert "negative-as-published" in err
    assert status != 0 or json.loads(out)["answers"][0]["value"] is None
    status, out, err = run("--include-flagged", *args, *query)
    assert status == 0, err
    [answer] = json.loads(out)["answers"]
    assert math.isclose(answer["value"], value * 1e6, rel_tol=1e-9)


def test_mirror_across_two_reports() -> None:
    # Tajikistan's exports to Russia against Russia's imports from Tajikistan
    year = 2019
    tjk = figures("DOTS_192.xlsx", "Exports, FOB", "Russian Federation")[year]
    rus = figures("DOTS_162.xlsx", "Imports, CIF", "Tajikistan, Rep. of")[year]
    status, out, err = run(
        "--data", str(DOTS / "DOTS_192.xlsx"), "--data", str(DOTS / "DOTS_162.xlsx"),
        "--format", "json", "mirror", "--reporter", "TJK", "--partner", "RUS",
        "--period", str(year),
    )  # fmt: skip
    assert status == 0, err
    comparisons = json.loads(out)["comparisons"]
    exports = next(c for c in comparisons if c["flow"] == "export")
    assert math.isclose(exports["reported"]["value"], tjk, rel_tol=1e-9)
    assert math.isclose(exports["mirror"]["value"], rus, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("name", "text", "code"),
    [
        ("DOTS_227.xlsx", "Middle East", "IMF:MIDDLE-EAST"),
        ("DOTS_229.xlsx", "Euro Area", "IMF:EURO-AREA"),
        ("DOTS_203.xlsx", "USSR", "SUN"),
        ("DOTS_89.xlsx", "Holy See", "VAT"),
    ],
)
def test_an_aggregate_or_historical_reporter_is_chosen_by_its_name(
    name: str, text: str, code: str
) -> None:
    world = turnover(name, "World")
    year = max(world)
    status, out, err = run(
        "--data", str(DOTS / name), "--format", "json", "value", "--period", str(year),
        "--reporter", text, "--partner", "World",
    )  # fmt: skip
    assert status == 0, err
    [answer] = json.loads(out)["answers"]
    assert answer["reporter"] == code
    assert math.isclose(answer["value"], world[year], rel_tol=1e-9)


def test_sitc_file_says_sitc_for_commodity_27() -> None:
    path = REAL / "comtrade-legacy" / "shjain6670__IBE-Project---China" / "comtrade.csv"
    status, out, err = run("--data", str(path), "--commodity", "27", "--format", "csv", "summary")
    assert status == 0, err
    assert "commodity 27 read as a code of SITC Rev. 4" in err and "(not HS)" in err
    assert "CHN,DEU,turnover," in out
