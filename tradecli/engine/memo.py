"""Memoisation as a wrapper around the rules: each question is worked out once.

Answers are immutable and a backend's data does not change, so ``Memo`` answers
``value``, ``_direct``, ``_exact``, ``group_value`` and ``member_missing`` from a
dictionary and asks the rules (``super()``) only on a miss. The rules call these
through ``self``, so every step of a derivation is shared: the months of a year
are also the months of its year-to-date spans. ``Group`` is an immutable value,
so equal groups share their answers.
"""

from __future__ import annotations

from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.protocol import SeriesSpans
from tradecli.engine.rules import Rules
from tradecli.groups import Group
from tradecli.periods import Period

GroupQuestion = tuple[str, Group, str, Period, str]


class Memo(Rules):
    """``Rules`` with every answer kept; call ``forget`` before first use."""

    def forget(self) -> None:
        self._answers: dict[tuple[SeriesKey, Period], Answer] = {}
        # Rules 1-3 within a series (None: none applies); rule 1's answers are kept here too.
        self._direct_answers: dict[tuple[SeriesKey, Period], Answer | None] = {}
        self._group_answers: dict[GroupQuestion, Answer] = {}
        self._member_missing: dict[GroupQuestion, bool] = {}

    def value(self, key: SeriesKey, period: Period) -> Answer:
        memo = (key, period)
        answer = self._answers.get(memo)
        if answer is None:
            answer = self._answers[memo] = super().value(key, period)
        return answer

    def _direct(self, key: SeriesKey, period: Period) -> Answer | None:
        memo = (key, period)
        if memo not in self._direct_answers:
            self._direct_answers[memo] = super()._direct(key, period)
        return self._direct_answers[memo]

    def _exact(self, key: SeriesKey, period: Period, spans: SeriesSpans) -> Answer:
        memo = (key, period)
        answer = self._direct_answers.get(memo)
        if answer is None:
            answer = self._direct_answers[memo] = super()._exact(key, period, spans)
        return answer

    def group_value(
        self, reporter: str, group: Group, flow: str, period: Period, currency: str = "USD"
    ) -> Answer:
        memo = (reporter, group, flow, period, currency)
        answer = self._group_answers.get(memo)
        if answer is None:
            answer = self._group_answers[memo] = super().group_value(
                reporter, group, flow, period, currency
            )
        return answer

    def member_missing(
        self, reporter: str, group: Group, flow: str, period: Period, currency: str = "USD"
    ) -> bool:
        memo = (reporter, group, flow, period, currency)
        missing = self._member_missing.get(memo)
        if missing is None:
            missing = self._member_missing[memo] = super().member_missing(
                reporter, group, flow, period, currency
            )
        return missing
