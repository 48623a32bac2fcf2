"""The result cache at the command line: a read-only command on large files that ran
before, with the same options on the same unchanged files, replays what it wrote.

``Replayed`` is the command class of the commands whose output depends only on their
options and the files they name (not ``chart``, which writes files). Its ``invoke``
runs after Click parsed the whole command line; it asks ``results`` for this
command's entry (``results.request``), replays a hit without importing pandas, and
stores a successful run's transcript when the files did not change meanwhile.
On the benchmark a repeated command takes 0.14-0.20 s instead of 1.1-1.3 s
(``bench/README.md``), which is why this shortcut is kept. An output of any length
is kept (up to ``results.LARGEST``), in the entry's file as it is written, and
replayed a slice at a time: neither holds it in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradecli.cli.boundary import Command, names_a_file
from tradecli.cli.output import Transcript, emit_pieces
from tradecli.cli.settings import Settings, width

if TYPE_CHECKING:
    from tradecli.caching.results import Request


class Replayed(Command):
    """A command answered from the result cache when it can be."""

    def invoke(self, ctx: Any) -> Any:
        request = entry(ctx)
        if request is None:
            return super().invoke(ctx)
        stored = request.lookup()  # verified whole before a byte of it is written
        if stored is not None:
            for err, start, end in stored.chunks:
                emit_pieces(stored.texts(start, end), err)
            return None
        # A long output goes into the entry's file as it is written (``Transcript``); if
        # the command fails, that file is removed.
        with Transcript(request.writer) as transcript:
            value = super().invoke(ctx)
            # Stored when the files did not change while the command ran, and the output
            # could be kept (a cache that can be written, not longer than ``LARGEST``).
            if transcript.whole and entry(ctx) == request:
                transcript.keep(0)
        return value


def entry(ctx: Any) -> Request | None:
    """The result-cache entry for the command ``ctx`` parsed, or None when it is not
    cached: --no-cache, no --data, or data too small to be worth it."""
    settings = ctx.find_object(Settings)
    if settings is None or settings.no_cache or not settings.data:
        return None
    if any(str(path) == "-" or isinstance(path, str) for path in settings.data):
        return None  # standard input: read once, never keyed; a URL: not keyed either
    if settings.out is not None or settings.fmt == "xlsx":
        return None  # writes a file, or bytes the transcript does not keep
    options = {
        "format": str(settings.fmt),
        "explain": settings.explain,
        "include_flagged": settings.include_flagged,
        "commodity": settings.commodity,
        "strict": settings.strict,
        "vintage": settings.vintage,
        "groups": str(settings.groups) if settings.groups else None,
        **{name: _plain(value) for name, value in ctx.params.items()},
    }
    line = [ctx.info_name or "", *(f"{name}={options[name]}" for name in sorted(options))]
    inputs = [settings.groups] if settings.groups else []
    # Files named by the command's own options (a claims file) are keyed by content too.
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if isinstance(value, Path) or (isinstance(value, str) and names_a_file(param)):
            inputs.append(Path(value))
    try:
        if not all(path.is_file() for path in inputs):
            return None  # a pipe is read once; a missing file is the command's to report
        from tradecli.caching import results

        paths = [p for p in settings.data if isinstance(p, Path)]
        return results.request(line, paths, inputs, width())
    except (OSError, ValueError):
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value if value is None or isinstance(value, (bool, int, float)) else str(value)
