"""The older UN Comtrade layouts: the 12-column annual export (Year, no Period), the
8-column export with names only (Exports/Imports), the EU-28 aggregate kept as the file
names it, the classification recorded, and downloads without all-products rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.errors import BadInput
from tradecli.readers.common import ReadContext

from .expect import FIXTURES, assert_rows

Read = Callable[..., pd.DataFrame]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_twelve_column_annual_layout(read: Read, context: ReadContext) -> None:
    # no Period column: the Year is the period; the re-export (line 6) and HS 27 (line 8)
    # rows are left out
    assert_rows(
        read("comtrade-legacy-annual.csv"),
        [
            ("AZE", "TJK", "export", "2017", 2300000.0, 2),
            ("AZE", "TJK", "import", "2017", 1500000.0, 3),
            ("AZE", "TJK", "export", "2018", 2700000.0, 4),
            ("AZE", "TJK", "import", "2018", 1100000.0, 5),
            ("AZE", "WORLD", "export", "2018", 20000000000.0, 7),
        ],
    )
    assert any("3 (1)" in note for note in context.notes)


def test_a_bad_year_shows_the_value_the_file_holds(read: Read, tmp_path: Path) -> None:
    lines = (FIXTURES / "comtrade-legacy-annual.csv").read_text().splitlines()
    lines[1] = lines[1].replace("HS,2017,", "HS,2O17,")
    path = tmp_path / "typo.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(BadInput) as err:
        read(path)
    [problem] = err.value.problems
    assert (problem.line, problem.column, problem.value) == (2, "year", "2O17")
    assert "/" not in problem.value


def test_eight_column_names_only_layout(read: Read) -> None:
    # flows written Exports/Imports; the Re-exports row (line 7) is left out; the reporter
    # EU-28 is the publisher's aggregate, not EU27
    assert_rows(
        read("comtrade-legacy-names.csv"),
        [
            ("COMTRADE:EU-28", "AZE", "export", "2019", 3.1e9, 2),
            ("COMTRADE:EU-28", "AZE", "import", "2019", 12e9, 3),
            ("COMTRADE:EU-28", "AZE", "export", "2020", 3.5e9, 4),
            ("COMTRADE:EU-28", "AZE", "import", "2020", 9e9, 5),
            ("COMTRADE:EU-28", "WORLD", "export", "2020", 2.2e12, 6),
        ],
    )


@pytest.mark.parametrize("name", ["comtrade-legacy.csv", "comtrade-legacy-names.csv"])
@pytest.mark.parametrize("text", ["EU-28", "EU28", "eu-28"])
def test_reporter_eu28_answers_labelled_eu28(name: str, text: str) -> None:
    code, out, err = run(
        "--data", str(FIXTURES / name), "--format", "json", "value", "--period", "2020",
        "--reporter", text, "--partner", "AZE", "--flow", "export",
    )  # fmt: skip
    assert code == 0, err
    [answer] = json.loads(out)["answers"]
    assert answer["reporter"] == "COMTRADE:EU-28"
    assert answer["value"] == 3.5e9


def test_eu27_is_another_group(read: Read) -> None:
    frame = read("comtrade-legacy-names.csv")
    assert "EU27" not in set(frame["reporter"].astype(str))


def test_commodity_27_in_an_sitc_file_says_sitc(read: Read, context: ReadContext) -> None:
    frame = read("comtrade-legacy-sitc.csv", commodity="27")
    assert set(frame["classification"].astype(str)) == {"SITC Rev. 4"}
    assert len(frame) == 4
    assert any("SITC Rev. 4" in n and "(not HS)" in n for n in context.notes)


def test_a_series_mixing_hs_and_sitc_is_refused(tmp_path: Path) -> None:
    sitc = (FIXTURES / "comtrade-legacy-sitc.csv").read_text().splitlines()
    hs = [line.replace("S4,2010", "H4,2012").replace("S4,2011", "H4,2013") for line in sitc[1:]]
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join([*sitc, *hs]) + "\n")
    code, _out, err = run("--data", str(path), "--commodity", "27", "summary")
    assert code == 1
    assert "HS 2012, SITC Rev. 4" in err and "mix" in err and "Traceback" not in err


def test_a_download_without_totals_is_answered_per_product(
    read: Read, context: ReadContext
) -> None:
    frame = read("comtrade-legacy-sitc.csv")
    assert set(frame["partner"].astype(str)) == {"DEU/SITC4:27", "DEU/SITC4:33"}
    assert any("answered per product" in n for n in context.notes)
    code, out, err = run("--data", str(FIXTURES / "comtrade-legacy-sitc.csv"), "summary")
    assert code == 0, err
    assert "CHN–DEU/SITC4:27" in out


def test_a_file_with_one_flow_summarises_that_flow(tmp_path: Path) -> None:
    lines = (FIXTURES / "comtrade-legacy-annual.csv").read_text().splitlines()
    path = tmp_path / "exports.csv"
    path.write_text("\n".join(line for line in lines if ",1,Import," not in line) + "\n")
    code, out, err = run("--data", str(path), "--format", "csv", "summary")
    assert code == 0, err
    assert "AZE,TJK,export," in out and "2700000" in out.replace(".0", "")
    assert "turnover needs both exports and imports; the data has exports only" in err


def test_explain_names_the_classification_of_a_commodity() -> None:
    code, out, err = run(
        "--data", str(FIXTURES / "comtrade-legacy-sitc.csv"), "--commodity", "27", "--explain",
        "value", "--period", "2011",
    )  # fmt: skip
    assert code == 0, err
    assert "UN Comtrade (SITC Rev. 4, code 27)" in out
    assert "$4M" in out  # 2.5M exports + 1.5M imports, lines 5 and 4


def test_a_services_download_says_services(
    read: Read, context: ReadContext, tmp_path: Path
) -> None:
    lines = (FIXTURES / "comtrade-plus-annual.csv").read_text(encoding="cp1252").splitlines()
    services = [lines[0]] + [
        line.replace("C,A,", "S,A,", 1).replace(",H6,HS,", ",EB10,EB,") for line in lines[1:]
    ]
    path = tmp_path / "services.csv"
    path.write_text("\n".join(services) + "\n", encoding="cp1252")
    frame = read(path)
    assert len(frame)
    assert set(frame["classification"].astype(str)) == {"EBOPS 2010 (services)"}
    assert set(frame["publisher"].astype(str)) == {"UN Comtrade (EBOPS 2010 (services))"}
    assert any("trade in services" in n and "not goods" in n for n in context.notes)
