"""What ``tradecli convert`` reads: every input file's observations, piece by piece, in
the order ``dataset.load`` puts them, so that a dataset of any size is written with
memory bounded by one piece (``readers.parquet.DatasetWriter``).

A large tidy CSV comes in blocks (``readers.blocks``); any other file (another
publisher's format, a workbook, standard input, a file no larger than a block) is read
whole by ``dataset.load``, as before. Each piece is read with the same groups,
commodity, filters and strictness as ``dataset.load`` reads the files, so the pieces
one after another are its frame, row for row (``row``, ``source`` and ``line``
included).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tradecli.errors import BadRequest
from tradecli.readers import blocks

if TYPE_CHECKING:
    import pandas as pd

    from tradecli.dataset import Filters


@dataclass
class Conversion:
    """The inputs of a conversion, as the root options name them."""

    paths: list[Path | str]  # --data as given (str: a URL); empty: the bundled dataset
    groups_file: Path | None = None
    filters: Filters | None = None
    commodity: str = "TOTAL"
    strict: bool = False
    use_cache: bool = True
    block_bytes: int | None = None  # None: blocks.BLOCK_BYTES
    notes: list[str] = field(default_factory=list)  # the readers' notes, as pieces are read

    def files(self) -> list[Path | str]:
        """The files read, folders expanded (``dataset.data_files``)."""
        from tradecli.dataset import STDIN, data_files

        files = data_files(list(self.paths)) if self.paths else []
        if files.count(STDIN) > 1:
            raise BadRequest("standard input can be read only once: give --data - once", "--data")
        return files

    def sources(self) -> list[tuple[str, Path | str]]:
        """Each file as the user named it (bytes UTF-8 cannot decode escaped, as its rows
        cite it: ``file_names.shown_name``), and where it is."""
        if not self.paths:
            from tradecli.dataset import BUNDLED_NAME, bundled_path

            return [(f"data/{BUNDLED_NAME}", bundled_path())]
        from tradecli.file_names import shown_name

        return [
            (path if isinstance(path, str) else shown_name(path), path) for path in self.files()
        ]

    def frames(self, progress: Callable[[int, int], None] | None = None) -> Iterator[pd.DataFrame]:
        """The observations, piece by piece; ``progress`` gets (bytes read, bytes) of a file
        read in blocks."""
        if not self.paths:
            yield self._load(None)
            return
        size = self.block_bytes or blocks.BLOCK_BYTES
        for path in self.files():
            if isinstance(path, Path) and blocks.streamable(path, size):
                yield from blocks.read(path, self._block, self.notes, size, progress)
            else:
                yield self._load([path])

    def _read(
        self, paths: list[Path | str] | None, use_cache: bool
    ) -> tuple[pd.DataFrame, list[str]]:
        from tradecli.dataset import load

        dataset = load(
            paths,
            self.groups_file,
            self.filters,
            commodity=self.commodity,
            use_cache=use_cache,
            strict=self.strict,
        )
        notes = [n for n in dataset.notes if not n.startswith("unit? ")]  # recomputed when read
        return dataset.frame, notes

    def _load(self, paths: list[Path | str] | None) -> pd.DataFrame:
        frame, notes = self._read(paths, self.use_cache)
        self.notes.extend(n for n in notes if n not in self.notes)
        return frame

    def _block(self, path: Path) -> tuple[pd.DataFrame, list[str]]:
        return self._read([path], use_cache=False)  # a temporary file: never cached
