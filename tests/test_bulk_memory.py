"""The narrow dtypes of the bulk engine's arrays (issue 12, peak memory): the helpers at
their edges, and the answers where a narrow dtype is chosen, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from tests.frames import frame, obs
from tradecli.engine.answers import SeriesKey
from tradecli.engine.bulk import Columns, _index, _narrowest, key_years

AZE_TJK = SeriesKey("AZE", "TJK", "turnover", "USD")


@pytest.mark.parametrize(
    ("distinct", "dtype"),
    [
        (0, np.int8),
        (1, np.int8),
        (128, np.int8),  # numbers 0..127
        (129, np.int16),
        (1 << 15, np.int16),
        ((1 << 15) + 1, np.int32),
        (1 << 31, np.int32),
        ((1 << 31) + 1, np.int64),
    ],
)
def test_narrowest_numbers_every_thing_up_to_its_edge(distinct: int, dtype: type) -> None:
    assert _narrowest(distinct) is dtype
    if distinct:
        assert np.iinfo(dtype).max >= distinct - 1  # the largest number fits


def test_index_is_int32_up_to_two_to_the_31_rows_and_keeps_the_numbers() -> None:
    rows = np.array([0, 5, 2**31 - 1], dtype=np.int64)
    narrow = _index(rows, 2**31)
    assert narrow.dtype == np.int32 and narrow.tolist() == [0, 5, 2**31 - 1]
    wide = _index(rows, 2**31 + 1)
    assert wide.dtype == np.int64 and wide.tolist() == rows.tolist()


def test_revisions_are_decided_by_date_among_more_than_128_dates() -> None:
    """One month published 200 times, each on its own date (more than an int8 rank holds),
    in a shuffled order and disagreeing (1000 apart, step 1): the latest date wins. The
    latest of all is flagged low-trust, so it is left out and the one before it wins;
    with ``include_flagged`` it wins itself. By hand: day d (0..199) has value
    1000 * (d + 1); the latest kept is day 198, value 199,000."""
    days = list(range(200))
    np.random.default_rng(7).shuffle(days)
    start = np.datetime64("2020-01-01")
    rows = [
        obs(
            "2023-03",
            1000.0 * (d + 1),
            published=str(start + np.timedelta64(d, "D")),
            flags="low-trust" if d == 199 else "",
        )
        for d in days
    ]
    rows += [obs("2023-01", 1.0), obs("2023-02", 2.0)]
    for include_flagged, expected in ((False, 199_000.0), (True, 200_000.0)):
        columns = Columns(frame(*rows), include_flagged)
        ky = key_years(columns, [AZE_TJK])
        assert bool(ky.simple[0]) and ky.year.tolist() == [2023]
        assert ky.value[0, :3].tolist() == [1.0, 3.0, 3.0 + expected]
        assert ky.month_value[0, 2] == expected
        low_trust = ("low-trust",) if include_flagged else ()
        assert columns.flag_words(int(ky.flags[0, 2])) == low_trust
