"""What every load does besides reading: the check for figures in different units
(``dataset.unit_warnings``, done with numpy on the columns' codes) against a plain
pandas group-by written here; the frame of the plain tidy reader against the cells of
the file read with the csv module; the cache of parsed files as memory-mapped Arrow."""

from __future__ import annotations

import csv
import mmap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradecli import observations, readers
from tradecli.caching import parsed, store
from tradecli.dataset import UNIT_RATIOS, bundled_path, load, unit_warnings
from tradecli.formatting import money
from tradecli.periods import Period
from tradecli.readers import tidy_fast


def _expected_unit_warnings(frame: pd.DataFrame, shown: int = 5) -> list[str]:
    """The same notes by a pandas group-by: idxmin / idxmax of each (series, span)."""
    keys = ["reporter", "partner", "flow", "currency", "first", "last"]
    rows = frame.loc[frame["value"] > 0, [*keys, "value"]]
    grouped = rows.groupby(keys, observed=True, sort=True)["value"]
    low, high = grouped.idxmin(), grouped.idxmax()
    notes = []
    for small, large in zip(low.tolist(), high.tolist(), strict=True):
        a, b = frame.loc[small], frame.loc[large]
        ratio = b["value"] / a["value"]
        if not any(abs(ratio / factor - 1) <= 0.02 for factor in UNIT_RATIOS):
            continue
        span = Period(int(a["first"]), int(a["last"])).label()
        notes.append(
            f"unit? {a['reporter']}–{a['partner']} {a['flow']} {span}: "
            f"{money(b['value'], str(b['currency']))} ({b['source']}:{b['line']}) is "
            f"{b['value'] / a['value']:,.0f} × {money(a['value'], str(a['currency']))} "
            f"({a['source']}:{a['line']}); one of them may have the wrong unit"
        )
    more = len(notes) - shown
    return notes[:shown] + ([f"unit? ... and {more} more"] if more > 0 else [])


_VALUES = st.sampled_from([0.0, 5.8, 5.9, 5.8e3, 5.85e3, 5.8e6, 6.0e6, 5.8e9, 7.0, 7.0e3])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["AZE", "TUR", "GEO"]),
            st.sampled_from(["RUS", "ITA"]),
            st.sampled_from(["export", "import"]),
            st.sampled_from(["USD", "EUR"]),
            st.sampled_from([(24_000, 24_000), (24_000, 24_011), (24_012, 24_012)]),
            _VALUES,
        ),
        max_size=40,
    )
)
@example(  # two series' figures interleaved: found only once the rows are in key order
    [
        ("AZE", "RUS", "export", "USD", (24_000, 24_000), 5.8),
        ("TUR", "ITA", "import", "EUR", (24_012, 24_012), 7.0),
        ("AZE", "RUS", "export", "USD", (24_000, 24_000), 5.8e3),
        ("TUR", "ITA", "import", "EUR", (24_012, 24_012), 7.0e3),
    ]
)
def test_unit_warnings_are_those_of_a_group_by(
    rows: list[tuple[str, str, str, str, tuple[int, int], float]],
) -> None:
    # As drawn, and in key order (figures of a key in the order drawn), as a bulk download
    # is written: the check then finds its groups without sorting (``in_order``).
    _check_unit_warnings(rows)
    _check_unit_warnings(sorted(rows, key=lambda r: r[:5]))


def _check_unit_warnings(rows: list[tuple[str, str, str, str, tuple[int, int], float]]) -> None:
    frame = observations.finish(
        pd.DataFrame(
            {
                "reporter": [r[0] for r in rows],
                "partner": [r[1] for r in rows],
                "flow": [r[2] for r in rows],
                "currency": [r[3] for r in rows],
                "first": [r[4][0] for r in rows],
                "last": [r[4][1] for r in rows],
                "value": [r[5] for r in rows],
                "step": [0.1] * len(rows),
                "source": ["f.csv"] * len(rows),
                "line": list(range(2, len(rows) + 2)),
            }
        )
    )
    assert unit_warnings(frame) == _expected_unit_warnings(frame)


def test_the_bundled_frame_holds_the_files_cells() -> None:
    """Each row of the loaded bundled data against the file read with the csv module:
    codes as written (the bundled file writes alpha-3 codes), values times units."""
    with bundled_path().open(encoding="utf-8", newline="") as handle:
        cells = list(csv.DictReader(handle))
    frame = load().frame
    assert len(frame) == len(cells)
    units = {"": 1.0, "unit": 1.0, "thousand": 1e3, "million": 1e6, "billion": 1e9}
    for row, cell in zip(frame.itertuples(index=False), cells, strict=True):
        assert row.reporter == cell["reporter"].strip().upper()
        assert row.partner == cell["partner"].strip().upper()
        assert row.flow == cell["flow"].strip().lower()
        assert Period(row.first, row.last) == Period.parse(cell["period"])
        expected = float(cell["value"]) * units[cell["unit"].strip().lower()]
        assert np.isclose(row.value, expected, rtol=1e-12)
        assert row.currency == (cell["currency"].strip().upper() or "USD")
        assert row.flags == cell["flags"].strip().lower()
        assert row.published == cell["published"].strip()
        assert row.publisher == cell["publisher"].strip()
        assert row.url == cell["url"].strip()
    assert frame["line"].tolist() == list(range(2, len(cells) + 2))


