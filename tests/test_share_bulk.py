"""``share --vs world`` from the columns (``analysis.share_bulk``): values worked out by
hand, and the whole command equal to the reference engine's on drawn datasets whose
series have year and year-to-date figures beside their months."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tests.test_bulk_arrays import with_year_to_date
from tests.test_bulk_engine import _bulk, _growth, _same_with_and_without_bulk, _summary
from tradecli.analysis.growth_bulk import latest_changes
from tradecli.analysis.share import (
    Ranking,
    Share,
    ShareResult,
    Unanswered,
    group_shares,
    share_keys,
    share_of,
)
from tradecli.analysis.share_bulk import world_rankings, world_shares
from tradecli.analysis.span_cells import key_cells
from tradecli.analysis.summary_bulk import Shares, columns_of
from tradecli.dataset import Dataset
from tradecli.engine.answers import EXPORT_PLUS_IMPORT, MEMBER_SUM, SeriesKey
from tradecli.engine.bulk import Columns
from tradecli.errors import NotAvailable
from tradecli.groups import load_bundled
from tradecli.periods import Period
from tradecli.render import Report
from tradecli.selection import Selection

# ``with_year_to_date``, mostly without its approximate figures: a world total is answered
# from the columns only when every partner of the reporter is simple.
mostly_simple = st.tuples(with_year_to_date(), st.integers(0, 3)).map(
    lambda drawn: drawn[0] if drawn[1] == 0 else [r for r in drawn[0] if r["flags"] != "about"]
)

KAZ = SeriesKey("AZE", "KAZ", "turnover")
TJK = SeriesKey("AZE", "TJK", "turnover")
UZB = SeriesKey("AZE", "UZB", "turnover")


def _by_hand() -> Dataset:
    """AZE's trade, 2023. TJK: export months Jan–Mar (1, 2, 3) and an export Jan..3 figure
    6.5 (published beside them), import Jan..2 and Jan..3 figures 4 and 10, no import
    months. KAZ: export and import months Jan–Mar (100, 200, 300; 10, 20, 30), no Jan..3
    figure. UZB: an export Jan..3 figure 50, no import."""
    rows = [obs(f"2023-{m:02d}", float(m), flow="export") for m in (1, 2, 3)]
    rows += [obs("2023-01/2023-03", 6.5, flow="export", flags="provisional")]
    rows += [obs("2023-01/2023-03", 10.0, flow="import")]
    rows += [obs("2023-01/2023-02", 4.0, flow="import")]
    for m, (x, i) in enumerate(((100.0, 10.0), (200.0, 20.0), (300.0, 30.0)), start=1):
        rows += [obs(f"2023-{m:02d}", x, flow="export", partner="KAZ")]
        rows += [obs(f"2023-{m:02d}", i, flow="import", partner="KAZ")]
    rows += [obs("2023-01/2023-03", 50.0, flow="export", partner="UZB")]
    return Dataset(frame(*rows), load_bundled(), [])


def test_world_shares_by_hand() -> None:
    """TJK's turnover spans are the spans its export and import both have: Jan..3 2023
    alone (6.5 + 10 = 16.5). The world total over it sums the partners in order, each by
    the rules: KAZ's Jan..3 is its months tiled (600 + 60 = 660), TJK's 16.5, UZB has no
    import (missing): 660 + 16.5 = 676.5, 2 of 3 partners, partial. TJK's March (export 3
    + import 10 - 4 = 6, rule 3) is found but is no span of TJK: not a candidate. KAZ's
    spans are its three months; the latest, March: 330 of 330 + 9 = 339 (TJK's March
    counts in the total)."""
    dataset = _by_hand()
    found = world_shares(dataset, columns_of(dataset), [KAZ, TJK], dataset.groups.get("world"))
    share = found[TJK]
    assert isinstance(share, Share) and share.partial
    assert share.period == Period.ytd(2023, 3)
    assert share.part.value == 16.5 and share.part.rule == EXPORT_PLUS_IMPORT
    assert share.part.flags() == ["provisional"]
    assert share.total.value == 676.5 and share.total.rule == MEMBER_SUM
    assert len(share.total.parts) == 2
    assert share.total.notes == (
        "2 of 3 members have data",
        "incomplete: missing UZB; this is not the group total",
        "sum over the partners present in the data, not every partner: a partial total",
    )
    assert share.value == 16.5 / 676.5
    kaz = found[KAZ]
    assert isinstance(kaz, Share) and kaz.period == Period.month(2023 * 12 + 2)
    assert (kaz.part.value, kaz.total.value, kaz.value) == (330.0, 339.0, 330.0 / 339.0)
    assert kaz.total.notes[:2] == (
        "2 of 3 members have data",
        "incomplete: missing UZB; this is not the group total",
    )


def test_no_share_by_hand() -> None:
    """UZB has no turnover (no import): no span; the reason is the reference's."""
    dataset = _by_hand()
    found = world_shares(dataset, columns_of(dataset), [UZB], dataset.groups.get("world"))
    unanswered = found[UZB]
    assert isinstance(unanswered, Unanswered)
    assert unanswered.reason == (
        "no span has both the partner's figure and a AZE–WORLD total (published, or a sum "
        "over two or more partners); "
        "AZE–WORLD spans in the data: none"
    )


def test_the_command_gives_the_hand_values() -> None:
    """``group_shares`` (what ``share --vs world`` asks) takes them, largest first; UZB
    without one. The reference engine alone gives the same."""
    for columnar in (True, False):
        with _bulk(columnar):
            dataset = _by_hand()
            selection = Selection.parse(dataset, None, None, None)
            result = group_shares(dataset, dataset.groups.get("world"), selection)
        assert isinstance(result, ShareResult)
        assert [(s.key, s.period, s.value) for s in result.shares] == [
            (KAZ, Period.month(2023 * 12 + 2), 330.0 / 339.0),
            (TJK, Period.ytd(2023, 3), 16.5 / 676.5),
        ]
        assert [u.key for u in result.unanswered] == [UZB]


def _a_quarter_by_hand() -> Dataset:
    """AZE's trade in 2023, by month and Jan..m figure, with three partners. UZB: export
    months Apr-Jun 1, 2, 3 and import months 10, 20, 30, and 0 for both in Jul-Sep. TJK:
    export Jan..3 and Jan..6 figures 40 and 100 (no months), import months Apr-Jun 5
    each. KGZ: export months Apr and Jun (May missing), import months Apr-Jun 7 each."""
    rows = []
    for m, (x, i) in zip((4, 5, 6), ((1.0, 10.0), (2.0, 20.0), (3.0, 30.0)), strict=True):
        rows += [obs(f"2023-{m:02d}", x, flow="export", partner="UZB")]
        rows += [obs(f"2023-{m:02d}", i, flow="import", partner="UZB")]
        rows += [obs(f"2023-{m:02d}", 5.0, flow="import", partner="TJK")]
        rows += [obs(f"2023-{m:02d}", 7.0, flow="import", partner="KGZ")]
    rows += [obs("2023-01/2023-03", 40.0, flow="export", partner="TJK")]
    rows += [obs("2023-01/2023-06", 100.0, flow="export", partner="TJK", flags="provisional")]
    rows += [obs(f"2023-{m:02d}", 9.0, flow="export", partner="KGZ") for m in (4, 6)]
    for flow in ("export", "import"):  # UZB's third quarter: nothing traded, said as 0
        rows += [obs(f"2023-{m:02d}", 0.0, flow=flow, partner="UZB") for m in (7, 8, 9)]
    return Dataset(frame(*rows), load_bundled(), [])


