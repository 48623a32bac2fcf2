"""``--engine dask``: a command's work split over Dask workers, by reporter.

A converted dataset (``readers.parquet``) is partitioned by reporter, and every
answer of ``summary`` needs only one reporter's rows (its groups and world totals
are its own partners). So:

1. the client reads the series keys alone (four columns, one row per series, from
   ``dask.dataframe.read_parquet`` with the same pushdown as the local reader) and
   resolves ``--reporter/--partner/--flow`` against them, as the local path does;
2. one task per reporter the marker lists (and the selection needs) reads that
   reporter's folder as the local reader does (``readers.parquet``) and turns it
   into a ``Dataset`` on a worker, which runs the local computation
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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradecli.errors import BadRequest, SchedulerUnreachable, require

if TYPE_CHECKING:
    import pandas as pd

    from tradecli.analysis.growth import Growth
    from tradecli.analysis.projection import Method, ProjectionResult
    from tradecli.analysis.share import ShareResult
    from tradecli.analysis.summary import Summary
    from tradecli.dataset import Dataset, Filters
    from tradecli.engine.answers import SeriesKey
    from tradecli.groups import Group, Groups
    from tradecli.periods import Period

KEY_COLUMNS = ["reporter", "partner", "flow", "currency"]
DISTRIBUTED = (
    "summary",
    "growth",
    "share",
    "project",
)  # the commands --engine dask runs on the workers
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
        try:
            connected = Client(_address(scheduler), set_as_default=False)
        except OSError as exc:  # distributed's "Timed out trying to connect ..."
            raise SchedulerUnreachable(
                f"no Dask scheduler answered at {scheduler} ({exc}); start one there "
                "(dask scheduler) or leave out --scheduler to work on this machine's cores"
            ) from None
        with connected:
            yield connected
        return
    workers = int(os.environ.get("TRADECLI_DASK_WORKERS", "") or os.cpu_count() or 1)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=worker_memory(workers),
            dashboard_address=":0",  # any free port: 8787 may be taken
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, set_as_default=False) as connected,
    ):
        yield connected


def _address(scheduler: str) -> str:
    """``scheduler``, a usage error when it is no address a Dask client can connect to
    (``foo::bar``, ``xyz://host``): checked before the client is made, which would fail
    only after its connect timeout and then print its own finaliser's traceback."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(scheduler)
        get_backend(scheme)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location, default_port=8786)
    except ValueError as exc:
        raise BadRequest(
            f"{scheduler!r} is not a Dask scheduler's address ({exc}); e.g. tcp://host:8786",
            hint="--scheduler",
        ) from None
    return scheduler


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
    where: str | Path,
    reporters: frozenset[str] | None,
    groups: Groups,
    connected: Any,
    as_of: int | None = None,
) -> Dataset:
    """A ``Dataset`` of one row per series (the keys alone): what the client needs to
    resolve a selection the way the local path does. ``as_of``: only series with a span
    ending by that month (``Filters.as_of``), as the local path keeps them."""
    from tradecli.dataset import Dataset

    # A series is in one partition (one reporter's file): each partition's keys are made
    # unique on its own, with no shuffle between them.
    if as_of is None:
        rows = _read(where, reporters, KEY_COLUMNS)
    else:
        rows = _read(where, reporters, [*KEY_COLUMNS, "last"])
        rows = rows[rows["last"] <= as_of][KEY_COLUMNS]
    unique = rows.map_partitions(_unique, meta=rows._meta)
    keys = connected.compute(unique).result()
    return Dataset(frame_of(keys), groups, [])


def _unique(part: pd.DataFrame) -> pd.DataFrame:
    return part.drop_duplicates()


class Keys:
    """The selected keys by reporter, in one object that Dask passes as it is (a list of
    tuples would be walked as a nest of possible tasks, in every task)."""

    def __init__(self, keys: Sequence[SeriesKey]) -> None:
        self.by_reporter: dict[str, list[SeriesKey]] = {}
        for key in keys:
            self.by_reporter.setdefault(key.reporter, []).append(key)

    def of(self, reporters: set[str]) -> list[SeriesKey]:
        return sorted(k for r in reporters for k in self.by_reporter.get(r, []))


Work = Callable[["Dataset", "list[SeriesKey]"], Any]


