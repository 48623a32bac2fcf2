"""The fast path for large tidy CSVs: pyarrow reads, validation is vectorised.

It returns exactly the frame that ``tidy.read`` returns, or ``None``. ``None``
means "read this file the plain way": any row with a problem, or anything this
path would not read the same way as the csv module (not plain UTF-8,
quotes or line breaks inside values, blank lines, numbers with signs, commas,
spaces or exponents, duplicate column names). The plain path then reads the
file and reports every bad row as ``file:line: column: value: problem``, so
messages never depend on which path ran.

How it is fast: a thread per core (up to four) takes the next block of whole
lines (2 to 4 MB, so memory stays flat) and parses it with pyarrow's CSV reader,
every column as plain strings (UTF-8 is checked only in blocks that are not
ASCII); a gzip file is decompressed as its blocks are read, never whole. Each
column's distinct values in the block (Arrow's hash kernel) are checked once,
with the same functions as the plain path; numbers are checked
with numpy on the bytes and converted with Arrow kernels. With
``ReadContext.reporters`` set, only those reporters' rows are kept and turned
into the frame (every row is still validated).

Nothing here imports pandas until the frame is put together.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import re
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tradecli.caching.keys import LARGE_BYTES
from tradecli.errors import BadPeriod, UnknownCountry
from tradecli.heap import give_back
from tradecli.periods import Period
from tradecli.readers.context import (
    FLOW_ALIASES,
    FLOWS,
    MAX_VALUE,
    OPTIONAL,
    REQUIRED,
    UNIT_ALIASES,
    UNITS,
    ReadContext,
    currency_codes,
    date_problem,
    note_unknown_flags,
)
from tradecli.readers.steps import snap

if TYPE_CHECKING:
    import pandas as pd

# Files smaller than this are read the plain way: it is fast enough, and simpler.
MIN_BYTES = LARGE_BYTES
# Each worker holds a few times a block in memory; smaller blocks cost more calls.
CHUNK_BYTES = 4 << 20
# Arrow's allocator (mimalloc) also keeps what a thread freed until the thread ends, in
# proportion to the block: at 1M rows (50 MB) and 4 MB blocks the read peaked 120 MB
# above the frame, the peak of a whole-file command. A file is read in about CHUNKS
# blocks of MIN_CHUNK_BYTES to CHUNK_BYTES: at 1M rows, blocks of 2 MB peak 37 MB lower
# at the same CPU (1 MB: 67 MB lower, but 10% more CPU).
CHUNKS = 24
MIN_CHUNK_BYTES = 2 << 20
# Characters that the csv module (via str.splitlines) or pyarrow treat as line
# breaks or quoting differently: a value holding one sends the file down the plain path.
_AWKWARD = re.compile('[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00"]')
_MAX_DIGITS = 300  # longer digit strings may overflow a float; the plain path decides
_POW10 = {k: float(10.0**k) for k in range(-_MAX_DIGITS, _MAX_DIGITS + 1)}
GZIP_MAGIC = b"\x1f\x8b"
_KNOWN_MAX = 20_000  # distinct values of a column found new by Arrow; beyond, by dict
_MAX_STEPS = (1 << 15) - 1  # distinct steps held as int16 ids


class _Fallback(Exception):
    """This file is for the plain path."""


def read(path: Path, context: ReadContext) -> pd.DataFrame | None:
    """Observations of a large, clean tidy CSV, or None to use the plain path."""
    try:
        reader = _begin(path, context)
        if reader is None:
            return None
        try:
            frame = reader.finish()
        finally:
            give_back()
    except (_Fallback, pa.ArrowInvalid, UnicodeDecodeError, EOFError, OSError, zlib.error):
        return None  # a damaged gzip too: the plain path says what is wrong
    if "flags" in reader.seen:
        note_unknown_flags(reader.seen["flags"].values(), str(path), context)
    return frame


def _begin(path: Path, context: ReadContext) -> _Reader | None:
    size = _size(path)
    if size < MIN_BYTES:
        return None
    header = _header(path)
    if header is None:
        return None
    reader = _Reader(path, context, header, size)
    reader.start()
    return reader


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def _size(path: Path) -> int:
    """The file's size; for gzip, the larger of that and the size it holds as its trailer
    says (modulo 4 GiB), so a small gzip of many rows streams through this path too."""
    size = path.stat().st_size
    if size < 18 or not _is_gzip(path):
        return size
    with path.open("rb") as handle:
        handle.seek(-4, os.SEEK_END)
        return max(size, int.from_bytes(handle.read(4), "little"))


def _open(path: Path) -> io.BufferedIOBase:
    """The file's bytes, decompressed as they are read when it is gzip (never whole)."""
    if _is_gzip(path):
        return gzip.open(path, "rb")
    return path.open("rb")


