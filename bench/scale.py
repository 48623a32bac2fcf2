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
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def dask_case(dataset: Path, workers: int, memory: int, reporter: str | None) -> dict[str, float]:
    """The library's ``--engine dask`` summary on a LocalCluster of ``workers``."""
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
        before = sum(client.run(cpu).values()) + cpu()
        started = time.perf_counter()
        # as a table shows it: no derivations sent back
        job = dask_engine.Job(dataset, load_groups(), Filters(), client, derivations=False)
        result = dask_engine.summary(job, reporter, None, None)
        wall = time.perf_counter() - started
        peaks = list(client.run(peak).values())
        spent = sum(client.run(cpu).values()) + cpu() - before
    return {
        "wall": wall,
        "rows": len(result.rows),
        "worker_peak_max": max(peaks),
        "worker_peak_sum": sum(peaks),
        "client_peak": peak(),
        "cpu": spent,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, required=True)
    parser.add_argument("--parquet", type=Path, required=True)
    parser.add_argument("--reporter", default="TUR")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory", type=int, default=2 << 30, help="bytes per Dask worker")
    parser.add_argument(
        "--skip", default="", help="comma-separated: bytes,local,whole (local whole-file),dask"
    )
    args = parser.parse_args(argv)
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
            print(f"local {name}: {wall:.2f} s, CPU {cpu:.2f} s, peak {peak:,.0f} MB")

    if "dask" not in skip:
        for workers in (1, 2):
            for _ in range(args.runs):
                found = dask_case(args.parquet, workers, args.memory, None)
                print(
                    f"dask {workers} worker(s), whole: {found['wall']:.2f} s, "
                    f"CPU {found['cpu']:.2f} s (workers and client), "
                    f"{found['rows']:,} rows; peak per worker {found['worker_peak_max']:,.0f} MB "
                    f"(all workers {found['worker_peak_sum']:,.0f} MB, client "
                    f"{found['client_peak']:,.0f} MB)"
                )


if __name__ == "__main__":
    main()
