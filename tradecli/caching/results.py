"""A cache of command results, so rerunning a command on the same large file is instant.

What a read-only command writes (stdout and stderr, in order) and its exit
code are a function of: the tool (its version, the mtimes and sizes of its
own source and bundled files, and the versions of Python, pandas, pyarrow,
numpy and rich), the command line (root options hoisted, in the order given),
the working directory, the table width, and the whole content (``keys``) of
every data file, of the groups file and of every other file the command line
names (a claims file). An entry is that output, stored under a digest of all
of it; a second identical run replays it without importing pandas or pyarrow.
A command that reads anything but regular files (a pipe, ``/dev/stdin``) is
not cached, and keying it opens no such file.

Only data totalling at least ``keys.LARGE_BYTES`` is cached (small files
are fast anyway); ``$TRADECLI_RESULT_CACHE_MIN_BYTES`` overrides that.
Entries are written and read through ``store``: replayed bytes come only
from an entry the user owns, nobody else may write, whose checksum holds and
whose key is this command line's. An entry is written only if every file
has the same key after the run as before it (``keys.content``). Writing a command line's new entry
removes its entries for older contents.

However long the output, it is never held whole to be stored nor to be replayed:
past ``cli.output.Transcript.LIMIT`` characters it goes into the entry's
temporary file as the command writes it (``Writer``), and a replay decodes the
memory-mapped entry a slice at a time (``Stored.texts``), after the checksum of
all of it held. A dense 1M-row ``summary -f json`` (210 MB) replays in 0.3-0.4 s
instead of being worked out again (5.5-7 s). Entries longer than ``LARGEST``
are not kept.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tradecli.caching import keys, store

MIN_ENV = "TRADECLI_RESULT_CACHE_MIN_BYTES"
LARGEST = 4 << 30
"""The largest entry kept, in bytes, and never more than half the free space of the
cache's file system when it is begun: every command line keeps its entry until its
files change and nothing else evicts entries, so one entry must not fill the user's
disk. The longest outputs are whole-file backtests' JSON (302 MB from 200k dense rows,
27 s to work out; about five times that from 1M rows), and they are what a replay
(1.5-2 s a GB: decoding and writing) saves most on."""
SLICE = 1 << 20
"""How much of an entry a replay decodes at a time: as much as a ``Spool`` gives the
first run to write at a time (``cli.output.Spool.CHUNK``)."""
_FORMAT = 3
_SUFFIX = ".result"


@dataclass(frozen=True)
class Stored:
    """A verified entry: how the run exited, and what it wrote, each run of writes to one
    stream (``True``: stderr) as its place in ``body``, the memory-mapped entry."""

    code: int
    body: memoryview
    chunks: tuple[tuple[bool, int, int], ...]

    def texts(self, start: int, end: int) -> Iterator[str]:
        """The text of ``body[start:end]`` a slice at a time (``SLICE`` bytes), never one
        text nor a copy of the entry: a character split at a slice's edge is held by the
        decoder until the next slice ends it. The pages read are given back as they are
        decoded (the mapping's pages count in the process's memory, and a long output is
        hundreds of MB)."""
        if end - start <= SLICE:  # one slice: a short output's whole chunk
            yield str(self.body[start:end], "utf-8", "surrogatepass")
            return
        decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
        mapping = self.body.obj if isinstance(self.body.obj, mmap.mmap) else None
        given = start - start % mmap.PAGESIZE  # pages before this are given back already
        at = start
        while at < end:
            upto = min(at + SLICE, end)
            text = decoder.decode(self.body[at:upto], final=upto == end)
            at = upto
            if mapping is not None and at - given >= SLICE:
                done = at - at % mmap.PAGESIZE
                with contextlib.suppress(OSError):  # only memory: never a replay's failure
                    mapping.madvise(mmap.MADV_DONTNEED, given, done - given)
                given = done
            if text:
                yield text


class Writer:
    """An entry written as the command writes (``cli.output.Transcript``): each text as
    its UTF-8 bytes (lone surrogates as they are: ``surrogatepass``) into the entry's
    temporary file (``store.Pending``), and the length of each run of writes to one
    stream; ``keep`` ends the body with those lengths and puts the entry in place."""

    def __init__(self, request: Request, pending: store.Pending) -> None:
        self._request = request
        self._pending = pending
        self._chunks: list[list[bool | int]] = []  # [stderr?, bytes]
        self._size = 0
        room = pending.room()
        self._largest = LARGEST if room is None else min(LARGEST, room // 2)

    def write(self, err: bool, text: str) -> None:
        """Add ``text``, written to stderr (``err``) or stdout; an ``OSError`` when the
        entry cannot take it (a full disk, longer than the largest entry kept)."""
        data = text.encode("utf-8", "surrogatepass")
        self._size += len(data)
        if self._size > self._largest:
            raise OSError(errno.EFBIG, "longer than the largest result kept")
        self._pending.sink.write(data)
        if self._chunks and self._chunks[-1][0] == err:
            self._chunks[-1][1] += len(data)
        else:
            self._chunks.append([err, len(data)])

    def keep(self, code: int) -> None:
        """Put the entry in place, with exit ``code``, if every file still hashes as when
        the run began (else it is dropped: its output belongs to no one content); a
        cache that cannot be written is no error."""
        request = self._request
        if any(keys.content(path) != content for path, content in request.files):
            self.drop()
            return
        meta = json.dumps({"key": request.key, "code": code, "chunks": self._chunks}).encode()
        try:
            self._pending.sink.write(meta + len(meta).to_bytes(8, "little"))
        except OSError:
            self.drop()
            return
        if self._pending.keep():
            line = request.entry.name.rsplit("-", 1)[0]
            store.remove_others(request.entry, f"{line}-", keep=request.entry.name)

    def drop(self) -> None:
        """Let the entry go, unless kept (its temporary file removed)."""
        self._pending.drop()


@dataclass(frozen=True)
class Request:
    """One command line's entry: where it lives, the full key it must hold, and the
    content keys of the files it was made from.

    An entry's body is what the run wrote (UTF-8), then a JSON of its key, exit code
    and the length of each run of writes to one stream, then that JSON's length (8
    bytes, little-endian): written as the command writes, the lengths known at its end."""

    entry: Path
    key: str
    files: tuple[tuple[Path, str], ...] = ()

    def lookup(self) -> Stored | None:
        """The stored result, or None (missing, refused, corrupt or for another key).
        All of it is verified here, before a byte of it is written: the checksum of the
        whole entry (``store.read``), its key and the lengths of its chunks."""
        body = store.read(self.entry)
        if body is None:
            return None
        try:
            end = len(body) - 8
            start = end - int.from_bytes(body[end:], "little") if end >= 0 else -1
            if start < 0:
                return None
            meta = json.loads(bytes(body[start:end]))
            if meta["key"] != self.key:
                return None  # another key (a digest collision), or written by another version
            chunks, at = [], 0
            for err, n in meta["chunks"]:
                if not isinstance(n, int) or n < 0:
                    return None
                chunks.append((bool(err), at, at + n))
                at += n
            if at != start:
                return None
            return Stored(int(meta["code"]), body, tuple(chunks))
        except (ValueError, KeyError, TypeError):
            return None

    def writer(self) -> Writer | None:
        """This command line's entry to be written as the command writes, or None (no
        error) when the cache cannot be written."""
        pending = store.begin(self.entry)
        return None if pending is None else Writer(self, pending)


def min_bytes() -> int:
    try:
        return int(os.environ.get(MIN_ENV, "") or keys.LARGE_BYTES)
    except ValueError:
        return keys.LARGE_BYTES


def request(args: list[str], data: list[Path], inputs: list[Path], width: int) -> Request | None:
    """The entry for ``tradecli ARGS`` reading ``data`` (files or folders) and ``inputs``
    (other files it reads), with tables ``width`` wide; None when not worth caching."""
    files: list[Path] = []
    for path in data:
        if keys.is_regular(path):
            files.append(path)
        elif path.is_dir():  # every file under it: stricter than the data files read
            for found in sorted(path.rglob("*")):
                if keys.is_regular(found):
                    files.append(found)
                elif not found.is_dir():
                    return None  # a pipe or a device: its content cannot be keyed
        else:
            return None  # a pipe, /dev/stdin, a device, nothing
    if not all(keys.is_regular(p) for p in inputs):
        return None  # a --groups pipe: never opened here, read once by the command
    if not files or sum(keys.size(p) or 0 for p in files) < min_bytes():
        return None
    contents = [keys.content(p) for p in [*files, *inputs]]
    if any(c is None for c in contents):
        return None
    known = tuple((p, str(c)) for p, c in zip([*files, *inputs], contents, strict=True))
    line = {"args": args, "cwd": os.getcwd()}
    content = {
        "format": _FORMAT,
        "tool": keys.tool(),
        "width": width,
        "data": [[str(p.resolve()), c] for p, c in known[: len(files)]],
        "inputs": [[str(p.resolve()), c] for p, c in known[len(files) :]],
    }
    key = json.dumps({**line, **content}, sort_keys=True)
    name = f"result-{keys.digest(line)}-{keys.digest(content)}{_SUFFIX}"
    return Request(store.location() / name, key, known)
