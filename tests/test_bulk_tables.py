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
from tradecli.engine.answers import EXPORT_PLUS_IMPORT, SeriesKey
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


# -- the pieces the tables are made of -----------------------------------------------------

ACCUMULATED = (np.add, np.logical_and, np.bitwise_or, np.maximum)
# Floats of every kind a cumulative sum meets: order matters (1e16 + 1 - 1e16), signed
# zeros, infinities and NaN.
ODD_FLOATS = st.sampled_from((0.0, -0.0, 1.0, 1e16, -1e16, 0.1, 0.2, np.inf, -np.inf, np.nan))


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from(ACCUMULATED),
    st.integers(0, 9),
    st.integers(1, 13),
    st.data(),
)
def test_accumulated_is_numpys_accumulate_along_rows_bit_for_bit(
    ufunc: np.ufunc, n_rows: int, width: int, data: st.DataObject
) -> None:
    """``bulk.accumulated`` (a column at a time) is ``ufunc.accumulate(axis=1)``: the same
    dtype, the same bytes (a float sum in the same order), the table left alone."""
    cells = n_rows * width
    if ufunc is np.add:
        cell, dtype = ODD_FLOATS, np.float64
    elif ufunc is np.logical_and:
        cell, dtype = st.booleans(), np.bool_
    else:
        cell, dtype = st.integers(-(1 << 40), 1 << 40), np.int64
    drawn = data.draw(st.lists(cell, min_size=cells, max_size=cells))
    table = np.array(drawn, dtype=dtype)
    table = table.reshape(n_rows, width)
    before = table.copy()
    with np.errstate(all="ignore"):  # inf - inf (figures are finite, below 1e18: never)
        got = bulk.accumulated(ufunc, table)
        expected = ufunc.accumulate(table, axis=1)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.tobytes() == expected.tobytes()
    assert table.tobytes() == before.tobytes()


def test_two_year_to_date_figures_of_one_year_tile_with_the_months_after_each_by_hand() -> None:
    """Months 1-5 and 7 of 2023 (1, 2, 4, 8, 16, 64) and the figures Jan..3 = 30 and
    Jan..6 = 600: Jan..2 = 1 + 2 (two parts), Jan..3 = 30 (its figure, not 1 + 2 + 4),
    Jan..4 = 30 + 8, Jan..5 = 30 + 8 + 16 (three parts), Jan..6 = 600 (its figure; June is
    missing), Jan..7 = 600 + 64, Jan..8 on not found (no August). Each figure's flags go
    to the spans it tiles."""
    months = [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 16.0), (7, 64.0)]
    rows = [obs(f"2023-{m:02d}", v, flow="export") for m, v in months]
    rows += [obs("2023-01/2023-03", 30.0, flow="export", flags="estimate")]
    rows += [obs("2023-01/2023-06", 600.0, flow="export", flags="provisional")]
    columns = Columns(frame(*rows))
    ky = key_years(columns, [SeriesKey("AZE", "TJK", "export")])
    assert ky.year.tolist() == [2023]
    found = ky.found[0].tolist()
    assert found == [True] * 7 + [False] * 5
    assert ky.value[0, :7].tolist() == [1.0, 3.0, 30.0, 38.0, 54.0, 600.0, 664.0]
    assert ky.parts[0, :7].tolist() == [0, 2, 0, 2, 3, 0, 2]
    words = [columns.flag_words(int(b)) for b in ky.flags[0, :7]]
    assert words == [(), (), ("estimate",), ("estimate",), ("estimate",)] + [("provisional",)] * 2
    assert ky.run.tolist() == [7]


# -- (own, export, import) series of each key, remembered ---------------------------------


def _role_rows() -> list[dict[str, Any]]:
    """AZE-TJK export and import in USD, its export alone in EUR, its own turnover in
    GBP beside its export; AZE-KAZ import in USD, with Jan..2 beside its months."""
    rows = [obs("2023-01", 1.0, flow=flow) for flow in ("export", "import")]
    rows += [obs("2023-01", 2.0, flow="export", currency="EUR")]
    rows += [obs("2023-01", 3.0, flow=f, currency="GBP") for f in ("turnover", "export")]
    rows += [obs(f"2023-{m:02d}", 4.0, flow="import", partner="KAZ") for m in (1, 2)]
    rows += [obs("2023-01/2023-02", 9.0, flow="import", partner="KAZ")]
    return rows


