"""The command line: root options and one thin function per command.

Each command reads like a sentence: load → compute → render. Core modules
are imported inside the commands so that ``tradecli --help`` never imports
pandas. ``_Boundary`` is the one place where errors become messages.
``main`` answers a read-only command on large files from the result cache
(``results``) when the same command ran before on the same files.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import typer
from typer.core import TyperGroup

from tradecli.errors import TradeCliError

if TYPE_CHECKING:
    from tradecli.dataset import Dataset, Filters
    from tradecli.render import Report
    from tradecli.results import Request, Result


FORMATS = ("table", "json", "csv", "markdown")
FLOWS = ("export", "import", "turnover")  # observations.FLOWS, without importing pandas


@dataclass
class Settings:
    """Root options, shared by every command through ``ctx.obj``."""

    data: list[Path] = field(default_factory=list)
    groups: Path | None = None
    fmt: str = "table"
    explain: bool = False
    debug: bool = False
    include_flagged: bool = False
    commodity: str = "TOTAL"
    no_cache: bool = False
    strict: bool = False

    def load(self, filters: Filters | None = None, reporter: str | None = None) -> Dataset:
        """Load the data; with ``reporter`` (the command's ``--reporter``), only that
        reporter's rows are kept while reading, which is what makes big files quick."""
        from tradecli.dataset import Filters, load
        from tradecli.readers.context import reporter_codes

        base = filters or Filters()
        if self.include_flagged and not base.include_flagged:
            base = Filters(True, base.vintage, base.as_of, base.exclude_urls)
        with _LoadProgress() as progress:
            dataset = load(
                self.data or None,
                self.groups,
                base,
                commodity=self.commodity,
                reporters=reporter_codes(reporter) if self.data else None,
                use_cache=not self.no_cache,
                progress=progress.update,
                strict=self.strict,
            )
        _discard_readings()  # one the load did not take over would only use the cores
        for note in dataset.notes:  # a reader's warnings start "warning: "
            diagnostics(note if note.startswith("warning: ") else f"note: {note}")
        return dataset

    def show(self, report: Report) -> None:
        from tradecli.render import Format, render

        out = render(report, Format(self.fmt), self.explain, _width())
        _emit(out.stdout)
        if out.stderr:
            _emit(out.stderr, err=True)


class _LoadProgress:
    """A progress bar on stderr for loads that take more than about a second, and
    only when stderr is a terminal (never in pipes, logs or tests)."""

    DELAY = 1.0

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.enabled = sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> _LoadProgress:
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


def _width() -> int:
    """Tables are as wide as $COLUMNS, else the terminal."""
    return int(os.environ.get("COLUMNS", "0") or 0) or _terminal_width()


def _terminal_width() -> int:
    try:
        return max(80, os.get_terminal_size(sys.stdout.fileno()).columns)
    except (OSError, ValueError):
        return 100


def diagnostics(message: str) -> None:
    """Everything that is not data goes to stderr."""
    _emit(message.rstrip("\n") + "\n", err=True)


class _Transcript:
    """What a command wrote, in order, while ``main`` keeps it for the result cache."""

    chunks: ClassVar[list[tuple[bool, str]] | None] = None


def _emit(text: str, err: bool = False) -> None:
    """Write to stdout (or stderr); every command's output goes through here."""
    (sys.stderr if err else sys.stdout).write(text)
    if _Transcript.chunks is not None:
        _Transcript.chunks.append((err, text))


GLOBAL_FLAGS = frozenset({"--explain", "--include-flagged", "--debug", "--no-cache", "--strict"})
GLOBAL_VALUED = frozenset({"--data", "-d", "--groups", "--format", "-f", "--commodity"})


def hoist_global_options(args: list[str], commands: set[str]) -> list[str]:
    """Move root options written after the command name in front of it.

    ``tradecli share --vs cis --format json`` then means what it says.
    """
    position = _command_position(args, commands)
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


def _command_position(args: list[str], commands: set[str]) -> int | None:
    """Where the command name is; a root option's value is never taken for it
    (``--data data summary``: the folder ``data``, then the command)."""
    i = 0
    while i < len(args):
        if args[i] == "--":
            return None
        if args[i] in commands:
            return i
        i += 2 if args[i] in GLOBAL_VALUED else 1
    return None


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
            help="Commodity to read from Comtrade and WITS downloads: an HS, SITC or service "
            "code (such as 27), read in the file's own classification; "
            "default TOTAL, all commodities. Rows of other commodities are never added.",
        ),
    ] = "TOTAL",
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    ctx.obj = Settings(
        list(data or []),
        groups,
        fmt,
        explain,
        debug,
        include_flagged,
        commodity=commodity,
        no_cache=no_cache,
        strict=strict,
    )


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


