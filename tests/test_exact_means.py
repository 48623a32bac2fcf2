"""``exact_means``: each row's mean as ``statistics.mean`` gives it, by hand and on drawn
rows (near ties, tiny and huge values, cancelling signs, not finite)."""

from __future__ import annotations

import statistics

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecli.analysis.exact_means import exact_means


def _means(rows: list[list[float]]) -> list[float]:
    width = max(map(len, rows))
    values = np.zeros((len(rows), width))
    for i, row in enumerate(rows):
        values[i, : len(row)] = row
    counts = np.array([len(r) for r in rows], dtype=np.int64)
    return exact_means(values, counts).tolist()


def test_exact_means_by_hand() -> None:
    # (0.1 + 0.2 + 0.3) / 3 in floats is 0.20000000000000004; the exact sum of the three
    # doubles over 3 is 0.2000000000000000018..., nearest 0.2. 1 + 2**-52 and 1 have the
    # exact mean 1 + 2**-53: a tie, rounded to the even 1.0. -0.0 alone: 0.0.
    rows = [[0.1, 0.2, 0.3], [1.0 + 2**-52, 1.0], [-0.0], [0.5, 0.25], [1.0, -1.0, 3.0]]
    assert _means(rows) == [0.2, 1.0, 0.0, 0.375, 1.0]
    assert str(_means([[-0.0]])[0]) == "0.0"
    inf = float("inf")
    assert _means([[inf, 1.0], [1e308, 1e308, -1e308]]) == [inf, 1e308 / 3]


NEAR_ONE = st.integers(-(2**20), 2**20).map(lambda i: 1.0 + i * 2.0**-52)
FLOATS = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    NEAR_ONE,
    st.sampled_from((0.0, -0.0, 0.1, 0.2, 0.3, 5e-324, 2.0**-1000, 1e300, -1e300, 3.0)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(FLOATS, min_size=1, max_size=16), min_size=1, max_size=6))
def test_exact_means_is_the_mean_of_statistics(rows: list[list[float]]) -> None:
    expected = [statistics.mean(row) for row in rows]
    assert [str(m) for m in _means(rows)] == [str(m) for m in expected]
