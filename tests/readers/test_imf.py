"""IMF trade statistics as CSV: the IMTS portal (wide and long) and the DOTS bulk file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tradecli.errors import BadInput
from tradecli.readers.common import ReadContext
from tradecli.readers.imf import place

from .expect import FIXTURES, assert_rows

Read = Callable[..., pd.DataFrame]


def test_imts_wide_with_annual_quarterly_and_monthly_columns(read: Read) -> None:
    # SCALE Millions, except the Euro Area row in Units; TBG_USD (line 6) and
    # MG_FOB_USD (line 7) left out; G codes and group names become group codes
    assert_rows(
        read("imf-imts-wide.csv"),
        [
            ("AZE", "TJK", "export", "2021", 7.3e6, 2),
            ("AZE", "TJK", "export", "2022", 5.8123e6, 2),
            ("AZE", "TJK", "export", "2022-Q1", 1.5e6, 3),
            ("AZE", "TJK", "export", "2022-01", 0.41e6, 4),
            ("AZE", "TJK", "export", "2022-02", 0.52e6, 4),
            ("AZE", "TJK", "import", "2021", 0.185e6, 5),
            ("AZE", "TJK", "import", "2022", 0.138e6, 5),
            ("AZE", "WORLD", "export", "2021", 22000e6, 8),
            ("AZE", "WORLD", "export", "2022", 35000.5e6, 8),
            ("AZE", "IMF:ADVANCED", "export", "2021", 15000e6, 9),
            ("AZE", "IMF:ADVANCED", "export", "2022", 20000e6, 9),
            ("AZE", "IMF:EURO-AREA", "export", "2022", 12345678.0, 10),
            ("AZE", "IMF:EMDE-ASIA", "export", "2022", 900.25e6, 11),
            ("AZE", "HKG", "export", "2022", 3.2e6, 12),
            ("AZE", "TUR", "export", "2022", 2500e6, 13),
        ],
    )


def test_trade_balance_and_fob_imports_are_left_out_and_said(
    read: Read, context: ReadContext
) -> None:
    read("imf-imts-wide.csv")
    notes = "\n".join(context.notes)
    assert "MG_FOB_USD (1), TBG_USD (1)" in notes
    assert "TBG_USD: trade balance" in notes


def test_the_precision_follows_the_published_digits_and_scale(read: Read) -> None:
    frame = read("imf-imts-wide.csv")
    tjk_2021 = frame[(frame["partner"] == "TJK") & (frame["line"] == 2)].sort_values("first")
    # 7.3 million → 0.1 million; 5.8123 million → 0.0001 million
    assert list(tjk_2021["step"]) == pytest.approx([1e5, 100.0])


def test_imts_long_form(read: Read, context: ReadContext) -> None:
    # line 5 repeats line 4: one observation; line 6 is TBG_USD; line 7 has no value
    assert_rows(
        read("imf-imts-long.csv"),
        [
            ("TJK", "AZE", "import", "2022", 6.5e6, 2),
            ("TJK", "AZE", "export", "2022", 0.2e6, 3),
            ("TJK", "AZE", "import", "2023-01", 0.5e6, 4),
            ("TJK", "KGZ", "import", "2022-Q1", 1250e3, 8),
        ],
    )
    assert any("1 figure(s) printed twice counted once" in n for n in context.notes)


def test_dots_bulk_file(read: Read, context: ReadContext) -> None:
    # IMF country codes (912, 532) are not ISO codes: the names place the countries;
    # the Status row (line 3) and the trade balance (line 5) hold no exports or imports
    assert_rows(
        read("imf-dots-bulk.csv"),
        [
            ("KGZ", "AZE", "export", "2021", 12345678.9, 2),
            ("KGZ", "AZE", "export", "2022", 15e6, 2),
            ("KGZ", "AZE", "export", "2022-Q1", 3e6, 2),
            ("KGZ", "AZE", "export", "2022-01", 1e6, 2),
            ("KGZ", "HKG", "import", "2022", 250000.5, 4),
            ("KGZ", "WORLD", "export", "2021", 2e9, 6),
            ("KGZ", "WORLD", "export", "2022", 2.5e9, 6),
            ("KGZ", "IMF:EMDE", "export", "2022", 1.8e9, 7),
        ],
    )
    assert set(read("imf-dots-bulk.csv")["format"].astype(str)) == {"imf-dots"}
    assert any("no SCALE column; values read in US dollars" in n for n in context.notes)


def test_an_unknown_scale_is_an_error(read: Read, tmp_path: Path) -> None:
    text = (FIXTURES / "imf-imts-long.csv").read_text(encoding="utf-8")
    path = tmp_path / "scale.csv"
    path.write_text(text.replace("Annual,Millions,2022,6.5", "Annual,Lakhs,2022,6.5"), "utf-8")
    with pytest.raises(BadInput) as err:
        read(path)
    [problem] = err.value.problems
    assert (problem.line, problem.column, problem.value) == (2, "SCALE", "Lakhs")


def test_scale_id_is_a_power_of_ten(read: Read, tmp_path: Path) -> None:
    path = tmp_path / "scale-id.csv"
    path.write_text(
        "COUNTRY.ID,INDICATOR.ID,COUNTERPART_COUNTRY.ID,SCALE.ID,TIME_PERIOD,OBS_VALUE\n"
        "AZE,XG_FOB_USD,TJK,3,2022,5812.3\n",
        encoding="utf-8",
    )
    assert_rows(read(path), [("AZE", "TJK", "export", "2022", 5812300.0, 2)])


def test_a_windows_1252_copy_reads_the_same(read: Read, tmp_path: Path) -> None:
    path = tmp_path / "cp1252.csv"
    text = (FIXTURES / "imf-imts-wide.csv").read_text(encoding="utf-8")
    assert "Türkiye" in text
    path.write_bytes(text.encode("cp1252"))
    pd.testing.assert_frame_equal(
        read("imf-imts-wide.csv").drop(columns="source"),
        read(path).drop(columns="source"),
        check_exact=True,
    )


def test_an_unplaceable_counterpart_is_left_out_named_and_strict_makes_it_the_error(
    read: Read, context: ReadContext, tmp_path: Path
) -> None:
    text = (FIXTURES / "imf-imts-wide.csv").read_text(encoding="utf-8")
    path = tmp_path / "atlantis.csv"
    path.write_text(text.replace('"China, P.R.: Hong Kong",HKG', "Atlantis,ATL"), "utf-8")
    frame = read(path)
    assert 12 not in set(frame["line"]) and len(frame)
    [warning] = [n for n in context.notes if n.startswith("warning: ")]
    assert "COUNTERPART_COUNTRY: 'Atlantis'" in warning and "left out" in warning
    context.strict = True
    with pytest.raises(BadInput) as err:
        read(path)
    [problem] = err.value.problems
    assert (problem.file, problem.line, problem.column, problem.value) == (
        str(path),
        12,
        "COUNTERPART_COUNTRY",
        "Atlantis",
    )


def test_an_unknown_aggregate_code_becomes_an_imf_group_code(read: Read, tmp_path: Path) -> None:
    path = tmp_path / "region.csv"
    path.write_text(
        "COUNTRY.ID,INDICATOR.ID,COUNTERPART_COUNTRY,COUNTERPART_COUNTRY.ID,SCALE,2022\n"
        "AZE,XG_FOB_USD,Middle East (ME),G440,Millions,10\n",
        encoding="utf-8",
    )
    assert list(read(path)["partner"].astype(str)) == ["IMF:MIDDLE-EAST"]


def test_imf_files_hold_no_commodity_detail(read: Read) -> None:
    with pytest.raises(BadInput, match="all-goods totals only"):
        read("imf-imts-long.csv", commodity="27")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Azerbaijan, Rep. of", "AZE"),
        ("Kyrgyz Republic", "KGZ"),
        ("China, P.R.: Hong Kong", "HKG"),
        ("China, P.R.: Mainland", "CHN"),
        ("Türkiye", "TUR"),
        ("USA", "USA"),
        ("Poland, Rep. of", "POL"),
        ("Bosnia & Herzegovina", "BIH"),
        ("Other Asia, nes", "TWN"),
        ("Areas, nes", "COMTRADE:AREAS-NES"),
        ("World", "WORLD"),
        ("Euro Area (EA)", "IMF:EURO-AREA"),
        ("Emerging and Developing Economies", "IMF:EMDE"),
        ("European Union", "EU27"),
    ],
)
def test_imf_and_comtrade_spellings(context: ReadContext, name: str, code: str) -> None:
    assert place(context, "", name, codes_are_iso=False) == code