def _check_flow(value: str | None) -> str | None:
    if value is not None and value not in FLOWS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(FLOWS)}")
    return value


Flow = Annotated[
    str | None,
    typer.Option(
        "--flow", help="export, import or turnover (default turnover).", callback=_check_flow
    ),
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
    year-to-date span and its like-for-like change, the run-rate projection
    of the current year, the partner's share in each group that contains it,
    and a sparkline of the annual values.

    Example: tradecli summary --partner Tajikistan
    """
    from tradecli.analysis.summary import summarize
    from tradecli.selection import Selection

    settings = _settings(ctx)
    dataset = settings.load(reporter=reporter)
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
    if vs and partner:
        raise typer.BadParameter(
            "--vs asks for the reporter's trade with the whole group, --partner for one "
            "partner; for a partner's share of a group use `tradecli share --vs GROUP --partner X`"
        )
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

PROJECTION_METHODS = ("auto", "linear", "seasonal", "ytd-growth")

Period_ = Annotated[
    str | None,
    typer.Option(
        "--period", "-s", help="The span: 2022, 2023-Q2, 2023-H1, 2023-07, 2023-01/2023-07."
    ),
]


def _check_method(value: str) -> str:
    if value not in PROJECTION_METHODS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(PROJECTION_METHODS)}")
    return value


def _month(text: str | None) -> int | None:
    """``--as-of YYYY-MM`` → month index."""
    if text is None:
        return None
    span = _period(text)
    if span.n_months != 1:
        raise typer.BadParameter(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2023-07")
    return int(span.last)


def _date(text: str | None) -> str | None:
    """``--vintage YYYY-MM-DD``, checked."""
    import datetime
    import re

    if text is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        datetime.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; write it as YYYY-MM-DD") from None
    return text


@app.command()
def share(
    ctx: typer.Context,
    vs: Annotated[
        str,
        typer.Option(
            "--vs",
            help="The group: cis, cis-stat, central-asia, eaeu, ots, speca, eu27, world "
            "(or one from --groups).",
        ),
    ],
    period: Period_ = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Rank every member of the group (over --period, else the span with a group "
            "total where the most members have figures).",
        ),
    ] = False,
    reporter: Reporter = None,
    partner: Partner = None,
    flow: Flow = None,
) -> None:
    """The partner's share of the reporter's trade with a group.

    Over the latest span where both the partner's figure and the group total
    exist, unless --period is given. The total is the one the source published
    when the data has it, else the sum over the members (an incomplete sum is
    never taken for the total).

    Example: tradecli share --vs cis --partner Tajikistan --explain
    """
    from tradecli.analysis.share import group_shares
    from tradecli.selection import Selection

    span = _period(period) if period else None
    settings = _settings(ctx)
    dataset = settings.load()
    group = dataset.groups.get(vs)
    selection = Selection.parse(dataset, reporter, partner, flow)
    settings.show(group_shares(dataset, group, selection, span, every).report())


@app.command()
def growth(
    ctx: typer.Context,
    period: Period_ = None,
    from_year: Annotated[
        int | None, typer.Option("--from", help="First full year of the CAGR.")
    ] = None,
    to_year: Annotated[int | None, typer.Option("--to", help="Last full year of the CAGR.")] = None,
    reporter: Reporter = None,
    partner: Partner = None,
    flow: Flow = None,
) -> None:
    """Like-for-like change, the change of every year, and CAGR between full years.

    Like for like: a span against the same months a year before (default: the
    latest span). A missing base is "not computable", never -100%.

    Example: tradecli growth --partner TJK --period 2023-01/2023-08
    """
    from tradecli.analysis.growth import growth as compute
    from tradecli.selection import Selection

    span = _period(period) if period else None
    if from_year is not None and to_year is not None and from_year >= to_year:
        raise typer.BadParameter(f"--from {from_year} must be before --to {to_year}")
    settings = _settings(ctx)
    dataset = settings.load()
    keys = Selection.parse(dataset, reporter, partner, flow).keys(dataset)
    settings.show(compute(dataset, keys, span, from_year, to_year).report())


@app.command()
def project(
    ctx: typer.Context,
    year: Annotated[int, typer.Argument(help="The year to project, e.g. 2023.")],
    method: Annotated[
        str,
        typer.Option(
            "--method",
            "-m",
            help="auto, linear, seasonal or ytd-growth. auto: seasonal where history "
            "allows, else linear.",
            callback=_check_method,
        ),
    ] = "auto",
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="YYYY-MM: use only spans ending on or before this month."),
    ] = None,
    vintage: Annotated[
        str | None,
        typer.Option(
            "--vintage",
            help="YYYY-MM-DD: use only figures published on or before this date "
            "(undated figures are left out).",
        ),
    ] = None,
    backtest: Annotated[
        bool,
        typer.Option(
            "--backtest",
            help="Project every year with an actual from each of its year-to-date spans and "
            "show each method's error by months covered.",
        ),
    ] = False,
    reporter: Reporter = None,
    partner: Partner = None,
    flow: Flow = None,
) -> None:
    """Where a year will end, from its latest year-to-date span.

    linear: YTD x 12 / m; seasonal: YTD / the mean share those months held of
    the full year in up to three earlier years (with a low-high range);
    ytd-growth: last year x (YTD / the same span last year). When the year is
    complete in the data, shows the actual and what each method would have
    projected from each of its year-to-date spans.

    Example: tradecli project 2023 --partner TJK --vintage 2023-09-14
    """
    from tradecli.analysis.projection import Method
    from tradecli.analysis.projection import project as compute
    from tradecli.dataset import Filters
    from tradecli.selection import Selection

    if not 1900 <= year <= 2200:
        raise typer.BadParameter(f"{year} is not a plausible year", param_hint="YEAR")
    filters = Filters(vintage=_date(vintage), as_of=_month(as_of))
    settings = _settings(ctx)
    dataset = settings.load(filters)
    keys = Selection.parse(dataset, reporter, partner, flow).keys(dataset)
    settings.show(compute(dataset, keys, year, Method(method), backtest).report())


# -- commands: mirror --------------------------------------------------------------


@app.command()
def mirror(
    ctx: typer.Context,
    reporter: Reporter = None,
    partner: Partner = None,
    period: Annotated[
        str | None,
        typer.Option("--period", "-s", help="Only this span (2022, 2023-H1, 2023-01/2023-07)."),
    ] = None,
) -> None:
    """Do the two sides' statistics agree? Mirror figures for each span both report.

    A's exports to B against B's imports from A, A's imports from B against B's
    exports to A, and turnover against turnover, with the gap in USD and percent.
    Imports are usually valued CIF and exports FOB, so some gap is expected.
    Without --reporter/--partner: every pair of countries reporting on each other.

    Example: tradecli mirror --reporter AZE --partner TJK
    """
    from tradecli.analysis.mirror import compare_mirrors
    from tradecli.selection import Selection

    span = _period(period) if period else None
    settings = _settings(ctx)
    dataset = settings.load()
    selection = Selection.parse(dataset, reporter, partner)
    settings.show(compare_mirrors(dataset, selection.reporter, selection.partner, span).report())


# -- commands: verify, chart ------------------------------------------------------

CHART_KINDS = ("annual", "ytd", "share")
CHART_SUFFIXES = (".png", ".svg")


@app.command()
def verify(
    ctx: typer.Context,
    claims: Annotated[
        Path,
        typer.Argument(
            help="Claims file (TOML): [[claim]] tables with measure, period, stated, …",
            metavar="CLAIMS.toml",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
) -> None:
    """Check the figures an article states against the data.

    Each [[claim]] gives a measure (value, share or growth), a span and the
    figure as published ("over 2.3 million USD", "0.06%", "+7.2%"). Verdicts:
    consistent; inconsistent, with the gap; bounded, when the span is missing
    but spans around it bound it; unverifiable, saying what is missing. The
    claim's own source_url is left out; with published, the data as known on
    that date decides where it can. Exits 1 when any claim is inconsistent.

    Example: tradecli verify examples/claims/trend-2023-09-14.toml --explain
    """
    from tradecli.analysis.claims import read_claims
    from tradecli.analysis.claims import verify as check_claims

    claims_file = read_claims(claims)
    settings = _settings(ctx)
    result = check_claims(settings.load(), claims_file)
    settings.show(result.report())
    result.raise_for_inconsistent()


def _check_kind(value: str) -> str:
    if value not in CHART_KINDS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(CHART_KINDS)}")
    return value


@app.command()
def chart(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            "-k",
            help="annual (bars, with this year's projection), ytd (cumulative lines, one per "
            "year) or share (of the --vs group).",
            callback=_check_kind,
        ),
    ] = "annual",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write FILE.png or FILE.svg; default: a text chart.", dir_okay=False
        ),
    ] = None,
    vs: Annotated[
        str | None,
        typer.Option("--vs", help="The group for --kind share: cis, cis-stat, world, …"),
    ] = None,
    reporter: Reporter = None,
    partner: Partner = None,
    flow: Flow = None,
) -> None:
    """Picture one series: yearly bars, year-to-date lines, or its share of a group.

    annual: full years as bars, the current year's projection hatched (with
    its range when the method gives one) and its year-to-date value; ytd:
    cumulative values from January, one line per year; share: the partner's
    share of the --vs group over time. Without --out, a text chart.

    Example: tradecli chart --partner Tajikistan --kind annual --out chart.png
    """
    from tradecli.analysis.chart import ChartKind, build_chart, chart_key
    from tradecli.chart import draw, text_chart
    from tradecli.selection import Selection

    if out is not None and out.suffix.lower() not in CHART_SUFFIXES:
        raise typer.BadParameter(f"{str(out)!r}: write a .png or .svg file", param_hint="--out")
    if out is not None and not out.parent.is_dir():
        raise typer.BadParameter(f"folder {str(out.parent)!r} does not exist", param_hint="--out")
    if kind == "share" and vs is None:
        raise typer.BadParameter("--kind share needs --vs GROUP (cis, cis-stat, world, …)")
    settings = _settings(ctx)
    dataset = settings.load()
    group = dataset.groups.get(vs) if vs else None
    key = chart_key(Selection.parse(dataset, reporter, partner, flow).keys(dataset))
    data = build_chart(dataset, key, ChartKind(kind), group)
    if out is not None:
        draw(data, out)
        diagnostics(f"wrote {out}")
    if settings.fmt != "table":
        settings.show(data.report())
    elif out is None:
        sys.stdout.write(text_chart(data, settings.explain))


# -- entry point, and the result cache -----------------------------------------------

# Read-only commands whose output depends only on the command line and the files it
# names (not chart: it writes files; none reads the clock).
RESULT_COMMANDS = frozenset(
    {"summary", "share", "growth", "project", "value", "data", "mirror", "verify"}
)


def main() -> None:
    """Console entry point.

    A read-only command on large data that ran before with the same command line
    on the same files replays what it wrote and exits as it did, without
    importing pandas; otherwise it runs, and a successful run is stored.
    """
    request = _result_request(sys.argv[1:])
    stored = request.lookup() if request is not None else None
    if stored is not None:
        _replay(stored)
        raise SystemExit(stored.code)
    _read_ahead(sys.argv[1:])
    try:
        if request is None:
            app()
            return
        _Transcript.chunks = []
        try:
            app()
        except SystemExit as exc:
            if exc.code in (0, None) and _result_request(sys.argv[1:]) == request:
                from tradecli.results import Result

                request.store(Result(0, tuple(_Transcript.chunks)))  # files unchanged
            raise
        finally:
            _Transcript.chunks = None
    finally:
        _discard_readings()


def _discard_readings() -> None:
    """Stop any reading begun ahead that the command did not take over."""
    module = sys.modules.get("tradecli.readers.tidy_fast")
    if module is not None:
        module.discard()


# Allocations (less deallocations) between two young-generation collections; 700 by default.
_GC_THRESHOLD = 50_000


def run() -> None:
    """The console script and ``python -m tradecli``: ``main``, then an immediate exit.

    Once the output is written and flushed nothing is left to do, yet letting the
    interpreter free every object of a large analysis one by one takes about 0.3 s
    after a summary of 10M rows; ``os._exit`` skips that. Only after an exit with a
    code (Ctrl-C is one: 130); a traceback (``--debug``) leaves the usual way. Tests
    call ``main``, which never ends the process itself.

    Two settings for a short-lived process, made here and not in ``main`` so that
    tests and library users keep their own: the cyclic garbage collector runs
    less often (with the default threshold it spent about 0.15 s walking the
    analysis' objects after a summary of 10M rows; reference counting still frees
    nearly everything at once), and numpy's OpenBLAS starts no worker threads
    (tradecli does no linear algebra; the idle threads spun for about 0.1 s of
    CPU on every run) unless ``OPENBLAS_NUM_THREADS`` is set already.
    """
    gc.set_threshold(_GC_THRESHOLD, *gc.get_threshold()[1:])
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # read when numpy is imported
    try:
        main()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            _exit_now(exc.code or 0)
        raise
    _exit_now(0)


def _exit_now(code: int) -> None:
    """Flush, then end the process. A reader that has gone (``| head``) is no error;
    output that could not be written (a full disk) is: said on stderr, exit 1."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # closed by the caller (``>&-``)
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            pass
        except (OSError, ValueError) as exc:
            code = code or 1
            if stream is sys.stdout and sys.stderr is not None:
                with contextlib.suppress(OSError, ValueError):
                    sys.stderr.write(f"error: could not write the output: {exc}\n")
                    sys.stderr.flush()
    os._exit(code)