def _reporter_task(
    where: str | Path,
    code: str,
    groups: Groups,
    filters: Filters,
    keys: Keys,
    work: Work,
    derivations: bool,
) -> bytes:
    """One task: reporter ``code``'s rows read as the local reader reads them (its folder's
    files, text as Arrow dictionaries made categoricals, no Python string per row; with
    Dask's ``read_parquet``, which gave every text cell as a Python string, the one worker
    of the first 100M-row run grew to 1.76 GB and stayed paused), then ``_answer``."""
    from tradecli.readers import parquet

    at, filesystem = parquet.locate(where)
    table = parquet.read_table(at, parquet.Pushdown(reporters=frozenset({code})), filesystem)
    return _answer(parquet.to_frame(table), groups, filters, keys, work, derivations)


def _answer(
    frame: pd.DataFrame, groups: Groups, filters: Filters, keys: Keys, work: Work, derivations: bool
) -> bytes:
    """``work`` on one reporter's rows and its selected keys, cloudpickled (read and
    worked in one task, so a worker holds one partition at a time). The result is None
    when the partition has no selected key, and a ``Part`` carrying the rows the filters
    left out."""
    from tradecli.analysis.summary_bulk import forget_columns
    from tradecli.dataset import Dataset, apply_filters

    frame, left_out = apply_filters(frame, filters)
    wanted = keys.of(set(str(r) for r in frame["reporter"].unique())) if len(frame) else []
    dataset = Dataset(frame, groups, [], filters, [], left_out)
    result = work(dataset, wanted) if wanted else None
    pickled = dumps(Part(result, left_out), derivations)
    forget_columns(dataset)  # the worker holds one partition at a time
    return pickled


def _reporters(
    where: str | Path, reporters: frozenset[str] | None, shown: str | None = None
) -> list[str]:
    """The partitions to answer: the dataset's reporters (its marker lists them), those of
    ``reporters`` only when given; ``shown``: the dataset as the message names it (None:
    ``where``)."""
    from tradecli.readers import parquet

    at, filesystem = parquet.locate(where)
    marker = parquet.read_marker(at, filesystem)
    listed = marker.get("reporters") if marker is not None else None
    if not isinstance(listed, list):
        raise BadRequest(
            f"--engine dask reads a dataset written by tradecli convert; {shown or where} has no "
            f"{parquet.MARKER} listing its reporters: convert the data first",
            hint="--engine",
        )
    return sorted(str(r) for r in listed if reporters is None or r in reporters)


def dumps(result: Any, derivations: bool = True) -> bytes:
    """``result`` pickled without the engine it was computed with.

    Answers carry their derivation as closures over the engine (``BulkAnswer.made``, a
    ``Deferred`` sequence of parts, a ``Reconciled`` whose observations are built from
    the frame's columns on first look), which plain pickle refuses and cloudpickle
    would send whole: every partition's rows, with every result (107 MB for the 1M-row
    summary). Here each is worked out on the worker and pickled as what it stands for:
    the reference engine's answer, the tuple, the observations. Without ``derivations``
    (a table without --explain shows none), a ``BulkAnswer`` travels without them: its
    value, rule, flags and the number of its parts, which is what such a table shows (one
    whose flags are the reference's to say travels with its derivation)."""
    import io

    import cloudpickle

    from tradecli.analysis.summary_bulk import Lazy
    from tradecli.engine.answers import Deferred
    from tradecli.engine.bulk import BulkAnswer
    from tradecli.reconcile import Reconciled

    class Pickler(cloudpickle.Pickler):  # type: ignore[misc]
        def reducer_override(self, obj: Any) -> Any:
            if isinstance(obj, Lazy):  # its items made now, its other fields as they are
                slots = {n for c in type(obj).__mro__ for n in getattr(c, "__slots__", ())}
                kept = {n: getattr(obj, n) for n in slots - {"_items", "_make"}}
                return (_lazy, (type(obj), list(obj), kept))
            if isinstance(obj, BulkAnswer):
                if not derivations and obj.flag_words is not None:
                    fields = {k: v for k, v in vars(obj).items() if k not in ("parts", "made")}
                    return (_underived, (fields, len(obj.parts)))
                return (_same, (obj.reference(),))
            if isinstance(obj, Deferred):
                return (_deferred, (tuple(obj),))
            if isinstance(obj, Reconciled):
                observed = (obj.chosen, obj.agreeing, obj.superseded)
                state = (obj.period, obj.value, obj.qualifier, obj.reason, obj.conflict)
                return (_reconciled, (*state, observed))
            return super().reducer_override(obj)

    out = io.BytesIO()
    Pickler(out).dump(result)
    return out.getvalue()


