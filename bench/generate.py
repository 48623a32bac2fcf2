"""Write a realistic, seeded tidy CSV of monthly bilateral trade for benchmarks.

The file looks like a vintage archive of monthly customs statistics: about 40
reporters × 200 partners (ISO alpha-3 codes from pycountry, chosen with a
fixed seed), export and import, every month from 2010-01 to 2024-07 (so the
last year is a year-to-date span), values lognormal with a gravity-like level
per series, seasonality and noise. When more rows are asked for than there are
(series, month) cells, the extra rows are later releases of the same month —
revisions with a later publication date and a slightly different value —
which the tool must reconcile. When fewer are asked for, whole series are
dropped, so every series kept is complete. A few figures carry flags
(``provisional``, ``estimate``, ``low-trust``).

    python bench/generate.py --rows 10000000 --out bench/out/trade-10m.csv

``--parquet DIR`` also converts the file to a Parquet dataset (``tradecli convert``).
``--dataset DIR`` writes no CSV: the same rows go straight into the Parquet dataset that
converting the CSV would give (same layout, schema, row groups and order; ``source``
names the ``--out`` file), streamed a chunk of series at a time, so 100M rows need no
5 GB CSV and no conversion. ``--reporters N`` (default 40) spreads the rows over more
reporters, so a reporter's partition stays small at 100M rows:

    python bench/generate.py --rows 100000000 --reporters 200 \\
        --out trade-100m.csv --dataset bench/out/trade-100m.parquet

``--sparse`` writes another shape, that of a bulk download of many small
flows: every reporter × partner of pycountry's codes, about 20 rows per series
(so at least 50,000 series in 1M rows), each series a run of one to three years
starting at a random year with months missing at random (most series have
gaps), a few with annual totals or year-to-date spans published beside their
months, and some revisions.

    python bench/generate.py --sparse --rows 1000000 --out bench/out/sparse-1m.csv

The same ``--seed``, ``--rows`` and ``--sparse`` always give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pycountry

HEADER = "reporter,partner,flow,period,value,unit,currency,flags,published,publisher,url\n"
FIRST_YEAR, LAST_YEAR, LAST_MONTH = 2010, 2024, 7
N_REPORTERS, N_PARTNERS = 40, 200
CODES_SEED = 20240701  # fixed: the same countries whatever --seed is
CHUNK_SERIES = 2000
FLAGS = ["", "provisional", "estimate", "low-trust", "provisional;estimate"]


def months() -> list[str]:
    return [
        f"{y:04d}-{m:02d}"
        for y in range(FIRST_YEAR, LAST_YEAR + 1)
        for m in range(1, 13)
        if (y, m) <= (LAST_YEAR, LAST_MONTH)
    ]


def countries(n_reporters: int = N_REPORTERS) -> tuple[list[str], list[str]]:
    codes = sorted(c.alpha_3 for c in pycountry.countries)
    rng = np.random.default_rng(CODES_SEED)
    reporters = sorted(rng.choice(codes, n_reporters, replace=False).tolist())
    partners = sorted(rng.choice(codes, N_PARTNERS, replace=False).tolist())
    return reporters, partners


def series_universe(reporters: list[str], partners: list[str]) -> np.ndarray:
    """Every (reporter index, partner index, flow index), in file order."""
    out = [
        (r, p, f)
        for r, rep in enumerate(reporters)
        for p, par in enumerate(partners)
        if rep != par
        for f in (0, 1)
    ]
    return np.array(out, dtype=np.int32)


def release_date(month_index: np.ndarray, delay_days: np.ndarray) -> np.ndarray:
    """ISO dates: the end of the month plus a delay, as numpy datetime64[D]."""
    year = month_index // 12
    month = month_index % 12
    start = ((year - 1970) * 12 + month).astype("datetime64[M]")
    return (start + np.timedelta64(1, "M")).astype("datetime64[D]") + delay_days


def _tables(rows: int, seed: int, n_reporters: int = N_REPORTERS) -> Iterator[pa.Table]:
    """The rows of ``generate``, as Arrow tables of up to ``CHUNK_SERIES`` whole series each,
    in file order: by reporter, partner, flow, month, then release (so a reporter's rows
    are consecutive, and already in the order a converted dataset sorts them)."""
    reporters, partners = countries(n_reporters)
    period_names = months()
    n_months = len(period_names)
    first_month = FIRST_YEAR * 12
    universe = series_universe(reporters, partners)
    rng = np.random.default_rng(seed)

    cells = len(universe) * n_months
    if rows <= cells:
        # whole reporter-partner pairs (export and import), so turnover is derivable
        pairs = max(1, -(-rows // (2 * n_months)))
        chosen = np.sort(rng.choice(len(universe) // 2, pairs, replace=False))
        universe = universe[np.stack([2 * chosen, 2 * chosen + 1], axis=1).ravel()]
        counts = np.ones(len(universe) * n_months, dtype=np.int64)
        counts[rows:] = 0  # the last series may be cut short to hit the row count exactly
    else:
        counts = 1 + rng.poisson((rows - cells) / cells, cells)
        diff = rows - int(counts.sum())
        if diff > 0:
            np.add.at(counts, rng.choice(cells, diff), 1)
        while diff < 0:
            candidates = np.flatnonzero(counts > 1)
            take = rng.choice(candidates, min(-diff, len(candidates)), replace=False)
            counts[take] -= 1
            diff = rows - int(counts.sum())

    # A gravity-like level per reporter and partner, a seasonal profile per reporter.
    reporter_size = rng.lognormal(0.0, 1.0, len(reporters))
    partner_size = rng.lognormal(0.0, 1.2, len(partners))
    phase = rng.uniform(0, 2 * np.pi, len(reporters))
    series_level = (
        2e6
        * reporter_size[universe[:, 0]]
        * partner_size[universe[:, 1]]
        * rng.lognormal(0.0, 0.8, len(universe))
    )
    growth = rng.normal(0.03, 0.04, len(universe))

    reporter_dict = pa.array(reporters)
    partner_dict = pa.array(partners)
    flow_dict = pa.array(["export", "import"])
    period_dict = pa.array(period_names)
    flag_dict = pa.array(FLAGS)

    for start in range(0, len(universe), CHUNK_SERIES):
        block = universe[start : start + CHUNK_SERIES]
        base = start * n_months
        repeat = counts[base : base + len(block) * n_months]
        if not repeat.sum():
            break
        series = np.repeat(np.repeat(np.arange(len(block)), n_months), repeat)
        month = np.repeat(np.tile(np.arange(n_months), len(block)), repeat)
        # vintage number within each (series, month) cell: 0 = first release
        cell_start = np.repeat(np.cumsum(repeat) - repeat, repeat)
        vintage = np.arange(len(series)) - cell_start
        n = len(series)
        rep = block[series, 0]
        level = series_level[start + series]
        season = 1 + 0.15 * np.sin(2 * np.pi * (month % 12) / 12 + phase[rep])
        trend = (1 + growth[start + series]) ** (month / 12)
        true_value = level * season * trend * rng.lognormal(0.0, 0.25, n)
        revision = np.where(vintage > 0, rng.normal(0.0, 0.03, n), 0.0)
        value = np.maximum(np.rint(true_value * (1 + revision)), 0).astype(np.int64)
        # Each revision a month after the one before: with many vintages a growing delay
        # reached publication dates after today (up to 2029), which readers refuse.
        delay = 40 + 30 * vintage + rng.integers(0, 10, n)
        published = release_date(first_month + month, delay.astype("timedelta64[D]"))
        flag = rng.choice(5, n, p=[0.955, 0.02, 0.015, 0.005, 0.005]).astype(np.int32)
        flag[(vintage > 0) & np.isin(flag, (1, 4))] = 0
        yield pa.table(
            {
                "reporter": pa.DictionaryArray.from_arrays(pa.array(rep), reporter_dict),
                "partner": pa.DictionaryArray.from_arrays(pa.array(block[series, 1]), partner_dict),
                "flow": pa.DictionaryArray.from_arrays(pa.array(block[series, 2]), flow_dict),
                "period": pa.DictionaryArray.from_arrays(
                    pa.array(month.astype(np.int32)), period_dict
                ),
                "value": pa.array(value),
                "unit": pa.nulls(n, pa.string()),
                "currency": pa.DictionaryArray.from_arrays(
                    pa.array(np.zeros(n, np.int32)), pa.array(["USD"])
                ),
                "flags": pa.DictionaryArray.from_arrays(pa.array(flag), flag_dict),
                "published": pa.array(published.astype(str)),
                "publisher": pa.nulls(n, pa.string()),
                "url": pa.nulls(n, pa.string()),
            }
        )


def generate(rows: int, seed: int, out: Path, n_reporters: int = N_REPORTERS) -> int:
    """Write the tidy CSV; the number of rows written."""
    written = 0
    with out.open("wb") as handle:
        handle.write(HEADER.encode())
        options = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=1 << 16)
        for table in _tables(rows, seed, n_reporters):
            pacsv.write_csv(table, handle, write_options=options)
            written += table.num_rows
    return written


def _steps(value: np.ndarray) -> np.ndarray:
    """The step each whole number is published with, as the tidy reader works it out from
    its digits: 10 ** its trailing zeros (0 → 1)."""
    step = np.ones(len(value), dtype=np.float64)
    rest = value.copy()
    live = rest != 0
    while live.any():
        live &= rest % 10 == 0
        rest[live] //= 10
        step[live] *= 10
    return step


def _line_dtype(end: int) -> type[np.signedinteger[Any]]:
    """The dtype of line numbers below ``end``: int32 where they fit, else int64."""
    return np.int32 if end - 1 <= np.iinfo(np.int32).max else np.int64


def _observations(table: pa.Table, line: int, source: str) -> pa.Table:
    """A generated table as ``tradecli convert`` stores it (``readers.parquet``): one
    reporter's rows, without the reporter column, periods as first and last month,
    ``step`` from the digits, provenance as the tidy reader gives it (``source`` the file
    as named, ``line`` its line, ``row`` its position: the file's own order)."""
    n = table.num_rows
    month_index = FIRST_YEAR * 12 + table["period"].combine_chunks().indices.to_numpy()
    value = table["value"].to_numpy()
    text = pa.large_string()  # what pandas' text columns become in a conversion

    def plain(column: str) -> pa.Array:
        return table[column].cast(text)

    stored = pa.table(
        {
            "partner": plain("partner"),
            "flow": plain("flow"),
            "first": pa.array(month_index.astype(np.int32)),
            "last": pa.array(month_index.astype(np.int32)),
            "value": pa.array(value.astype(np.float64)),
            "step": pa.array(_steps(value)),
            "currency": plain("currency"),
            "flags": plain("flags"),
            "published": plain("published"),
            "publisher": pa.array(np.full(n, ""), text),
            "url": pa.array(np.full(n, ""), text),
            "source": pa.array(np.full(n, source), text),
            # int32 where every line number fits, as ``observations.finish`` holds them
            "line": pa.array(np.arange(line, line + n, dtype=_line_dtype(line + n))),
            "format": pa.array(np.full(n, "tidy"), text),
            "row": pa.array(np.arange(line - 2, line - 2 + n, dtype=np.int64)),
        }
    )
    # the pandas metadata a conversion's files carry (pyarrow writes it from the frame)
    schema = pa.Schema.from_pandas(stored.slice(0, 0).to_pandas(), preserve_index=False)
    return stored.replace_schema_metadata(schema.metadata)


def generate_parquet(
    rows: int,
    seed: int,
    out: Path,
    source: str,
    n_reporters: int = N_REPORTERS,
    row_group_rows: int | None = None,
) -> tuple[int, int]:
    """Write the rows ``generate`` writes to a CSV straight into a Parquet dataset, as
    ``tradecli --data SOURCE convert --out OUT`` would write it from that CSV (``source``:
    the CSV's name as the user would give it; it is the ``source`` column). Streamed: one
    chunk of series in memory at a time, and each reporter's file written row group by row
    group as its rows come (they come in the order a dataset sorts them). Written into a
    hidden folder, the marker last, then renamed into place, as a conversion does.
    Returns (rows, bytes)."""
    import pyarrow.parquet as pq

    from tradecli.readers import parquet

    group = row_group_rows or parquet.ROW_GROUP_ROWS
    if out.exists():
        raise SystemExit(f"{out}: exists; not overwritten")
    work = out.parent / f".{out.name}.tmp-{os.getpid()}"
    work.mkdir()
    written = files = row_groups = series = size = 0
    reporters: list[str] = []
    writer: pq.ParquetWriter | None = None
    pending: list[pa.Table] = []
    keys: set[tuple[str, ...]] = set()

    def flush(final: bool) -> None:
        nonlocal pending, row_groups
        if not pending:
            return
        table = pa.concat_tables(pending)
        cut = table.num_rows if final else table.num_rows - table.num_rows % group
        for offset in range(0, cut, group):
            assert writer is not None
            writer.write_table(table.slice(offset, min(group, cut - offset)))
            row_groups += 1
        pending = [table.slice(cut)] if cut < table.num_rows else []

    def finish() -> None:
        nonlocal writer, files, series, size
        if writer is None:
            return
        flush(True)
        writer.close()
        writer = None
        files += 1
        series += len(keys)
        keys.clear()
        size += (work / f"reporter={reporters[-1]}" / "part-0.parquet").stat().st_size

    try:
        for table in _tables(rows, seed, n_reporters):
            codes = table["reporter"].combine_chunks()
            index = codes.indices.to_numpy()
            names = codes.dictionary.to_pylist()
            bounds = np.flatnonzero(np.diff(index)) + 1
            for begin, end in zip(
                [0, *bounds.tolist()], [*bounds.tolist(), len(index)], strict=True
            ):
                code = names[index[begin]]
                part = _observations(table.slice(begin, end - begin), written + 2, source)
                written += end - begin
                if not reporters or reporters[-1] != code:
                    finish()
                    reporters.append(code)
                    folder = work / f"reporter={code}"
                    folder.mkdir()
                    writer = pq.ParquetWriter(
                        folder / "part-0.parquet",
                        part.schema,
                        compression="zstd",
                        write_statistics=True,
                    )
                found = part.group_by(["partner", "flow", "currency"]).aggregate([])
                keys.update(tuple(k.values()) for k in found.to_pylist())
                pending.append(part)
                if sum(p.num_rows for p in pending) >= group:
                    flush(False)
        finish()
        marker = {
            "schema_version": parquet.SCHEMA_VERSION,
            "partitioning": "hive: reporter",
            "sorted_by": list(parquet.SORT),
            "row_group_rows": group,
            "rows": written,
            "series": series,
            "files": files,
            "bytes": size,
            "reporters": reporters,
            "commodity": "TOTAL",
            "sources": [{"file": source, "digest": None}],
            "notes": [],
        }
        text = json.dumps(marker, indent=1, ensure_ascii=False) + "\n"
        with (work / parquet.MARKER).open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        work.rename(out)
    except BaseException:
        if writer is not None:
            writer.close()
        shutil.rmtree(work, ignore_errors=True)
        raise
    return written, size + len(text.encode())


SPARSE_ROWS_PER_SERIES = 16  # before the cut to --rows: about 19 rows per series kept


def generate_sparse(rows: int, seed: int, out: Path) -> int:
    """Many small series with gaps (see the module docstring); exactly ``rows`` rows."""
    rng = np.random.default_rng(seed)
    codes = sorted(c.alpha_3 for c in pycountry.countries)
    n_months = len(months())
    first_month = FIRST_YEAR * 12
    n_years = LAST_YEAR - FIRST_YEAR + 1
    pairs = max(1, rows // (2 * SPARSE_ROWS_PER_SERIES))
    universe = len(codes) * (len(codes) - 1)
    chosen = np.sort(rng.choice(universe, min(pairs, universe), replace=False))
    rep_index = chosen // (len(codes) - 1)
    par_index = chosen % (len(codes) - 1)
    par_index += par_index >= rep_index  # never the reporter itself
    # Export and import of each pair; each series: a start year, one to four years, a density.
    n_series = 2 * len(chosen)
    reporter = np.repeat(rep_index, 2)
    partner = np.repeat(par_index, 2)
    flow = np.tile(np.array([0, 1]), len(chosen))
    start_year = rng.integers(0, n_years, n_series)
    length = np.minimum(rng.integers(1, 4, n_series), n_years - start_year)
    density = rng.choice([1.0, 0.85, 0.7, 0.5], n_series, p=[0.15, 0.3, 0.3, 0.25])
    level = 1e5 * rng.lognormal(0.0, 2.0, n_series)

    # Every candidate (series, month) cell, then the kept ones.
    span = length * 12
    series = np.repeat(np.arange(n_series), span)
    offset = np.arange(len(series)) - np.repeat(np.cumsum(span) - span, span)
    month = start_year[series] * 12 + offset
    keep = (month < n_months) & (rng.random(len(series)) < density[series])
    series, month = series[keep], month[keep]
    kind = np.zeros(len(series), dtype=np.int8)  # 0 month, 1 year, 2 year to date
    # Some series also publish the year (or, in the last year, Jan..last month) as one figure.
    year_rows = np.flatnonzero((month % 12 == 0) & (rng.random(len(series)) < 0.08))
    series = np.concatenate([series, series[year_rows]])
    month = np.concatenate([month, month[year_rows]])
    kind = np.concatenate([kind, np.where(month[year_rows] // 12 == n_years - 1, 2, 1)])
    # Revisions: a few rows published twice.
    again = np.flatnonzero(rng.random(len(series)) < 0.05)
    vintage = np.concatenate([np.zeros(len(series), np.int64), np.ones(len(again), np.int64)])
    series = np.concatenate([series, series[again]])
    month = np.concatenate([month, month[again]])
    kind = np.concatenate([kind, kind[again]])
    order = np.lexsort((vintage, kind, month, series))
    series, month, kind, vintage = series[order], month[order], kind[order], vintage[order]
    if len(series) < rows:  # top up with more revisions
        extra = rng.choice(len(series), rows - len(series))
        series = np.concatenate([series, series[extra]])
        month = np.concatenate([month, month[extra]])
        kind = np.concatenate([kind, kind[extra]])
        vintage = np.concatenate([vintage, vintage[extra] + 2])
        order = np.lexsort((vintage, kind, month, series))
        series, month, kind, vintage = series[order], month[order], kind[order], vintage[order]
    series, month, kind, vintage = series[:rows], month[:rows], kind[:rows], vintage[:rows]
    n = len(series)

    period_names = months()
    year_names = [str(y) for y in range(FIRST_YEAR, LAST_YEAR + 1)]
    ytd_name = f"{LAST_YEAR}-01/{LAST_YEAR}-{LAST_MONTH:02d}"
    period_dict = pa.array([*period_names, *year_names, ytd_name])
    period_code = np.where(
        kind == 0, month, np.where(kind == 1, n_months + month // 12, n_months + n_years)
    )
    months_in = np.where(kind == 0, 1, np.where(kind == 1, 12, LAST_MONTH))
    noise = rng.lognormal(0.0, 0.3, n) * (1 + np.where(vintage > 0, rng.normal(0, 0.03, n), 0))
    value = np.maximum(np.rint(level[series] * months_in * noise), 0).astype(np.int64)
    last = np.where(kind == 0, month, np.where(kind == 1, month + 11, month + LAST_MONTH - 1))
    delay = 40 + 60 * vintage + rng.integers(0, 10, n)
    published = release_date(first_month + last, delay.astype("timedelta64[D]"))
    flag = rng.choice(5, n, p=[0.955, 0.02, 0.015, 0.005, 0.005]).astype(np.int32)
    flag_dict = pa.array(FLAGS)
    code_dict = pa.array(codes)
    table = pa.table(
        {
            "reporter": pa.DictionaryArray.from_arrays(
                pa.array(reporter[series].astype(np.int32)), code_dict
            ),
            "partner": pa.DictionaryArray.from_arrays(
                pa.array(partner[series].astype(np.int32)), code_dict
            ),
            "flow": pa.DictionaryArray.from_arrays(
                pa.array(flow[series].astype(np.int32)), pa.array(["export", "import"])
            ),
            "period": pa.DictionaryArray.from_arrays(
                pa.array(period_code.astype(np.int32)), period_dict
            ),
            "value": pa.array(value),
            "unit": pa.nulls(n, pa.string()),
            "currency": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n, np.int32)), pa.array(["USD"])
            ),
            "flags": pa.DictionaryArray.from_arrays(pa.array(flag), flag_dict),
            "published": pa.array(published.astype(str)),
            "publisher": pa.nulls(n, pa.string()),
            "url": pa.nulls(n, pa.string()),
        }
    )
    with out.open("wb") as handle:
        handle.write(HEADER.encode())
        options = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=1 << 16)
        pacsv.write_csv(table, handle, write_options=options)
    return n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench/out/trade.csv"))
    parser.add_argument(
        "--sparse", action="store_true", help="many small series with gaps (see above)"
    )
    parser.add_argument(
        "--reporters",
        type=int,
        default=N_REPORTERS,
        choices=range(2, len(pycountry.countries) + 1),
        metavar="N",
        help=f"number of reporters (default {N_REPORTERS}; not with --sparse)",
    )
    parser.add_argument(
        "--parquet",
        type=Path,
        metavar="DIR",
        help="also convert the file to a Parquet dataset at DIR (tradecli convert)",
    )
    parser.add_argument(
        "--dataset",
        type=Path,
        metavar="DIR",
        help="write no CSV: the Parquet dataset that converting --out would give, at DIR, "
        "streamed (bounded memory at any --rows)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.dataset is not None:
        if args.sparse or args.parquet is not None:
            parser.error("--dataset writes the dense data directly: not with --sparse or --parquet")
        args.dataset.parent.mkdir(parents=True, exist_ok=True)
        rows, size = generate_parquet(
            args.rows, args.seed, args.dataset, str(args.out), args.reporters
        )
        print(
            f"{args.dataset}: {rows:,} rows, {size / 1e6:,.0f} MB "
            f"in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.sparse:
        written = generate_sparse(args.rows, args.seed, args.out)
    else:
        written = generate(args.rows, args.seed, args.out, args.reporters)
    size = args.out.stat().st_size / 1e6
    print(
        f"{args.out}: {written:,} rows, {size:,.0f} MB in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    if args.parquet is not None:
        convert(args.out, args.parquet)


def convert(csv: Path, out: Path) -> None:
    """``tradecli --data CSV convert --out OUT``, through the library."""
    from tradecli.caching import keys
    from tradecli.dataset import load
    from tradecli.readers import parquet

    started = time.perf_counter()
    dataset = load([csv], use_cache=False)
    written = parquet.write(dataset.frame, out, [(str(csv), keys.content(csv))])
    print(f"{written.summary()} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
