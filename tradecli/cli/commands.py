"""The commands: root options and one thin function per command.

Each command reads like a sentence: load → compute → render, with its options
passed to the core by keyword. Click parses the command line (choices are the
``StrEnum``s of ``choices``); the rules a Python caller needs too (the year
range, ``--vs`` without ``--partner``) are the core's. Core modules are imported
inside the commands so that ``tradecli --help`` never imports pandas. Errors
become messages in ``boundary``; process concerns live in ``process``.
"""

from pathlib import Path
from typing import Annotated

import typer

from tradecli.cli.boundary import Boundary, Command
from tradecli.cli.choices import ChartKindChoice, EngineChoice, MethodChoice
from tradecli.cli.options import (
    All,
    Flow,
    Flows,
    GrowthFlows,
    Partner,
    Period_,
    Reporter,
    Sort,
    Top,
    _flow,
    _month,
    _period,
    _rank,
    _settings,
)
from tradecli.cli.output import diagnostics, emit
from tradecli.cli.questions import revisions
from tradecli.cli.replay import Replayed
from tradecli.cli.root import readable_file, root
from tradecli.cli.settings import width as settings_width

app = typer.Typer(
    cls=Boundary,
    help="Bilateral trade-turnover analytics from published statistics: values over any span, "
    "shares of groups, growth, projections, with every number traced to its source.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


app.callback()(root)


@app.command(cls=Replayed)
def summary(
    ctx: typer.Context,
    reporter: Reporter = None,
    partner: Partner = None,
    flow: Flows = None,
    sort: Sort = None,
    top: Top = None,
    every: All = False,
) -> None:
    """What we trade with each partner and how it is moving.

    For each series: the latest full year and its change, the latest
    year-to-date span and its like-for-like change, the run-rate projection
    of the current year, the partner's share in each group that contains it,
    and a sparkline of the annual values. With several flows (--flow
    export,import): the flows side by side over the same spans, with the
    balance and the coverage.

    Example: tradecli summary --partner Tajikistan
    """
    from tradecli.analysis.flows import check_flows, check_unranked
    from tradecli.analysis.summary import summarize
    from tradecli.selection import Selection

    flows = check_flows(flow) if flow is not None else None
    if flows is not None and len(flows) > 1:
        from tradecli.analysis.summary_flows import summarize_flows

        check_unranked(flows, sort, top)
        settings = _settings(ctx)
        both = summarize_flows(
            settings.load(reporter=reporter), flows, reporter=reporter, partner=partner
        )
        settings.show(both.report())
        return
    one = flows[0] if flows else None
    settings = _settings(ctx)
    if (
        settings.engine == EngineChoice.dask
        and sort is None
        and top is None
        and not settings.vintage
    ):
        from tradecli.cli.scale import dask_summary

        settings.show(dask_summary(settings, reporter, partner, one).report(every))
        return
    dataset = settings.load(reporter=reporter)
    keys = Selection.parse(dataset, reporter, partner, one).keys(dataset)
    if sort is not None or top is not None:
        _rank(settings, dataset, keys, sort, top, "value")
        return
    settings.show(summarize(dataset, keys).report(every))


@app.command(cls=Replayed)
def value(
    ctx: typer.Context,
    period: Annotated[
        str,
        typer.Option(
            "--period",
            "-s",
            metavar="SPAN",
            help="The span: 2022, 2023-Q2, 2023-H1, 2023-07, 2023-01/2023-07.",
        ),
    ],
    reporter: Reporter = None,
    partner: Partner = None,
    flow: Flows = None,
    vs: Annotated[
        str | None,
        typer.Option(
            "--vs",
            metavar="GROUP",
            help="A group (cis, cis-stat, central-asia, eaeu, ots, speca, eu27, world): the "
            "reporter's trade with the whole group.",
        ),
    ] = None,
    every: Annotated[
        bool,
        typer.Option("--all", help="Also list the series that have no value for the span."),
    ] = False,
) -> None:
    """The value of a series over any span, and how it was derived.

    Exact figure, else disjoint spans that tile it, else the difference of two
    cumulative figures, else export + import; never an annual figure added to
    the months inside it.

    Example: tradecli value --partner TJK --period 2023-07/2023-08 --explain
    """
    from tradecli.analysis.flows import check_flows
    from tradecli.analysis.value import check_options, values

    span = _period(period)
    check_options(partner=partner, vs=vs)  # before the load: a usage error is said at once
    flows = check_flows(flow) if flow is not None else None
    settings = _settings(ctx)
    if flows is not None and len(flows) > 1:
        from tradecli.analysis.flows import side_by_side
        from tradecli.analysis.flows_report import report

        if vs is not None:
            raise typer.BadParameter("several flows are shown for partners, not with --vs")
        both = side_by_side(settings.load(), span, flows, reporter=reporter, partner=partner)
        both.raise_if_unanswered()
        settings.show(report(both, every))
        return
    flow = flows[0] if flows else None
    result = values(settings.load(), span, reporter=reporter, partner=partner, flow=flow, vs=vs)
    result.raise_if_unanswered()
    settings.show(result.report(every))


@app.command(cls=Replayed)
def data(
    ctx: typer.Context,
    conflicts: Annotated[
        bool, typer.Option("--conflicts", help="List each conflict and how it was resolved.")
    ] = False,
    reporter: Reporter = None,
    partner: Partner = None,
    where: Annotated[
        bool, typer.Option("--where", help="Print the folder the bundled data is installed in.")
    ] = False,
    show: Annotated[
        str | None,
        typer.Option(
            "--show",
            metavar="ID",
            help="Print the source row a citation names: bundled:NAME:LINE or FILE:LINE "
            "(e.g. bundled:azerbaijan-trade-published.csv:24).",
        ),
    ] = None,
) -> None:
    """What is loaded: series, spans covered, sources, what was excluded and why.

    With --reporter/--partner, only their series. --where prints the folder of
    the bundled data; --show ID the row a citation [ID] names.

    Example: tradecli data --conflicts --explain
    """
    settings = _settings(ctx)
    if where or show:
        from tradecli.analysis import provenance

        if where and show:
            raise typer.BadParameter("give --where or --show, not both")
        if where:
            emit(f"{provenance.data_folder()}\n")
        else:
            assert show is not None
            row = provenance.show(show, settings.data)
            if settings.fmt == "table":
                emit(row.text())
            else:
                settings.show(row.report())
        return
    from tradecli.analysis.inventory import inventory
    from tradecli.selection import Selection

    dataset = settings.load(reporter=reporter)
    selection = Selection.parse(dataset, reporter, partner)
    if reporter or partner:
        selection.keys(dataset)  # nothing selected: said, with the series there are
    result = inventory(dataset, selection.reporter, selection.partner)
    settings.show(result.report(conflicts))


# -- commands: analytics (share, growth, project) --------------------------------


@app.command(cls=Replayed)
def share(
    ctx: typer.Context,
    vs: Annotated[
        str,
        typer.Option(
            "--vs",
            metavar="GROUP",
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
    sort: Sort = None,
    top: Top = None,
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
    if (
        settings.engine == EngineChoice.dask
        and not every
        and sort is None
        and top is None
        and not settings.vintage
    ):
        from tradecli.cli.scale import dask_share

        settings.show(dask_share(settings, vs, reporter, partner, _flow(flow), span).report())
        return
    dataset = settings.load(reporter=reporter)
    group = dataset.groups.get(vs)
    selection = Selection.parse(dataset, reporter, partner, _flow(flow))
    if sort is not None or top is not None:
        from tradecli.analysis.share import member_keys

        reporters = [selection.reporter_or_only(dataset, group)]
        flow_name = selection.flow or "turnover"
        keys = member_keys(dataset, group, reporters, selection.partner, flow_name)
        _rank(settings, dataset, keys, sort, top, "share", group, span)
        return
    settings.show(group_shares(dataset, group, selection, span, every).report())


@app.command(cls=Replayed)
def growth(
    ctx: typer.Context,
    period: Period_ = None,
    from_year: Annotated[
        int | None, typer.Option("--from", metavar="YEAR", help="First full year of the CAGR.")
    ] = None,
    to_year: Annotated[
        int | None, typer.Option("--to", metavar="YEAR", help="Last full year of the CAGR.")
    ] = None,
    reporter: Reporter = None,
    partner: Partner = None,
    flow: GrowthFlows = None,
    contributions: Annotated[
        bool,
        typer.Option(
            "--contributions",
            help="Split the reporter's change with --vs GROUP (default world) into each "
            "partner's contribution, in percentage points.",
        ),
    ] = False,
    vs: Annotated[
        str | None,
        typer.Option(
            "--vs",
            metavar="GROUP",
            help="With --contributions: the whole (cis, world, …); with --sort share: "
            "the group (default world).",
        ),
    ] = None,
    sort: Sort = None,
    top: Top = None,
    every: All = False,
) -> None:
    """Like-for-like change, the change of every year, and CAGR between full years.

    Like for like: a span against the same months a year before (default: the
    latest span). A missing base is "not computable", never -100%.
    --contributions: each partner's share of the reporter's change, in points.

    Example: tradecli growth --partner TJK --period 2023-01/2023-08
    """
    from tradecli.analysis.contributions import check_options
    from tradecli.analysis.flows import check_flows
    from tradecli.analysis.growth import growth as compute
    from tradecli.periods import check_year_range
    from tradecli.selection import Selection

    span = _period(period) if period else None
    check_year_range(from_year, to_year)  # before the load: a usage error is said at once
    flows = check_flows(flow) if flow is not None else None
    sorting = sort.value if sort else None
    check_options(contributions, vs, sorting, partner, top, len(flows or ()))
    settings = _settings(ctx)
    if (
        settings.engine == EngineChoice.dask
        and len(flows or ()) <= 1
        and sort is None
        and top is None
        and not contributions
        and not settings.vintage
    ):
        from tradecli.cli.scale import dask_growth

        one = flows[0] if flows else None
        found = dask_growth(settings, reporter, partner, one, span, from_year, to_year)
        settings.show(found.report())
        return
    dataset = settings.load(reporter=reporter)
    if flows is not None and len(flows) > 1:
        from tradecli.analysis.growth import flow_keys, growth_of_flows

        keys_of = flow_keys(dataset, reporter, partner, flows)
        both = growth_of_flows(dataset, keys_of, period=span, first=from_year, last=to_year)
        settings.show(both.report())
        return
    flow = flows[0] if flows else None
    if sort is not None or top is not None:
        selection = Selection.parse(dataset, reporter, partner, flow)
        group = dataset.groups.get(vs) if vs else None
        _rank(settings, dataset, selection.keys(dataset), sort, top, "change", group, span)
        return
    if contributions:
        from tradecli.analysis.contributions import contributions as split

        selection = Selection.parse(dataset, reporter, partner, flow)
        group = dataset.groups.get(vs or "world")
        whole = split(dataset, selection.reporter, group, selection.flow or "turnover", span)
        settings.show(whole.report())
        return
    keys = Selection.parse(dataset, reporter, partner, flow).keys(dataset)
    result = compute(dataset, keys, period=span, first=from_year, last=to_year)
    settings.show(result.report(every))


@app.command(cls=Replayed)
def project(
    ctx: typer.Context,
    year: Annotated[int, typer.Argument(help="The year to project, e.g. 2023.", metavar="YEAR")],
    method: Annotated[
        MethodChoice,
        typer.Option(
            "--method",
            "-m",
            help="auto, linear, seasonal or ytd-growth. auto: seasonal where history "
            "allows, else linear.",
        ),
    ] = MethodChoice.auto,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="YYYY-MM",
            help="YYYY-MM: use only spans ending on or before this month.",
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
    every: All = False,
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
    from tradecli.periods import check_year
    from tradecli.selection import Selection

    check_year(year)  # before the load: a usage error is said at once
    filters = Filters(as_of=_month(as_of))
    settings = _settings(ctx)
    if settings.engine == EngineChoice.dask and not backtest and not settings.vintage:
        from tradecli.cli.scale import dask_project

        found = dask_project(
            settings, reporter, partner, _flow(flow), year, Method(method.value), filters.as_of
        )
        settings.show(found.report())
        return
    # --as-of's note counts the rows it leaves out over the whole data: every row is read.
    dataset = settings.load(filters, reporter=None if filters.as_of else reporter)
    keys = Selection.parse(dataset, reporter, partner, _flow(flow)).keys(dataset)
    result = compute(dataset, keys, year, method=Method(method.value), backtest=backtest)
    settings.show(result.report(every))


app.command(cls=Replayed)(revisions)


# -- commands: mirror --------------------------------------------------------------


@app.command(cls=Replayed)
def mirror(
    ctx: typer.Context,
    reporter: Reporter = None,
    partner: Partner = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            "-s",
            metavar="SPAN",
            help="Only this span (2022, 2023-H1, 2023-01/2023-07).",
        ),
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

CHART_SUFFIXES = (".png", ".svg")


@app.command(cls=Replayed)
def verify(
    ctx: typer.Context,
    claims: Annotated[
        Path,
        typer.Argument(
            help="Claims file (TOML): [[claim]] tables with measure, period, stated, …",
            metavar="CLAIMS.toml",
            callback=readable_file,
        ),
    ],
    reporter: Reporter = None,
    partner: Partner = None,
) -> None:
    """Check the figures an article states against the data.

    Each [[claim]] gives a measure (value, share or growth), a span and the
    figure as published ("over 2.3 million USD", "0.06%", "+7.2%"). Verdicts:
    consistent; inconsistent, with the gap; bounded, when the span is missing
    but spans around it bound it; unverifiable, saying what is missing. The
    claim's own source_url is left out; with published, the data as known on
    that date decides where it can. Exits 1 when any claim is inconsistent.
    With --reporter/--partner, only the claims about them (a claim naming no
    reporter is about --reporter).

    Example: tradecli verify examples/claims/trend-2023-09-14.toml --explain
    """
    from tradecli.analysis.claims import read_claims
    from tradecli.analysis.claims import verify as check_claims

    claims_file = read_claims(claims)
    settings = _settings(ctx)
    result = check_claims(settings.load(), claims_file, reporter=reporter, partner=partner)
    settings.show(result.report())
    result.raise_for_inconsistent()


@app.command(cls=Command)
def chart(
    ctx: typer.Context,
    kind: Annotated[
        ChartKindChoice,
        typer.Option(
            "--kind",
            "-k",
            help="annual (bars, with this year's projection), ytd (cumulative lines, one per "
            "year) or share (of the --vs group).",
        ),
    ] = ChartKindChoice.annual,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Write FILE.png or FILE.svg; default: a text chart.",
            dir_okay=False,
        ),
    ] = None,
    vs: Annotated[
        str | None,
        typer.Option(
            "--vs", metavar="GROUP", help="The group for --kind share: cis, cis-stat, world, …"
        ),
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
    from tradecli.drawing import draw, text_chart
    from tradecli.file_names import quoted, shown_name
    from tradecli.selection import Selection

    if out is not None and out.suffix.lower() not in CHART_SUFFIXES:
        raise typer.BadParameter(f"{quoted(out)}: write a .png or .svg file", param_hint="--out")
    if out is not None and not out.parent.is_dir():
        raise typer.BadParameter(f"folder {quoted(out.parent)} does not exist", param_hint="--out")
    if kind is ChartKindChoice.share and vs is None:
        raise typer.BadParameter("--kind share needs --vs GROUP (cis, cis-stat, world, …)")
    settings = _settings(ctx)
    dataset = settings.load()
    group = dataset.groups.get(vs) if vs else None
    key = chart_key(Selection.parse(dataset, reporter, partner, _flow(flow)).keys(dataset))
    data = build_chart(dataset, key, ChartKind(kind.value), group)
    if out is not None:
        draw(data, out)
        diagnostics(f"wrote {shown_name(out)}")
    if settings.fmt != "table":
        settings.show(data.report())
    elif out is None:
        emit(text_chart(data, settings.explain, settings_width()))
        for note in settings.filter_notes:
            diagnostics(f"note: {note}")


# -- commands: large data (cli/scale.py) --------------------------------------------

from tradecli.cli.scale import convert  # noqa: E402

app.command()(convert)