def _same(answer: Any) -> Any:
    return answer


def _lazy(kind: Any, items: list[Any], kept: dict[str, Any]) -> Any:
    """A ``summary_bulk.Lazy`` (or its subclass) with every item made."""
    lazy = kind.__new__(kind)
    lazy._items, lazy._make = items, _no_derivation
    for name, value in kept.items():
        setattr(lazy, name, value)
    return lazy


def _underived(fields: dict[str, Any], parts: int) -> Any:
    """A ``BulkAnswer`` without its derivation (``dumps(derivations=False)``)."""
    from tradecli.engine.answers import Deferred
    from tradecli.engine.bulk import BulkAnswer

    answer = BulkAnswer.__new__(BulkAnswer)
    answer.__dict__.update(fields)
    answer.__dict__["parts"] = Deferred(_no_derivation, parts) if parts else ()
    answer.__dict__["made"] = _no_derivation
    return answer


def _no_derivation() -> Any:
    raise AssertionError("an answer computed on Dask without its derivation was asked for it")


def _deferred(items: tuple[Any, ...]) -> Any:
    from tradecli.engine.answers import Deferred

    return Deferred(lambda: items, len(items))


def _reconciled(
    period: Any, value: float, qualifier: str, reason: str, conflict: bool, observed: Any
) -> Any:
    from tradecli.reconcile import Reconciled

    chosen, agreeing, superseded = observed
    rec = Reconciled(period, chosen, agreeing, superseded, reason)
    rec.value, rec.qualifier, rec.conflict = value, qualifier, conflict
    return rec


@dataclass(frozen=True)
class Job:
    """Where a command's work runs: the converted dataset (``where``), its groups and
    filters, the ``distributed`` client, a progress callback, whether the answers come
    back with their derivations (``dumps``), and how messages name the dataset when
    ``where`` is a link to it (``shown``: see ``file_names.plain_path``)."""

    where: str | Path
    groups: Groups
    filters: Filters
    connected: Any
    progress: Callable[[int, int], None] | None = None
    derivations: bool = True
    shown: str | None = None


class Part:
    """What one partition gave: ``work``'s result (None: no selected key there) and the
    observations the filters left out of it, by reason."""

    def __init__(self, result: Any, left_out: dict[str, int]) -> None:
        self.result = result
        self.left_out = left_out


def _run(
    job: Job, reporters: frozenset[str] | None, keys: list[SeriesKey], work: Work
) -> list[Part]:
    """``work`` on every partition of ``reporters`` (None: all), each on a worker."""
    import pickle

    from distributed import as_completed

    client = job.connected
    # one copy of what every task shares on the workers, not one per task (the keys of
    # 100M rows are 80,000 series)
    shared = client.scatter([job.groups, job.filters, Keys(keys)], broadcast=False)
    futures = [
        client.submit(_reporter_task, job.where, code, *shared, work, job.derivations, pure=False)
        for code in _reporters(job.where, reporters, job.shown)
    ]
    for done, _ in enumerate(as_completed(futures, loop=client.loop), 1):
        if job.progress is not None:
            job.progress(done, len(futures))
    return [pickle.loads(blob) for blob in client.gather(futures)]


CONFIG = {
    "dataframe.convert-string": False,  # the keys' text is typed by finish (frame_of)
    # Never fuse small files into one partition: a partition is one reporter's rows.
    "dataframe.parquet.minimum-partition-size": 1,
}


def selected(
    job: Job,
    reporters: frozenset[str] | None,
    reporter: str | None,
    partner: str | None,
    flow: str | None,
) -> tuple[list[SeriesKey], Dataset]:
    """The keys ``--reporter/--partner/--flow`` select, resolved by the local path's
    ``Selection`` against the keys of ``reporters``' partitions (None: all), and those keys
    as a ``Dataset`` (for the messages and facts that need every key)."""
    import dask

    from tradecli.selection import Selection

    with dask.config.set(CONFIG):
        keys_only = skeleton(job.where, reporters, job.groups, job.connected, job.filters.as_of)
    return Selection.parse(keys_only, reporter, partner, flow).keys(keys_only), keys_only


