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

The same ``--seed`` and ``--rows`` always give the same bytes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pycountry

HEADER = "reporter,partner,flow,period,value,unit,currency,flags,published,publisher,url\n"
FIRST_YEAR, LAST_YEAR, LAST_MONTH = 2010, 2024, 7
N_REPORTERS, N_PARTNERS = 40, 200
CODES_SEED = 20240701  # fixed: the same countries whatever --seed is
CHUNK_SERIES = 2000


def months() -> list[str]:
    return [
        f"{y:04d}-{m:02d}"
        for y in range(FIRST_YEAR, LAST_YEAR + 1)
        for m in range(1, 13)
        if (y, m) <= (LAST_YEAR, LAST_MONTH)
    ]


def countries() -> tuple[list[str], list[str]]:
    codes = sorted(c.alpha_3 for c in pycountry.countries)
    rng = np.random.default_rng(CODES_SEED)
    reporters = sorted(rng.choice(codes, N_REPORTERS, replace=False).tolist())
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


def generate(rows: int, seed: int, out: Path) -> int:
    reporters, partners = countries()
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
    flag_dict = pa.array(["", "provisional", "estimate", "low-trust", "provisional;estimate"])

    written = 0
    with out.open("wb") as handle:
        handle.write(HEADER.encode())
        options = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=1 << 16)
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
            delay = 40 + 30 * vintage * (1 + vintage) + rng.integers(0, 10, n)
            published = release_date(first_month + month, delay.astype("timedelta64[D]"))
            flag = rng.choice(5, n, p=[0.955, 0.02, 0.015, 0.005, 0.005]).astype(np.int32)
            flag[(vintage > 0) & np.isin(flag, (1, 4))] = 0
            table = pa.table(
                {
                    "reporter": pa.DictionaryArray.from_arrays(pa.array(rep), reporter_dict),
                    "partner": pa.DictionaryArray.from_arrays(
                        pa.array(block[series, 1]), partner_dict
                    ),
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
            pacsv.write_csv(table, handle, write_options=options)
            written += n
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench/out/trade.csv"))
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    written = generate(args.rows, args.seed, args.out)
    size = args.out.stat().st_size / 1e6
    print(
        f"{args.out}: {written:,} rows, {size:,.0f} MB in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
