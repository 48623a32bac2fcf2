"""The root options (``tradecli [OPTIONS] COMMAND``): where the data is, how to show
it, which engine; they become the ``Settings`` every command reads from its context.
Each command also carries hidden copies of them (``boundary``), so they may follow the
command too."""

from pathlib import Path
from typing import Annotated

import typer

from tradecli.cli.choices import EngineChoice, FormatChoice
from tradecli.cli.settings import Settings


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"tradecli {version('tradecli')}")
        raise typer.Exit()


def data_input(given: str | Path) -> Path | str:
    """One ``--data``: a URL (``s3://``, ``file://``, ...) stays text, for fsspec; anything
    else is a path, which exists or is ``-`` (standard input). Checked here, not by
    ``exists=True``, which takes ``-`` for a file name."""
    from tradecli.readers.parquet import is_url

    if isinstance(given, str) and is_url(given):
        return given
    path = Path(given)
    if str(path) != "-" and not path.exists() and not path.is_symlink():
        from tradecli.file_names import quoted

        raise typer.BadParameter(f"path {quoted(path)} does not exist.")
    return path


def _existing(given: list[str] | None) -> list[Path | str] | None:
    return None if given is None else [data_input(g) for g in given]


def existing_file(given: Path | None) -> Path | None:
    """A file option (``--groups``): it exists and is not a folder. Checked here, not by
    Click's ``exists=True``, whose messages show bytes UTF-8 cannot decode as U+FFFD:
    these name the path as citations do (``d\\xff``), in Click's words. (Typer passes a
    callback's last parameter the value: a callback has that one alone.)"""
    return _file(given, readable=False)


def readable_file(given: Path | None) -> Path | None:
    """``existing_file`` that can be read (a claims file)."""
    return _file(given, readable=True)


def _file(given: Path | None, readable: bool) -> Path | None:
    if given is None:
        return None
    import os
    import stat

    from tradecli.file_names import quoted

    try:
        mode = os.stat(given).st_mode
    except OSError:
        raise typer.BadParameter(f"File {quoted(given)} does not exist.") from None
    if stat.S_ISDIR(mode):
        raise typer.BadParameter(f"File {quoted(given)} is a directory.")
    if readable and not os.access(given, os.R_OK):
        raise typer.BadParameter(f"File {quoted(given)} is not readable.")
    return given


def root(
    ctx: typer.Context,
    data: Annotated[
        list[str] | None,
        typer.Option(
            "--data",
            "-d",
            metavar="PATH",
            help="Data file or folder (repeatable; - reads standard input), or the URL of a "
            "dataset written by convert (file://, s3://, gs://, https://: needs "
            "tradecli[remote]). Default: the bundled dataset of published Azerbaijan trade "
            "figures.",
            callback=_existing,
        ),
    ] = None,
    groups: Annotated[
        Path | None,
        typer.Option(
            "--groups",
            metavar="FILE",
            help="Extra groups CSV (group, member, valid_from, valid_to, note[, code]).",
            callback=existing_file,
        ),
    ] = None,
    fmt: Annotated[
        FormatChoice,
        typer.Option(
            "--format",
            "-f",
            help="Output: table, json, csv, markdown or xlsx (an Excel workbook: with --out, "
            "or stdout redirected to a file).",
        ),
    ] = FormatChoice.table,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="Write the output to FILE (whole or not at all) instead of stdout.",
            dir_okay=False,
        ),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Show the published figures behind every number and how they were combined.",
        ),
    ] = False,
    include_flagged: Annotated[
        bool,
        typer.Option(
            "--include-flagged",
            help="Keep figures flagged suspect-unit, low-trust or negative-as-published.",
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="A row of a publisher's download that cannot be placed is an error (exit 1), "
            "not a warning.",
        ),
    ] = False,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide",
            help="Tables with every column, however wide (by default, columns that do not "
            "fit the terminal are left out, with a note naming them).",
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Read large files and compute afresh instead of using the caches of parsed "
            "files and of results (kept in the user cache directory, or $TRADECLI_CACHE_DIR).",
        ),
    ] = False,
    commodity: Annotated[
        str,
        typer.Option(
            "--commodity",
            metavar="CODE",
            help="Commodity to read from Comtrade and WITS downloads: an HS, SITC or service "
            "code (such as 27), read in the file's own classification; "
            "default TOTAL, all commodities. Rows of other commodities are never added.",
        ),
    ] = "TOTAL",
    engine: Annotated[
        EngineChoice,
        typer.Option(
            "--engine",
            envvar="TRADECLI_ENGINE",
            help="Where the work runs: local (this process) or dask (summary, growth, "
            "share and project on Dask workers, one reporter each, from a dataset written "
            "by convert; needs pip install 'tradecli[dask]').",
        ),
    ] = EngineChoice.local,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            envvar="TRADECLI_DASK_SCHEDULER",
            help="--engine dask: the Dask scheduler to use (tcp://host:8786); default: a "
            "local cluster, one worker process per core.",
        ),
    ] = None,
    vintage: Annotated[
        str | None,
        typer.Option(
            "--vintage",
            metavar="YYYY-MM-DD",
            help="The data as known on that date: only figures published on or before it "
            "(undated figures are left out and counted).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    ctx.obj = Settings(
        data=[data_input(d) for d in data or []],
        groups=groups,
        fmt=fmt,
        explain=explain,
        debug=debug,
        include_flagged=include_flagged,
        commodity=commodity,
        no_cache=no_cache,
        wide=wide,
        strict=strict,
        engine=engine.value,
        scheduler=scheduler,
        vintage=vintage,
        out=out,
    )