def test_world_shares_over_a_quarter_by_hand() -> None:
    """Q2 2023 is no column of the span grid (a month or Jan..m): each partner's turnover
    over it from the columns. UZB: export 1 + 2 + 3 plus import 10 + 20 + 30 = 66; TJK:
    export Jan..6 less Jan..3, 100 - 40 = 60, plus import 15 = 75 (provisional); KGZ: no
    export figure for May, so none. The world total: 75 + 66 = 141, 2 of 3 partners,
    KGZ missing. The shares and KGZ's reason are the reference engine's too."""
    dataset = _a_quarter_by_hand()
    world, q2 = dataset.groups.get("world"), Period.parse("2023-Q2")
    uzb, tjk, kgz = (SeriesKey("AZE", p, "turnover") for p in ("UZB", "TJK", "KGZ"))
    found = world_shares(dataset, columns_of(dataset), [kgz, tjk, uzb], world, q2)
    assert set(found) == {kgz, tjk, uzb}  # all three from the columns
    share_uzb, share_tjk = found[uzb], found[tjk]
    assert isinstance(share_uzb, Share) and isinstance(share_tjk, Share)
    assert share_uzb.part.value == 66.0 and share_uzb.part.rule == EXPORT_PLUS_IMPORT
    assert share_tjk.part.value == 75.0 and share_tjk.part.flags() == ["provisional"]
    assert share_tjk.total.value == 141.0 and share_tjk.total.rule == MEMBER_SUM
    assert share_tjk.total.flags() == ["provisional"]
    assert share_tjk.total.notes[:2] == (
        "2 of 3 members have data",
        "incomplete: missing KGZ; this is not the group total",
    )
    assert (share_uzb.value, share_tjk.value) == (66.0 / 141.0, 75.0 / 141.0)
    assert isinstance(found[kgz], Unanswered)
    # May-Jun: UZB alone has a figure (export 5, import 50; TJK's export would need
    # Jan..4): a total of one partner is none, for each key, in the reference's words.
    # So is May alone (a column of the grid; UZB, the last partner, 2 + 20). In the third
    # quarter and in August, UZB's total is 0: no share of it, said so.
    may_jun, may = Period.parse("2023-05/2023-06"), Period.parse("2023-05")
    q3, august = Period.parse("2023-Q3"), Period.parse("2023-08")
    alone = {
        span: world_shares(dataset, columns_of(dataset), [kgz, tjk, uzb], world, span)
        for span in (may_jun, may, q3, august)
    }
    for span, shares in alone.items():
        assert set(shares) == {kgz, tjk, uzb}
        why = "is 0: no share of it" if span in (q3, august) else "(UZB) are 1 of 3"
        assert all(isinstance(u, Unanswered) and why in u.reason for u in shares.values())
    with _bulk(False):
        reference = Dataset(dataset.frame, load_bundled(), [])
        for key in (uzb, tjk, kgz):
            expected = share_of(reference.engine, key, world, q2)
            assert found[key].to_dict() == expected.to_dict()
            for span, shares in alone.items():
                assert shares[key] == share_of(reference.engine, key, world, span)


def test_key_cells_by_hand() -> None:
    """Per span (month t at 2 t, Jan..m of its year at 2 t + 1): TJK's turnover has Jan..3
    as its one candidate; its March is found (export + the import's difference) but is
    no span of it; KAZ's months are found and are its candidates, its Jan..3 found
    (tiled) but not one of its spans."""
    dataset = _by_hand()
    columns: Columns = columns_of(dataset)
    made = key_cells(columns, [TJK, KAZ, UZB])
    assert made is not None
    cells, simple = made
    assert simple.tolist() == [True, True, True]
    march = 2 * (2023 * 12 + 2 - columns.first_month)
    assert cells.candidate[:, march].tolist() == [False, True, False]
    assert cells.candidate[:, march + 1].tolist() == [True, False, False]
    assert cells.found[:, march].tolist() == [True, True, False]
    assert cells.xm[:, march].tolist() == [True, True, False]
    assert cells.found[:, march + 1].tolist() == [True, True, False]
    assert cells.value[:, march].tolist() == [9.0, 330.0, 0.0]
    assert cells.value[:, march + 1].tolist() == [16.5, 660.0, 0.0]
    assert cells.parts[:, march + 1].tolist() == [2, 2, 0]
    assert cells.candidate.sum() == 4  # TJK's Jan..3, KAZ's three months


