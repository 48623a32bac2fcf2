"""Which partitions ``--engine dask`` answers: the reporters a dataset's marker lists
(those asked for, when a selection names some); a dataset whose marker lists none is
refused with a message, not read some other way. No cluster is started here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tradecli import dask_engine
from tradecli.dataset import load
from tradecli.errors import BadRequest
from tradecli.readers import parquet


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dask-partitions") / "ds"
    parquet.write(load(use_cache=False).frame, out, [("bundled", None)])
    return out


def test_the_marker_s_reporters_all_or_those_asked(dataset: Path) -> None:
    folders = sorted(p.name.removeprefix("reporter=") for p in dataset.glob("reporter=*"))
    assert len(folders) > 1
    assert dask_engine._reporters(dataset, None) == folders
    asked = frozenset({folders[-1], "ZZZ"})  # one that has no partition is left out
    assert dask_engine._reporters(dataset, asked) == [folders[-1]]


def test_a_marker_without_reporters_is_refused(dataset: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(dataset, copy)
    marker = json.loads((copy / parquet.MARKER).read_text("utf-8"))
    del marker["reporters"]
    (copy / parquet.MARKER).write_text(json.dumps(marker), "utf-8")
    with pytest.raises(BadRequest, match="convert the data first"):
        dask_engine._reporters(copy, None)
