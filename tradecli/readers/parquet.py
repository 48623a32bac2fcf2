"""Parquet datasets of observations: written by ``tradecli convert``, read as ``--data``.

Layout (hive partitioning by reporter; ``docs/scale.md``)::

    DIR/_tradecli.json                  the marker, written last
    DIR/reporter=AZE/part-0.parquet     reporter AZE's rows

A reporter's rows are sorted by partner, flow, first and last month, in row groups of
``ROW_GROUP_ROWS``, so the statistics of a row group (min/max of each column) let a
reader skip the row groups of other partners, flows and spans. Every answer of a
command needs only rows of one reporter (its groups and world totals are its own
partners), except ``mirror``: a question about one reporter reads one folder.

The rows keep their provenance (``source`` names the file as the user named it when
converting, ``line`` its line) and their order (``row``, the position in the frame
the conversion loaded): read back, they are the frame reading the original files gave,
so every answer is the same byte for byte.

A conversion writes into a hidden sibling folder and renames it into place; the
marker (schema version, rows, series, files, bytes, the source files' digests, the
readers' notes) is written last. A folder without the marker is not a dataset:
a killed conversion leaves none that looks whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from tradecli.errors import BadInput, Problem, TradeCliError, require
from tradecli.file_names import is_utf8, plain_path, shown_name
from tradecli.readers.context import ReadContext

if TYPE_CHECKING:
    import pandas as pd

MARKER = "_tradecli.json"
SCHEMA_VERSION = 1
ROW_GROUP_ROWS = 64 * 1024
ORDER = "row"  # the column holding each row's position in the converted frame
SORT = ("partner", "flow", "first", "last")
MAGIC = b"PAR1"
# The text columns, categoricals in the frame (observations.CODE_COLUMNS, TEXT_COLUMNS,
# source and format): read as Arrow dictionaries, made categoricals without a string
# per row.
TEXT = (
    "reporter",
    "partner",
    "flow",
    "currency",
    "flags",
    "published",
    "publisher",
    "url",
    "source",
    "format",
)
URL_SCHEMES = ("file://", "s3://", "gs://", "gcs://", "https://", "http://")


class NotADataset(TradeCliError):
    """``convert --out`` names a folder that holds something other than a dataset."""


# -- what is a Parquet input -----------------------------------------------------


def is_url(text: str) -> bool:
    return text.startswith(URL_SCHEMES)


def is_dataset(path: Path) -> bool:
    """A folder ``tradecli convert`` wrote (it has the marker)."""
    return path.is_dir() and (path / MARKER).is_file()


def is_parquet_file(path: Path) -> bool:
    """A Parquet file, told by its first bytes."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == MAGIC
    except OSError:
        return False


def is_parquet(path: Path) -> bool:
    return is_dataset(path) or (path.is_file() and is_parquet_file(path))


# -- pushdown --------------------------------------------------------------------


@dataclass(frozen=True)
class Pushdown:
    """Filters given to the Parquet reader: partitions and row groups that cannot hold a
    wanted row are not read. None keeps everything."""

    reporters: frozenset[str] | None = None
    partners: frozenset[str] | None = None
    flows: frozenset[str] | None = None
    ends_from: int | None = None  # spans whose last month is on or after this month
    starts_until: int | None = None  # spans whose first month is on or before this month

    def expression(self) -> Any:
        """The pyarrow dataset expression, or None when nothing is filtered."""
        import pyarrow.dataset as ds

        rows = self.row_expression()
        if self.reporters is None:
            return rows
        partitions = ds.field("reporter").isin(sorted(self.reporters))
        return partitions if rows is None else partitions & rows

    def row_expression(self) -> Any:
        """The part of the expression on the files' own columns (row-group statistics)."""
        import pyarrow.dataset as ds

        parts = []
        if self.partners is not None:
            parts.append(ds.field("partner").isin(sorted(self.partners)))
        if self.flows is not None:
            parts.append(ds.field("flow").isin(sorted(self.flows)))
        if self.ends_from is not None:
            parts.append(ds.field("last") >= self.ends_from)
        if self.starts_until is not None:
            parts.append(ds.field("first") <= self.starts_until)
        if not parts:
            return None
        expression = parts[0]
        for part in parts[1:]:
            expression = expression & part
        return expression


