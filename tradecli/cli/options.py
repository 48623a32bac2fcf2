"""The options several commands share, and the helpers that turn them into the core's
arguments (spans, months, flows, rankings). Pandas-free, as ``commands`` is."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tradecli.cli.choices import FlowChoice, SortChoice
from tradecli.cli.settings import Settings
from tradecli.errors import TradeCliError

Reporter = Annotated[
    str | None,
    typer.Option(
        "--reporter",
        "-r",
        metavar="COUNTRY",
        help="Whose statistics: a name or code (AZE, Azerbaijan). "
        "Default: every reporter in the data.",
    ),
]
Partner = Annotated[
    str | None,
    typer.Option(
        "--partner",
        "-p",
        metavar="COUNTRY|GROUP",
        help="Partner country (name or code), or a group whose total the data publishes "
        "(cis, world); value also takes any group (central-asia: the member sum). "
        "Default: every partner.",
    ),
]
Flow = Annotated[
    FlowChoice | None,
    typer.Option("--flow", help="export, import or turnover (default turnover)."),
]
Flows = Annotated[
    str | None,
    typer.Option(
        "--flow",
        metavar="FLOW[,FLOW…]",
        help="export, import or turnover (default turnover); several, separated by commas "
        "(export,import,turnover), side by side with the balance and the coverage.",
    ),
]
GrowthFlows = Annotated[
    str | None,
    typer.Option(
        "--flow",
        metavar="FLOW[,FLOW…]",
        help="export, import or turnover (default turnover); several, separated by commas "
        "(export,import): the growth of each flow, in one table with a flow column.",
    ),
]
Period_ = Annotated[
    str | None,
    typer.Option(
        "--period",
        "-s",
        metavar="SPAN",
        help="The span: 2022, 2023-Q2, 2023-H1, 2023-07, 2023-01/2023-07.",
    ),
]


Sort = Annotated[
    SortChoice | None,
    typer.Option(
        "--sort",
        help="Rank the series by value, change (like for like) or share, over the one span "
        "the most series share; the others are listed after, not ranked.",
    ),
]
All = Annotated[
    bool,
    typer.Option(
        "--all",
        help="Also list the series with nothing to show, as rows marked 'not available' "
        "(folded into one note by default).",
    ),
]
Top = Annotated[
    int | None,
    typer.Option("--top", metavar="N", help="Rank and show only the first N series."),
]


def _rank(
    settings: Settings,
    dataset: Any,
    keys: Any,
    sort: SortChoice | None,
    top: int | None,
    default: str,
    group: Any = None,
    period: Any = None,
) -> None:
    """Show ``keys`` ranked (``--sort``/``--top``) instead of the command's own table."""
    from tradecli.analysis.rankings import rank

    measure = sort.value if sort is not None else default
    settings.show(rank(dataset, keys, measure, top, group, period).report())


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


def _flow(flow: FlowChoice | None) -> str | None:
    return None if flow is None else flow.value


def _month(text: str | None) -> int | None:
    """``--as-of YYYY-MM`` → month index."""
    if text is None:
        return None
    span = _period(text)
    if span.n_months != 1:
        raise typer.BadParameter(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2023-07")
    return int(span.last)
