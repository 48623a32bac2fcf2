"""``--engine dask``: a command's work split over Dask workers, by reporter.

A converted dataset (``readers.parquet``) is partitioned by reporter, and every
answer of ``summary`` needs only one reporter's rows (its groups and world totals
are its own partners). So:

1. the client reads the series keys alone (four columns, one row per series, from
   ``dask.dataframe.read_parquet`` with the same pushdown as the local reader) and
   resolves ``--reporter/--partner/--flow`` against them, as the local path does;
2. each partition (one reporter's file, never split: ``split_row_groups=False``)
   is turned into a ``Dataset`` on a worker, which runs the local computation
   (``analysis.summary.summarize``) for that reporter's keys;
3. the client gathers the per-reporter results (small: rows of answers) and
   orders them exactly as the local path does.

No process ever holds more than one reporter's rows, except the client, which
holds the keys. Without ``--scheduler`` a ``LocalCluster`` is started: one
worker process per core, one thread each, a memory limit per worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradecli.errors import BadRequest, require

if TYPE_CHECKING:
    import pandas as pd

    from tradecli.analysis.summary import Summary
    from tradecli.dataset import Dataset, Filters
    from tradecli.engine.answers import SeriesKey
    from tradecli.groups import Groups

KEY_COLUMNS = ["reporter", "partner", "flow", "currency"]
RESULT = "result"  # the column of the per-partition results (cloudpickled)
DISTRIBUTED = ("summary",)  # the commands --engine dask runs on the workers
EXTRA = "dask"


def check_installed() -> None:
    """A one-line error naming ``pip install 'tradecli[dask]'`` when dask is missing."""
    require("dask", EXTRA, "--engine dask")
    require("dask.dataframe", EXTRA, "--engine dask")
    require("distributed", EXTRA, "--engine dask")


def worker_memory(workers: int) -> int:
    """Bytes per worker: ``TRADECLI_DASK_MEMORY`` (bytes) or the machine's memory over
    the workers, less a quarter kept for the client and the system."""
    given = os.environ.get("TRADECLI_DASK_MEMORY", "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(total * 0.75) // max(workers, 1)


@contextmanager
def client(scheduler: str | None) -> Iterator[Any]:
    """A ``distributed.Client``: of the scheduler at ``scheduler``, else of a
    ``LocalCluster`` sized to the machine, closed on the way out."""
    check_installed()
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, set_as_default=False) as connected:
            yield connected
        return
    workers = int(os.environ.get("TRADECLI_DASK_WORKERS", "") or os.cpu_count() or 1)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=worker_memory(workers),
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, set_as_default=False) as connected,
    ):
        yield connected


def parquet_input(paths: Sequence[Path | str]) -> str | Path:
    """The one converted dataset ``--engine dask`` reads; anything else is a usage error."""
    from tradecli.readers import parquet

    if len(paths) == 1:
        only = paths[0]
        if (isinstance(only, str) and parquet.is_url(only)) or parquet.is_dataset(Path(only)):
            return only
    raise BadRequest(
        "--engine dask reads one dataset written by tradecli convert; "
        "convert the data first: tradecli --data FILE convert --out DIR",
        hint="--engine",
    )


def _filters(reporters: frozenset[str] | None) -> list[tuple[str, str, list[str]]] | None:
    return [("reporter", "in", sorted(reporters))] if reporters is not None else None


def _read(where: str | Path, reporters: frozenset[str] | None, columns: list[str] | None) -> Any:
    import dask.dataframe as dd

    return dd.read_parquet(
        str(where),
        columns=columns,
        filters=_filters(reporters),
        split_row_groups=False,  # one partition per file: one reporter's rows
        dataset={"partitioning": "hive"},
    )


def frame_of(part: pd.DataFrame) -> pd.DataFrame:
    """A partition as the local reader gives it: in the converted order, typed."""
    from tradecli.observations import empty, finish
    from tradecli.readers.parquet import ORDER

    if not len(part):
        return empty()
    part = part.reset_index(drop=True)
    part["reporter"] = part["reporter"].astype("str")
    if ORDER in part.columns:
        part = part.sort_values(ORDER, kind="stable").drop(columns=[ORDER])
    return finish(part)


def skeleton(
    where: str | Path, reporters: frozenset[str] | None, groups: Groups, connected: Any
) -> Dataset:
    """A ``Dataset`` of one row per series (the keys alone): what the client needs to
    resolve a selection the way the local path does."""
    from tradecli.dataset import Dataset

    unique = _read(where, reporters, KEY_COLUMNS).drop_duplicates()
    keys = connected.compute(unique).result()
    return Dataset(frame_of(keys), groups, [])


class Keys:
    """The selected keys by reporter, in one object that Dask passes as it is (a list of
    tuples would be walked as a nest of possible tasks, in every task)."""

    def __init__(self, keys: Sequence[SeriesKey]) -> None:
        self.by_reporter: dict[str, list[SeriesKey]] = {}
        for key in keys:
            self.by_reporter.setdefault(key.reporter, []).append(key)

    def of(self, reporters: set[str]) -> list[SeriesKey]:
        return sorted(k for r in reporters for k in self.by_reporter.get(r, []))


def _summary_partition(
    part: pd.DataFrame, groups: Groups, filters: Filters, keys: Keys
) -> pd.DataFrame:
    """``map_partitions``' function: one reporter's summary, pickled into a one-row frame
    (read and summarised in one task, so a worker holds one partition at a time)."""
    import cloudpickle  # answers carry their derivation as closures, which pickle refuses
    import pandas as pd

    summary = _summary_part(part, groups, filters, keys)
    return pd.DataFrame({RESULT: [cloudpickle.dumps(summary)]})


def _summary_part(part: pd.DataFrame, groups: Groups, filters: Filters, keys: Keys) -> Summary:
    """On a worker: the local ``summarize`` over one reporter's rows."""
    from tradecli.analysis.summary import Summary, summarize
    from tradecli.dataset import Dataset, apply_filters

    frame, left_out = apply_filters(frame_of(part), filters)
    if not len(frame):
        return Summary([])
    mine = set(str(r) for r in frame["reporter"].unique())
    wanted = keys.of(mine)
    if not wanted:
        return Summary([])
    return summarize(Dataset(frame, groups, [], filters, [], left_out), wanted)


