"""Observations read item by item from the frame's arrays (``spans._Picked``, for the
figures behind a few answers of a large file) are those of the frame turned into Python
columns (``observations.RowSource``), row for row: the bundled data, and a frame with a
missing category, extra text and number columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.frames import frame, obs
from tradecli.dataset import load
from tradecli.engine.spans import _Picked
from tradecli.observations import RowSource


def _same_rows(data: pd.DataFrame) -> None:
    picked, listed = _Picked(data), RowSource(data)
    assert len(picked) == len(listed) == len(data)
    for i in range(len(data)):
        one, other = picked.observation(i), listed.observation(i)
        assert one == other, i
        assert one.extra == other.extra, i  # not compared by ==


def test_the_bundled_rows_read_item_by_item_are_the_listed_rows() -> None:
    _same_rows(load().frame)


def test_missing_categories_and_extra_columns_read_item_by_item_as_listed() -> None:
    data = frame(
        obs("2022-01", 5.0, url="https://example.org/a"),
        obs("2022-02", 7.5, flags="provisional; estimate"),
        obs("2022", 80.0, partner="KAZ"),
    )
    data["publisher"] = pd.Categorical(["IMF", None, "IMF"])  # a missing category: NaN
    data["cell"] = pd.Categorical(["Exports!D10", None, "Exports!D12"])
    data["sheet_row"] = np.array([10, 11, 12], dtype=np.int64)
    data["note"] = pd.array(["", "revised", None], dtype="object")
    data["share"] = np.array([0.1, 0.25, 1.5], dtype=np.float32)  # str(): numpy's own text
    listed = RowSource(data)
    assert listed.observation(1).publisher == "nan"  # what both read for a missing one
    assert listed.observation(0).extra == {
        "cell": "Exports!D10",
        "sheet_row": "10",
        "share": "0.10000000149011612",
    }
    assert listed.observation(1).extra == {"sheet_row": "11", "note": "revised", "share": "0.25"}
    _same_rows(data)
