"""``tradecli revisions``: what changed between two vintages of the data.

A vintage is the data as known on a date: the figures published on or before it
(undated ones left out, as ``--vintage`` does everywhere). Between an earlier
vintage A and a later one B (default: the current data, every figure), a
*revision* is a series and span that has a published figure in both whose
reconciled value differs (AZE–TJK 2022: $5.8M as known on 2023-09-14, $5.9M
later). The *derived answers that moved with it* are worked out on B twice, once
as it is and once with the revised figures put back as A knew them: the
like-for-like change of the revised span and of the span a year later, and, for a
revised export or import, the turnover found as export + import over those spans.
Two more derived answers are followed: the *shares* over the revised span of the
revised partner and of every other member of each group that contains it (or whose
published total was revised), as ``share --vs GROUP`` gives them, where both
vintages have a share (a published total or a complete member sum); and the
*projection* of the year of a revised year-to-date span, its linear run-rate. Only
the answers whose values differ are listed (AZE–TJK 2023 vs 2022: +5.2% with $5.8M,
+3.4% with $5.9M).

Which spans both vintages publish and which of them differ is found from the columns
for every series that is simple in both (months, years, years to date:
``revisions_bulk``), once there are many series; other series span by span. The answers
themselves, and the derived ones, come from the dataset's backend over each vintage
(``TRADECLI_BACKEND=bulk``: the bulk backend, which prints what the reference engine
prints); once there are many series, over the rows of the series those answers can read
alone (``_readable``: the revised reporter-partner pairs, and the groups whose totals may
be whole), not every row: an engine's span index of every series of a whole file is a
few hundred MB, and most are never asked. A revised figure is a span of the data in
both vintages: its answer is rule 1's (the span's reconciled figure), looked up in each
engine's span index for all the revised figures at once (``Engine.figures``: 47,000 on
sparse 1M, asked one by one through the rules, cost 1.6 s and 110 MB). With many revised
figures, each
vintage's bulk helper (``engine.masks``) says first which derived answers are found, so
the many that are not (a member's missing month, a span a year on) are never walked
through the rules: a share is worked out only where a published total or a complete
member sum can be its denominator (a world sum over the partners present is partial,
never shown), and a member sum asks only for the members with a figure. The moved values
and changes of simple keys are read off the arrays of each engine's columns
(``revisions_bulk.read_moved``), answers made only for those that moved.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradecli.analysis.growth import Change
from tradecli.analysis.projection import Method, Projection, project_from
from tradecli.analysis.share import Share, share_of
from tradecli.dataset import Dataset, Filters, apply_filters, check_vintage
from tradecli.engine import backend
from tradecli.engine import bulk as bulk_engine
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.masks import Bulk, bulk_for
from tradecli.engine.reference import Engine
from tradecli.engine.series import Series, SpanKey, codes_of, series_of
from tradecli.errors import BadRequest
from tradecli.groups import Group, Groups
from tradecli.heap import give_back
from tradecli.periods import Period
from tradecli.selection import Selection

# Two reconciled values closer than this (relative) are the same figure.
TOLERANCE = 1e-9
KEY_COLUMNS = ["reporter", "partner", "flow", "currency", "first", "last"]
Bools = NDArray[np.bool_]


def differ(a: float | None, b: float | None) -> bool:
    """Two values (None: no value) that are not the same number."""
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > TOLERANCE * max(abs(a), abs(b), 1.0)


@dataclass(frozen=True)
class Revision:
    """One published figure whose reconciled value changed between the vintages."""

    old: Answer  # the exact answer as known on the earlier vintage
    new: Answer  # ... and on the later one

    @property
    def key(self) -> SeriesKey:
        return self.new.key

    @property
    def period(self) -> Period:
        return self.new.period

    @property
    def change(self) -> float:
        return float((self.new.value or 0.0) - (self.old.value or 0.0))

    @property
    def relative(self) -> float | None:
        if not self.old.value:
            return None
        return float((self.new.value or 0.0) / self.old.value - 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.key.to_dict(),
            "period": self.period.iso(),
            "old": self.old.value,
            "new": self.new.value,
            "change": self.change,
            "relative_change": self.relative,
            "old_sources": _sources(self.old),
            "new_sources": _sources(self.new),
        }


@dataclass(frozen=True)
class Moved:
    """A derived answer whose value moved with revised figures: ``old`` is worked out on
    the later vintage with the revised figures as the earlier one knew them."""

    key: SeriesKey
    # "growth" (a like-for-like change), "value" (a derived value), "share" (of ``group``)
    # or "projection" (the linear run-rate of the year of a year-to-date span)
    measure: str
    old: Change | Answer | Share | Projection
    new: Change | Answer | Share | Projection
    because: tuple[Revision, ...]
    group: str | None = None  # the group of a share

    @property
    def old_value(self) -> float | None:
        return self.old.value

    @property
    def new_value(self) -> float | None:
        return self.new.value

    @property
    def period(self) -> Period:
        if isinstance(self.new, Change):
            return self.new.current.period
        if isinstance(self.new, Projection):
            return self.new.basis.period
        return self.new.period

    @property
    def label(self) -> str:
        if isinstance(self.new, Change):
            return self.new.label
        if isinstance(self.new, Share):
            return f"share of {self.group} over {self.period.label()}"
        if isinstance(self.new, Projection):
            return f"run-rate {self.new.year} from {self.period.label()}"
        return self.new.period.label()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            **self.key.to_dict(),
            "measure": self.measure,
            "period": self.period.iso(),
            "old": self.old_value,
            "new": self.new_value,
            "because": [f"{r.key.label()} {r.period.iso()}" for r in self.because],
        }
        if isinstance(self.new, Change):
            out["base_period"] = self.new.base.period.iso()
        if self.group is not None:
            out["group"] = self.group
        if isinstance(self.new, Projection):
            out["year"] = self.new.year
        return out


@dataclass(frozen=True)
class Revisions:
    before: str | None  # None: each figure as first published
    after: str | None  # None: the current data
    revisions: list[Revision]
    moved: list[Moved]
    first_published: int  # spans with a figure in the later vintage only
    left_out: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def before_label(self) -> str:
        return f"as known on {self.before}" if self.before else "as first published"

    @property
    def after_label(self) -> str:
        return f"as known on {self.after}" if self.after else "the current data"

    def to_dict(self) -> dict[str, Any]:
        return {
            "from_vintage": self.before,
            "to_vintage": self.after,
            "revisions": [r.to_dict() for r in self.revisions],
            "moved": [m.to_dict() for m in self.moved],
            "first_published": self.first_published,
            "left_out": self.left_out,
        }

    def report(self) -> Any:
        from tradecli.analysis.revisions_report import report

        return report(self)


def _sources(answer: Answer) -> list[dict[str, Any]]:
    # A figure from the bulk backend's columns carries no reconciled record: its
    # reference answer does (the same figure).
    if isinstance(answer, bulk_engine.BulkAnswer):
        answer = answer.reference()
    if answer.reconciled is None:
        return []
    return [o.to_dict() for o in answer.reconciled.sources]


def _derived(answer: Answer) -> Answer:
    """The answer with its derivation (its sources): a bulk backend's answer made from
    the arrays gives the reference engine's answer to the same question."""
    return answer.reference() if isinstance(answer, bulk_engine.BulkAnswer) else answer


