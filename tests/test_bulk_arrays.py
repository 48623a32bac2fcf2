"""The pieces of the whole-file (bulk) path that build rows from arrays: the lazy
sequences whose items are made only when looked at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tests.test_bulk_engine import _keys, _same_with_and_without_bulk, _summary
from tests.test_columnar import AZE_TJK, DATES, _growth, monthly_datasets
from tradecli.analysis.growth_bulk import last_cell
from tradecli.analysis.projection import Method, project
from tradecli.analysis.share import group_shares
from tradecli.analysis.summary_bulk import Lazy, last_where
from tradecli.dataset import Dataset
from tradecli.engine.bulk import Columns, key_years
from tradecli.selection import Selection


def test_lazy_makes_each_item_once_and_only_when_looked_at() -> None:
    made: list[int] = []

    def make(i: int) -> str:
        made.append(i)
        return f"item {i}"

    items = Lazy(make, 4)
    assert len(items) == 4 and made == []
    assert items[-1] == "item 3" and made == [3]
    assert items[3] == "item 3" and made == [3]  # the same slot as -1: not made again
    assert items[1:3] == ("item 1", "item 2") and made == [3, 1, 2]
    assert list(items) == ["item 0", "item 1", "item 2", "item 3"]
    assert made == [3, 1, 2, 0]


def test_lazy_equals_the_sequence_of_its_items() -> None:
    items = Lazy(lambda i: i * i, 3)
    assert items == (0, 1, 4) and items == [0, 1, 4]
    assert items != (0, 1) and items != (0, 1, 5)
    assert Lazy(lambda i: i, 0) == ()
    assert not Lazy(lambda i: i, 0) and bool(items)


# -- series with Jan..m figures beside their months (the sparse bulk download) ------------


def test_a_year_to_date_figure_tiles_with_the_months_after_it_by_hand() -> None:
    """Jan..3 published as one figure (3.0, not 1 + 2 + 4 = 7) with April and May: Jan..5
    is that figure plus April and May, the fewest spans that tile it (3.0 + 8 + 16);
    Jan..3 is the figure itself; Jan..2 the two months; 2022 is its annual figure, not
    the sum of its months. The export's months have a gap in March: its Jan..3 is not
    found, its Jan..2 is."""
    months = [obs(f"2023-{m:02d}", v, flow="import") for m, v in ((1, 1.0), (2, 2.0), (4, 8.0))]
    months += [obs("2023-03", 4.0, flow="import"), obs("2023-05", 16.0, flow="import")]
    ytd = obs("2023-01/2023-03", 3.0, flow="import", flags="estimate")
    annual = [obs("2022", 100.0, flow="import", flags="provisional")]
    annual += [obs(f"2022-{m:02d}", 1.0, flow="import") for m in range(1, 13)]
    exports = [obs(f"2023-{m:02d}", 10.0, flow="export") for m in (1, 2, 4)]
    exports += [obs("2023-01/2023-02", 15.0, flow="export")]
    columns = Columns(frame(*months, ytd, *annual, *exports))
    imports = AZE_TJK.with_flow("import")
    ky = key_years(columns, [imports, AZE_TJK.with_flow("export"), AZE_TJK])
    rows = {k: slice(int(ky.bounds[k]), int(ky.bounds[k + 1])) for k in range(3)}
    assert ky.simple.tolist() == [True, True, True]
    assert ky.monthly.tolist() == [False, False, False]
    assert ky.year[rows[0]].tolist() == [2022, 2023]
    year_2022, year_2023 = ky.value[rows[0]]
    assert year_2022[11] == 100.0 and ky.parts[rows[0]][0, 11] == 0
    assert year_2022[:3].tolist() == [1.0, 2.0, 3.0]
    assert year_2023[:5].tolist() == [1.0, 3.0, 3.0, 11.0, 27.0]
    assert ky.parts[rows[0]][1, :5].tolist() == [0, 2, 0, 2, 3]
    assert not ky.found[rows[0]][1, 5:].any()
    words = [columns.flag_words(int(b)) for b in ky.flags[rows[0]][1, :5]]
    assert words == [(), (), ("estimate",), ("estimate",), ("estimate",)]
    # The export: Jan..2 is its own figure (15, not 10 + 10), Jan..3 not found (March).
    export = ky.value[rows[1]][0]
    assert export[:2].tolist() == [10.0, 15.0] and ky.found[rows[1]][0].tolist()[:4] == [
        True,
        True,
        False,
        False,
    ]
    # Turnover: no figures of its own; export + import where both are found.
    turnover = ky.found[rows[2]]
    assert ky.value[rows[2]][1, :2].tolist() == [11.0, 18.0] and turnover[1, :3].tolist() == [
        True,
        True,
        False,
    ]
    assert ky.xm[rows[2]][1, :2].tolist() == [True, True]


def test_key_years_of_keys_without_series_are_empty_and_leave_the_others_alone() -> None:
    """Many keys with no series (70,000: more possible (key, year) cells than the table
    of cells takes, so they are sorted instead): each has no years, and the keys with
    series get the same rows as when asked alone. By hand: AZE-TJK export 2022 Jan = 1,
    Feb = 2; import 2023 Jan = 4; turnover is export + import where both are found,
    so it has its 2022 and 2023 rows with nothing found."""
    data = [obs("2022-01", 1.0, flow="export"), obs("2022-02", 2.0, flow="export")]
    data += [obs("2023-01", 4.0, flow="import")]
    columns = Columns(frame(*data))
    keys = [AZE_TJK.with_flow("export"), AZE_TJK.with_flow("import"), AZE_TJK]
    phantoms = [AZE_TJK.with_partner(f"P{i:05d}") for i in range(70_000)]
    alone = key_years(columns, keys)
    many = key_years(columns, keys + phantoms)
    assert alone.bounds.tolist() == [0, 1, 2, 4]
    assert alone.year.tolist() == [2022, 2023, 2022, 2023]
    assert alone.value[0, :2].tolist() == [1.0, 3.0] and alone.value[1, 0] == 4.0
    assert not alone.found[2:].any()
    assert many.bounds[:4].tolist() == alone.bounds.tolist()
    assert (many.bounds[4:] == 4).all() and bool(many.simple.all())
    for field in ("year", "found", "flags", "xm", "parts", "run", "month_found", "month_xm"):
        assert getattr(many, field).tolist() == getattr(alone, field).tolist(), field
    for field in ("value", "month_value"):
        assert getattr(many, field).tobytes() == getattr(alone, field).tobytes(), field


def test_small_pages_turns_numpy_huge_page_advice_off_inside_and_back_after() -> None:
    """numpy's setting (``_set_madvise_hugepage`` returns the one it replaces) is off
    inside ``small_pages`` and what it was before after it, an exception or not."""
    import numpy as np
    import pytest

    from tradecli.engine.bulk import small_pages

    advise = np._core.multiarray._set_madvise_hugepage
    before = advise(True)
    try:
        with small_pages():
            assert advise(False) is False
        assert advise(True) is True
        with pytest.raises(ZeroDivisionError), small_pages():
            assert advise(False) is False
            _ = 1 / 0
        assert advise(False) is True
        with small_pages():
            pass
        assert advise(False) is False  # off before: left off
    finally:
        advise(before)


@st.composite
def with_year_to_date(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A drawn dataset of months (``test_columnar.monthly``), with Jan..m figures of some
    of its series' years published beside their months (a year, a year to date), now
    and then revised or approximate."""
    rows = draw(monthly_datasets)
    series = sorted({(r["reporter"], r["partner"], r["flow"], r["currency"]) for r in rows})
    extra: list[dict[str, Any]] = []
    for reporter, partner, flow, currency in series:
        for _ in range(draw(st.integers(0, 3))):
            year = draw(st.sampled_from((2021, 2022, 2023)))
            months = draw(st.sampled_from((2, 3, 5, 6, 11, 12, 12)))
            period = f"{year}" if months == 12 else f"{year}-01/{year}-{months:02d}"
            extra.append(
                obs(
                    period,
                    draw(st.sampled_from((3.0, 12.5, 40.04, 0.0, 1e7))),
                    flow=flow,
                    reporter=reporter,
                    partner=partner,
                    currency=currency,
                    flags=draw(st.sampled_from(("", "", "provisional", "low-trust", "about"))),
                    published=draw(st.sampled_from(DATES)),
                )
            )
            if draw(st.integers(0, 3)) == 0:  # a revision
                again = dict(extra[-1])
                again["value"] = draw(st.sampled_from((3.5, 12.5)))
                again["published"] = draw(st.sampled_from(DATES))
                extra.append(again)
    return rows + extra


