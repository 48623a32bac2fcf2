"""Time tradecli against DuckDB and plain pandas on generated files; print one table.

Every measurement is a whole process (interpreter start-up and imports
included): wall time and that process's own peak RSS (``os.wait4``). Runs are
taken in pairs (DuckDB, then tradecli) so that each ratio compares two runs
made under the same machine load; the table shows medians over ``--runs``.

    python bench/generate.py --rows 10000000 --out bench/out/trade-10m.csv
    python bench/generate.py --rows 1000000 --out bench/out/trade-1m.csv
    python bench/run.py --runs 5

``--whole-file`` times instead the commands that answer every series of a file,
with no filter, cold (``--no-cache``): ``summary``, ``growth``, ``share --vs
world`` and ``project <last year>``, each paired with DuckDB's ``read_csv`` +
``GROUP BY`` on the same file, on the dense 10M and 1M files and a sparse 1M
file (``generate.py --sparse``); then, on each file, ``growth`` run right after
``summary`` with the cache on (the second command on an unchanged file, its rows
from the cache of parsed files) against DuckDB cold; then ``summary --reporter X``
on the 10M file and whether ``tradecli --help`` imports pandas:

    python bench/generate.py --sparse --rows 1000000 --out bench/out/sparse-1m.csv
    python bench/run.py --whole-file --runs 3
    python bench/run.py --whole-file --warm-only --runs 3 --big-runs 1

``--other-commands`` times the other commands over a whole file (``data``,
``share --vs world --all``, ``mirror``, ``value``...) on the 1M files the same way:

    python bench/run.py --other-commands --runs 1

``--gc`` pairs each whole-file command as the console script runs it (full
garbage-collection passes rare, ``cli.process.FULL_PASS_AFTER``) with the same command
under Python's default thresholds, cold (``--no-cache``) and with the cache warm (and
``project --backtest`` on the sparse file, warm):

    python bench/run.py --gc --runs 3 --big-runs 1

``--floor`` times what any command of this stack pays before it answers, on each file,
paired with DuckDB cold: Python alone, a minimal Typer app's ``--help``, numpy + pyarrow +
pandas imported, tradecli replaying a command from its result cache, and pyarrow's
multi-threaded ``read_csv`` of the file (wall, peak and CPU seconds, DuckDB's too), with
the issue's target for a warm second command (0.2x DuckDB cold) beside them. The file is
in the page cache for every run ("cold" is a fresh process, as in the other modes).

    python bench/run.py --floor --runs 3

Needs the ``bench`` extra (``pip install -e '.[bench]'``) for DuckDB.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

DUCKDB = """
import sys, duckdb
rows = duckdb.connect().execute(
    "select reporter, partner, flow, substr(period, 1, 4) as year, sum(value) "
    "from read_csv(?, header = true) group by all", [sys.argv[1]]).fetchall()
print(len(rows))
"""

PANDAS = """
import sys, pandas as pd
frame = pd.read_csv(sys.argv[1], engine="pyarrow", usecols=["reporter", "partner", "flow",
                    "period", "value"], dtype={"reporter": "category", "partner": "category",
                    "flow": "category", "period": "category", "value": "float64"})
frame["year"] = frame["period"].astype(str).str[:4]
print(len(frame.groupby(["reporter", "partner", "flow", "year"], observed=True)["value"].sum()))
"""

# How many series of a file the columnar path leaves to the reference engine (printed by
# the bench only: users never see it).
FALLBACK = """
import sys
from pathlib import Path
from tradecli.dataset import load
from tradecli.engine.bulk import Columns
columns = Columns(load([Path(sys.argv[1])], use_cache=False).frame)
kept = columns.kept > 0
print(len(columns), int((kept & ~columns.simple).sum()),
      int((kept & columns.simple & ~columns.monthly).sum()))
"""

TYPER_MINIMAL = """
import typer
app = typer.Typer()
@app.command()
def hello(name: str = "world") -> None:
    "Say hello."
    print(name)
