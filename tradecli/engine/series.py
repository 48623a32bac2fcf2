"""The series of an observation frame: their keys, sorted, and each row's series number.

Worked out from the key columns' codes (``observations.CODE_COLUMNS``, categoricals as
loaded) in one pass over the rows, without grouping the frame: the four codes of a row
make one integer; its distinct values are found by counting (``np.bincount``) when the
product of the columns' sizes is small, as it is for any real file, else by hashing
(``pd.factorize``); only the distinct keys, not the rows, are then sorted. This is what a
whole-file command needs to list its series (``Dataset.keys``) and what the columns of
the bulk engine (``engine.bulk.Columns``) group rows by; the reference engine's group-by
of every row (``engine.reference.Engine``) is left for the questions that need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradecli.engine.answers import SeriesKey
from tradecli.observations import CODE_COLUMNS

# Counting is used while the codes' product stays below this many cells per row (and
# this many cells in all): a table of that size costs less than hashing the rows.
DENSE_PER_ROW = 4
DENSE_MIN = 1 << 16
CHUNK_ROWS = 1 << 18  # rows combined at a time


@dataclass(frozen=True, eq=False)
class Series:
    """``keys``: every series with a row in the frame, sorted; ``of_row[i]``: the index in
    ``keys`` of row ``i``'s series (in the narrowest signed integer that holds them)."""

    keys: list[SeriesKey]
    of_row: NDArray[np.signedinteger[Any]]

    def __len__(self) -> int:
        return len(self.keys)


def codes_of(column: pd.Series[Any]) -> tuple[NDArray[Any], list[str]]:
    """Integer codes of a key column (the narrowest dtype it has) and the texts they stand
    for. A categorical's are its own codes, read-only, not a copy (``Series.cat.codes``
    copies them: 10-40 MB a column at 10M rows)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = np.asarray(column.array.codes)
        if not len(codes) or int(codes.min()) >= 0:  # no missing value
            return codes, [str(c) for c in column.cat.categories.tolist()]
    factorized, uniques = pd.factorize(column.astype(str), use_na_sentinel=False)
    return np.asarray(factorized), [str(u) for u in uniques.tolist()]


def series_of(frame: pd.DataFrame) -> Series:
    """The frame's series (module docstring)."""
    n = len(frame)
    parts = [codes_of(frame[c]) for c in CODE_COLUMNS]
    widths = [max(len(texts), 1) for _, texts in parts]
    cells = 1
    for width in widths:
        cells *= width
    dense = cells <= max(DENSE_PER_ROW * n, DENSE_MIN)
    first_seen: NDArray[Any] | None = None
    if dense:
        # Counted a chunk of rows at a time, in one buffer (a row's integer is an index:
        # made as one, no hidden copy): which cells have rows, then each row's cell's number.
        present = np.zeros(cells, dtype=bool)
        buffer = np.empty(min(n, CHUNK_ROWS), dtype=np.intp)
        for low in range(0, n, CHUNK_ROWS):
            present[_combine(parts, widths, low, buffer)] = True
        unique: NDArray[Any] = np.flatnonzero(present)
        del present
    else:
        combined = _combine(parts, widths, 0, np.empty(n, dtype=np.int64))
        factorized, uniques = pd.factorize(combined)
        del combined
        unique, first_seen = np.asarray(uniques), np.asarray(factorized, dtype=np.int32)
    # Decode the distinct keys (few), sort them, and renumber the rows in that order.
    decoded: list[list[str]] = []
    rest = unique.astype(np.int64)
    for (_, texts), width in zip(reversed(parts), reversed(widths), strict=True):
        decoded.append([texts[c] for c in (rest % width).tolist()])
        rest //= width
    reporter, partner, flow, currency = reversed(decoded)
    found = [SeriesKey(*k) for k in zip(reporter, partner, flow, currency, strict=True)]
    order = sorted(range(len(found)), key=found.__getitem__)
    # Series numbers in the narrowest integer that holds them (int16 up to 32,768 series:
    # 2 bytes a row, held as long as the dataset).
    dtype = narrowest(len(found))
    rank = np.empty(len(found), dtype=dtype)
    rank[order] = np.arange(len(found), dtype=dtype)
    if first_seen is not None:
        of_row = rank[first_seen]
    else:
        number = np.zeros(cells, dtype=dtype)  # each cell's series, in key order
        number[unique] = rank
        of_row = np.empty(n, dtype=dtype)
        for low in range(0, n, CHUNK_ROWS):
            cell = _combine(parts, widths, low, buffer)
            np.take(number, cell, out=of_row[low : low + len(cell)], mode="clip")
    return Series([found[i] for i in order], of_row)


@dataclass(frozen=True)
class SpanKey:
    """One int64 for each (series, first month, last month) that orders like the three:
    ``(series * width + first - low) * width + last - low``, ``low`` and ``width`` those of
    the months it was made for (``of``); what groups a frame's rows by series and span."""

    low: int
    width: int

    @classmethod
    def of(
        cls, first: NDArray[np.integer[Any]], last: NDArray[np.integer[Any]], n_series: int
    ) -> SpanKey:
        """The key for series numbers below ``n_series`` and the months of ``first`` and
        ``last`` (its range: every first - low and last - low is below ``width``)."""
        low = int(first.min()) if len(first) else 0
        width = int(last.max()) - low + 1 if len(last) else 1
        if (n_series + 1) * width**2 >= 2**63:
            raise OverflowError(
                f"{n_series} series over {width} months: a span key would overflow int64"
            )
        return cls(low, width)

    def keys(
        self,
        series: NDArray[np.integer[Any]],
        first: NDArray[np.integer[Any]],
        last: NDArray[np.integer[Any]],
    ) -> NDArray[np.int64]:
        """The key of each row (a new int64 array, worked out in place)."""
        key = series.astype(np.int64)  # a copy, whatever the dtype
        key *= self.width
        key += first
        key -= self.low
        key *= self.width
        key += last
        key -= self.low
        return key

    def key(self, series: int, first: int, last: int) -> int:
        """The key of one row."""
        return (series * self.width + first - self.low) * self.width + last - self.low


def narrowest(count: int) -> type[np.signedinteger[Any]]:
    """The narrowest signed integer that numbers ``count`` things (0..count - 1)."""
    for dtype in (np.int8, np.int16, np.int32):
        if count <= int(np.iinfo(dtype).max) + 1:
            return dtype
    return np.int64


def _combine(
    parts: list[tuple[NDArray[Any], list[str]]],
    widths: list[int],
    low: int,
    buffer: NDArray[Any],
) -> NDArray[Any]:
    """The one integer of rows ``low`` on (as many as ``buffer`` holds) made of their
    codes, in ``buffer``."""
    high = min(low + len(buffer), len(parts[0][0]))
    out = buffer[: high - low]
    out[:] = 0
    for (codes, _), width in zip(parts, widths, strict=True):
        np.multiply(out, width, out=out)
        np.add(out, codes[low:high], out=out)
    return out


__all__ = ["Series", "codes_of", "series_of"]
