"""The narrow dtypes of the bulk engine's arrays (issue 12, peak memory): the helpers at
their edges, and the answers where a narrow dtype is chosen, by hand."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.frames import frame, obs
from tradecli import reconcile
from tradecli.engine import bulk, spans
from tradecli.engine.answers import SeriesKey
from tradecli.engine.bulk import (
    MAX_FLAG_WORDS,
    Columns,
    _gather,
    _index,
    _kept_rows,
    _span_chunks,
    _stable_order,
    flag_dtype,
    key_years,
)
from tradecli.engine.reference import Engine
from tradecli.engine.series import narrowest
from tradecli.periods import Period
from tradecli.readers import tidy_fast
from tradecli.readers.common import ReadContext

AZE_TJK = SeriesKey("AZE", "TJK", "turnover", "USD")


@pytest.mark.parametrize(
    ("distinct", "dtype"),
    [
        (0, np.int8),
        (1, np.int8),
        (128, np.int8),  # numbers 0..127
        (129, np.int16),
        (1 << 15, np.int16),
        ((1 << 15) + 1, np.int32),
        (1 << 31, np.int32),
        ((1 << 31) + 1, np.int64),
    ],
)
def test_narrowest_numbers_every_thing_up_to_its_edge(distinct: int, dtype: type) -> None:
    assert narrowest(distinct) is dtype
    if distinct:
        assert np.iinfo(dtype).max >= distinct - 1  # the largest number fits


def test_index_is_int32_up_to_two_to_the_31_rows_and_keeps_the_numbers() -> None:
    rows = np.array([0, 5, 2**31 - 1], dtype=np.int64)
    narrow = _index(rows, 2**31)
    assert narrow.dtype == np.int32 and narrow.tolist() == [0, 5, 2**31 - 1]
    wide = _index(rows, 2**31 + 1)
    assert wide.dtype == np.int64 and wide.tolist() == rows.tolist()


def test_span_chunks_are_cut_where_a_span_begins(monkeypatch: Any) -> None:
    """Rows (series, month): (0, 5) (0, 5) (0, 5) (1, 1) (1, 1) (2, 1): spans begin at rows
    0, 3 and 5. Chunks of 2 rows, by hand: 0 on to 2, which row 0's span goes past, so
    0-3; 3-5; then 5. With last months 5 5 7 1 1 1, row 2 begins a span of its own: 0-2,
    2 on to 4, which row 3's span goes past, so 2-5; then 5."""
    monkeypatch.setattr(bulk, "SPAN_ROWS", 2)
    s = np.array([0, 0, 0, 1, 1, 2], dtype=np.int16)
    month = np.array([5, 5, 5, 1, 1, 1], dtype=np.int16)
    assert list(_span_chunks(s, month, None)) == [(0, 3), (3, 5), (5, 6)]
    last = np.array([5, 5, 7, 1, 1, 1], dtype=np.int16)
    assert list(_span_chunks(s, month, last)) == [(0, 2), (2, 5), (5, 6)]
    monkeypatch.setattr(bulk, "SPAN_ROWS", 100)
    assert list(_span_chunks(s, month, None)) == [(0, 6)]
    one_span = np.zeros(300, dtype=np.int16)  # longer than the rows first looked at (64)
    monkeypatch.setattr(bulk, "SPAN_ROWS", 1)
    assert list(_span_chunks(one_span, one_span, None)) == [(0, 300)]


@pytest.mark.parametrize("chunk", [1 << 18, 2])
def test_kept_rows_are_the_rows_whose_code_is_kept(chunk: int, monkeypatch: Any) -> None:
    """Codes 0 1 2 1 0, code 1 left out: by hand rows 0, 2, 4, as int32; one row in 17
    left out (fewer than one in ``ALL_BUT``): the rows but it, as an ``AllBut``."""
    monkeypatch.setattr(bulk, "GATHER_ROWS", chunk)
    keep = np.array([True, False, True])
    counts = np.array([2, 2, 1])  # the rows of each code, by hand
    rows = _kept_rows(keep, np.array([0, 1, 2, 1, 0], dtype=np.int8), counts)
    assert isinstance(rows, np.ndarray)
    assert rows.dtype == np.int32 and rows.tolist() == [0, 2, 4]
    assert _kept_rows(keep, np.array([1, 1], dtype=np.int8), np.array([0, 2, 0])).tolist() == []
    codes = np.zeros(17, dtype=np.int8)
    codes[5] = 1
    few = _kept_rows(keep, codes, np.array([16, 1, 0]))
    assert isinstance(few, bulk.AllBut)
    assert len(few) == 16 and few[:].tolist() == [r for r in range(17) if r != 5]


