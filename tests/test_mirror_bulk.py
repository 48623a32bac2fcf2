"""``mirror`` from the columns (``analysis.mirror_bulk``): values and marks worked out by
hand, and the whole command equal to the reference engine's, byte for byte in every
format, on drawn datasets of pairs reporting on each other (gaps, revisions, figures
that agree, official statements, flagged figures, currencies, series the columns do not
take)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tests.test_bulk_engine import _bulk
from tradecli.analysis.mirror import MirrorResult, compare_mirrors, published_marks
from tradecli.dataset import Dataset, Filters
from tradecli.engine.answers import DIFFERENCE, EXACT, EXPORT_PLUS_IMPORT, TILED, Answer
from tradecli.engine.bulk import BulkAnswer, Columns
from tradecli.engine.reference import Engine
from tradecli.errors import NotAvailable
from tradecli.groups import load_bundled
from tradecli.periods import Period
from tradecli.render import OutputFormat, render

JAN, FEB = 2023 * 12, 2023 * 12 + 1


def _by_hand() -> list[dict[str, Any]]:
    """AZE–TJK, Jan and Feb 2023. AZE's exports: January published twice, 1.9 (step 0.1,
    an official's statement) and 1.92 (step 0.01, provisional): they agree, the more
    precise is the value, the flags are both figures' but the chosen one is no official
    statement; February 3.0, an official statement alone. AZE's imports: January 10.
    TJK's imports from AZE: January 2.5, February 3.5 (low-trust: left out unless
    flagged figures are included); TJK's exports: January 12."""
    return [
        obs("2023-01", 1.9, flow="export", step=0.1, flags="official-statement"),
        obs("2023-01", 1.92, flow="export", step=0.01, flags="provisional"),
        obs("2023-02", 3.0, flow="export", flags="official-statement"),
        obs("2023-01", 10.0, flow="import"),
        obs("2023-01", 2.5, flow="import", reporter="TJK", partner="AZE"),
        obs("2023-02", 3.5, flow="import", reporter="TJK", partner="AZE", flags="low-trust"),
        obs("2023-01", 12.0, flow="export", reporter="TJK", partner="AZE"),
    ]


def _rows(result: MirrorResult) -> list[tuple[Any, ...]]:
    return [
        (r.own.key.flow, r.period.first, r.own.value, r.mirror.value, r.own.rule, r.mirror.rule)
        for r in result.rows
    ]


def test_mirror_from_the_columns_by_hand() -> None:
    """January: export 1.92 ↔ 2.5, import 10 ↔ 12, turnover 1.92 + 10 ↔ 2.5 + 12 (export +
    import both sides). February: TJK's import is left out, so nothing to compare. The
    export's flags are both January figures'; how it was published is the chosen one's:
    not an official statement."""
    with _bulk(True):
        dataset = Dataset(frame(*_by_hand()), load_bundled(), [])
        result = compare_mirrors(dataset)
    assert all(isinstance(a, BulkAnswer) for r in result.rows for a in (r.own, r.mirror))
    assert _rows(result) == [
        ("export", JAN, 1.92, 2.5, EXACT, EXACT),
        ("import", JAN, 10.0, 12.0, EXACT, EXACT),
        ("turnover", JAN, 11.92, 14.5, EXPORT_PLUS_IMPORT, EXPORT_PLUS_IMPORT),
    ]
    export = result.rows[0]
    assert export.own.flags() == ["official-statement", "provisional"]
    assert export.published_as() == ([], [])
    assert [r.published_as() for r in result.rows] == [([], [])] * 3
    with _bulk(True):
        january = compare_mirrors(dataset, period=Period.month(JAN))
    assert _rows(january) == _rows(result)


def test_flagged_figures_and_spans_by_hand() -> None:
    """With flagged figures included, February compares too: 3.0 (an official statement)
    against 3.5 (low-trust), and their marks say so. Over Jan–Feb (--period) the export is
    the two months' sum (1.92 + 3.0) with both months' marks; AZE has no February import,
    so no turnover."""
    with _bulk(True):
        dataset = Dataset(frame(*_by_hand()), load_bundled(), [], Filters(include_flagged=True))
        every = compare_mirrors(dataset)
        span = compare_mirrors(dataset, period=Period(JAN, FEB))
    february = [r for r in every.rows if r.period.first == FEB]
    assert [(r.own.value, r.mirror.value) for r in february] == [(3.0, 3.5)]
    assert february[0].published_as() == (["official-statement"], ["low-trust"])
    assert _rows(span) == [("export", JAN, 1.92 + 3.0, 2.5 + 3.5, TILED, TILED)]
    assert span.rows[0].published_as() == (["official-statement"], ["low-trust"])
    # the reference's marks, from the answers' observations, are the same
    assert [published_marks(a) for a in (span.rows[0].own, span.rows[0].mirror)] == [
        ["official-statement"],
        ["low-trust"],
    ]


