"""Observations read item by item from the frame's arrays (``spans._Picked``, for the
figures behind a few answers of a large file) are those of the frame turned into Python
columns (``observations.RowSource``), row for row: the bundled data, and a frame with a
missing category, extra text and number columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings

from tests.frames import frame, obs
from tests.test_bulk_engine import datasets
from tradecli.dataset import load
from tradecli.engine.answers import SeriesKey
from tradecli.engine.reference import Engine
from tradecli.engine.spans import _Picked
from tradecli.json_text import Flat
from tradecli.observations import RowSource


def _same_rows(data: pd.DataFrame) -> None:
    picked, listed = _Picked(data), RowSource(data)
    assert len(picked) == len(listed) == len(data)
    for i in range(len(data)):
        one, other = picked.observation(i), listed.observation(i)
        assert one == other, i
        assert one.extra == other.extra, i  # not compared by ==
        # The dict read without the object is the object's dict, of the same type (a
        # ``Flat`` is written by the C encoder: only when it holds no list of flags).
        for read in (picked.observation_dict(i), listed.observation_dict(i)):
            assert read == one.to_dict(), i
            assert type(read) is type(one.to_dict()), i
            assert isinstance(read, Flat) == (not one.flags), i


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


def test_a_span_of_one_figure_gives_its_source_from_its_row() -> None:
    """``Reconciled.source_dicts`` of every span, before anything else is asked of it: a
    single figure's from its row (``SpanIndex.single_dict``), revisions, conflicts and
    agreeing figures from the observations; each equal to the observations' dicts, and
    a flagged figure left out stays out."""
    data = frame(
        obs("2022-01", 5.0, url="https://example.org/a", published="2022-02-10"),
        obs("2022-02", 7.0, published="2022-03-01"),
        obs("2022-02", 9.5, published="2022-04-01"),  # a revision: 7.0 superseded
        obs("2022-03", 9.0, flags="provisional; estimate"),
        obs("2022-04", 4.0, step=1000.0),
        obs("2022-04", 4.0),  # agreeing figures: two sources
        obs("2022-05", 6.0, flags="low-trust"),  # excluded: the month has one figure
        obs("2022-05", 6.5),
        obs("2022-06", 3.0, flags="suspect-unit"),  # excluded alone: no span
        obs("2022", 80.0, partner="KAZ", currency="EUR"),
    )
    engine = Engine(data)
    checked = {}
    for key in (SeriesKey("AZE", "TJK", "turnover"), SeriesKey("AZE", "KAZ", "turnover", "EUR")):
        spans = engine.spans(key)
        for period in spans:
            rec = spans[period]
            sources, superseded = rec.source_dicts()
            assert sources == [o.to_dict() for o in rec.sources], period
            assert superseded == [o.to_dict() for o in rec.superseded], period
            assert [type(d) for d in sources] == [type(o.to_dict()) for o in rec.sources]
            checked[period.iso()] = (len(sources), len(superseded))
    assert checked == {
        "2022-01": (1, 0),
        "2022-02": (1, 1),
        "2022-03": (1, 0),
        "2022-04": (2, 0),
        "2022-05": (1, 0),
        "2022": (1, 0),
    }


def _wheres_and_flags(data: pd.DataFrame) -> dict[tuple[SeriesKey, str], object]:
    """Per span: ``source_wheres()`` and ``source_flags()`` asked first (a span decided in
    bulk reads them from its row), and, from another engine, what its observations say."""
    fast, slow = Engine(data), Engine(data)
    out: dict[tuple[SeriesKey, str], object] = {}
    for key in fast.keys():
        for period, rec in fast.spans(key).items():
            sources = slow.spans(key)[period].sources
            expected = (tuple(o.where() for o in sources), {f for o in sources for f in o.flags})
            assert (rec.source_wheres(), rec.source_flags()) == expected, (key, period)
            out[key, period.iso()] = expected
    return out


def test_the_sources_of_a_span_decided_in_bulk_are_read_from_its_row() -> None:
    """``Reconciled.source_wheres``/``source_flags`` before anything else is asked: a
    revision's is the figure chosen (not the superseded one), a lone flagged figure's
    flags are its own, agreeing figures are both sources."""
    data = frame(
        obs("2022-01", 5.0, flags="provisional", published="2022-02-10"),
        obs("2022-02", 7.0, flags="estimate", published="2022-03-01"),
        obs("2022-02", 9.5, flags="provisional", published="2022-04-01"),  # chosen
        obs("2022-04", 4.0, step=1000.0),
        obs("2022-04", 4.0, flags="estimate"),  # agreeing: two sources
        obs("2022-05", 6.0, flags="low-trust"),  # excluded
        obs("2022-05", 6.5),
    )
    data["source"] = pd.Categorical(["a.csv"] * len(data))
    key = SeriesKey("AZE", "TJK", "turnover")
    assert _wheres_and_flags(data) == {
        (key, "2022-01"): (("a.csv:2",), {"provisional"}),
        (key, "2022-02"): (("a.csv:4",), {"provisional"}),
        (key, "2022-04"): (("a.csv:6", "a.csv:5"), {"estimate"}),
        (key, "2022-05"): (("a.csv:8",), set()),
    }


@settings(max_examples=25, deadline=None)
@given(datasets)
def test_every_span_reads_the_sources_its_observations_give(drawn: list[dict[str, Any]]) -> None:
    """Over generated datasets (revisions, conflicts, approximate figures, flags)."""
    _wheres_and_flags(frame(*drawn))