@pytest.mark.parametrize("chunk", [1 << 18, 3])
def test_stable_order_is_a_stable_argsort(chunk: int, monkeypatch: Any) -> None:
    """Keys with many ties, and the largest key allowed (2**31 - 1): the order is numpy's
    stable ``argsort``'s (ties in their first order), as int32."""
    monkeypatch.setattr(bulk, "GATHER_ROWS", chunk)
    rng = np.random.default_rng(12)
    key = rng.integers(0, 5, size=50).astype(np.int64)
    key[[7, 30]] = 2**31 - 1
    expected = np.argsort(key, kind="stable")
    order = _stable_order(key.copy())
    assert order.dtype == np.int32 and order.tolist() == expected.tolist()
    assert _stable_order(np.array([3, 1, 3, 0, 1], dtype=np.int64)).tolist() == [3, 1, 4, 0, 2]


def test_revisions_are_decided_by_date_among_more_than_128_dates() -> None:
    """One month published 200 times, each on its own date (more than an int8 rank holds),
    in a shuffled order and disagreeing (1000 apart, step 1): the latest date wins. The
    latest of all is flagged low-trust, so it is left out and the one before it wins;
    with ``include_flagged`` it wins itself. By hand: day d (0..199) has value
    1000 * (d + 1); the latest kept is day 198, value 199,000."""
    days = list(range(200))
    np.random.default_rng(7).shuffle(days)
    start = np.datetime64("2020-01-01")
    rows = [
        obs(
            "2023-03",
            1000.0 * (d + 1),
            published=str(start + np.timedelta64(d, "D")),
            flags="low-trust" if d == 199 else "",
        )
        for d in days
    ]
    rows += [obs("2023-01", 1.0), obs("2023-02", 2.0)]
    for include_flagged, expected in ((False, 199_000.0), (True, 200_000.0)):
        columns = Columns(frame(*rows), include_flagged)
        ky = key_years(columns, [AZE_TJK])
        assert bool(ky.simple[0]) and ky.year.tolist() == [2023]
        assert ky.value[0, :3].tolist() == [1.0, 3.0, 3.0 + expected]
        assert ky.month_value[0, 2] == expected
        low_trust = ("low-trust",) if include_flagged else ()
        assert columns.flag_words(int(ky.flags[0, 2])) == low_trust


@pytest.mark.parametrize(
    ("words", "dtype"),
    [
        (0, np.uint8),
        (8, np.uint8),
        (9, np.uint16),
        (16, np.uint16),
        (17, np.uint32),
        (32, np.uint32),
        (33, np.int64),
        (MAX_FLAG_WORDS, np.int64),
    ],
)
def test_flag_dtype_holds_a_bit_per_word(words: int, dtype: type) -> None:
    assert flag_dtype(words) is dtype
    assert words <= np.iinfo(dtype).bits  # the highest bit, 1 << (words - 1), fits


def _flagged_year(n_words: int) -> list[dict[str, object]]:
    """AZE-TJK 2023: export months 1..12, month m flagged with the words w{i} for which
    i % 12 == m - 1 (so every word is on some month); import months unflagged."""
    rows = []
    for m in range(1, 13):
        words = ";".join(f"w{i:02d}" for i in range(n_words) if i % 12 == m - 1)
        rows.append(obs(f"2023-{m:02d}", float(m), flow="export", flags=words))
        rows.append(obs(f"2023-{m:02d}", 100.0, flow="import"))
    return rows


