"""``tradecli verify``: check the figures an article states against the data.

The package: ``stated`` (a stated figure as written), ``file`` (the claims file),
``estimate`` (what the data says: intervals, bounds, ratios), ``judge`` (a stated
figure against an estimate), ``verify`` (each claim on each view of the data, the
whole file) and ``report`` (the verdicts as a report).

A claims file (TOML) lists statements: what each measures (``value``, a
``share`` of a group, like-for-like ``growth``), over which span, and the
figure as it was written ("over 2.3 million USD", "0.06%", "+7.2%"). Each
claim gets one verdict:

- **consistent**: the computed figure agrees with the stated one at the
  precision it was written with, qualifier included;
- **inconsistent**: it does not; the computed figure and the gap are given;
- **bounded**: the span is not in the data, but spans inside and around it
  bound it (trade values are not negative, so Jan–Jun ≤ Jan–Jul ≤ Jan–Aug),
  and the stated figure lies inside the bounds (or partly inside);
- **unverifiable**: the data lacks what is needed, and the verdict says what.

What a stated figure allows. Its precision is the unit of its last written
digit (``2.3 million`` → 0.1 million; trailing zeros of an integer are read as
rounding, as in data files). With ``s`` the figure and ``d`` that unit:
plain or ``about`` → within rounding, [s − d/2, s + d/2]; ``over`` → at least
``s`` and below the next step (the writer truncated), [s, s + d]; ``almost`` →
just under, [s − d, s]. For a fall ("−5%") ``over``/``almost`` apply to its
size. A computed figure carries the precision (and qualifiers) of the
published figures behind it; the two agree when their ranges overlap, and
touching is not overlapping ($5.8M and $5.9M differ).

Which data. Figures from the claim's own ``source_url`` are left out, so an
article is never checked against itself. With ``published``, the claim is
checked first on the data as known that day: figures published on or before
it; undated figures are left out too, since nothing says they were known.
That can leave too little to decide (the undated Jan–Aug 2023 AZE–TJK figure
is what bounds Jan–Jul 2023 from above), so where the data as known then is
unverifiable, all current data decides, and the result says which data
decided. Where the data as known then decides, the answer of current data is
reported beside it when it differs (a revision).
"""

from __future__ import annotations

from tradecli.analysis.claims.estimate import (
    Estimate,
    bounding_spans,
    group_estimate,
    interval,
    ratio,
    value_estimate,
)
from tradecli.analysis.claims.file import (
    CLAIM_FIELDS,
    DEFAULT_FIELDS,
    TOP_FIELDS,
    Claim,
    ClaimsFile,
    parse_claims,
    read_claims,
)
from tradecli.analysis.claims.judge import Check, Judgement, Resolved, judge
from tradecli.analysis.claims.report import ClaimResult, Verification
from tradecli.analysis.claims.stated import Measure, Stated, Verdict, digit_step, parse_stated
from tradecli.analysis.claims.verify import (
    Views,
    check,
    estimate_claim,
    resolve,
    url_variants,
    verify,
    verify_claim,
)

__all__ = [
    "CLAIM_FIELDS",
    "DEFAULT_FIELDS",
    "TOP_FIELDS",
    "Check",
    "Claim",
    "ClaimResult",
    "ClaimsFile",
    "Estimate",
    "Judgement",
    "Measure",
    "Resolved",
    "Stated",
    "Verdict",
    "Verification",
    "Views",
    "bounding_spans",
    "check",
    "digit_step",
    "estimate_claim",
    "group_estimate",
    "interval",
    "judge",
    "parse_claims",
    "parse_stated",
    "ratio",
    "read_claims",
    "resolve",
    "url_variants",
    "value_estimate",
    "verify",
    "verify_claim",
]
