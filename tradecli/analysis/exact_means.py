"""``projection.exact_mean`` of many rows at once: each row's exact sum over its count,
rounded once, as ``statistics.mean`` gives it, with numpy.

A candidate mean ``q`` is the correctly rounded mean exactly when the residual
``sum - n·q`` lies strictly inside ``n`` half-gaps either side of ``q``. The residual is
a sum of floats: the row's values and ``-n·q`` split exactly in two (Dekker's product;
``n`` is a small integer). Cascaded summation (Ogita, Rump and Oishi, "Accurate sum and
dot product", 2005, Algorithm 4.4: each addition's error kept exactly by ``two_sum`` and
summed apart) gives it with an error below ``eps·|res| + γ²·Σ|terms|`` (their
Proposition 4.5); here that bound is doubled, and the residual with its bound must lie
inside, so the answer holds bit for bit. A row it does not settle (a tie or all but,
values too large or small for the split to stay exact, or not finite) is worked out by
``exact_mean`` itself.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tradecli.analysis.projection import exact_mean

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

# Within these magnitudes no sum of up to 2**26 values overflows, the split constant
# times any value stays finite, and no product's error falls below the normal floats.
_LARGEST = 2.0**900
_SMALLEST = 2.0**-900
_SPLIT = 2.0**27 + 1  # Veltkamp's constant for 53-bit floats
_EPS = 2.0**-53  # the unit roundoff


def _two_sum(a: Floats, b: Floats) -> tuple[Floats, Floats]:
    """(a + b rounded, its exact error): Knuth's six operations."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _cascade(terms: list[Floats]) -> tuple[Floats, Floats]:
    """(the sum of ``terms``, a bound on its error): cascaded summation (module
    docstring), the bound doubled to cover its own rounding."""
    total, errors = terms[0], np.zeros_like(terms[0])
    size = np.abs(terms[0])
    for t in terms[1:]:
        total, e = _two_sum(total, t)
        errors = errors + e
        size = size + np.abs(t)
    res = total + errors
    m = len(terms)
    gamma = (m - 1) * _EPS / (1 - (m - 1) * _EPS)
    return res, 2 * (_EPS * np.abs(res) + gamma * gamma * size)


def _times(n: Floats, q: Floats) -> tuple[Floats, Floats]:
    """(n·q rounded, its exact error) for integers ``n`` below 2**26 (Dekker's product:
    ``n`` needs no split)."""
    p = n * q
    c = _SPLIT * q
    high = c - (c - q)
    low = q - high
    return p, (n * high - p) + n * low


def exact_means(values: Floats, counts: Ints) -> Floats:
    """Per row, ``exact_mean`` of its first ``counts`` values (the rest of the row is
    0.0, which the sum ignores; every count at least 1)."""
    n = counts.astype(np.float64)
    finite = np.asarray(np.isfinite(values).all(axis=1), dtype=bool)
    clean = np.where(finite[:, None], values, 0.0)
    columns = list(clean.T)
    with np.errstate(over="ignore", invalid="ignore"):
        q = clean.sum(axis=1) / n
        p, e = _times(n, q)
        residual, _ = _cascade([*columns, -p, -e])
        q = q + residual / n  # one correction: the residual's own mean, then the check
        p, e = _times(n, q)
        residual, bound = _cascade([*columns, -p, -e])
        up = (np.nextafter(q, np.inf) - q) / 2 * n
        down = (q - np.nextafter(q, -np.inf)) / 2 * n
        inside = (residual + bound < up) & (residual - bound > -down)
    safe = (
        finite
        & (np.abs(clean).max(axis=1, initial=0.0) <= _LARGEST)
        & (np.abs(q) >= _SMALLEST)
        & (np.abs(q) <= _LARGEST)
        & (counts < 2**26)
    )
    out: Floats = q.copy()
    for row in np.flatnonzero(~(safe & inside)).tolist():
        out[row] = exact_mean(values[row, : counts[row]].tolist())
    return out
