"""The engine's quick paths give exactly what the plain paths give.

Spans are reconciled with numpy where no two figures agree (``decide_disagreeing``),
one by one with ``decide`` otherwise, and their observations are built only when
asked for; group values are worked out once; a report builds its JSON payload and
its derivation only for the output that shows them. Each is checked here against
the plain computation: ``reconcile(records(...))``, a fresh engine, ``to_dict``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tradecli.analysis.share import Share
from tradecli.analysis.summary import summarize
from tradecli.dataset import Dataset
from tradecli.engine.answers import SeriesKey
from tradecli.engine.reference import Engine
from tradecli.engine.spans import _ints, _Months
from tradecli.groups import ALL_PARTNERS, Group, Membership
from tradecli.observations import records
from tradecli.periods import Period
from tradecli.reconcile import (
    MAX_QUICK,
    REASON_CODES,
    Figure,
    _agree,
    decide,
    decide_disagreeing,
    reconcile,
    reconcile_span,
)
from tradecli.render import OutputFormat, Report, render
from tradecli.selection import Selection

SPANS = ("2022", "2022-01", "2022-02", "2022-Q1", "2023-01/2023-07")
FLAGS = ("", "about", "over; provisional", "official-statement", "low-trust", "about; suspect-unit")
DATES = ("", "2023-01-05", "2023-06-30", "2024-02-01")
STEPS = (1.0, 10.0, 1e3, 1e5)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    """One observation; values from a small set so that figures often agree or tie."""
    step = draw(st.sampled_from(STEPS))
    value = draw(st.sampled_from((1e6, 1.0000004e6, 1.00005e6, 1.2e6, 0.0))) + draw(
        st.sampled_from((0.0, 0.4, 3.0, 60.0))
    )
    return obs(
        draw(st.sampled_from(SPANS)),
        value,
        flow=draw(st.sampled_from(("export", "import"))),
        partner=draw(st.sampled_from(("TJK", "KAZ"))),
        step=step,
        flags=draw(st.sampled_from(FLAGS)),
        published=draw(st.sampled_from(DATES)),
        url=f"u{draw(st.integers(0, 3))}",
    )


@settings(max_examples=50, deadline=None)
@given(st.lists(rows(), min_size=1, max_size=40), st.booleans())
def test_the_engine_reconciles_every_span_as_reconcile_does(
    drawn: list[dict[str, Any]], include_flagged: bool
) -> None:
    data = frame(*drawn)
    engine = Engine(data, include_flagged)
    for key in engine.keys():
        plain = engine.table(key).spans  # reconcile(records(...)), eager
        assert engine.periods(key) == list(plain)
        for period, expected in plain.items():
            quick = engine.value(key, period).reconciled
            assert quick is not None
            # Known at once, without observations:
            assert quick.value == expected.value
            assert quick.qualifier == expected.qualifier
            assert quick.reason == expected.reason
            assert quick.conflict == expected.conflict
            # Built on demand, the same observations in the same order:
            assert quick == expected
            assert quick.sources == expected.sources
            assert quick.superseded == expected.superseded


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.sampled_from((5.0, 5.04, 5.2, 6.0, 9.0)),
                st.sampled_from((0.1, 0.5, 1.0)),
                st.booleans(),
                st.booleans(),
                st.integers(0, 2),
            ),
            min_size=1,
            max_size=6,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_deciding_many_spans_at_once_is_deciding_each(
    spans: list[list[tuple[float, float, bool, bool, int]]],
) -> None:
    flat = [row for span in spans for row in span]
    bounds = np.cumsum([0, *(len(s) for s in spans)]).astype(np.int64)
    value = np.array([r[0] for r in flat])
    step = np.array([r[1] for r in flat])
    exact = np.array([r[2] for r in flat])
    official = np.array([r[3] for r in flat])
    published = np.array([r[4] for r in flat], dtype=np.int64)
    winner, reason = decide_disagreeing(bounds, value, step, exact, official, published)
    for g, span in enumerate(spans):
        figures = [Figure(v, s, (e, not o, f"2023-0{p + 1}", -s)) for v, s, e, o, p in span]
        expected = decide(figures)
        if winner[g] < 0:
            # Left to ``decide`` only when two of the figures agree.
            assert any(
                _agree(a.value, a.step, b.value, b.step)
                for i, a in enumerate(figures)
                for b in figures[i + 1 :]
            )
            continue
        assert winner[g] - bounds[g] == expected.chosen
        assert expected.winning == (expected.chosen,)
        assert REASON_CODES[reason[g]] == expected.reason


def test_a_span_whose_figures_agree_is_clustered() -> None:
    engine = Engine(
        frame(
            obs("2022", 1.9e9, step=1e8, published="2024-05-01", url="u1"),
            obs("2022", 1.92e9, step=1e7, url="u2"),
            obs("2022", 2.5e9, step=1e8, flags="about", url="u3"),
        )
    )
    rec = engine.value(SeriesKey("AZE", "TJK", "turnover"), Period.parse("2022")).reconciled
    expected = reconcile(records(engine.frame)).spans[Period.parse("2022")]
    assert rec is not None and rec.value == 1.92e9 and rec.conflict
    assert rec == expected and rec.sources == expected.sources


def test_reconciled_observations_are_built_once() -> None:
    observations = records(frame(obs("2022", 5.0), obs("2022", 7.0, published="2024-01-01")))
    eager = reconcile_span(Period.parse("2022"), observations)
    assert eager.value == 7.0 and eager.superseded == (observations[0],)
    assert eager.chosen is eager.chosen and hash(eager) == hash(eager)


# -- group values: once per question ---------------------------------------------------------


def _group(name: str, code: str, *members: str) -> Group:
    every = (Membership(m, 0, 9999 * 12 + 11, "") for m in members)
    return Group(name, code, tuple(every), "test")


def test_a_group_value_is_worked_out_once_and_equals_a_fresh_engines() -> None:
    data = frame(
        obs("2022", 5.0, partner="TJK"),
        obs("2022", 7.0, partner="KAZ"),
        obs("2022-01", 1.0, partner="KAZ"),
        obs("2022", 100.0, partner="CIS"),
    )
    groups = [
        _group("pair", "", "TJK", "KAZ"),
        _group("with-missing", "", "TJK", "KAZ", "UZB"),
        _group("cis", "CIS", "TJK", "KAZ"),
        _group("world", "", ALL_PARTNERS),
    ]
    engine = Engine(data, group_codes=frozenset({"CIS"}))
    for group in groups:
        for span in ("2022", "2022-01", "2023"):
            period = Period.parse(span)
            first = engine.group_value("AZE", group, "turnover", period)
            assert engine.group_value("AZE", group, "turnover", period) is first
            fresh = Engine(data, group_codes=frozenset({"CIS"}))
            assert fresh.group_value("AZE", group, "turnover", period) == first
    # Groups that differ only in their members are different questions.
    narrow = engine.group_value("AZE", _group("x", "", "TJK"), "turnover", Period.parse("2022"))
    wide = engine.group_value(
        "AZE", _group("x", "", "TJK", "KAZ"), "turnover", Period.parse("2022")
    )
    assert (narrow.value, wide.value) == (5.0, 12.0)


# -- reports: payload and derivation on demand ------------------------------------------------


def test_a_summary_report_builds_its_payload_and_derivation_on_demand(bundled: Dataset) -> None:
    keys = Selection.parse(bundled, "AZE", None, None).keys(bundled)
    summary = summarize(bundled, keys)
    report = summary.report()
    assert report.payload() == summary.to_dict()
    assert report.derivation() == summary.explain_lines()  # a group total derived once
    eager = Report(
        report.title,
        report.columns,
        report.rows,
        report.payload(),
        report.notes,
        report.derivation(),
        report.record_fields,
        report.machine_records(),
    )
    for fmt in OutputFormat:
        for explain in (False, True):
            assert render(report, fmt, explain) == render(eager, fmt, explain)


# -- sums over single months: values at once, parts on demand ---------------------------------

MONTHS = tuple(f"2022-{m:02d}" for m in range(1, 13))


@st.composite
def monthly_rows(draw: st.DrawFn) -> dict[str, Any]:
    """A monthly figure; few values and dates, so revisions often agree, tie or differ."""
    return obs(
        draw(st.sampled_from(MONTHS)),
        draw(st.sampled_from((10.0, 10.04, 12.0, 30.0))),
        flow=draw(st.sampled_from(("export", "import"))),
        step=draw(st.sampled_from((0.1, 1.0))),
        flags=draw(st.sampled_from(("", "about", "provisional", "low-trust"))),
        published=draw(st.sampled_from(("", "2022-05-01", "2023-01-05"))),
    )


@settings(max_examples=50, deadline=None)
@given(st.lists(monthly_rows(), min_size=1, max_size=40), st.sampled_from(("2022", "2022-Q2")))
def test_a_sum_of_months_equals_the_sum_of_its_parts(
    drawn: list[dict[str, Any]], span: str
) -> None:
    data = frame(*drawn)
    period = Period.parse(span)
    engine = Engine(data)
    for flow in ("export", "import", "turnover"):
        key = SeriesKey("AZE", "TJK", flow)
        answer = engine.value(key, period)
        # The reference: each month reconciled the plain way (``reconcile(records(...))``).
        plain = Engine(data).table(key).spans
        months = [Period(m, m) for m in range(period.first, period.last + 1)]
        if flow == "turnover" or not all(m in plain for m in months):
            continue  # turnover is export + import; a gap leaves the span not tiled
        assert answer.rule == "tiled"
        assert len(answer.parts) == period.n_months  # known without building the parts
        assert answer.value == sum(plain[m].value for m in months)
        assert [p.reconciled for p in answer.parts] == [plain[m] for m in months]
        assert [p.value for p in answer.parts] == [plain[m].value for m in months]
        assert answer.qualifiers == {plain[m].qualifier for m in months} - {""}
        # The parts are the engine's own month answers, equal to a tuple of them both ways.
        asked = tuple(engine.value(key, m) for m in months)
        assert answer.parts == asked and asked == answer.parts
        assert answer.parts[0] is asked[0]
        # Built late or early, the derivation is the same.
        early = Engine(data)
        for m in months:
            early.value(key, m)
        assert answer.explain() == early.value(key, period).explain()


def _full_search(engine: Engine, key: SeriesKey, group: Group) -> tuple[Period, Any] | None:
    """The search ``share_of`` made before its shortcuts: every candidate span, latest
    first, summing the group each time."""
    from tradecli.analysis.share import _candidate_spans, _is_total, _partial_ok

    partial_ok = _partial_ok(engine, key, group)
    for span in _candidate_spans(engine, key, group):
        if not engine.value(key, span).found:
            continue
        total = engine.group_value(key.reporter, group, key.flow, span, key.currency)
        if _is_total(total, group, partial_ok):
            return span, total
    return None


def test_a_search_for_a_complete_group_total_gives_what_the_full_search_gives() -> None:
    """``share_of`` skips spans where a member has no figure; the answer is the one that
    summing the group over every span, latest first, would give."""
    from tradecli.analysis.share import share_of

    rows = [obs(m, 1.0 + i, partner="TJK") for i, m in enumerate(MONTHS)]
    rows += [obs(m, 2.0, partner="KAZ") for m in MONTHS[:5]]  # KAZ stops in May
    rows += [obs(m, 4.0, partner="UZB") for m in MONTHS[3:]]  # UZB starts in April
    data = frame(*rows)
    group = _group("trio", "", "TJK", "KAZ", "UZB")
    key = SeriesKey("AZE", "TJK", "turnover")
    found = share_of(Engine(data), key, group)
    assert isinstance(found, Share)
    expected = _full_search(Engine(data), key, group)
    assert expected is not None
    assert found.period == expected[0] == Period.parse("2022-05")
    assert found.total == expected[1]
    assert found.total.value == 5.0 + 2.0 + 4.0  # TJK's May is 1.0 + 4
    # Not wanted partial: the world share over a sum of the partners present is skipped.
    world = _group("world", "", ALL_PARTNERS)
    assert isinstance(share_of(Engine(data), key, world), Share)
    assert not isinstance(share_of(Engine(data), key, world, accept_partial=False), Share)


def test_a_published_world_total_from_export_plus_import_is_still_found() -> None:
    """The world code has no turnover spans of its own, and its export and import spans
    differ (a year, four quarters), yet export + import gives the 2022 total."""
    from tradecli.analysis.share import share_of

    rows = [obs("2022", 40.0, partner="WORLD", flow="export")]
    rows += [obs(f"2022-Q{q}", 15.0, partner="WORLD", flow="import") for q in range(1, 5)]
    rows += [obs("2022", 5.0, partner="TJK"), obs("2022", 7.0, partner="KAZ")]
    data = frame(*rows)
    world = _group("world", "WORLD", ALL_PARTNERS)
    key = SeriesKey("AZE", "TJK", "turnover")
    found = share_of(Engine(data, group_codes=frozenset({"WORLD"})), key, world)
    wanted = share_of(
        Engine(data, group_codes=frozenset({"WORLD"})), key, world, accept_partial=False
    )
    assert isinstance(found, Share) and isinstance(wanted, Share)
    assert not wanted.partial and wanted.total.value == 40.0 + 4 * 15.0
    assert (wanted.period, wanted.total, wanted.value) == (found.period, found.total, found.value)


SPANS_OF_A_YEAR = ("2022", "2022-H1", "2022-Q1", "2022-Q2", "2022-01", "2022-02", "2022-06")


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(("TJK", "KAZ", "UZB", "CIS")),
            st.sampled_from(SPANS_OF_A_YEAR),
            st.sampled_from(("turnover", "export", "import")),
            st.sampled_from((1.0, 2.0, 5.0)),
        ),
        min_size=1,
        max_size=25,
    ),
    st.integers(0, 12),
    st.sampled_from(("", "CIS")),
    st.booleans(),
)
def test_share_searches_agree_with_the_full_search(
    drawn: list[tuple[str, str, str, float]], joined: int, code: str, accept_partial: bool
) -> None:
    """Random spans for members, a member that joined during the year, a group with or
    without a published total: the shortcut search finds what the full search finds."""
    from tradecli.analysis.share import share_of

    data = frame(*(obs(s, v, partner=p, flow=f) for p, s, f, v in drawn))
    start = Period.parse("2022-01").first + joined
    members = (
        Membership("TJK", 0, 9999 * 12, ""),
        Membership("KAZ", 0, 9999 * 12, ""),
        Membership("UZB", start, 9999 * 12, ""),  # joined during (or after) 2022
    )
    group = Group("trio", code, members, "test")
    codes = frozenset({code}) if code else frozenset()
    for flow in ("turnover", "export"):
        key = SeriesKey("AZE", "TJK", flow)
        found = share_of(Engine(data, group_codes=codes), key, group, accept_partial=accept_partial)
        _assert_found_as_by_full_search(
            found, _full_search(Engine(data, group_codes=codes), key, group)
        )


def _assert_found_as_by_full_search(found: object, full: object) -> None:
    """The share search found what the full search finds (None: nothing)."""
    if full is None:
        assert not isinstance(found, Share)
    else:
        assert isinstance(found, Share)
        assert (found.period, found.total) == full


def test_a_group_remembers_its_members_but_hands_out_copies() -> None:
    group = _group("pair", "", "TJK", "KAZ")
    period = Period.parse("2022")
    members = group.members_during(period)
    members.append("UZB")
    assert group.members_during(period) == ["KAZ", "TJK"]
    assert hash(group) == hash(_group("pair", "", "TJK", "KAZ"))
    assert group == _group("pair", "", "TJK", "KAZ") != _group("pair", "", "TJK")


def test_a_not_available_answer_lists_the_spans_there_are_when_asked() -> None:
    data = frame(
        obs("2022-01", 1.0, flow="export"),
        obs("2022-02", 1.0, flow="export"),
        obs("2022-02", 2.0, flow="import"),
        obs("2022-Q1", 9.0, flow="turnover"),
    )
    engine = Engine(data)
    answer = engine.value(SeriesKey("AZE", "TJK", "turnover"), Period.parse("2023"))
    assert answer.rule == "not available"
    # Turnover's own spans, and the spans where both export and import have figures.
    expected = (Period.parse("2022-Q1"), Period.parse("2022-02"))
    assert tuple(sorted(answer.available)) == tuple(sorted(expected))
    assert list(answer.available) == sorted(expected)
    assert answer.available[-1:] == (Period.parse("2022-02"),)  # by first month, then last
    assert len(answer.available) == 2 and answer.available
    assert answer.to_dict()["available"] == ["2022-Q1", "2022-02"]


# -- the bulk decision for spans of any size ---------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.sampled_from((5.0, 5.04, 5.2, 6.0, 9.0, 1e9, 1.0000001e9, float("inf"))),
                st.sampled_from((0.1, 0.5, 1.0, 1e3)),
                st.booleans(),
                st.booleans(),
                st.integers(0, 3),
            ),
            min_size=1,
            max_size=MAX_QUICK + 3,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_span_is_decided_in_bulk_exactly_when_no_two_figures_agree(
    spans: list[list[tuple[float, float, bool, bool, int]]],
) -> None:
    """Pairs are compared k rows apart over the whole arrays at once; a span is decided
    in bulk when (and only when) it is small, finite and has no agreeing pair, and then
    as ``decide`` decides it."""
    flat = [row for span in spans for row in span]
    bounds = np.cumsum([0, *(len(s) for s in spans)]).astype(np.int64)
    winner, reason = decide_disagreeing(
        bounds,
        np.array([r[0] for r in flat]),
        np.array([r[1] for r in flat]),
        np.array([r[2] for r in flat]),
        np.array([r[3] for r in flat]),
        np.array([r[4] for r in flat], dtype=np.int64),
    )
    for g, span in enumerate(spans):
        figures = [Figure(v, s, (e, not o, f"2023-0{p + 1}", -s)) for v, s, e, o, p in span]
        simple = (
            len(span) <= MAX_QUICK
            and all(np.isfinite(f.value) for f in figures)
            and not any(
                _agree(a.value, a.step, b.value, b.step)
                for i, a in enumerate(figures)
                for b in figures[i + 1 :]
            )
        )
        assert (winner[g] >= 0) == simple
        if simple:
            expected = decide(figures)
            assert winner[g] - bounds[g] == expected.chosen
            assert REASON_CODES[reason[g]] == expected.reason


def test_two_figures_that_agree_far_apart_in_a_span_leave_it_to_decide() -> None:
    """Only the first and the last of ``MAX_QUICK`` figures agree (they are compared
    ``MAX_QUICK - 1`` rows apart); the span is left to ``decide``, its neighbours are not."""
    values = [100.0, *(10.0 * k for k in range(1, MAX_QUICK - 1)), 100.4]
    rows = [*values, 7.0, 1000.0]  # then two spans of one figure each
    bounds = np.array([0, MAX_QUICK, MAX_QUICK + 1, MAX_QUICK + 2], dtype=np.int64)
    n = len(rows)
    winner, _ = decide_disagreeing(
        bounds,
        np.array(rows),
        np.ones(n),
        np.ones(n, dtype=bool),
        np.zeros(n, dtype=bool),
        np.zeros(n, dtype=np.int64),
    )
    assert winner.tolist() == [-1, MAX_QUICK, MAX_QUICK + 1]


# -- a series' spans: months by their index ----------------------------------------------------


def test_a_series_spans_answer_as_the_reconciled_dict_does() -> None:
    data = frame(
        obs("2022-01", 1.0, flow="export"),
        obs("2022-03", 3.0, flow="export"),
        obs("2022-02", 2.0, flow="export"),
        obs("2022-01", 4.0, flow="import"),
        obs("2022-Q1", 9.0, flow="import"),
        obs("2022", 30.0, flow="import"),
    )
    engine = Engine(data)
    for flow in ("export", "import", "turnover"):
        key = SeriesKey("AZE", "TJK", flow)
        spans = engine._spans(key)
        plain = engine.table(key).spans
        assert list(spans) == list(plain) and len(spans) == len(plain)
        assert spans.monthly == all(p.n_months == 1 for p in plain)
        for period in (*plain, Period.parse("2022-02"), Period.parse("2022-H1"), "2022"):
            assert (period in spans) == (period in plain)
        for period in plain:
            assert spans[period].value == plain[period].value
    with pytest.raises(KeyError):
        engine._spans(SeriesKey("AZE", "TJK", "import"))[Period.parse("2022-02")]


# -- a member without a figure: once per group and span ----------------------------------------


def _plain_member_missing(engine: Engine, group: Group, flow: str, period: Period) -> bool:
    """The definition, asked of the engine's values one member at a time."""
    if group.code and engine.value(SeriesKey("AZE", group.code, flow), period).found:
        return False
    members = engine.partners_for("AZE", group, period)
    return any(not engine.value(SeriesKey("AZE", m, flow), period).found for m in members)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(("TJK", "KAZ", "UZB", "CIS")),
            st.sampled_from(SPANS_OF_A_YEAR),
            st.sampled_from(("turnover", "export", "import")),
        ),
        min_size=1,
        max_size=25,
    ),
    st.integers(0, 12),
    st.sampled_from(("", "CIS")),
)
def test_a_missing_member_is_worked_out_once_and_as_defined(
    drawn: list[tuple[str, str, str]], joined: int, code: str
) -> None:
    """``member_missing`` (remembered, a member without rows settling it at once) against
    the definition on a fresh engine; and each member's share search, sharing one engine
    and its memory, against the full search on a fresh engine. ARM is a member with no rows."""
    from tradecli.analysis.share import share_of

    data = frame(*(obs(s, 1.0, partner=p, flow=f) for p, s, f in drawn))
    start = Period.parse("2022-01").first + joined
    members = (
        Membership("TJK", 0, 9999 * 12, ""),
        Membership("KAZ", 0, 9999 * 12, ""),
        Membership("UZB", start, 9999 * 12, ""),  # joined during (or after) 2022
        Membership("ARM", 0, start - 1, ""),  # left when UZB joined
    )
    group = Group("quad", code, members, "test")
    codes = frozenset({code}) if code else frozenset()
    shared = Engine(data, group_codes=codes)
    plain = Engine(data, group_codes=codes)  # asked only for values: the definition's own
    for flow in ("turnover", "export", "import"):
        for span in (*SPANS_OF_A_YEAR, "2022-H2", "2023"):
            period = Period.parse(span)
            expected = _plain_member_missing(plain, group, flow, period)
            assert shared.member_missing("AZE", group, flow, period) == expected
            assert shared.member_missing("AZE", group, flow, period) == expected  # remembered
        for partner in ("TJK", "KAZ", "UZB"):
            key = SeriesKey("AZE", partner, flow)
            found = share_of(shared, key, group)
            _assert_found_as_by_full_search(
                found, _full_search(Engine(data, group_codes=codes), key, group)
            )


