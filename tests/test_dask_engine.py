"""``--engine dask``: summary, growth, share and project computed on two Dask worker processes,
one reporter per partition, gives the same output as ``--engine local`` and as the CSV it
came from, in every format. On the run's one small cluster (conftest's ``dask_scheduler``
and ``dask_client``); skipped without dask."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.readers import parquet

from .conftest import undecodable_folder

FORMATS = ("table", "json", "csv", "markdown")


pytestmark = pytest.mark.usefixtures("cache_dir")  # conftest: a cache of its own


def _run(runner: CliRunner, args: list[str]) -> tuple[int, str, str]:
    result = runner.invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def _convert(data: list[str], out: Path) -> Path:
    code, _, stderr = _run(CliRunner(), [*data, "convert", "--out", str(out)])
    assert code == 0, stderr
    return out


def _shown(derived: bool = True) -> list[tuple[str, bool]]:
    """The formats and --explain a report is rendered in (``derived``: also those that
    show derivations: JSON, --explain)."""
    every = [(fmt, explain) for fmt in FORMATS for explain in (False, True)]
    return [(f, e) for f, e in every if derived or (f != "json" and not e)]


def _outputs(report: object, derived: bool = True) -> list[tuple[str, str]]:
    """The report in every format, with and without --explain."""
    from tradecli.render import OutputFormat, Report, render

    assert isinstance(report, Report)
    out = []
    for fmt, explain in _shown(derived):
        shown = render(report, OutputFormat(fmt), explain, 100)
        out.append((shown.stdout, shown.stderr))
    return out


def test_dask_summary_equals_local_and_csv(
    runner: CliRunner,
    dask_scheduler: str,
    dask_client: object,
    generate: Callable[[int, int], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Every format and --explain from the same reports: the split run's report, the
    local run's on the dataset, and the local run's on the CSV are rendered alike."""
    from tradecli import dask_engine
    from tradecli.analysis.summary import summarize
    from tradecli.dataset import Filters, load
    from tradecli.groups import load as load_groups
    from tradecli.readers.context import reporter_codes
    from tradecli.selection import Selection

    folder = tmp_path_factory.mktemp("dask")
    generated = generate(2_000, 11)
    rows = pd.read_csv(generated, dtype=str, keep_default_na=False)
    reporter = str(rows["reporter"].iloc[-1])
    assert rows["reporter"].nunique() > 2  # several partitions, on both workers
    bundled = _convert([], folder / "bundled")
    trade = _convert(["--data", str(generated)], folder / "generated")
    cases = [
        (None, bundled, (None, None, None)),
        (None, bundled, ("AZE", "TJK", "export")),
        (generated, trade, (None, None, None)),
        (generated, trade, (reporter, None, None)),
    ]
    groups = load_groups()
    client = dask_client
    for csv_file, dataset, (r, p, f) in cases:
        spread = dask_engine.summary(dask_engine.Job(dataset, groups, Filters(), client), r, p, f)
        outputs = []
        for files in ([csv_file] if csv_file else None, [dataset]):
            codes = reporter_codes(r) if files else None
            local = load(files, use_cache=False, reporters=codes)
            keys = Selection.parse(local, r, p, f).keys(local)
            outputs.append(_outputs(summarize(local, keys).report()))
        assert outputs[1] == outputs[0], (r, p, f)  # the dataset answers as the CSV
        assert _outputs(spread.report()) == outputs[1], (r, p, f)
        assert spread.rows or spread.unanswered
        if (r, p, f) != (None, None, None):
            continue  # without derivations: once per dataset
        lean_job = dask_engine.Job(dataset, groups, Filters(), client, derivations=False)
        light = dask_engine.summary(lean_job, r, p, f)
        lean = [o for o, shown in zip(outputs[1], _shown(), strict=True) if shown in _shown(False)]
        assert _outputs(light.report(), derived=False) == lean

    # The command line, each way of asking once, on one dataset or the other (the rest is
    # the same code, compared above on both).
    dask = ["--engine", "dask", "--scheduler", dask_scheduler]
    for data, csv_data, args in (
        (bundled, [], ["--format", "json", "--explain", "summary"]),
        (trade, ["--data", str(generated)], ["summary", "--all"]),
    ):
        csv = _run(runner, [*csv_data, *args])
        spread_cli = _run(runner, [*dask, "--data", str(data), *args])
        assert csv[0] == 0
        assert spread_cli == csv, args
    # A selection with nothing in it: the same error as the local path.
    nothing = ["summary", "--reporter", "AZE", "--partner", "USA"]
    local_cli = _run(runner, ["--data", str(bundled), *nothing])
    spread_cli = _run(runner, [*dask, "--data", str(bundled), *nothing])
    assert local_cli[0] == 1 and spread_cli == local_cli


