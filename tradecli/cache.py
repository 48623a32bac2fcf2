"""A cache of parsed observations, so a second run on the same large file is quick.

An entry is the observation frame that reading one file gave (with the notes
reading it produced), stored as an Arrow IPC file. Its key is everything the
frame depends on: the tool's version, the file's path, size, modification time
and a hash of sampled parts of its content, the group codes and commodity the
reader used, and the reporters kept. Any change gives a new key, and writing
a file's new entry removes its old ones.

Entries live in the user cache directory (platformdirs), or in
``$TRADECLI_CACHE_DIR``. They are written to a temporary file and renamed
into place, so a reader never sees half an entry and two runs racing to write
the same entry both leave a whole one. An entry that cannot be read is
deleted and rebuilt. Small files are not cached: reading them is as fast.
The file key and the cache directory come from ``filekey``, which the result
cache (``results``) shares without importing pandas.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from tradecli.filekey import ENV as ENV  # re-exported: tests and callers set it
from tradecli.filekey import LARGE_BYTES, directory, fingerprint, tool_version
from tradecli.readers.context import ReadContext

if TYPE_CHECKING:
    import pandas as pd

MIN_BYTES = LARGE_BYTES  # smaller files are read directly
_NOTES = b"tradecli.notes"
_KEY = b"tradecli.key"


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def _entry(path: Path, context: ReadContext) -> tuple[Path, str]:
    """The entry's file (named by path, content and options) and its full key."""
    content = {"version": tool_version(), "file": fingerprint(path)}
    options = context.options()
    key = json.dumps({"path": str(path.resolve()), **content, **options}, sort_keys=True)
    name = f"{_digest(str(path.resolve()))}-{_digest(content)}-{_digest(options)}.arrow"
    return directory() / name, key


def has(path: Path, context: ReadContext) -> bool:
    """Whether ``read`` would find the file's frame here (asked before pandas is imported,
    to decide whether to begin reading the file ahead)."""
    if path.stat().st_size < MIN_BYTES:
        return False
    entry, _ = _entry(path, context)
    return entry.is_file()


def read(
    path: Path, context: ReadContext, read_file: Callable[[Path, ReadContext], pd.DataFrame]
) -> pd.DataFrame:
    """``read_file(path, context)``, from the cache when the file was read before."""
    if path.stat().st_size < MIN_BYTES:
        return read_file(path, context)
    entry, key = _entry(path, context)
    cached = _load(entry, key)
    if cached is not None:
        frame, notes = cached
        context.notes.extend(notes)
        return frame
    before = len(context.notes)
    frame = read_file(path, context)
    _store(entry, key, frame, context.notes[before:])
    return frame


def _load(entry: Path, key: str) -> tuple[pd.DataFrame, list[str]] | None:
    from tradecli.observations import finish

    try:
        with pa.memory_map(str(entry)) as source:
            table = pa.ipc.open_file(source).read_all()
        meta = table.schema.metadata or {}
        if meta.get(_KEY) != key.encode():
            raise ValueError("cache entry for another key")
        notes = json.loads(meta.get(_NOTES, b"[]"))
        return finish(table.to_pandas()), [str(n) for n in notes]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, pa.ArrowException):
        with contextlib.suppress(OSError):
            entry.unlink()  # corrupt or foreign: rebuilt below
        return None


def _store(entry: Path, key: str, frame: pd.DataFrame, notes: list[str]) -> None:
    """Write the entry atomically; a cache that cannot be written is no error."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata(
            {
                **(table.schema.metadata or {}),
                _KEY: key.encode(),
                _NOTES: json.dumps(notes).encode(),
            }
        )
        handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".arrow")
        try:
            with os.fdopen(handle, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            os.replace(temporary, entry)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        where, content, _ = entry.name.split("-", 2)
        for old in entry.parent.glob(f"{where}-*.arrow"):
            if not old.name.startswith(f"{where}-{content}-"):
                with contextlib.suppress(OSError):
                    old.unlink()  # the same file's entries for its older contents
    except (OSError, pa.ArrowException):
        return
