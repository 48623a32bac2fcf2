"""Shared fixtures: the bundled dataset, a CLI runner, small CSV files, generated
large-file stand-ins."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import typer.testing
from typer.testing import CliRunner

from tradecli.caching import store
from tradecli.dataset import Dataset, load

TIDY_HEADER = "reporter,partner,flow,period,value,unit,currency,flags,published,publisher,url"
Built = TypeVar("Built")
BENCH = Path(__file__).resolve().parents[1] / "bench" / "generate.py"


def killed_while_writing(code: str, *args: str, said_on_stderr: bool = False) -> int:
    """The process id of ``python -c CODE ARGS``, killed (SIGKILL: nothing it could clean
    up after) once it says ``writing`` on stdout (or stderr), so mid-write."""
    said = subprocess.PIPE
    writer = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.DEVNULL if said_on_stderr else said,
        stderr=said if said_on_stderr else None,
        env=os.environ.copy(),
    )
    stream = writer.stderr if said_on_stderr else writer.stdout
    try:
        assert stream is not None and stream.readline() == b"writing\n"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        if stream is not None:
            stream.close()
    return writer.pid


def undecodable_folder(parent: Path, name: bytes) -> Path:
    """The folder ``parent``/``name``, made, whose name has bytes UTF-8 cannot decode
    (Python holds them as lone surrogates); the test is skipped where the file system
    takes UTF-8 names only."""
    folder = Path(os.fsdecode(os.path.join(os.fsencode(parent), name)))
    try:
        folder.mkdir()
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system takes UTF-8 names only")
    return folder


def _built_once(build: Callable[[typer.Typer], Built]) -> Callable[[typer.Typer], Built]:
    """``build`` (Typer's app -> Click command) kept per app. ``CliRunner.invoke`` builds
    the whole command tree again on each call (every command's type hints evaluated):
    ~15 ms, a thousand times in the suite, ~7% of its CPU. The tree holds no state of a
    run (options are parsed into a new context each time), so one serves every call."""
    built: dict[int, tuple[typer.Typer, Built]] = {}

    def command(app: typer.Typer) -> Built:
        if id(app) not in built:
            built[id(app)] = (app, build(app))  # the app kept: its id is not reused
        return built[id(app)][1]

    return command


typer.testing._get_command = _built_once(typer.testing._get_command)  # type: ignore[attr-defined,assignment]


@pytest.fixture(scope="session")
def bundled() -> Dataset:
    return load()


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COLUMNS", "100")
    return CliRunner()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own (``TRADECLI_CACHE_DIR``), so that no test reads
    what another left; modules that run the CLI on files use it for every test
    (``pytestmark = pytest.mark.usefixtures("cache_dir")``)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(store.ENV, str(folder))
    return folder


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write ``rows`` (lines without header) under the tidy header; return the path."""

    def write(rows: list[str], name: str = "data.csv", header: str = TIDY_HEADER) -> Path:
        path = tmp_path / name
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def generate(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int, int], Path]:
    """``generate(rows, seed)``: a file of ``bench/generate.py`` (monthly trade of many
    reporters and partners, with revisions), the benchmark's data in small."""
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def make(rows: int, seed: int) -> Path:
        path = tmp_path_factory.mktemp("bench") / "trade.csv"
        module.generate(rows, seed, path)
        return path

    return make


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    """The address of a Dask cluster of two worker processes of one thread each (as
    ``--engine dask`` runs in production), shared by the tests of a module: starting one
    costs seconds of CPU, so tests use this one (or ``dask_client``), never a cluster of
    their own. It ends with the module: idle, its heartbeats cost CPU through the rest of
    the run (keep the Dask tests together, in ``test_dask_engine.py``: ``--dist loadfile``
    runs a file on one pytest-xdist worker, so only that worker starts a cluster). The
    workers' sampling profiler and the monitors are quiet (they are diagnostics). Skipped
    without dask."""
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    import logging

    import dask

    quiet = {  # diagnostics only: the sampling profiler off, the event-loop and system
        # monitors (every 20 ms and 500 ms by default) seldom, as the cluster idles
        "distributed.worker.profile.enabled": False,
        "distributed.admin.tick.interval": "1s",
        "distributed.admin.system-monitor.interval": "5s",
    }
    with (
        dask.config.set(quiet),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit="1GiB",
            dashboard_address=":0",  # any free port: 8787 may be taken
            silence_logs=logging.ERROR,
        ) as cluster,
    ):
        yield str(cluster.scheduler_address)


@pytest.fixture(scope="module")
def dask_client(dask_scheduler: str) -> Iterator[Any]:
    """One ``distributed.Client`` on ``dask_scheduler`` for the module (not the default
    client: a command given ``--scheduler`` connects its own)."""
    from distributed import Client

    with Client(dask_scheduler, set_as_default=False) as client:
        yield client