def test_a_member_with_export_and_import_only_has_a_turnover_figure() -> None:
    data = frame(
        obs("2022", 5.0, partner="TJK"),
        obs("2022", 3.0, partner="KAZ", flow="export"),
        obs("2022", 4.0, partner="KAZ", flow="import"),
        obs("2022", 6.0, partner="UZB", flow="export"),
    )
    engine = Engine(data)
    year = Period.parse("2022")
    assert not engine.member_missing("AZE", _group("pair", "", "TJK", "KAZ"), "turnover", year)
    assert engine.member_missing("AZE", _group("trio", "", "TJK", "KAZ", "UZB"), "turnover", year)
    assert not engine.member_missing("AZE", _group("pair", "", "KAZ", "UZB"), "export", year)
    assert engine.member_missing("AZE", _group("pair", "", "KAZ", "UZB"), "import", year)


def test_the_winners_without_the_reasons() -> None:
    """``reasons=False``: the same winners, every reason code left 0. By hand: span 0 (rows
    0-2) keeps the latest publication (row 1); span 1 (rows 3-4) the exact figure (row 4);
    span 2 (row 5) its one figure."""
    bounds = np.array([0, 3, 5, 6], dtype=np.int64)
    args = (
        bounds,
        np.array([10.0, 20.0, 30.0, 5.0, 7.0, 1.0]),
        np.ones(6),
        np.array([True, True, True, False, True, True]),
        np.zeros(6, dtype=bool),
        np.array([0, 2, 1, 0, 0, 0], dtype=np.int64),
    )
    winner, reason = decide_disagreeing(*args)
    assert winner.tolist() == [1, 4, 5]
    assert [REASON_CODES[r] for r in reason.tolist()] == [
        "later publication preferred (a revision)",
        "exact figure preferred to an approximate one",
        "",
    ]
    quick, none = decide_disagreeing(*args, reasons=False)
    assert quick.tolist() == [1, 4, 5]
    assert none.tolist() == [0, 0, 0]


