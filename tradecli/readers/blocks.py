"""A large tidy CSV read block by block, so that ``tradecli convert`` holds one block of
rows at a time, whatever the size of the file.

The file is cut into blocks of whole rows (about ``BLOCK_BYTES`` each; a line break
ends a row only after an even number of quotes, so a block never ends inside a quoted
value). Each block, after the file's header line, is written to a temporary file and
read by ``read_block`` (``dataset.load``: the same reader, checks and filters as any
file). Its rows' ``line`` and ``source``, its problems and its notes are then put back
in terms of the original file: lines counted as the csv module counts them (``\\n``,
``\\r\\n`` and a lone ``\\r`` each end one), the temporary name replaced by the file's.
Rows come in file order, so the blocks' frames one after another are the frame that
reading the whole file gives.

Not cut into blocks (read whole, as before): files that are not tidy CSVs, that are no
larger than a block, whose header holds a quote or a lone ``\\r``, or whose first bytes
are not ASCII-compatible (UTF-16). A file whose bytes are not UTF-8 is read block by
block, each block's encoding told on its own (the note is given once).
"""

from __future__ import annotations

import gzip
import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tradecli.errors import BadInput, Problem
from tradecli.file_names import plain_path, shown_name

if TYPE_CHECKING:
    import pandas as pd

BLOCK_BYTES = 64 << 20  # a block's frame is a few hundred MB at most
GZIP_MAGIC = b"\x1f\x8b"
FLAGS_NOTE = ": flags tradecli does not know"

ReadBlock = Callable[[Path], tuple["pd.DataFrame", list[str]]]


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def _open(path: Path) -> tuple[io.BufferedIOBase, io.BufferedIOBase]:
    """The file's bytes (decompressed as read when gzip) and the raw file (its position
    is the progress)."""
    raw = path.open("rb")
    if _is_gzip(path):
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    return raw, raw


def streamable(path: Path, block_bytes: int = BLOCK_BYTES) -> bool:
    """A tidy CSV larger than a block, which this module can cut into blocks."""
    from tradecli import readers

    try:
        if not path.is_file():
            return False
        gzipped = _is_gzip(path)
        if not gzipped and path.stat().st_size <= block_bytes:
            return False
        handle, raw = _open(path)
        with raw, handle:
            head = handle.read(65536)
        if readers.detect(path).name != "tidy":
            return False
    except (OSError, EOFError, BadInput):
        return False  # the whole-file reading says what is wrong
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head or b"\n" not in head:
        return False
    header = head[: head.index(b"\n")].removesuffix(b"\r")
    return b'"' not in header and b"\r" not in header


def lines_in(data: bytes) -> int:
    """Lines ended in ``data``, as the csv module counts them (``\\r\\n`` is one)."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def cut(data: bytes) -> int:
    """Where the last whole row in ``data`` ends (just after its ``\\n``), 0 if no row
    ends in it. ``data`` starts at a row's start; a ``\\n`` after an odd number of quotes
    is inside a quoted value."""
    end = data.rfind(b"\n") + 1
    if end == 0 or b'"' not in data[:end]:
        return end
    import numpy as np

    view = np.frombuffer(data, dtype=np.uint8, count=end)
    quotes = np.flatnonzero(view == ord('"'))
    breaks = np.flatnonzero(view == ord("\n"))
    outside = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
    return int(outside[-1]) + 1 if len(outside) else 0


def blocks(
    path: Path, block_bytes: int = BLOCK_BYTES, progress: Callable[[int, int], None] | None = None
) -> Iterator[tuple[bytes, bytes, int]]:
    """(header line, a block of whole rows, lines before the block after the header)."""
    handle, raw = _open(path)
    size = path.stat().st_size
    with raw, handle:
        header = handle.readline()
        carry = b""
        before = 0
        while True:
            read = handle.read(block_bytes)
            data = carry + read if carry else read
            if not read:
                if data:
                    yield header, data, before
                break
            end = cut(data)
            if end == 0:  # no row ends in this block: read on
                carry = data
                continue
            carry = data[end:]
            yield header, data[:end], before
            before += lines_in(data[:end])
            if progress is not None:
                progress(raw.tell(), size)
    if progress is not None:
        progress(size, size)


def read(
    path: Path,
    read_block: ReadBlock,
    notes: list[str],
    block_bytes: int = BLOCK_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[pd.DataFrame]:
    """The observations of the tidy CSV at ``path``, one block's frame at a time, with the
    lines and source of the whole file; its notes are added to ``notes``. Every block is
    checked: the problems of all of them are raised together after the last, as reading
    the whole file would (no frame is given after the first problem)."""
    from tradecli.observations import line_dtype
    from tradecli.readers.context import ReadContext, note_unknown_flags

    name = shown_name(path)  # as its rows, problems and notes cite it
    problems: list[Problem] = []
    flags: set[str] = set()
    read_any = False  # a block was read (its rows may all be filtered out)
    with (
        tempfile.TemporaryDirectory(prefix="tradecli-block-") as made,
        plain_path(Path(made)) as folder,  # in a $TMPDIR whose own name is not UTF-8
    ):
        copy = folder / "block.csv"
        temp = str(copy)
        for header, data, before in blocks(path, block_bytes, progress):
            if not data.strip(b"\r\n"):
                continue  # blank lines only (the whole file's reading skips them too)
            copy.write_bytes(header + data)
            try:
                frame, found = read_block(copy)
            except BadInput as exc:
                mine = [p for p in exc.problems if p.file == temp]
                if [p.message for p in mine] == ["file has a header but no rows"]:
                    continue  # blank rows only
                problems.extend(
                    replace(
                        p,
                        file=name if p.file == temp else p.file,
                        line=p.line + before if p.file == temp and p.line is not None else p.line,
                    )
                    for p in exc.problems
                )
                continue
            read_any = True
            for note in found:
                if note.startswith(temp + FLAGS_NOTE):
                    continue  # given once for the file, below
                note = note.replace(temp, name)
                if note not in notes:
                    notes.append(note)
            if problems or not len(frame):
                continue
            flags.update(str(f) for f in frame["flags"].unique())
            # A block's own line numbers may be narrower than the file's.
            lines = frame["line"].to_numpy()
            frame["line"] = lines.astype(line_dtype(before + int(lines.max()))) + before
            frame["source"] = frame["source"].cat.rename_categories(
                [name if c == temp else c for c in frame["source"].cat.categories]
            )
            yield frame
    if problems:
        raise BadInput(sorted(problems, key=lambda p: (p.file, p.line or 0, p.column)))
    if not read_any:
        raise BadInput([Problem(name, None, "", "", "file has a header but no rows")])
    context = ReadContext(group_codes=frozenset())
    note_unknown_flags(flags, name, context)
    notes.extend(n for n in context.notes if n not in notes)
