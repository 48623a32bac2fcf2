"""The value of a series over a span: now the ``tradecli.engine`` package.

A re-export for code written against the old module (other branches); new code
imports from ``tradecli.engine.answers`` and ``tradecli.engine.reference``.
"""

from __future__ import annotations

from tradecli.engine.answers import (
    AGGREGATE,
    DIFFERENCE,
    EXACT,
    EXPORT_PLUS_IMPORT,
    MEMBER_SUM,
    NOT_AVAILABLE,
    TILED,
    Answer,
    Deferred,
    SeriesKey,
    describe,
)
from tradecli.engine.reference import Engine
from tradecli.engine.rules import _tiling
from tradecli.engine.spans import LazySpans, SpanIndex
from tradecli.formatting import money

__all__ = [
    "AGGREGATE",
    "DIFFERENCE",
    "EXACT",
    "EXPORT_PLUS_IMPORT",
    "MEMBER_SUM",
    "NOT_AVAILABLE",
    "TILED",
    "Answer",
    "Deferred",
    "Engine",
    "LazySpans",
    "SeriesKey",
    "SpanIndex",
    "_tiling",
    "describe",
    "money",
]