def test_the_chosen_figures_own_flags_by_hand() -> None:
    """``Columns.chosen_marks``: January's chosen figure (1.92) is provisional alone, while
    ``flags`` has the bits of both agreeing figures; February's bits are its own."""
    columns = Columns(frame(*_by_hand()))
    series = columns.number[columns.keys[0]]  # AZE–TJK export
    assert columns.keys[0].flow == "export"
    _, found, flags, _ = columns.month_vector(series)
    month_marks, _ = columns.chosen_marks(-1)  # every bit
    start = int(columns.row_bounds[series])
    row = start + int(np.searchsorted(columns.row_year[start:], JAN // 12))
    chosen = month_marks[row, JAN % 12 : JAN % 12 + 2]
    at = JAN - columns.first_month
    assert found[at : at + 2].tolist() == [True, True]
    assert columns.flag_words(int(flags[at])) == ("official-statement", "provisional")
    assert columns.flag_words(int(chosen[0])) == ("provisional",)
    assert columns.flag_words(int(chosen[1])) == ("official-statement",)


def test_jan_to_figures_and_differences_by_hand() -> None:
    """AZE's exports, 2023: January 1.0 (an official's statement) and a Jan–Feb figure
    published twice, 3.0 (an official's statement) and 3.3 (step 0.1, provisional): they
    agree, 3.3 is chosen. TJK's imports: January 1.5, February 2.0. The spans either side
    publishes: January, February (TJK's) and Jan–Feb (AZE's). AZE's February is Jan–Feb
    less January (3.3 − 1.0, rule 3), TJK's Jan–Feb the sum of its months. How each was
    published: by the chosen figures used, January's official statement in February's
    difference, none in Jan–Feb."""
    rows = [
        obs("2023-01", 1.0, flow="export", flags="official-statement"),
        obs("2023-01/2023-02", 3.0, flow="export", flags="official-statement"),
        obs("2023-01/2023-02", 3.3, flow="export", step=0.1, flags="provisional"),
        obs("2023-01", 1.5, flow="import", reporter="TJK", partner="AZE"),
        obs("2023-02", 2.0, flow="import", reporter="TJK", partner="AZE"),
    ]
    with _bulk(True):
        result = compare_mirrors(Dataset(frame(*rows), load_bundled(), []))
    assert all(isinstance(r.own, BulkAnswer) for r in result.rows)
    got = [
        (r.period, r.own.value, r.mirror.value, r.own.rule, r.mirror.rule, r.published_as())
        for r in result.rows
    ]
    assert got == [
        (Period.month(JAN), 1.0, 1.5, EXACT, EXACT, (["official-statement"], [])),
        (Period(JAN, FEB), 3.3, 1.5 + 2.0, EXACT, TILED, ([], [])),
        (Period.month(FEB), 3.3 - 1.0, 2.0, DIFFERENCE, EXACT, (["official-statement"], [])),
    ]
    assert result.rows[1].own.flags() == ["official-statement", "provisional"]
    with _bulk(False):
        reference = compare_mirrors(Dataset(frame(*rows), load_bundled(), []))
    assert [published_marks(r.own) for r in reference.rows] == [own for *_, (own, _) in got]


def test_turnover_over_a_span_across_a_year_end_by_hand() -> None:
    """Dec 2022–Jan 2023 (--period), each key a sum of two months of two calendar years.
    AZE publishes its turnover with TJK (5, 6) beside its exports (1, 2) and imports (3,
    4; December provisional): its turnover is its own figures' sum, 11, not exports plus
    imports. TJK publishes no turnover: exports (2.5, 3.5) plus imports (1.5, 2.5;
    January provisional), 6 + 4, with the imports' flag."""
    dec, jan = "2022-12", "2023-01"
    tjk = {"reporter": "TJK", "partner": "AZE"}
    rows = [
        obs(dec, 5.0, flow="turnover"),
        obs(jan, 6.0, flow="turnover"),
        obs(dec, 1.0, flow="export"),
        obs(jan, 2.0, flow="export"),
        obs(dec, 3.0, flow="import", flags="provisional"),
        obs(jan, 4.0, flow="import"),
        obs(dec, 2.5, flow="export", **tjk),
        obs(jan, 3.5, flow="export", **tjk),
        obs(dec, 1.5, flow="import", **tjk),
        obs(jan, 2.5, flow="import", flags="provisional", **tjk),
    ]
    with _bulk(True):
        span = Period.parse(f"{dec}/{jan}")
        result = compare_mirrors(Dataset(frame(*rows), load_bundled(), []), period=span)
    assert all(isinstance(a, BulkAnswer) for r in result.rows for a in (r.own, r.mirror))
    assert _rows(result) == [
        ("export", span.first, 1.0 + 2.0, 1.5 + 2.5, TILED, TILED),
        ("import", span.first, 3.0 + 4.0, 2.5 + 3.5, TILED, TILED),
        ("turnover", span.first, 5.0 + 6.0, 6.0 + 4.0, TILED, EXPORT_PLUS_IMPORT),
    ]
    assert [(r.own.flags(), r.mirror.flags()) for r in result.rows] == [
        ([], ["provisional"]),
        (["provisional"], []),
        ([], ["provisional"]),
    ]


# -- the command: from the columns and from the reference alone, the same bytes -----------

PAIRS = (("AZE", "TJK"), ("TJK", "AZE"), ("AZE", "KAZ"), ("KAZ", "AZE"), ("KAZ", "TJK"))
FLAGS = ("", "", "", "provisional", "official-statement", "low-trust", "suspect-unit")
DENSE_FLAGS = ("", "", "", "", "", "", "provisional", "official-statement", "low-trust")
DATES = ("", "2023-01-05", "2024-02-01")
VALUES = (1.0, 2.5, 10.04, 0.0, 1e6)
JAN_TO = ("2022", "2022-01/2022-06", "2022-01/2022-02", "2023-01/2023-03")  # Jan..m figures


@st.composite
def series_rows(
    draw: st.DrawFn,
    reporter: str,
    partner: str,
    flow: str,
    currency: str,
    gaps: int = 6,
    flags: tuple[str, ...] = FLAGS,
) -> list[dict[str, Any]]:
    """Months of Jan 2022..Jun 2023 (now and then of one of the years alone) with gaps;
    now and then a figure published again (that agrees or not), Jan..m figures beside the
    months (a year, a year to date; sometimes with an agreeing one), and rarely what the
    columns do not take (approximate, a quarter)."""
    start, end = draw(st.sampled_from(((0, 17), (0, 17), (0, 17), (0, 11), (12, 17))))
    months = set(range(start, end + 1)) - draw(st.sets(st.integers(0, 17), max_size=gaps))
    out = [
        obs(
            f"{2022 + t // 12}-{t % 12 + 1:02d}",
            draw(st.sampled_from(VALUES)),
            flow=flow,
            reporter=reporter,
            partner=partner,
            currency=currency,
            flags=draw(st.sampled_from(flags)),
            published=draw(st.sampled_from(DATES)),
        )
        for t in sorted(months)
    ]
    for _ in range(draw(st.integers(0, 2))):  # published again: agreeing (closer), or not
        first = draw(st.sampled_from(out)) if out else None
        if first is None:
            break
        again = dict(first)
        agreeing = draw(st.booleans())
        again["value"] += 0.3 if agreeing else 5.0
        again["step"] = 0.1 if agreeing else 1.0
        # the first figure an official's statement, the chosen one not, or the other way
        first["flags"] = draw(st.sampled_from(("official-statement", "low-trust", "")))
        again["flags"] = draw(st.sampled_from(FLAGS))
        again["published"] = draw(st.sampled_from(DATES))
        out.append(again)
    for span in draw(st.lists(st.sampled_from(JAN_TO), max_size=2)):  # beside the months
        cumulative = obs(
            span,
            draw(st.sampled_from((3.0, 12.5, 40.0))),
            flow=flow,
            reporter=reporter,
            partner=partner,
            currency=currency,
            flags=draw(st.sampled_from(FLAGS)),
            published=draw(st.sampled_from(DATES)),
        )
        out.append(cumulative)
        if draw(st.integers(0, 2)) == 0:  # an agreeing, more precise figure
            out.append({**cumulative, "value": cumulative["value"] + 0.3, "step": 0.1, "flags": ""})
    if out and draw(st.integers(0, 15)) == 0:  # not simple
        odd = dict(draw(st.sampled_from(out)))
        if draw(st.booleans()):
            odd["flags"] = "about"
        else:
            odd["first"], odd["last"] = Period.parse("2022-Q2")
        out.append(odd)
    return out


@st.composite
def mirrored(draw: st.DrawFn, dense: bool = False) -> list[dict[str, Any]]:
    """Some flows of some pairs, each direction drawn apart; a pair's currency is both
    sides' (USD or EUR), now and then one side's alone (CHF: nothing to compare).
    ``dense``: most flows, with at most two gaps each (spans of several months found
    on both sides)."""
    rows: list[dict[str, Any]] = []
    currencies = {
        frozenset(pair): draw(st.sampled_from(("USD", "USD", "USD", "EUR"))) for pair in PAIRS
    }
    for reporter, partner in PAIRS:
        one_sided = draw(st.integers(0, 5)) == 0
        for flow in ("export", "import", "turnover"):
            if draw(st.integers(0, 3 if dense else 2 if flow == "turnover" else 1)) == 0:
                continue
            currency = "CHF" if one_sided else currencies[frozenset((reporter, partner))]
            rows += draw(
                series_rows(reporter, partner, flow, currency, *((2, DENSE_FLAGS) if dense else ()))
            )
    return rows


def _outputs(data: Any, include_flagged: bool, ask: tuple[Any, ...]) -> list[object]:
    dataset = Dataset(data, load_bundled(), [], Filters(include_flagged=include_flagged))
    try:
        report = compare_mirrors(dataset, *ask).report()
    except NotAvailable as exc:  # nothing to compare: the same message
        return [str(exc)]
    return [render(report, fmt) for fmt in OutputFormat if fmt is not OutputFormat.xlsx] + [
        render(report, OutputFormat.table, explain=True)
    ]


ASKED = st.tuples(
    st.sampled_from((None, None, "AZE", "TJK")),
    st.sampled_from((None, None, "AZE", "KAZ")),
    st.sampled_from((None, None, "2022-03", "2022-Q1", "2023", "2022-12/2023-02", "2021-12")),
).map(lambda a: (a[0], a[1] if a[1] != a[0] else None, Period.parse(a[2]) if a[2] else None))


@settings(max_examples=20, deadline=None)
@given(mirrored(), st.booleans(), ASKED)
def test_mirror_prints_the_same_from_the_columns(
    drawn: list[dict[str, Any]], include_flagged: bool, ask: tuple[Any, ...]
) -> None:
    if not drawn:
        return
    data = frame(*drawn)
    with _bulk(False):
        reference = _outputs(data, include_flagged, ask)
    with _bulk(True):
        columnar = _outputs(data, include_flagged, ask)
    assert columnar == reference


def test_the_mirror_property_reaches_the_columns() -> None:
    """Most drawn comparisons are made from the columns, some with Jan..m spans or
    months worked out as differences (else the property would compare the reference
    with itself)."""
    counts = [0, 0, 0]

    @settings(max_examples=10, deadline=None, derandomize=True)
    @given(mirrored())
    def count(drawn: list[dict[str, Any]]) -> None:
        if not drawn:
            return
        with _bulk(True):
            dataset = Dataset(frame(*drawn), load_bundled(), [])
            try:
                rows = compare_mirrors(dataset).rows
            except NotAvailable:
                return
        columnar = [r for r in rows if isinstance(r.own, BulkAnswer)]
        counts[0] += len(columnar)
        counts[1] += len(rows)
        counts[2] += sum(r.period.first != r.period.last for r in columnar)

    count()
    assert counts[0] > counts[1] / 2 > 0
    assert counts[2] > 0


# Every pair: spans of one month, of months across a year end, a Jan..m span, none.
SPANS = ("2022-03", "2022-Q1", "2022-12/2023-02", "2023-01/2023-03", "2022-02/2022-06")


@settings(max_examples=25, deadline=None)
@given(mirrored(dense=True), st.booleans(), st.sampled_from((None, None, None, *SPANS)))
def test_each_answer_from_the_columns_is_the_references(
    drawn: list[dict[str, Any]], include_flagged: bool, span: str | None
) -> None:
    """Each figure of a row made from the columns is the reference engine's answer to the
    same question (value, rule, parts, signs, notes, flags), and how it was published its
    ``published_marks``: what the printed outputs do not show (the rule, the parts), and
    JSON reads from the reference itself, is compared here."""
    if not drawn:
        return
    data = frame(*drawn)
    with _bulk(True):
        dataset = Dataset(data, load_bundled(), [], Filters(include_flagged=include_flagged))
        try:
            rows = compare_mirrors(dataset, period=Period.parse(span) if span else None).rows
        except NotAvailable:
            return
    reference = Engine(data, include_flagged)

    def seen(answer: Answer) -> tuple[Any, ...]:
        return (
            answer.key,
            answer.period,
            answer.value,
            answer.rule,
            len(answer.parts),
            tuple(answer.signs),
            answer.notes,
            answer.flags(),
        )

    for row in rows:
        if not isinstance(row.own, BulkAnswer):
            continue
        own, mirror = (reference.value(a.key, a.period) for a in (row.own, row.mirror))
        assert (seen(row.own), seen(row.mirror)) == (seen(own), seen(mirror))
        assert row.published_as() == (published_marks(own), published_marks(mirror))