def test_the_year_to_date_properties_reach_the_new_path() -> None:
    """Most drawn datasets have series the arrays take with Jan..m figures beside their
    months (else the properties would compare the reference with itself)."""
    counts = [0, 0]

    # The same draws every run: a count over random draws would fail now and then.
    @settings(max_examples=10, deadline=None, derandomize=True)
    @given(with_year_to_date())
    def count(drawn: list[dict[str, Any]]) -> None:
        columns = Columns(frame(*drawn))
        counts[0] += int((columns.simple & ~columns.monthly).sum())
        counts[1] += len(columns)

    count()
    assert counts[0] > counts[1] / 5


@settings(max_examples=10, deadline=None)
@given(with_year_to_date())
def test_summary_with_year_to_date_figures_prints_what_the_reference_prints(
    drawn: list[dict[str, Any]],
) -> None:
    _same_with_and_without_bulk(_summary, frame(*drawn))


@settings(max_examples=6, deadline=None)
@given(with_year_to_date())
def test_growth_with_year_to_date_figures_prints_what_the_reference_prints(
    drawn: list[dict[str, Any]],
) -> None:
    _same_with_and_without_bulk(_growth, frame(*drawn))


@settings(max_examples=6, deadline=None)
@given(with_year_to_date(), st.sampled_from((2022, 2023)), st.sampled_from(tuple(Method)))
def test_project_with_year_to_date_figures_prints_what_the_reference_prints(
    drawn: list[dict[str, Any]], year: int, method: Method
) -> None:
    def make(dataset: Dataset) -> Any:
        return project(dataset, _keys(dataset.engine), year, method).report()

    _same_with_and_without_bulk(make, frame(*drawn))


