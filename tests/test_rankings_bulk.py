"""Rankings (``--sort``/``--top``), ``revisions`` and several flows side by side print
the same bytes, in every format and with ``--explain``, whether their answers come from
the reference engine or from the bulk backend (``TRADECLI_BACKEND=bulk``), on random
datasets with what real files have (gaps, revisions, conflicts, approximate and flagged
figures, spans of every length)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tests.test_bulk_engine import _bulk, _keys, _same_with_and_without_bulk, clean_pair, datasets
from tradecli.analysis.growth import flow_keys, growth_of_flows, spans_of
from tradecli.analysis.rankings import Measure, _candidate, _reach, engine_for, rank
from tradecli.analysis.rankings_bulk import own_spans, span_search
from tradecli.analysis.revisions import revisions
from tradecli.analysis.span_cells import span
from tradecli.analysis.summary_flows import summarize_flows
from tradecli.dataset import Dataset
from tradecli.engine import bulk
from tradecli.engine.answers import SeriesKey
from tradecli.groups import load_bundled
from tradecli.periods import Period
from tradecli.render import Report


@settings(max_examples=12, deadline=None)
@given(
    datasets,
    st.sampled_from(("value", "change", "share")),
    st.sampled_from((None, 1, 3)),
    st.sampled_from((None, "2022", "2022-03")),
)
def test_rankings_print_the_same_with_the_bulk_backend(
    drawn: list[dict[str, Any]], measure: str, top: int | None, span: str | None
) -> None:
    def make(dataset: Dataset) -> Report:
        period = Period.parse(span) if span else None
        return rank(dataset, _keys(dataset.engine), measure, top, None, period).report()

    _same_with_and_without_bulk(make, frame(*drawn))


@settings(max_examples=12, deadline=None)
@given(
    datasets,
    st.sampled_from((None, "2022-06-01", "2023-01-04")),
    st.sampled_from((None, "2023-06-01")),
)
def test_revisions_print_the_same_with_the_bulk_backend(
    drawn: list[dict[str, Any]], before: str | None, after: str | None
) -> None:
    def make(dataset: Dataset) -> Report:
        return revisions(dataset, before, after).report()

    _same_with_and_without_bulk(make, frame(*drawn))


def test_the_bulk_backend_is_asked_when_chosen(monkeypatch: Any) -> None:
    """The equality above compares two engines, not one engine with itself."""
    from tests.frames import obs

    dataset = Dataset(frame(obs("2022-01", 1.0)), load_bundled(), [])
    monkeypatch.setenv(bulk.ENV, "reference")
    assert not isinstance(engine_for(dataset), bulk.Engine)
    monkeypatch.setenv(bulk.ENV, "bulk")
    assert isinstance(engine_for(dataset), bulk.Engine)


@settings(max_examples=10, deadline=None)
@given(
    datasets,
    clean_pair(),
    st.sampled_from(("export,import", "import,turnover,export")),
    st.sampled_from((None, None, "2023", "2023-03")),
)
def test_flows_side_by_side_print_the_same_with_the_bulk_backend(
    drawn: list[dict[str, Any]], clean: list[dict[str, Any]], flows: str, span: str | None
) -> None:
    """``summary --flow`` and ``growth --flow`` with several flows (growth: each pair
    over its shared span, or over ``span``), on drawn data plus a clean export/import
    pair, which the columns answer."""

    def make(dataset: Dataset) -> Report:
        return summarize_flows(dataset, flows).report()

    def make_growth(dataset: Dataset) -> Report:
        keys = flow_keys(dataset, None, None, flows.split(","))
        return growth_of_flows(dataset, keys, Period.parse(span) if span else None).report()

    _same_with_and_without_bulk(make, frame(*drawn))
    _same_with_and_without_bulk(make_growth, frame(*drawn, *clean))


# -- a ranking's span search from the columns (``analysis.rankings_bulk``) ----------------

CLEAN = ("UZB", "TKM", "KGZ")  # partners the drawn blocks never have


def _with_clean_pairs(drawn: list[dict[str, Any]], pairs: list[list[dict[str, Any]]]) -> Any:
    """The drawn rows and up to three clean export/import pairs (``clean_pair``), each with
    a partner of its own: simple series, which the columns answer."""
    rows = [
        {**row, "partner": partner}
        for partner, pair in zip(CLEAN, pairs, strict=False)
        for row in pair
    ]
    return frame(*drawn, *rows)


@settings(max_examples=10, deadline=None)
@given(datasets, st.lists(clean_pair(), min_size=1, max_size=3), st.booleans())
def test_a_span_search_from_the_columns_is_the_references(
    drawn: list[dict[str, Any]], pairs: list[list[dict[str, Any]]], change: bool
) -> None:
    """Per simple key: its latest span is the last of ``spans_of``; per span of the grid,
    whether the measure can be worked out is whether the reference's candidate exists;
    the latest such span of each key is counted as the reference's search counts it."""
    dataset = Dataset(_with_clean_pairs(drawn, pairs), load_bundled(), [])
    engine = dataset.engine
    keys = _keys(engine)
    search = span_search(engine, dataset.columns(), keys, change)
    assert search is not None
    # The clean pairs' keys (their turnover too) went through the columns.
    assert {k for k in keys if k.partner in CLEAN} <= set(search.keys)
    measure = Measure.change if change else Measure.value

    def has(key: SeriesKey, p: Period) -> bool:
        return _candidate(engine, key, p, measure, None, engine.group_value) is not None

    best: Counter[Period] = Counter()
    # Per span, whether each key's measure can be worked out (``measured_at``: a Jan..m
    # span of the keys of single months alone from their full grids).
    measured = [search.measured_at(c) for c in range(search.measured.shape[1])]
    for i, key in enumerate(search.keys):
        own = spans_of(engine, key)
        assert search.latest[i] == (own[-1] if own else None)
        for c, of_span in enumerate(measured):
            p = span(search.columns, c)  # Jan..1's column: January's month again
            assert bool(of_span[i]) == has(key, p), (key, p)
        for p in reversed(own):
            if measure is Measure.value or has(key, p):
                best[p] += 1
                break
    assert search.best == best


