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
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tradecli.caching import keys, store

MIN_ENV = "TRADECLI_RESULT_CACHE_MIN_BYTES"
_FORMAT = 2
_SUFFIX = ".result"


@dataclass(frozen=True)
class Result:
    """What one run wrote, in order (``True``: to stderr), and how it exited."""

    code: int
    chunks: tuple[tuple[bool, str], ...]


@dataclass(frozen=True)
class Request:
    """One command line's entry: where it lives, the full key it must hold, and the
    content keys of the files it was made from."""

    entry: Path
    key: str
    files: tuple[tuple[Path, str], ...] = ()

    def lookup(self) -> Result | None:
        """The stored result, or None (missing, refused, corrupt or for another key)."""
        body = store.read(self.entry)
        if body is None:
            return None
        try:
            raw = bytes(body)
            head, _, rest = raw.partition(b"\n")
            meta = json.loads(head)
            if meta["key"] != self.key or sum(n for _, n in meta["chunks"]) != len(rest):
                return None  # another key (a digest collision), or written by another version
            chunks, start = [], 0
            for err, n in meta["chunks"]:
                chunks.append((bool(err), rest[start : start + n].decode("utf-8", "surrogatepass")))
                start += n
            return Result(int(meta["code"]), tuple(chunks))
        except (ValueError, KeyError, TypeError):
            return None

    def store(self, result: Result) -> None:
        """Write the entry, if every file still hashes as when the run began; a cache
        that cannot be written is no error."""
        if any(keys.content(path) != content for path, content in self.files):
            return  # a file changed during the run: its output belongs to no one content
        pieces = [text.encode("utf-8", "surrogatepass") for _, text in result.chunks]
        meta = {
            "key": self.key,
            "code": result.code,
            "chunks": [[err, len(p)] for (err, _), p in zip(result.chunks, pieces, strict=True)],
        }

        def fill(sink: BinaryIO) -> None:
            sink.write(json.dumps(meta).encode() + b"\n")
            sink.writelines(pieces)

        if store.write(self.entry, fill):
            line = self.entry.name.rsplit("-", 1)[0]
            store.remove_others(self.entry, f"{line}-", keep=self.entry.name)


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