app()
"""

# The floor of the stack (``--floor``): what a process pays before tradecli's own work.
FLOOR = (
    ("python, nothing imported", ["-c", "pass"]),
    ("minimal Typer app, --help", ["-c", TYPER_MINIMAL, "--help"]),
    ("numpy, pyarrow and pandas imported", ["-c", "import numpy, pyarrow, pandas"]),
)

READ_ONLY = """
import sys, pyarrow.csv
print(pyarrow.csv.read_csv(sys.argv[1]).num_rows)
"""


def measure(
    argv: list[str], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process (``ok``: its exit codes that are not a
    failure; 1 is a command's "nothing to answer", e.g. no share of eu27 in generated data)."""
    wall, peak, _ = measure_cpu(argv, env, ok)
    return wall, peak


def measure_cpu(
    argv: list[str], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)
) -> tuple[float, float, float]:
    """``measure``, and the process's CPU seconds (user + system, all its threads)."""
    # stderr to a file, not a pipe read after the end: a command with more than a pipe's
    # worth of notes (a whole-file summary) would block writing them, for ever.
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        error = stderr.read().decode(errors="replace")
    if process.returncode not in ok:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}):\n{error}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def tradecli() -> list[str]:
    found = shutil.which("tradecli", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "tradecli"]


def compile_bytecode() -> None:
    """Compile tradecli's modules first, as ``pip install`` does for an installed package;
    an editable install would compile them on its first run, and not at all where
    ``PYTHONDONTWRITEBYTECODE`` is set, which would make every timed run pay for it."""
    spec = importlib.util.find_spec("tradecli")
    if spec is not None and spec.origin is not None:
        package = str(Path(spec.origin).parent)
        subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)


