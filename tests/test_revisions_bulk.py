"""``tradecli revisions`` from the columns (``analysis.revisions_bulk``): the months two
vintages both publish and which of them differ, by hand, and the whole report equal to
the reference engine's on drawn datasets (revisions, conflicts, approximate figures,
cumulative spans, published dates), as first published and against a vintage."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tests.test_bulk_engine import DATES, _same_with_and_without_bulk, datasets
from tradecli.analysis.revisions import TOLERANCE, revisions
from tradecli.analysis.revisions_bulk import monthly_revisions
from tradecli.dataset import Dataset
from tradecli.engine.answers import SeriesKey
from tradecli.engine.bulk import Columns
from tradecli.periods import Period
from tradecli.render import Report

KAZ = SeriesKey("AZE", "KAZ", "export")
TJK = SeriesKey("AZE", "TJK", "export")
DEU = SeriesKey("AZE", "DEU", "export")


def test_the_months_both_vintages_publish_and_those_that_differ_by_hand() -> None:
    """Earlier: TJK Jan 10 and Feb 5, DEU Q1 30. Later: TJK Jan 12 (revised), Feb 5 and
    a billionth more (the same figure: within 1e-9 of it, relative), Mar 7 (first published),
    DEU Q1 31 (a quarter: not months, left to the reference), KAZ Jan 1 (a series the
    earlier vintage has not: first published)."""
    earlier = frame(
        obs("2023-01", 10.0, partner="TJK", flow="export"),
        obs("2023-02", 5.0, partner="TJK", flow="export"),
        obs("2023-Q1", 30.0, partner="DEU", flow="export"),
    )
    later = frame(
        obs("2023-01", 12.0, partner="TJK", flow="export"),
        obs("2023-02", 5.0 + 1e-9, partner="TJK", flow="export"),
        obs("2023-03", 7.0, partner="TJK", flow="export"),
        obs("2023-Q1", 31.0, partner="DEU", flow="export"),
        obs("2023-01", 1.0, partner="KAZ", flow="export"),
    )
    found = monthly_revisions(Columns(earlier), Columns(later), [DEU, KAZ, TJK], TOLERANCE)
    assert found.revised == [(TJK, Period.parse("2023-01"))]
    assert found.first_published == 2  # TJK March, KAZ January
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
