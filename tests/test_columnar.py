"""The columnar bulk backend (``tradecli.engine.bulk``) and the reports built from its arrays.

Sums are worked out by hand here; the properties hold the columnar path's output equal,
byte for byte and in every format, to the reference engine's on random datasets made
mostly of monthly series (the shape the arrays take: gaps, revisions, conflicts, flags,
several currencies, every member of a group), with some series that are not simple
(approximate figures, annual and cumulative spans) left to the reference.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tests.test_bulk_engine import _bulk, _keys, _same_with_and_without_bulk, _summary
from tradecli.analysis.growth import growth
from tradecli.analysis.projection import Method, project
from tradecli.analysis.share import group_shares, shares
from tradecli.analysis.summary import summarize
from tradecli.dataset import Dataset
from tradecli.engine import bulk
from tradecli.engine.answers import EXACT, EXPORT_PLUS_IMPORT, TILED, SeriesKey
from tradecli.engine.bulk import BulkAnswer, Columns, key_years
from tradecli.engine.reference import Engine
from tradecli.groups import load_bundled
from tradecli.periods import Period
from tradecli.records import record
from tradecli.selection import Selection

CENTRAL_ASIA = ("KAZ", "KGZ", "TJK", "TKM", "UZB")
AZE_TJK = SeriesKey("AZE", "TJK", "turnover")


def _months(flow: str, year: int, values: list[float], **kw: Any) -> list[dict[str, Any]]:
    return [obs(f"{year}-{m:02d}", v, flow=flow, **kw) for m, v in enumerate(values, 1)]


def test_year_to_date_sums_flags_and_turnover_by_hand() -> None:
    exports = _months("export", 2023, [1.5, 2.25, 3.0, 4.0], flags="provisional")
    exports[1]["flags"] = "estimate"
    imports = _months("import", 2023, [10.0, 20.0, 30.0])
    columns = Columns(frame(*exports, *imports))
    assert columns.simple.all()
    ky = key_years(columns, [AZE_TJK, AZE_TJK.with_flow("export")])
    turnover, export = (slice(int(ky.bounds[k]), int(ky.bounds[k + 1])) for k in (0, 1))
    assert ky.year[turnover].tolist() == [2023]
    # Turnover = export + import where both are (Jan..Mar); Jan..Apr has no import.
    assert ky.run[turnover].tolist() == [3]
    assert ky.value[turnover][0, :3].tolist() == [11.5, 33.75, 66.75]
    assert ky.xm[turnover][0, :3].tolist() == [True, True, True]
    assert ky.run[export].tolist() == [4]
    assert ky.value[export][0, :4].tolist() == [1.5, 3.75, 6.75, 10.75]
    words = [columns.flag_words(int(b)) for b in ky.flags[export][0, :2]]
    assert words == [("provisional",), ("estimate", "provisional")]


def test_a_revision_is_decided_as_the_reference_decides_it() -> None:
    # Two figures of March that disagree: the later publication wins (a revision).
    rows = _months("export", 2023, [1.0, 2.0, 3.0], published="2023-05-01")
    rows.append(obs("2023-03", 5.0, flow="export", published="2023-09-01", flags="estimate"))
    columns = Columns(frame(*rows))
    assert columns.simple.all()
    ky = key_years(columns, [AZE_TJK.with_flow("export")])
    assert ky.value[0, :3].tolist() == [1.0, 3.0, 8.0]
    assert columns.flag_words(int(ky.flags[0, 2])) == ("estimate",)


def test_figures_that_agree_are_one_figure_with_the_flags_of_each() -> None:
    """1.9 billion (step 0.1 billion) and 1.92 billion (step 0.01 billion) agree: the more
    precise is the value, the flags are those of both; 5.0 disagrees and loses (older)."""
    rows = [
        obs("2023-01", 1.9e9, step=1e8, flow="export", flags="estimate", published="2023-03-01"),
        obs(
            "2023-01", 1.92e9, step=1e7, flow="export", flags="provisional", published="2023-02-01"
        ),
        obs("2023-01", 5.0, flow="export", published="2022-01-01", flags="low-trust"),
    ]
    data = frame(*rows)
    columns = Columns(data, include_flagged=True)
    assert columns.simple.all()
    ky = key_years(columns, [AZE_TJK.with_flow("export")])
    assert ky.value[0, 0] == 1.92e9
    assert columns.flag_words(int(ky.flags[0, 0])) == ("estimate", "provisional")
    want = Engine(data, include_flagged=True).value(
        AZE_TJK.with_flow("export"), Period.month(2023 * 12)
    )
    assert (want.value, want.flags()) == (1.92e9, ["estimate", "provisional"])


def test_series_the_arrays_do_not_take() -> None:
    about = _months("export", 2023, [1.0, 2.0], flags="about")
    annual = [obs("2022", 12.0, flow="import"), obs("2022-01", 1.0, flow="import")]
    quarter = [obs("2022-Q2", 5.0, partner="KAZ"), obs("2022-01", 1.0, partner="KAZ")]
    columns = Columns(frame(*about, *annual, *quarter))
    export, imports = (columns.series(AZE_TJK.with_flow(f)) for f in ("export", "import"))
    kaz = columns.series(AZE_TJK.with_partner("KAZ"))
    # Approximate figures and a quarter: not taken. A year beside its months: taken for
    # Jan..m spans (``simple``), but not for single months (``monthly``: differences).
    assert columns.simple[[export, imports, kaz]].tolist() == [False, True, False]
    assert not columns.monthly.any()
    assert key_years(columns, [AZE_TJK]).simple.tolist() == [False]
    ky = key_years(columns, [AZE_TJK.with_flow("import")])
    assert (ky.simple.tolist(), ky.monthly.tolist()) == ([True], [False])


def test_the_backend_answers_from_the_columns() -> None:
    rows = _months("export", 2023, [1.5, 2.25, 3.0]) + _months("import", 2023, [10.0, 20.0])
    backend = bulk.Engine(frame(*rows))
    jan_feb = backend.value(AZE_TJK, Period.ytd(2023, 2))
    assert isinstance(jan_feb, BulkAnswer)
    assert (jan_feb.value, jan_feb.rule, len(jan_feb.parts)) == (33.75, EXPORT_PLUS_IMPORT, 2)
    march = backend.value(AZE_TJK.with_flow("export"), Period.ytd(2023, 3))
    assert (march.value, march.rule, len(march.parts)) == (6.75, TILED, 3)
    january = backend.value(AZE_TJK.with_flow("export"), Period.month(2023 * 12))
    assert (january.value, january.rule) == (1.5, EXACT)
    assert not backend.value(AZE_TJK, Period.ytd(2023, 3)).found
    # The derivation is the reference's, asked when looked at.
    reference = Engine(frame(*rows))
    assert jan_feb.to_dict() == reference.value(AZE_TJK, Period.ytd(2023, 2)).to_dict()
    assert jan_feb.explain() == reference.value(AZE_TJK, Period.ytd(2023, 2)).explain()


def test_a_record_has_the_flags_of_every_month_used() -> None:
    rows = _months("export", 2023, [1.0] * 12, flags="provisional")
    rows[4]["flags"] = "estimate"
    answer = bulk.Engine(frame(*rows)).value(AZE_TJK.with_flow("export"), Period.year(2023))
    assert isinstance(answer, BulkAnswer) and answer.flag_words is not None
    got = record(answer.key, answer)
    assert (got["value"], got["flags"]) == (12.0, "estimate;provisional")


def test_a_summary_share_from_the_columns_by_hand() -> None:
    """Every central-Asian partner has Jan–Mar 2023 exports and imports; TKM lacks March,
    so the latest complete month is February: AZE–TJK's share is (2 + 20) / the sum of the
    five members' February turnover (each 22 except TJK's own 22: 5 × 22 = 110)."""
    rows = []
    for partner in CENTRAL_ASIA:
        months = [1.0, 2.0] if partner == "TKM" else [1.0, 2.0, 3.0]
        rows += _months("export", 2023, months, partner=partner)
        rows += _months("import", 2023, [m * 10 for m in months], partner=partner)
    dataset = Dataset(frame(*rows), load_bundled(), [])
    with _bulk(True):
        summary = summarize(dataset, [AZE_TJK.with_partner(p) for p in CENTRAL_ASIA])
    tjk = next(r for r in summary.rows if r.key.partner == "TJK")
    share = next(s for s in tjk.shares if s.group == "central-asia")
    assert isinstance(share.part, BulkAnswer) and isinstance(share.total, BulkAnswer)
    assert share.period == Period.month(2023 * 12 + 1)
    assert share.value == pytest.approx(22 / 110)
    assert share.total.value == 110.0


# -- properties: the columnar path prints what the reference prints -------------------------

PARTNERS = (*CENTRAL_ASIA, "DEU")
FLAGS = ("", "", "", "provisional", "estimate", "low-trust", "official-statement")
DATES = ("2022-05-01", "2023-01-05", "2024-02-01", "")


@st.composite
def monthly(draw: st.DrawFn, partner: str = "", first: int = 0) -> list[dict[str, Any]]:
    """One partner's export and import months over one to three years, with gaps, a
    revision or conflict now and then, and sometimes a series the arrays do not take
    (an approximate figure, a year beside its months)."""
    partner = partner or draw(st.sampled_from(PARTNERS))
    currency = "USD" if first else draw(st.sampled_from(("USD", "USD", "USD", "EUR")))
    reporter = "AZE" if first else draw(st.sampled_from(("AZE", "AZE", "KAZ")))
    first = first or draw(st.sampled_from((2021, 2022)))
    years = range(first, draw(st.integers(first, 2023)) + 1)
    out: list[dict[str, Any]] = []
    flows = (("export", "import"),) if first else (("export", "import"), ("export",), ("turnover",))
    for flow in draw(st.sampled_from(flows)):
        gaps = draw(st.sets(st.integers(0, 35), max_size=3))
        end = draw(st.integers(1, 12))
        for year in years:
            for month in range(1, 13 if year < years[-1] else end + 1):
                if (year - first) * 12 + month - 1 in gaps:
                    continue
                value = draw(st.sampled_from((1.0, 2.5, 10.04, 0.1, 0.0, 1e6)))
                out.append(
                    obs(
                        f"{year}-{month:02d}",
                        value,
                        flow=flow,
                        reporter=reporter,
                        partner=partner,
                        currency=currency,
                        flags=draw(st.sampled_from(FLAGS)),
                        published=draw(st.sampled_from(DATES)),
                        step=draw(st.sampled_from((1.0, 0.01))),
                    )
                )
        if out and draw(st.integers(0, 3)) == 0:  # a revision or a conflicting figure
            again = dict(draw(st.sampled_from(out)))
            again["value"] = draw(st.sampled_from((3.0, 2.51, 1e6 + 1)))
            again["published"] = draw(st.sampled_from(DATES))
            out.append(again)
        if (
            out and draw(st.integers(0, 5 if not first else 30)) == 0
        ):  # not simple: approximate, or a longer span
            odd = dict(draw(st.sampled_from(out)))
            if draw(st.booleans()):
                odd["flags"] = "about"
            else:
                span = Period.year(years[0])
                odd["first"], odd["last"], odd["value"] = span.first, span.last, 99.0
            out.append(odd)
    return out


# Every central-Asian partner of AZE from the same year: member sums that may be complete.
group_block = st.tuples(*(monthly(p, 2022) for p in CENTRAL_ASIA)).map(
    lambda bs: [row for b in bs for row in b]
)
monthly_datasets = st.tuples(
    st.lists(monthly(), min_size=1, max_size=6), st.lists(group_block, max_size=1)
).map(lambda bs: [row for b in (*bs[0], *bs[1]) for row in b])


@settings(max_examples=12, deadline=None)
@given(monthly_datasets)
def test_summary_from_the_columns_prints_what_the_reference_prints(
    drawn: list[dict[str, Any]],
) -> None:
    if drawn:
        _same_with_and_without_bulk(_summary, frame(*drawn))


def test_the_properties_reach_the_columnar_path() -> None:
    """The drawn datasets are mostly simple series (else the property would compare the
    reference with itself)."""
    counts = [0, 0]

    # The same draws every run: a count over random draws would fail now and then.
    @settings(max_examples=15, deadline=None, derandomize=True)
    @given(monthly_datasets)
    def count(drawn: list[dict[str, Any]]) -> None:
        columns = Columns(frame(*drawn))
        counts[0] += int(columns.simple.sum())
        counts[1] += len(columns)

    count()
    assert counts[0] > counts[1] / 2


def test_every_backend_answers_as_the_reference_on_monthly_series() -> None:
    rows: list[dict[str, Any]] = []
    for i, partner in enumerate(CENTRAL_ASIA):
        rows += _months("export", 2022, [float(i + m) for m in range(12)], partner=partner)
        rows += _months("export", 2023, [1.0, 2.0, 3.0], partner=partner)
        rows += _months("import", 2023, [5.0, 0.5], partner=partner, flags="estimate")
    rows.append(obs("2023-02", 7.0, flow="import", partner="KAZ", published="2024-01-01"))
    data = frame(*rows)
    groups = load_bundled()
    backend, reference = bulk.Engine(data), Engine(data)
    spans = [Period.year(2022), Period.year(2023), Period.parse("2022-11/2023-02")]
    spans += [Period.ytd(y, m) for y in (2022, 2023) for m in range(1, 12)]
    columnar = not_there = 0
    for partner in (*CENTRAL_ASIA, "DEU"):
        for flow in ("export", "import", "turnover"):
            for span in spans:
                key = SeriesKey("AZE", partner, flow)
                got, want = backend.value(key, span), reference.value(key, span)
                columnar += isinstance(got, BulkAnswer) and got.found
                not_there += isinstance(got, BulkAnswer) and not got.found
                assert tuple(got.available) == tuple(want.available)
                assert (got.value, got.rule, got.complete) == (want.value, want.rule, want.complete)
                assert got.flags() == want.flags() if want.found else True
                assert [a.value for a in got.parts] == [a.value for a in want.parts]
                assert got.to_dict() == want.to_dict()
    # Per partner from the columns: export 2022, Nov 2022–Feb 2023, Jan..m 2022 (11) and
    # Jan..m 2023 (m ≤ 3); import and turnover Jan..m 2023 (m ≤ 2): 16 + 2 + 2.
    assert columnar == 5 * 20
    # Every other question (25 spans, 3 flows, 6 partners) is over single months alone, one
    # missing or more: not available, from the columns too (its spans the reference's).
    assert not_there == 25 * 3 * 6 - 5 * 20
    group = groups.get("central-asia")
    for span in spans:
        got, want = (e.group_value("AZE", group, "export", span) for e in (backend, reference))
        assert (got.value, got.rule, got.notes) == (want.value, want.rule, want.notes)


def _growth(dataset: Dataset) -> Any:
    return growth(dataset, _keys(dataset.engine)).report()


@settings(max_examples=12, deadline=None)
@given(monthly_datasets)
def test_growth_from_the_columns_prints_what_the_reference_prints(
    drawn: list[dict[str, Any]],
) -> None:
    if drawn:
        _same_with_and_without_bulk(_growth, frame(*drawn))


def test_growth_of_the_latest_month_by_hand() -> None:
    """March 2023 has no March 2022 to compare with; February does (4 against 2: +100%),
    and 2022 against 2021 is 24 against 12."""
    rows = _months("export", 2021, [1.0] * 12) + _months("export", 2022, [2.0] * 12)
    rows += _months("export", 2023, [3.0, 4.0, 5.0])
    del rows[14]  # March 2022
    dataset = Dataset(frame(*rows), load_bundled(), [])
    key = AZE_TJK.with_flow("export")
    with _bulk(True):
        found = growth(dataset, [key])
    (series,) = found.series
    assert isinstance(series.span.current, BulkAnswer)
    assert series.span.current.period == Period.parse("2023-03") and series.span.value is None
    assert series.latest_comparable is not None
    assert series.latest_comparable.current.period == Period.parse("2023-02")
    assert series.latest_comparable.value == 1.0
    assert [c.current.period.start_year for c in series.years] == [2021]
    assert series.cagr is None  # one full year (2022 lacks March)


@settings(max_examples=10, deadline=None)
@given(monthly_datasets, st.sampled_from((2022, 2023)), st.sampled_from(tuple(Method)))
def test_project_from_the_columns_prints_what_the_reference_prints(
    drawn: list[dict[str, Any]], year: int, method: Method
) -> None:
    def make(dataset: Dataset) -> Any:
        return project(dataset, _keys(dataset.engine), year, method).report()

    if drawn:
        _same_with_and_without_bulk(make, frame(*drawn))


def test_a_run_rate_from_the_columns_by_hand() -> None:
    """Jan–Mar 2023 = 1 + 2 + 3 = 6; linear: 6 × 12 / 3 = 24; 2022 = 12 × 1.5 = 18."""
    rows = _months("export", 2022, [1.5] * 12) + _months("export", 2023, [1.0, 2.0, 3.0])
    dataset = Dataset(frame(*rows), load_bundled(), [])
    with _bulk(True):
        result = project(dataset, [AZE_TJK.with_flow("export")], 2023, Method.linear)
    (series,) = result.series
    assert series.last_full is not None and series.last_full.value == 18.0
    (span,) = series.spans
    assert isinstance(span.basis, BulkAnswer) and span.basis.value == 6.0
    assert span.chosen.value == 24.0


@settings(max_examples=10, deadline=None)
@given(monthly_datasets, st.sampled_from(("world", "central-asia", "cis")))
def test_shares_from_the_columns_print_what_the_reference_prints(
    drawn: list[dict[str, Any]], name: str
) -> None:
    def make(dataset: Dataset) -> Any:
        selection = Selection.parse(dataset, None, None, None)
        return group_shares(dataset, dataset.groups.get(name), selection).report()

    if drawn:
        _same_with_and_without_bulk(make, frame(*drawn))


def test_a_world_share_from_the_columns_by_hand() -> None:
    """AZE's partners TJK, KAZ and DEU: in March 2023 only TJK and KAZ have exports
    (3 + 5): TJK's share of that partial world sum is 3 / 8, with DEU named missing."""
    rows = _months("export", 2023, [1.0, 2.0, 3.0]) + _months(
        "export", 2023, [1.0, 2.0, 5.0], partner="KAZ"
    )
    rows += _months("export", 2023, [4.0, 4.0], partner="DEU")
    dataset = Dataset(frame(*rows), load_bundled(), [])
    keys = [SeriesKey("AZE", p, "export") for p in ("DEU", "KAZ", "TJK")]
    with _bulk(True):
        result = shares(dataset, keys, dataset.groups.get("world"))
    tjk = next(s for s in result.shares if s.key.partner == "TJK")
    assert isinstance(tjk.total, BulkAnswer) and tjk.partial
    assert tjk.period == Period.parse("2023-03") and tjk.value == 3 / 8
    assert tjk.total.notes[:2] == (
        "2 of 3 members have data",
        "incomplete: missing DEU; this is not the group total",
    )
