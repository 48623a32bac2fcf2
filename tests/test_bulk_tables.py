"""The tables the whole-file commands read, worked out for the rows asked only
(``Columns.month_rows``) and a chunk of rows at a time (``key_years``), held equal to the
reference engine's answers and to the tables of every row (``Columns.months``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tests.test_bulk_engine import VALUES, YEARS, _keys, _row, blocks, series_keys
from tradecli.engine import bulk
from tradecli.engine.answers import EXPORT_PLUS_IMPORT
from tradecli.engine.bulk import Columns, key_years
from tradecli.engine.reference import Engine
from tradecli.periods import Period


@st.composite
def year_to_date_blocks(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Rows of a simple series with Jan..m figures beside its months (a bulk download):
    months of a year with holes, one or two Jan..m figures, sometimes flagged."""
    key = draw(series_keys())
    year = draw(st.sampled_from(YEARS))
    months = draw(st.sets(st.integers(1, 12), max_size=12))
    spans = draw(st.sets(st.integers(2, 12), min_size=1, max_size=2))
    out = [
        {**_row(draw, key, f"{year}-{m:02d}"), "flags": draw(st.sampled_from(FLAGS))}
        for m in sorted(months)
    ]
    for m in sorted(spans):
        row = _row(draw, key, f"{year}-01/{year}-{m:02d}" if m < 12 else str(year))
        out.append({**row, "value": draw(st.sampled_from(VALUES)), "flags": ""})
    return out


FLAGS = ("", "", "provisional", "estimate")
FLOWS3 = ("export", "import", "turnover")
# Series of every kind (``test_bulk_engine``) and series with Jan..m figures beside months.
datasets = st.lists(st.one_of(blocks(), year_to_date_blocks()), min_size=1, max_size=8).map(
    lambda bs: [row for b in bs for row in b]
)


@settings(max_examples=25, deadline=None)
@given(datasets, st.data())
def test_the_months_of_some_rows_are_those_of_every_row(
    drawn: list[dict[str, Any]], data: st.DataObject
) -> None:
    """Any rows, in any order, repeated or not: the same four tables as ``months`` makes
    for every row of another build of the same columns (months by rules 1 and 3)."""
    made = frame(*drawn)
    columns = Columns(made)
    n = len(columns.row_year)
    rows = np.array(data.draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=12)) if n else [])
    rows = rows.astype(np.int64)
    some = columns.month_rows(rows)
    every = Columns(made).months()
    for got, whole in zip(some, every, strict=True):
        assert got.dtype == whole.dtype
        np.testing.assert_array_equal(got, whole[rows])


@settings(max_examples=25, deadline=None)
@given(datasets, st.sampled_from((1, 2, 5, 1 << 13)), st.booleans())
@example(  # turnover of its own beside export and import: its own figures, not their sum
    [
        *(obs(f"2022-{m:02d}", 10.0 * m, flow=flow) for m in (1, 2, 3) for flow in FLOWS3),
        obs("2022-04", 1.0, flow="export"),
        obs("2022-04", 2.0, flow="import"),
        obs("2022-01/2022-05", 99.0, flow="export"),
    ],
    2,
    True,
)
def test_key_years_in_chunks_are_the_reference_answers(
    drawn: list[dict[str, Any]], chunk: int, months: bool
) -> None:
    """Each found Jan..m cell of a simple key, worked out ``chunk`` rows at a time, is the
    reference engine's answer over that span (value, flags, export + import or the number
    of parts); a cell not found is one the
    reference does not find either; the single months are the reference's too, or absent
    (``months=False``)."""
    made = frame(*drawn)
    engine = Engine(made)
    columns = Columns(made)
    keys = _keys(engine)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulk, "KEY_YEARS_CHUNK", chunk)
        ky = key_years(columns, keys, months=months)
    assert ky.month_value.shape == ((len(ky.year), 12) if months else (0, 12))
    for k, key in enumerate(keys):
        if not ky.simple[k]:
            continue
        for row in range(int(ky.bounds[k]), int(ky.bounds[k + 1])):
            first = int(ky.year[row]) * 12
            for m in range(12):
                expected = engine.value(key, Period(first, first + m))
                assert bool(ky.found[row, m]) == expected.found, (key, row, m)
                if expected.found:
                    assert float(ky.value[row, m]) == expected.value
                    assert columns.flag_words(int(ky.flags[row, m])) == tuple(expected.flags())
                    xm = expected.rule == EXPORT_PLUS_IMPORT
                    assert bool(ky.xm[row, m]) == xm
                    assert int(ky.parts[row, m]) == (2 if xm else len(expected.parts))
                if months and ky.monthly[k]:
                    month = engine.value(key, Period.month(first + m))
                    assert bool(ky.month_found[row, m]) == month.found, (key, row, m)
                    if month.found:
                        assert float(ky.month_value[row, m]) == month.value