@settings(max_examples=10, deadline=None)
@given(datasets, st.lists(clean_pair(), min_size=1, max_size=3))
def test_own_spans_from_the_columns_are_the_references(
    drawn: list[dict[str, Any]], pairs: list[list[dict[str, Any]]]
) -> None:
    """Per simple key (a share's search): its spans are ``spans_of``'s, in their order,
    and its reach is ``_reach``'s; the clean pairs' keys are among them."""
    dataset = Dataset(_with_clean_pairs(drawn, pairs), load_bundled(), [])
    engine = dataset.engine
    keys = _keys(engine)
    found = own_spans(dataset.columns(), keys)
    assert {k for k in keys if k.partner in CLEAN} <= set(found)
    for key, (spans, reach) in found.items():
        assert spans == spans_of(engine, key), key
        assert reach == _reach(engine, key), key


def test_the_reach_of_turnover_leaves_out_a_flow_whose_rows_were_all_left_out() -> None:
    """Export in 2021 (a year figure); import only flagged low-trust (left out): turnover
    reaches over export's year alone (Hypothesis found (1, 24263), from the import's empty
    rows, once)."""
    rows = [obs("2021", 10.0, flow="export"), obs("2021", 10.0, flow="import", flags="low-trust")]
    dataset = Dataset(frame(*rows), load_bundled(), [])
    turnover = SeriesKey("AZE", "TJK", "turnover")
    found = own_spans(dataset.columns(), [turnover, turnover.with_flow("import")])
    year = Period.year(2021)
    assert found[turnover] == ([], (year.first, year.last))
    assert found[turnover.with_flow("import")] == ([], (1, 0))
    assert found[turnover][1] == _reach(dataset.engine, turnover)