def test_the_drawn_world_shares_reach_the_columns() -> None:
    """On the drawn datasets, most keys are answered by the columns, many of them keys
    with Jan..m figures beside their months (else the property below would compare the
    reference with itself)."""
    counts = [0, 0, 0]

    # The same draws every run: a count over random draws would fail now and then.
    @settings(max_examples=15, deadline=None, derandomize=True)
    @given(mostly_simple)
    def count(drawn: list[dict[str, Any]]) -> None:
        dataset = Dataset(frame(*drawn), load_bundled(), [])
        world = dataset.groups.get("world")
        try:
            keys = share_keys(dataset, world, Selection.parse(dataset, None, None, None))
        except NotAvailable:
            return
        columns = columns_of(dataset)
        answered = world_shares(dataset, columns, keys, world)
        counts[0] += len(answered)
        counts[1] += len(keys)
        counts[2] += sum(columns.roles(k) is None for k in answered)  # not single months

    count()
    assert counts[0] > counts[1] / 2 and counts[2] > counts[0] / 4


@settings(max_examples=12, deadline=None)
@given(mostly_simple)
def test_world_shares_with_year_to_date_figures_print_what_the_reference_prints(
    drawn: list[dict[str, Any]],
) -> None:
    def make(dataset: Dataset) -> Report:
        selection = Selection.parse(dataset, None, None, None)
        return group_shares(dataset, dataset.groups.get("world"), selection).report()

    _same_with_and_without_bulk(make, frame(*drawn))


# -- every partner ranked (``share --vs world --all``: ``share_bulk.world_rankings``) ---------


def test_world_ranking_by_hand() -> None:
    """AZE's turnover partners KAZ, TJK, UZB. The spans looked at are those where a partner
    has a turnover figure of its own spans: KAZ's months Jan–Mar, TJK's Jan..3 (UZB has no
    import). A world total needs two partners: Jan..3 (KAZ 660 tiled, TJK 16.5) and March
    (KAZ 330, TJK 3 + 10 - 4 = 9) have two, January and February one (TJK's import has no
    January or February). Two each: the latest, then the longest, is Jan..3. KAZ ranks first;
    UZB is missing."""
    dataset = _by_hand()
    world = dataset.groups.get("world")
    found = world_rankings(dataset, columns_of(dataset), ["AZE"], world, "turnover", "TJK")
    ranking = found["AZE"]
    assert isinstance(ranking, Ranking)
    assert ranking.period == Period.ytd(2023, 3)
    assert [(a.key.partner, a.value) for a in ranking.members] == [("KAZ", 660.0), ("TJK", 16.5)]
    assert ranking.missing == ["UZB"] and ranking.partner == "TJK"
    assert ranking.total.value == 676.5 and ranking.total.rule == MEMBER_SUM
    assert ranking.total.notes == (
        "2 of 3 members have data",
        "incomplete: missing UZB; this is not the group total",
        "sum over the partners present in the data, not every partner: a partial total",
    )


def test_no_world_ranking_by_hand() -> None:
    """UZB's one partner (AZE, an export figure): no span has a total of two partners."""
    rows = [obs("2023-01", 5.0, reporter="UZB", partner="AZE", flow="export")]
    rows += [obs("2023-01", 7.0, reporter="UZB", partner="AZE", flow="import")]
    dataset = Dataset(frame(*rows), load_bundled(), [])
    world = dataset.groups.get("world")
    found = world_rankings(dataset, columns_of(dataset), ["UZB"], world, "turnover")
    assert found == {
        "UZB": "no span with a UZB–WORLD total or a complete member sum; "
        "WORLD totals in the data: none"
    }


