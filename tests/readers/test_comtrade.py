"""UN Comtrade+ downloads: the web/API CSV as downloaded and the gzipped bulk TSV."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.dataset import load
from tradecli.engine.answers import SeriesKey
from tradecli.errors import BadInput
from tradecli.periods import Period
from tradecli.readers.common import ReadContext

from .expect import FIXTURES, assert_rows

Read = Callable[..., pd.DataFrame]
ANNUAL = "comtrade-plus-annual.csv"


def lines(name: str) -> list[str]:
    """The fixture's lines as Windows-1252 text (its encoding), without line ends."""
    return (FIXTURES / name).read_bytes().decode("cp1252").splitlines()


def write(path: Path, rows: list[str], encoding: str = "cp1252") -> Path:
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode(encoding))
    return path


def test_annual_download_as_it_comes(read: Read) -> None:
    # Windows-1252, CRLF, a trailing comma on every data row, refMonth 52, World as 0/W00;
    # RX/RM (lines 6-7), an HS 27 row (line 9) and a mode-of-transport row (line 10) left out
    assert_rows(
        read(ANNUAL),
        [
            ("AZE", "TJK", "export", "2022", 5812345.67, 2),
            ("AZE", "TJK", "import", "2022", 138000.0, 3),
            ("AZE", "TUR", "export", "2022", 2.5e9, 4),
            ("AZE", "TUR", "import", "2022", 1800000000.5, 5),
            ("AZE", "WORLD", "export", "2022", 35e9, 8),
            ("AZE", "TJK", "export", "2021", 7.3e6, 11),
        ],
    )


def test_every_observation_keeps_its_provenance(read: Read) -> None:
    frame = read(ANNUAL)
    assert set(frame["format"].astype(str)) == {"comtrade+"}
    assert set(frame["publisher"]) == {"UN Comtrade"}
    assert set(frame["source"].astype(str)) == {str(FIXTURES / ANNUAL)}
    assert set(frame["commodity"]) == {"TOTAL"}
    assert set(frame["currency"].astype(str)) == {"USD"}
    assert set(frame["step"]) == {1.0}


def test_other_flows_and_breakdowns_are_counted_not_added(read: Read, context: ReadContext) -> None:
    read(ANNUAL)
    notes = "\n".join(context.notes)
    assert "RM (1), RX (1)" in notes
    assert "1 row(s) broken down" in notes


def test_turkiye_is_decoded_from_windows_1252(read: Read, tmp_path: Path) -> None:
    # without the ISO column, only the name "Türkiye" (byte 0xFC) says who the partner is
    rows = lines(ANNUAL)
    header = rows[0].split(",")
    iso = header.index("partnerISO")
    cells = rows[3].split(",")
    assert cells[iso + 1] == "Türkiye"
    cells[iso] = ""
    frame = read(write(tmp_path / "no-iso.csv", [rows[0], ",".join(cells)]))
    assert list(frame["partner"].astype(str)) == ["TUR"]


def test_a_utf8_copy_reads_the_same(read: Read, tmp_path: Path) -> None:
    original = read(ANNUAL)
    copy = read(write(tmp_path / "utf8.csv", lines(ANNUAL), encoding="utf-8"))
    pd.testing.assert_frame_equal(
        original.drop(columns="source"), copy.drop(columns="source"), check_exact=True
    )


def test_annual_rows_without_period_use_ref_month_52(read: Read, tmp_path: Path) -> None:
    rows = lines(ANNUAL)
    header = rows[0].split(",")
    at = header.index("period")
    blanked = [rows[0]]
    for row in rows[1:]:
        cells = row.split(",")
        cells[at] = ""
        blanked.append(",".join(cells))
    frame = read(write(tmp_path / "no-period.csv", blanked))
    year = Period.year(2022)
    assert (int(frame.loc[0, "first"]), int(frame.loc[0, "last"])) == (year.first, year.last)


def test_ragged_rows_are_all_reported(read: Read, tmp_path: Path) -> None:
    rows = lines(ANNUAL)
    rows[2] = rows[2][:-1]  # line 3 lost its trailing comma: 47 fields
    rows[4] = rows[4] + "x,"  # line 5 has 49 fields
    with pytest.raises(BadInput) as err:
        read(write(tmp_path / "ragged.csv", rows))
    note = " (the other rows end with a trailing comma)"
    assert [(p.line, p.message) for p in err.value.problems] == [
        (3, "row has 47 fields, the header has 47" + note),
        (5, "row has 49 fields, the header has 47" + note),
    ]


