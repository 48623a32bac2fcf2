"""``engine.series``: the frame's series keys and each row's series, without a group-by."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tradecli.dataset import Dataset
from tradecli.engine import series as series_module
from tradecli.engine.answers import SeriesKey
from tradecli.engine.reference import Engine
from tradecli.engine.series import SpanKey, series_of
from tradecli.errors import NotAvailable
from tradecli.groups import load as load_groups
from tradecli.selection import Selection

ROWS = (
    obs("2022-01", 1.0, reporter="TUR", partner="DEU", flow="import"),
    obs("2022-01", 2.0, reporter="AZE", partner="TJK", flow="export"),
    obs("2022-02", 3.0, reporter="TUR", partner="DEU", flow="export"),
    obs("2022-02", 4.0, reporter="AZE", partner="TJK", flow="export", currency="EUR"),
    obs("2022-03", 5.0, reporter="TUR", partner="DEU", flow="import"),
    obs("2022-01", 6.0, reporter="AZE", partner="RUS", flow="export"),
)
# By hand: the distinct (reporter, partner, flow, currency) of ROWS, in text order.
KEYS = [
    SeriesKey("AZE", "RUS", "export", "USD"),
    SeriesKey("AZE", "TJK", "export", "EUR"),
    SeriesKey("AZE", "TJK", "export", "USD"),
    SeriesKey("TUR", "DEU", "export", "USD"),
    SeriesKey("TUR", "DEU", "import", "USD"),
]
OF_ROW = [4, 2, 3, 1, 4, 0]


def test_keys_sorted_and_rows_numbered_by_them() -> None:
    found = series_of(frame(*ROWS))
    assert found.keys == KEYS
    assert found.of_row.tolist() == OF_ROW
    assert len(found) == 5


def test_the_hashing_path_gives_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # A table of code combinations too large to count: the rows are hashed instead.
    monkeypatch.setattr(series_module, "DENSE_PER_ROW", 0)
    monkeypatch.setattr(series_module, "DENSE_MIN", 0)
    found = series_of(frame(*ROWS))
    assert found.keys == KEYS
    assert found.of_row.tolist() == OF_ROW


@pytest.mark.parametrize("chunk", [1, 2, 4])
def test_a_few_rows_at_a_time_gives_the_same(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(series_module, "CHUNK_ROWS", chunk)
    found = series_of(frame(*ROWS))
    assert found.keys == KEYS
    assert found.of_row.tolist() == OF_ROW


@pytest.mark.parametrize(("partners", "dtype"), [(128, "int8"), (129, "int16")])
@pytest.mark.parametrize("hashed", [False, True])
def test_series_numbers_narrowest_up_to_the_edge(
    monkeypatch: pytest.MonkeyPatch, partners: int, dtype: str, hashed: bool
) -> None:
    """128 series are numbered 0..127 in an int8, 129 need an int16; rows written in
    reverse key order are numbered by hand: the last key first."""
    if hashed:
        monkeypatch.setattr(series_module, "DENSE_PER_ROW", 0)
        monkeypatch.setattr(series_module, "DENSE_MIN", 0)
    codes = [f"P{i:03d}" for i in range(partners)]
    found = series_of(frame(*(obs("2022-01", 1.0, partner=p) for p in reversed(codes))))
    assert [k.partner for k in found.keys] == codes
    assert found.of_row.dtype == dtype
    assert found.of_row.tolist() == list(range(partners - 1, -1, -1))


def test_plain_text_columns_too() -> None:
    data = frame(*ROWS)
    for column in ("reporter", "partner", "flow", "currency"):
        data[column] = data[column].astype(str)
    found = series_of(data)
    assert found.keys == KEYS
    assert found.of_row.tolist() == OF_ROW


def test_an_empty_frame_has_no_series() -> None:
    found = series_of(frame(*ROWS).iloc[:0])
    assert found.keys == []
    assert found.of_row.tolist() == []


def test_dataset_keys_are_the_reference_engines_and_build_no_engine() -> None:
    data = frame(*ROWS)
    dataset = Dataset(data, load_groups(None), [])
    assert dataset.keys() == KEYS
    assert dataset._engine is None  # listing the series built no engine
    engine = Engine(data)
    assert engine._row_index is None  # the reference engine groups its rows when asked
    assert engine.keys() == KEYS
    assert engine._row_index is not None
    assert engine.findable(SeriesKey("TUR", "DEU", "turnover", "USD"))
    assert not engine.findable(SeriesKey("AZE", "TJK", "turnover", "USD"))


def test_unused_categories_are_not_series() -> None:
    data = frame(*ROWS)
    data["partner"] = data["partner"].cat.add_categories(["ZZZ"])
    assert series_of(data).keys == KEYS
    assert isinstance(data["partner"].dtype, pd.CategoricalDtype)


@pytest.mark.parametrize("singles", [0, 4])
def test_columns_keep_the_latest_revision_whether_most_rows_are_revised_or_few(
    singles: int,
) -> None:
    """``Columns`` decides revised months over every row in place when most rows are
    revised (``singles=0``: 2 of 3 rows) and over the revised rows alone otherwise (2 of 7).
    By hand: January's later publication (2.0, flagged 'estimate') wins; the others are
    their one figure."""
    from tradecli.engine.bulk import Columns

    rows = [
        obs("2022-01", 1.0, flow="export", published="2022-02-01"),
        obs("2022-01", 2.0, flow="export", published="2022-03-01", flags="estimate"),
        obs("2022-02", 5.0, flow="export", published="2022-03-01"),
        *(
            obs(f"2022-0{m}", float(m), flow="export", published="2022-08-01")
            for m in range(3, 3 + singles)
        ),
    ]
    columns = Columns(frame(*rows))
    assert columns.keys == [SeriesKey("AZE", "TJK", "export", "USD")]
    assert columns.simple.tolist() == [True]
    assert columns.row_year.tolist() == [2022]
    expected = [2.0, 5.0, *(float(m) for m in range(3, 3 + singles))]
    n = len(expected)
    assert columns.values[0, :n].tolist() == expected
    assert columns.present[0].tolist() == [True] * n + [False] * (12 - n)
    assert columns.flag_words(int(columns.flags[0, 0])) == ("estimate",)
    assert columns.flag_words(int(columns.flags[0, 1])) == ()


@pytest.mark.parametrize("partners", [127, 128, 129])
def test_columns_count_each_series_rows_at_the_dtype_edge(partners: int) -> None:
    """Rows in key order are the series numbers themselves (no copy): with 128 series in
    an int8, the last series' rows end at the row count, not at a number 128 that the
    dtype wraps to -128. By hand: two months of each series, so two rows each."""
    from tradecli.engine.bulk import Columns

    codes = [f"P{i:03d}" for i in range(partners)]
    rows = [obs(month, 1.0, partner=p) for p in codes for month in ("2022-01", "2022-02")]
    columns = Columns(frame(*rows))
    assert columns.kept.tolist() == [2] * partners


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(24_000, 24_300), st.integers(0, 30)),
        min_size=1,
        max_size=60,
    )
)
def test_a_span_key_orders_and_groups_like_its_three_numbers(
    rows: list[tuple[int, int, int]],
) -> None:
    series = np.array([s for s, _, _ in rows], dtype=np.int16)
    first = np.array([f for _, f, _ in rows], dtype=np.int32)
    last = first + np.array([n for _, _, n in rows], dtype=np.int32)
    coded = SpanKey.of(first, last, 41)
    keys = coded.keys(series, first, last)
    assert keys.dtype == np.int64
    triples = list(zip(series.tolist(), first.tolist(), last.tolist(), strict=True))
    # The same order as the triples (ties included), one key per distinct triple.
    assert np.argsort(keys, kind="stable").tolist() == sorted(
        range(len(rows)), key=triples.__getitem__
    )
    assert len(set(keys.tolist())) == len(set(triples))
    assert keys.tolist() == [coded.key(*t) for t in triples]


def test_a_span_key_that_would_overflow_is_an_error() -> None:
    first, last = np.array([0]), np.array([10**6])
    assert SpanKey.of(first, last, 9_000_000).width == 10**6 + 1
    with pytest.raises(OverflowError):
        SpanKey.of(first, last, 10_000_000)


# -- the keys a selection answers for (``selection.Selection.keys``) ----------------------


def test_the_keys_of_a_selection_by_hand() -> None:
    """ROWS' (reporter, partner, currency) once each, sorted, with the flow asked
    (default turnover, which export and import make); each filter narrows them; keys
    selected of one flow alone (exports) are of that flow, not turnover, unless one is
    asked. AZE-KAZ's export in USD comes before its import in EUR among the data's keys,
    its EUR key first among the selection's."""
    kaz = [
        obs("2022-01", 7.0, reporter="AZE", partner="KAZ", flow="export"),
        obs("2022-01", 8.0, reporter="AZE", partner="KAZ", flow="import", currency="EUR"),
    ]
    dataset = Dataset(frame(*ROWS, *kaz), load_groups(), [])
    every = Selection().keys(dataset)
    assert every == [
        SeriesKey("AZE", "KAZ", "turnover", "EUR"),
        SeriesKey("AZE", "KAZ", "turnover", "USD"),
        SeriesKey("AZE", "RUS", "turnover", "USD"),
        SeriesKey("AZE", "TJK", "turnover", "EUR"),
        SeriesKey("AZE", "TJK", "turnover", "USD"),
        SeriesKey("TUR", "DEU", "turnover", "USD"),
    ]
    assert Selection(flow="import").keys(dataset) == [k.with_flow("import") for k in every]
    # AZE's series in USD are exports alone: the flow they have.
    aze_usd = Selection(reporter="AZE", currency="USD").keys(dataset)
    assert aze_usd == [every[i].with_flow("export") for i in (1, 2, 4)]
    assert Selection(partner="DEU").keys(dataset) == [every[5]]
    assert Selection(partner="TJK", currency="EUR", flow="turnover").keys(dataset) == [every[3]]
    exports = Dataset(frame(*(r for r in ROWS if r["flow"] == "export")), load_groups(), [])
    assert [k.flow for k in Selection().keys(exports)] == ["export"] * 4
    assert [k.flow for k in Selection(flow="turnover").keys(exports)] == ["turnover"] * 4
    with pytest.raises(NotAvailable, match="no series for TUR–TJK in the data"):
        Selection(reporter="TUR", partner="TJK").keys(dataset)
