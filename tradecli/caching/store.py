"""Where cache entries live, and how one is written and read back safely.

Entries live in ``$TRADECLI_CACHE_DIR``, else the user cache directory
(platformdirs). The directory is created with mode 0700. It is used only
while it is a directory the user owns that neither the group nor others may
write; an entry is read only when it is a regular file (not a link) the user
owns that neither the group nor others may write, and its body matches the
checksum it carries. Otherwise the cache is bypassed: no error, at most one
debug log record a run (logger ``tradecli.caching``), and the command computes
afresh. Where the user's id cannot be asked (no ``os.geteuid``) no cache is used.
A corrupt or cut-short entry is rewritten by the run that finds it.

An entry is its body followed by a trailer: ``_MAGIC``, the body's length
(8 bytes, little-endian) and the body's xxh3-128 digest (16 bytes). It is
written to ``.tmp-<pid>-<random><suffix>`` and renamed into place, so a reader
never sees half an entry: at once (``write``), or a piece at a time over a
command's run (``begin``: the result cache's transcript of a long output).
Temporary files of a writer that was killed are removed by the next run that
uses the directory: those of a process that is gone, and any older than
``STALE_SECONDS``.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import secrets
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import xxhash

ENV = "TRADECLI_CACHE_DIR"
STALE_SECONDS = 300
TEMPORARY = ".tmp-"
_MAGIC = b"tradecli-entry-1"
_TRAILER = len(_MAGIC) + 8 + 16
_PIECE = 1 << 20

_said: list[str] = []  # the refusal this process logged: one at most
_swept: set[str] = set()  # directories whose leftovers this process removed


def _refuse(reason: str) -> None:
    if not _said:
        _said.append(reason)
        import logging  # only here: the replay of a result imports as little as it can

        logging.getLogger("tradecli.caching").debug("cache not used: %s", reason)


def location() -> Path:
    """Where entries go: ``$TRADECLI_CACHE_DIR``, else the user cache directory."""
    override = os.environ.get(ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("tradecli", appauthor=False))


def directory(create: bool = False) -> Path | None:
    """The cache directory when it is safe to use (``create``: make it, mode 0700, when
    missing); None when it is missing, or someone else could have put entries in it."""
    if not hasattr(os, "geteuid"):
        _refuse("the owner of entries cannot be checked here")
        return None
    folder = location()
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        if not create:
            return None
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(folder, 0o700)
            os.chmod(folder, 0o700)  # whatever the umask
            info = os.stat(folder)
        except OSError as exc:
            _refuse(f"cannot create {folder}: {exc}")
            return None
    except (OSError, ValueError) as exc:
        _refuse(f"{folder}: {exc}")
        return None
    problem = _unsafe(info, "directory")
    if problem:
        _refuse(f"{folder}: {problem}")
        return None
    if str(folder) not in _swept:
        _swept.add(str(folder))
        _sweep(folder)
    return folder


def _unsafe(info: os.stat_result, kind: str) -> str | None:
    """Why a file or directory may hold what its owner did not write, or None."""
    wanted = stat.S_ISDIR if kind == "directory" else stat.S_ISREG
    if not wanted(info.st_mode):
        return f"not a {kind}"
    if info.st_uid != os.geteuid():
        return f"owned by user {info.st_uid}, not by this user"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"group or others may write it (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def _sweep(folder: Path) -> None:
    """Remove temporary files of writers that are gone or that are stale."""
    now = time.time()
    try:
        names = [n for n in os.listdir(folder) if n.startswith(TEMPORARY)]
    except OSError:
        return
    for name in names:
        path = folder / name
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if info.st_uid != os.geteuid():
            continue
        if now - info.st_mtime > STALE_SECONDS or not _alive(_writer(name)):
            with contextlib.suppress(OSError):
                path.unlink()


def _writer(name: str) -> int | None:
    """The process id in a temporary file's name (``.tmp-<pid>-...``), if any."""
    pid = name[len(TEMPORARY) :].split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True  # not ours to judge but by age
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, another user's
        return True
    return True


def write(entry: Path, fill: Callable[[BinaryIO], None]) -> bool:
    """Write an entry whose body ``fill`` writes, atomically, with its checksum; False
    (no error) when the cache cannot be used or written."""
    pending = begin(entry)
    if pending is None:
        return False
    try:
        fill(pending.sink)
        return pending.keep()
    except OSError:
        return False
    finally:
        pending.drop()