@pytest.mark.parametrize("n_words", [8, 9, 16, 17, 32, 33, MAX_FLAG_WORDS])
def test_flag_bits_at_the_edges_of_each_dtype_give_the_words_by_hand(n_words: int) -> None:
    """The highest word's bit survives the narrow dtype: Jan..12 carries every word, Jan..1
    the words of January (w00, w12, ...), December's month those of December; the values
    are the months' sums (1 + ... + 12 = 78, and 78 + 1200 for turnover)."""
    columns = Columns(frame(*_flagged_year(n_words)))
    assert columns.usable and columns.flags.dtype == flag_dtype(n_words)
    export = AZE_TJK.with_flow("export")
    ky = key_years(columns, [export, AZE_TJK])
    every = tuple(f"w{i:02d}" for i in range(n_words))
    january = tuple(f"w{i:02d}" for i in range(0, n_words, 12))
    december = tuple(f"w{i:02d}" for i in range(11, n_words, 12))
    for row in (0, 1):  # the export, and turnover (export + import; import unflagged)
        assert columns.flag_words(int(ky.flags[row, 11])) == every
        assert columns.flag_words(int(ky.flags[row, 0])) == january
        assert columns.flag_words(int(ky.month_flags[row, 11])) == december
    assert ky.value[0, 11] == 78.0 and ky.value[1, 11] == 78.0 + 1200.0
    assert bool(ky.xm[1, 11]) and not bool(ky.xm[0, 11])


def test_more_flag_words_than_bits_leave_every_series_to_the_reference() -> None:
    """MAX_FLAG_WORDS + 1 distinct words: no bitmask holds them, so no series is simple
    (the reference answers); building the columns does not fail."""
    columns = Columns(frame(*_flagged_year(MAX_FLAG_WORDS + 1)))
    assert not columns.usable and len(columns.words) == MAX_FLAG_WORDS + 1
    assert not columns.simple.any()
    assert not key_years(columns, [AZE_TJK]).simple.any()


def test_a_file_of_months_has_no_year_to_date_tables_to_hold() -> None:
    """Months alone: the Jan..m tables are one zero each, read-only, and read as zeros; a
    Jan..3 figure makes them real tables holding it in column 2."""
    months = [obs(f"2023-{m:02d}", float(m)) for m in range(1, 5)]
    plain = Columns(frame(*months))
    assert not plain.has_cumulative
    for table in (plain.cum_values, plain.cum_present, plain.cum_flags):
        assert table.shape == (1, 12) and table.strides == (0, 0) and not table.any()
        assert not table.flags.writeable
    with_ytd = Columns(frame(*months, obs("2023-01/2023-03", 5.0)))
    assert (
        with_ytd.has_cumulative and with_ytd.cum_values[0].tolist() == [0.0, 0.0, 5.0] + [0.0] * 9
    )
    assert with_ytd.cum_present[0].tolist() == [False, False, True] + [False] * 9


@pytest.mark.parametrize("chunk", [1 << 19, 2])
def test_decide_reads_steps_and_dates_through_at(chunk: int, monkeypatch: Any) -> None:
    """Four figures in two spans, their values, steps and date ranks in a table of six rows
    read through ``at`` = [5, 1, 3, 0]: values 100, 500, 7, 9, steps 1, 10, 1, 1 and dates
    4, 3, 2, 0 (rows 2 and 4 of the table are not read: their values would agree). Every pair
    disagrees (400 apart at steps 1 and 10; 2 apart at steps 1 and 1), so the later date
    wins: row 0 (date 4 over 3) and row 2 (2 over 0), by date. Read without ``at`` (dates
    0, 3, 1, 2), the other figure of each span would win. ``chunk``: one pass, or a span
    at a time."""
    monkeypatch.setattr(reconcile, "CHUNK_ROWS", chunk)
    # Rows 2 and 4, not read, hold steps that would make figures agree if they were read.
    step = np.array([1.0, 10.0, 100.0, 1.0, 100.0, 1.0])
    dates = np.array([0, 3, 1, 2, 5, 4], dtype=np.int8)
    bounds = np.array([0, 2, 4], dtype=np.int64)
    value = np.array([9.0, 500.0, 500.5, 7.0, 100.2, 100.0])
    exact, official = np.ones(4, dtype=bool), np.zeros(4, dtype=bool)
    at = np.array([5, 1, 3, 0], dtype=np.int32)
    winner, reason = reconcile.decide_disagreeing(
        bounds, value, step, exact, official, dates, at=at
    )
    assert winner.tolist() == [0, 2]
    assert [reconcile.REASON_CODES[r] for r in reason.tolist()] == [reconcile.RANK_REASONS[2]] * 2
    in_order = np.array([100.0, 500.0, 7.0, 9.0])
    in_order_step = np.array([1.0, 10.0, 1.0, 1.0])
    unread, _ = reconcile.decide_disagreeing(
        bounds, in_order, in_order_step, exact, official, dates[:4]
    )
    assert unread.tolist() == [1, 3]
    quiet, no_reasons = reconcile.decide_disagreeing(
        bounds, value, step, exact, official, dates, at=at, reasons=False
    )
    assert quiet.tolist() == [0, 2] and no_reasons.tolist() == [0, 0]