def check_vintages(before: str | None, after: str | None) -> None:
    """Both vintages are dates (or None), the earlier before the later (``BadRequest``
    otherwise, naming the option)."""
    check_vintage(before, "--from-vintage")
    check_vintage(after, "--to-vintage")
    if before is not None and after is not None and after <= before:
        raise BadRequest(
            f"--to-vintage {after} is not after --from-vintage {before}", "--to-vintage"
        )


def revisions(
    dataset: Dataset,
    before: str | None,
    after: str | None = None,
    selection: Selection | None = None,
) -> Revisions:
    """The figures revised between vintage ``before`` (None: each figure as first
    published, the rows of the earliest publication date of its series and span) and
    ``after`` (None: the current data) among the series of ``selection``, and the
    derived answers that moved.

    ``dataset`` is the data loaded without a vintage (``BadRequest`` otherwise)."""
    check_vintages(before, after)
    if dataset.filters.vintage is not None:
        raise BadRequest(
            "revisions compares two vintages: give them as --from-vintage and --to-vintage",
            "--vintage",
        )
    flagged = dataset.filters.include_flagged
    codes = dataset.groups.codes
    frame_b, left_b = apply_filters(dataset.frame, Filters(flagged, after))
    if before is None:
        frame_a, left_a = as_first_published(frame_b)
    else:
        frame_a, left_a = apply_filters(dataset.frame, Filters(flagged, before))
    # The dataset's own backend over each vintage (``TRADECLI_BACKEND=bulk``: the bulk one).
    forced = os.environ.get(bulk_engine.ENV) == bulk_engine.NAME
    engine = backend(bulk_engine.NAME if forced else dataset.engine_name)

    def make(frame: pd.DataFrame) -> Engine:
        made: Engine = engine(frame, flagged, codes)
        return made

    series_b = series_of(frame_b)
    keys = [k for k in series_b.keys if selection is None or _selected(selection, k)]
    if bulk_engine.enabled(len(keys)):
        found, first_published, moved = _from_columns(
            frame_a, frame_b, series_b, keys, make, dataset.groups, flagged
        )
    else:
        old, new = make(frame_a), make(frame_b)
        keys = [k for k in new.keys() if selection is None or _selected(selection, k)]
        first_published, found = _span_by_span(old, new, keys)
        found.sort(key=_in_order)
        moved = _moved(found, frame_a, frame_b, new, make, dataset.groups, old)
    left = {"from": left_a, "to": left_b}
    return Revisions(before, after, found, moved, first_published, left)