def begin(entry: Path) -> Pending | None:
    """An entry to be written a piece at a time (``Pending``), or None (no error) when
    the cache cannot be used or written."""
    folder = directory(create=True)
    if folder is None or entry.parent != folder:
        return None
    temporary = folder / f"{TEMPORARY}{os.getpid()}-{secrets.token_hex(6)}{entry.suffix}"
    try:
        handle = os.open(
            temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
        )
    except OSError:
        return None
    return Pending(entry, temporary, open(handle, "w+b"))


class Pending:
    """An entry being written: its body goes to ``sink``, a temporary file beside it
    (``.tmp-<pid>-...``: a killed writer's is removed by the next run). ``keep`` adds
    the trailer and renames it into place; ``drop`` removes it, unless kept. A body
    written over the whole run of a command (the result cache's transcript) is never
    held in memory to be stored."""

    def __init__(self, entry: Path, temporary: Path, sink: BinaryIO) -> None:
        self.entry = entry
        self.sink = sink
        self._temporary = temporary

    def room(self) -> int | None:
        """The free space of the cache's file system in bytes, None if not known."""
        if not hasattr(os, "statvfs"):
            return None
        try:
            info = os.statvfs(self._temporary.parent)
        except OSError:
            return None
        return info.f_bavail * info.f_frsize

    def keep(self) -> bool:
        """Checksum the body (up to where ``sink`` stands), add the trailer and rename the
        entry into place; False (no error) when that fails."""
        try:
            with self.sink:
                self.sink.flush()
                length = self.sink.tell()
                digest = _checksum(self.sink.fileno(), length)
                self.sink.seek(length)
                self.sink.write(digest)
            os.replace(self._temporary, self.entry)
            return True
        except OSError:
            return False

    def drop(self) -> None:
        """Let the entry go: its temporary file removed (gone already when kept)."""
        with contextlib.suppress(OSError):
            self.sink.close()
        with contextlib.suppress(OSError):
            os.unlink(self._temporary)


def read(entry: Path) -> memoryview | None:
    """The verified body of an entry (memory-mapped), or None: missing, unsafe (then
    left alone), or corrupt (then removed, for the run to write it afresh)."""
    folder = directory()
    if folder is None or entry.parent != folder:
        return None
    try:
        handle = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:  # a link (ELOOP), unreadable
        _refuse(f"{entry}: {exc}")
        return None
    try:
        info = os.fstat(handle)
        problem = _unsafe(info, "file")
        if problem:
            _refuse(f"{entry}: {problem}")
            return None
        if info.st_size < _TRAILER:
            _discard(entry)
            return None
        size = info.st_size - _TRAILER
        if _checksum(handle, size) != os.pread(handle, _TRAILER, size):
            _discard(entry)
            return None
        mapped = mmap.mmap(handle, 0, access=mmap.ACCESS_READ)
    except OSError:
        return None
    finally:
        os.close(handle)
    return memoryview(mapped)[:size]


def _checksum(handle: int, size: int) -> bytes:
    """The trailer an entry whose body is the first ``size`` bytes of ``handle`` must have.

    The body is hashed through a small buffer, not through the mapping the caller is given:
    a page of the mapping is read in (and counts in the process's memory) only when the
    command looks at it, and a whole-file command with its columns cached looks at few."""
    digest = xxhash.xxh3_128()
    done = 0
    while done < size:
        piece = os.pread(handle, min(_PIECE, size - done), done)
        if not piece:
            raise OSError("entry cut short while read")
        digest.update(piece)
        done += len(piece)
    return _MAGIC + size.to_bytes(8, "little") + digest.digest()


def _discard(entry: Path) -> None:
    with contextlib.suppress(OSError):
        entry.unlink()


def remove_others(entry: Path, prefix: str, keep: str, suffix: str | None = None) -> None:
    """Remove the entries named ``prefix...`` like ``entry`` but those named ``keep...``:
    one file's or one command line's entries for its older contents. ``suffix``: of the
    entries removed (default: ``entry``'s; "": any)."""
    ending = entry.suffix if suffix is None else suffix
    for old in entry.parent.glob(f"{prefix}*{ending}"):
        if not old.name.startswith(keep):
            with contextlib.suppress(OSError):
                old.unlink()