@settings(max_examples=6, deadline=None)
@given(with_year_to_date(), st.sampled_from(("world", "central-asia")))
def test_shares_with_year_to_date_figures_print_what_the_reference_prints(
    drawn: list[dict[str, Any]], name: str
) -> None:
    def make(dataset: Dataset) -> Any:
        selection = Selection.parse(dataset, None, None, None)
        return group_shares(dataset, dataset.groups.get(name), selection).report()

    _same_with_and_without_bulk(make, frame(*drawn))


def test_summary_marks_each_figure_from_a_flagged_one_and_names_them_in_order() -> None:
    """--include-flagged, the columnar path and the reference alike. By hand: AZE-TJK
    2022 and 2023 full years; 2023's December is low-trust, so 2023's value and its
    change are marked, 2022 is not; the year to date (Jan-Feb 2024) and its base (Jan-Feb
    2023) are clean. AZE-KAZ's 2022 (its base year) has a low-trust January: only its
    change is marked. The note names the flagged figures in the order of the rows (KAZ
    sorts first) and, within a row, year, year to date, their bases: AZE-KAZ's January
    2022, then AZE-TJK's December 2023."""
    from tradecli.analysis.summary import summarize
    from tradecli.dataset import Filters
    from tradecli.groups import load_bundled
    from tradecli.render import OutputFormat, render

    data = []
    for partner, flagged_month in (("TJK", "2023-12"), ("KAZ", "2022-01")):
        for year in (2022, 2023):
            for m in range(1, 13):
                month = f"{year}-{m:02d}"
                flags = "low-trust" if month == flagged_month else ""
                data.append(obs(month, float(m), partner=partner, flags=flags))
        data += [obs(f"2024-0{m}", 1.0, partner=partner) for m in (1, 2)]
    outputs = []
    for backend in ("bulk", "reference"):
        with _backend(backend):
            dataset = Dataset(frame(*data), load_bundled(), [], Filters(include_flagged=True))
            keys = [AZE_TJK.with_partner("KAZ"), AZE_TJK]
            report = summarize(dataset, keys).report()
            rows = {r["series"]: r for r in report.rows}
            tjk, kaz = rows["AZE–TJK"], rows["AZE–KAZ"]
            assert (tjk["year_value_flagged"], tjk["year_change_flagged"]) == (True, True)
            assert (kaz["year_value_flagged"], kaz["year_change_flagged"]) == (False, True)
            for row in (tjk, kaz):
                assert not row["ytd_value_flagged"] and not row["ytd_change_flagged"]
                assert not row["projection_flagged"]
            head = report.notes.index(
                "† used a figure flagged as doubtful (kept by --include-flagged):"
            )
            named = report.notes[head + 1 :]
            assert [n.split(" [")[0] for n in named] == ["  Jan 2022", "  Dec 2023"]
            outputs.append([render(report, fmt) for fmt in OutputFormat])
    assert outputs[0] == outputs[1]