def _in_order(
    items: list[Any], keys: list[SeriesKey], key: Callable[[Any], SeriesKey]
) -> list[Any]:
    position = {k: n for n, k in enumerate(keys)}
    return sorted(items, key=lambda item: position[key(item)])


# -- summary --------------------------------------------------------------------------


def _summary_work(dataset: Dataset, keys: list[SeriesKey]) -> Summary:
    from tradecli.analysis.summary import summarize

    return summarize(dataset, keys)


def summary(job: Job, reporter: str | None, partner: str | None, flow: str | None) -> Summary:
    """``summarize`` of the selection, each reporter's part on a worker."""
    from tradecli.readers.context import reporter_codes

    reporters = reporter_codes(reporter)  # as the local path loads: --reporter's rows only
    keys, keys_only = selected(job, reporters, reporter, partner, flow)
    parts = _run(job, reporters, keys, _summary_work)
    return combine([p.result for p in parts if p.result is not None], keys, keys_only)


def combine(parts: Sequence[Summary], keys: list[SeriesKey], keys_only: Dataset) -> Summary:
    """The per-reporter summaries as one, in the local path's order: rows in key order,
    then largest first (a stable sort, as ``summarize`` does); the data's only flow
    as ``summarize`` works it out, from every key."""
    from tradecli.analysis.growth import usd_first
    from tradecli.analysis.summary import Summary, lone_flow

    rows = _in_order([r for p in parts for r in p.rows], keys, lambda r: r.key)
    rows.sort(key=lambda r: usd_first(r.key, r.size))
    unanswered = _in_order([k for p in parts for k in p.unanswered], keys, lambda k: k)
    return Summary(rows, unanswered, lone_flow(keys, keys_only.engine.keys()))


# -- growth ---------------------------------------------------------------------------


class GrowthPart:
    """One partition's growth: the series answered, the reasons of the rest, and (when
    it answered none) the latest spans of each key, for the message of a run that
    answers none anywhere."""

    def __init__(self, growth: Growth, spans: dict[SeriesKey, str]) -> None:
        self.growth = growth
        self.spans = spans


def _growth_work(
    dataset: Dataset,
    keys: list[SeriesKey],
    period: Period | None,
    first: int | None,
    last: int | None,
) -> GrowthPart:
    from tradecli.analysis.growth import Growth, growth, series_growth, spans_of
    from tradecli.errors import NotAvailable

    try:
        return GrowthPart(growth(dataset, keys, period, first, last), {})
    except NotAvailable:  # none answered here: each key's reason, and its latest spans
        engine = dataset.engine
        reasons = [(k, series_growth(engine, k, period, first, last)) for k in keys]
        unanswered = [(k, r) for k, r in reasons if isinstance(r, str)]
        spans = {k: ", ".join(p.label() for p in spans_of(engine, k)[-5:]) or "none" for k in keys}
        return GrowthPart(Growth(period, [], unanswered), spans)


def growth(
    job: Job,
    reporter: str | None,
    partner: str | None,
    flow: str | None,
    period: Period | None,
    first: int | None,
    last: int | None,
) -> Growth:
    """``analysis.growth.growth`` of the selection, each reporter's part on a worker; the
    same result, order and message when no series has the span."""
    from functools import partial

    from tradecli.analysis.growth import Growth, series_name, usd_first
    from tradecli.errors import NotAvailable

    keys, _ = selected(job, None, reporter, partner, flow)
    work = partial(_growth_work, period=period, first=first, last=last)
    parts = [p.result for p in _run(job, frozenset(k.reporter for k in keys), keys, work)]
    found: list[GrowthPart] = [p for p in parts if p is not None]
    answered = _in_order([s for p in found for s in p.growth.series], keys, lambda s: s.key)
    if not answered:
        spans = {k: text for p in found for k, text in p.spans.items()}
        latest = [f"{series_name(k)}: {spans.get(k, 'none')}" for k in keys[:8]]
        more = " …" if len(keys) > 8 else ""
        what = period.label() if period else "any span"
        raise NotAvailable(
            f"no series has a figure for {what}; latest spans: {'; '.join(latest)}{more}"
        )
    answered.sort(key=lambda s: usd_first(s.key, s.span.current.value))
    unanswered = _in_order([u for p in found for u in p.growth.unanswered], keys, lambda u: u[0])
    return Growth(period, answered, unanswered)


