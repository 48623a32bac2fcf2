"""The small protocol the span rules are written against (``rules.Rules``).

A backend supplies, for each series, its spans (``SeriesSpans``: which spans have a
reconciled figure, that figure, and for a series of single months their values in
one call), the series there are, and the group codes of the data. The rules and
their order (exact → tiled → differenced cumulative → export + import → not
available) are the same for every backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from tradecli.engine.answers import SeriesKey
from tradecli.periods import Period
from tradecli.reconcile import Reconciled


class SeriesSpans(Protocol):
    """The observed spans of one series."""

    @property
    def monthly(self) -> bool:
        """Only single months (the one tiling of a span is then all of its months)."""
        ...

    @property
    def end_years(self) -> frozenset[int]: ...

    def __contains__(self, period: object) -> bool: ...

    def __getitem__(self, period: Period) -> Reconciled: ...

    def __iter__(self) -> Iterator[Period]: ...

    def __len__(self) -> int: ...

    def month_values(self, months: range) -> list[float] | None:
        """The value of every month in ``months``, or None when one is missing."""
        ...

    def month_dicts(self, key: SeriesKey, months: range) -> list[dict[str, Any]] | None:
        """The ``signed_dict(1)`` of the exact answer of ``key`` over each month of
        ``months`` (every one a span of the series), read without making the answers;
        or None (the answers are then made)."""
        ...


class SpanSource(Protocol):
    """What the rules need of a backend's data."""

    group_codes: frozenset[str]

    def series(self) -> Iterable[SeriesKey]:
        """Every series with rows."""
        ...

    def findable(self, key: SeriesKey) -> bool:
        """A rule could find a figure of ``key``: it has rows, or is turnover with the
        rows of export and import."""
        ...

    def spans(self, key: SeriesKey) -> SeriesSpans: ...
