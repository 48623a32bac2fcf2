"""Spans within one calendar year from the columns (``engine.bulk.within_year``: what
``value --period 2023-Q2`` reads for series with Jan..m figures), against the reference
engine asked the same question, and by hand."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tests.test_bulk_engine import VALUES, _keys, datasets
from tradecli.engine.answers import (
    DIFFERENCE,
    EXACT,
    EXPORT_PLUS_IMPORT,
    NOT_AVAILABLE,
    TILED,
    Answer,
    SeriesKey,
)
from tradecli.engine.bulk import BulkAnswer, Columns, within_year
from tradecli.engine.reference import Engine
from tradecli.engine.rules import NEGATIVE_DIFFERENCE
from tradecli.periods import Period

UZB = {"reporter": "AZE", "partner": "UZB"}
WITHIN = tuple(
    Period.parse(p)
    for p in (
        "2023-Q1",
        "2023-Q2",
        "2023-Q3",
        "2023-H2",
        "2023-02/2023-11",
        "2023-04",
        "2023-05",
        "2023-01",
        "2023-01/2023-06",
        "2023",
        "2022-Q2",
        "2022-07",
    )
)


def _same(got: Answer, want: Answer) -> None:
    """Everything an output shows of an answer, and its derivation."""
    assert (got.key, got.period, got.value, got.rule) == (
        want.key,
        want.period,
        want.value,
        want.rule,
    )
    assert (got.complete, got.notes, tuple(got.signs)) == (
        want.complete,
        want.notes,
        tuple(want.signs),
    )
    assert got.flags() == want.flags()
    assert len(got.parts) == len(want.parts)
    assert tuple(got.available) == tuple(want.available)
    assert got.to_dict() == want.to_dict()


@st.composite
def mixed_pair(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Export and import of a partner the drawn blocks never have (UZB) in 2022 and 2023:
    single months with holes, beside a few Jan..m figures, one figure each, none
    approximate: simple series, each span within a year answered from the columns."""
    out = []
    for flow in ("export", "import"):
        for year in (2022, 2023):
            holes = draw(st.sets(st.integers(1, 12), max_size=4))
            ytd = draw(st.sets(st.integers(2, 12), max_size=3))
            flags = draw(st.sampled_from(("", "provisional")))
            for m in range(1, 13):
                if m not in holes:
                    value = draw(st.sampled_from(VALUES)) * m
                    out.append(obs(f"{year}-{m:02d}", value, flow=flow, flags=flags, **UZB))
            for m in sorted(ytd):
                # Sometimes less than the months under it: a negative difference.
                value = draw(st.sampled_from((*VALUES, 0.5))) * m * 3
                out.append(obs(f"{year}-01/{year}-{m:02d}", value, flow=flow, **UZB))
    return out


@settings(max_examples=25, deadline=None)
@given(datasets, mixed_pair())
def test_a_span_within_a_year_is_the_references_answer(
    drawn: list[dict[str, Any]], pair: list[dict[str, Any]]
) -> None:
    data = frame(*drawn, *pair)
    engine = Engine(data)
    columns = Columns(data)
    keys = _keys(engine)
    assert SeriesKey("AZE", "UZB", "turnover") in keys
    for key in keys:
        for period in WITHIN:
            got = within_year(columns, engine.value, key, period)
            if key.partner == "UZB":
                assert isinstance(got, BulkAnswer), (key, period)  # the fast path is compared
            if got is not None:
                _same(got, Engine(data).value(key, period))


def test_a_span_across_a_year_end_or_of_a_series_not_simple_is_left_to_the_reference() -> None:
    rows = [obs(f"2022-{m:02d}", 1.0, flow="export") for m in range(1, 13)]
    rows += [obs("2023-01", 2.0, flow="export"), obs("2023-01/2023-03", 9.0, flow="export")]
    rows += [obs("2023-Q2", 5.0, flow="import")]  # a quarter: not simple
    data = frame(*rows)
    columns, engine = Columns(data), Engine(data)
    export = SeriesKey("AZE", "TJK", "export")
    assert within_year(columns, engine.value, export, Period.parse("2022-12/2023-01")) is None
    assert (
        within_year(columns, engine.value, export.with_flow("import"), Period.parse("2023-Q2"))
        is None
    )
    assert (
        within_year(columns, engine.value, export.with_flow("turnover"), Period.parse("2023-Q2"))
        is None
    )
    assert within_year(columns, engine.value, export, Period.parse("2023-Q2")) is not None


def test_spans_within_a_year_by_hand() -> None:
    rows = [
        obs(f"2023-{m:02d}", v, flow="export", flags=f)
        for m, v, f in (
            (1, 10.0, ""),
            (2, 20.0, ""),
            (3, 30.0, "estimate"),
            (4, 40.0, ""),
            (6, 60.0, ""),
        )
    ]
    rows += [
        obs("2023-01/2023-03", 100.0, flow="export"),
        obs("2023-01/2023-06", 400.0, flow="export"),
    ]
    rows += [obs(f"2023-{m:02d}", float(m - 3), flow="import") for m in (4, 5, 6)]
    rows += [obs("2023-01/2023-02", 50.0, flow="export", partner="KAZ")]
    rows += [obs("2023-01/2023-04", 20.0, flow="export", partner="KAZ")]
    data = frame(*rows)
    columns, engine = Columns(data), Engine(data)
    export = SeriesKey("AZE", "TJK", "export")

    def ask(key: SeriesKey, span: str) -> Answer:
        got = within_year(columns, engine.value, key, Period.parse(span))
        assert isinstance(got, BulkAnswer)
        _same(got, Engine(data).value(key, Period.parse(span)))
        return got

    # May is missing: Q2 is Jan..6 less Jan..3 (400 - 100), its flags those of both.
    q2 = ask(export, "2023-Q2")
    assert (q2.value, q2.rule, tuple(q2.signs)) == (300.0, DIFFERENCE, (1, -1))
    assert (q2.flags(), q2.notes) == ([], ())
    # April is a figure; Feb..Mar two months (the March estimate flags the sum).
    assert (ask(export, "2023-04").value, ask(export, "2023-04").rule) == (40.0, EXACT)
    feb_mar = ask(export, "2023-02/2023-03")
    assert (feb_mar.value, feb_mar.rule, len(feb_mar.parts)) == (50.0, TILED, 2)
    assert feb_mar.flags() == ["estimate"]
    # Q1 is its own Jan..3 figure; Jan..5 has no tiling (May), so May is not available.
    assert (ask(export, "2023-Q1").value, ask(export, "2023-Q1").rule) == (100.0, EXACT)
    assert ask(export, "2023-05").rule == NOT_AVAILABLE
    # Turnover without figures of its own: export + import (Q2 import: 1 + 2 + 3).
    turnover = ask(export.with_flow("turnover"), "2023-Q2")
    assert (turnover.value, turnover.rule) == (306.0, EXPORT_PLUS_IMPORT)
    assert ask(export.with_flow("turnover"), "2023-Q1").rule == NOT_AVAILABLE  # no import
    # KAZ: Jan..4 below Jan..2: Mar..Apr is a negative difference, noted.
    negative = ask(export.with_partner("KAZ"), "2023-03/2023-04")
    assert (negative.value, negative.rule, negative.notes) == (
        -30.0,
        DIFFERENCE,
        (NEGATIVE_DIFFERENCE,),
    )
