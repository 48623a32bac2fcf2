"""Verifying: each claim resolved against the data, checked on the views of the data
that apply (its own source left out; the data as known on its publication date),
and the whole file."""

from __future__ import annotations

import dataclasses

from tradecli.analysis.claims.estimate import Estimate, group_estimate, ratio, value_estimate
from tradecli.analysis.claims.file import Claim, ClaimsFile
from tradecli.analysis.claims.judge import Check, Resolved, judge
from tradecli.analysis.claims.report import ClaimResult, Verification
from tradecli.analysis.claims.stated import Measure, Verdict
from tradecli.dataset import Dataset, Filters, apply_filters
from tradecli.engine.answers import SeriesKey
from tradecli.engine.reference import Engine
from tradecli.errors import (
    BadInput,
    NotAvailable,
    Problem,
    UnknownCountry,
    UnknownGroup,
)
from tradecli.groups import Group
from tradecli.selection import Selection, resolve_entity


def estimate_claim(engine: Engine, item: Resolved) -> Estimate:
    claim, key = item.claim, item.key
    if claim.measure is Measure.share:
        assert item.group is not None
        part = value_estimate(engine, key, claim.period)
        return ratio(part, group_estimate(engine, key, item.group, claim.period))
    if claim.measure is Measure.growth:
        current = value_estimate(engine, key, claim.period)
        return ratio(current, value_estimate(engine, key, claim.base)).shifted(-1.0)
    if item.group is not None and claim.partner is None:
        return group_estimate(engine, key, item.group, claim.period)
    return value_estimate(engine, key, claim.period)


def check(dataset: Dataset, item: Resolved) -> Check:
    estimate = estimate_claim(dataset.engine, item)
    vintage = dataset.filters.vintage
    label = f"as of {vintage}" if vintage else "current"
    return Check(
        label, vintage, estimate, judge(estimate, item.claim.stated), dict(dataset.left_out)
    )


def url_variants(url: str | None) -> tuple[str, ...]:
    """The claim's address as data files may hold it: with or without a final slash, http(s)."""
    if not url:
        return ()
    base = url.strip().rstrip("/")
    forms = {base, base + "/"}
    for a, b in (("https://", "http://"), ("http://", "https://")):
        if base.startswith(a):
            forms |= {b + base[len(a) :], b + base[len(a) :] + "/"}
    return tuple(sorted(forms))


class Views:
    """The data as a claim sees it: its own source left out, optionally as known on a date."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._cache: dict[Filters, Dataset] = {}

    def get(self, vintage: str | None, urls: tuple[str, ...]) -> Dataset:
        base = self.dataset.filters
        filters = Filters(base.include_flagged, vintage or base.vintage, base.as_of, urls)
        if filters not in self._cache:
            frame, left_out = apply_filters(self.dataset.frame, filters)
            self._cache[filters] = dataclasses.replace(
                self.dataset, frame=frame, filters=filters, left_out=left_out
            )
        return self._cache[filters]


# -- the whole file ------------------------------------------------------------------------


def resolve(dataset: Dataset, claims: ClaimsFile, reporter: str | None = None) -> list[Resolved]:
    """Names → codes for every claim; unknown names are reported with their lines. A
    claim that names no reporter is about ``reporter`` (a code), else the data's only one."""
    problems: list[Problem] = []
    out: list[Resolved] = []
    reporters = [reporter] if reporter else dataset.reporters()
    for claim in claims.claims:

        def problem(name: str, value: str, message: str, claim: Claim = claim) -> None:
            problems.append(
                Problem(
                    claims.path,
                    claim.line_of(name),
                    f"claim {claim.number}: {name}",
                    value,
                    message,
                )
            )

        default: str | None = None
        if claim.reporter is None:
            if len(reporters) == 1:
                default = reporters[0]
            else:
                problem(
                    "reporter",
                    "",
                    f"missing: the data has several reporters ({', '.join(reporters)}); name one",
                )
        group: Group | None = None
        if claim.vs is not None:
            try:
                group = dataset.groups.get(claim.vs)
            except UnknownGroup as exc:
                problem("vs", claim.vs, str(exc))
        codes: dict[str, str] = {}
        for name in ("reporter", "partner"):
            text = getattr(claim, name)
            if text is None:
                continue
            try:
                codes[name] = resolve_entity(text, dataset)
            except UnknownCountry as exc:
                problem(name, text, str(exc))
        whose = codes.get("reporter", default)
        partner = codes.get("partner")
        if partner is None and group is not None:
            partner = group.code or group.name.upper()
        if whose is None or partner is None or (claim.vs is not None and group is None):
            continue
        out.append(Resolved(claim, SeriesKey(whose, partner, claim.flow, claim.currency), group))
    if problems:
        raise BadInput(problems)
    return out


def verify_claim(views: Views, item: Resolved) -> ClaimResult:
    """Decide on the data as known at publication; where it cannot, on current data."""
    urls = url_variants(item.claim.source_url)
    current = check(views.get(None, urls), item)
    if item.claim.published is None:
        return ClaimResult(item, current)
    then = check(views.get(item.claim.published, urls), item)
    if then.verdict is Verdict.unverifiable:
        return ClaimResult(item, current, then)
    return ClaimResult(item, then, current)


def verify(
    dataset: Dataset,
    claims: ClaimsFile,
    reporter: str | None = None,
    partner: str | None = None,
) -> Verification:
    """Check every claim of a claims file against the data; with ``reporter`` and/or
    ``partner`` (names or codes), only the claims about them (a claim naming no reporter
    is then about ``reporter``)."""
    views = Views(dataset)
    wanted = Selection.parse(dataset, reporter, partner)
    items = [
        item
        for item in resolve(dataset, claims, wanted.reporter)
        if wanted.reporter in (None, item.key.reporter)
        and wanted.partner in (None, item.key.partner)
    ]
    if not items and (reporter or partner):
        about = "–".join(code for code in (wanted.reporter, wanted.partner) if code)
        raise NotAvailable(f"{claims.path}: no claim about {about}")
    return Verification(claims.path, claims.title, [verify_claim(views, item) for item in items])
