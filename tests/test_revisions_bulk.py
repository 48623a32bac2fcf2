"""``tradecli revisions`` from the columns (``analysis.revisions_bulk``): the months two
vintages both publish and which of them differ, by hand, and the whole report equal to
the reference engine's on drawn datasets (revisions, conflicts, approximate figures,
cumulative spans, published dates), as first published and against a vintage. The
derived answers that moved, asked with the bulk helper (``engine.masks``: which answers
each vintage finds, and group totals summed over the members found): the shares of a
published world total and of a complete member sum by hand, and the report equal to the
reference's on drawn data where such totals exist."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tests.test_bulk_engine import (
    DATES,
    FLOWS,
    VALUES,
    _bulk,
    _outputs,
    _same_with_and_without_bulk,
    datasets,
)
from tradecli.analysis.revisions import (
    KEY_COLUMNS,
    TOLERANCE,
    _rows_at,
    as_first_published,
    revisions,
)
from tradecli.analysis.revisions_bulk import HeldSpans, simple_revisions
from tradecli.dataset import Dataset
from tradecli.engine.answers import SeriesKey
from tradecli.engine.bulk import Columns
from tradecli.engine.reference import Engine
from tradecli.groups import load_bundled
from tradecli.periods import Period
from tradecli.render import Report

KAZ = SeriesKey("AZE", "KAZ", "export")
TJK = SeriesKey("AZE", "TJK", "export")
DEU = SeriesKey("AZE", "DEU", "export")
UZB = SeriesKey("AZE", "UZB", "export")


def test_the_spans_both_vintages_publish_and_those_that_differ_by_hand() -> None:
    """Earlier: TJK Jan 10, Feb 5, the year 2022 100, Jan–Jul 70; UZB Q1 9; DEU Q2 30.
    Later: TJK Jan 12 (revised), Feb 5 and a billionth more (the same figure: within 1e-9
    of it, relative), Mar 7 (first published), 2022 101 (revised: a year), Jan–Jul 70 (the
    same), Jan–Aug 80 (first published); UZB Q1 9.5 (revised: Jan–Mar, a year to date);
    DEU Q2 31 (not from January: left to the reference); KAZ Jan 1 (a series the earlier
    vintage has not: first published)."""
    earlier = frame(
        obs("2023-01", 10.0, partner="TJK", flow="export"),
        obs("2023-02", 5.0, partner="TJK", flow="export"),
        obs("2022", 100.0, partner="TJK", flow="export"),
        obs("2023-01/2023-07", 70.0, partner="TJK", flow="export"),
        obs("2023-Q1", 9.0, partner="UZB", flow="export"),
        obs("2023-Q2", 30.0, partner="DEU", flow="export"),
    )
    later = frame(
        obs("2023-01", 12.0, partner="TJK", flow="export"),
        obs("2023-02", 5.0 + 1e-9, partner="TJK", flow="export"),
        obs("2023-03", 7.0, partner="TJK", flow="export"),
        obs("2022", 101.0, partner="TJK", flow="export"),
        obs("2023-01/2023-07", 70.0, partner="TJK", flow="export"),
        obs("2023-01/2023-08", 80.0, partner="TJK", flow="export"),
        obs("2023-Q1", 9.5, partner="UZB", flow="export"),
        obs("2023-Q2", 31.0, partner="DEU", flow="export"),
        obs("2023-01", 1.0, partner="KAZ", flow="export"),
    )
    keys = [DEU, KAZ, TJK, UZB]
    found = simple_revisions(Columns(earlier), Columns(later), keys, TOLERANCE)
    assert sorted(found.revised) == [
        (TJK, Period.parse("2022")),
        (TJK, Period.parse("2023-01")),
        (UZB, Period.parse("2023-Q1")),
    ]
    assert found.first_published == 3  # TJK March and Jan–Aug, KAZ January
    assert found.rest == [DEU]


def _revisions(before: str | None) -> Any:
    def make(dataset: Dataset) -> Report:
        report: Report = revisions(dataset, before).report()
        return report

    return make


@settings(max_examples=15, deadline=None)
@given(datasets, st.sampled_from((None, *(d for d in DATES if d))))
def test_revisions_print_the_same_from_the_columns(drawn: Any, before: str | None) -> None:
    if drawn:
        _same_with_and_without_bulk(_revisions(before), frame(*drawn))


def _shares(before: str | None, *rows: dict[str, Any]) -> dict[tuple[str, str, str], tuple]:
    """(partner, group, span) → (old, new) of each share that moved, with the bulk helper
    and without it (the reference alone): the same."""
    found = []
    for on in (True, False):
        with _bulk(on):
            result = revisions(Dataset(frame(*rows), load_bundled(), []), before)
        found.append(
            {
                (m.key.partner, m.group or "", m.period.iso()): (m.old_value, m.new_value)
                for m in result.moved
                if m.measure == "share"
            }
        )
    assert found[0] == found[1]
    return found[0]


def test_shares_of_a_published_world_total_and_a_complete_member_sum_by_hand() -> None:
    """AZE exports, known on 2023-03-01: January TJK 10, KAZ 20, KGZ 30, TKM 40, UZB 50
    (central-asia complete: 150), WORLD 1000; February TJK 5, the other four 1 each (9);
    March TJK 7, KAZ, KGZ and TKM 1 each, UZB none. Later TJK January is 12, February 6,
    March 8, and a February WORLD total (500) and UZB's March (1) are published.
    Moved: TJK's share of world in January (its total unchanged); every member's share of
    central-asia in January and February (the sum moved with TJK). Not: February's world
    share and March's central-asia shares (the earlier vintage had no such total; as
    first published it had: they moved), cis, cis-stat, speca (members without a figure:
    their sums are not totals). And KAZ: TJK Q1 30, later 33; WORLD months of Q1 100 each,
    later also a WORLD Q1 of 310: the old share is over the later vintage's total (30 of
    310), not the earlier's (300, the months), which has one too. And TUR, in euros: April
    1 to each member (5), later TJK 2 (6): its member sums are complete in EUR."""
    early, late = "2023-02-20", "2023-04-01"

    def row(
        period: str,
        value: float,
        partner: str,
        published: str = early,
        reporter: str = "AZE",
        currency: str = "USD",
    ) -> dict[str, Any]:
        return obs(
            period,
            value,
            reporter=reporter,
            partner=partner,
            flow="export",
            published=published,
            currency=currency,
        )

    others = {"KAZ": 20.0, "KGZ": 30.0, "TKM": 40.0, "UZB": 50.0}
    rows = [
        row("2023-01", 10.0, "TJK"),
        row("2023-01", 12.0, "TJK", late),
        row("2023-02", 5.0, "TJK"),
        row("2023-02", 6.0, "TJK", late),
        row("2023-01", 1000.0, "WORLD"),
        row("2023-02", 500.0, "WORLD", late),
        *(row("2023-01", v, p) for p, v in others.items()),
        *(row("2023-02", 1.0, p) for p in others),
        row("2023-03", 7.0, "TJK"),
        row("2023-03", 8.0, "TJK", late),
        *(row("2023-03", 1.0, p, early if p != "UZB" else late) for p in others),
        row("2023-Q1", 30.0, "TJK", reporter="KAZ"),
        row("2023-Q1", 33.0, "TJK", late, reporter="KAZ"),
        *(row(f"2023-{m:02d}", 100.0, "WORLD", reporter="KAZ") for m in (1, 2, 3)),
        row("2023-Q1", 310.0, "WORLD", late, reporter="KAZ"),
        *(row("2023-04", 1.0, p, reporter="TUR", currency="EUR") for p in CENTRAL_ASIA),
        row("2023-04", 2.0, "TJK", late, reporter="TUR", currency="EUR"),
    ]
    jan, feb, mar = "2023-01", "2023-02", "2023-03"
    expected = {
        ("TJK", "world", jan): (10 / 1000, 12 / 1000),
        ("TJK", "world", Period.parse("2023-Q1").iso()): (30 / 310, 33 / 310),
        ("TJK", "central-asia", jan): (10 / 150, 12 / 152),
        ("TJK", "central-asia", feb): (5 / 9, 6 / 10),
        **{(p, "central-asia", jan): (v / 150, v / 152) for p, v in others.items()},
        **{(p, "central-asia", feb): (1 / 9, 1 / 10) for p in others},
        ("TJK", "central-asia", "2023-04"): (1 / 5, 2 / 6),
        **{(p, "central-asia", "2023-04"): (1 / 5, 1 / 6) for p in others},
    }
    assert _shares("2023-03-01", *rows) == expected
    # As first published, February's world total and UZB's March are their first figures.
    expected["TJK", "world", feb] = (5 / 500, 6 / 500)
    expected["TJK", "central-asia", mar] = (7 / 11, 8 / 12)
    expected.update({(p, "central-asia", mar): (1 / 11, 1 / 12) for p in others})
    assert _shares(None, *rows) == expected


def test_shares_over_totals_read_without_a_revised_figure_in_them_by_hand() -> None:
    """Exports known on 2023-03-01: AZE's January WORLD 1000, TJK 10, DEU 50; TUR's
    February CIS total 100, TJK 10. Later AZE's WORLD January is 800 and TUR's TJK
    February 12; KAZ's exports to TJK beside. Moved: AZE's January world shares of TJK
    and DEU, neither revised (the bulk path reads their series for the revised total),
    and TUR's February TJK shares of the CIS total, not revised itself, under both
    variants with that code (cis, cis-stat). Not: central-asia and speca (members
    without figures, no total)."""
    early, late = "2023-02-20", "2023-04-01"

    def row(
        period: str, value: float, partner: str, published: str = early, reporter: str = "AZE"
    ) -> dict[str, Any]:
        return obs(
            period, value, reporter=reporter, partner=partner, flow="export", published=published
        )

    rows = [
        row("2023-01", 1000.0, "WORLD"),
        row("2023-01", 800.0, "WORLD", late),
        row("2023-01", 10.0, "TJK"),
        row("2023-01", 50.0, "DEU"),
        row("2023-02", 100.0, "CIS", reporter="TUR"),
        row("2023-02", 10.0, "TJK", reporter="TUR"),
        row("2023-02", 12.0, "TJK", late, reporter="TUR"),
        row("2023-01", 5.0, "TJK", reporter="KAZ"),
    ]
    assert _shares("2023-03-01", *rows) == {
        ("TJK", "world", "2023-01"): (10 / 1000, 10 / 800),
        ("DEU", "world", "2023-01"): (50 / 1000, 50 / 800),
        ("TJK", "cis", "2023-02"): (10 / 100, 12 / 100),
        ("TJK", "cis-stat", "2023-02"): (10 / 100, 12 / 100),
    }


CENTRAL_ASIA = ("KAZ", "KGZ", "TJK", "TKM", "UZB")


@st.composite
def group_trade(draw: st.DrawFn) -> list[dict[str, Any]]:
    """AZE's exports to (or imports from) each central-asia member and the world (WORLD):
    Jan–Mar 2023 in dollars or euros, with a hole now and then, sometimes a quarter or a
    month of 2022, on drawn publication dates, some published again with another value;
    central-asia totals that are complete member sums in some months, world totals
    published in some."""
    out: list[dict[str, Any]] = []
    flow = draw(st.sampled_from(("export", "import")))
    currency = draw(st.sampled_from(("USD", "EUR")))
    for partner in (*CENTRAL_ASIA, "WORLD"):
        holes = draw(st.sets(st.integers(1, 3), max_size=1)) if draw(st.booleans()) else set()
        spans = [f"2023-{m:02d}" for m in range(1, 4) if m not in holes]
        spans += draw(st.lists(st.sampled_from(("2023-Q1", "2022-01")), max_size=1))
        for period in spans:
            for _ in range(draw(st.integers(1, 2))):
                value = draw(st.sampled_from(VALUES))
                published = draw(st.sampled_from(DATES))
                out.append(
                    obs(
                        period,
                        value,
                        partner=partner,
                        flow=flow,
                        published=published,
                        currency=currency,
                    )
                )
    return out


@settings(max_examples=10, deadline=None)
@given(group_trade(), st.sampled_from((None, "2023-01-05")))
def test_moved_shares_print_the_same_with_the_bulk_helper(
    drawn: list[dict[str, Any]], before: str | None
) -> None:
    _same_with_and_without_bulk(_revisions(before), frame(*drawn))


@st.composite
def world_trade(draw: st.DrawFn) -> list[dict[str, Any]]:
    """AZE's trade in one drawn flow with TJK, KAZ and DEU, the CIS total and the world
    total (WORLD) in January and February 2023 and the year 2022, each span published
    once or twice on drawn dates. A revised partner moves its shares of the CIS and world
    totals, a revised total the shares of every partner (series the derived answers read
    with no revised figure in them); KAZ's trade with TJK beside, which they never read."""
    out: list[dict[str, Any]] = []
    flow = draw(st.sampled_from(FLOWS))
    pairs = [("AZE", p) for p in ("TJK", "KAZ", "DEU", "CIS", "WORLD")] + [("KAZ", "TJK")]
    for reporter, partner in pairs:
        for period in draw(st.lists(st.sampled_from(("2023-01", "2023-02", "2022")), unique=True)):
            for _ in range(draw(st.integers(1, 2))):
                out.append(
                    obs(
                        period,
                        draw(st.sampled_from(VALUES)),
                        reporter=reporter,
                        partner=partner,
                        flow=flow,
                        published=draw(st.sampled_from(DATES[1:])),
                    )
                )
    return out


