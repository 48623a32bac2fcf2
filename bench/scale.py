"""Parquet and Dask cases (issue 13): bytes read with and without ``--reporter``, local
on Parquet against local on the CSV, and ``--engine dask`` with 1 and 2 workers.

    python bench/generate.py --rows 10000000 --out bench/out/trade-10m.csv \\
        --parquet bench/out/trade-10m.parquet
    python bench/scale.py --csv bench/out/trade-10m.csv \\
        --parquet bench/out/trade-10m.parquet --reporter TUR --runs 3

Bytes read are the kernel's count for the reading process (``rchar`` of
``/proc/self/io``: every byte ``read()`` returned, page cache or not), taken around
the read alone. Times are whole processes (``tradecli ... --no-cache``), wall time
and peak RSS by ``os.wait4``, medians of ``--runs``. The Dask cases run the library
in this process against a ``LocalCluster`` (one thread per worker, a memory limit
per worker) and ask each worker for its own peak RSS afterwards.

``--big DIR`` runs the 100M-row cases on a dataset ``bench/generate.py --dataset``
wrote, each case in a process of its own (so each peak is its own), one after the
other, with the load average before and after each:

    python bench/generate.py --rows 100000000 --reporters 200 --out trade-100m.csv \\
        --dataset bench/out/trade-100m.parquet
    python bench/scale.py --big bench/out/trade-100m.parquet --cases duckdb,local,dask1,dask2

- ``dask1``, ``dask2``: ``summary --engine dask`` (as a table shows it) on a
  LocalCluster of 1 or 2 workers with ``--memory`` each (2 GB): wall, CPU of workers
  and client, each worker's peak RSS and their sum, the client's peak, and whether the
  nanny had to restart a worker (a worker over its limit is killed and replaced).
- ``duckdb``: ``read_parquet`` of the same files (reporter from the folder names) and
  ``GROUP BY reporter, partner, flow, year``: the plain sum of every row, and the sum
  of each month's latest release (what reconciling revisions means), in a process
  of its own with 2 threads and the same memory limit as one Dask worker.
- ``local``: ``tradecli --data DIR summary`` (``--engine local``) under an address-space
  limit (``--local-limit`` GB, ``RLIMIT_AS``), so that it fails (and says so) instead of
  taking the machine's memory; its exit code, time to fail and last stderr line.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

READ = """
import sys
from pathlib import Path
from tradecli.readers import parquet
from tradecli.readers.context import ReadContext

def rchar():
    text = Path("/proc/self/io").read_text()
    return int(next(l.split()[1] for l in text.splitlines() if l.startswith("rchar")))

reporters = frozenset(sys.argv[2].split(",")) if sys.argv[2] else None
parquet.plan(sys.argv[1], parquet.Pushdown())  # imports and first touch out of the count
before = rchar()
frame = parquet.read(Path(sys.argv[1]), ReadContext(frozenset(), reporters=reporters))
print(rchar() - before, len(frame))
"""


def bytes_read(dataset: Path, reporter: str) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, "-c", READ, str(dataset), reporter],
        capture_output=True,
        text=True,
        check=True,
    )
    n, rows = done.stdout.split()
    return int(n), int(rows)


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system) of one process."""
    started = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        process = subprocess.Popen(args, stdout=devnull, stderr=devnull, env=env)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def dask_case(dataset: Path, workers: int, memory: int) -> dict[str, Any]:
    """The library's ``--engine dask`` whole summary on a LocalCluster of ``workers``:
    wall and CPU (workers and client), every worker's own peak, the client's, and the
    workers that were replaced."""
    import logging
    import resource

    from distributed import Client, LocalCluster

    from tradecli import dask_engine
    from tradecli.dataset import Filters
    from tradecli.groups import load as load_groups

    def peak() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory,
            dashboard_address=":0",  # any free port: 8787 may be taken
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        before_workers = set(client.scheduler_info()["workers"])
        before = sum(client.run(cpu).values()) + cpu()
        started = time.perf_counter()
        job = dask_engine.Job(dataset, load_groups(), Filters(), client, derivations=False)
        result = dask_engine.summary(job, None, None, None)
        wall = time.perf_counter() - started
        after_workers = set(client.scheduler_info()["workers"])
        peaks = client.run(peak)
        spent = sum(client.run(cpu).values()) + cpu() - before
    return {
        "wall": wall,
        "cpu": spent,
        "rows": len(result.rows),
        "worker_peaks": sorted(peaks.values()),
        "client_peak": peak(),
        "replaced": len(before_workers - after_workers),
    }


