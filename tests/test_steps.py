"""The frame's ``step`` column: a categorical of floats (few distinct numbers), read
through ``step_codes`` a chunk of rows at a time."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from tradecli.observations import as_steps, concat, finish, step_codes

# Steps as readers make them: powers of ten, times a unit; NaN where a reader has none.
_STEPS = st.one_of(
    st.integers(-6, 12).map(lambda k: 10.0**k),
    st.sampled_from([1e3, 1e6, 0.5, 2.5e-3, math.nan]),
    st.floats(allow_nan=False, allow_infinity=False),
)


@given(st.lists(_STEPS, max_size=60))
def test_as_steps_is_what_pandas_makes_of_the_floats(steps: list[float]) -> None:
    column = pd.Series(steps, dtype="float64")
    made = as_steps(column)
    want = column.astype("category")  # pandas' own: sorted categories, NaN a missing value
    assert isinstance(made.dtype, pd.CategoricalDtype)
    assert made.categories.dtype == np.float64
    assert made.categories.tolist() == want.cat.categories.tolist()
    assert made.codes.tolist() == want.cat.codes.tolist()
    assert made.codes.dtype == want.cat.codes.dtype


@given(st.lists(_STEPS, max_size=60), st.booleans())
def test_step_codes_read_the_floats_of_each_row(steps: list[float], categorical: bool) -> None:
    frame = pd.DataFrame({"step": pd.Series(steps, dtype="float64")})
    if categorical:
        frame["step"] = frame["step"].astype("category")
    coded = step_codes(frame)
    assert len(coded) == len(steps)
    rows = np.arange(len(steps))[::-1]  # any rows, in any order
    got = coded[rows].tolist()
    want = [steps[i] for i in rows.tolist()]
    assert [math.isnan(g) for g in got] == [math.isnan(w) for w in want]
    assert [g for g in got if not math.isnan(g)] == [w for w in want if not math.isnan(w)]


def test_finish_makes_the_steps_a_categorical_of_floats() -> None:
    frame = finish(pd.DataFrame({"step": [1000, 1, 1000], "value": [1.0, 2.0, 3.0]}))
    assert isinstance(frame["step"].dtype, pd.CategoricalDtype)
    assert frame["step"].cat.categories.tolist() == [1.0, 1000.0]
    assert frame["step"].tolist() == [1000.0, 1.0, 1000.0]
    missing = finish(pd.DataFrame({"value": [1.0]}))  # a reader without steps: 0
    assert missing["step"].tolist() == [0.0]
    assert missing["step"].cat.categories.dtype == np.float64


def test_finish_reads_a_categorical_of_other_steps_as_floats() -> None:
    """A frame made elsewhere (a Parquet file of another tool) with steps as a categorical
    of ints or of texts: its steps become floats, the categories floats."""
    for made in (pd.Categorical([1000, 1, 1000]), pd.Categorical(["1000", "1", "1000"])):
        frame = finish(pd.DataFrame({"step": made, "value": [1.0, 2.0, 3.0]}))
        assert frame["step"].cat.categories.tolist() == [1.0, 1000.0]
        assert frame["step"].cat.categories.dtype == np.float64
        assert frame["step"].tolist() == [1000.0, 1.0, 1000.0]


def test_frames_with_other_steps_are_joined_with_each_row_s_step() -> None:
    a = finish(pd.DataFrame({"reporter": ["AZE"], "step": [0.1], "value": [1.5], "line": [2]}))
    b = finish(pd.DataFrame({"reporter": ["TJK", "TJK"], "step": [1e6, 1.0], "value": [2e6, 3.0]}))
    both = concat([a, b])
    assert isinstance(both["step"].dtype, pd.CategoricalDtype)
    assert both["step"].tolist() == [0.1, 1e6, 1.0]
    assert both["step"].cat.categories.tolist() == [0.1, 1.0, 1e6]