def test_first_best_is_the_least_rank_then_step_then_the_first_row() -> None:
    from tradecli.reconcile import _first_best

    # Span 0: rows 0-3, ranks 2 1 1 1, steps 1 .5 .5 1 -> row 1 (ties with row 2: first).
    # Span 1: rows 4-5, ranks 0 0, steps 1 .1 -> row 5. Span 2: row 6, a NaN step -> none.
    rank = np.array([2, 1, 1, 1, 0, 0, 0], dtype=np.int64)
    step = np.array([1.0, 0.5, 0.5, 1.0, 1.0, 0.1, np.nan])
    group = np.array([0, 0, 0, 0, 1, 1, 2], dtype=np.int64)
    starts = np.array([0, 4, 6], dtype=np.int64)
    assert _first_best(rank, step, group, starts, 3).tolist() == [1, 5, -1]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.sampled_from((5.0, 5.04, 5.2, 6.0, 9.0, float("nan"))),
                st.sampled_from((0.1, 0.5, 1.0)),
                st.booleans(),
                st.booleans(),
                st.integers(0, 2),
            ),
            min_size=1,
            max_size=5,
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(1, 7),
)
def test_deciding_a_few_rows_at_a_time_is_deciding_all_at_once(
    spans: list[list[tuple[float, float, bool, bool, int]]], chunk: int
) -> None:
    """Chunks of whole spans (``CHUNK_ROWS``, here a few rows) give the same winners and
    reasons as one pass over every row."""
    from unittest import mock

    from tradecli import reconcile

    flat = [row for span in spans for row in span]
    args = (
        np.cumsum([0, *(len(s) for s in spans)]).astype(np.int64),
        np.array([r[0] for r in flat]),
        np.array([r[1] for r in flat]),
        np.array([r[2] for r in flat]),
        np.array([r[3] for r in flat]),
        np.array([r[4] for r in flat], dtype=np.int64),
    )
    whole_winner, whole_reason = decide_disagreeing(*args)
    with mock.patch.object(reconcile, "CHUNK_ROWS", chunk):
        winner, reason = decide_disagreeing(*args)
    assert winner.tolist() == whole_winner.tolist()
    assert reason.tolist() == whole_reason.tolist()