DUCKDB = """
import sys, time, duckdb
where, memory = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads = 2")
con.execute("SET enable_progress_bar = false")
con.execute(f"SET memory_limit = '{memory}'")
rows = f"read_parquet('{where}/*/*.parquet', hive_partitioning = true)"
queries = {
    "sum of every row": f\"\"\"
        SELECT reporter, partner, flow, "first" // 12 AS year, sum(value) AS value
        FROM {rows} GROUP BY ALL\"\"\",
    "sum of each month's latest release": f\"\"\"
        WITH latest AS (
            SELECT reporter, partner, flow, "first", "last",
                   arg_max(value, published) AS value
            FROM {rows} GROUP BY ALL)
        SELECT reporter, partner, flow, "first" // 12 AS year, sum(value) AS value
        FROM latest GROUP BY ALL\"\"\",
}
total = con.execute(f"SELECT count(*) FROM {rows}").fetchone()[0]
print(f"duckdb: {total:,} rows in the dataset", flush=True)
for name, query in queries.items():
    started, cpu = time.perf_counter(), time.process_time()
    found = con.execute(query).fetchall()
    print(
        f"duckdb {name}: {time.perf_counter() - started:.1f} s, "
        f"CPU {time.process_time() - cpu:.1f} s, {len(found):,} groups",
        flush=True,
    )
"""


