"""``tradecli data`` from the columns (``analysis.inventory_bulk``): counts, spans, sources
and conflicts worked out by hand, and the whole report (``data`` and ``data --conflicts``,
every format) equal to the reference engine's on drawn datasets with revisions,
conflicts, approximate and flagged figures, and sources of every kind."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tests.test_bulk_engine import _bulk, _same_with_and_without_bulk, datasets
from tradecli.analysis.inventory import inventory
from tradecli.analysis.inventory_bulk import inventory_parts
from tradecli.dataset import Dataset, Filters
from tradecli.engine.answers import SeriesKey
from tradecli.groups import load_bundled
from tradecli.observations import finish, records
from tradecli.periods import Period
from tradecli.reconcile import reconcile_span
from tradecli.render import Report

EXPORT = SeriesKey("AZE", "TJK", "export")
IMPORT = SeriesKey("AZE", "TJK", "import")


def _by_hand(include_flagged: bool = False) -> Dataset:
    """AZE–TJK export: Jan 2023 twice, agreeing within their precision (10.0 ± 0.5 and
    10.04 ± 0.005: one figure, no conflict); Feb twice, 20 and 30 (a conflict); Q1 once,
    flagged low-trust (excluded unless kept). Sources: a url, the publisher "test" (twice),
    and a row with neither (its own file:line). Import: March alone, 7, published by "x"."""
    rows = [
        obs("2023-01", 10.0, flow="export", url="https://a"),
        obs("2023-01", 10.04, flow="export", step=0.01),
        obs("2023-02", 20.0, flow="export", published="2023-03-01"),
        obs("2023-02", 30.0, flow="export", published="2023-04-01"),
        obs("2023-Q1", 60.0, flow="export", flags="low-trust"),
        obs("2023-03", 7.0, flow="import"),
    ]
    data = frame(*rows)
    data["publisher"] = ["test", "test", "", "test", "test", "x"]
    return Dataset(data, load_bundled(), [], Filters(include_flagged=include_flagged))


def test_the_counts_by_hand() -> None:
    """Export: 5 rows, 1 excluded; spans Jan and Feb (the quarter left out); sources the
    url, "test" and test.csv:4 (Feb's first row has neither): 3; one conflict, Feb, where
    the later published 30 wins over 20. Import: one row, one source, no conflict."""
    parts = inventory_parts(_by_hand())
    export, imported = parts.series
    assert export.key == EXPORT and imported.key == IMPORT
    assert (export.observations, export.excluded, export.sources, export.conflicts) == (5, 1, 3, 1)
    assert export.spans == ["2023-01", "2023-02"]
    assert (export.first, export.last) == ("Jan 2023", "Feb 2023")
    assert (imported.observations, imported.sources, imported.conflicts) == (1, 1, 0)
    (conflict,) = parts.conflicts
    assert conflict.key == EXPORT and conflict.reconciled.period == Period.parse("2023-02")
    assert conflict.reconciled.value == 30.0
    assert [o.value for o in conflict.reconciled.superseded] == [20.0]
    ((excluded, reason),) = parts.excluded
    assert (excluded.value, excluded.line, reason) == (60.0, 6, "flagged low-trust")


def test_flagged_figures_kept_by_hand() -> None:
    """With --include-flagged, the quarter is a span of its own: after January in span
    order (it starts with it and ends later), the last (it ends in March), nothing is
    excluded."""
    (export, _) = inventory_parts(_by_hand(include_flagged=True)).series
    assert export.spans == ["2023-01", "2023-Q1", "2023-02"]
    assert (export.excluded, export.first, export.last) == (0, "Jan 2023", "Q1 2023")


def test_a_conflict_is_judged_against_the_most_precise_figure() -> None:
    """10 ± 0.5, 10.04 ± 0.005, 10.6 ± 0.5: the first and the last agree with each other,
    but the most precise figure, 10.04, heads the first cluster; 10 agrees with it
    (0.04 < 0.2525), 10.6 does not (0.56 >= 0.2525): a conflict, 10.6 superseded."""
    rows = [
        obs("2023-01", 10.0),
        obs("2023-01", 10.04, step=0.01),
        obs("2023-01", 10.6),
    ]
    parts = inventory_parts(Dataset(frame(*rows), load_bundled(), []))
    (conflict,) = parts.conflicts
    assert conflict.reconciled.value == 10.04
    assert [o.value for o in conflict.reconciled.superseded] == [10.6]


def test_superseded_figures_are_listed_most_precise_first() -> None:
    """20 ± 0.5, 30 ± 0.005, 40 ± 0.5, none agreeing: the latest published (40) is kept
    over the runner-up 30 (published before it: a revision); the losers are listed in
    order of precision, 30 before 20, not in file order."""
    rows = [
        obs("2023-01", 20.0, published="2023-01-01"),
        obs("2023-01", 30.0, step=0.01, published="2023-02-01"),
        obs("2023-01", 40.0, published="2023-03-01"),
    ]
    (conflict,) = inventory_parts(Dataset(frame(*rows), load_bundled(), [])).conflicts
    rec = conflict.reconciled
    assert (rec.value, rec.reason) == (40.0, "later publication preferred (a revision)")
    assert [o.value for o in rec.sources] == [40.0]
    assert [o.value for o in rec.superseded] == [30.0, 20.0]


def test_a_listing_reads_a_conflict_from_the_arrays_as_from_its_observations() -> None:
    """20, 30 ± 0.005, 40 (provisional), no two agreeing: what ``data --conflicts`` lists
    (the superseded values, ascending; the kept figure's flags) is read from the arrays,
    and is what the observations say. A span with a zero among the superseded is read
    from its observations."""
    rows = [
        obs("2023-01", 20.0, published="2023-01-01"),
        obs("2023-01", 30.0, step=0.01, published="2023-02-01"),
        obs("2023-01", 40.0, published="2023-03-01", flags="provisional"),
        obs("2023-02", 0.0, published="2023-03-01"),
        obs("2023-02", 9.0, published="2023-04-01"),
    ]
    january, february = inventory_parts(Dataset(frame(*rows), load_bundled(), [])).conflicts
    assert january.figures == ((20.0, 30.0), ("provisional",))
    rec = january.reconciled
    assert sorted({o.value for o in rec.superseded}) == [20.0, 30.0]
    assert [f for o in rec.sources for f in o.flags] == ["provisional"]
    assert february.figures is None
    assert february.superseded_values() == (0.0,) and february.kept_flags() == []


def test_a_text_that_spells_a_row_is_that_row() -> None:
    """``o.url or o.publisher or o.where()``: a url that reads "test.csv:3" is the same
    source as row 3 with no url or publisher (one source, not two); the same file and line
    twice are one source."""
    data = frame(obs("2023-01", 1.0, url="test.csv:3"), obs("2023-02", 2.0), obs("2023-03", 3.0))
    data["publisher"] = ""
    data["line"] = [2, 3, 3]
    (series,) = inventory_parts(Dataset(data, load_bundled(), [])).series
    assert series.sources == 1
    assert len({o.url or o.publisher or o.where() for o in records(data)}) == 1


def test_a_span_with_a_figure_not_finite_is_reconciled_as_the_reference_does() -> None:
    """Such a span is left to ``reconcile_span``: infinity disagrees with 5, a conflict."""
    rows = [obs("2023-01", math.inf), obs("2023-01", 5.0), obs("2023-02", 1.0)]
    dataset = Dataset(frame(*rows), load_bundled(), [])
    (series,) = inventory_parts(dataset).series
    expected = reconcile_span(Period.parse("2023-01"), records(dataset.frame)[:2])
    assert expected.conflict and series.conflicts == 1
    (conflict,) = inventory_parts(dataset).conflicts
    assert conflict.reconciled == expected


# Sources of every kind: a url, a publisher, neither (the row's file:line), a url that
# spells another row's file:line; and rows that share a line (two files read as one).
URLS = ("", "", "https://a", "https://b", "test.csv:5")
PUBLISHERS = ("", "test", "other")


# More figures of a span already there (its first figure made less precise), near its
# value, of either precision: spans of three or more figures, some agreeing with the most
# precise one and some with the first alone, and some with none.
NEAR = ((0.0, 0.01), (0.004, 0.01), (0.3, 0.01), (0.6, 1.0), (1.2, 1.0), (5.0, 0.01), (9.0, 1.0))


@st.composite
def with_sources(draw: st.DrawFn) -> Any:
    rows: list[dict[str, Any]] = draw(datasets)
    if rows and draw(st.booleans()):
        at = draw(st.integers(0, len(rows) - 1))
        rows[at] = base = {**rows[at], "step": 1.0}
        for offset, step in draw(st.lists(st.sampled_from(NEAR), min_size=1, max_size=3)):
            rows.append({**base, "value": base["value"] + offset, "step": step})
    data = frame(*rows)
    data["url"] = [draw(st.sampled_from(URLS)) for _ in rows]
    data["publisher"] = [draw(st.sampled_from(PUBLISHERS)) for _ in rows]
    if draw(st.booleans()):
        data["line"] = [line // 2 for line in data["line"]]
    return finish(data)


def _data(conflicts: bool, reporter: str | None = None, partner: str | None = None) -> Any:
    def make(dataset: Dataset) -> Report:
        return inventory(dataset, reporter, partner).report(conflicts)

    return make


@settings(max_examples=15, deadline=None)
@given(with_sources(), st.booleans())
def test_data_prints_the_same_from_the_columns(drawn: Any, conflicts: bool) -> None:
    _same_with_and_without_bulk(_data(conflicts), drawn)


@settings(max_examples=10, deadline=None)
@given(with_sources(), st.booleans(), st.sampled_from(("AZE", "KAZ", None)))
def test_data_of_a_partner_prints_the_same_from_the_columns(
    drawn: Any, conflicts: bool, reporter: str | None
) -> None:
    _same_with_and_without_bulk(_data(conflicts, reporter, "TJK"), drawn)


@settings(max_examples=10, deadline=None)
@given(with_sources(), st.booleans())
def test_data_with_flagged_figures_kept_is_the_same_from_the_columns(
    drawn: Any, conflicts: bool
) -> None:
    def outputs(on: bool) -> tuple[Any, Any]:
        with _bulk(on):
            dataset = Dataset(drawn, load_bundled(), [], Filters(include_flagged=True))
            made = inventory(dataset)
        return made.to_dict(), made.report(conflicts).machine_records()

    assert outputs(True) == outputs(False)