def test_a_plain_read_builds_the_frame_in_its_final_dtypes(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "reporter,partner,flow,period,value,unit,note\n"
        " aze ,TUR,Exports,2023-01,2.5,million,x\n"
        "AZE,tur,import,2023,460,,y\n",
        encoding="utf-8",
    )
    frame = load([path]).frame
    assert list(frame.columns) == [*observations.COLUMNS, "note"]
    assert frame["reporter"].cat.categories.tolist() == ["AZE"]
    assert frame["flow"].tolist() == ["export", "import"]
    assert frame["value"].tolist() == [2_500_000.0, 460.0]
    assert frame["step"].tolist() == [100_000.0, 10.0]
    assert frame["currency"].tolist() == ["USD", "USD"]
    assert frame["note"].tolist() == ["x", "y"]
    assert frame.dtypes["first"] == frame.dtypes["last"] == np.int16
    assert frame.dtypes["line"] == np.int32
    assert frame["first"].tolist() == [2023 * 12, 2023 * 12]
    assert frame["last"].tolist() == [2023 * 12, 2023 * 12 + 11]
    for column in (*observations.CODE_COLUMNS, *observations.TEXT_COLUMNS):
        assert isinstance(frame[column].dtype, pd.CategoricalDtype), column
    assert frame["flags"].tolist() == ["", ""]


def test_the_parsed_cache_holds_arrow_ipc_read_through_a_memory_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry of the cache of parsed files is an Arrow IPC file (codes and provenance
    texts dictionary-encoded), read back through a memory map into the same frame."""
    monkeypatch.setenv(store.ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(parsed, "MIN_BYTES", 0)
    path = tmp_path / "data.csv"
    path.write_bytes(bundled_path().read_bytes())
    first = load([path]).frame
    entries = list((tmp_path / "cache").glob("*.arrow"))
    assert len(entries) == 1
    body = store.read(entries[0])
    assert body is not None and isinstance(body.obj, mmap.mmap)
    table = pa.ipc.open_file(pa.BufferReader(pa.py_buffer(body))).read_all()
    assert table.num_rows == len(first) == len(bundled_path().read_text().splitlines()) - 1
    for column in (*observations.CODE_COLUMNS, *observations.TEXT_COLUMNS):
        assert pa.types.is_dictionary(table.schema.field(column).type), column
    del table, body

    def no_reading(*_: object) -> None:
        raise AssertionError("read again, not from the cache")

    monkeypatch.setattr(readers, "read_any", no_reading)
    pd.testing.assert_frame_equal(load([path]).frame, first, check_exact=True)


@pytest.mark.parametrize(
    ("months", "dtype"),
    [
        ([1900 * 12, 2200 * 12 + 11], np.int16),  # every month a reader takes
        ([-(2**15), 2**15 - 1], np.int16),
        ([0, 2**15], np.int32),
        ([-(2**15) - 1, 5], np.int32),
        ([0, 2**31], np.int64),
        ([], np.int16),
    ],
)
def test_months_are_held_in_an_int16_where_they_fit(months: list[int], dtype: type) -> None:
    """``finish`` narrows ``first`` and ``last`` to an int16 where every month fits, and
    keeps them whole beyond (a frame made in code, of other months), never wrapped."""
    rows = {
        c: [0] * len(months) if c in ("value", "step", "line") else [""] * len(months)
        for c in observations.COLUMNS
        if c not in ("first", "last")
    }
    numbers = np.array(months, np.int64)
    frame = observations.finish(pd.DataFrame({**rows, "first": numbers, "last": numbers}))
    for column in ("first", "last"):
        assert frame[column].dtype == dtype and frame[column].tolist() == months


def test_every_reader_gives_months_in_an_int16(
    generate: Callable[[int, int], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The months of the bundled data, of each format's sample and of the fast CSV
    reader's frame are int16 (``observations.month_dtype``), and are the months."""
    fixtures = Path(__file__).parent / "fixtures"
    for path in [
        bundled_path(),
        *sorted(fixtures.glob("*.[ct]sv")),
        fixtures / "wits-web-wide.xlsx",
    ]:
        frame = load([path], use_cache=False).frame
        assert frame.dtypes["first"] == frame.dtypes["last"] == np.int16, path.name
        assert (frame["first"] <= frame["last"]).all() and frame["first"].min() >= 1900 * 12
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 0)
    generated = generate(3_000, 3)
    fast = load([generated], use_cache=False).frame
    assert fast.dtypes["first"] == fast.dtypes["last"] == np.int16
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 1 << 62)
    plain = load([generated], use_cache=False).frame
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)


@pytest.mark.parametrize(
    ("lines", "dtype"),
    [([2, 3], np.int32), ([2, 2**31 - 1], np.int32), ([2, 2**31], np.int64), ([], np.int32)],
)
def test_line_numbers_are_held_in_an_int32_where_they_fit(lines: list[int], dtype: type) -> None:
    """``finish`` narrows line numbers to an int32 up to 2**31 - 1 and keeps them whole
    beyond (a citation ``file:line`` names the very line)."""
    rows = {
        c: [0] * len(lines) if c in ("first", "last", "value", "step") else [""] * len(lines)
        for c in observations.COLUMNS
        if c != "line"
    }
    frame = observations.finish(pd.DataFrame({**rows, "line": np.array(lines, np.int64)}))
    assert frame["line"].dtype == dtype and frame["line"].tolist() == lines
