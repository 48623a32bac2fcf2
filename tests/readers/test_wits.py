"""WITS downloads: ISO3 codes, the unit in the value header, Comtrade's flows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tradecli.errors import BadInput
from tradecli.readers.common import ReadContext

from .expect import FIXTURES, assert_rows

Read = Callable[..., pd.DataFrame]
WITS = "wits.csv"


def text() -> str:
    return (FIXTURES / WITS).read_text(encoding="utf-8")


def test_wits_download_as_it_comes(read: Read, context: ReadContext) -> None:
    # "TradeValue in 1000 USD"; the re-export (line 5) and the HS 27 row (line 6) left out
    assert_rows(
        read(WITS),
        [
            ("KAZ", "AZE", "export", "2022", 450123.5e3, 2),
            ("KAZ", "AZE", "import", "2022", 120000e3, 3),
            ("KAZ", "WORLD", "export", "2022", 84000000e3, 4),
            ("EU27", "AZE", "import", "2021", 15000000e3, 7),
            ("KAZ", "TUR", "export", "2022", 1000000e3, 8),
        ],
    )
    assert any("Re-Export (1)" in note for note in context.notes)


def test_another_product_is_read_alone(read: Read) -> None:
    assert_rows(read(WITS, commodity="27"), [("KAZ", "AZE", "export", "2022", 300000e3, 6)])


def test_a_value_header_without_its_unit_is_an_error(read: Read, tmp_path: Path) -> None:
    path = tmp_path / "no-unit.csv"
    path.write_text(text().replace("TradeValue in 1000 USD", "TradeValue"), encoding="utf-8")
    with pytest.raises(BadInput, match="cannot tell the unit of the values"):
        read(path)


def test_a_windows_1252_copy_reads_the_same(read: Read, tmp_path: Path) -> None:
    path = tmp_path / "cp1252.csv"
    path.write_bytes(text().encode("cp1252"))
    pd.testing.assert_frame_equal(
        read(WITS).drop(columns="source"), read(path).drop(columns="source"), check_exact=True
    )


def test_an_unplaceable_partner_is_reported_with_file_and_line(
    read: Read, context: ReadContext, tmp_path: Path
) -> None:
    path = tmp_path / "atlantis.csv"
    path.write_text(text().replace("WLD,World", "XXX,Atlantis"), encoding="utf-8")
    frame = read(path)
    assert 4 not in set(frame["line"]) and len(frame)
    [warning] = [n for n in context.notes if n.startswith("warning: ")]
    assert "PartnerISO3: 'XXX'" in warning and "left out 1 row(s)" in warning
    context.strict = True
    with pytest.raises(BadInput) as err:
        read(path)
    [problem] = err.value.problems
    assert (problem.file, problem.line, problem.column, problem.value) == (
        str(path),
        4,
        "PartnerISO3",
        "XXX",
    )
