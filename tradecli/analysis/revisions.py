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
Only the answers whose values differ are listed (AZE–TJK 2023 vs 2022: +5.2% with
$5.8M, +3.4% with $5.9M).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tradecli.analysis.growth import Change
from tradecli.dataset import Dataset, Filters, apply_filters, check_vintage
from tradecli.engine import backend
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.reference import Engine
from tradecli.errors import BadRequest
from tradecli.periods import Period
from tradecli.selection import Selection

# Two reconciled values closer than this (relative) are the same figure.
TOLERANCE = 1e-9
KEY_COLUMNS = ["reporter", "partner", "flow", "currency", "first", "last"]


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
    measure: str  # "growth" (a like-for-like change) or "value" (a derived value)
    old: Change | Answer
    new: Change | Answer
    because: tuple[Revision, ...]

    @property
    def old_value(self) -> float | None:
        return self.old.value

    @property
    def new_value(self) -> float | None:
        return self.new.value

    @property
    def period(self) -> Period:
        return self.new.current.period if isinstance(self.new, Change) else self.new.period

    @property
    def label(self) -> str:
        if isinstance(self.new, Change):
            return self.new.label
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
    if answer.reconciled is None:
        return []
    return [o.to_dict() for o in answer.reconciled.sources]


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
    engine = backend(dataset.engine_name)  # the dataset's own backend, over each vintage
    old, new = engine(frame_a, flagged, codes), engine(frame_b, flagged, codes)
    found: list[Revision] = []
    first_published = 0
    for key in new.keys():
        if selection is not None and not _selected(selection, key):
            continue
        before_spans = set(old.periods(key))
        for period in new.periods(key):
            if period not in before_spans:
                first_published += 1
                continue
            a, b = old.value(key, period), new.value(key, period)
            if differ(a.value, b.value):
                found.append(Revision(a, b))
    found.sort(key=lambda r: (r.key, r.period))
    moved = _moved(found, frame_a, frame_b, new, lambda f: engine(f, flagged, codes))
    left = {"from": left_a, "to": left_b}
    return Revisions(before, after, found, moved, first_published, left)


def as_first_published(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Each series and span as first published: its rows of the earliest publication
    date (undated rows left out: when they came is not known); the rows left out, counted."""
    dated = frame[frame["published"] != ""]
    published = dated["published"].astype("str")  # a categorical has no order to take min of
    first = published.groupby([dated[k] for k in KEY_COLUMNS], observed=True).transform("min")
    kept = dated[published == first]
    left_out = {
        "published later than the first figure of its span": len(dated) - len(kept),
        "no publication date": len(frame) - len(dated),
    }
    return kept.reset_index(drop=True), {k: v for k, v in left_out.items() if v}


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
) -> list[Moved]:
    """The derived answers worked out on the later vintage that differ when the revised
    figures are put back as the earlier vintage knew them (``make``: an engine over a frame)."""
    if not found:
        return []
    revised = {(*r.key, r.period.first, r.period.last) for r in found}
    in_b = pd.MultiIndex.from_frame(frame_b[KEY_COLUMNS].astype(object)).isin(list(revised))
    in_a = pd.MultiIndex.from_frame(frame_a[KEY_COLUMNS].astype(object)).isin(list(revised))
    back = pd.concat([frame_b[~in_b], frame_a[in_a]], ignore_index=True)
    old = make(back)
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
    out: list[Moved] = []
    for (key, measure, span), because in sorted(by_answer.items()):
        if measure == "value":
            was, now = old.value(key, span), new.value(key, span)
            if now.found and was.found and differ(was.value, now.value):
                out.append(Moved(key, measure, was, now, tuple(because)))
            continue
        was_c = Change(old.value(key, span), old.value(key, span.shifted_years(-1)))
        now_c = Change(new.value(key, span), new.value(key, span.shifted_years(-1)))
        computable = now_c.value is not None and was_c.value is not None
        if computable and differ(was_c.value, now_c.value):
            out.append(Moved(key, measure, was_c, now_c, tuple(because)))
    return out
