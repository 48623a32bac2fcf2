"""``tradecli data`` from the columns: what ``inventory.inventory`` reads of every series'
reconciled table (``Engine.tables``), worked out with group-bys over the observation
frame instead of an ``Observation`` per row and a ``Reconciled`` per span.

- observations, excluded (quality flags, unless ``include_flagged``): row counts;
- spans: the distinct (first, last) of the kept rows, sorted as ``Period``s sort; the
  first is the least, the last the greatest by (last month, first month);
- sources: the distinct ``o.url or o.publisher or o.where()`` of every row, ``where``
  being the row's own ``source:line``;
- conflicts: ``Reconciled.conflict`` is a superseded figure, that is ``reconcile.decide``
  made two clusters or more. It clusters greedily in order of precision, the first
  cluster around the span's head (its first figure of the least step), which every
  figure tries first: one cluster holds them all exactly when each agrees with the head.
  That is tested on arrays with ``reconcile._agree``'s float operations; a span with a
  figure or step that is not finite is reconciled as the reference does.

Python objects are made only for what is listed in detail: the excluded rows, and the
spans that conflict. Of those, the spans in which no two figures agree (most) are decided
at once (``reconcile.decide_disagreeing``: the value kept and the reason), their
observations made only when a listing asks for them (``--conflicts``, JSON); the others
go through ``reconcile.reconcile_span`` over their rows, in frame order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradecli.analysis.inventory import Conflict, Figures, SeriesInventory
from tradecli.dataset import Dataset
from tradecli.engine.bulk import ranges
from tradecli.engine.series import SpanKey, codes_of
from tradecli.observations import (
    EXCLUDED_FLAGS,
    OFFICIAL_STATEMENT,
    QUALIFIERS,
    Observation,
    RowSource,
    split_flags,
    step_codes,
)
from tradecli.periods import Period
from tradecli.reconcile import REASON_CODES, Reconciled, decide_disagreeing, reconcile_span

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]

# A url or publisher text that reads as ``source:line`` (``Observation.where``).
_WHERE = re.compile(r"(.*):(-?[0-9]+)")


@dataclass(frozen=True)
class InventoryParts:
    """What ``inventory`` lists, for the series chosen: each series' counts and spans, the
    excluded rows with their reasons, the conflicting spans (series in key order, then
    frame order or span order within)."""

    series: list[SeriesInventory]
    excluded: list[tuple[Observation, str]]
    conflicts: list[Conflict]


def inventory_parts(
    dataset: Dataset, reporter: str | None = None, partner: str | None = None
) -> InventoryParts:
    """The series of the data (with ``reporter`` and/or ``partner``, only theirs), their
    excluded rows and conflicts, as the reference engine's tables give them."""
    frame = dataset.frame
    found = dataset.series()
    keys = found.keys
    n_series = len(keys)
    wanted = np.array(
        [reporter in (None, k.reporter) and partner in (None, k.partner) for k in keys], bool
    )
    # The rows of the chosen series (None: every row), in frame order.
    rows: Ints | None = None
    if not wanted.all():
        rows = np.flatnonzero(wanted[found.of_row]).astype(np.int64)
    s = (found.of_row if rows is None else found.of_row[rows]).astype(np.int64)

    def taken(column: str) -> NDArray[Any]:
        values = frame[column].to_numpy()
        return values if rows is None else values[rows]

    def frame_rows(at: Ints) -> Ints:
        return at if rows is None else rows[at]

    flag_codes, flag_texts = codes_of(frame["flags"])
    words = [split_flags(t) for t in flag_texts]
    flagged = np.array([any(w in EXCLUDED_FLAGS for w in ws) for ws in words], dtype=bool)
    if dataset.filters.include_flagged:
        flagged[:] = False
    excluded = flagged[flag_codes if rows is None else flag_codes[rows]]

    observations = np.bincount(s, minlength=n_series)
    n_excluded = np.bincount(s[excluded], minlength=n_series)
    n_sources = _sources(frame, rows, s, n_series)

    # The kept rows grouped by (series, first month, last month), frame order within.
    kept = np.flatnonzero(~excluded)
    first, last = taken("first")[kept].astype(np.int64), taken("last")[kept].astype(np.int64)
    coded = SpanKey.of(first, last, n_series)
    low, width = coded.low, coded.width
    span_key = coded.keys(s[kept], first, last)
    if len(span_key) > 1 and not bool((span_key[1:] >= span_key[:-1]).all()):
        order = np.argsort(span_key, kind="stable")
        kept, first, last, span_key = kept[order], first[order], last[order], span_key[order]
        del order
    begins = np.ones(len(span_key), dtype=bool)
    begins[1:] = span_key[1:] != span_key[:-1]
    starts = np.flatnonzero(begins)
    del begins, span_key
    bounds = np.append(starts, len(kept))
    span_series = s[kept[starts]]
    span_first, span_last = first[starts], last[starts]
    series_bounds = np.searchsorted(span_series, np.arange(n_series + 1))

    # Each distinct span's code and label, made once (a file has a few hundred).
    pair = (span_first - low) * width + span_last - low
    distinct, which = np.unique(pair, return_inverse=True)
    which = which.reshape(-1)
    periods = [Period(int(p) // width + low, int(p) % width + low) for p in distinct.tolist()]
    iso = np.array([p.iso() for p in periods], dtype=object)[which]
    labels = [p.label() for p in periods]
    # The last span of a series: the greatest by (last month, first month).
    by_end = (span_last - low) * width + span_first - low
    with_spans = np.flatnonzero(np.diff(series_bounds) > 0)
    latest = np.zeros(n_series, dtype=np.int64)
    if len(with_spans):
        greatest = np.maximum.reduceat(by_end, series_bounds[with_spans])
        # (last, first) to (first, last), both counted from ``low``: the span's code.
        latest[with_spans] = np.searchsorted(distinct, greatest % width * width + greatest // width)

    conflicting, reconciled, figures = _conflicts(frame, frame_rows(kept), bounds, periods, which)
    n_conflicts = np.bincount(span_series[conflicting], minlength=n_series)

    # The rows listed in detail: excluded (series in key order, frame order within).
    out_rows = np.flatnonzero(excluded)
    out_rows = out_rows[np.argsort(s[out_rows], kind="stable")]
    made = _observations(frame, frame_rows(out_rows))
    excluded_list = []
    for obs in made:
        flags = [f for f in obs.flags if f in EXCLUDED_FLAGS]
        excluded_list.append((obs, f"flagged {', '.join(flags)}"))
    conflicts = [
        Conflict(keys[int(span_series[g])], reconciled[g], figures.get(g))
        for g in conflicting.tolist()
    ]

    series = []
    counts = zip(
        observations.tolist(),
        n_excluded.tolist(),
        n_sources.tolist(),
        n_conflicts.tolist(),
        strict=True,
    )
    for n, (rows_of, excluded_of, sources_of, conflicts_of) in enumerate(counts):
        if not wanted[n]:
            continue
        low_span, high_span = int(series_bounds[n]), int(series_bounds[n + 1])
        spans: list[str] = iso[low_span:high_span].tolist()
        series.append(
            SeriesInventory(
                key=keys[n],
                observations=rows_of,
                spans=spans,
                first=labels[which[low_span]] if spans else "—",
                last=labels[latest[n]] if spans else "—",
                sources=sources_of,
                excluded=excluded_of,
                conflicts=conflicts_of,
            )
        )
    return InventoryParts(series, excluded_list, conflicts)


def _sources(frame: pd.DataFrame, rows: Ints | None, s: Ints, n_series: int) -> Ints:
    """Per series, the number of distinct ``o.url or o.publisher or o.where()`` of its
    rows. Url and publisher texts share one numbering; a row with neither is its own
    (source, line), unless a url or publisher text spells that ``source:line``."""
    numbers: dict[str, int] = {}

    def numbered(column: str) -> NDArray[np.int64]:
        codes, texts = codes_of(frame[column])
        ids = np.array([numbers.setdefault(t, len(numbers)) if t else -1 for t in texts])
        out = ids.astype(np.int64)[codes] if len(ids) else np.full(len(codes), -1, np.int64)
        return out if rows is None else out[rows]

    text = numbered("url")
    publisher = numbered("publisher")
    np.copyto(text, publisher, where=text < 0)
    del publisher
    at = np.flatnonzero(text < 0)
    if len(at):
        source_codes, sources = codes_of(frame["source"])
        line = frame["line"].to_numpy().astype(np.int64)
        if rows is not None:
            source_codes, line = source_codes[rows], line[rows]
        source_codes, line = source_codes[at].astype(np.int64), line[at]
        low = int(line.min())
        where = source_codes * (int(line.max()) - low + 1) + line - low + len(numbers)
        # A text that reads as one of these rows' ``source:line`` is the same source.
        number_of = {name: c for c, name in enumerate(sources)}
        for name, number in numbers.items():
            match = _WHERE.fullmatch(name)
            if match is None or match[1] not in number_of or str(int(match[2])) != match[2]:
                continue
            same = (source_codes == number_of[match[1]]) & (line == int(match[2]))
            where[same] = number
        text[at] = where
    n_texts = int(text.max()) + 1 if len(text) else 1
    if n_series * n_texts >= 1 << 62:  # numbered afresh: at most one per row
        text = np.asarray(pd.factorize(text)[0], dtype=np.int64)
        n_texts = len(text) + 1
    # The distinct (series, text) pairs, by hashing (``np.unique`` sorts, or hashes slower).
    pairs = pd.unique(s * n_texts + text)
    return np.bincount(pairs // n_texts, minlength=n_series)


def _conflicts(
    frame: pd.DataFrame,
    at: Ints,
    bounds: Ints,
    periods: list[Period],
    which: Ints,
) -> tuple[Ints, dict[int, Reconciled], dict[int, Figures]]:
    """The spans (``bounds[g]:bounds[g + 1]`` of the frame rows ``at``; ``periods[which[g]]``)
    whose figures conflict, and their ``Reconciled``, by number (module docstring); for
    those decided at once, what a listing shows of them (``Figures``), by number too."""
    sizes = np.diff(bounds)
    several = np.flatnonzero(sizes > 1)
    if not len(several):
        return np.zeros(0, dtype=np.int64), {}, {}
    counts = sizes[several]
    group = np.repeat(np.arange(len(several)), counts)
    starts = np.cumsum(counts) - counts
    positions = np.arange(int(counts.sum())) - np.repeat(starts, counts)
    positions += np.repeat(bounds[several], counts)
    frame_row = at[positions]
    value = frame["value"].to_numpy(dtype=np.float64)[frame_row]
    step = step_codes(frame)[frame_row]
    finite = np.isfinite(value) & np.isfinite(step)
    odd = np.zeros(len(several), dtype=bool)
    odd[group[~finite]] = True
    # The head of each span: its first figure of the least step.
    least = np.minimum.reduceat(np.where(finite, step, 0.0), starts)
    candidates = np.flatnonzero(step == least[group])
    first_of = np.ones(len(candidates), dtype=bool)
    first_of[1:] = group[candidates[1:]] != group[candidates[:-1]]
    head = np.zeros(len(several), dtype=np.int64)
    head[group[candidates[first_of]]] = candidates[first_of]
    heads = head[group]
    head_value, head_step = value[heads], step[heads]
    with np.errstate(invalid="ignore", over="ignore"):
        half = (head_step + step) / 2
        tolerance = 1e-9 * np.maximum(np.maximum(np.abs(head_value), np.abs(value)), 1.0)
        agree = np.abs(head_value - value) < half - tolerance
    agree[heads == np.arange(len(value))] = True
    conflict = np.zeros(len(several), dtype=bool)
    conflict[group[~agree]] = True
    conflict &= ~odd
    # Where no two figures of a conflicting span agree (most), ``decide_disagreeing`` picks
    # the figure and the reason for all at once; their observations are made when first
    # asked for (``_Deferred``). The rest, and the spans not finite, as the reference does.
    rows = np.flatnonzero(conflict[group])
    conflicting = np.flatnonzero(conflict)
    quick = np.append(0, np.cumsum(counts[conflicting]))
    flag_codes, flag_texts = codes_of(frame["flags"])
    words = [split_flags(t) for t in flag_texts]
    exact = np.array([not any(w in QUALIFIERS for w in ws) for ws in words], dtype=bool)
    official = np.array([OFFICIAL_STATEMENT in ws for ws in words], dtype=bool)
    qualifier = [next((w for w in ws if w in QUALIFIERS), "") for ws in words]
    published_codes, published_texts = codes_of(frame["published"])
    rank = np.empty(len(published_texts), dtype=np.int64)
    rank[sorted(range(len(published_texts)), key=published_texts.__getitem__)] = np.arange(
        len(published_texts)
    )
    codes = flag_codes[frame_row[rows]]
    winner, reason = decide_disagreeing(
        quick,
        value[rows],
        step[rows],
        exact[codes],
        official[codes],
        rank[published_codes[frame_row[rows]]],
    )
    decided = np.flatnonzero(winner >= 0)
    odd[conflicting[winner < 0]] = True
    chosen = rows[winner[decided]]
    source = _Deferred(frame, frame_row[rows], quick, winner)
    decided_spans = several[conflicting[decided]]
    made_of = zip(
        decided.tolist(),
        decided_spans.tolist(),
        which[decided_spans].tolist(),
        value[chosen].tolist(),
        flag_codes[frame_row[chosen]].tolist(),
        reason[decided].tolist(),
        strict=True,
    )
    reconciled: dict[int, Reconciled] = {}
    for number, span, period, kept, code, why in made_of:
        reconciled[span] = Reconciled.deferred(
            periods[period], kept, qualifier[code], REASON_CODES[why], True, source, number
        )
    # What a listing shows of those, read from the arrays: superseded values, kept flags.
    figures: dict[int, Figures] = {}
    superseded = _superseded(value[rows], quick, winner, decided)
    for span, values, code in zip(
        decided_spans.tolist(), superseded, flag_codes[frame_row[chosen]].tolist(), strict=True
    ):
        if values is not None:
            figures[span] = (values, words[code])
    listed = np.flatnonzero(odd)
    wanted = [np.arange(starts[g], starts[g] + counts[g]) for g in listed.tolist()]
    made = _observations(frame, frame_row[np.concatenate(wanted)]) if wanted else []
    taken = 0
    for g in listed.tolist():
        span, n = int(several[g]), int(counts[g])
        rec = reconcile_span(periods[int(which[span])], made[taken : taken + n])
        taken += n
        if rec.conflict:
            reconciled[span] = rec
    spans = np.array(sorted(reconciled), dtype=np.int64)
    return spans, reconciled, figures


def _superseded(
    values: Floats, bounds: Ints, winner: Ints, spans: Ints
) -> list[tuple[float, ...] | None]:
    """For each of ``spans`` (figures ``values[bounds[g]:bounds[g + 1]]``, of which
    ``values[winner[g]]`` is kept), the distinct values of the others, ascending. None for
    a span with a zero among them: a set of figures keeps the first of 0.0 and -0.0 it
    meets, which the observations tell."""
    counts = np.diff(bounds)[spans]
    group = np.repeat(np.arange(len(spans)), counts)
    position = ranges(bounds[spans], counts)
    others = position != np.repeat(winner[spans], counts)
    group, value = group[others], values[position[others]]
    del position, others
    order = np.lexsort((value, group))
    group, value = group[order], value[order]
    new = np.ones(len(value), dtype=bool)
    new[1:] = (group[1:] != group[:-1]) | (value[1:] != value[:-1])
    group, value = group[new], value[new]
    zero = np.bincount(group[value == 0], minlength=len(spans)) > 0
    ends = np.searchsorted(group, np.arange(len(spans) + 1)).tolist()
    listed = value.tolist()
    return [
        None if z else tuple(listed[a:b])
        for a, b, z in zip(ends[:-1], ends[1:], zero.tolist(), strict=True)
    ]


_Observed = tuple[Observation, tuple[Observation, ...], tuple[Observation, ...]]


class _Deferred:
    """The observations of conflicting spans in which no two figures agree, made for all
    of them at once when one is first asked for (``reconcile.ObservationSource``). Span
    ``i`` is the frame rows ``rows[bounds[i]:bounds[i + 1]]`` (in frame order), of which
    ``rows[chosen[i]]`` is kept."""

    def __init__(self, frame: pd.DataFrame, rows: Ints, bounds: Ints, chosen: Ints) -> None:
        self.frame, self.rows, self.bounds, self.chosen = frame, rows, bounds, chosen
        self.made: list[Observation] | None = None

    def single_dict(self, span: int, period: Period) -> None:
        """None: every span here has several figures (``observed``)."""
        return None

    def lone_source(self, span: int, period: Period) -> None:
        """None: the observations are made (``observed``)."""
        return None

    def observed(self, span: int, period: Period) -> _Observed:
        """As ``reconcile.decide`` leaves such a span: the chosen figure alone in its
        cluster, the others superseded in order of precision (ties in frame order)."""
        if self.made is None:
            self.made = _observations(self.frame, self.rows)
        low, high, chosen = (
            int(self.bounds[span]),
            int(self.bounds[span + 1]),
            int(self.chosen[span]),
        )
        kept = self.made[chosen]
        others = [self.made[i] for i in range(low, high) if i != chosen]
        return kept, (kept,), tuple(sorted(others, key=_step))


def _step(obs: Observation) -> float:
    return obs.step


def _observations(frame: pd.DataFrame, at: Ints) -> list[Observation]:
    """The frame rows ``at`` (in that order) as ``Observation``s."""
    if not len(at):
        return []
    source = RowSource(frame.iloc[at])
    return [source.observation(i) for i in range(len(source))]


__all__ = ["InventoryParts", "inventory_parts"]