class _Libc:
    """A C library that records ``malloc_trim`` calls."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(pad)
        return 1


def test_the_fast_reader_gives_the_freed_heap_back_once_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the reader threads are done (the frame made, or a fall back to the plain path),
    ``malloc_trim(0)`` is called once; a C library without it is left alone."""
    libc = _Libc()
    monkeypatch.setattr(ctypes, "CDLL", lambda name: libc)
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 0)
    good = tmp_path / "good.csv"
    good.write_text(
        "reporter,partner,flow,period,value\nAZE,TJK,export,2023-01,5\nAZE,TJK,export,2023-02,7\n",
        encoding="utf-8",
    )
    frame = tidy_fast.read(good, ReadContext(group_codes=frozenset()))
    assert frame is not None and frame["value"].tolist() == [5.0, 7.0]
    assert libc.calls == [0]
    bad = tmp_path / "bad.csv"  # a negative number: the plain path reads (and reports) it
    bad.write_text("reporter,partner,flow,period,value\nAZE,TJK,export,2023-01,-5\n")
    assert tidy_fast.read(bad, ReadContext(group_codes=frozenset())) is None
    assert libc.calls == [0, 0]
    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())  # no malloc_trim
    assert tidy_fast.read(good, ReadContext(group_codes=frozenset())) is not None


@pytest.mark.parametrize("chunk", [1 << 18, 2])
def test_gather_counts_months_from_a_base_in_int16(chunk: int, monkeypatch: Any) -> None:
    """Rows 3, 0, 2 of the months, less 24,240, as int16: by hand 2, 0, 32,767 (the
    largest an int16 holds). ``chunk``: one pass, or two rows at a time."""
    monkeypatch.setattr(bulk, "GATHER_ROWS", chunk)
    months = np.array([24_240, 99_999, 24_240 + 32_767, 24_242], dtype=np.int32)
    rows = np.array([3, 0, 2], dtype=np.int32)
    shifted = _gather(months, rows, np.int16, 24_240)
    assert shifted.dtype == np.int16 and shifted.tolist() == [2, 0, 32_767]
    series = _gather(np.array([7, 1, 5, 3], dtype=np.int32), rows, np.int8)
    assert series.dtype == np.int8 and series.tolist() == [3, 7, 5]


@pytest.mark.parametrize("stable_keys", [1 << 31, 0])
def test_rows_left_out_and_out_of_order_are_gathered_sorted(
    stable_keys: int, monkeypatch: Any
) -> None:
    """Months alone (``last`` is ``month``), written newest year first, a low-trust row
    left out: the kept rows are gathered, sorted, into narrow copies. By hand: AZE-TJK
    2023 months 1..3 = 1, 2, 3 (Jan..3 = 6), 2022 months 1..12 = 10 each (the year 120);
    the low-trust 2022-05 of 1000 is left out, the later 2023-02 revision of 20 wins.
    ``stable_keys``: sorted by ``_stable_order``, or (0) by ``argsort``."""
    monkeypatch.setattr(bulk, "STABLE_KEYS", stable_keys)
    rows = [obs(f"2023-{m:02d}", float(m)) for m in range(1, 4)]
    rows += [obs(f"2022-{m:02d}", 10.0) for m in range(12, 0, -1)]
    rows += [obs("2022-05", 1000.0, flags="low-trust", published="2024-01-01")]
    rows += [obs("2023-02", 20.0, published="2024-02-01")]
    columns = Columns(frame(*rows))
    assert columns.row_year.tolist() == [2022, 2023]
    ky = key_years(columns, [AZE_TJK])
    assert ky.value[0, 11] == 120.0 and ky.value[1, 2] == 1.0 + 20.0 + 3.0
    assert ky.month_value[1, :3].tolist() == [1.0, 20.0, 3.0]
    assert ky.parts[0, 11] == 12 and ky.parts[1, 0] == 0


