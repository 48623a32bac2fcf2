"""The tidy observation table: one row per published number.

Every reader returns a frame with ``COLUMNS`` (extra provenance columns may
follow). Values are in base units of their currency; ``step`` is the unit of
the last digit the figure was published with (2.3 million → 100,000), which
is what "equal within the precision they were published with" compares. A
column of few distinct numbers (powers of ten, times a unit), it is a categorical
of floats: read it with ``to_numpy(dtype=np.float64)``, or a chunk of rows at a
time through ``step_codes`` (1 byte a row, not 8).
``first``/``last`` are month indices (see ``periods``).

The codes (``CODE_COLUMNS``) and the provenance texts (``TEXT_COLUMNS``), ``source``
and ``format`` are categoricals: compare their values as texts (``==``, ``isin``, or a
test of ``.cat.categories`` taken by the codes); an unordered categorical has no
``min`` or ``>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradecli.json_text import Flat
from tradecli.periods import Period
from tradecli.vocabulary import FLOWS as FLOWS
from tradecli.vocabulary import UNITS as UNITS

QUALIFIERS = ("about", "over", "almost")
EXCLUDED_FLAGS = ("suspect-unit", "low-trust", "negative-as-published")
OFFICIAL_STATEMENT = "official-statement"

CODE_COLUMNS = ("reporter", "partner", "flow", "currency")
# Provenance texts: few distinct values each (a flag list, a date, a publisher, a page),
# kept as categoricals like the codes. Compare them by their categories' texts.
TEXT_COLUMNS = ("flags", "published", "publisher", "url")
COLUMNS = (
    "reporter",
    "partner",
    "flow",
    "first",
    "last",
    "value",
    "step",
    "currency",
    "flags",
    "published",
    "publisher",
    "url",
    "source",
    "line",
    "format",
)
PROVENANCE = ("published", "publisher", "url", "source", "line", "format")


def empty() -> pd.DataFrame:
    return finish(pd.DataFrame({c: [] for c in COLUMNS}))


def finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a reader's frame the canonical column order and dtypes.

    Columns already in their dtype are kept as they are (no copy: pandas' copy on
    write keeps the caller's frame unchanged), so a reader that builds the final
    dtypes pays nothing here, and a large frame is not held twice.
    """
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = "" if column not in ("first", "last", "value", "step", "line") else 0
    extra = [c for c in frame.columns if c not in COLUMNS]
    order = [*COLUMNS, *extra]
    if list(frame.columns) != order:
        frame = frame[order]
    for column, dtype in _DTYPES.items():
        if not _has_dtype(frame[column], dtype):
            frame[column] = frame[column].astype(dtype)
    step = frame["step"]
    if not _has_dtype(step, "category") or step.cat.categories.dtype != np.float64:
        frame["step"] = as_steps(step)  # numbers, or a categorical of ints or texts
    for column in ("first", "last"):
        if frame[column].dtype != np.int16:  # else narrowed already (by the reader)
            months = frame[column].to_numpy(dtype=np.int64)
            frame[column] = months.astype(month_dtype(months), copy=False)
    if frame["line"].dtype != np.int32:  # else narrowed already (by the reader)
        lines = frame["line"].to_numpy(dtype=np.int64)
        frame["line"] = lines.astype(line_dtype(int(lines.max()) if len(lines) else 0), copy=False)
    for column in TEXT_COLUMNS:
        if not _has_dtype(frame[column], "category"):
            frame[column] = frame[column].fillna("").astype("str").astype("category")
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0:
        frame = frame.reset_index(drop=True)
    return frame


_DTYPES: dict[str, Any] = {
    "reporter": "category",
    "partner": "category",
    "flow": "category",
    "currency": "category",
    "source": "category",
    "format": "category",
    "value": "float64",
}


def month_dtype(months: NDArray[np.integer[Any]]) -> type[np.signedinteger[Any]]:
    """The dtype of the months ``first`` and ``last`` hold (``year * 12 + month - 1``): an
    int16 where they fit, as every month of the years a reader takes does
    (``periods.MIN_YEAR``..``MAX_YEAR``: 22800..26411; 2 bytes a row, 20 MB less at 10M
    rows than an int32), else an int32 (a frame of other months, made in code), else an
    int64."""
    if not len(months):
        return np.int16
    low, high = int(months.min()), int(months.max())
    for dtype in (np.int16, np.int32):
        if np.iinfo(dtype).min <= low and high <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def line_dtype(last: int) -> type[np.signedinteger[Any]]:
    """The dtype of line numbers up to ``last``: an int32 where it fits (below 2**31: any
    file that fits in memory; 4 bytes a row, 40 MB less at 10M rows), else an int64."""
    return np.int32 if last <= np.iinfo(np.int32).max else np.int64