@settings(max_examples=10, deadline=None)
@given(world_trade(), st.sampled_from((None, "2023-01-05")))
def test_revisions_from_the_rows_they_read_print_the_same(
    drawn: list[dict[str, Any]], before: str | None
) -> None:
    """The bulk path answers from engines over the rows of the series the answers read
    (``revisions._readable``): the report is the reference's, over every row."""
    _same_with_and_without_bulk(_revisions(before), frame(*drawn))


def _first_published_by_pandas(data: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Each series and span's rows of its earliest publication date, undated rows left
    out, by a pandas group-by of the texts."""
    dated = data[data["published"].astype(str) != ""]
    published = dated["published"].astype(str)
    first = published.groupby([dated[k] for k in KEY_COLUMNS], observed=True).transform("min")
    kept = dated[published == first]
    left_out = {
        "published later than the first figure of its span": len(dated) - len(kept),
        "no publication date": len(data) - len(dated),
    }
    return kept.reset_index(drop=True), {k: v for k, v in left_out.items() if v}


@settings(max_examples=15, deadline=None)
@given(datasets)
def test_rows_as_first_published_are_those_of_a_group_by(drawn: list[dict[str, Any]]) -> None:
    """``as_first_published`` (integers) keeps the rows a group-by of the texts keeps, in
    frame order, and counts the same rows left out; on the loaded frame (categorical
    texts) and on plain texts."""
    data = frame(*drawn) if drawn else frame(obs("2023-01", 1.0))
    for texts in (data, data.astype({"published": str})):
        kept, left_out = as_first_published(texts)
        expected, expected_left_out = _first_published_by_pandas(texts)
        pd.testing.assert_frame_equal(kept, expected)
        assert left_out == expected_left_out


@st.composite
def simple_trade(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Drawn rows (``datasets``) beside the series the arrays answer: GEO's exports to and
    imports from ARM, months of 2022 and Jan–Jun 2023 (a hole now and then), first
    published on 2022-05-01 or 2023-01-05, some published again on 2024-02-01 with
    another value; February 2023's export always (from 10 to 12: its change on a
    February 2022 of 10 moves); sometimes a Jan–Mar 2023 figure beside the months (a
    simple series that is not months alone), sometimes turnover months of its own."""
    out = list(draw(datasets))
    flows = ["export", "import"] + (["turnover"] if draw(st.booleans()) else [])
    months = [f"2022-{m:02d}" for m in range(1, 13)] + [f"2023-{m:02d}" for m in range(1, 7)]
    for flow in flows:
        spans = [m for m in months if m in ("2022-02", "2023-02") or draw(st.integers(0, 5))]
        if flow != "turnover" and draw(st.booleans()):
            spans.append("2023-01/2023-03")
        for span in spans:
            first = draw(st.sampled_from(DATES[1:3]))
            value = 10.0 if span in ("2022-02", "2023-02") else draw(st.sampled_from(VALUES))
            row = {"reporter": "GEO", "partner": "ARM", "flow": flow}
            flags = draw(st.sampled_from(("", "", "provisional")))
            out.append(obs(span, value, flags=flags, published=first, **row))
            if (flow, span) == ("export", "2023-02") or not draw(st.integers(0, 3)):
                again = (
                    12.0 if (flow, span) == ("export", "2023-02") else draw(st.sampled_from(VALUES))
                )
                out.append(obs(span, again, published=DATES[3], **row))
    return out


@contextmanager
def _columns_read() -> Iterator[list[Any]]:
    """The columnar path with the dataset's own (reference) engines, for any number of
    series; what ``read_moved`` read, gathered."""
    from tradecli.analysis import revisions_bulk
    from tradecli.engine import bulk

    read: list[Any] = []
    reader, saved, env = revisions_bulk.read_moved, bulk.MIN_SERIES, os.environ.pop(bulk.ENV, None)

    def spy(*args: Any) -> Any:
        read.append(reader(*args))
        return read[-1]

    revisions_bulk.read_moved, bulk.MIN_SERIES = spy, 0
    try:
        yield read
    finally:
        revisions_bulk.read_moved, bulk.MIN_SERIES = reader, saved
        if env is not None:
            os.environ[bulk.ENV] = env


@settings(max_examples=8, deadline=None)
@given(simple_trade(), st.sampled_from((None, "2023-01-05")))
def test_moved_values_and_changes_read_off_the_arrays_print_the_same(
    drawn: list[dict[str, Any]], before: str | None
) -> None:
    """The moved values and changes of simple keys are read off the years' arrays
    (``revisions_bulk.read_moved``), of the columns of the reference engines' frames and
    of the bulk backend's: the report is the reference's, and GEO's February 2023 export
    change moved there."""
    data = frame(*drawn)
    with _bulk(False):
        scalar = _outputs(_revisions(before), data)
    with _columns_read() as read:
        assert _outputs(_revisions(before), data) == scalar
    assert sum(int((r.held & r.moved).sum()) for r in read) >= 1
    with _bulk(True):
        assert _outputs(_revisions(before), data) == scalar


def test_a_month_of_turnover_with_spans_of_its_own_is_not_export_plus_import_by_hand() -> None:
    """GEO's exports to ARM: March 2022 10, March 2023 20, later 22; imports 5 both
    Marches; turnover of its own: March 2022 15, and 2023 January 1, February 2 and
    Jan–Mar 30 (March: 27, a difference, before export + import). Moved: the export
    change of March 2023 (+100% → +120%), read off the arrays; not the turnover's
    (27 on 15 either way: export + import, 25 and 27, would have moved)."""
    row = {"reporter": "GEO", "partner": "ARM"}
    data = frame(
        obs("2022-03", 10.0, flow="export", published="2022-05-01", **row),
        obs("2023-03", 20.0, flow="export", published="2023-05-01", **row),
        obs("2023-03", 22.0, flow="export", published="2023-06-01", **row),
        obs("2022-03", 5.0, flow="import", published="2022-05-01", **row),
        obs("2023-03", 5.0, flow="import", published="2023-05-01", **row),
        obs("2022-03", 15.0, published="2022-05-01", **row),
        obs("2023-01", 1.0, published="2023-05-01", **row),
        obs("2023-02", 2.0, published="2023-05-01", **row),
        obs("2023-01/2023-03", 30.0, published="2023-05-01", **row),
    )
    with _columns_read() as read:
        result = revisions(Dataset(data, load_bundled(), []), None)
    moved = [
        (m.key.flow, m.measure, m.period.iso(), m.old_value, m.new_value) for m in result.moved
    ]
    assert moved == [("export", "growth", "2023-03", 20 / 10 - 1, 22 / 10 - 1)]
    assert [int((r.held & r.moved).sum()) for r in read] == [1]


@settings(max_examples=15, deadline=None)
@given(datasets, st.data())
def test_the_rows_of_revised_spans_are_those_a_multi_index_finds(
    drawn: list[dict[str, Any]], data: st.DataObject
) -> None:
    """``revisions._rows_at`` (integers) marks the rows pandas finds by their six key
    columns, for spans of the data and spans it has not."""
    rows = frame(*drawn) if drawn else frame(obs("2023-01", 1.0))
    spans = {
        (SeriesKey(*t[:4]), Period(t[4], t[5])) for t in rows[KEY_COLUMNS].itertuples(index=False)
    }
    spans |= {
        (TJK, Period.parse("2030-01")),
        (SeriesKey("GEO", "ARM", "export"), Period.parse("2023-01")),
    }
    asked = data.draw(st.lists(st.sampled_from(sorted(spans)), unique=True))
    expected = pd.MultiIndex.from_frame(rows[KEY_COLUMNS].astype(object)).isin(
        [(*key, span.first, span.last) for key, span in asked]
    )
    assert _rows_at(rows, asked).tolist() == expected.tolist()


def _spans_asked(engine: Engine) -> list[tuple[SeriesKey, Period]]:
    """Every span of every series of ``engine``'s data, and spans it has not: a month
    and a year outside the data, a span across a year end, a series without rows and
    turnover that is export + import alone."""
    keys = engine.keys()
    asked = [(key, span) for key in keys for span in engine.periods(key)]
    others = [Period.parse(p) for p in ("2030-01", "2019", "2022-12/2023-01", "2023-01")]
    asked += [(key, span) for key in keys for span in others]
    asked += [(SeriesKey("GEO", "ARM", "export"), Period.parse("2023-01"))]
    asked += [(k.with_flow("turnover"), Period.parse("2023-01")) for k in keys]
    return asked


@settings(max_examples=25, deadline=None)
@given(datasets)
def test_the_figures_looked_up_at_once_are_rule_one_answers(drawn: list[dict[str, Any]]) -> None:
    """``Engine.figures``: for a span of the data, the answer ``value`` gives (rule 1, the
    span's reconciled figure, asked of another engine over the same rows), and the one
    ``value`` gives after it; None for any other question."""
    data = frame(*drawn)
    asked = _spans_asked(Engine(data))
    engine, reference = Engine(data), Engine(data)
    figures = engine.figures(asked)
    expected = [
        reference.value(key, span) if span in reference.periods(key) else None
        for key, span in asked
    ]
    assert figures == expected
    assert all(a is None or a.rule == "exact" for a in figures)
    assert all(
        a is None or engine.value(key, span) is a
        for (key, span), a in zip(asked, figures, strict=True)
    )


@settings(max_examples=25, deadline=None)
@given(simple_trade())
def test_months_read_off_the_columns_are_the_reference_answers(drawn: list[dict[str, Any]]) -> None:
    """``HeldSpans`` of every month of every key (turnover too): each month it holds and
    finds is answered with the reference engine's value, rule, parts, flags and notes, a
    month of a key with Jan..m figures (its own, a difference, export + import: GEO's
    Jan–Mar 2023) as much as one of single months alone."""
    data = frame(*drawn)
    engine = Engine(data)
    keys = engine.keys()
    keys += [k.with_flow("turnover") for k in keys if k.flow == "export"]
    months = [m for year in (2021, 2022, 2023) for m in range(year * 12, year * 12 + 12)]
    key = np.repeat(np.arange(len(keys), dtype=np.int64), len(months))
    month = np.tile(np.array(months, dtype=np.int64), len(keys))
    held = HeldSpans(engine, keys, key, month, month)
    reference = Engine(data)
    for i in np.flatnonzero(held.held).tolist():
        expected = reference.value(keys[int(key[i])], Period.month(int(month[i])))
        assert bool(held.found[i]) == expected.found
        if not expected.found:
            continue
        got = held.answer(i)
        assert (got.value, got.rule, len(got.parts), got.notes) == (
            expected.value,
            expected.rule,
            len(expected.parts),
            expected.notes,
        )
        assert (got.flags(), got.qualifiers) == (expected.flags(), expected.qualifiers)


@settings(max_examples=25, deadline=None)
@given(simple_trade())
def test_spans_from_january_read_off_the_columns_are_the_reference_answers(
    drawn: list[dict[str, Any]],
) -> None:
    """``HeldSpans`` of every Jan..m span (a full year too) of every key, turnover too,
    asked beside single months (the years' arrays are made for the keys asked such a
    span alone): each it holds and finds is answered with the reference engine's value,
    rule, parts, flags and notes; one it does not find, not found by the reference."""
    data = frame(*drawn)
    engine = Engine(data)
    keys = engine.keys()
    keys += [k.with_flow("turnover") for k in keys if k.flow == "export"]
    spans = [Period.ytd(y, m) for y in (2021, 2022, 2023) for m in range(1, 13)]
    # Half the keys asked a span from January, all asked a month: numbered apart.
    asked = [(k, p) for n, k in enumerate(keys) for p in spans if n % 2 == 0]
    asked += [(k, Period.month(p.last)) for k in keys for p in spans]
    key = np.array([keys.index(k) for k, _ in asked], dtype=np.int64)
    first = np.array([p.first for _, p in asked], dtype=np.int64)
    last = np.array([p.last for _, p in asked], dtype=np.int64)
    held = HeldSpans(engine, keys, key, first, last)
    reference = Engine(data)
    for i in np.flatnonzero(held.held).tolist():
        expected = reference.value(*asked[i])
        assert bool(held.found[i]) == expected.found
        if not expected.found:
            continue
        got = held.answer(i)
        assert (got.period, got.value, got.rule, len(got.parts), got.notes) == (
            expected.period,
            expected.value,
            expected.rule,
            len(expected.parts),
            expected.notes,
        )
        assert (got.flags(), got.qualifiers) == (expected.flags(), expected.qualifiers)
