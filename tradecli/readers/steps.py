"""Values snapped to the digit they were published with, on arrays (numpy only: the
fast reader's workers use it before pandas is imported)."""

from __future__ import annotations

import numpy as np


def snap(values: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Remove binary noise from unit scaling (4.103 × 1e6 is 4,103,000, not
    4,102,999.9999): the value in steps, rounded half to even, times the step when that
    is at least 1, else divided by the step's inverse (an exact integer, so 0.3 stays
    exact). Float64 in, float64 out; no warnings for missing or infinite values."""
    with np.errstate(all="ignore"):
        scaled = np.round(values / step)
        inverse = np.round(1 / step)
        snapped: np.ndarray = np.where(step >= 1, scaled * step, scaled / inverse)
    return snapped