def _has_dtype(column: pd.Series, dtype: str) -> bool:
    """Whether ``astype(dtype)`` would leave the column as it is: a categorical, or that
    exact numpy dtype."""
    if dtype == "category":  # ``astype("category")`` keeps a categorical as it is
        return isinstance(column.dtype, pd.CategoricalDtype)
    return column.dtype == np.dtype(dtype)


def concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    parts = [f for f in frames if len(f)]
    if not parts:
        return empty()
    if len(parts) == 1:
        return parts[0]
    texts = {c: "str" for c in (*CODE_COLUMNS, *TEXT_COLUMNS)}
    merged = pd.concat([p.astype({**texts, "step": "float64"}) for p in parts], ignore_index=True)
    return finish(merged)


@dataclass(frozen=True)
class Coded:
    """A column held as codes into a small table of its values: item ``i`` is
    ``table[codes[i]]``. Read a chunk of rows at a time (``coded[rows]``), so that a
    file-long column made from the codes (1-2 bytes a row) is never held whole."""

    table: NDArray[Any]
    codes: NDArray[np.integer[Any]]

    def __getitem__(self, rows: Any) -> NDArray[Any]:
        return self.table[self.codes[rows]]  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return len(self.codes)


def as_steps(column: pd.Series) -> pd.Categorical[float]:
    """A column of steps (numbers) as the frame holds them: a categorical of floats,
    categories sorted, NaN a missing value (code -1), as ``astype("category")`` makes it;
    its few distinct numbers found by Arrow's hash (pandas' factorize of floats takes
    1.7 s at 10M rows, this 0.1 s)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    floats = pa.array(column.to_numpy(dtype=np.float64), from_pandas=True)  # NaN: null
    coded = pc.dictionary_encode(floats)
    indices = coded.indices.fill_null(-1) if coded.indices.null_count else coded.indices
    found = coded.dictionary.to_numpy(zero_copy_only=False)
    return steps_of(found, indices.to_numpy(zero_copy_only=False))


def steps_of(found: NDArray[np.float64], ids: NDArray[np.integer[Any]]) -> pd.Categorical[float]:
    """Steps given as ids into ``found`` (their distinct numbers, in any order; -1: none)
    as the frame's categorical: categories sorted, -0.0 and 0.0 one (as pandas and ``==``
    have them; Arrow tells them apart), the narrowest codes."""
    categories, rank = np.unique(found + 0.0, return_inverse=True)
    # Each id's place among the sorted categories; -1 (the last item) for none.
    lookup = np.full(len(found) + 1, -1, dtype=np.min_scalar_type(-len(found) - 1))
    lookup[:-1] = rank
    codes = lookup[ids]  # indexing (``np.take`` would make an int64 copy of the ids)
    steps: pd.Categorical[float] = pd.Categorical.from_codes(
        codes, pd.Index(categories, dtype="float64")
    )
    return steps


def step_codes(frame: pd.DataFrame) -> Coded:
    """The frame's ``step`` column as its categories' floats and each row's code; a
    row without a step (code -1) reads NaN, as ``to_numpy(dtype=np.float64)`` gives it."""
    column = frame["step"]
    categorical = isinstance(column.dtype, pd.CategoricalDtype)  # else not ``finish``'s
    steps = column.array if categorical else as_steps(column)
    table = np.append(steps.categories.to_numpy(dtype=np.float64), np.nan)
    return Coded(table, np.asarray(steps.codes))


@dataclass(frozen=True)
class Observation:
    """One published number, as the series engine sees it."""

    reporter: str
    partner: str
    flow: str
    period: Period
    value: float
    step: float
    currency: str
    flags: tuple[str, ...]
    published: str
    publisher: str
    url: str
    source: str
    line: int
    extra: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def qualifier(self) -> str:
        """The first of about/over/almost among the flags, or ''."""
        return next((f for f in self.flags if f in QUALIFIERS), "")

    @property
    def is_official_statement(self) -> bool:
        return OFFICIAL_STATEMENT in self.flags

    def where(self) -> str:
        return f"{self.source}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        return source_dict(
            self.reporter,
            self.partner,
            self.flow,
            self.period.iso(),
            self.value,
            self.currency,
            self.flags,
            self.published,
            self.publisher,
            self.url,
            self.source,
            self.line,
        )


def source_dict(
    reporter: str,
    partner: str,
    flow: str,
    period: str,
    value: float,
    currency: str,
    flags: tuple[str, ...],
    published: str,
    publisher: str,
    url: str,
    source: str,
    line: int,
) -> dict[str, Any]:
    """An observation's JSON (``Observation.to_dict``, ``RowSource.observation_dict``): of
    scalars alone when it has no flag (nearly always), a ``json_text.Flat``."""
    return (Flat if not flags else dict)(
        {
            "reporter": reporter,
            "partner": partner,
            "flow": flow,
            "period": period,
            "value": value,
            "currency": currency,
            "flags": list(flags),
            "published": published or None,
            "publisher": publisher or None,
            "url": url or None,
            "source": source,
            "line": line,
        }
    )


def split_flags(text: str) -> tuple[str, ...]:
    return tuple(f.strip() for f in str(text).split(";") if f.strip())


def records(frame: pd.DataFrame) -> list[Observation]:
    """The rows of an observation frame as ``Observation`` objects."""
    rows = RowSource(frame)
    return [rows.observation(i) for i in range(len(rows))]


class RowSource:
    """An observation frame's columns as Python lists, turned into ``Observation``
    objects one row at a time (the series engine builds only the rows it needs)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.columns: dict[str, list[Any]] = {c: frame[c].tolist() for c in frame.columns}
        self.extra = [c for c in frame.columns if c not in COLUMNS]
        self.size = len(frame)
        # Few distinct flag texts and spans: split and build each once.
        self._flags: dict[str, tuple[str, ...]] = {}
        self._periods: dict[tuple[int, int], Period] = {}
        self._isos: dict[tuple[int, int], str] = {}  # each span's ``Period.iso()``

    def __len__(self) -> int:
        return self.size

    def flags(self, i: int) -> tuple[str, ...]:
        """Row ``i``'s flags, split (each distinct text once)."""
        text = self.columns["flags"][i]
        flags = self._flags.get(text)
        if flags is None:
            flags = self._flags[text] = split_flags(text)
        return flags

    def observation_dict(self, i: int) -> dict[str, Any]:
        """``observation(i).to_dict()``, without making the ``Observation``."""
        c = self.columns
        span = (int(c["first"][i]), int(c["last"][i]))
        iso = self._isos.get(span)
        if iso is None:
            iso = self._isos[span] = Period(*span).iso()
        return source_dict(
            str(c["reporter"][i]),
            str(c["partner"][i]),
            str(c["flow"][i]),
            iso,
            float(c["value"][i]),
            str(c["currency"][i]),
            self.flags(i),
            str(c["published"][i]),
            str(c["publisher"][i]),
            str(c["url"][i]),
            str(c["source"][i]),
            int(c["line"][i]),
        )

    def where(self, i: int) -> str:
        """``observation(i).where()``, without making the ``Observation``."""
        return f"{self.columns['source'][i]!s}:{int(self.columns['line'][i])}"

    def observation(self, i: int) -> Observation:
        c = self.columns
        extra = {name: str(c[name][i]) for name in self.extra if str(c[name][i]) not in ("", "nan")}
        span = (int(c["first"][i]), int(c["last"][i]))
        period = self._periods.get(span)
        if period is None:
            period = self._periods[span] = Period(*span)
        flags = self.flags(i)
        return Observation(
            reporter=str(c["reporter"][i]),
            partner=str(c["partner"][i]),
            flow=str(c["flow"][i]),
            period=period,
            value=float(c["value"][i]),
            step=float(c["step"][i]),
            currency=str(c["currency"][i]),
            flags=flags,
            published=str(c["published"][i]),
            publisher=str(c["publisher"][i]),
            url=str(c["url"][i]),
            source=str(c["source"][i]),
            line=int(c["line"][i]),
            extra=extra,
        )


def keep_reporters(frame: pd.DataFrame, reporters: frozenset[str] | None) -> pd.DataFrame:
    """Only the rows of ``reporters`` (all rows when None), as if only they had been read."""
    if reporters is None:
        return frame
    kept = frame[frame["reporter"].isin(list(reporters))].reset_index(drop=True)
    for column in (*CODE_COLUMNS, *TEXT_COLUMNS, "source", "format", "step"):
        kept[column] = kept[column].cat.remove_unused_categories()
    return kept
