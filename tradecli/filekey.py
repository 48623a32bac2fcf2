"""Content keys of files and where caches live, without importing pandas or pyarrow.

Both caches (parsed files in ``cache``, command results in ``results``) key
their entries on a file's size, modification time and a hash of sampled parts
of its content, and keep them in the user cache directory (platformdirs) or
in ``$TRADECLI_CACHE_DIR``.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

LARGE_BYTES = 8 << 20  # smaller files are read directly, and fast anyway
ENV = "TRADECLI_CACHE_DIR"
_SAMPLES = 16  # hashed pieces of the file, spread evenly
_SAMPLE_BYTES = 64 << 10


def directory() -> Path:
    """Where entries go: ``$TRADECLI_CACHE_DIR``, else the user cache directory."""
    override = os.environ.get(ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("tradecli", appauthor=False))


@cache  # a metadata look-up costs about 10 ms, and both caches ask
def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tradecli")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def fingerprint(path: Path) -> dict[str, object]:
    """Size, modification time and a hash of the start, the end and evenly spaced pieces."""
    stat = path.stat()
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as handle:
        for i in range(_SAMPLES + 1):
            handle.seek(max(0, (stat.st_size - _SAMPLE_BYTES) * i // _SAMPLES))
            digest.update(handle.read(_SAMPLE_BYTES))
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sample": digest.hexdigest()}