@contextmanager
def _backend(name: str) -> Iterator[None]:
    from tradecli.engine import bulk, masks

    saved, env = masks.MIN_SERIES, os.environ.get(bulk.ENV)
    masks.MIN_SERIES = 0 if name == "bulk" else 1 << 62
    os.environ[bulk.ENV] = name
    try:
        yield
    finally:
        masks.MIN_SERIES = saved
        if env is None:
            del os.environ[bulk.ENV]
        else:
            os.environ[bulk.ENV] = env


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(-2, 2), st.integers(0, 2)), min_size=0, max_size=9
    ),
    st.booleans(),
)
def test_rows_are_in_order_exactly_when_python_sorts_them_so(
    rows: list[tuple[int, int, int]], presort: bool
) -> None:
    """``in_order`` against Python's tuple order (half the drawn lists sorted first)."""
    import numpy as np

    from tradecli.engine.bulk import in_order

    if presort:
        rows = sorted(rows)
    columns = [np.array([r[i] for r in rows], dtype=np.int32) for i in range(3)]
    assert in_order(*columns) == (rows == sorted(rows))
    assert in_order(columns[0]) == ([r[0] for r in rows] == sorted(r[0] for r in rows))


def test_rows_in_order_by_hand() -> None:
    import numpy as np

    from tradecli.engine.bulk import in_order

    s, month, last = (np.array(c) for c in ([0, 0, 0, 1], [5, 5, 7, 0], [5, 9, 7, 0]))
    assert in_order(s, month, last)
    assert not in_order(s, month, last[[1, 0, 2, 3]])  # (0, 5, 9) before (0, 5, 5)
    assert not in_order(s[[3, 0, 1, 2]], month, last)
    assert in_order(s, month, np.array([5, 5, 7, 0]))  # equal rows side by side
    assert in_order() and in_order(np.array([3]))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 3), max_size=8).flatmap(
        lambda rows_per_key: st.tuples(
            st.just(rows_per_key),
            st.lists(
                st.lists(st.booleans(), min_size=3, max_size=3),
                min_size=sum(rows_per_key),
                max_size=sum(rows_per_key),
            ),
        )
    )
)
def test_last_cell_is_last_where_of_every_cell(case: tuple[list[int], list[list[bool]]]) -> None:
    """``growth_bulk.last_cell`` (per key, the last cell of its rows where the mask holds)
    against ``last_where`` over the flattened table with a key for every cell, as
    ``_latest`` found it before; keys with no rows, rows with nothing."""
    rows_per_key, table = case
    n_keys = len(rows_per_key)
    key_of = np.repeat(np.arange(n_keys), rows_per_key)
    mask = np.array(table, dtype=bool).reshape(len(table), 3)
    expected = last_where(mask.reshape(-1), np.repeat(key_of, 3), n_keys)
    # By hand too: the largest flattened index of a True cell in each key's rows.
    starts = np.cumsum([0, *rows_per_key])
    by_hand = [
        max(
            (r * 3 + c for r in range(starts[k], starts[k + 1]) for c in range(3) if table[r][c]),
            default=-1,
        )
        for k in range(n_keys)
    ]
    assert last_cell(mask, key_of, n_keys).tolist() == expected.tolist() == by_hand


