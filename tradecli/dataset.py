"""Loading: files → one observation table, plus the groups and the engine.

``load`` is the only place that reads input files. Filters that make the
data look as it did at some time (``vintage``: published on or before a date;
``as_of``: spans ending on or before a month) and that leave sources out
(``exclude_urls``) are applied here, once, so every command sees the same data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from tradecli import engine as engines
from tradecli import observations, readers
from tradecli.caching.parsed import Keyed
from tradecli.engine.answers import SeriesKey
from tradecli.engine.bulk import Columns, in_order, true_rows
from tradecli.engine.reference import Engine
from tradecli.engine.series import Series, series_of
from tradecli.errors import BadInput, BadRequest, Problem
from tradecli.file_names import is_utf8, plain_path, shown_name
from tradecli.formatting import money
from tradecli.groups import Groups
from tradecli.groups import load as load_groups
from tradecli.readers.common import ReadContext
from tradecli.vocabulary import BUNDLED_ID, BUNDLED_NAME, STDIN_NAME

__all__ = ["BUNDLED_ID", "BUNDLED_NAME", "STDIN", "STDIN_NAME", "Dataset", "Filters", "load"]

STDIN = Path("-")  # ``--data -``: the data is read from standard input


def bundled_path() -> Path:
    """The bundled dataset, wherever the package was installed."""
    return Path(str(resources.files("tradecli.bundled").joinpath(BUNDLED_NAME)))


@dataclass(frozen=True)
class Filters:
    include_flagged: bool = False
    vintage: str | None = None  # YYYY-MM-DD
    as_of: int | None = None  # month index
    exclude_urls: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_vintage(self.vintage)

    def notes(self, left_out: dict[str, int]) -> list[str]:
        """What the filters did, in words: the vintage and the observations left out."""
        notes = [f"vintage {self.vintage}: only figures published by then"] if self.vintage else []
        return notes + [f"{count} observations left out: {why}" for why, count in left_out.items()]


def check_vintage(vintage: str | None, option: str = "--vintage") -> None:
    """A vintage is a date written YYYY-MM-DD (as publication dates are); else ``BadRequest``."""
    from tradecli.readers.context import is_date

    if vintage is not None and not is_date(vintage):
        raise BadRequest(f"{vintage!r} is not a date; write it as YYYY-MM-DD", option)


@dataclass
class Dataset:
    frame: pd.DataFrame
    groups: Groups
    files: list[Path | str]  # str: the URL of a converted dataset
    filters: Filters = field(default_factory=Filters)
    notes: list[str] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    engine_name: str = engines.DEFAULT
    _engine: Engine | None = field(default=None, init=False, repr=False)
    _series: Series | None = field(default=None, init=False, repr=False)
    _columns: Columns | None = field(default=None, init=False, repr=False)
    # The cache entry the frame is, unchanged (``load``: one large file, nothing filtered
    # out), and that frame: the columns are cached beside the entry while ``frame`` is
    # still that frame. Not an argument, so a dataset made from another
    # (``dataclasses.replace``) never carries it.
    _keyed: tuple[pd.DataFrame, Keyed] | None = field(default=None, init=False, repr=False)

    @property
    def engine(self) -> Engine:
        """The engine backend called ``engine_name`` (``tradecli.engine.backend``) over
        this dataset's observations, built on first use."""
        if self._engine is None:
            backend = engines.backend(self.engine_name)
            self._engine = backend(self.frame, self.filters.include_flagged, self.groups.codes)
        return self._engine

    def series(self) -> Series:
        """The frame's series and each row's series number (``engine.series``), worked out
        once; cheaper than the reference engine's group-by of every row."""
        if self._series is None:
            self._series = series_of(self.frame)
        return self._series

    def keys(self) -> list[SeriesKey]:
        """Every series with a row in the data, sorted (what ``engine.keys()`` lists)."""
        if self._series is None and self._columns is None:
            self._columns = self._cached_columns()
        if self._series is None and self._columns is not None:
            return list(self._columns.keys)  # the same list: the columns' keys are the series'
        return list(self.series().keys)

    def columns(self) -> Columns:
        """Every series as arrays (``engine.bulk.Columns``), built once; for a large file
        read through the cache, built once per content and options (stored beside the
        parsed entry, ``_cached_columns``)."""
        if self._columns is None:
            self._columns = self._cached_columns()
        if self._columns is None:
            flagged = self.filters.include_flagged
            self._columns = Columns(self.frame, flagged, self.series())
            keyed = self._entry()
            if keyed is not None:
                keyed.write(_columns_name(flagged), _columns_key(), self._columns.save)
        return self._columns

    def forget_columns(self) -> None:
        """Let the columns go (a Dask worker, done with a partition)."""
        self._columns = None

    def _cached_columns(self) -> Columns | None:
        keyed = self._entry()
        if keyed is None:
            return None
        body = keyed.read(_columns_name(self.filters.include_flagged), _columns_key())
        if body is None:
            return None
        try:
            return Columns.load(body)
        except (ValueError, KeyError, TypeError):
            return None  # written by other code: built again (and stored over it)

    def _entry(self) -> Keyed | None:
        """The cache entry the frame is, while the frame is the one loaded from it."""
        if self._keyed is None or self._keyed[0] is not self.frame:
            return None
        return self._keyed[1]

    def reporters(self) -> list[str]:
        return sorted({str(r) for r in self.frame["reporter"].unique()})


