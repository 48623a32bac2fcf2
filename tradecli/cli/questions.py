"""Commands for the questions analysts ask next (``revisions``), registered on ``app``
by ``commands``. Pandas-free at import, as ``commands`` is."""

from typing import Annotated

import typer

from tradecli.cli.options import Flow, Partner, Reporter, _flow, _settings


def revisions(
    ctx: typer.Context,
    from_vintage: Annotated[
        str | None,
        typer.Option(
            "--from-vintage",
            metavar="YYYY-MM-DD",
            help="The earlier vintage: the data as known on that date (figures published by "
            "then). Default: each figure as first published.",
        ),
    ] = None,
    to_vintage: Annotated[
        str | None,
        typer.Option(
            "--to-vintage",
            metavar="YYYY-MM-DD",
            help="The later vintage. Default: the current data (every figure).",
        ),
    ] = None,
    reporter: Reporter = None,
    partner: Partner = None,
    flow: Flow = None,
) -> None:
    """What changed between two vintages: revised figures and the answers that moved.

    Each series and span with a figure in both whose value changed (old, new,
    change, the sources of each), then the derived answers worked out with the
    old and the new figure: the year-on-year changes that stand on it, the
    shares of each group over its span (where both vintages have one) and the
    run-rate of the year of a year-to-date span.

    Example: tradecli revisions --partner TJK --from-vintage 2023-09-14
    """
    from tradecli.analysis.revisions import check_vintages
    from tradecli.analysis.revisions import revisions as compute
    from tradecli.selection import Selection

    check_vintages(from_vintage, to_vintage)  # before the load: a usage error is said at once
    settings = _settings(ctx)
    dataset = settings.load()
    selection = Selection.parse(dataset, reporter, partner, _flow(flow))
    settings.show(compute(dataset, from_vintage, to_vintage, selection).report())