def summary(
    where: str | Path,
    groups: Groups,
    filters: Filters,
    reporter: str | None,
    partner: str | None,
    flow: str | None,
    connected: Any,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """``summarize`` of the selection, each reporter's part on a worker."""
    import pickle

    import dask
    import pandas as pd
    from distributed import as_completed

    from tradecli.readers.context import reporter_codes
    from tradecli.selection import Selection

    reporters = reporter_codes(reporter)
    config = {
        "dataframe.convert-string": False,  # results are bytes; text is typed by finish
        # Never fuse small files into one partition: a partition is one reporter's rows.
        "dataframe.parquet.minimum-partition-size": 1,
    }
    with dask.config.set(config):
        keys_only = skeleton(where, reporters, groups, connected)
        keys = Selection.parse(keys_only, reporter, partner, flow).keys(keys_only)
        meta = pd.DataFrame({RESULT: pd.Series([], dtype=object)})
        mapped = _read(where, reporters, None).map_partitions(
            _summary_partition, groups, filters, Keys(keys), meta=meta, align_dataframes=False
        )
        parts = mapped.to_delayed()  # one task per partition: its read and its summary
        futures = connected.compute(parts)
    for done, _ in enumerate(as_completed(futures, loop=connected.loop), 1):
        if progress is not None:
            progress(done, len(futures))
    frames: list[pd.DataFrame] = connected.gather(futures)
    results = [pickle.loads(blob) for frame in frames for blob in frame[RESULT]]
    return combine(results, keys, keys_only)


def combine(parts: Sequence[Summary], keys: list[SeriesKey], keys_only: Dataset) -> Summary:
    """The per-reporter summaries as one, in the local path's order: rows in key order,
    then largest first (a stable sort, as ``summarize`` does); the data's only flow
    as ``summarize`` works it out, from every key."""
    from tradecli.analysis.growth import usd_first
    from tradecli.analysis.summary import Summary, lone_flow

    position = {key: n for n, key in enumerate(keys)}
    rows = sorted((r for p in parts for r in p.rows), key=lambda r: position[r.key])
    rows.sort(key=lambda r: usd_first(r.key, r.size))
    unanswered = sorted((k for p in parts for k in p.unanswered), key=position.__getitem__)
    return Summary(rows, unanswered, lone_flow(keys, keys_only.engine.keys()))