def test_engine_from_the_environment(
    runner: CliRunner, dask_scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = _convert([], tmp_path / "ds")
    monkeypatch.setenv("TRADECLI_ENGINE", "dask")
    monkeypatch.setenv("TRADECLI_DASK_SCHEDULER", dask_scheduler)
    spread = _run(runner, ["--format", "json", "--data", str(dataset), "summary"])
    monkeypatch.setenv("TRADECLI_ENGINE", "local")
    local = _run(runner, ["--format", "json", "--data", str(dataset), "summary"])
    assert spread == local
    assert spread[0] == 0


def test_a_scheduler_that_does_not_answer_or_is_no_address_is_one_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    """``--scheduler`` where nothing answers: exit 1 and one line saying so, after the
    connect timeout (a traceback from ``distributed`` before); not an address at all:
    a usage error at once, naming the option."""
    pytest.importorskip("distributed")
    import dask

    dataset = _convert([], tmp_path / "ds")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        args = ["--engine", "dask", "--data", str(dataset), "summary", "--scheduler"]
        code, out, err = _run(runner, [*args, "tcp://127.0.0.1:1"])
        assert (code, out) == (1, "") and len(err.strip().splitlines()) == 1, err
        assert err.startswith("error: no Dask scheduler answered at tcp://127.0.0.1:1 (")
        for wrong in ("foo::bar", "xyz://host:1"):
            code, out, err = _run(runner, [*args, wrong])
            assert (code, out) == (2, "") and "Invalid value for --scheduler" in err, err
            assert f"{wrong!r} is not a Dask scheduler's address" in err


def test_dask_needs_a_converted_dataset(runner: CliRunner) -> None:
    pytest.importorskip("distributed")
    code, stdout, stderr = _run(runner, ["--engine", "dask", "summary"])
    assert code == 2
    assert stdout == ""
    assert "tradecli convert" in stderr


def test_other_commands_run_locally_with_a_note(runner: CliRunner) -> None:
    pytest.importorskip("distributed")
    spread = _run(runner, ["--engine", "dask", "value", "--period", "2023", "--all"])
    local = _run(runner, ["value", "--period", "2023", "--all"])
    assert spread[:2] == local[:2]
    assert "this command ran on the local engine" in spread[2]


def test_without_dask_one_line_naming_the_extra(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dataset = _convert([], tmp_path / "ds")
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    code, stdout, stderr = _run(runner, ["--engine", "dask", "--data", str(dataset), "summary"])
    assert code == 1
    assert stdout == ""
    assert stderr.strip().count("\n") == 0
    assert "pip install 'tradecli[dask]'" in stderr


# -- growth and project ------------------------------------------------------------


@pytest.fixture(scope="module")
def small_trade(
    generate: Callable[[int, int], Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[Path], Path]:
    """A generated CSV of a few thousand rows, a second one with each reporter's world
    total of every flow and month (the sum of its partners, so shares of the world can
    be computed), and their converted dataset."""
    folder = tmp_path_factory.mktemp("small")
    generated = generate(2_000, 17)
    rows = pd.read_csv(generated, dtype=str, keep_default_na=False)
    rows = rows[
        rows["published"]
        == rows.groupby(["reporter", "partner", "flow", "period"])["published"].transform("max")
    ]  # the latest revision of each figure
    rows["value"] = rows["value"].astype(float)
    totals = rows.groupby(["reporter", "flow", "period"], as_index=False)["value"].sum()
    totals["partner"] = "WORLD"
    totals["value"] = totals["value"].round(0).astype("int64").astype(str)
    world = folder / "world.csv"
    totals[["reporter", "partner", "flow", "period", "value"]].to_csv(world, index=False)
    files = [generated, world]
    data = [a for f in files for a in ("--data", str(f))]
    return files, _convert(data, folder / "ds")


def _reporters(path: Path) -> list[str]:
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    return sorted(rows["reporter"].unique())


def _local(
    command: str, files: list[Path], selection: tuple[str | None, ...], **options: Any
) -> Any:
    """The local analysis over ``files``, as the command runs it."""
    from tradecli.analysis.growth import growth
    from tradecli.analysis.projection import project
    from tradecli.dataset import Filters, load
    from tradecli.selection import Selection

    as_of = options.pop("as_of", None)
    local = load(files, use_cache=False, filters=Filters(as_of=as_of))
    keys = Selection.parse(local, *selection).keys(local) if command != "share" else []
    if command == "growth":
        return growth(local, keys, **options)
    if command == "share":
        from tradecli.analysis.share import group_shares

        selected = Selection.parse(local, *selection)
        return group_shares(local, local.groups.get(options["vs"]), selected, options.get("period"))
    return project(local, keys, **options)


def _spread(
    command: str,
    dataset: Path,
    client: object,
    selection: tuple[str | None, ...],
    derivations: bool = True,
    **options: Any,
) -> Any:
    from tradecli import dask_engine
    from tradecli.dataset import Filters
    from tradecli.groups import load as load_groups

    groups = load_groups()
    filters = Filters(as_of=options.get("as_of"))
    job = dask_engine.Job(dataset, groups, filters, client, derivations=derivations)
    if command == "growth":
        period, first, last = (options.get(o) for o in ("period", "first", "last"))
        return dask_engine.growth(job, *selection, period, first, last)
    if command == "share":
        return dask_engine.share(job, options["vs"], *selection, options.get("period"))
    return dask_engine.project(job, *selection, options["year"], options["method"])


def test_dask_growth_and_project_equal_local_and_csv(
    runner: CliRunner,
    dask_scheduler: str,
    dask_client: object,
    small_trade: tuple[list[Path], Path],
) -> None:
    """Every format, with and without --explain: the split run's report and the local
    run's on the dataset are rendered alike; on the command line, the split run prints
    what the local run on the CSV prints."""
    from tradecli.analysis.projection import Method
    from tradecli.periods import Period

    files, dataset = small_trade
    rows = pd.read_csv(files[0], dtype=str, keep_default_na=False)
    reporter = str(rows["reporter"].value_counts().idxmax())  # the most series
    cases: list[tuple[str, tuple[str | None, ...], dict[str, object]]] = [
        ("growth", (None, None, None), {}),
        ("growth", (reporter, None, "export"), {"period": Period.parse("2023-01/2023-06")}),
        ("project", (None, None, None), {"year": 2024, "method": Method.auto}),
        ("share", (None, None, None), {"vs": "world"}),
        ("share", (reporter, None, "export"), {"vs": "world", "period": Period.parse("2023")}),
        (
            "project",
            (reporter, None, None),
            {"year": 2024, "method": Method.seasonal, "as_of": 2024 * 12 + 2},
        ),
    ]
    lean = _shown(derived=False)
    client, without_derivations = dask_client, set()
    for command, selection, options in cases:
        spread = _spread(command, dataset, client, selection, **options)
        # The dataset answers as the CSV (``test_parquet``, and the command lines below).
        local = _outputs(_local(command, [dataset], selection, **dict(options)).report())
        assert _outputs(spread.report()) == local, (command, selection, options)
        assert getattr(spread, "series", None) or spread.shares
        if command in without_derivations:
            continue  # without derivations: once per command (as summary: once per dataset)
        without_derivations.add(command)
        # Without derivations (a table, CSV or Markdown without --explain): the same.
        light = _spread(command, dataset, client, selection, derivations=False, **options)
        shown = [o for o, (f, e) in zip(local, _shown(), strict=True) if (f, e) in lean]
        assert _outputs(light.report(), derived=False) == shown

    # The command line: the same bytes as the local engine on the CSV, errors included.
    dask = ["--engine", "dask", "--scheduler", dask_scheduler, "--data", str(dataset)]
    for args in (
        ["--format", "json", "--explain", "growth", "--reporter", reporter],
        ["--format", "csv", "project", "2024", "--as-of", "2024-03"],
        ["--format", "markdown", "share", "--vs", "world"],
        ["project", "1990"],  # nothing to project from: the same message
    ):
        csv = _run(runner, [*(a for f in files for a in ("--data", str(f))), *args])
        spread_cli = _run(runner, [*dask, *args])
        assert spread_cli == csv, args
        assert "ran on the local engine" not in spread_cli[2]
    assert csv[0] == 1


@settings(max_examples=4, deadline=None)
@given(
    which=st.integers(min_value=0, max_value=10),
    flow=st.sampled_from([None, "export", "import", "turnover"]),
    year=st.integers(min_value=2019, max_value=2025),
    command=st.sampled_from(["growth", "project", "share"]),
)
def test_dask_equals_local_property(
    dask_client: object,
    small_trade: tuple[list[Path], Path],
    which: int,
    flow: str | None,
    year: int,
    command: str,
) -> None:
    """Any reporter (or all), any flow, any year: the split run answers as the local run on
    the same dataset, or fails with the same message."""
    from tradecli.analysis.projection import Method
    from tradecli.errors import TradeCliError
    from tradecli.periods import Period

    files, dataset = small_trade
    reporters = _reporters(files[0])
    reporter = reporters[which] if which < len(reporters) else None
    options: dict[str, object] = {
        "growth": {"first": year - 2, "last": year},
        "project": {"year": year, "method": Method.auto},
        "share": {"vs": "world", "period": Period.year(year)},
    }[command]
    selection = (reporter, None, flow)
    try:
        local = _outputs(_local(command, [dataset], selection, **dict(options)).report())
    except TradeCliError as exc:
        with pytest.raises(type(exc)) as raised:
            _spread(command, dataset, dask_client, selection, **options)
        assert str(raised.value) == str(exc)
        return
    spread = _spread(command, dataset, dask_client, selection, **options)
    assert _outputs(spread.report()) == local


def test_a_long_lived_process_does_not_keep_every_dataset(tmp_path: Path) -> None:
    """A Dask worker answers one reporter's partition after another: the columns the
    summary builds for each (``summary_bulk.columns_of``) must not keep them all alive."""
    import gc
    import weakref

    from tradecli.analysis.summary_bulk import columns_of
    from tradecli.dataset import load

    first = load(use_cache=False)
    gone = weakref.ref(first)
    columns_of(first)
    del first
    for _ in range(6):
        columns_of(load(use_cache=False))
    gc.collect()
    assert gone() is None


@pytest.mark.parametrize("backend", ["bulk", "reference"])
def test_results_travel_without_the_engine(
    small_trade: tuple[list[Path], Path], backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a worker sends back names no engine, frame or column store (they would carry
    the partition's rows), with or without derivations, and renders as the original;
    with the columnar engine's lazy answers too."""
    import pickle

    from tradecli.engine import bulk

    monkeypatch.setenv(bulk.ENV, backend)

    from tradecli import dask_engine
    from tradecli.analysis.summary import summarize
    from tradecli.dataset import load
    from tradecli.selection import Selection

    _, dataset = small_trade
    local = load([dataset], use_cache=False)
    result = summarize(local, Selection.parse(local, None, None, None).keys(local))
    for derivations in (True, False):
        blob = dask_engine.dumps(result, derivations)
        for name in (b"tradecli.engine.reference", b"tradecli.engine.bulk\nColumns", b"pandas"):
            assert name not in blob, (name, derivations)
        back = pickle.loads(blob)
        assert _outputs(back.report(), derived=derivations) == _outputs(
            result.report(), derived=derivations
        )
    assert len(dask_engine.dumps(result, False)) <= len(dask_engine.dumps(result, True))


def test_a_dataset_in_a_folder_utf8_cannot_decode(
    runner: CliRunner, dask_scheduler: str, small_trade: tuple[list[Path], Path], tmp_path: Path
) -> None:
    """A dataset in a folder whose name has bytes UTF-8 cannot decode (a traceback:
    pyarrow takes UTF-8 paths only) is read, here and by the workers, through a link of
    a plain name: the answers of the same dataset in a plain-named folder."""
    import shutil

    _, dataset = small_trade
    folder = undecodable_folder(tmp_path, b"d\xff")
    moved = folder / "ds"
    shutil.copytree(dataset, moved)
    dask = ["--engine", "dask", "--scheduler", dask_scheduler]
    for args in (["--format", "json", "--explain", "summary"], ["growth"]):
        mine = _run(runner, [*dask, "--data", str(moved), *args])
        assert mine[0] == 0, mine[2]
        assert mine == _run(runner, [*dask, "--data", str(dataset), *args]), args
    # A marker that lists no reporters: the message names the folder as given (escaped),
    # not the link it was read through.
    marker = moved / parquet.MARKER
    content = json.loads(marker.read_text("utf-8"))
    del content["reporters"]
    marker.write_text(json.dumps(content), "utf-8")
    code, out, err = _run(runner, [*dask, "--data", str(moved), "summary"])
    shown = str(tmp_path / "d\\xff" / "ds")
    assert (code, out) == (2, "") and f"; {shown} has no {parquet.MARKER} listing" in err, err
