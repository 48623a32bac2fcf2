"""``tradecli convert``: the data as a Parquet dataset (``readers.parquet``), and the
progress bar of long work (a conversion, a Dask computation) on a terminal."""

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tradecli.cli.output import diagnostics
from tradecli.cli.settings import Settings

if TYPE_CHECKING:
    from tradecli.dask_engine import Job


class RowsProgress:
    """A rich progress bar on stderr counting ``what`` (rows, partitions) when stderr is a
    terminal and the work takes more than about a second; silent when piped."""

    DELAY = 1.0

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()
        self.enabled = sys.stderr is not None and sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> "RowsProgress":
        return self

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < self.DELAY and done < total:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self.bar = Progress(
                self.label,
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def convert(
    ctx: typer.Context,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="The dataset folder to write (replaced if it is a dataset written before; "
            "any other folder that is not empty is refused).",
            file_okay=False,
        ),
    ],
    row_group_rows: Annotated[
        int,
        typer.Option(
            "--row-group-rows",
            metavar="N",
            min=1,
            help="Rows per Parquet row group (smaller: finer skipping, more metadata).",
        ),
    ] = 65536,
) -> None:
    """Write the data as a Parquet dataset, to ask large data quickly.

    Reads --data (any format tradecli reads, with --commodity and --groups) and writes
    its observations, with their provenance, as Parquet partitioned by reporter
    (DIR/reporter=AZE/part-0.parquet), sorted by partner, flow and span. Then ask with
    --data DIR: a --reporter question reads only that reporter's folder, and the
    answers are the same as from the original files. Written to a hidden folder beside
    DIR and renamed into place when complete.

    Example: tradecli --data trade.csv convert --out trade.parquet
    """
    from tradecli.caching import keys
    from tradecli.conversion import Conversion
    from tradecli.dataset import Filters
    from tradecli.readers import parquet

    settings = _settings(ctx)
    conversion = Conversion(
        settings.data,
        settings.groups,
        Filters(include_flagged=settings.include_flagged, vintage=settings.vintage),
        commodity=settings.commodity,
        strict=settings.strict,
        use_cache=not settings.no_cache,
    )
    sources = [
        (name, keys.content(path) if isinstance(path, Path) and path.is_file() else None)
        for name, path in conversion.sources()
    ]
    with parquet.DatasetWriter(out, row_group_rows) as writer:
        with RowsProgress("reading") as progress:
            for frame in conversion.frames(progress.update):
                writer.add(frame)
        for note in conversion.notes:  # a reader's warnings start "warning: "
            diagnostics(note if note.startswith("warning: ") else f"note: {note}")
        with RowsProgress("writing") as progress:
            written = writer.close(sources, conversion.notes, settings.commodity, progress.update)
    diagnostics(written.summary())


def dask_summary(
    settings: Settings, reporter: str | None, partner: str | None, flow: str | None
) -> Any:
    """``summary --engine dask``: each reporter's part on a worker (``dask_engine``)."""
    from tradecli import dask_engine

    with _on_dask(settings) as job:
        return dask_engine.summary(job, reporter, partner, flow)


def dask_growth(
    settings: Settings,
    reporter: str | None,
    partner: str | None,
    flow: str | None,
    period: Any,
    first: int | None,
    last: int | None,
) -> Any:
    """``growth --engine dask``: each reporter's part on a worker (``dask_engine``)."""
    from tradecli import dask_engine

    with _on_dask(settings) as job:
        return dask_engine.growth(job, reporter, partner, flow, period, first, last)


def dask_share(
    settings: Settings,
    vs: str,
    reporter: str | None,
    partner: str | None,
    flow: str | None,
    period: Any,
) -> Any:
    """``share --engine dask``: each reporter's part on a worker (``dask_engine``)."""
    from tradecli import dask_engine

    with _on_dask(settings) as job:
        return dask_engine.share(job, vs, reporter, partner, flow, period)


def dask_project(
    settings: Settings,
    reporter: str | None,
    partner: str | None,
    flow: str | None,
    year: int,
    method: Any,
    as_of: int | None,
) -> Any:
    """``project --engine dask``: each reporter's part on a worker (``dask_engine``)."""
    from tradecli import dask_engine

    with _on_dask(settings, as_of) as job:
        return dask_engine.project(job, reporter, partner, flow, year, method)


@contextmanager
def _on_dask(settings: Settings, as_of: int | None = None) -> Iterator["Job"]:
    """The ``Job`` of a command on Dask: its dataset, groups and filters, a client, a
    progress bar, and whether the output shows derivations (--explain, JSON, a workbook:
    the answers then come back with them; a table, CSV or Markdown without --explain
    shows none)."""
    from tradecli import dask_engine
    from tradecli.dataset import Filters
    from tradecli.file_names import plain_path, shown_name
    from tradecli.groups import load as load_groups
    from tradecli.readers import parquet
    from tradecli.readers.context import ReadContext

    dask_engine.check_installed()
    where = dask_engine.parquet_input(settings.data)
    groups = load_groups(settings.groups)
    context = ReadContext(group_codes=groups.codes, commodity=settings.commodity)
    parquet.check(where, context)  # the marker's schema and commodity; its notes
    for note in context.notes:
        diagnostics(note if note.startswith("warning: ") else f"note: {note}")
    filters = Filters(include_flagged=settings.include_flagged, as_of=as_of)
    # pyarrow takes UTF-8 paths only: a local dataset whose path UTF-8 cannot decode is
    # read, by this process and the workers, through a link of a plain name.
    local = isinstance(where, Path)
    with (
        plain_path(Path(where), "dataset") if local else nullcontext(where) as readable,
        dask_engine.client(settings.scheduler) as connected,
        RowsProgress("computing") as progress,
    ):
        derived = settings.explain or str(settings.fmt) not in ("table", "csv", "markdown")
        shown = shown_name(where) if isinstance(where, Path) else where
        yield dask_engine.Job(readable, groups, filters, connected, progress.update, derived, shown)


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings
