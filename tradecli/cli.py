"""The command line: root options and one thin function per command.

Each command reads like a sentence: load → compute → render. Core modules
are imported inside the commands so that ``tradecli --help`` never imports
pandas. ``_Boundary`` is the one place where errors become messages.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from tradecli.errors import TradeCliError

if TYPE_CHECKING:
    from tradecli.dataset import Dataset, Filters
    from tradecli.render import Report


FORMATS = ("table", "json", "csv", "markdown")


@dataclass
class Settings:
    """Root options, shared by every command through ``ctx.obj``."""

    data: list[Path] = field(default_factory=list)
    groups: Path | None = None
    fmt: str = "table"
    explain: bool = False
    debug: bool = False
    include_flagged: bool = False

    def load(self, filters: Filters | None = None) -> Dataset:
        from tradecli.dataset import Filters, load

        base = filters or Filters()
        if self.include_flagged and not base.include_flagged:
            base = Filters(True, base.vintage, base.as_of, base.exclude_urls)
        dataset = load(self.data or None, self.groups, base)
        for note in dataset.notes:
            diagnostics(f"note: {note}")
        return dataset

    def show(self, report: Report) -> None:
        from tradecli.render import Format, render

        width = int(os.environ.get("COLUMNS", "0") or 0) or _terminal_width()
        out = render(report, Format(self.fmt), self.explain, width)
        sys.stdout.write(out.stdout)
        if out.stderr:
            sys.stderr.write(out.stderr)


def _terminal_width() -> int:
    try:
        return max(80, os.get_terminal_size(sys.stdout.fileno()).columns)
    except (OSError, ValueError):
        return 100


def diagnostics(message: str) -> None:
    """Everything that is not data goes to stderr."""
    sys.stderr.write(message.rstrip("\n") + "\n")


GLOBAL_FLAGS = frozenset({"--explain", "--include-flagged", "--debug"})
GLOBAL_VALUED = frozenset({"--data", "-d", "--groups", "--format", "-f"})


def hoist_global_options(args: list[str], commands: set[str]) -> list[str]:
    """Move root options written after the command name in front of it.

    ``tradecli share --vs cis --format json`` then means what it says.
    """
    position = next((i for i, a in enumerate(args) if a in commands), None)
    if position is None:
        return args
    head, command, tail = args[:position], args[position], args[position + 1 :]
    hoisted: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(tail):
        arg = tail[i]
        name = arg.split("=", 1)[0]
        if arg == "--":
            rest.extend(tail[i:])
            break
        if arg in GLOBAL_FLAGS or (name in GLOBAL_VALUED and "=" in arg):
            hoisted.append(arg)
        elif arg in GLOBAL_VALUED and i + 1 < len(tail):
            hoisted.extend(tail[i : i + 2])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return [*head, *hoisted, command, *rest]


class _Boundary(TyperGroup):
    """The single error boundary: a TradeCliError becomes one message and exit 1.

    It also lets root options follow the command (``tradecli summary --format json``).
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(list(args), set(self.commands)))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TradeCliError as exc:
            settings = ctx.obj if isinstance(ctx.obj, Settings) else None
            if (settings and settings.debug) or "--debug" in sys.argv:
                raise
            diagnostics(f"error: {exc}")
            raise typer.Exit(code=1) from None


app = typer.Typer(
    cls=_Boundary,
    help="Bilateral trade-turnover analytics from published statistics: values over any span, "
    "shares of groups, growth, projections, with every number traced to its source.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"tradecli {version('tradecli')}")
        raise typer.Exit()


def _check_format(value: str) -> str:
    if value not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(FORMATS)}")
    return value


