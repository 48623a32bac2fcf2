"""Detection: the format comes from the file's own first bytes, never its name."""

from __future__ import annotations

import gzip
from pathlib import Path

import openpyxl
import pytest

from tradecli import readers
from tradecli.errors import BadInput
from tradecli.readers import imf_excel
from tradecli.readers.common import ReadContext
from tradecli.readers.tabular import period_label

from .expect import FIXTURES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("comtrade-plus-annual.csv", "comtrade+"),
        ("comtrade-plus-bulk.tsv", "comtrade+"),
        ("comtrade-legacy.csv", "comtrade-legacy"),
        ("imf-imts-wide.csv", "imf"),
        ("imf-imts-long.csv", "imf"),
        ("imf-dots-bulk.csv", "imf"),
        ("wits.csv", "wits"),
    ],
)
def test_each_download_is_detected_from_its_header(name: str, expected: str) -> None:
    assert readers.detect(FIXTURES / name).name == expected


def test_gzip_is_looked_into_whatever_the_name(tmp_path: Path) -> None:
    path = tmp_path / "download-without-extension.dat"
    path.write_bytes(gzip.compress((FIXTURES / "comtrade-plus-bulk.tsv").read_bytes()))
    assert readers.header_of(path)[:3] == ["typeCode", "freqCode", "refPeriodId"]
    assert readers.detect(path).name == "comtrade+"


def test_a_gzipped_tidy_csv_is_still_tidy(tmp_path: Path) -> None:
    path = tmp_path / "tidy.csv.gz"
    path.write_bytes(gzip.compress(b"reporter,partner,flow,period,value\nAZE,TJK,export,2022,5\n"))
    assert readers.detect(path).name == "tidy"
    frame = readers.read_any(path, ReadContext(frozenset()))
    assert list(frame["value"]) == [5.0]


def test_an_excel_workbook_is_told_by_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "report.bin"
    book = openpyxl.Workbook()
    book.active.title = "Exports, FOB"
    book.save(path)
    assert readers.detect(path).name == imf_excel.FORMAT


def test_an_unknown_csv_names_the_formats(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(BadInput) as err:
        readers.detect(path)
    message = str(err.value)
    for name in ("comtrade+", "comtrade-legacy", "imf", "imf-dots-xlsx", "wits", "tidy"):
        assert name in message


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("2022", "2022"),
        (2022, "2022"),
        (2022.0, "2022"),
        ("2022M1", "2022-01"),
        ("2022M01", "2022-01"),
        ("2022-M12", "2022-12"),
        ("2022Q1", "2022-Q1"),
        ("2022-Q4", "2022-Q4"),
        ("2022S2", "2022-H2"),
        ("2022-01", "2022-01"),
    ],
)
def test_period_headers(text: object, span: str) -> None:
    label = period_label(text)
    assert label is not None
    assert label.iso() == span


@pytest.mark.parametrize("text", ["Country Name", "2022M13", "2022Q5", "", None, 12.5, True])
def test_not_period_headers(text: object) -> None:
    assert period_label(text) is None
