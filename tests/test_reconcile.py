"""Duplicates, revisions and conflicts, in the order docs/design.md gives ("Reconciliation")."""

from __future__ import annotations

from typing import Any

from tests.frames import frame, obs
from tradecli.observations import records
from tradecli.periods import Period
from tradecli.reconcile import Reconciled, SpanTable, agree, reconcile

Y2022 = Period.parse("2022")


def one(*rows: dict[str, Any], include_flagged: bool = False) -> tuple[Reconciled, SpanTable]:
    table = reconcile(records(frame(*rows)), include_flagged)
    return table.spans[Y2022], table


def test_agreement_is_within_published_precision() -> None:
    a, b, c = records(
        frame(
            obs("2022", 1.9e9, step=1e8),
            obs("2022", 1.92e9, step=1e7),
            obs("2022", 1.96e9, step=1e7),
        )
    )
    assert agree(a, b)  # 1.9 covers 1.85..1.95; 1.92 lies inside
    assert not agree(b, c)  # 1.915..1.925 and 1.955..1.965 do not meet
    five_eight, five_nine = records(
        frame(obs("2022", 5.8e6, step=1e5), obs("2022", 5.9e6, step=1e5))
    )
    assert not agree(five_eight, five_nine)  # touching intervals are not agreement


def test_duplicates_become_one_value_the_most_precise_with_every_source() -> None:
    rec, _ = one(
        obs("2022", 1.9e9, step=1e8, published="2024-05-01", url="u1"),
        obs("2022", 1.92e9, step=1e7, url="u2"),
    )
    assert rec.value == 1.92e9
    assert not rec.conflict
    assert {o.url for o in rec.sources} == {"u1", "u2"}


def test_a_later_publication_revises_an_earlier_one() -> None:
    rec, _ = one(
        obs("2022", 5.8e6, step=1e5, published="2023-04-25"),
        obs("2022", 5.9e6, step=1e5, published="2024-04-14"),
        obs("2022", 5.8e6, step=1e5, published="2023-09-14"),
    )
    assert rec.value == 5.9e6
    assert sorted(o.published for o in rec.superseded) == ["2023-04-25", "2023-09-14"]
    assert "revision" in rec.reason


def test_exact_beats_approximate_even_when_older() -> None:
    rec, _ = one(
        obs("2022", 6.5e6, step=1e5, flags="about", published="2024-01-01"),
        obs("2022", 5.9e6, step=1e5, published="2023-01-01"),
    )
    assert rec.value == 5.9e6
    assert "approximate" in rec.reason


def test_statistical_release_beats_official_statement() -> None:
    rec, _ = one(
        obs("2022", 4.7e9, step=1e8, flags="official-statement", published="2024-01-01"),
        obs("2022", 4.4e9, step=1e8, published="2023-01-01"),
    )
    assert rec.value == 4.4e9
    assert "official statement" in rec.reason


def test_dated_beats_undated_then_precision_decides() -> None:
    rec, _ = one(obs("2022", 5.0e6, step=1e6), obs("2022", 5.9e6, step=1e5, published="2023-01-01"))
    assert rec.value == 5.9e6
    rec, _ = one(obs("2022", 1.2e9, step=1e8), obs("2022", 1.12e9, step=1e7))
    assert rec.value == 1.12e9
    assert "precise" in rec.reason


def test_quality_flags_are_excluded_unless_asked() -> None:
    rows = (
        obs("2022", 1.03e9, flags="suspect-unit", published="2024-05-22"),
        obs("2022", 1.0e6, published="2023-04-25"),
    )
    rec, table = one(*rows)
    assert rec.value == 1.0e6
    assert [o.value for o in table.excluded] == [1.03e9]
    rec, table = one(*rows, include_flagged=True)
    assert rec.value == 1.03e9  # later publication wins once it is allowed in
    assert not table.excluded


def test_a_single_figure_is_chosen_without_ranking_as_decide_would() -> None:
    """One figure of a span (most spans of a file): it is the chosen, agreeing figure,
    nothing superseded, no reason; the same as ``decide`` gives for one figure. Flags that
    rank (about, official statement) change nothing when there is nothing to rank."""
    from tradecli.reconcile import Figure, _rank, decide, reconcile_span

    for flags in ("", "about", "official statement"):
        (only,) = records(frame(obs("2023-03", 7.5, flags=flags)))
        found = reconcile_span(only.period, [only])
        assert (found.chosen, found.agreeing, found.superseded) == (only, (only,), ())
        assert found.reason == "" and found.value == 7.5
        decision = decide([Figure(only.value, only.step, _rank(only))])
        assert (decision.chosen, decision.winning, decision.superseded) == (0, (0,), ())
        assert decision.reason == found.reason
