"""Duplicates, revisions and conflicts among observations of one series and span.

Values that agree within the precision they were published with (1.9 billion
and 1.92 billion) are one value: the most precise, with every source kept.
Values that disagree are ranked, in this order: quality flags that exclude
(``suspect-unit``, ``low-trust``; kept only with ``include_flagged``), exact
over approximate, statistical release over ``official-statement``, the later
published date (a revision), more significant digits. The losers stay listed.

The decision itself (``decide``) works on light ``Figure`` tuples (value,
precision, rank), and ``decide_disagreeing`` makes it for many spans at once
with numpy where no two figures agree, so the series engine can reconcile tens
of thousands of spans without building an ``Observation`` per row; its
``Reconciled`` values build their observations only when something asks for
them (``--explain``, JSON output, conflict listings).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

from tradecli.observations import EXCLUDED_FLAGS, Coded, Observation
from tradecli.periods import Period

RANK_REASONS = (
    "exact figure preferred to an approximate one",
    "statistical release preferred to an official statement",
    "later publication preferred (a revision)",
    "more precise figure preferred",
)

SAME_RANK = "same rank; the more precise figure kept"
# What ``decide_disagreeing`` returns as reason codes: 0 is no conflict.
REASON_CODES = ("", *RANK_REASONS, SAME_RANK)
# Spans with more figures than this go through ``decide`` one by one.
MAX_QUICK = 16
# ``decide_disagreeing`` works through this many rows at a time: its temporaries, about
# 80 bytes a row, beside the bulk engine's file-long arrays. 1 << 19 -> 1 << 17: the peak
# of building a 10M-row file's columns 20 MB less, in the same CPU time (0.9 s).
CHUNK_ROWS = 1 << 17

Rank = tuple[bool, bool, str, float]


def _agree(a_value: float, a_step: float, b_value: float, b_step: float) -> bool:
    half = (a_step + b_step) / 2
    return abs(a_value - b_value) < half - 1e-9 * max(abs(a_value), abs(b_value), 1.0)


def agree(a: Observation, b: Observation) -> bool:
    """True when the two values are equal within the precision both were published with.

    Each figure stands for an interval of ± half its last digit; they agree
    when the intervals overlap (touching is not overlapping: 5.8 vs 5.9).
    """
    return _agree(a.value, a.step, b.value, b.step)


def is_excluded(obs: Observation, include_flagged: bool) -> bool:
    return not include_flagged and any(f in EXCLUDED_FLAGS for f in obs.flags)


def _rank(obs: Observation) -> Rank:
    """Larger is better: exact, not an official statement, later published, more precise."""
    return (not obs.qualifier, not obs.is_official_statement, obs.published, -obs.step)


class Figure(NamedTuple):
    """What reconciliation needs of one observation: its value, precision and rank."""

    value: float
    step: float
    rank: Rank


class Decision(NamedTuple):
    """The outcome for one span, as positions in the list of figures given to ``decide``."""

    chosen: int
    winning: tuple[int, ...]
    superseded: tuple[int, ...]
    reason: str


_SINGLE = Decision(0, (0,), (), "")


def decide(figures: Sequence[Figure]) -> Decision:
    """Reconcile the figures of one span (see the module docstring).

    Figures are clustered greedily in order of precision (most precise first,
    ties in the given order): each joins the first cluster whose head (its most
    precise member) it agrees with. The cluster whose best-ranked member ranks
    highest wins (ties: the earlier cluster); its value is that of its most
    precise member (ties: the better-ranked, then the earlier). A single figure
    needs no ranking.
    """
    if len(figures) == 1:
        return _SINGLE
    clusters: list[list[int]] = []
    for i in sorted(range(len(figures)), key=lambda k: figures[k].step):
        value, step, _ = figures[i]
        for cluster in clusters:
            head = figures[cluster[0]]
            if _agree(head.value, head.step, value, step):
                cluster.append(i)
                break
        else:
            clusters.append([i])

    def rank(i: int) -> Rank:
        return figures[i].rank

    best = [max(cluster, key=rank) for cluster in clusters]
    winner = max(range(len(clusters)), key=lambda k: (rank(best[k]), -k))
    winning = clusters[winner]
    chosen = min(sorted(winning, key=rank, reverse=True), key=lambda i: figures[i].step)
    losers = tuple(i for k, cluster in enumerate(clusters) if k != winner for i in cluster)
    reason = ""
    if losers:
        runner_up = max((best[k] for k in range(len(clusters)) if k != winner), key=rank)
        reason = _reason(rank(best[winner]), rank(runner_up))
    return Decision(chosen, tuple(winning), losers, reason)


def decide_disagreeing(
    bounds: NDArray[np.int64],
    value: NDArray[np.float64],
    step: NDArray[np.float64] | Coded,
    exact: NDArray[np.bool_] | Coded,
    official: NDArray[np.bool_] | Coded,
    published: NDArray[np.integer[Any]] | Coded,
    *,
    reasons: bool = True,
    at: NDArray[np.integer[Any]] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``decide`` for many spans at once, where it is simple: spans in which no two
    figures agree (every figure is its own cluster), including single figures.

    Rows come grouped by span, span ``g`` being rows ``bounds[g]:bounds[g + 1]``
    in their original order; ``published`` ranks the published-date texts (0 for
    the first in text order). Returns, per span, the
    winning row (``-1``: some figures agree, or the span is large or not finite:
    use ``decide``) and the reason code (an index into ``REASON_CODES``). With
    every figure alone in its cluster, ``decide`` picks the best-ranked figure
    (ties: the earlier in order of precision, which for equal ranks is the original
    order), supersedes the rest, and names the first rank component in which it
    beats the runner-up (``reasons``: False leaves every reason code 0, unworked).

    ``at``: row ``i``'s value, step and published rank are ``value[at[i]]``,
    ``step[at[i]]`` and ``published[at[i]]`` (the columns of a larger table, taken a chunk
    at a time rather than copied whole); None: ``value[i]``, ``step[i]``, ``published[i]``.
    ``step``, ``exact``, ``official`` and ``published`` may be ``Coded``: read a chunk at a
    time too.
    """
    n_groups = len(bounds) - 1
    if n_groups < 1 or bounds[-1] - bounds[0] <= CHUNK_ROWS:
        every = slice(None)
        if at is not None:
            value = value[at]
        return _decide_part(
            bounds,
            value,
            step[every if at is None else at],
            exact[every],
            official[every],
            published[every if at is None else at],
            reasons,
        )
    # A hundred thousand rows or so at a time, whole spans each: every temporary is a
    # chunk long, made again from memory just freed, not as long as the file.
    winner = np.full(n_groups, -1, dtype=np.int64)
    reason = np.zeros(n_groups, dtype=np.int64)
    cuts = np.searchsorted(bounds, np.arange(bounds[0], bounds[-1], CHUNK_ROWS))
    cuts = np.unique(np.append(np.minimum(cuts, n_groups), n_groups))
    cuts = cuts[cuts > 0]
    low_group = 0
    # Ranks below this (any bound will do: the same for every chunk).
    published_ranks = published.table if isinstance(published, Coded) else published
    n_published = int(published_ranks.max()) + 1 if len(published_ranks) else 1
    for high_group in cuts.tolist():
        low, high = int(bounds[low_group]), int(bounds[high_group])
        part = slice(low, high)
        rows = part if at is None else at[part]
        won, why = _decide_part(
            bounds[low_group : high_group + 1] - low,
            value[rows],
            step[rows],
            exact[part],
            official[part],
            published[rows],
            reasons,
            n_published,
        )
        won[won >= 0] += low
        winner[low_group:high_group] = won
        if reasons:  # else all 0, as made (its pages never touched)
            reason[low_group:high_group] = why
        low_group = high_group
    return winner, reason


