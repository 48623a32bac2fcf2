"""Content keys of files, without importing pandas or pyarrow.

A file's key is a hash of its whole content (xxh3-128, read in 1 MB pieces:
about 10 GB/s from the page cache here, 0.05 s for a 500 MB file), so a file
edited in place with its size and modification time restored (``touch -r``,
``cp -p``, ``rsync -a``), or replaced by another through a rename, gets a new
key. Only regular files are keyed: a FIFO, a character device or ``/dev/stdin``
(a pipe) is never opened here, since reading it would take the data the
command is about to read, or block.

Within one process a key is remembered by the file's device, inode, size,
modification time and change time, so the caches asked about the same file in
one run hash it once. The kernel sets the change time on every write and no
call sets it back, but from a coarse clock (a few ms per tick): a key is
remembered only for a file last changed ``_SETTLED_NS`` or more before it was
hashed, so that any later write must show in the change time; a file changed
more recently is hashed each time. The caches ask again after reading a file
or running a command, before storing what they got: a write meanwhile shows.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from functools import cache
from pathlib import Path

import xxhash

LARGE_BYTES = 8 << 20  # smaller files are read directly, and fast anyway
_PIECE = 1 << 20  # larger pieces fall out of the CPU caches and hash slower
_SETTLED_NS = 2 * 10**9

_Stamp = tuple[int, int, int, int, int]
_KNOWN: dict[_Stamp, str] = {}


def digest(value: object) -> str:
    """A short name for a JSON-able value (an entry's file name): sha-256, 16 hex digits."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


@cache  # a metadata look-up costs about 10 ms, and both caches ask
def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tradecli")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def tool() -> list[object]:
    """What every entry depends on besides its inputs: the tool's version, a stamp of the
    package's files (an edited source tree, or another build installed under the same
    version number, misses), Python's version and the dependencies' versions."""
    return [tool_version(), _package_stamp(), sys.version, _dependencies()]


_DEPENDENCIES = ("pandas", "pyarrow", "numpy", "rich")


@cache
def _package_stamp() -> str:
    """A hash of every file of the package (code, bundled data; about 3 ms): an edited
    source tree, or another build under the same version number, misses."""
    root = Path(__file__).resolve().parent.parent  # the tradecli package
    stamp = xxhash.xxh3_128()
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = os.path.join(folder, name)
            stamp.update(os.path.relpath(path, root).encode() + b"\0")
            with open(path, "rb") as source:
                stamp.update(source.read())
    return stamp.hexdigest()


@cache
def _dependencies() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in _DEPENDENCIES:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} -")
    return found


def is_regular(path: os.PathLike[str] | str) -> bool:
    """Whether ``path`` is (or links to) a regular file; asks without opening it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def size(path: os.PathLike[str] | str) -> int | None:
    """The size of a regular file; None for anything else (a pipe, a folder, nothing)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def content(path: os.PathLike[str] | str, fresh: bool = False) -> str | None:
    """A hash of the whole content of a regular file, or None: not a regular file,
    unreadable, or changed while it was read. ``fresh``: hash it even if this
    process hashed it before, unchanged."""
    try:
        before = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(before.st_mode):
        return None  # never opened: a FIFO would block, or lose its data to us
    if not fresh and (known := _KNOWN.get(_stamp(before))) is not None:
        return known
    started = time.time_ns()
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        opened = os.fstat(handle)
        if not stat.S_ISREG(opened.st_mode) or _stamp(opened)[:2] != _stamp(before)[:2]:
            return None  # replaced between the two looks
        digest = xxhash.xxh3_128()
        piece = bytearray(_PIECE)
        view = memoryview(piece)
        with open(handle, "rb", buffering=0, closefd=False) as source:
            while n := source.readinto(piece):
                digest.update(view[:n])
        after = os.fstat(handle)
    except OSError:
        return None
    finally:
        os.close(handle)
    if _stamp(after) != _stamp(opened):
        return None  # written to while hashed
    key = f"xxh3-128:{after.st_size}:{digest.hexdigest()}"
    if started - after.st_ctime_ns >= _SETTLED_NS:
        _KNOWN[_stamp(after)] = key
    return key


def _stamp(info: os.stat_result) -> _Stamp:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
