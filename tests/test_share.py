"""Shares of a group: the published total first, else a complete member sum; never a partial sum."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tradecli.analysis.share import (
    Ranking,
    RankingResult,
    Share,
    ShareResult,
    Unanswered,
    group_shares,
    member_keys,
    rank_members,
    share_of,
    shares,
)
from tradecli.dataset import Dataset
from tradecli.engine.answers import AGGREGATE, MEMBER_SUM, SeriesKey
from tradecli.engine.reference import Engine
from tradecli.errors import NotAvailable
from tradecli.groups import Group, Membership, load_bundled
from tradecli.periods import Period
from tradecli.render import share_percent
from tradecli.selection import Selection

TJK = SeriesKey("AZE", "TJK", "turnover")
JAN_APR_2024 = Period.parse("2024-01/2024-04")


def _group(name: str, *members: str, code: str = "") -> Group:
    return Group(name, code, tuple(Membership(m, 0, 10**6, "") for m in members), "test")


def test_tajikistan_share_of_cis_stat_is_the_latest_span_with_both(bundled: Dataset) -> None:
    found = share_of(bundled.engine, TJK, bundled.groups.get("cis-stat"))
    assert isinstance(found, Share)
    assert found.period == JAN_APR_2024
    assert found.total.rule == AGGREGATE
    assert found.value == pytest.approx(2_208_000 / 1.92e9)
    assert share_percent(found.value) == "0.115%"


def test_no_cis_total_for_jan_jul_2023_names_the_spans_there_are(bundled: Dataset) -> None:
    keys = [TJK, SeriesKey("AZE", "RUS", "turnover")]
    with pytest.raises(NotAvailable) as error:
        shares(bundled, keys, bundled.groups.get("cis"), Period.parse("2023-01/2023-07"))
    message = str(error.value)
    assert "no AZE–CIS total for Jan–Jul 2023" in message
    assert "Jan–Apr 2024" in message
    assert "not the total" in message  # TJK alone is an incomplete member sum


def test_a_member_sum_stands_in_only_when_complete(bundled: Dataset) -> None:
    found = share_of(bundled.engine, TJK, bundled.groups.get("central-asia"))
    assert isinstance(found, Share)
    assert found.total.rule == MEMBER_SUM and found.total.complete
    members = [87_269e3, 24_728e3, 2_208e3, 150_614e3, 50_944e3]  # KAZ KGZ TJK TKM UZB
    assert found.total.value == pytest.approx(sum(members))
    assert found.value == pytest.approx(2_208e3 / sum(members))


def test_an_incomplete_member_sum_is_never_the_total() -> None:
    engine = Engine(frame(obs("2023", 10, partner="AAA"), obs("2023", 30, partner="BBB")))
    group = _group("trio", "AAA", "BBB", "CCC")
    found = share_of(engine, SeriesKey("AZE", "AAA", "turnover"), group, Period.year(2023))
    assert isinstance(found, Unanswered)
    assert "2 of 3" in found.reason and "not the total" in found.reason


def test_world_uses_the_published_world_total(bundled: Dataset) -> None:
    found = share_of(bundled.engine, TJK, bundled.groups.get("world"))
    assert isinstance(found, Share)
    assert found.period == Period.year(2023) and not found.partial
    assert found.value == pytest.approx(6.1e6 / 51e9)


def test_world_without_a_total_is_a_partial_sum_and_says_so(bundled: Dataset) -> None:
    found = share_of(bundled.engine, TJK, bundled.groups.get("world"), JAN_APR_2024)
    assert isinstance(found, Share) and found.partial
    assert "partial" in found.basis
    assert found.to_dict()["partial"] is True


def test_ranking_every_cis_member_shows_what_the_list_misses(bundled: Dataset) -> None:
    ranking = rank_members(bundled.engine, "AZE", bundled.groups.get("cis"), "turnover")
    assert isinstance(ranking, Ranking)
    assert ranking.period == JAN_APR_2024
    assert [a.key.partner for a in ranking.members][:2] == ["RUS", "TKM"]
    assert ranking.missing == ["ARM"]
    listed = 1_308_456 + 150_614 + 137_063 + 87_269 + 50_944 + 24_728 + 3_422 + 2_208
    assert ranking.covered == pytest.approx(listed * 1e3 / 1.92e9)
    assert any("not the 'cis' list" in n for n in ranking_report_notes(bundled))


def ranking_report_notes(bundled: Dataset) -> list[str]:
    from tradecli.analysis.share import rankings

    return rankings(bundled, ["AZE"], bundled.groups.get("cis"), "turnover").report().notes


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=2, max_size=6))
def test_shares_of_a_complete_group_sum_to_one(values: list[int]) -> None:
    members = [f"M{chr(65 + i)}{chr(65 + i)}" for i in range(len(values))]
    data = frame(
        *(obs("2023-01/2023-06", v, partner=m) for m, v in zip(members, values, strict=True))
    )
    engine = Engine(data)
    group = _group("synthetic", *members)
    found = [share_of(engine, SeriesKey("AZE", m, "turnover"), group) for m in members]
    assert all(isinstance(s, Share) for s in found)
    total = sum(s.value or 0.0 for s in found if isinstance(s, Share))
    assert math.isclose(total, 1.0, rel_tol=1e-9)
    ranking = rank_members(engine, "AZE", group, "turnover")
    assert isinstance(ranking, Ranking)
    assert ranking.covered == pytest.approx(1.0)


def test_the_share_question_falls_back_to_the_reporter_with_the_group_total(
    bundled: Dataset,
) -> None:
    cis = bundled.groups.get("cis")
    assert len(bundled.reporters()) > 1  # no single reporter: the CIS total decides
    result = group_shares(bundled, cis, Selection.parse(bundled, None, "TJK"))
    assert isinstance(result, ShareResult)
    assert [s.key for s in result.shares] == [TJK]
    assert result.shares[0].value == pytest.approx(2_208e3 / 1.92e9)
    ranked = group_shares(bundled, cis, Selection.parse(bundled, None, "TJK"), rank_all=True)
    assert isinstance(ranked, RankingResult)
    assert [r.reporter for r in ranked.rankings] == ["AZE"]


def test_the_share_question_refuses_a_partner_outside_the_group(bundled: Dataset) -> None:
    cis = bundled.groups.get("cis")
    with pytest.raises(NotAvailable, match=r"TUR is not a member of cis; its members are: ARM"):
        group_shares(bundled, cis, Selection.parse(bundled, "AZE", "TUR"))
    with pytest.raises(NotAvailable, match="no series of AZE with a member of eu27"):
        group_shares(bundled, bundled.groups.get("eu27"), Selection.parse(bundled, "AZE", None))


def test_share_percent_of_values_that_are_not_finite() -> None:
    """A backtest's error where a figure overflowed is infinite: written as such, never
    an OverflowError from its digits (``log10`` of inf); NaN is not available."""
    assert share_percent(float("inf")) == "inf%"
    assert share_percent(float("-inf")) == "-inf%"
    assert share_percent(float("nan")) == "n/a"
    assert share_percent(0.00115) == "0.115%"  # by hand: 0.115 %, three figures


def test_the_keys_a_share_asks_of_by_hand() -> None:
    """``member_keys``: each (reporter, partner, currency) of the reporters asked once,
    with the flow asked, sorted; never the reporter with itself nor a group's code (the
    bundled ``WORLD``); of a group of listed members, its members alone; with a partner,
    that partner alone."""
    flows = ("export", "import", "turnover")
    rows = [obs("2023-01", 1.0, partner=p, flow=f) for p in ("TJK", "KAZ") for f in flows]
    rows += [obs("2023-01", 2.0, partner="KAZ", flow="export", currency="EUR")]
    rows += [obs("2023-01", 3.0, partner=p) for p in ("AZE", "WORLD", "RUS")]
    rows += [obs("2023-01", 4.0, reporter="TUR", partner="DEU", flow="import")]
    dataset = Dataset(frame(*rows), load_bundled(), [])
    world = _group("world", "*")
    assert member_keys(dataset, world, ["AZE"], None, "import") == [
        SeriesKey("AZE", "KAZ", "import", "EUR"),
        SeriesKey("AZE", "KAZ", "import", "USD"),
        SeriesKey("AZE", "RUS", "import", "USD"),
        SeriesKey("AZE", "TJK", "import", "USD"),
    ]
    both = member_keys(dataset, world, ["TUR", "AZE"], "KAZ", "turnover")
    assert both == [SeriesKey("AZE", "KAZ", "turnover", c) for c in ("EUR", "USD")]
    listed = member_keys(dataset, _group("two", "TJK", "DEU"), ["AZE", "TUR"], None, "export")
    assert listed == [SeriesKey("AZE", "TJK", "export"), SeriesKey("TUR", "DEU", "export")]