def test_a_ranking_makes_its_derivation_only_when_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bulk answer's derivation is the reference engine's answer, made on asking (a whole
    file's: +0.9 s and +300 MB on the dense 1M bench file): a ranking's table and CSV ask
    none; ``--explain`` gets the total's lines, then KAZ's, then TJK's."""
    from tradecli.engine.bulk import BulkAnswer
    from tradecli.render import OutputFormat, render

    made: list[SeriesKey] = []
    reference = BulkAnswer.reference

    def counted(self: BulkAnswer) -> Any:
        made.append(self.key)
        return reference(self)

    dataset = _by_hand()
    with _bulk(True):
        result = group_shares(
            dataset,
            dataset.groups.get("world"),
            Selection.parse(dataset, "AZE", None, None),
            rank_all=True,
        )
        (ranking,) = result.rankings
        answers = (ranking.total, *ranking.members)
        assert [a.key.partner for a in ranking.members] == ["KAZ", "TJK"]
        assert all(isinstance(a, BulkAnswer) for a in answers)
        monkeypatch.setattr(BulkAnswer, "reference", counted)
        report = result.report()
        for fmt in (OutputFormat.table, OutputFormat.csv):
            render(report, fmt)
        assert made == []
        lines = report.derivation()
        assert {k.partner for k in made} == {"WORLD", "KAZ", "TJK"}
        monkeypatch.setattr(BulkAnswer, "reference", reference)
        total, kaz, tjk = (a.explain() for a in answers)
    assert total and kaz and tjk and lines == [*total, *kaz, *tjk]


@settings(max_examples=10, deadline=None)
@given(mostly_simple, st.sampled_from(["turnover", "export"]))
def test_world_rankings_print_what_the_reference_prints(
    drawn: list[dict[str, Any]], flow: str
) -> None:
    def make(dataset: Dataset) -> Report:
        selection = Selection.parse(dataset, None, None, flow)
        world = dataset.groups.get("world")
        return group_shares(dataset, world, selection, rank_all=True).report()

    _same_with_and_without_bulk(make, frame(*drawn))


# -- growth's latest span over the same grid (``growth_bulk.latest_changes``) -------------


def test_latest_changes_by_hand() -> None:
    """TJK's export: months 2022-01..03 (1, 2, 4) and 2023-01..03 (1, 2, 3), a 2023 Jan..3
    figure 6.5. Its latest span ends in March 2023, the longest: Jan..3 2023 (6.5, exact),
    against Jan..3 2022 (the months tiled: 1 + 2 + 4 = 7): 6.5 / 7 - 1. KAZ's import: months
    2022-01..03 (2, 0, 0) and 2023-01..03 (5, 6, 8): March 2023 against a zero March 2022
    cannot be computed; the latest earlier span with a change: January (5 / 2 - 1; February
    2022 is zero too). UZB's export: Jan..2 and Jan..3 2023 figures: Jan..3, no base."""
    rows = [obs(f"2022-{m:02d}", v, flow="export") for m, v in ((1, 1.0), (2, 2.0), (3, 4.0))]
    rows += [obs(f"2023-{m:02d}", float(m), flow="export") for m in (1, 2, 3)]
    rows += [obs("2023-01/2023-03", 6.5, flow="export")]
    rows += [
        obs(f"2022-{m:02d}", v, flow="import", partner="KAZ")
        for m, v in ((1, 2.0), (2, 0.0), (3, 0.0))
    ]
    rows += [
        obs(f"2023-{m:02d}", v, flow="import", partner="KAZ")
        for m, v in ((1, 5.0), (2, 6.0), (3, 8.0))
    ]
    rows += [obs("2023-01/2023-03", 50.0, flow="export", partner="UZB")]
    rows += [obs("2023-01/2023-02", 20.0, flow="export", partner="UZB")]
    dataset = Dataset(frame(*rows), load_bundled(), [])
    tjk, kaz, uzb = TJK.with_flow("export"), KAZ.with_flow("import"), UZB.with_flow("export")
    found = latest_changes(dataset.engine, columns_of(dataset), [tjk, kaz, uzb])
    assert all(found[k] is not None for k in (tjk, kaz, uzb))
    change, earlier = found[tjk] or _never()
    assert change.current.period == Period.ytd(2023, 3) and change.base.period == Period.ytd(
        2022, 3
    )
    assert (change.current.value, change.base.value) == (6.5, 7.0)
    assert change.value == 6.5 / 7.0 - 1 and earlier is None
    change, earlier = found[kaz] or _never()
    assert change.current.period == Period.month(2023 * 12 + 2) and change.base.value == 0.0
    assert change.value is None and earlier is not None
    assert earlier.current.period == Period.month(2023 * 12) and earlier.value == 5.0 / 2.0 - 1
    change, earlier = found[uzb] or _never()
    assert change.current.period == Period.ytd(2023, 3) and not change.base.found
    assert change.current.value == 50.0
    assert change.reason == "not computable: no Q1 2022 figure to compare with"
    assert earlier is None


@settings(max_examples=6, deadline=None)
@given(mostly_simple)
def test_growth_with_year_to_date_figures_prints_what_the_reference_prints(
    drawn: list[dict[str, Any]],
) -> None:
    _same_with_and_without_bulk(_growth, frame(*drawn))


def _never() -> Any:
    raise AssertionError("not answered")


# -- a listed group's share over every span (``summary_bulk.Shares``) -----------------------


def test_listed_group_share_over_every_span_by_hand() -> None:
    """AZE's exports, 2023. TJK: months Jan–Mar (1, 2, 3) and a Jan..3 figure 6.5; KAZ, KGZ
    and TKM: months Jan–Mar (10, 20, 30); UZB: January and February only. TJK's spans,
    latest first: Jan..3 and March lack UZB (a sum with a member missing is no total),
    February has every member: 20 + 20 + 2 + 20 + 20 = 82 (members in order), share 2 / 82.
    The reference engine says the same."""
    rows = [obs(f"2023-{m:02d}", float(m), flow="export") for m in (1, 2, 3)]
    rows += [obs("2023-01/2023-03", 6.5, flow="export")]
    for partner in ("KAZ", "KGZ", "TKM", "UZB"):
        months = (1, 2) if partner == "UZB" else (1, 2, 3)
        rows += [obs(f"2023-{m:02d}", 10.0 * m, flow="export", partner=partner) for m in months]
    dataset = Dataset(frame(*rows), load_bundled(), [])
    group, key = dataset.groups.get("central-asia"), TJK.with_flow("export")
    found = Shares(dataset, columns_of(dataset), lambda: None).latest(key, group)
    assert isinstance(found, Share) and not found.partial
    assert found.period == Period.month(2023 * 12 + 1)
    assert (found.part.value, found.total.value, found.value) == (2.0, 82.0, 2.0 / 82.0)
    assert found.total.notes == ("5 of 5 members have data",)
    with _bulk(False):
        reference = share_of(Dataset(frame(*rows), load_bundled(), []).engine, key, group)
    assert isinstance(reference, Share)
    assert (reference.period, reference.total.value, reference.value) == (
        found.period,
        82.0,
        2.0 / 82.0,
    )


@settings(max_examples=6, deadline=None)
@given(mostly_simple)
def test_summary_with_year_to_date_figures_prints_what_the_reference_prints(
    drawn: list[dict[str, Any]],
) -> None:
    _same_with_and_without_bulk(_summary, frame(*drawn))


@settings(max_examples=8, deadline=None)
@given(mostly_simple)
def test_listed_group_shares_with_year_to_date_figures_print_what_the_reference_prints(
    drawn: list[dict[str, Any]],
) -> None:
    def make(dataset: Dataset) -> Report:
        selection = Selection.parse(dataset, None, None, None)
        return group_shares(dataset, dataset.groups.get("central-asia"), selection).report()

    _same_with_and_without_bulk(make, frame(*drawn))