@app.callback()
def root(
    ctx: typer.Context,
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            "-d",
            help="Data file or folder (repeatable). Default: the bundled dataset of "
            "published Azerbaijan trade figures.",
            exists=True,
            dir_okay=True,
            readable=True,
        ),
    ] = None,
    groups: Annotated[
        Path | None,
        typer.Option(
            "--groups",
            help="Extra groups CSV (group, member, valid_from, valid_to, note[, code]).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="Output: table, json, csv or markdown.", callback=_check_format
        ),
    ] = "table",
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Show the published figures behind every number and how they were combined.",
        ),
    ] = False,
    include_flagged: Annotated[
        bool,
        typer.Option("--include-flagged", help="Keep figures flagged suspect-unit or low-trust."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    ctx.obj = Settings(list(data or []), groups, fmt, explain, debug, include_flagged)


Reporter = Annotated[
    str | None,
    typer.Option(
        "--reporter",
        "-r",
        help="Whose statistics: a name or code (AZE, Azerbaijan). "
        "Default: every reporter in the data.",
    ),
]
Partner = Annotated[
    str | None,
    typer.Option(
        "--partner",
        "-p",
        help="Partner country (name or code) or group code. Default: every partner.",
    ),
]
Flow = Annotated[
    str | None, typer.Option("--flow", help="export, import or turnover (default turnover).")
]


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


def _period(text: str) -> Any:
    from tradecli.periods import Period

    try:
        return Period.parse(text)
    except TradeCliError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def summary(
    ctx: typer.Context, reporter: Reporter = None, partner: Partner = None, flow: Flow = None
) -> None:
    """What we trade with each partner and how it is moving.

    For each series: the latest full year and its change, the latest
    year-to-date span and its like-for-like change, and the run-rate of the
    current year.

    Example: tradecli summary --partner Tajikistan
    """
    from tradecli.analysis.summary import summarize
    from tradecli.selection import Selection

    settings = _settings(ctx)
    dataset = settings.load()
    keys = Selection.parse(dataset, reporter, partner, flow).keys(dataset)
    settings.show(summarize(dataset, keys).report())


@app.command()
def value(
    ctx: typer.Context,
    period: Annotated[
        str,
        typer.Option(
            "--period", "-s", help="The span: 2022, 2023-Q2, 2023-H1, 2023-07, 2023-01/2023-07."
        ),
    ],
    reporter: Reporter = None,
    partner: Partner = None,
    flow: Flow = None,
    vs: Annotated[
        str | None,
        typer.Option(
            "--vs",
            help="A group (cis, cis-stat, central-asia, eaeu, ots, speca, eu27, world): the "
            "reporter's trade with the whole group.",
        ),
    ] = None,
) -> None:
    """The value of a series over any span, and how it was derived.

    Exact figure, else disjoint spans that tile it, else the difference of two
    cumulative figures, else export + import; never an annual figure added to
    the months inside it.

    Example: tradecli value --partner TJK --period 2023-07/2023-08 --explain
    """
    from tradecli.analysis.value import group_values, series_values
    from tradecli.selection import Selection

    span = _period(period)
    settings = _settings(ctx)
    dataset = settings.load()
    selection = Selection.parse(dataset, reporter, partner, flow)
    if vs:
        group = dataset.groups.get(vs)
        result = group_values(
            dataset,
            selection.reporter_or_only(dataset, group),
            group,
            selection.flow or "turnover",
            span,
        )
    else:
        result = series_values(dataset, selection.keys(dataset), span)
    settings.show(result.report())


@app.command()
def data(
    ctx: typer.Context,
    conflicts: Annotated[
        bool, typer.Option("--conflicts", help="List each conflict and how it was resolved.")
    ] = False,
) -> None:
    """What is loaded: series, spans covered, sources, what was excluded and why.

    Example: tradecli data --conflicts --explain
    """
    from tradecli.analysis.inventory import inventory

    settings = _settings(ctx)
    settings.show(inventory(settings.load()).report(conflicts))


# -- commands: analytics (share, growth, project) --------------------------------

# -- commands: mirror --------------------------------------------------------------

# -- commands: verify, chart ------------------------------------------------------


def main() -> None:
    """Console entry point."""
    app()
