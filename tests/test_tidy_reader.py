"""The tidy CSV reader: good rows become observations, bad rows are all reported."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tradecli.dataset import load
from tradecli.errors import BadInput
from tradecli.observations import COLUMNS
from tradecli.periods import Period

GOOD = [
    "AZE,TJK,turnover,2023-01/2023-07,2.3,million,USD,over,2023-09-14,Trend,https://a.example/1",
    "Azerbaijan,Tajikistan,export,2022,5800,thousand,,,,,",
    "AZ,762,import,2022-Q2,138000,unit,USD,,2023-04-25,Trend,https://a.example/2",
    "AZE,TJK,turnover,2009,25.472,billion,usd,,,,",
]


def test_good_rows_become_observations(write_csv: Callable[..., Path]) -> None:
    path = write_csv(GOOD)
    frame = load([path]).frame
    assert list(frame.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert list(frame["reporter"].astype(str)) == ["AZE"] * 4
    assert list(frame["partner"].astype(str)) == ["TJK"] * 4
    assert list(frame["flow"].astype(str)) == ["turnover", "export", "import", "turnover"]
    assert list(frame["value"]) == [2.3e6, 5.8e6, 138000.0, 25.472e9]
    # the unit of the last digit as published: 0.1 million, 100 thousand, 1000 units, 0.001 bn
    assert list(frame["step"]) == pytest.approx([1e5, 1e5, 1e3, 1e6])
    assert list(frame["currency"].astype(str)) == ["USD"] * 4
    q2 = Period.parse("2022-Q2")
    assert (frame.loc[2, "first"], frame.loc[2, "last"]) == (q2.first, q2.last)
    assert list(frame["line"]) == [2, 3, 4, 5]
    assert frame.loc[0, "flags"] == "over"
    assert frame.loc[0, "url"] == "https://a.example/1"
    assert set(frame["source"].astype(str)) == {str(path)}


def test_extra_columns_are_kept_as_provenance(write_csv: Callable[..., Path]) -> None:
    path = write_csv(
        ["AZE,TJK,turnover,2022,5.8,million,USD,,,,,page 3"],
        header="reporter,partner,flow,period,value,unit,currency,flags,published,"
        "publisher,url,note",
    )
    frame = load([path]).frame
    assert frame.loc[0, "note"] == "page 3"


def test_minimal_columns_default_unit_and_currency(write_csv: Callable[..., Path]) -> None:
    path = write_csv(["AZE,TJK,export,2022,12.5"], header="reporter,partner,flow,period,value")
    frame = load([path]).frame
    assert frame.loc[0, "value"] == 12.5
    assert str(frame.loc[0, "currency"]) == "USD"


def test_every_bad_row_is_reported_with_location(write_csv: Callable[..., Path]) -> None:
    rows = [
        "AZE,TJK,turnover,2022,5.8,million,USD,,,,",  # line 2: fine
        "AZE,TJK,barter,2022,5.8,million,USD,,,,",  # 3: flow
        "AZE,TJK,turnover,2023-13,5.8,million,USD,,,,",  # 4: period
        "AZE,TJK,turnover,2022,five,million,USD,,,,",  # 5: value
        "AZE,TJK,turnover,2022,-3,million,USD,,,,",  # 6: negative
        "AZE,TJK,turnover,2022,inf,million,USD,,,,",  # 7: not finite
        "AZE,Narnia,turnover,2022,1,million,USD,,,,",  # 8: country
        "AZE,TJK,turnover,2022,1,lakh,USD,,,,",  # 9: unit
        "AZE,TJK,turnover,2022,1,million,USD,,,,,extra",  # 10: too many fields
        "AZE,TJK,turnover,2022,1,million,USD,,yesterday,,",  # 11: date
        "AZE,TJK,turnover,2022,,million,USD,,,,",  # 12: missing value
    ]
    path = write_csv(rows)
    with pytest.raises(BadInput) as info:
        load([path])
    text = str(info.value)
    expected = [
        f"{path}:3: flow: 'barter': unknown flow",
        f"{path}:4: period: '2023-13':",
        f"{path}:5: value: 'five': not a number",
        f"{path}:6: value: '-3': negative value",
        f"{path}:7: value: 'inf': not a finite number",
        f"{path}:8: partner: 'Narnia': unknown country",
        f"{path}:9: unit: 'lakh': unknown unit",
        f"{path}:10: -:",
        f"{path}:11: published: 'yesterday': not a date",
        f"{path}:12: value: '': missing value",
    ]
    for fragment in expected:
        assert fragment in text
    assert ":2:" not in text
    assert len(info.value.problems) == len(expected)


def test_problems_are_capped_with_a_count(write_csv: Callable[..., Path]) -> None:
    path = write_csv([f"AZE,TJK,turnover,2022,x{i},million,USD,,,," for i in range(30)])
    with pytest.raises(BadInput) as info:
        load([path])
    lines = str(info.value).splitlines()
    assert len(lines) == 21
    assert lines[-1] == "... and 10 more problems"


def test_missing_columns_are_named_with_the_columns_present(write_csv: Callable[..., Path]) -> None:
    path = write_csv(["AZE,TJK,turnover,2022"], header="reporter,partner,flow,period")
    with pytest.raises(BadInput) as info:
        load([path])
    assert "missing column value" in str(info.value)
    assert "columns are: reporter, partner, flow, period" in str(info.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"reporter,partner,flow,period,value\n", "no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
        (b"just some words\nand more words\n", "not a format tradecli reads"),
    ],
)
def test_empty_binary_and_foreign_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(BadInput) as info:
        load([path])
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_windows_1252_is_read_like_utf8(tmp_path: Path) -> None:
    text = "reporter,partner,flow,period,value,publisher\nAZE,Türkiye,turnover,2022,5.8,Günay\n"
    utf8 = tmp_path / "utf8.csv"
    cp1252 = tmp_path / "cp1252.csv"
    bom = tmp_path / "bom.csv"
    utf8.write_bytes(text.encode("utf-8"))
    cp1252.write_bytes(text.encode("cp1252"))
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    frames = [load([p]).frame.drop(columns="source") for p in (utf8, cp1252, bom)]
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], frame, check_exact=True)
    assert frames[0].loc[0, "partner"] == "TUR"
    assert frames[0].loc[0, "publisher"] == "Günay"
    assert any("cp1252" in n for n in load([cp1252]).notes)


def test_undecodable_text_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    # 0x81 is undefined in Windows-1252 and invalid as UTF-8
    path.write_bytes(b"reporter,partner,flow,period,value\nAZE,TJK,export,2022,1\x81\n")
    with pytest.raises(BadInput) as info:
        load([path])
    assert "UTF-8" in str(info.value)
    assert f"{path}:2" in str(info.value)


def test_input_files_are_never_modified(write_csv: Callable[..., Path]) -> None:
    path = write_csv([*GOOD, "AZE,TJK,barter,2022,1,million,USD,,,,"])
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    mtime = path.stat().st_mtime_ns
    with pytest.raises(BadInput):
        load([path])
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert path.stat().st_mtime_ns == mtime


def test_folders_expand_to_their_data_files(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("reporter,partner,flow,period,value\nAZE,TJK,export,2022,1\n")
    (tmp_path / "b.csv").write_text("reporter,partner,flow,period,value\nAZE,TJK,import,2022,2\n")
    (tmp_path / "notes.md").write_text("not data\n")
    frame = load([tmp_path]).frame
    assert sorted(frame["value"]) == [1.0, 2.0]


def test_a_folder_without_data_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("not data\n")
    with pytest.raises(BadInput, match=r"folder holds no data files \(\.csv, \.tsv"):
        load([tmp_path])
