"""Rankings (``--sort``/``--top``), ``revisions`` and several flows side by side print
the same bytes, in every format and with ``--explain``, whether their answers come from
the reference engine or from the bulk backend (``TRADECLI_BACKEND=bulk``), on random
datasets with what real files have (gaps, revisions, conflicts, approximate and flagged
figures, spans of every length)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame
from tests.test_bulk_engine import _keys, _same_with_and_without_bulk, clean_pair, datasets
from tradecli.analysis.growth import flow_keys, growth_of_flows
from tradecli.analysis.rankings import engine_for, rank
from tradecli.analysis.revisions import revisions
from tradecli.analysis.summary_flows import summarize_flows
from tradecli.dataset import Dataset
from tradecli.engine import bulk
from tradecli.groups import load_bundled
from tradecli.periods import Period
from tradecli.render import Report


@settings(max_examples=12, deadline=None)
@given(
    datasets,
    st.sampled_from(("value", "change", "share")),
    st.sampled_from((None, 1, 3)),
    st.sampled_from((None, "2022", "2022-03")),
)
def test_rankings_print_the_same_with_the_bulk_backend(
    drawn: list[dict[str, Any]], measure: str, top: int | None, span: str | None
) -> None:
    def make(dataset: Dataset) -> Report:
        period = Period.parse(span) if span else None
        return rank(dataset, _keys(dataset.engine), measure, top, None, period).report()

    _same_with_and_without_bulk(make, frame(*drawn))


@settings(max_examples=12, deadline=None)
@given(
    datasets,
    st.sampled_from((None, "2022-06-01", "2023-01-04")),
    st.sampled_from((None, "2023-06-01")),
)
def test_revisions_print_the_same_with_the_bulk_backend(
    drawn: list[dict[str, Any]], before: str | None, after: str | None
) -> None:
    def make(dataset: Dataset) -> Report:
        return revisions(dataset, before, after).report()

    _same_with_and_without_bulk(make, frame(*drawn))


def test_the_bulk_backend_is_asked_when_chosen(monkeypatch: Any) -> None:
    """The equality above compares two engines, not one engine with itself."""
    from tests.frames import obs

    dataset = Dataset(frame(obs("2022-01", 1.0)), load_bundled(), [])
    monkeypatch.setenv(bulk.ENV, "reference")
    assert not isinstance(engine_for(dataset), bulk.Engine)
    monkeypatch.setenv(bulk.ENV, "bulk")
    assert isinstance(engine_for(dataset), bulk.Engine)


@settings(max_examples=10, deadline=None)
@given(
    datasets,
    clean_pair(),
    st.sampled_from(("export,import", "import,turnover,export")),
    st.sampled_from((None, None, "2023", "2023-03")),
)
def test_flows_side_by_side_print_the_same_with_the_bulk_backend(
    drawn: list[dict[str, Any]], clean: list[dict[str, Any]], flows: str, span: str | None
) -> None:
    """``summary --flow`` and ``growth --flow`` with several flows (growth: each pair
    over its shared span, or over ``span``), on drawn data plus a clean export/import
    pair, which the columns answer."""

    def make(dataset: Dataset) -> Report:
        return summarize_flows(dataset, flows).report()

    def make_growth(dataset: Dataset) -> Report:
        keys = flow_keys(dataset, None, None, flows.split(","))
        return growth_of_flows(dataset, keys, Period.parse(span) if span else None).report()

    _same_with_and_without_bulk(make, frame(*drawn))
    _same_with_and_without_bulk(make_growth, frame(*drawn, *clean))
