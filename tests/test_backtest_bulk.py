"""``project --backtest`` from the arrays (``analysis.backtest_bulk``): a series by hand,
and a key whose errors are not finite left to the scalar path. The property that the
whole output equals the scalar path's is in ``tests/test_projection_bulk.py``."""

from __future__ import annotations

import statistics
from typing import Any

from tests.frames import frame, obs
from tests.test_bulk_engine import _bulk
from tradecli.analysis.projection import Method, project
from tradecli.dataset import Dataset
from tradecli.engine.answers import SeriesKey
from tradecli.groups import load_bundled
from tradecli.render import OutputFormat, render

AZE_TJK = SeriesKey("AZE", "TJK", "export")
AZE_KAZ = SeriesKey("AZE", "KAZ", "export")


def _year(year: int, january: float, rest: float, partner: str = "TJK") -> list[dict[str, Any]]:
    return [
        obs(f"{year}-{m:02d}", january if m == 1 else rest, flow="export", partner=partner)
        for m in range(1, 13)
    ]


def test_backtest_from_the_arrays_by_hand() -> None:
    """2021: twelve months of 1.0 (12.0); 2022: January 2.0 (13.0); 2023: January 3.0
    (14.0). From January alone: linear 12 × Jan; seasonal Jan ÷ the mean January share
    of the earlier years (2021: none); ytd-growth last year × Jan ÷ last January."""
    rows = _year(2021, 1.0, 1.0) + _year(2022, 2.0, 1.0) + _year(2023, 3.0, 1.0)
    dataset = Dataset(frame(*rows), load_bundled(), [])
    with _bulk(True):
        result = project(dataset, [AZE_TJK], 2023, Method.auto, backtest=True)
        assert result.arrays is not None and not result.arrays.rest
        records = result.report().machine_records()
    january = {r["method"]: r for r in records if r["months"] == 1}
    linear = [12.0 / 12.0 - 1, 24.0 / 13.0 - 1, 36.0 / 14.0 - 1]
    seasonal = [
        2.0 / (1.0 / 12.0) / 13.0 - 1,
        3.0 / statistics.mean([2.0 / 13.0, 1.0 / 12.0]) / 14.0 - 1,
    ]
    growth = [12.0 * 2.0 / 1.0 / 13.0 - 1, 13.0 * 3.0 / 2.0 / 14.0 - 1]
    for method, errors, years in (
        ("linear", linear, "2021;2022;2023"),
        ("seasonal", seasonal, "2022;2023"),
        ("ytd-growth", growth, "2022;2023"),
    ):
        record = january[method]
        assert record["years"] == years and record["n"] == len(errors)
        assert record["value"] == statistics.mean(abs(e) for e in errors)
        assert record["mean_error"] == statistics.mean(errors)
        assert (record["low"], record["high"]) == (min(map(abs, errors)), max(map(abs, errors)))
        assert record["period"] == f"{years[:4]}-01/2023-12"
    assert len(records) == 11 * 3  # every Jan..m, m < 12, by each method


def test_a_key_with_errors_not_finite_is_left_to_the_scalar_path() -> None:
    """AZE–KAZ's 2023 from 2022 overflows in ytd-growth (1.2e301 × 1e300): that key
    goes the scalar way, AZE–TJK the arrays'; the output is the scalar path's."""
    rows = _year(2021, 1.0, 1.0) + _year(2022, 2.0, 1.0) + _year(2023, 3.0, 1.0)
    rows += _year(2022, 1e300, 1e300, "KAZ") + _year(2023, 1e300, 1e300, "KAZ")
    dataset = Dataset(frame(*rows), load_bundled(), [])
    keys = [AZE_KAZ, AZE_TJK]
    outputs = {}
    for on in (True, False):
        with _bulk(on):
            result = project(dataset, keys, 2023, Method.auto, backtest=True)
            if on:
                assert result.arrays is not None and result.arrays.rest == [AZE_KAZ]
            # The table and markdown cannot show an infinite error (``share_percent``
            # raises OverflowError), nor JSON (not JSON compliant), on either path.
            outputs[on] = render(result.report(), OutputFormat.csv)
    assert outputs[True] == outputs[False]
    assert ",inf," in outputs[True].stdout  # the scalar path's mean of inf