@dataclass
class Plan:
    """What a read under a ``Pushdown`` touches: the row groups kept, of how many."""

    fragments: list[Any]  # one per row group kept
    files: int  # files with a row group kept
    files_total: int
    row_groups: int
    row_groups_total: int
    bytes: int  # compressed bytes of the row groups kept
    bytes_total: int
    schema: Any = None


# -- reading ---------------------------------------------------------------------


def filesystem_for(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of a URL and the path within it; a clear error naming what
    to install when fsspec (or the protocol's package) is not there."""
    require("fsspec", "remote", f"reading {url}")
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:  # the protocol's own package (s3fs, gcsfs, aiohttp)
        raise TradeCliError(f"{url}: {exc}") from None
    except ValueError as exc:
        raise TradeCliError(f"{url}: {exc}") from None
    return fs, str(path)


def locate(path: Path | str) -> tuple[str | Path, Any]:
    """Where a dataset is read, and with which filesystem: a URL's fsspec filesystem and
    the path within it; a local path as it is, with None (pyarrow's own)."""
    if isinstance(path, str) and is_url(path):
        filesystem, where = filesystem_for(path)
        return where, filesystem
    return path, None


def _dataset(where: str | Path, filesystem: Any = None) -> Any:
    import pyarrow as pa
    import pyarrow.dataset as ds

    # Folders named reporter=X are a converted dataset's partitions. One file outside them
    # has none: its own reporter column is read as it was written (pandas writes
    # large_string, which the partition's string would refuse to merge with).
    path = Path(str(where))
    single = filesystem is None and path.is_file() and not path.parent.name.startswith("reporter=")
    partitioning = (
        None if single else ds.partitioning(pa.schema([("reporter", pa.string())]), flavor="hive")
    )
    return ds.dataset(
        str(where), format="parquet", partitioning=partitioning, filesystem=filesystem
    )


def plan(
    where: str | Path,
    pushdown: Pushdown | None = None,
    filesystem: Any = None,
    totals: bool = True,
) -> Plan:
    """The row groups a read under ``pushdown`` needs: partitions pruned by the folder
    names, row groups by their statistics, before any row is read. ``totals``: also count
    every file's row groups and bytes (which reads every file's footer; a read does not)."""
    dataset = _dataset(where, filesystem)
    expression = pushdown.expression() if pushdown is not None else None
    rows = pushdown.row_expression() if pushdown is not None else None
    every = list(dataset.get_fragments())
    kept_files = list(dataset.get_fragments(filter=expression)) if expression is not None else every
    pieces: list[Any] = []
    files = 0
    for fragment in kept_files:
        groups = (
            fragment.split_by_row_group(filter=rows)
            if rows is not None
            else fragment.split_by_row_group()
        )
        files += bool(groups)
        pieces.extend(groups)
    return Plan(
        fragments=pieces,
        files=files,
        files_total=len(every),
        row_groups=len(pieces),
        row_groups_total=sum(f.metadata.num_row_groups for f in every) if totals else 0,
        bytes=sum(_bytes(p) for p in pieces),
        bytes_total=sum(_bytes(f) for f in every) if totals else 0,
        schema=dataset.schema,
    )


def _bytes(fragment: Any) -> int:
    """The compressed bytes of a fragment's row groups (all, or those it was split to)."""
    meta = fragment.metadata
    wanted = [g.id for g in fragment.row_groups] if fragment.row_groups else None
    numbers = wanted if wanted is not None else range(meta.num_row_groups)
    total = 0
    for n in numbers:
        group = meta.row_group(n)
        total += sum(group.column(c).total_compressed_size for c in range(group.num_columns))
    return total


def read_table(where: str | Path, pushdown: Pushdown | None = None, filesystem: Any = None) -> Any:
    """The rows a ``pushdown`` keeps, as an Arrow table (the order column included). A
    local path whose name UTF-8 cannot decode (pyarrow takes UTF-8 paths only) is read
    through a link of a plain name (``file_names.plain_path``)."""
    if filesystem is None and not is_utf8(str(where)):
        with plain_path(Path(where), "dataset") as plain:
            return _read_table(plain, pushdown, None)
    return _read_table(where, pushdown, filesystem)


def _read_table(where: str | Path, pushdown: Pushdown | None, filesystem: Any) -> Any:
    direct = _partition_files(where, pushdown, filesystem)
    if direct:
        table = _read_partitions(direct)
        if table is not None:
            return table
    import pyarrow.dataset as ds

    found = plan(where, pushdown, filesystem, totals=False)
    expression = pushdown.expression() if pushdown is not None else None
    if not found.fragments:
        return found.schema.empty_table()
    parquet = ds.ParquetFileFormat()
    kept = ds.FileSystemDataset(
        found.fragments, found.schema, parquet, filesystem=found.fragments[0].filesystem
    )
    return kept.to_table(filter=expression)


def _partition_files(
    where: str | Path, pushdown: Pushdown | None, filesystem: Any
) -> list[tuple[str, Path]]:
    """(reporter, file) of each file of the reporters a pushdown keeps (every reporter's
    without one), when that is all it asks of a local dataset (no filter on the rows);
    else none, and the dataset reader plans the read. ``summary -r X`` so reads one
    reporter's folder without discovering the dataset (or importing ``pyarrow.dataset``),
    and a whole read gets its text as dictionaries, not a Python string per row (the 10M
    dataset's ``summary``: 15.4 s and 3.9 GB that way, 8.1 s and 2.3 GB this way)."""
    if filesystem is not None:
        return []
    pushdown = pushdown or Pushdown()
    rows = (pushdown.partners, pushdown.flows, pushdown.ends_from, pushdown.starts_until)
    if any(r is not None for r in rows) or not is_dataset(Path(where)):
        return []
    codes = pushdown.reporters
    if codes is None:
        folders = Path(where).glob("reporter=*")
        codes = frozenset(unquote(f.name.removeprefix("reporter=")) for f in folders)
    found: list[tuple[str, Path]] = []
    for code in sorted(codes):
        folder = Path(where) / f"reporter={quote(code, safe='')}"
        if folder.is_dir():
            found.extend((code, f) for f in sorted(folder.glob("*.parquet")))
    return found


def _read_partitions(files: list[tuple[str, Path]]) -> Any:
    """Those files' rows with their reporter column, text columns read as dictionaries (as
    Parquet stores them: no string is made per row; ``to_frame`` makes them categoricals);
    None when the files' column types differ."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = []
    for code, path in files:
        footer = pq.ParquetFile(path).metadata  # read once: the names, then the rows
        text = [n for n in footer.schema.to_arrow_schema().names if n in TEXT]  # only its own
        table = pq.ParquetFile(path, read_dictionary=text, metadata=footer).read(use_threads=False)
        reporter = pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(table.num_rows, np.int32)), pa.array([code], pa.large_string())
        )
        tables.append(table.append_column("reporter", reporter))
    if any(not t.schema.equals(tables[0].schema) for t in tables[1:]):
        return None  # files of other types (written elsewhere): the dataset reader unifies
    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


def to_frame(table: Any) -> pd.DataFrame:
    """An Arrow table of a dataset → the observation frame, in the converted frame's order.

    Text columns read as Arrow dictionaries (``_read_partitions``) are put in order in
    Arrow (a take of their indices) and become categoricals with their categories
    sorted, as ``astype("category")`` sorts them: no Python string per row, no pandas
    factorize. A table with plain text columns (the dataset reader's) goes through
    pandas as before: reordering its strings in Arrow would hold them twice (a whole
    10M-row read peaked 1.2 GB higher that way)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from tradecli.observations import empty, finish

    if table.num_rows == 0:
        return empty()
    text = [table.schema.field(c).type for c in TEXT if c in table.column_names]
    if not all(pa.types.is_dictionary(kind) for kind in text):
        frame = table.to_pandas()
        if ORDER in frame.columns:
            frame = frame.sort_values(ORDER, kind="stable").drop(columns=[ORDER])
        return finish(frame)
    if ORDER in table.column_names:
        # A dataset's reporters read in turn are most often in the order already (a file
        # written reporter by reporter): then no take, which copies every column.
        order = table[ORDER].to_numpy()
        if len(order) > 1 and not bool((order[1:] >= order[:-1]).all()):
            table = table.take(pc.sort_indices(table[ORDER]))
        del order
        table = table.drop_columns([ORDER])
    frame = table.to_pandas()
    for column in TEXT:
        if column in frame.columns and isinstance(frame[column].dtype, pd.CategoricalDtype):
            names = frame[column].cat.categories
            if not names.is_monotonic_increasing:
                frame[column] = frame[column].cat.reorder_categories(names.sort_values())
    return finish(frame)


def read(path: Path | str, context: ReadContext, pushdown: Pushdown | None = None) -> pd.DataFrame:
    """A converted dataset (folder or URL) or one Parquet file, as observations.

    ``context.reporters`` is pushed down (partitions not read) unless ``pushdown``
    says otherwise; the readers' notes stored at conversion are added to the context's.
    """
    if pushdown is None:
        pushdown = Pushdown(reporters=context.reporters)
    name = _name(path)
    check(path, context)
    where, filesystem = locate(path)
    import pyarrow as pa

    # A local path UTF-8 cannot decode is read through a link of a plain name, here (not
    # in ``read_table``) so that pyarrow's words, which name the link, name it as shown.
    local = filesystem is None
    with plain_path(Path(where), "dataset") if local else contextlib.nullcontext(where) as plain:
        try:
            table = read_table(plain, pushdown, filesystem)
        except (OSError, ValueError, pa.ArrowException) as exc:
            said = str(exc).replace(str(plain), name)
            message = f"cannot read as Parquet: {said}"
            raise BadInput([Problem(name, None, "", "", message)]) from None
    if "reporter" not in table.column_names:
        table = _reporter_from_folder(table, Path(str(where)))
    missing = [
        c
        for c in ("reporter", "partner", "flow", "first", "last", "value")
        if c not in table.column_names
    ]
    if missing:
        message = f"Parquet file without the observation columns {', '.join(missing)}"
        raise BadInput([Problem(name, None, "", "", message)])
    return to_frame(table)


def check(path: Path | str, context: ReadContext) -> None:
    """A dataset's marker checked (schema version, commodity) and its notes added to the
    context's, without reading any row."""
    marker = _marker(*locate(path))
    if marker is not None:
        _check_marker(_name(path), marker, context)
        context.notes.extend(str(n) for n in marker.get("notes", []))


def _name(path: Path | str) -> str:
    """A dataset as problems name it: a URL as given, a local path as ``shown_name``
    shows it (bytes UTF-8 cannot decode escaped)."""
    return path if isinstance(path, str) else shown_name(path)


def _reporter_from_folder(table: Any, path: Path) -> Any:
    """One file of a dataset (``reporter=AZE/part-0.parquet``): its reporter is its folder's."""
    import pyarrow as pa

    folder = path.parent.name if path.is_file() else path.name
    if not folder.startswith("reporter="):
        return table
    code = unquote(folder.split("=", 1)[1])
    return table.append_column("reporter", pa.array([code] * table.num_rows, pa.string()))


def read_marker(where: str | Path, filesystem: Any = None) -> dict[str, Any] | None:
    """A dataset's marker (None: there is none)."""
    return _marker(where, filesystem)


def _marker(where: str | Path, filesystem: Any) -> dict[str, Any] | None:
    try:
        if filesystem is not None:
            with filesystem.open(f"{str(where).rstrip('/')}/{MARKER}", "rb") as handle:
                return dict(json.loads(handle.read()))
        path = Path(where)
        if not path.is_dir():
            return None
        return dict(json.loads((path / MARKER).read_text("utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise BadInput(
            [Problem(_name(where), None, "", MARKER, f"unreadable marker: {exc}")]
        ) from None


def _check_marker(name: str, marker: dict[str, Any], context: ReadContext) -> None:
    version = marker.get("schema_version")
    if version != SCHEMA_VERSION:
        message = (
            f"converted with schema version {version}, this tradecli reads {SCHEMA_VERSION}; "
            "convert the source files again"
        )
        raise BadInput([Problem(name, None, "", MARKER, message)])
    commodity = marker.get("commodity", "TOTAL")
    if commodity != context.commodity:
        message = (
            f"holds commodity {commodity} (converted with --commodity {commodity}); ask with "
            f"--commodity {commodity}, or convert with --commodity {context.commodity}"
        )
        raise BadInput([Problem(name, None, "", MARKER, message)])


# -- writing ---------------------------------------------------------------------


@dataclass
class Written:
    """What a conversion wrote."""

    out: Path
    rows: int
    series: int
    files: int
    bytes: int
    row_groups: int
    reporters: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"wrote {shown_name(self.out)}: {self.rows:,} rows, {self.series:,} series, "
            f"{self.files:,} files ({len(self.reporters):,} reporters, "
            f"{self.row_groups:,} row groups), {self.bytes:,} bytes"
        )


def _partitions(frame: pd.DataFrame) -> Iterator[tuple[str, Any]]:
    """Each reporter's rows, reporters in code order (grouped by the category codes: no
    string is compared or made per row)."""
    import numpy as np

    reporter = frame["reporter"].astype("category")
    names = [str(c) for c in reporter.cat.categories]
    order = sorted(range(len(names)), key=names.__getitem__)
    codes = reporter.cat.codes.to_numpy()
    rows = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[rows], np.arange(len(names) + 1))
    for code in order:
        start, end = int(bounds[code]), int(bounds[code + 1])
        if end > start:
            yield names[code], rows[start:end]  # positions, in the frame's order


def _arrow(frame: pd.DataFrame, positions: Any, offset: int) -> Any:
    """One reporter's rows (at ``positions``) as an Arrow table, with their positions in
    the whole converted frame (the order column, ``offset`` + position), categories as
    text."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    part = frame.iloc[positions].drop(columns=["reporter"])
    part[ORDER] = positions.astype(np.int64) + offset
    for column in part.columns:
        if isinstance(part[column].dtype, pd.CategoricalDtype):  # the steps as numbers
            part[column] = part[column].astype("float64" if column == "step" else "str")
        elif column in ("first", "last"):  # int16 in the frame; the schema's int32
            part[column] = part[column].astype("int32")
    return pa.Table.from_pandas(part, preserve_index=False)


SPILL = ".spill"  # inside the hidden work folder: each reporter's rows, as they come


class DatasetWriter:
    """A dataset written in two passes, with memory bounded by a piece and a reporter.

    ``add`` takes the converted frame piece by piece, in order (a block of a large file,
    or a whole small file), and writes each reporter's rows of it to a file of their own
    in the hidden work folder. ``close`` then reads each reporter's rows back (one
    reporter at a time), sorts them by partner, flow and span (for the row-group
    statistics) and writes its partition; the spilled files are removed, the marker
    written last, and the folder renamed into place. Used as a context manager: on any
    error (or a kill) the work folder is removed (or left hidden, without a marker).
    """

    def __init__(self, out: Path, row_group_rows: int = ROW_GROUP_ROWS) -> None:
        _check_out(out)
        self.out = out
        self.row_group_rows = row_group_rows
        self.work = out.parent / f".{out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.at = self.work  # the work folder as pyarrow writes into it (``__enter__``)
        self._plain = contextlib.ExitStack()
        self.rows = 0
        self.spilled: dict[str, list[Path]] = {}
        self.pieces = 0

    def __enter__(self) -> DatasetWriter:
        self.work.mkdir()
        # pyarrow takes UTF-8 paths only: a work folder whose path UTF-8 cannot decode
        # (``--out`` in such a folder) is written through a link of a plain name.
        self.at = self._plain.enter_context(plain_path(self.work, "work"))
        (self.at / SPILL).mkdir()
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self._plain.close()
        if kind is not None:
            shutil.rmtree(self.work, ignore_errors=True)

    def add(self, frame: pd.DataFrame) -> None:
        """The next piece of the converted frame."""
        import pyarrow.parquet as pq

        for code, positions in _partitions(frame):
            table = _arrow(frame, positions, self.rows)
            target = (
                self.at / SPILL / f"{len(self.spilled.get(code, [])):06d}-{uuid.uuid4().hex[:6]}"
            )
            pq.write_table(table, target, compression="lz4")
            self.spilled.setdefault(code, []).append(target)
        self.rows += len(frame)
        self.pieces += 1

    def close(
        self,
        sources: Sequence[tuple[str, str | None]],
        notes: Sequence[str] = (),
        commodity: str = "TOTAL",
        progress: Callable[[int, int], None] | None = None,
    ) -> Written:
        """Each reporter's partition, then the marker, then the rename. ``sources``: (name
        as given, content digest) of each file converted; ``progress`` is called with
        (reporters written, reporters)."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        written = Written(self.out, self.rows, 0, 0, 0, 0)
        reporters = sorted(self.spilled)
        for done, code in enumerate(reporters, 1):
            parts = [pq.read_table(p) for p in self.spilled[code]]
            table = (
                pa.concat_tables(parts, promote_options="default") if len(parts) > 1 else parts[0]
            )
            del parts
            table = table.take(pc.sort_indices(table, [(c, "ascending") for c in (*SORT, ORDER)]))
            folder = self.at / f"reporter={quote(code, safe='')}"
            folder.mkdir()
            target = folder / "part-0.parquet"
            pq.write_table(
                table,
                target,
                row_group_size=self.row_group_rows,
                compression="zstd",
                write_statistics=True,
            )
            written.series += table.group_by(["partner", "flow", "currency"]).aggregate([]).num_rows
            written.files += 1
            written.bytes += target.stat().st_size
            written.row_groups += -(-table.num_rows // self.row_group_rows)
            written.reporters.append(code)
            del table
            for spilled in self.spilled[code]:
                spilled.unlink()
            if progress is not None:
                progress(done, len(reporters))
        (self.at / SPILL).rmdir()
        marker = {
            "schema_version": SCHEMA_VERSION,
            "partitioning": "hive: reporter",
            "sorted_by": list(SORT),
            "row_group_rows": self.row_group_rows,
            "rows": written.rows,
            "series": written.series,
            "files": written.files,
            "bytes": written.bytes,
            "reporters": written.reporters,
            "commodity": commodity,
            "sources": [{"file": name, "digest": digest} for name, digest in sources],
            "notes": list(notes),
        }
        _write_synced(self.at / MARKER, json.dumps(marker, indent=1, ensure_ascii=False) + "\n")
        written.bytes += (self.at / MARKER).stat().st_size
        _into_place(self.work, self.out)
        return written


def write(
    frame: pd.DataFrame,
    out: Path,
    sources: Sequence[tuple[str, str | None]],
    notes: Sequence[str] = (),
    commodity: str = "TOTAL",
    row_group_rows: int = ROW_GROUP_ROWS,
    progress: Callable[[int, int], None] | None = None,
) -> Written:
    """Write ``frame`` (all of it at once) as a dataset at ``out``, atomically
    (``DatasetWriter``: an earlier dataset there is replaced; any other folder or file
    there is refused)."""
    with DatasetWriter(out, row_group_rows) as writer:
        writer.add(frame)
        return writer.close(sources, notes, commodity, progress)


def _check_out(out: Path) -> None:
    name = shown_name(out)
    if not out.parent.is_dir():
        raise NotADataset(f"{name}: folder {shown_name(out.parent)} does not exist")
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise NotADataset(f"{name}: exists and is not a folder; not overwritten")
    if out.is_dir() and not is_dataset(out) and any(out.iterdir()):
        raise NotADataset(
            f"{name}: a folder that is not a tradecli dataset (no {MARKER}); not overwritten"
        )


def _write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _into_place(work: Path, out: Path) -> None:
    """Rename ``work`` to ``out``; a dataset (or empty folder) there is moved aside first
    and removed after, so ``out`` is at every moment either the old dataset or the new."""
    if not out.exists():
        work.rename(out)
        return
    old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    out.rename(old)
    try:
        work.rename(out)
    except OSError:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
