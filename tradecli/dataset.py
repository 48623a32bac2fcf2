"""Loading: files → one observation table, plus the groups and the engine.

``load`` is the only place that reads input files. Filters that make the
data look as it did at some time (``vintage``: published on or before a date;
``as_of``: spans ending on or before a month) and that leave sources out
(``exclude_urls``) are applied here, once, so every command sees the same data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from tradecli import observations, readers
from tradecli.groups import Groups
from tradecli.groups import load as load_groups
from tradecli.readers.common import ReadContext
from tradecli.series import Engine

BUNDLED_NAME = "azerbaijan-trade-published.csv"


def bundled_path() -> Path:
    """The bundled dataset, wherever the package was installed."""
    return Path(str(resources.files("tradecli.bundled").joinpath(BUNDLED_NAME)))


@dataclass(frozen=True)
class Filters:
    include_flagged: bool = False
    vintage: str | None = None  # YYYY-MM-DD
    as_of: int | None = None  # month index
    exclude_urls: tuple[str, ...] = ()


@dataclass
class Dataset:
    frame: pd.DataFrame
    groups: Groups
    files: list[Path]
    filters: Filters = field(default_factory=Filters)
    notes: list[str] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    _engine: Engine | None = field(default=None, init=False, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = Engine(self.frame, self.filters.include_flagged, self.groups.codes)
        return self._engine

    def reporters(self) -> list[str]:
        return sorted({str(r) for r in self.frame["reporter"].unique()})


def load(
    paths: Sequence[Path] | None = None,
    groups_file: Path | None = None,
    filters: Filters | None = None,
    commodity: str = "TOTAL",
    reporters: frozenset[str] | None = None,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Dataset:
    """Read every file (default: the bundled dataset) and apply the filters.

    ``reporters`` keeps only those reporters' rows (every row is still checked);
    ``use_cache`` lets large files come from the cache of parsed files (``caching.parsed``);
    ``progress`` is called with (bytes read, total) while a large file loads.
    """
    filters = filters or Filters()
    groups = load_groups(groups_file)
    files = readers.expand(list(paths)) if paths else [bundled_path()]
    context = ReadContext(
        group_codes=groups.codes, commodity=commodity, reporters=reporters, progress=progress
    )
    frame = observations.concat(_read(f, context, use_cache) for f in files)
    if not paths:
        frame["source"] = frame["source"].cat.rename_categories([f"data/{BUNDLED_NAME}"])
    frame, left_out = apply_filters(frame, filters)
    return Dataset(frame, groups, files, filters, context.notes, left_out)


def _read(path: Path, context: ReadContext, use_cache: bool) -> pd.DataFrame:
    if not use_cache or not path.is_file():
        return _only(readers.read_any(path, context), context.reporters)
    from tradecli.caching import parsed

    return parsed.read(path, context, lambda p, c: _only(readers.read_any(p, c), c.reporters))


def _only(frame: pd.DataFrame, reporters: frozenset[str] | None) -> pd.DataFrame:
    """Readers that do not filter by reporter themselves are filtered here."""
    if reporters is None or not len(frame) or frame["reporter"].isin(list(reporters)).all():
        return frame
    from tradecli.readers.tidy import keep_reporters

    return keep_reporters(frame, reporters)


def apply_filters(frame: pd.DataFrame, filters: Filters) -> tuple[pd.DataFrame, dict[str, int]]:
    """Drop what the filters exclude; count what was dropped and why."""
    keep = pd.Series(True, index=frame.index)
    left_out: dict[str, int] = {}
    if filters.vintage is not None:
        undated = frame["published"] == ""
        later = ~undated & (frame["published"] > filters.vintage)
        left_out[f"published after {filters.vintage}"] = int(later.sum())
        left_out["no publication date (vintage asked)"] = int(undated.sum())
        keep &= ~(undated | later)
    if filters.as_of is not None:
        after = frame["last"] > filters.as_of
        left_out["span ends after the as-of month"] = int((after & keep).sum())
        keep &= ~after
    if filters.exclude_urls:
        own = frame["url"].isin(list(filters.exclude_urls))
        left_out["from the claim's own source"] = int((own & keep).sum())
        keep &= ~own
    left_out = {k: v for k, v in left_out.items() if v}
    if bool(keep.all()):
        return frame, left_out
    return frame[keep].reset_index(drop=True), left_out