def _replay(result: Result) -> None:
    for err, text in result.chunks:
        stream = sys.stderr if err else sys.stdout
        stream.write(text)
        stream.flush()


@dataclass(frozen=True)
class _Line:
    """A command line as read before click parses it, for the result cache and the
    reading ahead: the root options (written before or after the command) and the
    command's own arguments."""

    args: list[str]  # the command line with root options hoisted before the command
    command: str
    tail: list[str]  # the command's own arguments
    data: list[Path]
    groups: list[Path]
    commodity: str = "TOTAL"
    no_cache: bool = False


def _read_line(argv: list[str]) -> _Line | None:
    """None for --help, --version and anything this reading does not understand
    (click will judge it)."""
    if any(arg in ("--help", "-h", "--version") for arg in argv):
        return None
    commands = {
        command.name or getattr(command.callback, "__name__", "").replace("_", "-")
        for command in app.registered_commands
    }
    args = hoist_global_options(list(argv), commands)
    position = _command_position(args, commands)
    if position is None:
        return None
    head, tail = args[:position], args[position + 1 :]
    data: list[Path] = []
    groups: list[Path] = []
    commodity, no_cache = "TOTAL", False
    i = 0
    while i < len(head):
        arg = head[i]
        if arg in GLOBAL_FLAGS:
            no_cache = no_cache or arg == "--no-cache"
            i += 1
            continue
        if arg.startswith("--") and "=" in arg:
            name, value = arg.split("=", 1)
        elif arg in GLOBAL_VALUED and i + 1 < len(head):
            name, value = arg, head[i + 1]
            i += 1
        elif arg[:2] in ("-d", "-f") and len(arg) > 2:
            name, value = arg[:2], arg[2:]  # click's -dFILE
        else:
            return None
        if name not in GLOBAL_VALUED:
            return None
        if name in ("--data", "-d"):
            data.append(Path(value))
        elif name == "--groups":
            groups.append(Path(value))
        elif name == "--commodity":
            commodity = value
        i += 1
    return _Line(args, args[position], tail, data, groups, commodity, no_cache)