def _header(path: Path) -> tuple[list[str], int] | None:
    """Column names as the plain path reads them, and the header's length in bytes."""
    with _open(path) as handle:
        head = handle.read(65536)
    if b"\x00" in head[:4096] or b"\n" not in head:
        return None
    line = head[: head.index(b"\n") + 1]
    text = line.decode("utf-8").removeprefix("\ufeff").removesuffix("\n").removesuffix("\r")
    if _AWKWARD.search(text):
        return None
    names = [h.strip().lower() for h in text.split(",")]
    if len(set(names)) != len(names) or any(c not in names for c in REQUIRED):
        return None
    return names, len(line)


@dataclass
class _Chunk:
    """A run of whole lines, parsed and checked by one worker, which also reads the rows
    it keeps into the frame's columns (``_Reader._convert``)."""

    index: int
    rows: int = 0
    positions: np.ndarray | None = None  # the kept rows, counted from the chunk's first
    every: bool = False  # every row kept (``positions`` is then None)
    start: int = 0  # the row the chunk begins at, when its lines were counted
    lines: int = -1  # its lines as counted (-1: not counted)
    columns: dict[str, Any] | None = None  # their columns, when any row is kept


class _Reader:
    def __init__(
        self, path: Path, context: ReadContext, header: tuple[list[str], int], size: int
    ) -> None:
        self.path = path
        self.context = context
        self.names, self.header_bytes = header
        self.size = size
        self.lock = threading.Lock()  # the file position, the progress count, ``seen``
        self.progress = context.progress
        self.seen: dict[str, dict[str, Any]] = {name: {} for name in self.names}
        # Every distinct step (float) of the rows kept, and its id: the rows' steps are
        # held as ids (int16) until the frame makes them a categorical (``_steps``).
        self.step_ids: dict[float, int] = {}
        # ``seen``'s keys as Arrow strings, while there are few (None after _KNOWN_MAX).
        self.known: dict[str, pa.Array | None] = {n: pa.array([], pa.string()) for n in self.names}
        self.chunks: list[_Chunk] = []
        self.errors: list[BaseException] = []
        self.columns = [f"c{i}" for i in range(len(self.names))]
        # Every column but the values is read dictionary-encoded: its distinct values
        # (checked once each) and each row's index into them, from one pass of the parser.
        text = pa.dictionary(pa.int32(), pa.string())
        self.types = {
            c: pa.string() if name == "value" else text
            for c, name in zip(self.columns, self.names, strict=True)
        }
        self.threads: list[threading.Thread] = []

    # -- reading -------------------------------------------------------------

    def start(self) -> None:
        workers = int(os.environ.get("TRADECLI_READ_THREADS", "0") or 0)
        workers = workers or max(1, min(os.cpu_count() or 1, 4))
        self.handle = _open(self.path)
        self.handle.read(self.header_bytes)
        self.carry = b""  # the start of a line that the last block cut
        self.block = min(CHUNK_BYTES, max(MIN_CHUNK_BYTES, self.size // CHUNKS))
        self.done_bytes = self.header_bytes
        self.running = workers
        # Every row kept, and a size that bounds the rows (not gzip, whose size is a
        # guess): the workers put the numbers straight into the frame's own columns, at
        # rows counted as blocks are taken. Allocated for the most rows the size allows
        # (a row has a comma per column but one and a line break): pages never written
        # cost nothing.
        self.direct: dict[str, np.ndarray] | None = None
        self.next_row = 0
        if self.context.reporters is None and not _is_gzip(self.path):
            rows = (self.size - self.header_bytes) // len(self.names) + 1
            with contextlib.suppress(MemoryError):  # where memory is not overcommitted
                self.direct = {name: np.empty(rows, t) for name, t in _direct(rows).items()}
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for thread in self.threads:
            thread.start()

    def finish(self) -> pd.DataFrame:
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]
        self.chunks.sort(key=lambda c: c.index)
        if sum(c.rows for c in self.chunks) == 0:
            raise _Fallback
        return self._frame()

    def _next_block(self) -> tuple[int, bytes, int] | None:
        """The next run of whole lines (about ``self.block`` bytes), in file order."""
        with self.lock:
            if self.errors:
                return None
            read = self.handle.read(self.block)
            data = self.carry + read if self.carry else read
            if not data:
                return None
            end = data.rfind(b"\n") + 1
            if end == 0 or len(read) < self.block:
                end = len(data)  # the end of the file (or a line longer than a chunk)
            self.carry = data[end:]  # the partial line comes next (no seek: gzip streams)
            self.done_bytes += end
            if self.progress is not None:
                self.progress(self.done_bytes, self.size)
            chunk = _Chunk(len(self.chunks))
            if self.direct is not None:
                chunk.start = self.next_row
                chunk.lines = data.count(b"\n", 0, end) + (data[end - 1 : end] != b"\n")
                self.next_row += chunk.lines
                if self.next_row > len(self.direct["value"]):
                    raise _Fallback  # the file grew while read
            self.chunks.append(chunk)
            return chunk.index, data, end

    def _work(self) -> None:
        try:
            while (job := self._next_block()) is not None:
                index, data, end = job
                self._parse(self.chunks[index], data, end)
            # Arrow's allocator keeps what this thread freed (see CHUNKS) for the
            # thread to reuse; the thread is done, so give it back.
            pa.default_memory_pool().release_unused()
        except BaseException as exc:  # handed to the thread that finishes, which re-raises
            with self.lock:
                self.errors.append(exc)
        finally:
            with self.lock:
                self.running -= 1
                if not self.running:
                    self.handle.close()

    def _parse(self, chunk: _Chunk, data: bytes, end: int) -> None:
        """Parse and check the lines in ``data[:end]``, keeping the wanted rows."""
        block = memoryview(data)[:end]
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(block)),
            read_options=pacsv.ReadOptions(
                block_size=len(block) + 1, column_names=self.columns, use_threads=False
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=self.types,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=not data.isascii(),  # costly, and needless for ASCII
            ),
        )
        del data, block
        columns = [_one_chunk(table.column(i)) for i in range(table.num_columns)]
        chunk.rows = table.num_rows
        del table
        if chunk.lines >= 0 and chunk.rows != chunk.lines:
            raise _Fallback  # a line break that is not \n: the plain path counts lines
        keep, steps = self._check(columns)
        if keep is False:
            chunk.positions = np.zeros(0, dtype=np.int32)
            return
        if keep is True:
            chunk.every = True
        else:
            chunk.positions = np.flatnonzero(keep).astype(np.int32)
            mask = pa.array(keep)
            columns = [column.filter(mask) for column in columns]
        if steps is None:
            steps = _check_numbers(columns[self.names.index("value")])
        # Here rather than once at the end: the workers do it while other blocks are
        # still being read, and the frame is then a matter of putting pieces together.
        chunk.columns = self._convert(columns, steps)
        if self.direct is not None:
            self._place(chunk, chunk.columns)

    def _place(self, chunk: _Chunk, piece: dict[str, Any]) -> None:
        """Put a chunk's numbers and line numbers in the frame's columns, at its rows."""
        assert self.direct is not None and chunk.every
        at = slice(chunk.start, chunk.start + chunk.rows)
        out = self.direct
        out["value"][at] = piece.pop("value")
        out["step"][at] = piece.pop("step")
        values, index = piece.pop("period")
        seen = self.seen["period"]
        spans = np.array([seen[v] for v in values.to_pylist()], dtype=np.int32)
        for name, bound in zip(("first", "last"), spans.reshape(-1, 2).T, strict=True):
            np.take(bound, index, out=out[name][at], mode="clip")
        out["line"][at] = np.arange(chunk.start + 2, chunk.start + 2 + chunk.rows)
        piece["rows"] = chunk.rows

    # -- checking ------------------------------------------------------------

    def _check(self, columns: list[pa.Array]) -> tuple[np.ndarray | bool, _Steps | None]:
        """Raise _Fallback on anything the plain path would report; the rows to keep
        (a mask, or True for all, False for none), and each row's step as written (None
        with ``--reporter``: then only the kept rows' steps are worked out)."""
        steps = None
        every = self.context.reporters is None
        for name, column in zip(self.names, columns, strict=True):
            if name == "value":
                found = _check_numbers(column, steps=every)
                steps = found if every else None
            else:
                self._check_distinct(name, column.dictionary)
        return self._kept(columns), steps

    def _kept(self, columns: list[pa.Array]) -> np.ndarray | bool:
        """The rows of the wanted reporters: a mask, or True for all, False for none."""
        wanted = self.context.reporters
        if wanted is None:
            return True
        seen = self.seen["reporter"]
        reporter = columns[self.names.index("reporter")]
        kept = np.array([seen[raw] in wanted for raw in reporter.dictionary.to_pylist()], bool)
        if kept.all():
            return True
        if not kept.any():
            return False
        mask: np.ndarray = kept[reporter.indices.to_numpy(zero_copy_only=False)]
        return mask

    def _check_distinct(self, name: str, values: pa.Array) -> None:
        """Check each of a block's distinct values not checked before, with the plain
        path's own reading of it. Which are new is found by Arrow: a column of dates has
        thousands of distinct values in every block, nearly all seen."""
        known = self.known[name]  # replaced, never changed, when values are added
        if known is not None and len(known):
            unseen = values.filter(pc.invert(pc.is_in(values, value_set=known)))
        else:
            unseen = values
        if len(unseen):
            self._check_values(name, unseen.to_pylist())

    def _check_values(self, name: str, values: list[str]) -> None:
        seen = self.seen[name]
        with self.lock:
            fresh = [v for v in values if v not in seen]
            for value in fresh:
                seen[value] = self._mapped(name, value)
            if fresh and self.known[name] is not None:
                # Rebuilt for each block with new values: beyond a few thousand values (an
                # id or a note per row) that costs more than looking them up in ``seen``.
                many = len(seen) > _KNOWN_MAX
                self.known[name] = None if many else pa.array(list(seen), pa.string())

    def _mapped(self, name: str, raw: str) -> Any:
        """The plain path's reading of one distinct value; _Fallback if it is a problem."""
        if _AWKWARD.search(raw):
            raise _Fallback
        text = raw.strip()
        if name in ("reporter", "partner"):
            try:
                return self.context.resolve(text)
            except (UnknownCountry, ValueError):
                raise _Fallback from None
        if name == "flow":
            flow = text.lower()
            flow = FLOW_ALIASES.get(flow, flow)
            if flow not in FLOWS:
                raise _Fallback
            return flow
        if name == "period":
            try:
                period = Period.parse(raw)
            except BadPeriod:
                raise _Fallback from None
            return (period.first, period.last)
        if name == "unit":
            unit = text.lower()
            unit = UNIT_ALIASES.get(unit, unit)
            if unit not in UNITS:
                raise _Fallback
            return UNITS[unit]
        if name == "currency":
            currency = text.upper() or "USD"
            if currency not in currency_codes():
                raise _Fallback
            return currency
        if name == "published":
            if date_problem(text):
                raise _Fallback
            return text
        if name == "flags":
            return text.lower()
        if name in ("publisher", "url"):
            return text
        return raw

    # -- the frame -----------------------------------------------------------

    def _convert(self, columns: list[pa.Array], steps: _Steps) -> dict[str, Any]:
        """The kept rows of one chunk as the frame's pieces: codes, texts and periods as
        the block's distinct values (raw, as read) and each row's index into them;
        values scaled to units and snapped to the digits they were published with, and
        their steps as ids (``_step_ids``). Without pandas, which a reading begun ahead
        may not have yet."""
        column = dict(zip(self.names, columns, strict=True))
        out: dict[str, Any] = {}
        for name in column:
            if name not in ("value", "unit"):
                out[name] = _raw(column[name])
        value: np.ndarray = pc.cast(column["value"], pa.float64()).to_numpy()
        mult = None
        scales = np.ones(1, dtype=np.float64)  # each row's unit, as an index into these
        unit_at = None  # (None: the first for every row)
        if "unit" in column:
            units, index = self._distinct("unit", column["unit"])
            if any(unit != 1.0 for unit in units):
                scales, unit_at = np.array(units, dtype=np.float64), index
                mult = scales[unit_at]
                value = value * mult
        if len(value) and value.max() > MAX_VALUE:
            raise _Fallback  # the plain path reports it
        out["step"] = self._step_ids(steps.at, scales, unit_at)
        if mult is None and steps.longest <= _EXACT_DIGITS:
            # Unscaled numbers of at most 15 digits are what ``snap`` gives back: each is
            # an integer below 2**53 in steps, so the division and rounding are exact.
            out["value"] = value
            return out
        step = _STEP[steps.at]
        if mult is not None:
            step *= mult
        out["value"] = snap(value, step)
        return out

    def _step_ids(
        self, at: np.ndarray, scales: np.ndarray, unit_at: np.ndarray | None
    ) -> np.ndarray:
        """Each row's step, ``_STEP[at] * scales[unit_at]``, as its id in ``step_ids``
        (int16): the distinct (step as written, unit) pairs of the block counted, not
        its steps sorted."""
        pair = at
        if unit_at is not None:
            pair = at.astype(np.int32) * len(scales)
            pair += unit_at
        used = np.flatnonzero(np.bincount(pair, minlength=len(_STEP) * len(scales)))
        found = _STEP[used // len(scales)] * scales[used % len(scales)]
        with self.lock:
            ids = [self.step_ids.setdefault(f, len(self.step_ids)) for f in found.tolist()]
            if len(self.step_ids) > _MAX_STEPS:
                raise _Fallback  # cannot be (powers of ten times a unit): the plain path
        lookup = np.zeros(len(used) and int(used[-1]) + 1, dtype=np.int16)
        lookup[used] = ids
        out: np.ndarray = lookup[pair]
        return out

    def _steps(self, ids: np.ndarray) -> Any:
        """The rows' step ids as the frame's categorical of floats."""
        from tradecli.observations import steps_of

        found = np.fromiter(self.step_ids, dtype=np.float64, count=len(self.step_ids))
        return steps_of(found, ids)

    def _frame(self) -> pd.DataFrame:
        """The chunks' pieces put together, each column allocated once at its full length
        and each piece let go once copied in: the frame is not held twice."""
        import pandas as pd

        from tradecli.observations import CODE_COLUMNS, COLUMNS, TEXT_COLUMNS, finish

        offsets = np.cumsum([0] + [c.rows for c in self.chunks])[:-1]
        read = sum(c.rows for c in self.chunks)  # the rows read: lines 2..read + 1
        # No row of any block left out: every value seen is used (a block left out whole
        # has values no piece holds).
        every = all(chunk.every for chunk in self.chunks)
        pieces: list[dict[str, Any]] = []
        for chunk, offset in zip(self.chunks, offsets, strict=True):
            if chunk.columns is not None:
                chunk.columns["line"] = (chunk.positions, int(offset) + 2)  # line numbers
                pieces.append(chunk.columns)
        self.chunks.clear()
        if not pieces:  # no row kept: the same columns, empty
            empty = pa.array([], pa.dictionary(pa.int32(), pa.string()))
            columns = [pa.array([], pa.string()) if n == "value" else empty for n in self.names]
            none = _Steps(np.zeros(0, dtype=np.int16), 0)
            pieces = [{**self._convert(columns, none), "line": (np.zeros(0, np.int32), 0)}]
        direct = self.direct
        self.direct = None
        if direct is not None:  # the numbers are in place: the rows counted are all read
            n = self.next_row
            out: dict[str, Any] = {name: column[:n] for name, column in direct.items()}
            del direct
        else:
            n = sum(len(piece["value"]) for piece in pieces)
            out = {name: np.empty(n, dtype=dtype) for name, dtype in _direct(read).items()}
        codes = [name for name in (*CODE_COLUMNS, *TEXT_COLUMNS) if name in pieces[0]]
        texts = [name for name in pieces[0] if name not in (*codes, *_DIRECT, "period", "rows")]
        readings = {name: _Readings(self.seen[name]) for name in (*codes, "period")}
        categories = {name: readings[name].categories(pieces, name, every) for name in codes}
        # A column of one value (a currency, an empty publisher) has every code 0: made of
        # zeros never written (pages that cost no memory: 10 MB each at 10M rows), not
        # filled from the pieces.
        constant = [name for name in codes if len(categories[name][0]) == 1]
        for name in codes:  # the codes' final dtype (int8 for fewer than 128 categories)
            make = np.zeros if name in constant else np.empty
            out[name] = make(n, dtype=_code_dtype(len(categories[name][0])))
        filled = [name for name in codes if name not in constant]
        numbers = {name: np.asarray(c[1], dtype=out[name].dtype) for name, c in categories.items()}
        spans = np.array(readings["period"].mapped, dtype=np.int32).reshape(-1, 2).T
        strings: dict[str, list[pa.Array]] = {name: [] for name in texts}
        start = 0
        for piece in pieces:
            if "rows" in piece:  # its numbers were put in place by the worker
                end = start + piece.pop("rows")
                piece.pop("line")
                self._codes(piece, filled, out, readings, numbers, slice(start, end))
                self._texts(piece, texts, strings)
                start = end
                continue
            end = start + len(piece["value"])
            out["value"][start:end] = piece.pop("value")
            out["step"][start:end] = piece.pop("step")
            values, index = piece.pop("period")
            ids = readings["period"].ids(values)
            for name, bound in zip(("first", "last"), spans, strict=True):
                np.take(bound[ids], index, out=out[name][start:end], mode="clip")
            positions, first_line = piece.pop("line")
            if positions is None:  # every row of the chunk
                out["line"][start:end] = np.arange(first_line, first_line + end - start)
            else:
                np.add(positions, first_line, out=out["line"][start:end], dtype=np.int64)
            self._codes(piece, filled, out, readings, numbers, slice(start, end))
            self._texts(piece, texts, strings)
            start = end
        del pieces
        out["step"] = self._steps(out["step"])
        if _same(out["first"], out["last"]):
            # Single months alone (a bulk download of months): one array is both columns
            # (40 MB less at 10M rows). Copy on write keeps each column the frame's own.
            out["last"] = out["first"]
        for name in codes:
            out[name] = pd.Categorical.from_codes(
                out[name], pd.Index(categories[name][0], dtype="str")
            )
        for name in texts:
            joined = pa.chunked_array(strings.pop(name), pa.large_string())
            out[name] = pd.Series(joined, dtype="str")
        if "currency" not in codes:
            out["currency"] = pd.Categorical.from_codes(
                np.zeros(n, dtype=np.int8), pd.Index(["USD"] if n else [], dtype="str")
            )
        for name in TEXT_COLUMNS:
            if name not in out:
                out[name] = pd.Categorical.from_codes(
                    np.zeros(n, dtype=np.int8), pd.Index([""] if n else [], dtype="str")
                )
        for name, value in (("source", str(self.path)), ("format", "tidy")):
            # the categorical ``finish`` would make of a column of one value, made directly
            out[name] = pd.Categorical.from_codes(
                np.zeros(n, dtype=np.int8), pd.Index([value] if n else [], dtype="str")
            )
        known = (*REQUIRED, *OPTIONAL)
        order = [
            c for c in (*COLUMNS, *self.names) if c in out and (c in COLUMNS or c not in known)
        ]
        return finish(pd.DataFrame({c: out[c] for c in order}, copy=False))

    def _codes(
        self,
        piece: dict[str, Any],
        codes: list[str],
        out: dict[str, Any],
        readings: dict[str, _Readings],
        numbers: dict[str, np.ndarray],
        at: slice,
    ) -> None:
        """A piece's codes as the numbers of the frame's categories, put at ``at`` (the
        piece's others, of columns of one value, let go)."""
        for name in [n for n in piece if n in readings and n not in codes and n != "period"]:
            del piece[name]
        for name in codes:
            values, index = piece.pop(name)
            lookup = numbers[name][readings[name].ids(values)]
            np.take(lookup, index, out=out[name][at], mode="clip")

    def _texts(
        self, piece: dict[str, Any], texts: list[str], strings: dict[str, list[pa.Array]]
    ) -> None:
        """A piece's other columns: the rows' own strings."""
        for name in texts:
            values, index = piece.pop(name)
            mapped = [self.seen[name][v] for v in values.to_pylist()]
            strings[name].append(pa.array(mapped, pa.large_string()).take(pa.array(index)))

    def _distinct(self, name: str, values: pa.Array) -> tuple[list[Any], np.ndarray]:
        """The checked reading of each distinct value, and each row's index into them."""
        values, index = _raw(values)
        mapping = self.seen[name]
        return [mapping[v] for v in values.to_pylist()], index


# The columns the workers can put in place (all but the codes and texts).
_DIRECT = {
    "first": np.int16,  # every month of the years periods take (``observations.month_dtype``)
    "last": np.int16,
    "value": np.float64,
    "step": np.int16,  # ids in ``_Reader.step_ids``
    "line": np.int64,
}


def _direct(rows: int) -> dict[str, Any]:
    """``_DIRECT``'s dtypes for a file of at most ``rows`` rows: line numbers (2..rows + 1)
    as ``observations.finish`` holds them."""
    from tradecli.observations import line_dtype

    return {**_DIRECT, "line": line_dtype(rows + 1)}


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two columns hold the same numbers, a chunk of rows at a time (no file-long
    temporary), to the first chunk that differs."""
    if len(a) != len(b):
        return False
    for low in range(0, len(a), _SAME_ROWS):
        if not np.array_equal(a[low : low + _SAME_ROWS], b[low : low + _SAME_ROWS]):
            return False
    return True


_SAME_ROWS = 1 << 18


def _code_dtype(distinct: int) -> type[np.signedinteger[Any]]:
    """The narrowest integer for indices into ``distinct`` values (as pandas' codes)."""
    if distinct < 1 << 7:
        return np.int8
    if distinct < 1 << 15:
        return np.int16
    return np.int32


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    """A block's column as one array (it is read as one chunk; more are joined)."""
    if column.num_chunks == 1:
        return column.chunk(0)
    if pa.types.is_dictionary(column.type):
        column = column.unify_dictionaries()
    return pa.concat_arrays(column.chunks) if column.num_chunks else column.type.empty()


def _raw(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """A block's distinct values as read, and each row's index into them (narrowest; a
    block of one value, as a currency or an empty url most often are, a read-only array
    of zeros that holds one byte: 10 MB less a column at 10M rows until the frame is made)."""
    if not pa.types.is_dictionary(values.type):
        values = pc.dictionary_encode(values)
    if len(values.dictionary) == 1:
        return values.dictionary, np.broadcast_to(np.int8(0), (len(values),))
    index = values.indices.to_numpy(zero_copy_only=False)
    return values.dictionary, index.astype(_code_dtype(len(values.dictionary)), copy=False)


class _Readings:
    """Every distinct value a column had (as read, all blocks) and its checked reading:
    a block's values are found among them by Arrow, not one by one in Python."""

    def __init__(self, seen: dict[str, Any]) -> None:
        self.raw = pa.array(list(seen), pa.string())
        self.mapped = list(seen.values())
        # Arrow hashes ``raw`` afresh for each block: past a few thousand values (a text
        # per row) a dict, made once, is cheaper.
        many = len(seen) > _KNOWN_MAX
        self.position = {v: i for i, v in enumerate(seen)} if many else None

    def ids(self, values: pa.Array) -> np.ndarray:
        """Where each of ``values`` is in ``raw``."""
        if self.position is not None:
            position = self.position
            return np.array([position[v] for v in values.to_pylist()], dtype=np.int64)
        found = pc.index_in(values, value_set=self.raw)
        if found.null_count:
            raise _Fallback  # not checked: cannot be, but then the plain path reads it
        ids: np.ndarray = found.to_numpy(zero_copy_only=False)
        return ids

    def categories(
        self, pieces: list[dict[str, Any]], name: str, every: bool
    ) -> tuple[list[Any], list[int]]:
        """The column's categories as ``astype("category")`` makes them (sorted, only
        those used), and each raw value's number among them (-1: not used). ``every``:
        every row was kept, so every value read is used."""
        if every:
            used = np.ones(len(self.mapped), dtype=bool)
        else:
            used = np.zeros(len(self.mapped), dtype=bool)
            for piece in pieces:
                values, index = piece[name]
                if len(values):
                    there = np.bincount(index, minlength=len(values)) > 0
                    used[self.ids(values)[there]] = True
        categories = sorted({m for m, u in zip(self.mapped, used.tolist(), strict=True) if u})
        number = {v: i for i, v in enumerate(categories)}
        return categories, [number[m] if u else -1 for m, u in zip(self.mapped, used, strict=True)]


class _Steps(NamedTuple):
    """Each number's step as written (``at``: its index into ``_STEP``), and the longest
    number's length in characters."""

    at: np.ndarray
    longest: int


def _check_numbers(column: pa.Array, steps: bool = True) -> _Steps:
    """_Fallback unless every value is digits with an optional fraction (``123``, ``4.05``):
    the forms that both paths read the same way, never negative, empty or infinite. Each
    number's step (``published_step``): 10**-digits after the point, else 10**trailing
    zeros (1 for zero), found on the bytes already scanned for the check (``steps``
    False: only the check, and no steps)."""
    if len(column) == 0:
        return _Steps(np.zeros(0, dtype=np.int16), 0)
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[: len(column) + 1]
    lengths = np.diff(offsets)
    longest = int(lengths.max())
    if lengths.min() < 1 or longest > _MAX_DIGITS:
        raise _Fallback
    data = np.frombuffer(column.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    ends = offsets[1:] - offsets[0] - 1  # each number's last character in ``data``
    exponent = _trailing_zeros(data, ends, lengths) if steps else np.zeros(0, dtype=np.int16)
    digit = (data - np.uint8(48)) < 10
    if not digit.all():
        dots = np.flatnonzero(~digit)
        if not (data[dots] == 46).all():
            raise _Fallback
        row = np.searchsorted(ends, dots)  # the number each point is in
        if (np.diff(row) == 0).any():  # two points in one number
            raise _Fallback
        if (dots == ends[row] - lengths[row] + 1).any() or (dots == ends[row]).any():
            raise _Fallback  # "5." or ".5"
        if steps:
            exponent[row] = dots - ends[row]  # minus the digits after the point
    exponent += _MAX_DIGITS
    return _Steps(exponent, longest)


def _trailing_zeros(data: np.ndarray, ends: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """How many zeros each number ends with (int16), 0 for a number of zeros only: one
    pass over the rows, then one over those that end in a zero, and so on."""
    zeros = np.zeros(len(ends), dtype=np.int16)
    rows = np.flatnonzero(data[ends] == 48)
    k = 1
    while len(rows):
        zeros[rows] = k
        whole = lengths[rows] == k  # nothing but zeros: "0", "000"
        if whole.any():
            zeros[rows[whole]] = 0
            rows = rows[~whole]
        rows = rows[data[ends[rows] - k] == 48]
        k += 1
    return zeros


_STEP = np.array([_POW10[k] for k in range(-_MAX_DIGITS, _MAX_DIGITS + 1)])
# Numbers of at most this many characters are integers below 2**53 in their steps.
_EXACT_DIGITS = 15
