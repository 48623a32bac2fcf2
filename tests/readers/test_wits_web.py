"""WITS web exports, as the WITS site saves them: (a) wide with an Indicator column and one
column per year, (b) long with Export/Import (US$ Thousand) columns, a BOM and names with a
leading space, (c) the wide table saved as .xlsx. Expected rows are written by hand from the
fixtures' cells."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tradecli import readers
from tradecli.errors import BadInput
from tradecli.readers.common import ReadContext

from .expect import FIXTURES, assert_rows

Read = Callable[..., pd.DataFrame]

# wide: line 2 exports to Azerbaijan (2021 blank), line 3 imports, line 4 a share (left out),
# line 5 World with a leading space, line 6 a WITS region, line 7 Atlantis (left out),
# line 8 Fuels (another product group, left out)
WIDE = [
    ("KAZ", "AZE", "export", "2019", 300000.5e3, 2),
    ("KAZ", "AZE", "export", "2020", 250000e3, 2),
    ("KAZ", "AZE", "import", "2019", 100000e3, 3),
    ("KAZ", "AZE", "import", "2020", 90000.25e3, 3),
    ("KAZ", "AZE", "import", "2021", 120000e3, 3),
    ("KAZ", "WORLD", "export", "2019", 58000000e3, 5),
    ("KAZ", "WORLD", "export", "2020", 47000000e3, 5),
    ("KAZ", "WORLD", "export", "2021", 60300000e3, 5),
    ("KAZ", "WITS:EAST-ASIA-PACIFIC", "export", "2019", 9000000e3, 6),
    ("KAZ", "WITS:EAST-ASIA-PACIFIC", "export", "2020", 8000000e3, 6),
]


@pytest.mark.parametrize(
    ("name", "reader"),
    [("wits-web-wide.csv", "wits-web"), ("wits-web-wide.xlsx", "imf-dots-xlsx")],
)
def test_wide_export_as_it_comes(read: Read, context: ReadContext, name: str, reader: str) -> None:
    """The workbook goes to the Excel reader, which hands a sheet without the DOTS
    layout to the WITS reader."""
    assert_rows(read(name), WIDE)
    assert readers.detect(FIXTURES / name).name == reader
    notes = " | ".join(context.notes)
    assert "Export Product Share (%) (1)" in notes
    assert "Fuels (3)" in notes
    [warning] = [n for n in context.notes if n.startswith("warning: ")]
    assert "left out 3 row(s) or figure(s)" in warning and "'Atlantis'" in warning


def test_the_xlsx_warning_names_the_sheet(read: Read, context: ReadContext) -> None:
    read("wits-web-wide.xlsx")
    [warning] = [n for n in context.notes if n.startswith("warning: ")]
    assert "Trade Summary!Partner Name: 'Atlantis'" in warning


def test_long_export_with_bom_and_leading_spaces(read: Read, context: ReadContext) -> None:
    assert (FIXTURES / "wits-web-long.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    # each row gives the value of its own Trade Flow; share and tariff columns are ignored
    assert_rows(
        read("wits-web-long.csv"),
        [
            ("KAZ", "WORLD", "export", "2020", 47000000e3, 2),
            ("KAZ", "WORLD", "import", "2020", 38000000e3, 3),
            ("KAZ", "AZE", "export", "2020", 250000e3, 4),
            ("KAZ", "AZE", "import", "2020", 90000.25e3, 5),
            ("KAZ", "AZE", "export", "2021", 280000e3, 6),
            ("KAZ", "AZE", "import", "2021", 120000e3, 7),
        ],
    )
    assert not [n for n in context.notes if n.startswith("warning: ")]


def test_detected_from_the_header_not_the_name(read: Read, tmp_path: Path) -> None:
    rows = {"wits-web-long.csv": 6, "wits-web-wide.csv": 10, "wits-web-wide.xlsx": 10}
    for name, count in rows.items():
        copy = tmp_path / f"download-{name.split('.')[0]}.dat"
        copy.write_bytes((FIXTURES / name).read_bytes())
        assert len(read(copy)) == count, name


def test_strict_turns_the_warning_into_the_error(read: Read, context: ReadContext) -> None:
    context.strict = True
    with pytest.raises(BadInput, match="Atlantis"):
        read("wits-web-wide.csv")


def test_a_product_group_is_read_alone(read: Read) -> None:
    frame = read("wits-web-wide.csv", commodity="Fuels")
    assert sorted(zip(frame["first"].astype(int), frame["value"], strict=True))[0][1] == 200000e3
    assert set(frame["partner"].astype(str)) == {"AZE"}
    assert set(frame["commodity"].astype(str)) == {"Fuels"}


def test_turnover_from_the_long_export() -> None:
    from typer.testing import CliRunner

    from tradecli.cli import app

    args = ["--data", str(FIXTURES / "wits-web-long.csv"), "--format", "csv", "value"]
    args += ["--period", "2021", "--reporter", "KAZ", "--partner", "AZE"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert str(int(280000e3 + 120000e3)) in result.stdout.replace(".0", "")