# -- project --------------------------------------------------------------------------


def _project_work(
    dataset: Dataset, keys: list[SeriesKey], year: int, method: Method
) -> ProjectionResult:
    from tradecli.analysis.projection import ProjectionResult, project, project_series
    from tradecli.errors import NotAvailable

    try:
        return project(dataset, keys, year, method)
    except NotAvailable:  # none found here: each key's reason
        engine = dataset.engine
        reasons = [(k, project_series(engine, k, year, method)) for k in keys]
        unanswered = [(k, r) for k, r in reasons if isinstance(r, str)]
        return ProjectionResult(year, method, [], unanswered)


def project(
    job: Job,
    reporter: str | None,
    partner: str | None,
    flow: str | None,
    year: int,
    method: Method,
) -> ProjectionResult:
    """``analysis.projection.project`` of the selection (without --backtest), each
    reporter's part on a worker; the observations the filters (``--as-of``) left out are
    counted over every partition, as the local path counts them over the whole data."""
    from functools import partial

    from tradecli.analysis.growth import usd_first
    from tradecli.analysis.projection import ProjectionResult
    from tradecli.errors import NotAvailable
    from tradecli.periods import check_year

    check_year(year)
    keys, _ = selected(job, None, reporter, partner, flow)
    work = partial(_project_work, year=year, method=method)
    filters = job.filters
    counted = filters.as_of is not None or filters.vintage is not None
    reporters = None if counted else frozenset(k.reporter for k in keys)
    parts = _run(job, reporters, keys, work)
    found: list[ProjectionResult] = [p.result for p in parts if p.result is not None]
    series = _in_order([s for p in found for s in p.series], keys, lambda s: s.key)
    unanswered = _in_order([u for p in found for u in p.unanswered], keys, lambda u: u[0])
    if not series:
        reasons = "; ".join(f"{k.reporter}–{k.partner}: {r}" for k, r in unanswered[:6])
        raise NotAvailable(f"nothing to project {year} from: {reasons}")
    series.sort(key=lambda s: usd_first(s.key, s.size))
    left_out: dict[str, int] = {}
    for part in parts:
        for why, count in part.left_out.items():
            left_out[why] = left_out.get(why, 0) + count
    return ProjectionResult(
        year, method, series, unanswered, filters.as_of, filters.vintage, left_out, None
    )


# -- share ----------------------------------------------------------------------------


def _share_work(
    dataset: Dataset, keys: list[SeriesKey], group: Group, period: Period | None
) -> ShareResult:
    from tradecli.analysis.share import ShareResult, Unanswered, share_of, shares
    from tradecli.errors import NotAvailable

    try:
        return shares(dataset, keys, group, period)
    except NotAvailable:  # none found here: each key's reason
        engine = dataset.engine
        found = [share_of(engine, k, group, period) for k in keys]
        return ShareResult(group, period, [], [u for u in found if isinstance(u, Unanswered)])


def share(
    job: Job,
    vs: str,
    reporter: str | None,
    partner: str | None,
    flow: str | None,
    period: Period | None,
) -> ShareResult:
    """``analysis.share.group_shares`` (not ranking every member), each reporter's part on
    a worker: its shares need only its own partners' figures and totals."""
    from functools import partial

    import dask

    from tradecli.analysis.growth import usd_first
    from tradecli.analysis.share import ShareResult, nothing_message, share_keys
    from tradecli.errors import NotAvailable
    from tradecli.selection import Selection

    with dask.config.set(CONFIG):
        keys_only = skeleton(job.where, None, job.groups, job.connected)
    group = job.groups.get(vs)
    keys = share_keys(keys_only, group, Selection.parse(keys_only, reporter, partner, flow))
    work = partial(_share_work, group=group, period=period)
    parts = _run(job, frozenset(k.reporter for k in keys), keys, work)
    found: list[ShareResult] = [p.result for p in parts if p.result is not None]
    shares = _in_order([s for p in found for s in p.shares], keys, lambda s: s.key)
    unanswered = _in_order([u for p in found for u in p.unanswered], keys, lambda u: u.key)
    if not shares:
        reasons = list(dict.fromkeys(u.reason for u in unanswered))
        raise NotAvailable(nothing_message(group, period, reasons))
    shares.sort(key=lambda s: usd_first(s.key, s.value))
    return ShareResult(group, period, shares, unanswered)