def _span_by_span(old: Engine, new: Engine, keys: list[SeriesKey]) -> tuple[int, list[Revision]]:
    """How many spans of ``keys`` the later vintage (``new``) alone publishes, and the
    revisions of those both publish, asking the engines of both vintages span by span."""
    found: list[Revision] = []
    first_published = 0
    for key in keys:
        before_spans = set(old.periods(key))
        for period in new.periods(key):
            if period not in before_spans:
                first_published += 1
                continue
            a, b = old.value(key, period), new.value(key, period)
            if differ(a.value, b.value):
                found.append(Revision(_derived(a), _derived(b)))
    return first_published, found


def _in_order(r: Revision) -> tuple[SeriesKey, Period]:
    return r.key, r.period


def _from_columns(
    frame_a: pd.DataFrame,
    frame_b: pd.DataFrame,
    series_b: Series,
    keys: list[SeriesKey],
    make: Callable[[pd.DataFrame], Engine],
    groups: Groups,
    flagged: bool,
) -> tuple[list[Revision], int, list[Moved]]:
    """``revisions`` of many series: the revised figures and first published spans of the
    simple series from the columns of each vintage (``revisions_bulk``), of the others
    span by span; then each answer shown, and the derived answers, from engines over the
    rows of the series they can read alone (``_readable``), not over every row (a span
    index per vintage, of every series, held a few hundred MB of a whole file)."""
    from tradecli.analysis.revisions_bulk import simple_revisions

    series_a = series_of(frame_a)
    earlier = bulk_engine.Columns(frame_a, flagged, series_a)
    later = bulk_engine.Columns(frame_b, flagged, series_b)
    quick = simple_revisions(earlier, later, keys, TOLERANCE)
    del earlier, later
    first_published, found = quick.first_published, list[Revision]()
    if quick.rest:
        rest = set(quick.rest).__contains__
        old, new = make(_rows_of(frame_a, series_a, rest)), make(_rows_of(frame_b, series_b, rest))
        more, found = _span_by_span(old, new, quick.rest)
        first_published += more
        del old, new
    revised = [*quick.revised, *((r.key, r.period) for r in found)]
    readable = _readable(revised, set(series_b.keys), groups)
    sub_a, sub_b = _rows_of(frame_a, series_a, readable), _rows_of(frame_b, series_b, readable)
    old, new = make(sub_a), make(sub_b)
    # Each is a figure of both vintages: rule 1's answer, found for all at once.
    was, now = _figures(old, quick.revised), _figures(new, quick.revised)
    found.extend(map(Revision, was, now))
    del was, now
    found.sort(key=_in_order)
    moved = _moved(found, sub_a, sub_b, new, make, groups, old)
    # The engines' temporaries (span indexes, bulk helpers, the columns of ``_moved``)
    # freed into the C heap in pieces: handed back before the records are made, the
    # command's peak (sparse 1M: 900 -> 870 MB).
    give_back()
    return found, first_published, moved