def test_payloads_written_item_by_item_are_the_library_results(bundled: Dataset) -> None:
    """Summary, value and mirror reports make their JSON items when written
    (``json_text.Each``): the JSON text holds what the result's ``to_dict`` holds."""
    import json

    from tradecli.analysis.mirror import compare_mirrors
    from tradecli.analysis.value import series_values

    keys = Selection.parse(bundled, None, None, None).keys(bundled)
    results: list[Any] = [
        summarize(bundled, keys),
        series_values(bundled, keys, Period.parse("2022")),
        compare_mirrors(bundled),
    ]
    for result in results:
        expected = json.loads(json.dumps(result.to_dict()))
        written = json.loads(render(result.report(), OutputFormat.json).stdout)
        assert len(written["records"]) > 0  # the report's own fields, after the payload's
        assert {k: written[k] for k in expected if k != "notes"} == {
            k: v for k, v in expected.items() if k != "notes"
        }


# -- a series' months: found in the index's own arrays ---------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 40), max_size=25),
    st.lists(st.integers(-3, 45), max_size=12),
    st.integers(0, 5),
)
def test_months_by_bisection_are_the_dict_of_them(
    drawn: list[int], asked: list[int], offset: int
) -> None:
    """``spans._Months`` (a series' single months by bisection in ``SpanIndex.first``,
    its spans ``start:end``) against the dict it stands for; the spans of other series
    before and after it in the index are not its months."""
    months = sorted(set(drawn))
    before, after = list(range(-offset - 5, -5)), [100 + m for m in range(offset)]
    first = _ints(np.array(before + months + after, dtype=np.int64))
    start, end = len(before), len(before) + len(months)
    ours = _Months(first, start, end)
    plain = dict(zip(months, range(start, end), strict=True))
    assert list(ours) == list(plain) and len(ours) == len(plain)
    assert dict(ours.items()) == plain
    for m in [*asked, *before, *after]:
        assert ours.get(m) == plain.get(m) and ours.get(m, -7) == plain.get(m, -7)
        assert (m in ours) == (m in plain)
        if m in plain:
            assert ours[m] == plain[m]
        else:
            with pytest.raises(KeyError):
                ours[m]
    assert "2022-01" not in ours and ours.get("2022-01", -1) == -1 and None not in ours
    for m in months[:3]:  # numbers of other types, as a dict finds them
        assert ours.get(np.int64(m)) == plain[m] and float(m) in ours
    for low in range(-2, 43):
        for n in (1, 2, 5):
            run = range(low, low + n)
            numbers = [plain.get(m) for m in run]
            expected = None if None in numbers else numbers
            found = ours.numbers(run)
            assert (None if found is None else list(found)) == expected


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 18), st.sampled_from((1.0, 2.0, 5.0)), st.sampled_from(DATES)),
        min_size=1,
        max_size=30,
    ),
    st.booleans(),
)
@example(drawn=[(m, float(m), "") for m in range(1, 19)], with_a_quarter=False)  # no gap
def test_a_series_months_answer_as_the_reconciled_dict_does(
    drawn: list[tuple[int, float, str]], with_a_quarter: bool
) -> None:
    """Months of 2022-2023 with gaps and revisions (a month twice), with or without a
    span longer than a month beside them: ``month_values`` and ``month_dicts`` over every
    run of months are what the reconciled spans say (None where a month is missing;
    ``month_dicts`` also where a month has several figures)."""
    rows = [
        obs(f"{2022 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}", v, flow="export", published=d)
        for m, v, d in drawn
    ]
    if with_a_quarter:
        rows.append(obs("2022-Q2", 7.0, flow="export"))
    engine = Engine(frame(*rows))
    key = SeriesKey("AZE", "TJK", "export")
    spans = engine._spans(key)
    plain = engine.table(key).spans
    assert list(spans) == list(plain)
    assert spans.month_values(range(5, 5)) == [] and spans.month_dicts(key, range(5, 5)) == []
    for low in range(2022 * 12 - 1, 2023 * 12 + 8):
        for run in (range(low, low + 1), range(low, low + 3), range(low, low + 7, 2)):
            periods = [Period.month(m) for m in run]
            expected = (
                [plain[p].value for p in periods] if all(p in plain for p in periods) else None
            )
            assert spans.month_values(run) == expected
            dicts = spans.month_dicts(key, run)  # None too where a month has two figures
            if expected is None:
                assert dicts is None
            elif dicts is not None:
                assert [d["value"] for d in dicts] == expected
                assert [d["period"] for d in dicts] == [p.iso() for p in periods]
