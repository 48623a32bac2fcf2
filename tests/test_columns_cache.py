"""The columns of a large file, cached beside its parsed entry (``Dataset.columns``).

A second whole-file command on an unchanged file maps the columns the first one built
instead of building them again. The cases: the columns read back are the columns built
(every array, dtype and key); a second run builds nothing and prints what the first
printed, and what a run without the cache prints; an edit with size and mtime kept, a
corrupt entry, an entry stored under another key, a filtered load and a change of the
code that builds them each make the columns afresh.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from tests.frames import frame, obs
from tests.test_bulk_engine import datasets
from tradecli import cli, dataset
from tradecli.caching import keys, parsed, results, store
from tradecli.engine import bulk
from tradecli.engine.bulk import Columns

HEADER = "reporter,partner,flow,period,value,unit,currency,flags,published,publisher,url"
PARTNERS = ("TJK", "KAZ", "DEU", "TUR", "CHN", "RUS")


def _rows(first_value: str = "1234.5") -> list[str]:
    """Two reporters' monthly figures with six partners, 2022-01..2023-05, one revised
    month, one month flagged low-trust; the first row's value is ``first_value``."""
    rows = []
    for r, reporter in enumerate(("AZE", "GEO")):
        for p, partner in enumerate(PARTNERS):
            for flow in ("export", "import"):
                for year, last in ((2022, 12), (2023, 5)):
                    for month in range(1, last + 1):
                        value = 100 + 10 * r + p + month + (year - 2022) * 7
                        flags = "low-trust" if (p, month) == (1, 3) else ""
                        rows.append(
                            f"{reporter},{partner},{flow},{year}-{month:02d},{value},"
                            f"million,USD,{flags},2024-01-01,,"
                        )
    rows[0] = rows[0].replace(",101,", f",{first_value},", 1)
    rows.append("AZE,TJK,export,2022-02,999,million,USD,,2024-06-01,,")  # a later revision
    return rows


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return _write(tmp_path / "trade.csv", _rows())


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(store.ENV, str(folder))
    monkeypatch.setenv(results.MIN_ENV, str(1 << 62))  # commands are worked out each time
    monkeypatch.setenv(bulk.ENV, bulk.NAME)  # the columns, however few the series
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr(parsed, "MIN_BYTES", 0)  # the small file qualifies
    return folder


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One item per ``Columns`` built from a frame."""
    made: list[int] = []
    build = Columns._build

    def counted(self: Columns, *args: Any) -> None:
        made.append(1)
        build(self, *args)

    monkeypatch.setattr(Columns, "_build", counted)
    return made


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """``tradecli ARGS`` through the console entry point: its stdout (exit code 0)."""
    return _outputs(capsys, *args)[0]


def _outputs(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    """``tradecli ARGS``, exit code 0: its stdout and stderr."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["tradecli", *args])
        with pytest.raises(SystemExit) as exit_:
            cli.main()
    out = capsys.readouterr()
    assert exit_.value.code in (None, 0), out.err
    return out.out, out.err


def _columns_entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.columns"))


SUMMARY = ("-f", "csv", "summary", "--data")


def test_columns_read_back_are_the_columns_built_by_hand() -> None:
    built = Columns(
        frame(
            obs("2022-01", 5.0),
            obs("2022-01..2022-03", 20.0, flags="provisional"),
            obs("2022-02", 7.0, flags="estimate"),
            # April: two figures that agree; the later one, chosen, has no flag of its own.
            obs("2022-04", 9.0, flags="provisional", published="2022-06-01"),
            obs("2022-04", 9.0, published="2023-01-01"),
        )
    )
    sink = io.BytesIO()
    built.save(sink)
    back = Columns.load(memoryview(sink.getvalue()))
    # One series, one year-row: Jan and Feb as months, Jan..Mar as a cumulative figure.
    assert back.keys == built.keys and len(back.keys) == 1
    assert back.values[0, :3].tolist() == [5.0, 7.0, 0.0]
    assert back.present[0, :3].tolist() == [True, True, False]
    assert back.cum_values[0, 2] == 20.0 and bool(back.cum_present[0, 2])
    assert back.flag_words(int(back.flags[0, 1])) == ("estimate",)
    assert back.flag_words(int(back.cum_flags[0, 2])) == ("provisional",)
    # April's flags are its cluster's; the chosen figure's own (none) are kept apart.
    assert back.flag_words(int(back.flags[0, 3])) == ("provisional",)
    assert back.chosen_rows.tolist() == [0] and back.chosen_columns.tolist() == [3]
    assert back.chosen_bits.tolist() == [0]
    assert not back.values.flags.writeable  # a view of the entry, not a copy


