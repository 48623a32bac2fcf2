"""Build small observation frames for tests, without files."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tradecli.observations import finish
from tradecli.periods import Period


def obs(
    period: str,
    value: float,
    *,
    flow: str = "turnover",
    reporter: str = "AZE",
    partner: str = "TJK",
    step: float = 1.0,
    flags: str = "",
    published: str = "",
    currency: str = "USD",
    url: str = "",
) -> dict[str, Any]:
    p = Period.parse(period)
    return {
        "reporter": reporter,
        "partner": partner,
        "flow": flow,
        "first": p.first,
        "last": p.last,
        "value": value,
        "step": step,
        "currency": currency,
        "flags": flags,
        "published": published,
        "publisher": "test",
        "url": url,
        "source": "test.csv",
        "format": "tidy",
    }


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    data = pd.DataFrame(list(rows))
    data["line"] = range(2, len(rows) + 2)
    return finish(data)
