"""``tradecli value`` over a calendar year or a Jan..m span of many series, read off the
columns' year arrays (``summary_bulk.YearAnswers``): values by hand, and every output
format equal to the reference engine's on drawn datasets with Jan..m figures."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tests.test_bulk_arrays import with_year_to_date
from tests.test_bulk_engine import _bulk, _same_with_and_without_bulk
from tradecli.analysis.value import values
from tradecli.dataset import Dataset
from tradecli.engine.answers import EXACT, EXPORT_PLUS_IMPORT, NOT_AVAILABLE, TILED
from tradecli.groups import load_bundled
from tradecli.periods import Period
from tradecli.render import Report


def test_year_and_year_to_date_values_by_hand() -> None:
    """AZE–TJK export: months Jan–Mar 2023 (1, 2, 3) and a Jan..3 figure 6.5 beside them
    (the published figure is the exact one, the months are not added to it); import: a
    Jan..3 figure 10. Turnover Jan..3 = 6.5 + 10; Jan..2 export = 1 + 2 (tiled); import
    Jan..2: not available."""
    rows = [obs(f"2023-{m:02d}", float(m), flow="export") for m in (1, 2, 3)]
    rows += [obs("2023-01/2023-03", 6.5, flow="export")]
    rows += [obs("2023-01/2023-03", 10.0, flow="import")]
    dataset = Dataset(frame(*rows), load_bundled(), [])

    def asked(months: int) -> dict[str, Any]:
        spans = {}
        for flow in ("export", "import", "turnover"):
            (answer,) = values(dataset, Period.ytd(2023, months), flow=flow).answers
            spans[flow] = answer
        return spans

    with _bulk(True):
        q1, jan_feb = asked(3), asked(2)
    assert (q1["export"].value, q1["export"].rule) == (6.5, EXACT)
    assert (q1["import"].value, q1["import"].rule) == (10.0, EXACT)
    assert (q1["turnover"].value, q1["turnover"].rule) == (16.5, EXPORT_PLUS_IMPORT)
    assert (jan_feb["export"].value, jan_feb["export"].rule) == (3.0, TILED)
    assert jan_feb["import"].rule == NOT_AVAILABLE and not jan_feb["import"].found


@settings(max_examples=10, deadline=None)
@given(with_year_to_date(), st.sampled_from(["2022", "2023", "2023-01/2023-05", "2023-Q2"]))
def test_values_print_what_the_reference_prints(drawn: list[dict[str, Any]], span: str) -> None:
    """Years and Jan..m spans from the year arrays; a quarter (not from January) stays with
    ``engine.value``: a control that the choice of path changes no output."""

    def make(dataset: Dataset) -> Report:
        return values(dataset, Period.parse(span)).report(every=False)

    _same_with_and_without_bulk(make, frame(*drawn))