@pytest.mark.parametrize("chunk", [1 << 19, 2])
def test_decide_reads_coded_columns_as_the_arrays_they_stand_for(
    chunk: int, monkeypatch: Any
) -> None:
    """``Coded`` flags and dates (a small table and each row's code) decide as the arrays
    they stand for: the same spans as ``test_decide_reads_steps_and_dates_through_at``,
    dates 4, 3, 2, 0 through codes into a table of ranks; an approximate figure (code 1:
    not exact) loses to an exact one whatever its date: span 0's row 0 (date 4) is
    approximate, so row 1 wins."""
    monkeypatch.setattr(reconcile, "CHUNK_ROWS", chunk)
    step = np.array([1.0, 10.0, 100.0, 1.0, 100.0, 1.0])
    value = np.array([9.0, 500.0, 500.5, 7.0, 100.2, 100.0])
    bounds = np.array([0, 2, 4], dtype=np.int64)
    at = np.array([5, 1, 3, 0], dtype=np.int32)
    rank_of = np.array([4, 3, 2, 0, 1], dtype=np.int16)  # the rank of each date code
    date_codes = np.array([3, 1, 4, 2, 4, 0], dtype=np.int8)  # row 5: rank 4, row 1: 3
    flag_codes = np.array([1, 0, 0, 0], dtype=np.int8)  # picked row 0 is approximate
    exact = reconcile.Coded(np.array([True, False]), flag_codes)
    official = reconcile.Coded(np.array([False, False]), flag_codes)
    dates = reconcile.Coded(rank_of, date_codes)
    assert dates[at].tolist() == [4, 3, 2, 0]
    assert exact[:].tolist() == [False, True, True, True]
    winner, reason = reconcile.decide_disagreeing(
        bounds, value, step, exact, official, dates, at=at
    )
    assert winner.tolist() == [1, 2]
    assert [reconcile.REASON_CODES[r] for r in reason.tolist()] == [
        reconcile.RANK_REASONS[0],
        reconcile.RANK_REASONS[2],
    ]


def test_rows_left_out_narrow_the_copies_and_keep_every_year_and_month() -> None:
    """A low-trust row is left out, so the kept rows are copies, held as int16 months
    from January 2022 (the data begins in March 2022). By hand: 2022 has months 3..12
    (value = the month number), so no Jan..m is found in 2022 but its months are; 2023
    has Jan..3 published as 50 and months 4 and 5 (4.0, 5.0): Jan..3 = 50, Jan..4 = 54,
    Jan..5 = 59; the low-trust 1000 for 2023-04 is left out."""
    rows = [obs(f"2022-{m:02d}", float(m)) for m in range(3, 13)]
    rows += [obs("2023-01/2023-03", 50.0), obs("2023-04", 4.0), obs("2023-05", 5.0)]
    rows += [obs("2023-04", 1000.0, flags="low-trust", published="2024-01-01")]
    columns = Columns(frame(*rows))
    assert columns.first_year == 2022 and columns.row_year.tolist() == [2022, 2023]
    ky = key_years(columns, [AZE_TJK])
    assert ky.year.tolist() == [2022, 2023]
    assert not ky.found[0].any()
    assert ky.month_value[0, 2:].tolist() == [float(m) for m in range(3, 13)]
    assert ky.value[1, 2:5].tolist() == [50.0, 54.0, 59.0]
    assert not ky.found[1, :2].any() and not ky.found[1, 5:].any()


def test_the_span_index_gives_the_freed_heap_back_after_a_large_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A span index built from ``TRIM_ROWS`` rows or more calls ``malloc_trim(0)`` once
    built (its temporaries freed); one from fewer rows does not, and answers the same."""
    libc = _Libc()
    monkeypatch.setattr(ctypes, "CDLL", lambda name: libc)
    data = frame(obs("2023-01", 5.0), obs("2023-02", 7.0), obs("2023-03", 6.0))
    key = SeriesKey("AZE", "TJK", "turnover")
    monkeypatch.setattr(spans, "TRIM_ROWS", 4)
    small = Engine(data)
    assert small.value(key, Period.parse("2023-03")).value == 6.0
    assert libc.calls == []
    monkeypatch.setattr(spans, "TRIM_ROWS", 3)
    large = Engine(data)
    assert large.value(key, Period.parse("2023-01")).value == 5.0
    assert large.value(key, Period.parse("2023-02")).value == 7.0
    assert libc.calls == [0]
