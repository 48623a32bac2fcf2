"""The fixture files, and observation frames as plain rows to compare with rows
written by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tradecli.periods import Period

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

Row = tuple[str, str, str, str, float, int]


def rows(frame: pd.DataFrame) -> list[Row]:
    """(reporter, partner, flow, period, value, line) for every observation, sorted."""
    out = [
        (str(r), str(p), str(f), Period(int(a), int(b)).iso(), float(v), int(line))
        for r, p, f, a, b, v, line in zip(
            frame["reporter"],
            frame["partner"],
            frame["flow"],
            frame["first"],
            frame["last"],
            frame["value"],
            frame["line"],
            strict=True,
        )
    ]
    return sorted(out, key=lambda row: (row[5], row[3], row[0], row[1], row[2]))


def assert_rows(frame: pd.DataFrame, expected: list[Row]) -> None:
    """The frame holds exactly ``expected`` (values compared to 1e-9 relative)."""
    got = rows(frame)
    want = sorted(expected, key=lambda row: (row[5], row[3], row[0], row[1], row[2]))
    assert [r[:4] + r[5:] for r in got] == [r[:4] + r[5:] for r in want]
    assert [r[4] for r in got] == pytest.approx([r[4] for r in want], rel=1e-9)