def _cap(limit: int) -> None:
    """In the child, before ``exec``: an address-space limit."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def big(dataset: Path, cases: list[str], memory: int, local_limit: float) -> None:
    """The 100M-row cases, each in a process of its own (see the module docstring)."""

    def load() -> str:
        return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())

    def say(text: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {text}", flush=True)

    for case in cases:
        say(f"{case}: start, {load()}")
        if case == "duckdb":
            started = time.perf_counter()
            with subprocess.Popen(
                [sys.executable, "-c", DUCKDB, str(dataset), f"{memory >> 20}MB"],
                stdout=subprocess.PIPE,
                text=True,
            ) as process:
                assert process.stdout is not None
                for line in process.stdout:
                    say(line.rstrip())
                _, status, usage = os.wait4(process.pid, 0)
                process.returncode = os.waitstatus_to_exitcode(status)
            say(
                f"duckdb process: {time.perf_counter() - started:.1f} s, "
                f"CPU {usage.ru_utime + usage.ru_stime:.1f} s, "
                f"peak {usage.ru_maxrss / 1024:,.0f} MB, exit {process.returncode}"
            )
        elif case == "local":
            limit = int(local_limit * (1 << 30))
            command = [sys.executable, "-m", "tradecli", "--no-cache", "--data", str(dataset)]
            started = time.perf_counter()
            with subprocess.Popen(
                [*command, "summary"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=functools.partial(_cap, limit),
            ) as process:
                assert process.stderr is not None
                stderr = process.stderr.read()
                _, status, usage = os.wait4(process.pid, 0)
                process.returncode = os.waitstatus_to_exitcode(status)
            last = stderr.strip().splitlines()[-1] if stderr.strip() else "(nothing)"
            say(
                f"local summary under a {local_limit:g} GB address-space limit: exit "
                f"{process.returncode} after {time.perf_counter() - started:.1f} s, "
                f"CPU {usage.ru_utime + usage.ru_stime:.1f} s, "
                f"peak {usage.ru_maxrss / 1024:,.0f} MB; stderr's last line: {last}"
            )
        elif case.startswith("dask"):
            workers = int(case.removeprefix("dask"))
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--big",
                    str(dataset),
                    "--dask-in-process",
                    str(workers),
                    "--memory",
                    str(memory),
                ],
                capture_output=True,
                text=True,
            )
            for line in done.stdout.splitlines():
                say(line)
            if done.returncode != 0:
                say(f"{case}: failed, exit {done.returncode}: {done.stderr.strip()[-2000:]}")
        else:
            raise SystemExit(f"unknown case {case}")
        say(f"{case}: end, {load()}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=Path, metavar="DIR", help="the 100M-row cases (above)")
    parser.add_argument("--cases", default="duckdb,local,dask1,dask2", help="with --big")
    parser.add_argument("--local-limit", type=float, default=12.0, help="GB, with --big")
    parser.add_argument("--dask-in-process", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--parquet", type=Path)
    parser.add_argument("--reporter", default="TUR")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory", type=int, default=2 << 30, help="bytes per Dask worker")
    parser.add_argument(
        "--skip", default="", help="comma-separated: bytes,local,whole (local whole-file),dask"
    )
    args = parser.parse_args(argv)
    if args.big is not None and args.dask_in_process is not None:
        found = dask_case(args.big, args.dask_in_process, args.memory)
        peaks = ", ".join(f"{p:,.0f}" for p in found["worker_peaks"])
        print(
            f"dask {args.dask_in_process} worker(s), {args.memory / (1 << 30):g} GB limit each, "
            f"whole summary: {found['wall']:.1f} s, CPU {found['cpu']:.1f} s (workers and "
            f"client), {found['rows']:,} rows; worker peaks {peaks} MB (sum "
            f"{sum(found['worker_peaks']):,.0f} MB), client peak {found['client_peak']:,.0f} MB, "
            f"workers replaced: {found['replaced']}"
        )
        return
    if args.big is not None:
        big(args.big, args.cases.split(","), args.memory, args.local_limit)
        return
    if args.csv is None or args.parquet is None:
        parser.error("--csv and --parquet are needed (or --big DIR)")
    skip = set(args.skip.split(","))
    env = {**os.environ, "TRADECLI_CACHE_DIR": tempfile.mkdtemp(prefix="tradecli-bench-")}
    tool = [sys.executable, "-m", "tradecli", "--no-cache"]

    if "bytes" not in skip:
        whole, rows_all = bytes_read(args.parquet, "")
        part, rows_one = bytes_read(args.parquet, args.reporter)
        csv_size = args.csv.stat().st_size
        print(f"bytes read, whole dataset: {whole:,} ({rows_all:,} rows)")
        print(f"bytes read, --reporter {args.reporter}: {part:,} ({rows_one:,} rows)")
        print(f"ratio: {part / whole:.3f}; the CSV is {csv_size:,} bytes, read whole")

    if "local" not in skip:
        cases = {
            "csv --reporter": [*tool, "--data", str(args.csv), "summary", "-r", args.reporter],
            "parquet --reporter": [
                *tool,
                "--data",
                str(args.parquet),
                "summary",
                "-r",
                args.reporter,
            ],
        }
        if "whole" not in skip:
            cases["csv whole"] = [*tool, "--data", str(args.csv), "summary"]
            cases["parquet whole"] = [*tool, "--data", str(args.parquet), "summary"]
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, command in cases.items():  # interleaved: the same load for each
                results[name].append(timed(command, env))
        for name, runs in results.items():
            wall = statistics.median(w for w, _, _ in runs)
            peak = statistics.median(p for _, p, _ in runs)
            cpu = statistics.median(c for _, _, c in runs)
            each = ", ".join(f"{w:.1f}/{c:.2f}" for w, _, c in runs)
            print(
                f"local {name}: {wall:.2f} s, CPU {cpu:.2f} s, peak {peak:,.0f} MB "
                f"(medians; each run wall/CPU: {each}; load average {os.getloadavg()[0]:.1f})"
            )

    if "dask" not in skip:
        for workers in (1, 2):
            for _ in range(args.runs):
                found = dask_case(args.parquet, workers, args.memory)
                peaks = found["worker_peaks"]
                print(
                    f"dask {workers} worker(s), whole: {found['wall']:.2f} s, "
                    f"CPU {found['cpu']:.2f} s (workers and client), "
                    f"{found['rows']:,} rows; peak per worker {max(peaks):,.0f} MB "
                    f"(all workers {sum(peaks):,.0f} MB, client "
                    f"{found['client_peak']:,.0f} MB)"
                )


if __name__ == "__main__":
    main()