def _same(a: Columns, b: Columns) -> None:
    assert a.keys == b.keys and a.number == b.number and a.words == b.words
    scalars = ("usable", "flag_dtype", "first_year", "first_month", "n_months", "fallback")
    for name in (*scalars, "has_cumulative"):
        assert getattr(a, name) == getattr(b, name), name
    for name in (*bulk._SAVED, *bulk._CUMULATIVE):
        left, right = getattr(a, name), getattr(b, name)
        assert left.dtype == right.dtype and left.shape == right.shape, name
        assert np.array_equal(left, right), name
    for one, other in zip(a.months(), b.months(), strict=True):
        assert one.dtype == other.dtype and np.array_equal(one, other)


@settings(max_examples=25, deadline=None)
@given(datasets)
def test_columns_read_back_are_the_columns_built(drawn: list[dict[str, Any]]) -> None:
    for flagged in (False, True):
        built = Columns(frame(*drawn), flagged)
        sink = io.BytesIO()
        built.save(sink)
        _same(Columns.load(memoryview(sink.getvalue())), Columns(frame(*drawn), flagged))


def test_a_second_command_maps_the_columns_the_first_built(
    data: Path, cache_dir: Path, builds: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    first = _run(capsys, *SUMMARY, str(data))
    assert len(builds) == 1 and len(_columns_entries(cache_dir)) == 1
    growth = _run(capsys, "-f", "csv", "growth", "--data", str(data))
    again = _run(capsys, *SUMMARY, str(data))
    assert len(builds) == 1  # neither growth nor the second summary built them
    assert again == first
    assert _run(capsys, "--no-cache", *SUMMARY, str(data)) == first
    assert _run(capsys, "--no-cache", "-f", "csv", "growth", "--data", str(data)) == growth
    assert len(builds) == 3


def test_include_flagged_has_columns_of_its_own(
    data: Path, cache_dir: Path, builds: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    without = _run(capsys, *SUMMARY, str(data))
    flagged = _run(capsys, "--include-flagged", *SUMMARY, str(data))
    assert len(builds) == 2
    assert sorted(p.suffix for p in cache_dir.glob("*.columns*")) == [
        ".columns",
        ".columns-flagged",
    ]
    assert _run(capsys, *SUMMARY, str(data)) == without
    assert _run(capsys, "--include-flagged", *SUMMARY, str(data)) == flagged
    assert len(builds) == 2
    assert flagged != without  # the flagged month counts in one of them


def _edit_in_place(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (as long) with the size and times kept (``touch -r``)."""
    info = os.stat(path)
    text = path.read_text(encoding="utf-8")
    assert len(old) == len(new) and text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def test_an_edit_with_size_and_mtime_kept_makes_new_columns(
    data: Path, cache_dir: Path, builds: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    before = _run(capsys, *SUMMARY, str(data))
    _edit_in_place(data, ",1234.5,", ",1934.5,")
    after = _run(capsys, *SUMMARY, str(data))
    assert len(builds) == 2
    assert after != before
    assert after == _run(capsys, "--no-cache", *SUMMARY, str(data))
    # The old content's columns are gone with its parsed entry: one of each is left.
    assert len(_columns_entries(cache_dir)) == 1 and len(list(cache_dir.glob("*.arrow"))) == 1


def test_a_corrupt_columns_entry_is_rebuilt(
    data: Path, cache_dir: Path, builds: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    first = _run(capsys, *SUMMARY, str(data))
    (entry,) = _columns_entries(cache_dir)
    body = bytearray(entry.read_bytes())
    body[len(body) // 2] ^= 0xFF  # one byte of the arrays, past the head
    entry.write_bytes(bytes(body))
    assert _run(capsys, *SUMMARY, str(data)) == first
    assert len(builds) == 2
    assert _run(capsys, *SUMMARY, str(data)) == first
    assert len(builds) == 2  # the rebuilt entry is used


def test_columns_of_another_key_are_not_used(
    data: Path,
    tmp_path: Path,
    cache_dir: Path,
    builds: list[int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A well-formed entry (its checksum holds) with another file's columns, put in this
    file's place: its head names the other file's key, so it is not used."""
    other = _write(tmp_path / "other.csv", _rows("7777.5"))
    _run(capsys, *SUMMARY, str(other))
    (planted,) = _columns_entries(cache_dir)
    first = _run(capsys, *SUMMARY, str(data))
    mine = next(p for p in _columns_entries(cache_dir) if p != planted)
    mine.unlink()
    os.rename(planted, mine)
    assert _run(capsys, *SUMMARY, str(data)) == first
    assert len(builds) == 3


def test_a_change_of_the_code_or_the_layout_makes_new_columns(
    data: Path,
    cache_dir: Path,
    builds: list[int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An edited source tree under the same version number (the package's files stamped
    otherwise) misses, and so does another layout of the columns' entry."""
    first = _run(capsys, *SUMMARY, str(data))
    monkeypatch.setattr(keys, "_package_stamp", lambda: "an edited source tree")
    assert _run(capsys, *SUMMARY, str(data)) == first
    assert len(builds) == 2
    monkeypatch.setattr(dataset, "_columns_key", lambda: "another layout")
    assert _run(capsys, *SUMMARY, str(data)) == first
    assert len(builds) == 3
    assert _run(capsys, *SUMMARY, str(data)) == first
    assert len(builds) == 3


def test_a_filtered_load_has_no_columns_entry(
    data: Path, cache_dir: Path, builds: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    """``--vintage`` leaves rows out after the parsed entry: the columns of what is left
    are not the entry's, so they are neither stored nor looked for."""
    _run(capsys, "--vintage", "2024-03-01", *SUMMARY, str(data))
    assert _columns_entries(cache_dir) == []
    _run(capsys, *SUMMARY, str(data))
    vintage = _run(capsys, "--vintage", "2024-03-01", *SUMMARY, str(data))
    assert len(builds) == 3
    assert vintage == _run(capsys, "--no-cache", "--vintage", "2024-03-01", *SUMMARY, str(data))


def test_the_unit_check_of_a_cached_file_is_stored_beside_it(
    tmp_path: Path,
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rows the unit check found come back from the entry (not found again), and the
    notes name the path given each time, as without the cache."""
    rows = _rows()
    rows.append("AZE,KAZ,import,2022-04,105000,million,USD,,2024-03-01,,")  # 1000 × 105
    data = _write(tmp_path / "units.csv", rows)
    (tmp_path / "sub").mkdir()
    alias = tmp_path / "sub" / "link.csv"
    alias.symlink_to(data)
    checked: list[int] = []
    check = dataset.unit_suspects

    def counted(frame: Any) -> list[tuple[int, int]]:
        checked.append(1)
        return check(frame)

    monkeypatch.setattr(dataset, "unit_suspects", counted)

    def notes(path: Path, *args: str) -> list[str]:
        err = _outputs(capsys, *args, *SUMMARY, str(path))[1]
        return [n for n in err.splitlines() if "unit?" in n]

    first = notes(data)
    assert len(first) == 1 and "AZE–KAZ import Apr 2022" in first[0]
    assert f"({data}:" in first[0]
    assert notes(data) == first
    assert len(checked) == 1
    through_link = notes(alias)
    assert len(checked) == 1  # the same content, the same entry
    assert through_link == [first[0].replace(str(data), str(alias))]
    assert notes(alias, "--no-cache") == through_link
    assert len(checked) == 2


def test_loaded_columns_lie_on_64_byte_bounds_whatever_the_keys(
    data: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The head before the arrays (the keys, whose length varies with the options) is
    padded: every array of columns read back is aligned (numpy reads those faster)."""
    for reporters in ([], ["-r", "AZE"], ["-r", "GEO", "--flow", "export"]):
        _run(capsys, *SUMMARY, str(data), *reporters)
    entries = _columns_entries(cache_dir)
    assert len(entries) == 3  # --reporter keeps other rows: entries of their own
    for entry in entries:
        frame_entry = entry.with_suffix(".arrow")
        body = store.read(frame_entry)
        assert body is not None
        head = _frame_key(body)
        keyed = parsed.Keyed(frame_entry, head)
        columns_body = keyed.read("columns", dataset._columns_key())
        assert columns_body is not None
        columns = Columns.load(columns_body)
        assert not columns.has_cumulative  # the Jan..m tables: one zero, not stored
        for name in bulk._SAVED:
            array = getattr(columns, name)
            assert array.ctypes.data % 64 == 0, name


def _frame_key(body: memoryview) -> str:
    """The full key a parsed entry carries (its schema's metadata)."""
    import pyarrow as pa

    schema = pa.ipc.open_file(pa.BufferReader(pa.py_buffer(body))).schema
    return (schema.metadata or {})[b"tradecli.key"].decode()


def test_a_derived_entry_others_could_write_is_not_used(
    data: Path, cache_dir: Path, builds: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    first = _run(capsys, *SUMMARY, str(data))
    (entry,) = _columns_entries(cache_dir)
    entry.chmod(0o666)
    assert _run(capsys, *SUMMARY, str(data)) == first
    assert len(builds) == 2  # refused (and left alone), so built again


def test_a_frame_put_in_place_of_the_loaded_one_gets_columns_of_its_own(
    data: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A caller of the API who replaces the dataset's frame gets that frame's columns,
    not the cached columns of the file."""
    _run(capsys, *SUMMARY, str(data))  # the file's columns are cached
    loaded = dataset.load([data])
    loaded.frame = loaded.frame[loaded.frame["reporter"] == "AZE"].reset_index(drop=True)
    assert {k.reporter for k in loaded.keys()} == {"AZE"}
    assert {k.reporter for k in loaded.columns().keys} == {"AZE"}
    assert len(loaded.columns().keys) == len(loaded.series().keys) == 12