@settings(max_examples=10, deadline=None)
@given(
    datasets,
    st.lists(clean_pair(), min_size=1, max_size=3),
    st.sampled_from(("value", "change", "share")),
    st.sampled_from((None, None, "2023-03", "2022-Q2")),
)
def test_rankings_with_simple_series_print_the_same_with_the_columns(
    drawn: list[dict[str, Any]], pairs: list[list[dict[str, Any]]], measure: str, span: str | None
) -> None:
    """A ranking whose simple keys' spans come from the columns prints what the reference
    prints, over the span it chooses, a month, or a quarter (the grid has none); AZE's
    world totals (every month of 2022 and 2023) give the clean pairs shares."""

    def make(dataset: Dataset) -> Report:
        period = Period.parse(span) if span else None
        return rank(dataset, _keys(dataset.engine), measure, None, None, period).report()

    world = [
        obs(f"{2022 + t // 12}-{t % 12 + 1:02d}", 1e9, partner="WORLD", flow=flow)
        for flow in ("export", "import")
        for t in range(24)
    ]
    _same_with_and_without_bulk(make, _with_clean_pairs(drawn + world, pairs))


def test_a_ranking_by_change_over_the_span_most_series_have_by_hand() -> None:
    """Three monthly series: UZB's latest change is Mar 2023; TJK has no Mar 2022 and KGZ
    no Mar 2023, so theirs is Feb 2023, the ranking's span (two series against one).
    Feb 2023 against Feb 2022: UZB 30/20 − 1 = +50%, TJK 11/10 − 1 = +10%, KGZ 15/20 − 1
    = −25%."""
    feb: dict[str, tuple[float, float]] = {"UZB": (20, 30), "TJK": (10, 11), "KGZ": (20, 15)}
    rows = []
    for partner, (before, after) in feb.items():
        for t in range(15):  # Jan 2022 .. Mar 2023
            year, month = 2022 + t // 12, t % 12 + 1
            if (partner, t) in {("TJK", 2), ("KGZ", 14)}:
                continue
            value = before if t == 1 else after if t == 13 else 5.0
            rows.append(obs(f"{year}-{month:02d}", value, partner=partner, flow="export"))
    data = frame(*rows)
    for on in (True, False):
        with _bulk(on):
            dataset = Dataset(data, load_bundled(), [])
            keys = sorted(dataset.engine.keys())
            ranking = rank(dataset, keys, "change")
            if on:
                search = span_search(dataset.engine, dataset.columns(), keys, True)
                assert search is not None and search.keys == keys
        assert ranking.span == Period.month(2023 * 12 + 1)
        assert [
            (r.key.partner, round(r.measure(Measure.change) or 0, 6)) for r in ranking.ranked
        ] == [
            ("UZB", 0.5),
            ("TJK", 0.1),
            ("KGZ", -0.25),
        ]
        assert ranking.unranked == []


def test_a_ranking_over_a_span_of_months_tiled_by_hand() -> None:
    """UZB's and KGZ's exports are a Jan–Sep 2023 figure each (900 and 500), TJK's the
    months of 2023 through September (60 each): the ranking's span is Jan–Sep 2023 (the
    latest span of two series against one), over which TJK's months tile 9 × 60 = 540.
    TJK is searched on a grid of months (its own spans are months) and still ranked."""
    rows = [
        obs("2023-01/2023-09", 900.0, partner="UZB", flow="export"),
        obs("2023-01/2023-09", 500.0, partner="KGZ", flow="export"),
        *[obs(f"2023-{m:02d}", 60.0, partner="TJK", flow="export") for m in range(1, 10)],
    ]
    data = frame(*rows)
    for on in (True, False):
        with _bulk(on):
            dataset = Dataset(data, load_bundled(), [])
            keys = sorted(dataset.engine.keys())
            ranking = rank(dataset, keys, "value")
            if on:
                search = span_search(dataset.engine, dataset.columns(), keys, False)
                assert search is not None and search.months_alone == 1
        assert ranking.span == Period.ytd(2023, 9)
        assert [(r.key.partner, r.measure(Measure.value)) for r in ranking.ranked] == [
            ("UZB", 900.0),
            ("TJK", 540.0),
            ("KGZ", 500.0),
        ]