def machine() -> str:
    import duckdb
    import pandas
    import pyarrow

    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(
            line
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{int(mem.split()[1]) / 1024**2:.0f} GB"
    except (OSError, StopIteration):
        ram = "?"
    return (
        f"{os.cpu_count()} cores, {cpu}, {ram} RAM; Python {platform.python_version()}, "
        f"pandas {pandas.__version__}, pyarrow {pyarrow.__version__}, "
        f"duckdb {duckdb.__version__}; {platform.system()} {platform.release()}"
    )


# ``tradecli --help`` under ``-X importtime``: each import is reported on stderr as it
# happens (the process may leave by ``os._exit``, so nothing can be printed after it).
HELP_IMPORTS = "import sys; from tradecli.cli import run; sys.argv = ['tradecli', '--help']; run()"


WHOLE_FILE_COMMANDS = (
    ("summary", ["summary"]),
    ("growth", ["growth"]),
    ("share --vs world", ["share", "--vs", "world"]),
    ("project 2024", ["project", "2024"]),
)


# The other commands a user runs over a whole file (``--other-commands``): not in the
# issue's targets, timed so that no command hides a per-series path. CSV unless the
# command says otherwise (JSON carries every answer's derivation: its own cost). The
# four commands' options are here too (a span, several flows, a ranking): each once took
# its own per-series path, 5-20x the command without it (bench/README.md).
OTHER_COMMANDS = (
    ("data", ["data"]),
    ("data --conflicts", ["data", "--conflicts"]),
    ("share --vs world --all", ["share", "--vs", "world", "--all"]),
    ("share --vs eu27", ["share", "--vs", "eu27"]),
    ("mirror", ["mirror"]),
    ("value --period 2023", ["value", "--period", "2023"]),
    ("revisions --from-vintage 2015-01-01", ["revisions", "--from-vintage", "2015-01-01"]),
    ("project 2024 --backtest", ["project", "2024", "--backtest"]),
    ("revisions", ["revisions"]),
    ("growth --period 2023", ["growth", "--period", "2023"]),
    ("growth --flow export,import", ["growth", "--flow", "export,import"]),
    ("growth --sort share", ["growth", "--sort", "share"]),
    ("growth --sort change", ["growth", "--sort", "change"]),
    ("share --vs world --period 2023-06", ["share", "--vs", "world", "--period", "2023-06"]),
    ("share --vs world --period 2023-Q2", ["share", "--vs", "world", "--period", "2023-Q2"]),
    ("value --period 2023-Q2", ["value", "--period", "2023-Q2"]),
    ("growth --period 2023-Q2", ["growth", "--period", "2023-Q2"]),
    ("summary --sort value", ["summary", "--sort", "value"]),
    ("summary, json", ["--format", "json", "summary"]),
    ("share --vs world, json", ["--format", "json", "share", "--vs", "world"]),
)


def other_commands(args: argparse.Namespace) -> None:
    """The commands beyond the four of ``--whole-file``, no filter, cold, on the 1M dense
    and sparse files, each paired with DuckDB's run."""
    py = sys.executable
    compile_bytecode()
    env = {**os.environ, "COLUMNS": "120"}
    rows: list[tuple[str, str, str, str, str]] = []
    for label, path in (("1M", args.small), ("sparse 1M", args.sparse)):
        for name, command in OTHER_COMMANDS:
            duck, ours = [], []
            for _ in range(args.runs):
                duck.append(measure([py, "-c", DUCKDB, str(path)]))
                fmt = [] if "--format" in command else ["--format", "csv"]
                argv = [*tradecli(), "--no-cache", *fmt, *command]
                ours.append(measure([*argv, "--data", str(path)], env, ok=(0, 1)))
            rows.append(_paired(f"{name}, {label}", ours, duck))
            print(rows[-1], file=sys.stderr)
    print(f"machine: {machine()}")
    _table(rows)


# The console script with Python's default collector thresholds (``FULL_PASS_AFTER`` 0:
# ``run`` keeps the default third threshold, 10).
GC_DEFAULT = (
    "import sys; from tradecli.cli import process; process.FULL_PASS_AFTER = 0; "
    "sys.argv[0] = 'tradecli'; process.run()"
)


def gc_pairs(args: argparse.Namespace) -> None:
    """Each whole-file command with rare full collections (the console script) against
    Python's default thresholds, in turn, cold and warm."""
    py = sys.executable
    compile_bytecode()
    cache = Path(tempfile.mkdtemp(prefix="tradecli-bench-cache-"))
    env = {
        **os.environ,
        "TRADECLI_CACHE_DIR": str(cache),
        "COLUMNS": "120",
        "TRADECLI_RESULT_CACHE_MIN_BYTES": str(1 << 62),  # every run works its answer out
    }
    files = (("10M", args.big), ("1M", args.small), ("sparse 1M", args.sparse))
    if args.big_runs == 0:
        files = files[1:]
    rows: list[tuple[str, str, str, str, str]] = []
    for label, path in files:
        shutil.rmtree(cache, ignore_errors=True)
        measure([*tradecli(), "--format", "csv", "summary", "--data", str(path)], env)  # primed
        commands = list(WHOLE_FILE_COMMANDS)
        if label == "sparse 1M":
            commands.append(("project --backtest", ["project", "2024", "--backtest"]))
        for name, command in commands:
            for cold in (True, False) if "--backtest" not in command else (False,):
                flags = ["--no-cache"] if cold else []
                tail = [*flags, "--format", "csv", *command, "--data", str(path)]
                default, rare = [], []
                for _ in range(args.big_runs if label == "10M" else args.runs):
                    default.append(measure([py, "-c", GC_DEFAULT, *tail], env))
                    rare.append(measure([*tradecli(), *tail], env))
                which = "cold" if cold else "warm"
                rows.append(_paired(f"{name}, {label}, {which}", rare, default))
                rows.append(_paired("  default thresholds, same runs", default, default))
                print(rows[-2], file=sys.stderr)
    shutil.rmtree(cache, ignore_errors=True)
    print(f"machine: {machine()}")
    _table(rows, "default")


def whole_file(args: argparse.Namespace) -> None:
    """Every series of a file, no filter, cold: each command paired with DuckDB."""
    py = sys.executable
    compile_bytecode()
    cache = Path(tempfile.mkdtemp(prefix="tradecli-bench-cache-"))
    env = {**os.environ, "TRADECLI_CACHE_DIR": str(cache), "COLUMNS": "120"}
    files = (("10M", args.big), ("1M", args.small), ("sparse 1M", args.sparse))
    if args.big_runs == 0:
        files = files[1:]
    rows: list[tuple[str, str, str, str, str]] = []
    walls: dict[tuple[str, str], list[float]] = {}
    for label, path in files if not args.warm_only else ():
        for name, command in WHOLE_FILE_COMMANDS:
            duck, ours = [], []
            for _ in range(args.big_runs if label == "10M" else args.runs):
                duck.append(measure([py, "-c", DUCKDB, str(path)]))
                shutil.rmtree(cache, ignore_errors=True)
                argv = [*tradecli(), "--no-cache", "--format", "csv", *command]
                ours.append(measure([*argv, "--data", str(path)], env))
            walls[(label, name)] = [r[0] for r in ours]
            rows.append(_paired(f"{name}, {label}", ours, duck))
            rows.append(_paired("  duckdb, same runs", duck, duck))
            print(rows[-2], file=sys.stderr)
    for label, path in files:
        # A second, different command on the same unchanged file, the cache warm: the
        # parsed rows come from the cache of parsed files (``growth`` after ``summary``;
        # the result cache cannot answer it), against DuckDB cold in the same pair.
        duck, primed, warm = [], [], []
        for _ in range(args.big_runs if label == "10M" else args.runs):
            duck.append(measure([py, "-c", DUCKDB, str(path)]))
            shutil.rmtree(cache, ignore_errors=True)
            argv = [*tradecli(), "--format", "csv"]
            primed.append(measure([*argv, "summary", "--data", str(path)], env))
            warm.append(measure([*argv, "growth", "--data", str(path)], env))
        rows.append(_paired(f"growth after summary (warm cache), {label}", warm, duck))
        rows.append(_paired("  summary priming the cache, same runs", primed, duck))
        rows.append(_paired("  duckdb, same runs", duck, duck))
        print(rows[-3], file=sys.stderr)
    shutil.rmtree(cache, ignore_errors=True)
    if args.warm_only:
        print(f"machine: {machine()}")
        _table(rows)
        return
    reporter: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for _ in range(max(args.big_runs, 1)):
        duck = measure([py, "-c", DUCKDB, str(args.big)])
        argv = [*tradecli(), "--no-cache", "summary", "--reporter", args.reporter]
        reporter.append((measure([*argv, "--data", str(args.big)], env), duck))
    rows.append(
        _paired(
            f"summary --reporter {args.reporter}, 10M",
            [r for r, _ in reporter],
            [d for _, d in reporter],
        )
    )
    shutil.rmtree(cache, ignore_errors=True)
    helped = subprocess.run(
        [py, "-X", "importtime", "-c", HELP_IMPORTS], capture_output=True, text=True, check=True
    )
    pandas = any(line.rstrip().endswith("| pandas") for line in helped.stderr.splitlines())

    print(f"machine: {machine()}")
    print(
        f"files: {args.big.name} ({args.big.stat().st_size / 1e6:.0f} MB), "
        f"{args.small.name} ({args.small.stat().st_size / 1e6:.0f} MB), "
        f"{args.sparse.name} ({args.sparse.stat().st_size / 1e6:.0f} MB); median of "
        f"{args.runs} runs ({args.big_runs} on {args.big.name}), each paired with a DuckDB run; "
        "ratios are medians of per-pair ratios"
    )
    _table(rows)
    for name, _ in WHOLE_FILE_COMMANDS if args.big_runs else ():
        ratio = statistics.median(walls[("10M", name)]) / statistics.median(walls[("1M", name)])
        print(f"growth 10M / 1M, {name}: {ratio:.1f}x")
    print(f"tradecli --help imports pandas: {pandas}")
    for label, path in files:
        counted = subprocess.run(
            [py, "-c", FALLBACK, str(path)], capture_output=True, text=True, check=True
        )
        n, every, months = counted.stdout.split()
        print(
            f"{label}: {n} series; left to the reference engine for every span: {every}, "
            f"for single months (growth's latest month, shares): {months}"
        )


def floor(args: argparse.Namespace) -> None:
    """What the stack costs before any answer, on each file, against DuckDB cold in the
    same runs (see the module's docstring)."""
    compile_bytecode()
    cache = Path(tempfile.mkdtemp(prefix="tradecli-bench-cache-"))
    try:
        _floor(args, cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(f"machine: {machine()}")


def _floor(args: argparse.Namespace, cache: Path) -> None:
    py = sys.executable
    # Every file's result kept, however small (a file under ``keys.LARGE_BYTES`` is not).
    env = {
        **os.environ,
        "TRADECLI_CACHE_DIR": str(cache),
        "COLUMNS": "120",
        "TRADECLI_RESULT_CACHE_MIN_BYTES": "0",
    }
    # ``machine()`` imports pandas and DuckDB: printed last, or every child would count
    # this process's pages (forked before its exec) in its peak.
    print("| run | wall s | peak MB | CPU s | time / duckdb |")
    print("| --- | --- | --- | --- | --- |")
    for label, path in (("10M", args.big), ("1M", args.small), ("sparse 1M", args.sparse)):
        if not path.exists():
            continue
        replay = [*tradecli(), "--format", "csv", "summary", "--data", str(path)]
        measure(replay, env)  # primes the result cache: the runs below replay it
        if not any(cache.glob("result-*")):
            raise SystemExit(f"the result cache kept no entry for {' '.join(replay)}")
        cases = [
            *((name, [py, *argv]) for name, argv in FLOOR),
            ("tradecli, the same command again (result cache)", replay),
            ("pyarrow read_csv of the file", [py, "-c", READ_ONLY, str(path)]),
        ]
        duck = [measure_cpu([py, "-c", DUCKDB, str(path)]) for _ in range(args.runs)]
        cold = statistics.median(d[0] for d in duck)
        print(
            f"| duckdb cold, {label} | {cold:.2f} | {statistics.median(d[1] for d in duck):.0f} "
            f"| {statistics.median(d[2] for d in duck):.2f} | 1.00 |"
        )
        for name, argv in cases:
            runs = [measure_cpu(argv, env) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in runs)
            print(
                f"| {name}, {label} | {wall:.2f} | {statistics.median(r[1] for r in runs):.0f} "
                f"| {statistics.median(r[2] for r in runs):.2f} | {wall / cold:.2f} |"
            )
        print(f"| the warm target, {label}: 0.2 x duckdb cold | {0.2 * cold:.2f} | | | 0.20 |")
        for entry in cache.iterdir():
            entry.unlink()


def _paired(
    name: str, runs: list[tuple[float, float]], duck: list[tuple[float, float]]
) -> tuple[str, str, str, str, str]:
    t_ratio = statistics.median(r[0] / d[0] for r, d in zip(runs, duck, strict=True))
    m_ratio = statistics.median(r[1] / d[1] for r, d in zip(runs, duck, strict=True))
    return (
        name,
        f"{statistics.median(r[0] for r in runs):.2f}",
        f"{statistics.median(r[1] for r in runs):.0f}",
        f"{t_ratio:.2f}",
        f"{m_ratio:.2f}",
    )


def _table(rows: list[tuple[str, str, str, str, str]], versus: str = "duckdb") -> None:
    header = ("run", "wall s", "peak MB", f"time / {versus}", f"memory / {versus}")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=Path, default=HERE / "out" / "trade-10m.csv")
    parser.add_argument("--small", type=Path, default=HERE / "out" / "trade-1m.csv")
    parser.add_argument("--sparse", type=Path, default=HERE / "out" / "sparse-1m.csv")
    parser.add_argument("--reporter", default="TUR")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--whole-file", action="store_true", help="the no-filter cases (see above)")
    parser.add_argument(
        "--big-runs",
        type=int,
        default=None,
        help="runs on --big (--whole-file; 0: none but --reporter)",
    )
    parser.add_argument(
        "--warm-only",
        action="store_true",
        help="--whole-file: only the second command on a warm cache",
    )
    parser.add_argument(
        "--other-commands",
        action="store_true",
        help="the other whole-file commands (data, share --all, mirror, value) on --small "
        "and --sparse",
    )
    parser.add_argument(
        "--gc",
        action="store_true",
        help="the whole-file commands with rare full collections against Python's default",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="what the stack costs before any answer (start-up, imports, the read)",
    )
    args = parser.parse_args()
    if args.floor:
        floor(args)
        return
    if args.big_runs is None:
        args.big_runs = args.runs
    if args.gc:
        gc_pairs(args)
        return
    if args.other_commands:
        other_commands(args)
        return
    if args.whole_file:
        whole_file(args)
        return
    py = sys.executable
    compile_bytecode()
    cache = Path(tempfile.mkdtemp(prefix="tradecli-bench-cache-"))
    env = {**os.environ, "TRADECLI_CACHE_DIR": str(cache), "COLUMNS": "120"}
    no_replay = {**env, "TRADECLI_RESULT_CACHE_MIN_BYTES": str(1 << 62)}
    summary = [*tradecli(), "summary", "--reporter", args.reporter]

    def cold(path: Path) -> tuple[float, float]:
        shutil.rmtree(cache, ignore_errors=True)
        return measure([*summary, "--data", str(path)], env)

    rows: list[tuple[str, str, str, str, str]] = []
    results: dict[str, list[tuple[float, float]]] = {}
    for label, path in (("10M", args.big), ("1M", args.small)):
        duck, pandas_, cold_, warm, other = [], [], [], [], []
        for _ in range(args.runs):
            duck.append(measure([py, "-c", DUCKDB, str(path)]))
            cold_.append(cold(path))
            pandas_.append(measure([py, "-c", PANDAS, str(path)]))
            warm.append(measure([*summary, "--data", str(path)], env))  # the cache is primed
            # Another command on the same file: the parsed rows come from the cache, the
            # analysis runs (the result cache is kept out of it).
            other.append(measure([*summary, "--flow", "export", "--data", str(path)], no_replay))
        results[label] = cold_
        for name, runs in (
            (f"duckdb {label}", duck),
            (f"pandas {label}", pandas_),
            (f"tradecli cold {label}", cold_),
            (f"tradecli warm {label}", warm),
            (f"tradecli warm, other command {label}", other),
        ):
            t_ratio = statistics.median(r[0] / d[0] for r, d in zip(runs, duck, strict=True))
            m_ratio = statistics.median(r[1] / d[1] for r, d in zip(runs, duck, strict=True))
            rows.append(
                (
                    name,
                    f"{statistics.median(r[0] for r in runs):.2f}",
                    f"{statistics.median(r[1] for r in runs):.0f}",
                    f"{t_ratio:.2f}",
                    f"{m_ratio:.2f}",
                )
            )
    helps, typers = [], []
    for _ in range(max(args.runs, 5)):
        typers.append(measure([py, "-c", TYPER_MINIMAL, "--help"]))
        helps.append(measure([*tradecli(), "--help"]))
    ratio = statistics.median(h[0] / t[0] for h, t in zip(helps, typers, strict=True))
    rows.append(
        (
            "minimal typer --help",
            f"{statistics.median(t[0] for t in typers):.2f}",
            f"{statistics.median(t[1] for t in typers):.0f}",
            "",
            "",
        )
    )
    rows.append(
        (
            "tradecli --help",
            f"{statistics.median(h[0] for h in helps):.2f}",
            f"{statistics.median(h[1] for h in helps):.0f}",
            f"{ratio:.2f} (vs typer)",
            "",
        )
    )
    growth = statistics.median(
        b[0] / s[0] for b, s in zip(results["10M"], results["1M"], strict=True)
    )
    shutil.rmtree(cache, ignore_errors=True)

    print(f"machine: {machine()}")
    print(
        f"files: {args.big.name} ({args.big.stat().st_size / 1e6:.0f} MB), "
        f"{args.small.name} ({args.small.stat().st_size / 1e6:.0f} MB); "
        f"median of {args.runs} runs; ratios are medians of per-pair ratios to DuckDB"
    )
    header = ("run", "wall s", "peak MB", "time / duckdb", "memory / duckdb")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    print(f"growth: tradecli cold 10M / 1M = {growth:.1f}x")


if __name__ == "__main__":
    main()