def _figures(engine: Engine, spans: list[tuple[SeriesKey, Period]]) -> list[Answer]:
    """``_derived(engine.value(key, span))`` of each of ``spans``, each a span of the data
    (``Engine.figures``: rule 1's answers, looked up all at once; another asked)."""
    return [
        _derived(engine.value(key, span)) if answer is None else answer
        for (key, span), answer in zip(spans, engine.figures(spans), strict=True)
    ]


def _rows_of(
    frame: pd.DataFrame, series: Series, wanted: Callable[[SeriesKey], bool]
) -> pd.DataFrame:
    """The rows of ``frame`` (whose series are ``series``) of the series ``wanted``, in
    frame order."""
    keep = np.fromiter(map(wanted, series.keys), dtype=bool, count=len(series.keys))
    if keep.all():
        return frame
    rows: pd.DataFrame = frame[keep[series.of_row]]
    return rows.reset_index(drop=True)


def _readable(
    revised: list[tuple[SeriesKey, Period]], keys: set[SeriesKey], groups: Groups
) -> Callable[[SeriesKey], bool]:
    """Whether a series may be read by a derived answer of ``revised`` (``_moved``), with
    ``keys`` the series of the later vintage: those of the revised reporter, partner and
    currency (every flow: a turnover is export + import); and for each group of a share
    whose total may be whole in the later vintage (``_may_be_whole``), the series of its
    code and members (world: its code's, whose published total is the only whole one;
    every partner of the reporter when that total is the revised figure). A share over
    any other group is no share in the later vintage, over any rows: such groups are
    left out."""
    pairs: set[tuple[str, str, str]] = set()
    reporters: set[tuple[str, str]] = set()
    groups_of = cache(partial(_groups_of, groups))
    for key, period in revised:
        pairs.add((key.reporter, key.partner, key.currency))
        for group in groups_of(key.partner):
            if not _may_be_whole(keys, key, group, period):
                continue
            if group.every_partner:
                # A world share is over the published total (a sum over the partners
                # present is partial, never shown): the revised partner's series and the
                # code's; of a revised total, the shares of every partner.
                if key.partner == group.code:
                    reporters.add((key.reporter, key.currency))
                else:
                    pairs.add((key.reporter, group.code, key.currency))
                continue
            partners = [group.code] if group.code else []
            for partner in (*partners, *group.members_during(period)):
                pairs.add((key.reporter, partner, key.currency))

    def readable(key: SeriesKey) -> bool:
        return (key.reporter, key.currency) in reporters or (
            key.reporter,
            key.partner,
            key.currency,
        ) in pairs

    return readable


def _may_be_whole(keys: set[SeriesKey], key: SeriesKey, group: Group, span: Period) -> bool:
    """False when ``group``'s total over ``span`` (``key``'s reporter, flow and currency)
    can be neither a published total nor a complete member sum, whatever the figures: its
    code has no series among ``keys``, and it is world (a sum over the partners present is
    partial) or a member has none (its sum lacks it). Then no share of it is whole
    (``_whole_share``: None, with or without the bulk helper)."""

    def findable(k: SeriesKey) -> bool:  # as ``Engine.findable``
        return k in keys or (
            k.flow == "turnover" and k.with_flow("export") in keys and k.with_flow("import") in keys
        )

    if group.code and findable(key.with_partner(group.code)):
        return True
    if group.every_partner:
        return False
    members = (m for m in group.members_during(span) if m != key.reporter)
    return all(findable(key.with_partner(m)) for m in members)