def load(
    paths: Sequence[Path | str] | None = None,
    groups_file: Path | None = None,
    filters: Filters | None = None,
    commodity: str = "TOTAL",
    reporters: frozenset[str] | None = None,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
    strict: bool = False,
) -> Dataset:
    """Read every file (default: the bundled dataset) and apply the filters.

    ``reporters`` keeps only those reporters' rows (every row is still checked);
    ``use_cache`` lets large files come from the cache of parsed files (``caching.parsed``);
    ``progress`` is called with (bytes read, total) while a large file loads;
    ``strict`` makes a publisher's row that cannot be placed an error, not a warning.
    """
    filters = filters or Filters()
    groups = load_groups(groups_file)
    files: list[Path | str] = data_files(list(paths)) if paths else [bundled_path()]
    if files.count(STDIN) > 1:
        raise BadRequest("standard input can be read only once: give --data - once", "--data")
    context = ReadContext(
        group_codes=groups.codes,
        commodity=commodity,
        reporters=reporters,
        progress=progress,
        strict=strict,
    )
    read = [_read(f, context, use_cache) for f in files]
    frame = observations.concat(f for f, _ in read)
    if not paths:
        frame["source"] = frame["source"].cat.rename_categories([BUNDLED_ID])
    frame, left_out = apply_filters(frame, filters)
    # One file's entry, nothing left out: what is worked out from the frame can be cached.
    keyed = read[0][1] if len(read) == 1 and read[0][0] is frame else None
    notes = context.notes + _unit_warnings(frame, keyed)
    dataset = Dataset(frame, groups, files, filters, notes, left_out)
    dataset._keyed = None if keyed is None else (frame, keyed)
    return dataset


def _unit_warnings(frame: pd.DataFrame, keyed: Keyed | None) -> list[str]:
    """``unit_warnings`` of the frame; for a cached file's frame, the rows it names are
    stored beside its entry (finding them sorts every row: a tenth of a second or more
    on a million rows), and the notes are written from the frame, which names the path
    given this time."""
    if keyed is None or not 2 <= len(frame) <= UNIT_CHECK_MAX_ROWS:
        return unit_warnings(frame)
    body = keyed.read(_UNITS, _units_key())
    pairs = None
    if body is not None:
        try:
            pairs = [(int(a), int(b)) for a, b in json.loads(bytes(body))]
        except (ValueError, TypeError):
            pairs = None  # written by other code: found again below
    if pairs is None:
        pairs = unit_suspects(frame)
        text = json.dumps(pairs).encode()
        keyed.write(_UNITS, _units_key(), lambda sink: sink.write(text))
    return unit_notes(frame, pairs)


_UNITS = "units"


def _units_key() -> str:
    """The stored unit check's own key, beside the frame's: the layout of its body (a JSON
    list of row pairs)."""
    return "unit check rows 1"


def _columns_name(include_flagged: bool) -> str:
    """The name of the columns' entry beside a parsed file's (``caching.parsed.Keyed``)."""
    return "columns-flagged" if include_flagged else "columns"


def _columns_key() -> str:
    """The columns' own key, beside the frame's (whose tool part stamps the code that
    builds them, ``caching.keys.tool``): the layout ``Columns.save`` writes."""
    return f"columns {Columns.LAYOUT}"


