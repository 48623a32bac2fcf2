"""The fast reader's numbers: each one's step found on the bytes (``_check_numbers``), and
the shortcut that keeps unscaled numbers of at most 15 characters as parsed instead of
snapping them. Expected steps are worked out here from the text, by hand or with plain
string methods, not by the reader."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecli.readers import tidy_fast
from tradecli.readers.steps import snap


def _steps(texts: list[str]) -> list[float]:
    found = tidy_fast._check_numbers(pa.array(texts, pa.string()))
    assert found.longest == max((len(t) for t in texts), default=0)
    return [float(s) for s in tidy_fast._STEP[found.at]]


def test_steps_of_numbers_as_written() -> None:
    texts = ["123", "1200", "4.05", "0", "000", "10.0", "100", "7", "2.30", "0100", "90"]
    assert _steps(texts) == [1.0, 100.0, 0.01, 1.0, 1.0, 0.1, 100.0, 1.0, 0.01, 100.0, 10.0]


def test_steps_of_a_column_whose_offsets_do_not_start_at_zero() -> None:
    """Offsets into a data buffer that holds more before them (``5``, ``1.5``)."""
    data = pa.py_buffer(b"51.530040000.25")
    offsets = pa.py_buffer(np.array([4, 7, 11, 15], dtype=np.int32).tobytes())
    column = pa.StringArray.from_buffers(3, offsets, data)
    assert column.to_pylist() == ["300", "4000", "0.25"]
    found = tidy_fast._check_numbers(column)
    assert [float(s) for s in tidy_fast._STEP[found.at]] == [100.0, 1000.0, 0.01]


@pytest.mark.parametrize("steps", [True, False])
@pytest.mark.parametrize("text", ["-1", "1e5", "1,000", " 1", "1.", ".5", "1.2.3", ""])
def test_numbers_the_plain_path_must_read(text: str, steps: bool) -> None:
    """Refused whether the steps are worked out or only the check is made (--reporter)."""
    with pytest.raises(tidy_fast._Fallback):
        tidy_fast._check_numbers(pa.array(["12", text, "3"], pa.string()), steps=steps)


def _expected_step(text: str) -> float:
    """``published_step`` worked out with string methods."""
    if "." in text:
        return float(10.0 ** -len(text.split(".")[1]))
    if text.strip("0") == "":
        return 1.0
    return float(10.0 ** (len(text) - len(text.rstrip("0"))))


_integer = st.from_regex(r"\A[0-9]{1,18}\Z")
_decimal = st.from_regex(r"\A[0-9]{1,9}\.[0-9]{1,8}\Z")
_number = st.one_of(_integer, _decimal)


@settings(max_examples=60, deadline=None)
@given(st.lists(_number, min_size=1, max_size=40))
def test_steps_equal_the_text_reading(texts: list[str]) -> None:
    assert _steps(texts) == [_expected_step(t) for t in texts]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.from_regex(r"\A[0-9]{1,15}\Z"), st.from_regex(r"\A[0-9]{1,7}\.[0-9]{1,7}\Z")))
def test_unscaled_short_numbers_are_what_snap_gives(text: str) -> None:
    """The shortcut in ``_convert``: snapping leaves these numbers bit for bit as parsed."""
    value = np.array([float(text)])
    step = np.array([_expected_step(text)])
    assert snap(value, step).tobytes() == value.tobytes()