def _result_request(argv: list[str]) -> Request | None:
    """The result-cache entry for this command line, or None when it is not cached:
    not a read-only command, --no-cache, --help or --version, no --data, small data,
    or a command line this reading does not understand (click will judge it)."""
    line = _read_line(argv)
    if line is None or line.command not in RESULT_COMMANDS or line.no_cache or not line.data:
        return None
    inputs = list(line.groups)
    try:
        # Files named after the command (a claims file) are keyed by content too.
        for arg in line.tail:
            for text in dict.fromkeys([arg, arg.split("=", 1)[-1]]):
                if text and Path(text).is_file():
                    inputs.append(Path(text))
        from tradecli import results

        return results.request(line.args, line.data, inputs, _width())
    except (OSError, ValueError):
        return None


def _read_ahead(argv: list[str]) -> None:
    """Begin reading a large tidy data file on worker threads before Typer parses the
    command line and pandas and the analysis are imported: about half a second of one
    core that the reading can share. The command's load takes the reading over
    (``tidy_fast.read``) when it asks for the same file, unchanged, with the same
    groups, commodity and kept reporters (``summary --reporter``); otherwise it reads
    the file itself and the reading begun here is stopped. Not when the cache of
    parsed files has the file, nor when a --groups file is not a plain file (a pipe
    can be read only once, by the command). Only an optimisation: anything
    unexpected here means no reading ahead, and the command reports what is wrong."""
    line = _read_line(argv)
    if line is None or len(line.data) != 1:
        return
    path = line.data[0]
    try:
        from tradecli.filekey import LARGE_BYTES

        if not path.is_file() or path.stat().st_size < LARGE_BYTES:
            return
        if not all(groups.is_file() for groups in line.groups):
            return
        from tradecli.groups import load as load_groups
        from tradecli.readers import tidy_fast
        from tradecli.readers.context import ReadContext, reporter_codes

        groups = load_groups(line.groups[-1] if line.groups else None)  # click keeps the last
        reporter = _option(line.tail, "--reporter", "-r") if line.command == "summary" else None
        context = ReadContext(groups.codes, line.commodity, reporters=reporter_codes(reporter))
        if not line.no_cache:
            from tradecli import cache

            if cache.has(path, context):
                return
        tidy_fast.start(path, context)
    except Exception:  # an optimisation only: see the docstring
        return


def _option(args: list[str], *names: str) -> str | None:
    """The last value given for an option, as click reads it: ``--name V``,
    ``--name=V``, ``-n V``, ``-nV`` (and ``-n=V`` is the value ``=V``)."""
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        for name in names:
            if arg == name and i + 1 < len(args):
                found = args[i + 1]
            elif name.startswith("--") and arg.startswith(f"{name}="):
                found = arg[len(name) + 1 :]
            elif not name.startswith("--") and arg.startswith(name) and arg != name:
                found = arg[len(name) :]
    return found