def _decide_part(
    bounds: NDArray[np.int64],
    value: NDArray[np.float64],
    step: NDArray[np.float64],
    exact: NDArray[np.bool_],
    official: NDArray[np.bool_],
    published: NDArray[np.integer[Any]],
    reasons: bool,
    n_published: int = 0,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``decide_disagreeing`` over spans whose rows are all there (``bounds[0]`` is 0);
    ``n_published``: the number of published-date ranks (0: from ``published``)."""
    sizes = np.diff(bounds)
    n_groups, n_rows = len(sizes), len(value)
    winner = np.full(n_groups, -1, dtype=np.int64)
    reason = np.zeros(n_groups, dtype=np.int64)
    if not n_groups:
        return winner, reason
    # Each row's span: a running count of the spans begun (quicker than ``np.repeat``).
    group = np.bincount(bounds[1:-1], minlength=n_rows)[:n_rows]
    np.cumsum(group, out=group)
    simple = sizes <= MAX_QUICK
    simple[group[~(np.isfinite(value) & np.isfinite(step))]] = False
    # Every pair of rows k apart within a span, as in ``_agree`` (the same float operations),
    # for the rows with at least k more rows in their span (``after``): a set that shrinks
    # fast as k grows, since most spans have a few figures. First the pairs closer than half
    # their summed steps (a superset: the tolerance is not negative), then ``_agree``'s test
    # on those few.
    # (How many rows follow each row in its span, capped: small integers.)
    after = (bounds[1:] - 1)[group]
    after -= np.arange(n_rows, dtype=np.int64)
    np.minimum(after, MAX_QUICK, out=after)
    follow = after.astype(np.int8)
    del after
    rows = np.flatnonzero(follow >= 1)
    # Buffers made once and reused for every k (a fresh array of millions of rows costs
    # more in page faults than the arithmetic on it).
    size = len(rows)
    buffers, held = (rows, np.empty(size, dtype=np.int64)), 0  # ``rows`` lives in one
    other = np.empty(size, dtype=np.int64)
    va, vb, half = np.empty(size), np.empty(size), np.empty(size)
    near, counts = np.empty(size, dtype=bool), np.empty(size, dtype=np.int8)
    k = 1
    with np.errstate(invalid="ignore"):  # inf - inf: such spans are not simple anyway
        while len(rows) and k < MAX_QUICK:
            m = len(rows)
            np.add(rows, k, out=other[:m])
            np.take(step, rows, out=half[:m], mode="clip")
            np.take(step, other[:m], out=va[:m], mode="clip")
            np.add(half[:m], va[:m], out=half[:m])
            half[:m] /= 2
            np.take(value, rows, out=va[:m], mode="clip")
            np.take(value, other[:m], out=vb[:m], mode="clip")
            np.subtract(va[:m], vb[:m], out=va[:m])
            np.abs(va[:m], out=va[:m])
            np.less(va[:m], half[:m], out=near[:m])
            if near[:m].any():
                a = rows[near[:m]]
                x, y = value[a], value[a + k]
                pair_half = (step[a] + step[a + k]) / 2
                tolerance = 1e-9 * np.maximum(np.maximum(np.abs(x), np.abs(y)), 1.0)
                simple[group[a[np.abs(x - y) < pair_half - tolerance]]] = False
            k += 1
            np.take(follow, rows, out=counts[:m], mode="clip")
            np.greater_equal(counts[:m], k, out=near[:m])
            left = int(np.count_nonzero(near[:m]))
            rows = np.compress(near[:m], rows, out=buffers[1 - held][:left])
            held = 1 - held
    del follow, buffers, other, va, vb, half, near, counts
    # Best rank first: exact, not official, later published, smaller step, then original
    # order. The first three in one integer (below 4 * dates), smallest best; then per span
    # the least of it, the least step among those, and the first row left.
    n_published = n_published or int(published.max()) + 1
    rank = np.where(exact, 0, 2 * n_published)
    rank += np.where(official, n_published, 0)
    rank += n_published - 1
    rank -= published
    starts = bounds[:-1]
    best = _first_best(rank, step, group, starts, n_groups)
    winner[simple] = best[simple]
    if not reasons:
        return winner, reason
    pairs = simple & (sizes > 1)
    # The runner-up: the best of the rest.
    rank[best[pairs]] = 4 * n_published
    runner_up = _first_best(rank, step, group, starts, n_groups)
    w, r = best[pairs], runner_up[pairs]
    codes = np.select(
        [
            exact[w] != exact[r],
            official[w] != official[r],
            published[w] != published[r],
            step[w] != step[r],
        ],
        [1, 2, 3, 4],
        default=len(REASON_CODES) - 1,
    )
    reason[pairs] = codes
    return winner, reason


def _first_best(
    rank: NDArray[np.int64],
    step: NDArray[np.float64],
    group: NDArray[np.int64],
    starts: NDArray[np.int64],
    n_groups: int,
) -> NDArray[np.int64]:
    """Per span (rows ``starts[g]`` on, ``group``: each row's span), the first row of the
    least ``rank`` and, among those, the least ``step`` (-1 where none: a NaN step)."""
    least = np.minimum.reduceat(rank, starts)
    rows = np.flatnonzero(rank == least[group])
    # Most spans have one row of the least rank; where several tie, the least step is
    # looked for among those rows alone (they lie together, in span order).
    of = group[rows]
    tied = np.zeros(len(rows), dtype=bool)
    if len(rows) > 1:
        again = of[1:] == of[:-1]
        tied[1:] |= again
        tied[:-1] |= again
        del again
    steps = step[rows]
    least_step = steps.copy()  # a row alone: its own step (NaN: none is the least)
    if tied.any():
        at = np.flatnonzero(tied)
        tied_of = of[at]
        begins = np.ones(len(at), dtype=bool)
        begins[1:] = tied_of[1:] != tied_of[:-1]
        heads = np.flatnonzero(begins)
        least_step[at] = np.repeat(
            np.minimum.reduceat(steps[at], heads), np.diff(np.append(heads, len(at)))
        )
    keep = steps == least_step
    rows, of = rows[keep], of[keep]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = of[1:] != of[:-1]
    out = np.full(n_groups, -1, dtype=np.int64)
    out[of[first]] = rows[first]
    return out


def _reason(winner: Rank, loser: Rank) -> str:
    for reason, w, lo in zip(RANK_REASONS, winner, loser, strict=True):
        if w != lo:
            return reason
    return SAME_RANK


_Observed = tuple[Observation, tuple[Observation, ...], tuple[Observation, ...]]


class ObservationSource(Protocol):
    """Where a deferred ``Reconciled`` gets its observations: (chosen, agreeing, superseded)
    of span number ``span``, which covers ``period``."""

    def observed(self, span: int, period: Period) -> _Observed: ...

    def single_dict(self, span: int, period: Period) -> dict[str, Any] | None:
        """When span ``span`` has one figure alone, its observation's ``to_dict()``, read
        without making the observation; else None (``observed`` then)."""
        ...

    def lone_source(self, span: int, period: Period) -> LoneSource | None:
        """When span ``span``'s reconciled value has one source (its chosen figure), that
        source's ``where()`` and flags, read without making the observation; else None
        (``observed`` then)."""
        ...


class LoneSource(NamedTuple):
    """The one source of a reconciled span: its ``where()`` and its flags."""

    where: str
    flags: tuple[str, ...]


class Reconciled:
    """The value of one series over one span after reconciliation.

    ``value``, ``qualifier``, ``reason`` and ``conflict`` are known at once;
    ``chosen``, ``agreeing`` and ``superseded`` (the observations behind them)
    may be built on first access (``deferred``). Equality and hashing compare
    the observations, as a dataclass of the five fields would.
    """

    __slots__ = (
        "_observed",
        "_source",
        "_span",
        "conflict",
        "period",
        "qualifier",
        "reason",
        "value",
    )

    def __init__(
        self,
        period: Period,
        chosen: Observation,
        agreeing: tuple[Observation, ...],
        superseded: tuple[Observation, ...],
        reason: str,
    ) -> None:
        self.period = period
        self.value: float = chosen.value
        self.qualifier: str = chosen.qualifier
        self.reason = reason
        self.conflict = bool(superseded)
        self._observed: _Observed | None = (chosen, agreeing, superseded)
        self._source: ObservationSource | None = None
        self._span = -1

    @classmethod
    def deferred(
        cls,
        period: Period,
        value: float,
        qualifier: str,
        reason: str,
        conflict: bool,
        source: ObservationSource,
        span: int,
    ) -> Reconciled:
        """A reconciled span whose observations ``source.observed(span, period)`` gives
        when they are first needed (nothing is allocated for them before)."""
        rec = cls.__new__(cls)
        rec.period, rec.value, rec.qualifier = period, value, qualifier
        rec.reason, rec.conflict = reason, conflict
        rec._observed, rec._source, rec._span = None, source, span
        return rec

    def _observations(self) -> _Observed:
        if self._observed is None:
            assert self._source is not None
            self._observed = self._source.observed(self._span, self.period)
            self._source = None
        return self._observed

    @property
    def chosen(self) -> Observation:
        return self._observations()[0]

    @property
    def agreeing(self) -> tuple[Observation, ...]:
        return self._observations()[1]

    @property
    def superseded(self) -> tuple[Observation, ...]:
        return self._observations()[2]

    @property
    def sources(self) -> tuple[Observation, ...]:
        chosen, agreeing, _ = self._observations()
        return (chosen, *(o for o in agreeing if o is not chosen))

    def _lone(self) -> LoneSource | None:
        """The one source, when the deferred source can say without the observations."""
        if self._observed is not None:
            return None
        assert self._source is not None
        return self._source.lone_source(self._span, self.period)

    def source_wheres(self) -> tuple[str, ...]:
        """``where()`` of each of ``sources`` (a span decided in bulk: read from its row)."""
        lone = self._lone()
        return (lone.where,) if lone is not None else tuple(o.where() for o in self.sources)

    def source_flags(self) -> set[str]:
        """The flags of every one of ``sources`` (a span decided in bulk: from its row)."""
        lone = self._lone()
        if lone is not None:
            return set(lone.flags)
        return {f for obs in self.sources for f in obs.flags}

    def source_dicts(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``to_dict()`` of each of ``sources`` and of ``superseded``. A span of one figure
        not yet looked at is read from its row by its source (``single_dict``): a JSON of
        a whole file asks this of every month, and builds no ``Observation`` for it."""
        if self._observed is None and not self.conflict:
            assert self._source is not None
            single = self._source.single_dict(self._span, self.period)
            if single is not None:
                return [single], []
        return [o.to_dict() for o in self.sources], [o.to_dict() for o in self.superseded]

    def _fields(self) -> tuple[Any, ...]:
        return (self.period, *self._observations(), self.reason)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Reconciled):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        chosen, agreeing, superseded = self._observations()
        return (
            f"Reconciled(period={self.period!r}, chosen={chosen!r}, agreeing={agreeing!r}, "
            f"superseded={superseded!r}, reason={self.reason!r})"
        )


def reconcile_span(period: Period, observations: list[Observation]) -> Reconciled:
    """Reconcile the (non-excluded) observations of one series over one span."""
    if len(observations) == 1:  # ``decide``'s single figure, without ranking it
        only = observations[0]
        return Reconciled(period, only, (only,), (), _SINGLE.reason)
    decision = decide([Figure(o.value, o.step, _rank(o)) for o in observations])
    return Reconciled(
        period,
        observations[decision.chosen],
        tuple(observations[i] for i in decision.winning),
        tuple(observations[i] for i in decision.superseded),
        decision.reason,
    )


@dataclass(frozen=True)
class SpanTable:
    """All spans of one series: reconciled values, and what was excluded."""

    spans: dict[Period, Reconciled]
    excluded: tuple[Observation, ...]


def reconcile(observations: Iterable[Observation], include_flagged: bool = False) -> SpanTable:
    by_span: dict[Period, list[Observation]] = {}
    excluded: list[Observation] = []
    for obs in observations:
        if is_excluded(obs, include_flagged):
            excluded.append(obs)
        else:
            by_span.setdefault(obs.period, []).append(obs)
    spans = {p: reconcile_span(p, obs) for p, obs in sorted(by_span.items())}
    return SpanTable(spans, tuple(excluded))
