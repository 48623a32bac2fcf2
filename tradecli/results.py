"""A cache of command results, so rerunning a command on the same large file is instant.

What a read-only command writes (stdout and stderr, in order) and its exit
code are a function of: the tool (its version, the mtimes and sizes of its
own source and bundled files, and the versions of Python, pandas, pyarrow,
numpy and rich), the command line (root options hoisted, in the order given),
the working directory, the table width, and the content keys (``filekey``:
size, modification time, sampled hash) of every data file, of the groups file
and of every other file the command line names (a claims file). An entry is
that output, stored under a digest of all of it; a second identical run
replays it without importing pandas or pyarrow.

Only data totalling at least ``filekey.LARGE_BYTES`` is cached (small files
are fast anyway); ``$TRADECLI_RESULT_CACHE_MIN_BYTES`` overrides that. Entries
are written to a temporary file and renamed into place, so a reader never
sees half an entry and two racing writers both leave a whole one; an entry
that cannot be read is deleted and rewritten by the run that follows. Writing
a command line's new entry removes its entries for older contents.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tradecli import filekey

MIN_ENV = "TRADECLI_RESULT_CACHE_MIN_BYTES"
_FORMAT = 1
_SUFFIX = ".result"
_DEPENDENCIES = ("pandas", "pyarrow", "numpy", "rich")


@dataclass(frozen=True)
class Result:
    """What one run wrote, in order (``True``: to stderr), and how it exited."""

    code: int
    chunks: tuple[tuple[bool, str], ...]

    @property
    def stdout(self) -> str:
        return "".join(text for err, text in self.chunks if not err)

    @property
    def stderr(self) -> str:
        return "".join(text for err, text in self.chunks if err)


@dataclass(frozen=True)
class Request:
    """One command line's entry: where it lives and the full key it must hold."""

    entry: Path
    key: str

    def lookup(self) -> Result | None:
        """The stored result, or None (a missing, foreign or corrupt entry)."""
        try:
            raw = self.entry.read_bytes()
        except OSError:
            return None
        try:
            head, _, body = raw.partition(b"\n")
            meta = json.loads(head)
            if meta["key"] != self.key or sum(n for _, n in meta["chunks"]) != len(body):
                raise ValueError("cache entry for another key, or cut short")
            chunks, start = [], 0
            for err, n in meta["chunks"]:
                chunks.append((bool(err), body[start : start + n].decode("utf-8", "surrogatepass")))
                start += n
            return Result(int(meta["code"]), tuple(chunks))
        except (ValueError, KeyError, TypeError):
            with contextlib.suppress(OSError):
                self.entry.unlink()  # corrupt: the run that follows writes it afresh
            return None

    def store(self, result: Result) -> None:
        """Write the entry atomically; a cache that cannot be written is no error."""
        pieces = [text.encode("utf-8", "surrogatepass") for _, text in result.chunks]
        meta = {
            "key": self.key,
            "code": result.code,
            "chunks": [[err, len(p)] for (err, _), p in zip(result.chunks, pieces, strict=True)],
        }
        try:
            self.entry.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=self.entry.parent, prefix=".tmp-", suffix=_SUFFIX
            )
            try:
                with os.fdopen(handle, "wb") as sink:
                    sink.write(json.dumps(meta).encode() + b"\n")
                    sink.writelines(pieces)
                os.replace(temporary, self.entry)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
            line = self.entry.name.rsplit("-", 1)[0]
            for old in self.entry.parent.glob(f"{line}-*{_SUFFIX}"):
                if old != self.entry:
                    with contextlib.suppress(OSError):
                        old.unlink()  # the same command line's results for older contents
        except OSError:
            return


def min_bytes() -> int:
    try:
        return int(os.environ.get(MIN_ENV, "") or filekey.LARGE_BYTES)
    except ValueError:
        return filekey.LARGE_BYTES


def request(args: list[str], data: list[Path], inputs: list[Path], width: int) -> Request | None:
    """The entry for ``tradecli ARGS`` reading ``data`` (files or folders) and ``inputs``
    (other files it reads), with tables ``width`` wide; None when not worth caching."""
    files: list[Path] = []
    for path in data:
        if path.is_file():
            files.append(path)
        elif path.is_dir():  # every file under it: stricter than the data files read
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        else:
            return None
    if not files or sum(p.stat().st_size for p in files) < min_bytes():
        return None
    line = {"args": args, "cwd": os.getcwd()}
    content = {
        "format": _FORMAT,
        "tool": [filekey.tool_version(), _package_stamp(), sys.version, _dependencies()],
        "width": width,
        "data": [[str(p.resolve()), filekey.fingerprint(p)] for p in files],
        "inputs": [[str(p.resolve()), filekey.fingerprint(p)] for p in inputs],
    }
    key = json.dumps({**line, **content}, sort_keys=True)
    name = f"result-{_digest(line)}-{_digest(content)}{_SUFFIX}"
    return Request(filekey.directory() / name, key)


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def _package_stamp() -> str:
    """Size and mtime of every file of the package (code, bundled data): an edited
    source tree without a new version number still misses."""
    root = Path(__file__).resolve().parent
    stamp = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = os.path.join(folder, name)
            stat = os.stat(path)
            stamp.append([os.path.relpath(path, root), stat.st_size, stat.st_mtime_ns])
    return _digest(stamp)


def _dependencies() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in _DEPENDENCIES:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} -")
    return found