def test_the_roles_of_keys_of_several_currencies_by_hand() -> None:
    """Each key's (own, export, import) series numbers, asked of the columns in any order
    and again: a turnover key's export and import in its own currency only, -1 where the
    data has none (EUR has no import; no key has an own turnover in USD); an export key
    has no export or import role. Asked again, the same table (the memo); ``kinds``
    and ``roles`` agree with it."""
    columns = Columns(frame(*_role_rows()))
    number = {key: s for s, key in enumerate(columns.keys)}

    def n(flow: str, currency: str = "USD", partner: str = "TJK") -> int:
        return number[SeriesKey("AZE", partner, flow, currency)]

    keys = [
        SeriesKey("AZE", "TJK", "turnover", "EUR"),
        SeriesKey("AZE", "TJK", "turnover"),
        SeriesKey("AZE", "TJK", "turnover", "GBP"),
        SeriesKey("AZE", "TJK", "export"),
        SeriesKey("AZE", "KAZ", "turnover"),
        SeriesKey("AZE", "UZB", "turnover"),
        SeriesKey("AZE", "TJK", "turnover"),
    ]
    expected = [
        [-1, n("export", "EUR"), -1],
        [-1, n("export"), n("import")],
        [n("turnover", "GBP"), n("export", "GBP"), -1],
        [n("export"), -1, -1],
        [-1, -1, n("import", partner="KAZ")],
        [-1, -1, -1],
        [-1, n("export"), n("import")],
    ]
    for _ in range(2):
        table, simple = columns.role_table(keys, months_only=False)
        assert table.tolist() == expected
        assert simple.tolist() == [True] * 7
    # AZE-KAZ import has Jan..2 beside its months: not monthly, so not simple for spans
    # of months alone (its row all -1 then).
    table, simple = columns.role_table(keys[3:5])
    assert simple.tolist() == [True, False] and table.tolist() == [expected[3], [-1, -1, -1]]
    roles, simple, monthly = columns.kinds(list(reversed(keys)))
    assert roles.tolist() == expected[::-1] and monthly.tolist() == [
        True,
        True,
        False,
        True,
        True,
        True,
        True,
    ]
    assert columns.roles(keys[2], months_only=False) == tuple(expected[2])
    assert columns.roles(keys[4]) is None
    assert columns.role_table([], months_only=False)[0].shape == (0, 3)


@settings(max_examples=25, deadline=None)
@given(datasets, st.data())
def test_the_roles_of_any_keys_asked_again_and_again_are_their_series(
    drawn: list[dict[str, Any]], data: st.DataObject
) -> None:
    """Any keys of the data's reporters, partners, flows and currencies (and some it does
    not have), with each flow of their pairs, asked in several tables in any order,
    repeated: each key's row is its own
    series and, for turnover, those of its export and import, looked up in the columns'
    keys; a key is simple when each series it has is."""
    columns = Columns(frame(*drawn))
    names = {
        field: sorted({getattr(k, field) for k in columns.keys})
        for field in ("reporter", "partner", "currency")
    }
    pick = {field: st.sampled_from([*values, "ZZZ"]) for field, values in names.items()}
    key = st.builds(
        SeriesKey, pick["reporter"], pick["partner"], st.sampled_from(FLOWS3), pick["currency"]
    )

    def series(k: SeriesKey) -> int:
        return columns.keys.index(k) if k in columns.keys else -1

    for _ in range(3):
        drawn_keys = data.draw(st.lists(key, max_size=6))
        # Each key with its pair's other flows, in any order: a memo that mixed up keys
        # differing in their flow alone would show.
        every_flow = [k.with_flow(flow) for k in drawn_keys for flow in FLOWS3]
        keys = data.draw(st.permutations(drawn_keys + every_flow))
        table, simple = columns.role_table(keys, months_only=False)
        for row, is_simple, k in zip(table.tolist(), simple.tolist(), keys, strict=True):
            own = series(k)
            x, m = (
                (series(k.with_flow(f)) for f in ("export", "import"))
                if k.flow == "turnover"
                else (-1, -1)
            )
            taken = all(s < 0 or bool(columns.simple[s]) for s in (own, x, m))
            assert is_simple == taken
            assert row == ([own, x, m] if taken else [-1, -1, -1])
