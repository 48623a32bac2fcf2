"""The root options every command shares (``Settings``, kept in ``ctx.obj``): loading
the data they name and showing a report in the format they ask for."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradecli.cli.output import Spool, diagnostics, emit, emit_pieces

if TYPE_CHECKING:
    from tradecli.dataset import Dataset, Filters
    from tradecli.render import Report


@dataclass
class Settings:
    """Root options, shared by every command through ``ctx.obj``."""

    data: list[Path | str] = field(default_factory=list)  # str: a URL
    groups: Path | None = None
    fmt: str = "table"
    explain: bool = False
    debug: bool = False
    include_flagged: bool = False
    commodity: str = "TOTAL"
    no_cache: bool = False
    wide: bool = False
    strict: bool = False
    engine: str = "local"
    scheduler: str | None = None
    out: Path | None = None
    vintage: str | None = None  # YYYY-MM-DD: the data as known on that date
    # What the load's filters did (the vintage, observations left out): notes every report
    # shown gets, unless it says them itself (``project``, ``data``).
    filter_notes: list[str] = field(default_factory=list)

    def load(self, filters: Filters | None = None, reporter: str | None = None) -> Dataset:
        """Load the data; with ``reporter`` (the command's ``--reporter``), only that
        reporter's rows are kept while reading, which is what makes big files quick."""
        from tradecli.dataset import Filters, load
        from tradecli.readers.context import reporter_codes

        if self.engine == "dask":  # a command the workers do not run (dask_engine.DISTRIBUTED)
            from tradecli.dask_engine import check_installed

            check_installed()
            diagnostics(
                "note: --engine dask runs summary, growth, share and project (without "
                "--sort, --top, --all, --vintage, --contributions, several flows, --backtest); "
                "this command ran on the local engine"
            )
        base = filters or Filters()
        if self.include_flagged and not base.include_flagged:
            base = dataclasses.replace(base, include_flagged=True)
        if self.vintage is not None and base.vintage is None:
            base = dataclasses.replace(base, vintage=self.vintage)
        # Only that reporter's rows are kept while reading files and folders (and a
        # dataset's URL, whose other partitions are not fetched); standard input and
        # pipes, which can be read only once, are read whole.
        local = all(
            isinstance(p, Path) and str(p) != "-" and (p.is_file() or p.is_dir()) for p in self.data
        )
        remote = all(isinstance(p, str) for p in self.data)
        reporters = reporter_codes(reporter) if self.data and (local or remote) else None
        with LoadProgress() as progress:

            def read(reporters: frozenset[str] | None) -> Dataset:
                return load(
                    self.data or None,
                    self.groups,
                    base,
                    commodity=self.commodity,
                    reporters=reporters,
                    use_cache=not self.no_cache,
                    progress=progress.update,
                    strict=self.strict,
                )

            dataset = read(reporters)
            if reporters is not None and dataset.frame.empty and local:
                # Not a row of that reporter: every row is read after all, so that the
                # error says which series the data has, as it does without --reporter.
                dataset = read(None)
        for note in dataset.notes:  # a reader's warnings start "warning: "
            diagnostics(note if note.startswith("warning: ") else f"note: {note}")
        self.filter_notes = dataset.filters.notes(dataset.left_out)
        return dataset

    def show(self, report: Report) -> None:
        from tradecli.render import OutputFormat, render, stream_json

        extra = [n for n in self.filter_notes if n not in report.notes]
        if extra:
            report = dataclasses.replace(report, notes=[*report.notes, *extra])
        if self.fmt == OutputFormat.json:
            # Made in full into a spool (nothing left to fail but the writing), then
            # written a chunk at a time: never one text in memory, nor encoded whole.
            with contextlib.closing(Spool()) as spool:
                stream_json(report, spool.write, spool.restart)
                if self.out is not None:
                    write_output(spool.file_data(), self.out, binary=False)
                else:
                    emit_pieces(spool.texts())
            return
        out = render(report, OutputFormat(self.fmt), self.explain, width(), self.wide)
        if out.binary is not None or self.out is not None:
            data = out.binary if out.binary is not None else out.stdout.encode("utf-8")
            write_output(data, self.out, binary=out.binary is not None)
        else:
            emit(out.stdout)
        if out.stderr:
            emit(out.stderr, err=True)


def check_binary_destination(fmt: str, path: Path | None) -> None:
    """A workbook goes to --out or to a stdout that is not a terminal: said before any
    work is done (a usage error)."""
    from tradecli.errors import BadRequest

    if fmt != "xlsx" or path is not None:
        return
    if getattr(sys.stdout, "buffer", None) is None or sys.stdout.isatty():
        raise BadRequest(
            "--format xlsx writes a workbook, not text: give --out FILE.xlsx, or "
            "redirect stdout to a file",
            "--format",
        )


def write_output(data: bytes | Iterable[bytes], path: Path | None, binary: bool = True) -> None:
    """Write a command's output (its bytes, or its pieces in order) to ``path`` whole or
    not at all (a temporary file in the same folder, renamed over it), or, with no path,
    binary data to stdout, which must not be a terminal (a workbook is not text to show)."""
    chunks = [data] if isinstance(data, bytes) else data
    from tradecli.errors import BadRequest

    if path is None:
        check_binary_destination("xlsx", None)
        stream = getattr(sys.stdout, "buffer", None)
        assert stream is not None
        sys.stdout.flush()
        stream.writelines(chunks)
        stream.flush()
        return
    import stat
    import tempfile

    stream = _standard_stream(path)
    if stream is not None:
        # /dev/stdout (or a name of the very file stdout or stderr writes to): written
        # through that stream, never reopened (``>> log`` would lose what it held) nor
        # replaced (``> log 2>&1`` would lose what stderr wrote).
        stream.flush()
        stream.buffer.writelines(chunks)
        stream.buffer.flush()
        return
    # A symbolic link to a file: the file it names is replaced, the link stays.
    target = Path(os.path.realpath(path))
    if not target.parent.is_dir():
        from tradecli.file_names import quoted

        raise BadRequest(f"folder {quoted(target.parent)} does not exist", "--out")
    try:
        mode: int | None = path.stat().st_mode  # through a symbolic link
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        # A device or a pipe (/dev/null, a FIFO): written to, never replaced by a file of
        # its name; there is no whole or nothing to keep.
        from tradecli.cli.output import OutputLost

        try:
            with open(path, "wb") as handle:
                handle.writelines(chunks)
        except OSError as exc:
            raise OutputLost(str(exc)) from exc
        return
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(chunks)
            handle.flush()
            os.fsync(handle.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(name, 0o666 & ~mask)  # as open() would have made it, not mkstemp's 0600
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    from tradecli.file_names import shown_name

    diagnostics(f"wrote {shown_name(path)}")


def _standard_stream(path: Path) -> Any:
    """stdout or stderr when ``path`` is the file, pipe or terminal it writes to, else
    None."""
    try:
        target = os.stat(path)
    except OSError:
        return None
    for stream in (sys.stdout, sys.stderr):
        try:
            own = os.fstat(stream.fileno())
        except (AttributeError, OSError, ValueError):  # closed, or not a file (tests)
            continue
        if (own.st_dev, own.st_ino) == (target.st_dev, target.st_ino):
            return stream if getattr(stream, "buffer", None) is not None else None
    return None


class LoadProgress:
    """A progress bar on stderr for loads that take more than about a second, and
    only when stderr is a terminal (never in pipes, logs or tests)."""

    DELAY = 1.0

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.enabled = sys.stderr is not None and sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> LoadProgress:
        return self

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < self.DELAY:
                return
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

            self.bar = Progress(
                "loading",
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("load", total=total)
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def width() -> int:
    """Tables are as wide as rich's console: $COLUMNS when it is a positive whole number,
    else the terminal's width, else 80 (rich's own rule, without importing rich.console:
    a test holds the two equal)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return _terminal_width() or 80


def _terminal_width() -> int:
    """The width of the first of stdin, stdout, stderr that is a terminal; 0 if none is."""
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns
        except (OSError, ValueError, AttributeError):
            continue
    return 0