def as_first_published(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Each series and span as first published: its rows of the earliest publication
    date (undated rows left out: when they came is not known); the rows left out, counted.

    Worked out on integers: each date text's place in the texts' order, and one key per
    row for its series and span; the rows sorted by key, then date, begin each span with
    its earliest date (a group-by of the six key columns and the texts held a second
    frame's worth of memory)."""
    codes, texts = codes_of(frame["published"])
    by_text = sorted(range(len(texts)), key=texts.__getitem__)
    rank = np.empty(len(texts), dtype=np.int64)
    rank[by_text] = np.arange(len(texts))
    undated = np.array([t == "" for t in texts], dtype=bool)
    rows = np.flatnonzero(~undated[codes])
    date = rank[codes[rows]]
    first = frame["first"].to_numpy()[rows].astype(np.int64)
    last = frame["last"].to_numpy()[rows].astype(np.int64)
    series = series_of(frame).of_row[rows]
    span = SpanKey.of(first, last, int(series.max(initial=0)) + 1).keys(series, first, last)
    order = np.lexsort((date, span))
    begins = np.ones(len(rows), dtype=bool)
    begins[1:] = span[order[1:]] != span[order[:-1]]
    earliest = np.empty(len(rows), dtype=np.int64)
    earliest[order] = date[order][begins][np.cumsum(begins) - 1]
    kept = rows[date == earliest]
    left_out = {
        "published later than the first figure of its span": len(rows) - len(kept),
        "no publication date": len(frame) - len(rows),
    }
    keep = np.zeros(len(frame), dtype=bool)
    keep[kept] = True
    first_figures: pd.DataFrame = frame[keep]
    return first_figures.reset_index(drop=True), {k: v for k, v in left_out.items() if v}


def _selected(selection: Selection, key: SeriesKey) -> bool:
    return (
        (selection.reporter is None or key.reporter == selection.reporter)
        and (selection.partner is None or key.partner == selection.partner)
        and (selection.flow is None or key.flow == selection.flow)
    )


def _moved(
    found: list[Revision],
    frame_a: pd.DataFrame,
    frame_b: pd.DataFrame,
    new: Engine,
    make: Callable[[pd.DataFrame], Engine],
    groups: Groups,
    earlier: Engine,
) -> list[Moved]:
    """The derived answers worked out on the later vintage that differ when the revised
    figures are put back as the earlier vintage knew them (``make``: an engine over a
    frame; ``groups``: the groups of the shares; ``earlier``: the engine of the earlier
    vintage, which must have a share too)."""
    if not found:
        return []
    revised = [(r.key, r.period) for r in found]
    in_b, in_a = _rows_at(frame_b, revised), _rows_at(frame_a, revised)
    back = pd.concat([frame_b[~in_b], frame_a[in_a]], ignore_index=True)
    old = make(back)
    # Which answers each engine finds, for all series at once (``engine.masks``): asked
    # first, the many answers that are not there (a missing month, a year later than the
    # data) are never walked through the rules.
    helpers = _helpers(len(found), old, new, earlier)
    finders = (_finder(helpers[0]), _finder(helpers[1]))
    if bulk_engine.enabled(len(found)):
        out = _moved_from_columns(found, old, new, finders)
    else:
        by_answer: dict[tuple[SeriesKey, str, Period], list[Revision]] = {}
        for r in found:
            keys = [r.key]
            if r.key.flow in ("export", "import"):
                keys.append(r.key.with_flow("turnover"))
            for key in keys:
                for span in (r.period, r.period.shifted_years(1)):
                    by_answer.setdefault((key, "growth", span), []).append(r)
                    if key != r.key:
                        by_answer.setdefault((key, "value", span), []).append(r)
        out = []
        for (key, measure, span), because in sorted(by_answer.items()):
            moved = _moved_one(key, measure, span, old, new, finders)
            if moved is not None:
                out.append(Moved(key, measure, moved[0], moved[1], tuple(because)))
    shares = _moved_shares(found, old, new, groups, earlier, helpers)
    return out + shares + _moved_projections(found, old, new, helpers[:2])


def _rows_at(frame: pd.DataFrame, spans: list[tuple[SeriesKey, Period]]) -> Bools:
    """Which rows of ``frame`` are of one of ``spans`` (a series and span each): on
    integers, one per row for its series and span (as ``as_first_published``)."""
    if not len(frame):
        return np.zeros(0, dtype=bool)
    series = series_of(frame)
    number = {key: s for s, key in enumerate(series.keys)}
    first = frame["first"].to_numpy().astype(np.int64)
    last = frame["last"].to_numpy().astype(np.int64)
    span_key = SpanKey.of(first, last, len(number))
    code = span_key.keys(series.of_row, first, last)
    low, high = span_key.low, span_key.low + span_key.width - 1
    wanted = [
        span_key.key(number[key], span.first, span.last)
        for key, span in spans
        if key in number and low <= span.first and span.last <= high
    ]
    return np.isin(code, np.array(wanted, dtype=np.int64))


Finders = tuple[Callable[[SeriesKey, Period], bool], Callable[[SeriesKey, Period], bool]]


def _moved_one(
    key: SeriesKey, measure: str, span: Period, old: Engine, new: Engine, finders: Finders
) -> tuple[Change, Change] | tuple[Answer, Answer] | None:
    """(old, new) of ``key``'s value (``measure`` "value") or change ("growth") over
    ``span`` when both are worked out and they differ, else None (``finders``: whether
    old and new may find a span, ``_finder``)."""
    was_found, now_found = finders
    if measure == "value":
        if not now_found(key, span) or not was_found(key, span):
            return None
        was, now = old.value(key, span), new.value(key, span)
        if now.found and was.found and differ(was.value, now.value):
            return was, now
        return None
    base = span.shifted_years(-1)
    if not all(f(key, p) for f in (now_found, was_found) for p in (span, base)):
        return None  # a change needs both spans on both sides
    was_c = Change(old.value(key, span), old.value(key, base))
    now_c = Change(new.value(key, span), new.value(key, base))
    computable = now_c.value is not None and was_c.value is not None
    if computable and differ(was_c.value, now_c.value):
        return was_c, now_c
    return None


def _moved_from_columns(
    found: list[Revision], old: Engine, new: Engine, finders: Finders
) -> list[Moved]:
    """The moved values and changes of ``_moved`` (in its order) with those the columns of
    both engines' frames hold read off their arrays (``revisions_bulk.read_moved``): only
    the moved ones are made into answers; the others are asked of the engines."""
    from tradecli.analysis.revisions_bulk import moved_entries, read_moved

    entries = moved_entries([(r.key, r.period) for r in found])
    read = read_moved(entries, old, new, TOLERANCE)
    out: list[Moved] = []
    keys, because, bounds = entries.keys, entries.because.tolist(), entries.bounds.tolist()
    for e in np.flatnonzero(read.moved | ~read.held).tolist():
        key = keys[int(entries.key[e])]
        measure = "value" if entries.value[e] else "growth"
        span = Period(int(entries.first[e]), int(entries.last[e]))
        moved: tuple[Change, Change] | tuple[Answer, Answer] | None
        if read.held[e]:
            moved = read.values(e) if measure == "value" else read.changes(e)
        else:
            moved = _moved_one(key, measure, span, old, new, finders)
        if moved is not None:
            revised = tuple(found[i] for i in because[bounds[e] : bounds[e + 1]])
            out.append(Moved(key, measure, moved[0], moved[1], revised))
    return out


Helpers = tuple[Bulk | None, Bulk | None, Bulk | None]


def _helpers(n_revised: int, *engines: Engine) -> Helpers:
    """The bulk helper of each engine (old, new, earlier) when there are many revised
    figures and the columnar path is on (``TRADECLI_BACKEND=reference``: none, the
    rules alone answer); else None each."""
    if not bulk_engine.enabled(n_revised):
        return None, None, None
    old, new, earlier = (bulk_for(e, n_revised) for e in engines)
    return old, new, earlier


def _finder(helper: Bulk | None) -> Callable[[SeriesKey, Period], bool]:
    """Whether an engine may find ``key`` over ``span``: the helper's ``found`` (exactly
    the engine's ``value(key, span).found``), or True without a helper (ask the engine)."""
    if helper is None:
        return lambda key, span: True
    return helper.found


def _moved_shares(
    found: list[Revision],
    old: Engine,
    new: Engine,
    groups: Groups,
    earlier: Engine,
    helpers: Helpers = (None, None, None),
) -> list[Moved]:
    """The shares over each revised span that moved: of the revised partner in every group
    that contains it, and of the other members of those groups (a member sum moved), or
    of the members of a group whose published total was revised. Only where both
    vintages have the share (``earlier``: the earlier vintage's engine), over a total that
    is not partial; the old value is worked out as every derived answer is (``old``).
    ``helpers``: the bulk helpers of old, new and earlier, or None each."""
    asked: dict[tuple[SeriesKey, str, Period], list[Revision]] = {}
    groups_of = cache(partial(_groups_of, groups))  # asked again for each revised figure
    every = sorted(new.keys())
    known = set(every)
    codes = groups.codes  # made anew each time it is read
    for r in found:
        for group in groups_of(r.key.partner):
            members = group.members_during(r.period)
            if group.every_partner and r.key.partner == group.code:  # world: every partner
                members = [
                    k.partner
                    for k in every
                    if k.partner not in codes and k == r.key.with_partner(k.partner)
                ]
            keys = [r.key.with_partner(m) for m in members]
            if r.key.partner not in codes:
                keys.append(r.key)
            for key in dict.fromkeys(keys):
                if key in known:
                    asked.setdefault((key, group.name, r.period), []).append(r)
    was_helper, now_helper, then_helper = helpers
    out: list[Moved] = []
    for (key, name, span), because in sorted(asked.items()):
        group = groups.by_name[name]
        was = _whole_share(old, key, group, span, was_helper)
        if was is None:
            continue
        now = _whole_share(new, key, group, span, now_helper)
        if now is None:
            continue
        if _whole_share(earlier, key, group, span, then_helper) is None:
            continue  # the earlier vintage had no such share (its total came later)
        if was.value is not None and now.value is not None and differ(was.value, now.value):
            out.append(Moved(key, "share", was, now, tuple(because), group=name))
    return out


def _whole_share(
    engine: Engine, key: SeriesKey, group: Group, span: Period, helper: Bulk | None
) -> Share | None:
    """``share_of(engine, key, group, span)`` when it is a share over a total that is not
    partial, else None. With the bulk helper of ``engine``, a group without such a total
    (no published one, and for world any member sum is partial; for another group a
    member has no figure) is seen without summing its members, and a member sum asks
    the engine only for the members with a figure."""
    if helper is not None and not _whole_total(helper, key, group, span):
        return None
    share = share_of(engine, key, group, span, bulk=helper)
    return share if isinstance(share, Share) and not share.partial else None


def _whole_total(helper: Bulk, key: SeriesKey, group: Group, span: Period) -> bool:
    """Whether ``group``'s total over ``span`` (``key``'s reporter, flow and currency) may
    be a published total or a complete member sum: False when it can only be a member
    sum that is partial (world: over the partners present) or missing a member."""
    if group.every_partner:
        return bool(group.code) and helper.found(key.with_partner(group.code), span)
    return not helper.member_missing(key.reporter, group, key.flow, span, key.currency)


def _groups_of(groups: Groups, partner: str) -> list[Group]:
    """The groups that contain ``partner`` (at any date), or whose code it is."""
    return [
        g
        for g in groups.by_name.values()
        if g.code == partner or any(m.member == partner for m in g.members) or g.every_partner
    ]


def _moved_projections(
    found: list[Revision],
    old: Engine,
    new: Engine,
    helpers: tuple[Bulk | None, Bulk | None] = (None, None),
) -> list[Moved]:
    """The linear run-rate of the year of each revised year-to-date span (and, for a
    revised export or import, of the turnover over it) that moved (``helpers``: the bulk
    helpers of old and new, or None each)."""
    was_found, now_found = (_finder(h) for h in helpers)
    asked: dict[tuple[SeriesKey, Period], list[Revision]] = {}
    for r in found:
        if not r.period.is_year_to_date or r.period.n_months == 12:
            continue
        asked.setdefault((r.key, r.period), []).append(r)
        if r.key.flow in ("export", "import"):
            asked.setdefault((r.key.with_flow("turnover"), r.period), []).append(r)
    out: list[Moved] = []
    for (key, span), because in sorted(asked.items()):
        if not was_found(key, span) or not now_found(key, span):
            continue
        was_ytd, now_ytd = old.value(key, span), new.value(key, span)
        if not was_ytd.found or not now_ytd.found:
            continue
        was = project_from(old, was_ytd, Method.linear)
        now = project_from(new, now_ytd, Method.linear)
        if differ(was.value, now.value):
            out.append(Moved(key, "projection", was, now, tuple(because)))
    return out
