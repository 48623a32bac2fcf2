"""The bulk helper (``tradecli.engine.masks``) finds exactly the spans the scalar engine finds,
and the commands that use it print, in every format, exactly what they print without it.

The reference is the scalar engine (``Engine.value``), asked span by span; the random
datasets have what real files have: gaps, revisions, conflicts, approximate figures,
flagged rows, annual, quarterly and cumulative spans beside months (overlapping, and
crossing a year end), several currencies, group codes and members of groups.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tradecli.analysis.growth import growth, years_in
from tradecli.analysis.projection import Method, project
from tradecli.analysis.share import group_shares, shares
from tradecli.analysis.summary import summarize
from tradecli.dataset import Dataset
from tradecli.engine import bulk, masks
from tradecli.engine.answers import Answer, MonthParts, SeriesKey
from tradecli.engine.masks import Bulk, Plan
from tradecli.engine.reference import Engine
from tradecli.errors import NotAvailable
from tradecli.groups import Groups, load_bundled, parse
from tradecli.periods import Period
from tradecli.render import OutputFormat, Report, render
from tradecli.selection import Selection

REPORTERS = ("AZE", "KAZ")
PARTNERS = ("TJK", "KAZ", "DEU", "CIS")  # CIS: a group code (a published aggregate)
FLOWS = ("export", "import", "turnover")
CURRENCIES = ("USD", "USD", "EUR")
YEARS = (2021, 2022, 2023)
# Spans longer than a month: within a year, year to date, and across a year end.
LONGER = (
    "2021",
    "2022",
    "2023",
    "2022-Q1",
    "2022-Q2",
    "2022-H1",
    "2023-H1",
    "2022-01/2022-08",
    "2022-01/2022-10",
    "2023-01/2023-05",
    "2022-02/2022-12",
    "2022-09/2022-12",
    "2021-07/2022-06",
    "2021-11/2022-02",
    "2021-01/2022-12",
)
VALUES = (10.0, 10.04, 12.5, 30.0, 0.0, 1e6)
FLAGS = ("", "", "", "about", "over; provisional", "low-trust", "suspect-unit", "provisional")
DATES = ("", "2022-05-01", "2023-01-05", "2024-02-01")


@st.composite
def series_keys(draw: st.DrawFn) -> dict[str, str]:
    return {
        "reporter": draw(st.sampled_from(REPORTERS)),
        "partner": draw(st.sampled_from(PARTNERS)),
        "flow": draw(st.sampled_from(FLOWS)),
        "currency": draw(st.sampled_from(CURRENCIES)),
    }


def _row(draw: st.DrawFn, key: dict[str, str], period: str) -> dict[str, Any]:
    return obs(
        period,
        draw(st.sampled_from(VALUES)),
        step=draw(st.sampled_from((0.01, 1.0))),
        flags=draw(st.sampled_from(FLAGS)),
        published=draw(st.sampled_from(DATES)),
        **key,
    )


@st.composite
def blocks(
    draw: st.DrawFn, keys: st.SearchStrategy[dict[str, str]] | None = None
) -> list[dict[str, Any]]:
    """Rows of one series: a run of months of a year with holes (dense when none), or a
    few longer spans, or both; sometimes a revision of a row."""
    key = draw(keys if keys is not None else series_keys())
    out: list[dict[str, Any]] = []
    if draw(st.booleans()):
        year = draw(st.sampled_from(YEARS))
        first = draw(st.sampled_from((1, 1, 1, 3)))
        last = draw(st.integers(first, 12))
        holes = draw(st.sets(st.integers(1, 12), max_size=2)) if draw(st.booleans()) else set()
        out += [
            _row(draw, key, f"{year}-{m:02d}") for m in range(first, last + 1) if m not in holes
        ]
    for span in draw(st.lists(st.sampled_from(LONGER), max_size=3)):
        out.append(_row(draw, key, span))
    if out and draw(st.booleans()):  # a revision or a conflicting figure
        again = dict(draw(st.sampled_from(out)))
        again["value"] = draw(st.sampled_from(VALUES))
        again["published"] = draw(st.sampled_from(DATES))
        out.append(again)
    return out


datasets = st.lists(blocks(), min_size=1, max_size=10).map(
    lambda bs: [row for b in bs for row in b]
)
# One reporter's exports, in one currency, to three partners: series of one group's
# members side by side, so that its member sums are often complete.
narrow_datasets = st.lists(
    blocks(
        st.fixed_dictionaries(
            {
                "reporter": st.just("AZE"),
                "partner": st.sampled_from(("TJK", "KAZ", "DEU")),
                "flow": st.sampled_from(("export", "import", "turnover")),
                "currency": st.just("USD"),
            }
        )
    ),
    min_size=1,
    max_size=8,
).map(lambda bs: [row for b in bs for row in b])


def _keys(engine: Engine) -> list[SeriesKey]:
    """Every series of the data, and turnover of every pair with export or import."""
    keys = set(engine.keys())
    keys |= {k.with_flow("turnover") for k in keys}
    return sorted(keys)


@settings(max_examples=20, deadline=None)
@given(datasets, st.booleans())
def test_the_bulk_engine_finds_every_span_the_scalar_engine_finds(
    drawn: list[dict[str, Any]], include_flagged: bool
) -> None:
    data = frame(*drawn) if drawn else frame(obs("2022-01", 1.0))
    engine = Engine(data, include_flagged)
    plans = Bulk(Engine(data, include_flagged))
    for key in _keys(engine):
        plan = plans.plan(key)
        assert list(plan.years) == years_in(engine, key)
        for year in (2020, *YEARS):
            for months in range(1, 13):
                found = engine.value(key, Period.ytd(year, months)).found
                assert plan.found(year, months) == found, (key, year, months)


SPANS = tuple(
    [Period.parse(f"{y}-{m:02d}") for y in YEARS for m in range(1, 13)]
    + [Period.parse(p) for p in (*LONGER, "2022-Q3", "2022-Q4", "2022-H2", "2021-12/2022-01")]
    + [Period.ytd(y, m) for y in YEARS for m in range(2, 12)]
)


@settings(max_examples=20, deadline=None)
@given(datasets, st.booleans())
def test_the_bulk_engine_finds_any_span_the_scalar_engine_finds(
    drawn: list[dict[str, Any]], include_flagged: bool
) -> None:
    data = frame(*drawn) if drawn else frame(obs("2022-01", 1.0))
    engine = Engine(data, include_flagged)
    plans = Bulk(Engine(data, include_flagged))
    for key in _keys(engine):
        for period in SPANS:
            assert plans.found(key, period) == engine.value(key, period).found, (key, period)


@settings(max_examples=10, deadline=None)
@given(datasets, st.sampled_from(("world", "cis", "central-asia", "eu27")))
def test_a_group_value_in_bulk_is_the_engines(drawn: list[dict[str, Any]], name: str) -> None:
    data = frame(*drawn) if drawn else frame(obs("2022-01", 1.0))
    groups = load_bundled()
    group = groups.get(name)
    engine = Engine(data, group_codes=groups.codes)
    plans = Bulk(Engine(data, group_codes=groups.codes))
    for reporter in REPORTERS:
        for flow in FLOWS:
            for currency in ("USD", "EUR"):
                for period in SPANS[::5]:
                    ours = plans.group_value(reporter, group, flow, period, currency)
                    theirs = engine.group_value(reporter, group, flow, period, currency)
                    assert ours == theirs
                    assert ours.to_dict() == theirs.to_dict()
                    assert ours.explain() == theirs.explain()
                    assert plans.member_missing(
                        reporter, group, flow, period, currency
                    ) == engine.member_missing(reporter, group, flow, period, currency)


def test_a_member_sum_in_bulk_is_worked_out_by_the_bulk_path() -> None:
    """The draws above often end in the engine's own answer (a published total, no
    members); here the bulk path must make the sum itself: central Asia has no code, two
    of its five members have 2022 figures (3 + 4), the others none, so the sum is 7,
    incomplete, naming the three missing."""
    data = frame(obs("2022", 3.0, partner="TJK"), obs("2022", 4.0, partner="KAZ"))
    groups = load_bundled()
    group = groups.get("central-asia")
    engine = Engine(data, group_codes=groups.codes)
    delegated: list[object] = []
    real = engine.group_value

    def counting(*args: Any, **kwargs: Any) -> Any:
        delegated.append(args)
        return real(*args, **kwargs)

    bulk = Bulk(Engine(data, group_codes=groups.codes))
    bulk.engine.group_value = counting  # type: ignore[method-assign]
    ours = bulk.group_value("AZE", group, "turnover", Period.parse("2022"))
    assert delegated == []  # summed here, not handed to the engine
    assert ours.value == 7.0 and ours.rule == "member sum" and not ours.complete
    assert "incomplete: missing KGZ, TKM, UZB" in " ".join(ours.notes)
    assert ours == engine.group_value("AZE", group, "turnover", Period.parse("2022"))


def test_a_plan_reads_its_masks() -> None:
    plan = Plan((2021, 2022, 2023), (0xFFF, 0b111, 0))
    assert plan.full_years() == [2021]
    assert plan.found(2022, 3) and not plan.found(2022, 4) and not plan.found(2020, 1)
    assert plan.latest_ytd(None) == (2022, 3)
    assert plan.latest_ytd(2022) is None
    assert Plan((2023,), (0xFFF,)).latest_ytd(None) == (2023, 11)


def test_months_with_a_gap_leave_later_spans_of_the_year_unfound() -> None:
    rows = [obs(f"2022-{m:02d}", 1.0, flow="export") for m in (1, 2, 3, 5, 6)]
    plan = Bulk(Engine(frame(*rows))).plan(SeriesKey("AZE", "TJK", "export"))
    assert plan.years == (2022,)
    assert [plan.found(2022, m) for m in range(1, 7)] == [True, True, True, False, False, False]


def test_a_year_less_its_first_months_is_found_by_difference() -> None:
    # 2022 − Jan–Aug 2022 = Sep–Dec 2022; Jan–Aug found exactly, and the year.
    rows = [obs("2022", 12.0, flow="export"), obs("2022-01/2022-08", 8.0, flow="export")]
    plan = Bulk(Engine(frame(*rows))).plan(SeriesKey("AZE", "TJK", "export"))
    assert [m for m in range(1, 13) if plan.found(2022, m)] == [8, 12]
    # Across a year end: (Jul 2021–Jun 2022) − (Jul–Dec 2021) = Jan–Jun 2022.
    rows = [obs("2021-07/2022-06", 12.0), obs("2021-H2", 5.0)]
    plan = Bulk(Engine(frame(*rows))).plan(SeriesKey("AZE", "TJK", "turnover"))
    assert [m for m in range(1, 13) if plan.found(2022, m)] == [6]


def test_turnover_is_found_where_export_and_import_both_are() -> None:
    rows = [obs(f"2022-{m:02d}", 1.0, flow="export") for m in range(1, 13)]
    rows += [obs(f"2022-{m:02d}", 1.0, flow="import") for m in range(1, 5)]
    plan = Bulk(Engine(frame(*rows))).plan(SeriesKey("AZE", "TJK", "turnover"))
    assert [m for m in range(1, 13) if plan.found(2022, m)] == [1, 2, 3, 4]


# -- the commands: with the bulk engine and without, the same bytes --------------------------


@contextmanager
def _bulk(on: bool) -> Iterator[None]:
    """The bulk helper and the columnar path (``engine.bulk``, ``TRADECLI_BACKEND``) for
    any number of series (on), or neither (off: the reference engine alone)."""
    saved, env = masks.MIN_SERIES, os.environ.get(bulk.ENV)
    masks.MIN_SERIES = 0 if on else 1 << 62
    os.environ[bulk.ENV] = "bulk" if on else "reference"
    try:
        yield
    finally:
        masks.MIN_SERIES = saved
        if env is None:
            del os.environ[bulk.ENV]
        else:
            os.environ[bulk.ENV] = env


def _outputs(
    make: Callable[[Dataset], Report], data: Any, groups: Groups | None = None
) -> list[object]:
    dataset = Dataset(data, groups or load_bundled(), [])
    try:
        report = make(dataset)
    except NotAvailable as exc:  # nothing to answer: the same message
        return [str(exc)]
    # Every format byte for byte, the workbook too (its dates are fixed: render_xlsx). The
    # workbook once, with --explain: it is the one without plus the derivation on its notes
    # sheet (the notes and derivation apart: the other formats), and costs the most to write.
    return [
        render(report, fmt, explain)
        for fmt in OutputFormat
        for explain in (False, True)
        if explain or fmt is not OutputFormat.xlsx
    ]


def _same_with_and_without_bulk(
    make: Callable[[Dataset], Report], data: Any, groups: Groups | None = None
) -> None:
    with _bulk(False):
        scalar = _outputs(make, data, groups)
    with _bulk(True):
        columnar = _outputs(make, data, groups)
    assert columnar == scalar


def _summary(dataset: Dataset) -> Report:
    return summarize(dataset, _keys(dataset.engine)).report()


@settings(max_examples=15, deadline=None)
@given(datasets)
def test_summary_prints_the_same_with_the_bulk_engine(drawn: list[dict[str, Any]]) -> None:
    if drawn:
        _same_with_and_without_bulk(_summary, frame(*drawn))


@settings(max_examples=10, deadline=None)
@given(datasets, st.integers(1, 5))
def test_summary_prints_the_same_with_the_bulk_engine_a_few_rows_at_a_time(
    drawn: list[dict[str, Any]], chunk: int
) -> None:
    """The columns built a chunk of a few rows at a time (``SPAN_ROWS``: spans reconciled
    in chunks cut where a span begins; ``GATHER_ROWS``: the kept rows found) print what the
    reference engine prints."""
    from unittest import mock

    if drawn:
        with (
            mock.patch.object(bulk, "SPAN_ROWS", chunk),
            mock.patch.object(bulk, "GATHER_ROWS", chunk),
        ):
            _same_with_and_without_bulk(_summary, frame(*drawn))


def _growth(dataset: Dataset) -> Report:
    return growth(dataset, _keys(dataset.engine)).report()


@settings(max_examples=15, deadline=None)
@given(datasets)
def test_growth_prints_the_same_with_the_bulk_engine(drawn: list[dict[str, Any]]) -> None:
    if drawn:
        _same_with_and_without_bulk(_growth, frame(*drawn))


@settings(max_examples=15, deadline=None)
@given(
    datasets,
    st.sampled_from((2022, 2023)),
    st.sampled_from(tuple(Method)),
    st.booleans(),
)
def test_project_prints_the_same_with_the_bulk_engine(
    drawn: list[dict[str, Any]], year: int, method: Method, backtest: bool
) -> None:
    def make(dataset: Dataset) -> Report:
        return project(dataset, _keys(dataset.engine), year, method, backtest).report()

    if drawn:
        _same_with_and_without_bulk(make, frame(*drawn))


@settings(max_examples=15, deadline=None)
@given(
    datasets,
    st.sampled_from(("world", "cis", "central-asia")),
    st.sampled_from((None, "2022", "2022-01/2022-08", "2022-03")),
)
def test_share_prints_the_same_with_the_bulk_engine(
    drawn: list[dict[str, Any]], name: str, span: str | None
) -> None:
    def make(dataset: Dataset) -> Report:
        selection = Selection.parse(dataset, None, None, None)
        period = Period.parse(span) if span else None
        return group_shares(dataset, dataset.groups.get(name), selection, period).report()

    if drawn:
        _same_with_and_without_bulk(make, frame(*drawn))


# Groups of the drawn partners: both members with figures at times ("pair"); a member
# from mid-2022 and one never in the data until 2021 ("dated"); one never in it ("absent").
OWN_GROUPS = parse(
    "group,member,valid_from,valid_to,note\n"
    "pair,TJK,,,\npair,KAZ,,,\n"
    "dated,TJK,,,\ndated,DEU,2022-07,,\ndated,UZB,,2021-12,\n"
    "late,TJK,,,\nlate,DEU,,,\n"
    "absent,TJK,,,\nabsent,UZB,,,\n",
    "groups.csv",
)


@settings(max_examples=40, deadline=None)
@given(
    st.one_of(narrow_datasets, datasets),
    st.sampled_from(("pair", "dated", "late", "absent")),
    st.sampled_from((None, "2022", "2022-01/2022-08", "2022-03", "2022-09")),
)
def test_shares_in_groups_with_members_never_in_the_data_are_the_same_with_the_bulk_engine(
    drawn: list[dict[str, Any]], name: str, span: str | None
) -> None:
    """The months (and spans) whose members include one without any series are not added
    (``summary_bulk.Shares._with_figures``): summary's shares and ``share`` print the
    same as the reference, in groups whose sums are complete at times, in some months
    only, or never."""

    def summary_of(dataset: Dataset) -> Report:
        return summarize(dataset, _keys(dataset.engine)).report()

    def share_of(dataset: Dataset) -> Report:
        selection = Selection.parse(dataset, None, None, None)
        period = Period.parse(span) if span else None
        return group_shares(dataset, dataset.groups.get(name), selection, period).report()

    if drawn:
        for make in (summary_of, share_of):
            _same_with_and_without_bulk(make, frame(*drawn), OWN_GROUPS)


def _shares_shown(rows: list[dict[str, Any]], flow: str) -> dict[str, tuple[float, str]]:
    """The shares ``summary`` shows for AZE–TJK (``flow``) in ``OWN_GROUPS``: (value, span)
    by group, the same with the bulk engine and without."""
    shown = []
    for on in (False, True):
        with _bulk(on):
            dataset = Dataset(frame(*rows), OWN_GROUPS, [])
            (row,) = summarize(dataset, [SeriesKey("AZE", "TJK", flow, "USD")]).rows
            shown.append({s.group: (s.value, s.part.period.label()) for s in row.shares})
    assert shown[0] == shown[1]
    return shown[0]


def test_a_share_is_shown_only_where_every_member_of_the_month_has_a_figure() -> None:
    """By hand: AZE's exports to TJK (10 a month) and KAZ (30), 2022-01..2022-12, and
    to DEU (60) from 2022-04. In "pair" TJK is 10 / 40 = 25% of the latest month; in
    "dated" (DEU a member from 2022-07) and "late" (DEU a member throughout, without
    figures for Jan..Mar) 10 / 70; in "absent" (UZB never in the data) none: with the
    bulk engine and without."""
    rows = [
        obs(f"2022-{m:02d}", value, partner=partner, flow="export")
        for m in range(1, 13)
        for partner, value in (("TJK", 10.0), ("KAZ", 30.0), ("DEU", 60.0))
        if partner != "DEU" or m >= 4
    ]
    assert _shares_shown(rows, "export") == {
        "pair": (10 / 40, "Dec 2022"),
        "dated": (10 / 70, "Dec 2022"),
        "late": (10 / 70, "Dec 2022"),
    }


def test_a_turnover_share_counts_members_with_exports_and_imports_alone() -> None:
    """By hand: turnover from exports and imports (no turnover series): AZE–TJK 10 + 5 a
    month, AZE–KAZ 30 + 15, 2022; in "pair" 15 / 60 = 25% of December (a member with
    export and import series has figures, though no series of its own flow)."""
    rows = [
        obs(f"2022-{m:02d}", value, partner=partner, flow=flow)
        for m in range(1, 13)
        for partner, flow, value in (
            ("TJK", "export", 10.0),
            ("TJK", "import", 5.0),
            ("KAZ", "export", 30.0),
            ("KAZ", "import", 15.0),
        )
    ]
    assert _shares_shown(rows, "turnover") == {
        "pair": (15 / 60, "Dec 2022"),
        "dated": (1.0, "Jun 2022"),
    }


def test_a_share_over_a_span_beside_the_months_is_shown_where_its_members_have_it() -> None:
    """By hand, a key with a Jan..m figure beside its months (the span grid's path): AZE's
    exports to TJK, 10 a month for Jan..Jun 2022 and 80 for Jan..Aug; to KAZ, 30 a month
    all year. Jan..Aug is TJK's latest span: 80 / (80 + 240) = 25% in "pair"; in "dated"
    (DEU a member from July, without figures) June's, TJK its one member: 100%; none in
    "absent" (UZB never in the data): with the bulk engine and without."""
    rows = [obs(f"2022-{m:02d}", 10.0, partner="TJK", flow="export") for m in range(1, 7)]
    rows.append(obs("2022-01/2022-08", 80.0, partner="TJK", flow="export"))
    rows += [obs(f"2022-{m:02d}", 30.0, partner="KAZ", flow="export") for m in range(1, 13)]
    assert _shares_shown(rows, "export") == {
        "pair": (80 / 320, "Jan–Aug 2022"),
        "dated": (1.0, "Jun 2022"),
    }


def test_summary_of_a_generated_file_is_the_same_with_the_bulk_engine(
    generate: Callable[[int, int], Any],
) -> None:
    from tradecli.dataset import load

    dataset = load([generate(3_000, 3)], use_cache=False)
    with _bulk(False):
        scalar = _outputs(_summary, dataset.frame)
    with _bulk(True):
        columnar = _outputs(_summary, dataset.frame)
    assert columnar == scalar


@pytest.mark.parametrize("span", ["2023", "2023-01/2023-04", "2024-03", "2023-Q2"])
def test_world_shares_over_a_span_of_a_generated_file_are_the_same_with_the_bulk_engine(
    generate: Callable[[int, int], Any], span: str
) -> None:
    # A bulk download in small: a year, Jan..m, a month and a quarter, each of whose world
    # totals the columns sum (a span read off the wrong column, or a total of one partner
    # taken, printed other rows here).
    from tradecli.dataset import load

    dataset = load([generate(3_000, 5)], use_cache=False)

    def make(data: Dataset) -> Report:
        selection = Selection.parse(data, None, None, None)
        world = data.groups.get("world")
        return group_shares(data, world, selection, Period.parse(span)).report()

    with _bulk(False):
        scalar = _outputs(make, dataset.frame)
    with _bulk(True):
        columnar = _outputs(make, dataset.frame)
    assert columnar == scalar


def _walk(answer: Answer, written: dict[str, Any]) -> Iterator[tuple[Answer, dict[str, Any]]]:
    yield answer, written
    for part, part_written in zip(answer.parts, written.get("parts", []), strict=True):
        yield from _walk(part, part_written)


@settings(max_examples=15, deadline=None)
@given(datasets)
def test_every_derivation_lists_the_qualifiers_of_the_figures_under_it(
    drawn: list[dict[str, Any]],
) -> None:
    """``Answer.to_dict`` takes a node's qualifiers from its parts' dicts: at every node
    they are the node's own ``qualifiers`` (which walk every figure used), and the range
    is there exactly when some are and the value is found."""
    if not drawn:
        return
    engine = Engine(frame(*drawn))
    spans = {Period.parse(str(y)) for y in YEARS} | {Period.parse(s) for s in LONGER}
    for key in _keys(engine):
        for span in spans:
            answer = engine.value(key, span)
            for node, written in _walk(answer, answer.to_dict()):
                assert written["qualifiers"] == sorted(node.qualifiers)
                assert ("range" in written) == bool(node.qualifiers and node.found)


def _stdlib_json(report: Report) -> str:
    """The JSON ``render`` writes, written by the standard library instead (its pure-Python
    indented encoder, which knows nothing of ``json_text``'s ``Flat``, ``Headed``,
    ``Repeated``: dicts to it) from the same payload and fields."""
    import json

    from tradecli.render import json_payload
    from tradecli.safe_text import json_c1

    payload = json_payload(report)
    text = json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False, default=list)
    return json_c1(text) + "\n"


@settings(max_examples=15, deadline=None)
@given(datasets, st.booleans(), st.sampled_from(("world", "cis")))
def test_json_of_summary_and_share_is_the_standard_librarys_text(
    drawn: list[dict[str, Any]], on: bool, name: str
) -> None:
    """Byte for byte, with the columnar path or without: every derivation (revisions,
    conflicts, approximate figures and their ranges, differences and their notes, spans
    not available, member sums) written as the standard library writes it."""
    if not drawn:
        return
    with _bulk(on):
        dataset = Dataset(frame(*drawn), load_bundled(), [])
        selection = Selection.parse(dataset, None, None, None)
        reports = [_summary(dataset)]
        with suppress(NotAvailable):  # no share to show
            reports.append(
                group_shares(dataset, dataset.groups.get(name), selection, None).report()
            )
        for report in reports:
            assert render(report, OutputFormat.json).stdout == _stdlib_json(report)


def _month_parts(answer: Answer) -> Iterator[MonthParts]:
    if isinstance(answer.parts, MonthParts):
        yield answer.parts
    else:
        for part in answer.parts:
            yield from _month_parts(part)


def _read_and_made(data: Any) -> tuple[int, int]:
    """Every sum of months the reference engine answers over the data's years and
    year-to-date spans: the dicts of its months read from their rows
    (``SeriesSpans.month_dicts``) are those of the answers made (``Rules._exact``), of the
    same types; how many sums were read, and how many made."""
    engine = Engine(data)
    read = made = 0
    for key in _keys(engine):
        for year in YEARS:
            for months in (1, 5, 12):
                period = Period.ytd(year, months) if months < 12 else Period.year(year)
                answer = engine.value(key, period)
                for parts in _month_parts(answer):
                    assert parts._dicts is not None
                    fast = parts._dicts()  # before anything makes the answers
                    slow = [p.signed_dict(1) for p in parts]
                    assert parts.signed_dicts() == slow
                    if fast is None:
                        made += 1
                        continue
                    read += 1
                    assert fast == slow
                    assert [type(d) for d in fast] == [type(d) for d in slow]
                    for d, s in zip(fast, slow, strict=True):
                        assert [type(x) for x in d["sources"]] == [type(x) for x in s["sources"]]
    return read, made


@st.composite
def clean_year(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A whole year of single months of a partner the other blocks never draw (UZB), each
    one figure, none approximate or left out (what a bulk download holds): its Jan..5 is
    read from the rows; sometimes December revised, which leaves the year to the answers."""
    key = {**draw(series_keys()), "partner": "UZB", "flow": draw(st.sampled_from(FLOWS[:2]))}
    year = draw(st.sampled_from(YEARS))
    flags = st.sampled_from(("", "provisional"))
    out = [
        obs(f"{year}-{m:02d}", draw(st.sampled_from(VALUES)), flags=draw(flags), **key)
        for m in range(1, 13)
    ]
    if draw(st.booleans()):
        out.append({**out[-1], "value": draw(st.sampled_from(VALUES)), "published": DATES[-1]})
    return out


@settings(max_examples=20, deadline=None)
@given(datasets, clean_year())
def test_months_read_from_their_rows_are_the_answers_made(
    drawn: list[dict[str, Any]], clean: list[dict[str, Any]]
) -> None:
    read, _ = _read_and_made(frame(*drawn, *clean))
    assert read > 0  # the clean years' Jan..5 at least: the fast path is compared


def test_months_read_from_their_rows_by_hand() -> None:
    """One figure alone is read; a revised month, an approximate one, leave the sum to the
    answers made; a flagged figure left out leaves its month to the other; euros."""
    rows = [
        obs(f"2022-{m:02d}", 10.0 + m, flow="export", published="2022-03-01") for m in range(1, 13)
    ]
    rows += [obs(f"2022-{m:02d}", 5.0 + m, flow="import", currency="EUR") for m in range(1, 13)]
    rows += [obs(f"2023-{m:02d}", 1.5 * m, flow="export", flags="provisional") for m in range(1, 6)]
    rows += [obs("2023-02", 99.0, flow="export", flags="low-trust")]  # left out
    rows += [obs(f"2022-{m:02d}", 3.0, partner="KAZ", flow="export") for m in range(1, 13)]
    rows += [obs("2022-04", 4.0, partner="KAZ", flow="export", published="2023-01-01")]
    rows += [obs(f"2022-{m:02d}", 2.0, partner="DEU", flow="export") for m in range(1, 13)]
    rows[-1]["flags"] = "about"
    read, made = _read_and_made(frame(*rows))
    # Read: AZE-TJK export Jan-May and 2022, Jan-May 2023; import (EUR) Jan-May and 2022;
    # DEU Jan-May 2022. Made: KAZ (revised April) Jan-May and 2022; DEU 2022 (about).
    assert (read, made) == (6, 3)


@st.composite
def clean_pair(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Export and import of a partner the other blocks never draw (UZB) over 2022 and
    2023, one figure each, none approximate, with a few holes: what the years' arrays
    answer (its turnover by export + import). Export in single months; import in single
    months too, or in Jan..m figures (its months then differences)."""
    out = []
    for flow in ("export", "import"):
        key = {"reporter": "AZE", "partner": "UZB", "flow": flow}
        # Holes where the spans asked end (Mar, Aug and Dec of either year), or none.
        holes = draw(st.sets(st.sampled_from((2, 7, 11, 14, 19, 23)), max_size=2))
        cumulative = flow == "import" and draw(st.booleans())
        for t in range(24):
            if t not in holes:
                year, month = 2022 + t // 12, t % 12 + 1
                span = f"{year}-01/{year}-{month:02d}" if cumulative else f"{year}-{month:02d}"
                out.append(obs(span, draw(st.sampled_from(VALUES)) * (1 + t), **key))
    return out


@settings(max_examples=20, deadline=None)
@given(
    datasets,
    clean_pair(),
    st.sampled_from(
        (
            *("2022", "2023", "2023-01/2023-08", "2023-03", "2022-01", "2022-Q2"),
            *("2023-03/2023-10", "2022-11/2023-01"),
        )
    ),
)
def test_growth_over_a_span_prints_the_same_with_the_bulk_engine(
    drawn: list[dict[str, Any]], clean: list[dict[str, Any]], span: str
) -> None:
    # A full year, Jan..m and single months from the years' arrays (with a year before
    # them in the data or not); a quarter or another span not from January from the
    # columns key by key; a span across a year end is left to the reference.
    from tradecli.analysis.growth_bulk import bulk_growth

    period = Period.parse(span)

    def make(dataset: Dataset) -> Report:
        return growth(dataset, _keys(dataset.engine), period).report()

    data = frame(*drawn, *clean)
    _same_with_and_without_bulk(make, data)
    with _bulk(True):
        dataset = Dataset(data, load_bundled(), [])
        fast = bulk_growth(dataset, _keys(dataset.engine), period=period)
    answered = sorted(k.flow for k in fast if k.partner == "UZB")
    # The clean pair's three flows were answered from the columns, but over a span across
    # a year end.
    if period.start_year != period.end_year:
        assert answered == []
    else:
        assert answered == ["export", "import", "turnover"]


@settings(max_examples=15, deadline=None)
@given(
    st.lists(clean_pair(), min_size=1, max_size=3),
    st.sampled_from(("UZB", "TJK", "KGZ")),
    st.sampled_from(
        ("2022", "2023-01/2023-08", "2023-03", "2022-12", "2022-Q2", "2023-Q3", "2023-02/2023-05")
    ),
)
def test_world_shares_over_a_span_print_the_same_with_the_bulk_engine(
    pairs: list[list[dict[str, Any]]], other: str, span: str
) -> None:
    # Clean pairs (export and import in months or Jan..m figures, with holes) of one
    # reporter with up to three partners: the world totals the columns sum, and each
    # partner's share over the span, or why it has none, from the arrays.
    rows = [
        {**row, "partner": partner}
        for partner, pair in zip(("UZB", "TJK", "KGZ"), pairs, strict=False)
        for row in pair
    ]
    rows += [obs("2023-03", 4.0, partner=other, reporter="KAZ", flow="export")]

    def make(dataset: Dataset) -> Report:
        selection = Selection.parse(dataset, None, None, None)
        world = dataset.groups.get("world")
        return group_shares(dataset, world, selection, Period.parse(span)).report()

    _same_with_and_without_bulk(make, frame(*rows))


def test_a_world_share_over_a_span_without_the_partners_figure_by_hand() -> None:
    # AZE trades with UZB and TJK from December 2022 through 2023, with KGZ in 2023: the
    # world total of December 2022 is UZB + TJK (2 + 3), KGZ has no share of it, and its
    # latest spans are its own months (Jul-Dec 2023), not the Jan..m spans of 2023 its
    # months add up to.
    months = ["2022-12", *(f"2023-{m:02d}" for m in range(1, 13))]
    rows = [obs(m, 2.0, partner="UZB") for m in months]
    rows += [obs(m, 3.0, partner="TJK") for m in months]
    rows += [obs(m, 5.0, partner="KGZ") for m in months[1:]]
    world = load_bundled().get("world")
    with _bulk(True):
        dataset = Dataset(frame(*rows), load_bundled(), [])
        keys = Selection.parse(dataset, None, None, None).keys(dataset)
        result = shares(dataset, keys, world, Period.parse("2022-12"))
    assert {s.key.partner: s.value for s in result.shares} == {"UZB": 2 / 5, "TJK": 3 / 5}
    assert [(u.key.partner, u.reason) for u in result.unanswered] == [
        (
            "KGZ",
            "no AZE–KGZ turnover figure for Dec 2022; its latest spans: "
            "Jul 2023, Aug 2023, Sep 2023, Oct 2023, Nov 2023, Dec 2023",
        )
    ]


@settings(max_examples=20, deadline=None)
@given(datasets, clean_pair(), st.booleans())
def test_an_answer_from_the_columns_has_the_flags_of_the_reference(
    drawn: list[dict[str, Any]], clean: list[dict[str, Any]], include_flagged: bool
) -> None:
    # Answer.flags of a sum gathers each part's flags(): for a part from the columns
    # (BulkAnswer.flag_words) that is the reference's flags only if the two agree.
    from tradecli.engine.bulk import BulkAnswer
    from tradecli.engine.bulk import Engine as Columnar

    flagged = [{**row, "flags": "provisional"} for row in clean[::3]]
    engine = Columnar(frame(*drawn, *clean, *flagged), include_flagged)
    spans = ("2022-03", "2023-01/2023-08", "2022", "2022-Q2", "2021-11/2022-02")
    compared = 0
    for key in _keys(engine):
        for span in spans:
            answer = engine.value(key, Period.parse(span))
            if isinstance(answer, BulkAnswer) and answer.flag_words is not None:
                assert answer.flags() == answer.reference().flags(), (key, span)
                compared += 1
    assert compared > 0
