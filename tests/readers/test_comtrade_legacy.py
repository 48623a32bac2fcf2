"""Legacy UN Comtrade CSV: flow codes 1-4, the EU reporter as 97/EU2 named EU-28 (kept as
the publisher's EU-28, not EU27), unsorted rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tradecli.dataset import load
from tradecli.engine.answers import NOT_AVAILABLE, SeriesKey
from tradecli.errors import BadInput
from tradecli.periods import Period
from tradecli.readers.common import ReadContext

from .expect import FIXTURES, assert_rows

Read = Callable[..., pd.DataFrame]
LEGACY = "comtrade-legacy.csv"


def text_lines() -> list[str]:
    return (FIXTURES / LEGACY).read_text(encoding="utf-8").splitlines()


def test_legacy_download_as_it_comes(read: Read) -> None:
    # re-export (line 4) and re-import (line 6) left out; the HS 27 row (line 7) too
    assert_rows(
        read(LEGACY),
        [
            ("COMTRADE:EU-28", "AZE", "export", "2021", 4e9, 2),
            ("COMTRADE:EU-28", "AZE", "export", "2020", 3.5e9, 3),
            ("COMTRADE:EU-28", "AZE", "import", "2021", 15e9, 5),
            ("COMTRADE:EU-28", "WORLD", "export", "2021", 2.5e12, 8),
            ("COMTRADE:EU-28", "AZE", "export", "2022", 4.5e9, 9),
            ("AZE", "TJK", "export", "2021-03", 600000.0, 10),
            ("AZE", "TJK", "export", "2021-01", 500000.0, 11),
            ("COMTRADE:EU-28", "TUR", "export", "2021", 20e9, 12),
        ],
    )
    assert set(read(LEGACY)["format"].astype(str)) == {"comtrade-legacy"}


def test_re_exports_and_re_imports_are_counted_not_added(read: Read, context: ReadContext) -> None:
    read(LEGACY)
    assert any("3 (1), 4 (1)" in note for note in context.notes)


def test_unsorted_periods_answer_like_sorted_ones() -> None:
    engine = load([FIXTURES / LEGACY]).engine
    key = SeriesKey("COMTRADE:EU-28", "AZE", "export")
    assert [p.iso() for p in engine.periods(key)] == ["2020", "2021", "2022"]
    assert engine.value(key, Period.year(2020)).value == 3.5e9
    monthly = SeriesKey("AZE", "TJK", "export")
    assert engine.value(monthly, Period.parse("2021-03")).value == 600000
    # January and March do not tile January-March: February is missing
    assert engine.value(monthly, Period.parse("2021-Q1")).rule == NOT_AVAILABLE


def test_flow_names_stand_in_for_missing_codes(read: Read, tmp_path: Path) -> None:
    rows = text_lines()
    rows[1] = rows[1].replace(",2,Export,", ",,Export,")
    rows[3] = rows[3].replace(",3,Re-Export,", ",,Re-Export,")
    path = tmp_path / "no-codes.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    frame = read(path)
    assert ("COMTRADE:EU-28", "AZE", "export", 2) in set(
        zip(
            frame["reporter"].astype(str),
            frame["partner"].astype(str),
            frame["flow"].astype(str),
            frame["line"],
            strict=True,
        )
    )
    assert 4 not in set(frame["line"])


def test_a_windows_1252_copy_reads_the_same(read: Read, tmp_path: Path) -> None:
    path = tmp_path / "cp1252.csv"
    path.write_bytes((FIXTURES / LEGACY).read_text(encoding="utf-8").encode("cp1252"))
    pd.testing.assert_frame_equal(
        read(LEGACY).drop(columns="source"), read(path).drop(columns="source"), check_exact=True
    )


def test_an_unplaceable_partner_is_reported_with_file_and_line(
    read: Read, context: ReadContext, tmp_path: Path
) -> None:
    rows = text_lines()
    rows[8] = rows[8].replace(",31,Azerbaijan,AZE,", ",999,Atlantis,,")
    path = tmp_path / "atlantis.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert 9 not in set(read(path)["line"])
    [warning] = [n for n in context.notes if n.startswith("warning: ")]
    assert "left out 1 row(s)" in warning and "Partner: 'Atlantis'" in warning
    context.strict = True
    with pytest.raises(BadInput) as err:
        read(path)
    [problem] = err.value.problems
    assert (problem.file, problem.line, problem.column, problem.value) == (
        str(path),
        9,
        "Partner",
        "Atlantis",
    )