@given(st.integers(0, 300), st.data())
def test_all_but_reads_as_the_array_of_the_rows_kept(n: int, data: st.DataObject) -> None:
    """``AllBut(n, left_out)`` against ``flatnonzero`` of the rows kept: its length, every
    slice, and rows asked in any order (with repeats)."""
    from tradecli.engine.bulk import AllBut

    left_out = sorted(data.draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=n)))
    left_out = [r for r in left_out if r < n]
    keep = np.ones(n, dtype=bool)
    keep[left_out] = False
    want = np.flatnonzero(keep)
    rows = AllBut(n, np.array(left_out, dtype=np.int32))
    assert len(rows) == len(want)
    low = data.draw(st.integers(0, len(want)))
    high = data.draw(st.integers(low, len(want) + 3))
    assert rows[low:high].tolist() == want[low:high].tolist()
    assert rows[:].tolist() == want.tolist()
    at = np.array(data.draw(st.lists(st.integers(0, max(len(want) - 1, 0)))), dtype=np.int64)
    at = at[at < len(want)]
    assert rows[at].tolist() == want[at].tolist()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["TJK", "UZB", "KGZ"]), st.integers(1, 12)), max_size=40),
    st.lists(st.booleans(), max_size=40),
    st.lists(st.booleans(), max_size=40),
    st.booleans(),
    st.lists(st.integers(2, 12), max_size=3),
)
def test_columns_are_the_same_whether_the_rows_kept_are_an_array_or_all_but_a_few(
    cells: list[tuple[str, int]],
    left_out: list[bool],
    shuffled: list[bool],
    moved: bool,
    jan_to: list[int],
) -> None:
    """The rows left out (low-trust) held as an ``AllBut`` or as the rows kept, gathered and
    put into the tables (``_put``) in chunks of 3 rows or all at once: the same columns,
    byte for byte, in file order or not (a revision, rows moved), with Jan..m figures
    beside the months or without."""
    import io

    from tradecli.engine import bulk

    rows = [
        obs(
            f"2023-{m:02d}",
            float(10 * i + 1),
            partner=p,
            flags="low-trust" if i < len(left_out) and left_out[i] else "",
            published=DATES[i % len(DATES)],
        )
        for i, (p, m) in enumerate(cells or [("TJK", 1)])
    ]
    rows += [obs(f"2023-01/2023-{m:02d}", 1000.0 + m, partner="TJK") for m in jan_to]
    if moved:  # rows out of (series, span) order
        rows = [r for i, r in enumerate(rows) if i < len(shuffled) and shuffled[i]] + [
            r for i, r in enumerate(rows) if not (i < len(shuffled) and shuffled[i])
        ]
    data = frame(*rows)
    saved = []
    # never an AllBut, in one chunk; every time one, in chunks of 3 rows
    for all_but, gather in ((1 << 40, 1 << 40), (0, 3)):
        before = bulk.ALL_BUT, bulk.GATHER_ROWS
        bulk.ALL_BUT, bulk.GATHER_ROWS = all_but, gather
        try:
            sink = io.BytesIO()
            Columns(data).save(sink)
            saved.append(sink.getvalue())
        finally:
            bulk.ALL_BUT, bulk.GATHER_ROWS = before
    assert saved[0] == saved[1]