def test_a_field_after_the_trailing_comma_is_an_error(read: Read, tmp_path: Path) -> None:
    rows = lines(ANNUAL)
    rows[2] = rows[2] + "surplus"  # 48 fields, the 48th not empty
    with pytest.raises(BadInput) as err:
        read(write(tmp_path / "surplus.csv", rows))
    assert [(p.line, p.message) for p in err.value.problems] == [
        (3, "row has 48 fields, the header has 47")
    ]


def test_another_commodity_is_read_alone(read: Read) -> None:
    assert_rows(read(ANNUAL, commodity="27"), [("AZE", "TJK", "export", "2022", 5e6, 9)])


def test_a_missing_commodity_names_the_codes_present(read: Read) -> None:
    with pytest.raises(
        BadInput, match="no rows for commodity 8703; the file has commodity codes: 27, TOTAL"
    ):
        read(ANNUAL, commodity="8703")


def test_an_unplaceable_partner_is_left_out_and_named(
    read: Read, context: ReadContext, tmp_path: Path
) -> None:
    rows = lines(ANNUAL)
    rows[2] = rows[2].replace(",762,TJK,Tajikistan,", ",999,XXX,Atlantis,")
    path = write(tmp_path / "atlantis.csv", rows)
    frame = read(path)
    assert 3 not in set(frame["line"]) and 2 in set(frame["line"])
    [warning] = [n for n in context.notes if n.startswith("warning: ")]
    assert f"{path}: left out 1 row(s)" in warning and "partnerDesc: 'Atlantis'" in warning


def test_with_strict_an_unplaceable_partner_is_the_error(
    read: Read, context: ReadContext, tmp_path: Path
) -> None:
    rows = lines(ANNUAL)
    rows[2] = rows[2].replace(",762,TJK,Tajikistan,", ",999,XXX,Atlantis,")
    path = write(tmp_path / "atlantis.csv", rows)
    context.strict = True
    with pytest.raises(BadInput) as err:
        read(path)
    [problem] = err.value.problems
    assert (problem.file, problem.line, problem.column, problem.value) == (
        str(path),
        3,
        "partnerDesc",
        "Atlantis",
    )
    assert "code 999" in problem.message


def test_gzipped_bulk_file_with_codes_only(read: Read, tmp_path: Path) -> None:
    # tab-separated, monthly, numeric codes only (842 is Comtrade's USA, 899 "Areas, nes");
    # the RX row (line 6) and the HS 27 row (line 7) are left out
    path = tmp_path / "TJK-2023-monthly"
    path.write_bytes(gzip.compress((FIXTURES / "comtrade-plus-bulk.tsv").read_bytes()))
    assert_rows(
        read(path),
        [
            ("TJK", "AZE", "export", "2023-02", 350000.0, 2),
            ("TJK", "AZE", "export", "2023-01", 400000.0, 3),
            ("TJK", "AZE", "import", "2023-01", 150000.0, 4),
            ("TJK", "WORLD", "export", "2023-01", 1e8, 5),
            ("TJK", "USA", "import", "2023-01", 70000.0, 8),
            ("TJK", "COMTRADE:AREAS-NES", "export", "2023-01", 1234.0, 9),
        ],
    )


def test_monthly_rows_answer_longer_spans(tmp_path: Path) -> None:
    path = tmp_path / "bulk.tsv.gz"
    path.write_bytes(gzip.compress((FIXTURES / "comtrade-plus-bulk.tsv").read_bytes()))
    engine = load([path]).engine
    answer = engine.value(SeriesKey("TJK", "AZE", "export"), Period.parse("2023-01/2023-02"))
    assert answer.value == 400000 + 350000
    turnover = engine.value(SeriesKey("TJK", "AZE", "turnover"), Period.parse("2023-01"))
    assert turnover.value == 400000 + 150000


def test_commodity_is_a_root_option(runner: CliRunner) -> None:
    path = str(FIXTURES / ANNUAL)
    args = ["--data", path, "value", "-r", "AZE", "-p", "TJK", "--flow", "export"]
    result = runner.invoke(app, [*args, "--period", "2022", "--commodity", "27", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert [a["value"] for a in json.loads(result.stdout)["answers"]] == [5e6]
    # the default, TOTAL, and what was left out, on stderr
    result = runner.invoke(app, [*args, "--period", "2022", "-f", "json"])
    assert [a["value"] for a in json.loads(result.stdout)["answers"]] == [5812345.67]
    assert "RM (1), RX (1)" in result.stderr
    result = runner.invoke(app, ["--commodity", "8703", *args, "--period", "2022"])
    assert result.exit_code == 1
    assert "no rows for commodity 8703" in result.stderr