def data_files(paths: Sequence[Path | str]) -> list[Path | str]:
    """Files as given; folders expand to their data files, sorted (a folder with none is
    an error, like an empty file); a URL (text: a converted dataset) is one input.

    A folder is walked without following symbolic links out of it: a link to a file
    outside the folder is an error (its content is never read or shown), a link to a
    file inside is read once. A sub-folder that cannot be listed is an error, never a
    silent gap in the data.
    """
    from tradecli.readers.parquet import is_dataset

    out: list[Path | str] = []
    for path in paths:  # a URL or a converted dataset: one input
        if isinstance(path, str) or path == STDIN or not path.is_dir() or is_dataset(path):
            out.append(path)
            continue
        found = _walk(path)
        if not found:
            message = f"folder holds no data files ({', '.join(readers.DATA_SUFFIXES)})"
            raise BadInput([Problem(shown_name(path), None, "", "", message)])
        out.extend(found)
    return out


def _walk(folder: Path) -> list[Path]:
    root = folder.resolve()
    problems: list[Problem] = []

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename) if isinstance(exc.filename, str) else folder
        problems.append(
            Problem(shown_name(where), None, "", "", f"cannot read folder: {exc.strerror}")
        )

    found: dict[Path, Path] = {}  # the file itself -> the path it was found at
    for top, dirs, names in os.walk(folder, onerror=unreadable, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            path = Path(top) / name
            if not name.lower().endswith(readers.DATA_SUFFIXES):
                continue
            real = path.resolve()
            if path.is_symlink() and not real.is_relative_to(root):
                message = "symbolic link to a file outside the folder; not read"
                problems.append(Problem(shown_name(path), None, "", "", message))
                continue
            if real.is_file() or not path.exists():
                found.setdefault(real, path)
            elif not real.is_dir():
                found.setdefault(real, path)  # a pipe or device: read_one says what it is
    if problems:
        raise BadInput(problems)
    return sorted(found.values())


def _read(
    path: Path | str, context: ReadContext, use_cache: bool
) -> tuple[pd.DataFrame, Keyed | None]:
    """One file's observations, and the cache entry they are (None: not cached); a file
    that cannot be opened is a ``BadInput``, and a pipe (``--data <(cat f.csv)``) is read
    once into a temporary file and named as given; a URL is a converted dataset, read
    through fsspec."""
    from tradecli.readers import parquet

    if isinstance(path, str):
        return parquet.read(path, context), None
    try:
        if path == STDIN:
            return _read_stdin(context), None
        if parquet.is_parquet(path):  # a converted dataset or a Parquet file: pushdown
            return parquet.read(path, context), None
        if path.exists() and not path.is_file() and not path.is_dir():
            return _read_pipe(path, context), None
        if not is_utf8(str(path)):
            return _read_undecodable(path, context), None
        if not use_cache or not path.is_file():
            return _read_any(path, context), None
        from tradecli.caching import parsed

        return parsed.read_keyed(path, context, _read_any)
    except (PermissionError, IsADirectoryError) as exc:
        raise BadInput(
            [Problem(shown_name(path), None, "", "", f"cannot read: {exc.strerror}")]
        ) from None


def _read_undecodable(path: Path, context: ReadContext) -> pd.DataFrame:
    """A file whose name (or a folder's on its path) has bytes UTF-8 cannot decode, read
    through a link of a plain name (``file_names.plain_path``) and named, in problems,
    notes and citations, with those bytes escaped (``tr\\xffde.csv``, as ``ls -b`` shows
    it). Not cached: its name is not a key."""
    suffix = path.suffix if is_utf8(path.suffix) else ""
    if not suffix and path.is_file():
        with path.open("rb") as check:
            suffix = copy_suffix(check.read(8))
    with plain_path(path, f"input{suffix}") as alias:
        return _read_named(alias, shown_name(path), context)


def _read_pipe(path: Path, context: ReadContext) -> pd.DataFrame:
    filename = path.name if path.suffix and is_utf8(path.name) else None
    with path.open("rb") as source:
        return _read_copy(source, shown_name(path), filename, context)


def _read_stdin(context: ReadContext) -> pd.DataFrame:
    """``--data -``: standard input, read once into a temporary file (never cached: its
    content has no name to key it by). The format is told from the bytes, as for any
    file."""
    import sys

    stream = getattr(sys.stdin, "buffer", None) if sys.stdin is not None else None
    if stream is None or stream.isatty():
        message = "standard input is a terminal, not data: pipe a file in (tradecli --data - ...)"
        raise BadInput([Problem(STDIN_NAME, None, "", "", message)])
    return _read_copy(stream, STDIN_NAME, None, context)


def copy_suffix(head: bytes) -> str:
    """The suffix for a copy of data whose first bytes are ``head``: the readers tell the
    format from the content, but an Excel library opens a workbook only by its suffix."""
    if head.startswith(b"PK\x03\x04"):
        return ".xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return ".xls"
    return ".csv"


def _read_copy(
    source: BinaryIO, name: str, filename: str | None, context: ReadContext
) -> pd.DataFrame:
    """Read a stream (a pipe, standard input) once into a temporary file called
    ``filename`` (None: a name whose suffix the first bytes choose), then that file, with
    every problem, note and citation naming the stream as ``name``."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tradecli-") as folder:
        copy = Path(folder) / "input"
        with copy.open("wb") as target:
            shutil.copyfileobj(source, target)
        if copy.stat().st_size == 0:
            raise BadInput([Problem(name, None, "", "", "no data (the input is empty)")])
        if filename is None:
            with copy.open("rb") as check:
                filename = "input" + copy_suffix(check.read(8))
        copy = copy.rename(copy.with_name(filename))
        with plain_path(copy) as readable:  # in a $TMPDIR whose own name is not UTF-8
            return _read_named(readable, name, context)


def _read_named(copy: Path, name: str, context: ReadContext) -> pd.DataFrame:
    """``copy`` read, with every problem, note and citation naming it ``name``."""
    notes = len(context.notes)
    try:
        frame = _read_any(copy, context)
    except BadInput as exc:
        raise BadInput(
            [replace(p, file=name) if p.file == str(copy) else p for p in exc.problems]
        ) from None
    finally:
        context.notes[notes:] = [n.replace(str(copy), name) for n in context.notes[notes:]]
    if len(frame):
        frame["source"] = frame["source"].cat.rename_categories(
            [name if c == str(copy) else c for c in frame["source"].cat.categories]
        )
    return frame


def _read_any(path: Path, context: ReadContext) -> pd.DataFrame:
    """One file read by the reader its format chooses, only ``context.reporters``' rows."""
    return _only(readers.read_any(path, context), context.reporters)


def _only(frame: pd.DataFrame, reporters: frozenset[str] | None) -> pd.DataFrame:
    """Readers that do not filter by reporter themselves are filtered here."""
    if reporters is None or not len(frame) or frame["reporter"].isin(list(reporters)).all():
        return frame
    from tradecli.observations import keep_reporters

    return keep_reporters(frame, reporters)


def apply_filters(frame: pd.DataFrame, filters: Filters) -> tuple[pd.DataFrame, dict[str, int]]:
    """Drop what the filters exclude; count what was dropped and why."""
    keep = pd.Series(True, index=frame.index)
    left_out: dict[str, int] = {}
    if filters.vintage is not None:
        vintage = filters.vintage
        undated = _texts(frame["published"], lambda dates: dates == "")
        later = ~undated & _texts(frame["published"], lambda dates: dates > vintage)
        left_out[f"published after {filters.vintage}"] = int(later.sum())
        left_out["no publication date (vintage asked)"] = int(undated.sum())
        keep &= ~(undated | later)
    if filters.as_of is not None:
        after = frame["last"] > filters.as_of
        left_out["span ends after the as-of month"] = int((after & keep).sum())
        keep &= ~after
    if filters.exclude_urls:
        own = frame["url"].isin(list(filters.exclude_urls))
        left_out["from the claim's own source"] = int((own & keep).sum())
        keep &= ~own
    left_out = {k: v for k, v in left_out.items() if v}
    if bool(keep.all()):
        return frame, left_out
    return frame[keep].reset_index(drop=True), left_out


def _texts(column: pd.Series, test: Callable[[pd.Index], np.ndarray]) -> pd.Series:
    """``test`` of a text column's values (a categorical's: of each category once)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        passed = np.append(np.asarray(test(column.cat.categories), dtype=bool), False)
        return pd.Series(passed[column.cat.codes.to_numpy()], index=column.index)
    return pd.Series(np.asarray(test(pd.Index(column)), dtype=bool), index=column.index)


# Figures of one series and span whose ratio is one of these (within 2%) were most likely
# published in different units (5.8 million and 5.8 thousand).
UNIT_RATIOS = (1e3, 1e6, 1e9)
UNIT_CHECK_MAX_ROWS = 1_000_000  # larger loads skip the check (it groups every row)


def unit_warnings(frame: pd.DataFrame, shown: int = 5) -> list[str]:
    """Notes for series and spans whose figures differ by a factor of a thousand, a
    million or a billion: a unit mistake in one of them, which reconciliation alone
    would settle silently (the later publication wins)."""
    return unit_notes(frame, unit_suspects(frame), shown)


def unit_suspects(frame: pd.DataFrame) -> list[tuple[int, int]]:
    """The rows of each such pair (``unit_warnings``): the smaller figure's, the larger's."""
    if len(frame) < 2 or len(frame) > UNIT_CHECK_MAX_ROWS:
        return []
    # The lowest and highest positive figure of each (series, span) with two or more,
    # each the first row that has it, in the order of the keys: numpy on the columns'
    # codes (a groupby costs milliseconds even on the bundled data, loaded by every test).
    value = frame["value"].to_numpy(dtype=np.float64)
    positive = value > 0
    # Row numbers of the positive figures (None: every row, as in most files: the key
    # columns are then read as they are, not gathered).
    rows: np.ndarray | None = None
    if not bool(positive.all()):
        rows = true_rows(positive)
    del positive
    keys = [
        frame[k].cat.codes.to_numpy()
        if isinstance(frame[k].dtype, pd.CategoricalDtype)
        else frame[k].to_numpy()
        for k in ("reporter", "partner", "flow", "currency", "first", "last")
    ]
    if rows is not None:
        keys = [k[rows] for k in keys]
    if not in_order(*keys):  # a download written in key order, as most are, needs no sort
        order = np.lexsort(keys[::-1])  # stable: rows of a group stay in frame order
        rows = order if rows is None else rows[order]
        keys = [k[order] for k in keys]
        del order
    n = len(keys[0])
    if n < 2:
        return []
    # Where each (series, span) begins, neighbour by neighbour in booleans (one at a time:
    # not one table per key column).
    changed = np.ones(n, dtype=bool)
    same = keys[0][1:] == keys[0][:-1]
    for k in keys[1:]:
        same &= k[1:] == k[:-1]
    np.logical_not(same, out=changed[1:])
    del same, keys
    starts = np.flatnonzero(changed)
    if len(starts) == n:
        return []  # one figure per series and span
    # Only the spans with two or more figures can hold a pair: their rows alone from here
    # (few in a file of single figures), in the same order.
    sizes = np.diff(np.append(starts, n))
    several = sizes >= 2
    taken = np.repeat(several, sizes)
    rows = np.flatnonzero(taken) if rows is None else rows[taken]
    del taken, changed
    sizes = sizes[several]
    starts = np.cumsum(sizes) - sizes
    figures = value[rows]
    group = np.repeat(np.arange(len(starts)), sizes)
    place, beyond = np.arange(len(rows)), len(rows)

    def first_with(extreme: np.ndarray) -> np.ndarray:
        """The row of each group's first figure equal to its ``extreme``."""
        hit = np.where(figures == extreme[group], place, beyond)
        found: np.ndarray = rows[np.minimum.reduceat(hit, starts)]
        return found

    low = first_with(np.minimum.reduceat(figures, starts))
    high = first_with(np.maximum.reduceat(figures, starts))
    ratio = value[high] / value[low]
    suspect = np.zeros(len(starts), dtype=bool)
    for factor in UNIT_RATIOS:
        suspect |= np.abs(ratio / factor - 1) <= 0.02
    return list(zip(low[suspect].tolist(), high[suspect].tolist(), strict=True))


def unit_notes(frame: pd.DataFrame, pairs: list[tuple[int, int]], shown: int = 5) -> list[str]:
    """The notes of ``unit_warnings`` for the rows ``unit_suspects`` found."""
    notes = []
    for small, large in pairs[:shown]:
        a, b = frame.iloc[small], frame.iloc[large]
        span = _span_label(int(a["first"]), int(a["last"]))
        notes.append(
            f"unit? {a['reporter']}–{a['partner']} {a['flow']} {span}: "
            f"{money(b['value'], str(b['currency']))} ({b['source']}:{b['line']}) is "
            f"{b['value'] / a['value']:,.0f} × {money(a['value'], str(a['currency']))} "
            f"({a['source']}:{a['line']}); "
            "one of them may have the wrong unit"
        )
    more = len(pairs) - shown
    return notes + ([f"unit? ... and {more} more"] if more > 0 else [])


def _span_label(first: int, last: int) -> str:
    from tradecli.periods import Period

    return Period(first, last).label()
