"""Reading a large file ahead: the console entry point begins reading the file before
the rest of the program is imported, and the command's load takes that reading over
only when it asks for the same file, unchanged, with the same context; otherwise it
reads the file itself. Either way the frame and the output are what a plain read gives.
No timings here: ``bench/`` measures speed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from tradecli import cli
from tradecli.caching import keys, parsed, store
from tradecli.groups import load_bundled
from tradecli.readers import tidy, tidy_fast
from tradecli.readers.context import ReadContext


@pytest.fixture(scope="module")
def generated(generate: Callable[[int, int], Path]) -> Path:
    return generate(20_000, 5)


@pytest.fixture(autouse=True)
def small_is_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated file (about 1 MB) counts as large, in blocks of a few hundred rows."""
    monkeypatch.setenv(store.ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 0)
    monkeypatch.setattr(tidy_fast, "CHUNK_BYTES", 16 << 10)
    monkeypatch.setattr(keys, "LARGE_BYTES", 0)
    monkeypatch.setattr(parsed, "MIN_BYTES", 0)


@pytest.fixture(autouse=True)
def no_reading_left() -> Iterator[None]:
    """A reading left over by a failing test is not taken over by the next one."""
    yield
    tidy_fast.discard()


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> list[tidy_fast._Reader]:
    """Every reading begun, ahead or not."""
    begun: list[tidy_fast._Reader] = []
    real = tidy_fast._Reader.start

    def counting(self: tidy_fast._Reader) -> None:
        begun.append(self)
        real(self)

    monkeypatch.setattr(tidy_fast._Reader, "start", counting)
    return begun


@pytest.fixture
def takeovers(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each load found a reading begun ahead for it."""
    found: list[bool] = []
    real = tidy_fast._taken

    def recording(path: Path, context: ReadContext) -> tidy_fast._Reader | None:
        reader = real(path, context)
        found.append(reader is not None)
        return reader

    monkeypatch.setattr(tidy_fast, "_taken", recording)
    return found


def _context(reporters: frozenset[str] | None = None) -> ReadContext:
    return ReadContext(group_codes=load_bundled().codes, reporters=reporters)


def _plain(path: Path, context: ReadContext, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    with monkeypatch.context() as patch:
        patch.setattr(tidy_fast, "MIN_BYTES", 1 << 62)
        return tidy.read(path, context)


def _reporter(path: Path) -> str:
    with path.open(encoding="utf-8") as rows:
        return rows.readlines()[1].split(",")[0]


def test_the_load_takes_over_a_reading_begun_ahead(
    generated: Path, readers: list[tidy_fast._Reader], monkeypatch: pytest.MonkeyPatch
) -> None:
    wanted = frozenset({_reporter(generated)})
    assert tidy_fast.start(generated, _context(wanted))
    frame = tidy_fast.read(generated, _context(wanted))  # an equal context, not the same one
    assert len(readers) == 1  # no second reading
    assert tidy_fast._AHEAD == {}
    assert frame is not None and len(frame) > 0
    pd.testing.assert_frame_equal(frame, _plain(generated, _context(wanted), monkeypatch))


def test_a_reading_for_another_context_is_stopped_and_not_used(
    generated: Path, readers: list[tidy_fast._Reader], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tidy_fast.start(generated, _context(frozenset({_reporter(generated)})))
    frame = tidy_fast.read(generated, _context())  # every reporter
    assert len(readers) == 2
    assert readers[0].stopped and not readers[1].stopped
    assert tidy_fast._AHEAD == {}
    assert frame is not None
    pd.testing.assert_frame_equal(frame, _plain(generated, _context(), monkeypatch))


def test_a_file_changed_since_is_read_again(
    generated: Path,
    tmp_path: Path,
    readers: list[tidy_fast._Reader],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "changing.csv"
    lines = generated.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:3000]) + "\n", encoding="utf-8")
    assert tidy_fast.start(path, _context())
    path.write_text("\n".join(lines[:4000]) + "\n", encoding="utf-8")
    frame = tidy_fast.read(path, _context())
    assert len(readers) == 2
    assert frame is not None and len(frame) == 3999
    pd.testing.assert_frame_equal(frame, _plain(path, _context(), monkeypatch))


def test_a_file_rewritten_in_place_with_its_size_and_time_kept_is_read_again(
    generated: Path,
    tmp_path: Path,
    readers: list[tidy_fast._Reader],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As ``cp -p`` or ``rsync -t`` leave it: same inode, size and modification time."""
    path = tmp_path / "rewritten.csv"
    text = generated.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    before = path.stat()
    assert tidy_fast.start(path, _context())
    first, second = text.splitlines()[1:3]
    path.write_text(text.replace(first, "@").replace(second, first).replace("@", second))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    frame = tidy_fast.read(path, _context())
    assert len(readers) == 2
    assert frame is not None
    pd.testing.assert_frame_equal(frame, _plain(path, _context(), monkeypatch))


def test_a_column_with_a_new_value_in_every_row(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An id per row: past a few thousand distinct values they are looked up in a dict
    (rebuilding the Arrow set for every block would grow with the square of the rows)."""
    monkeypatch.setattr(tidy_fast, "_KNOWN_MAX", 500)
    path = tmp_path / "ids.csv"
    lines = generated.read_text(encoding="utf-8").splitlines()
    rows = [f"{line},id{i}" for i, line in enumerate(lines[1:6000])]
    path.write_text("\n".join([lines[0] + ",id", *rows]) + "\n", encoding="utf-8")
    frame = tidy_fast.read(path, _context())
    assert frame is not None and frame["id"].nunique() == 5999
    pd.testing.assert_frame_equal(frame, _plain(path, _context(), monkeypatch))


def test_discard_stops_what_was_not_taken_over(
    generated: Path, readers: list[tidy_fast._Reader]
) -> None:
    assert tidy_fast.start(generated, _context())
    assert tidy_fast.start(generated, _context())  # the same again replaces the first
    assert readers[0].stopped and not readers[1].stopped
    tidy_fast.discard()
    assert readers[1].stopped and tidy_fast._AHEAD == {}


def test_nothing_is_begun_for_a_file_this_path_would_not_read(tmp_path: Path) -> None:
    gone = tmp_path / "gone.csv"
    assert not tidy_fast.start(gone, _context())
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    assert not tidy_fast.start(other, _context())
    assert tidy_fast._AHEAD == {}


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, str, int]:
    old = sys.argv
    sys.argv = ["tradecli", *argv]
    try:
        with pytest.raises(SystemExit) as exit_:
            cli.main()
    finally:
        sys.argv = old
    out = capsys.readouterr()
    return out.out, out.err, int(exit_.value.code or 0)


@pytest.mark.parametrize(
    "spelling",
    [
        ["summary", "--reporter", "{r}"],
        ["summary", "-r", "{r}"],
        ["summary", "-r{r}"],
        ["summary", "--reporter={r}", "--format", "json"],
        ["--commodity", "TOTAL", "summary", "--reporter", "{r}"],
        ["summary", "--reporter", "{r}", "--groups", "{groups}"],
        ["share", "--vs", "world", "--reporter", "{r}"],
    ],
)
def test_the_console_entry_point_reads_ahead_and_the_command_takes_it_over(
    generated: Path,
    tmp_path: Path,
    readers: list[tidy_fast._Reader],
    takeovers: list[bool],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    spelling: list[str],
) -> None:
    monkeypatch.setenv("TRADECLI_RESULT_CACHE_MIN_BYTES", str(1 << 62))  # no replay
    monkeypatch.setenv("COLUMNS", "100")
    groups = tmp_path / "groups.csv"
    groups.write_text(
        "group,member,valid_from,valid_to,note\nmine,AZE,,,\nmine,TJK,,,\n", encoding="utf-8"
    )
    filled = (a.format(r=_reporter(generated), groups=groups) for a in spelling)
    argv = ["--data", str(generated), *filled]
    ahead = _main(argv, capsys)
    assert takeovers == [True] and len(readers) == 1  # begun ahead, and taken over
    assert tidy_fast._AHEAD == {}
    assert ahead[2] == 0
    monkeypatch.setattr(cli, "_read_ahead", lambda argv: None)
    assert _main([*argv, "--no-cache"], capsys) == ahead
    assert takeovers == [True, False] and len(readers) == 2  # read by the load itself


def test_a_short_option_with_an_equals_sign_is_read_as_click_reads_it(
    generated: Path,
    readers: list[tidy_fast._Reader],
    takeovers: list[bool],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``-r=TUR`` is the reporter ``=TUR`` to click: not a country, so every row is
    kept; the reading begun for it is not what the load asks for."""
    monkeypatch.setenv("TRADECLI_RESULT_CACHE_MIN_BYTES", str(1 << 62))
    argv = ["--data", str(generated), "summary", f"-r={_reporter(generated)}"]
    ahead = _main(argv, capsys)
    assert takeovers == [True] and len(readers) == 1  # ahead, with every row, taken over
    monkeypatch.setattr(cli, "_read_ahead", lambda argv: None)
    assert _main([*argv, "--no-cache"], capsys) == ahead


def test_a_bad_row_deep_in_a_file_read_ahead_gives_the_plain_message(
    generated: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "bad.csv"
    lines = generated.read_text(encoding="utf-8").splitlines()
    lines[15000] = lines[15000].replace(",export,", ",exprot,").replace(",import,", ",imprt,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = ["--data", str(path), "summary", "--reporter", _reporter(generated)]
    out, err, code = _main(argv, capsys)
    assert code == 1 and f"{path}:15001: flow:" in err
    monkeypatch.setattr(cli, "_read_ahead", lambda argv: None)
    assert _main([*argv, "--no-cache"], capsys) == (out, err, code)


def test_nothing_is_read_ahead_when_the_parsed_file_is_cached(
    generated: Path,
    readers: list[tidy_fast._Reader],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRADECLI_RESULT_CACHE_MIN_BYTES", str(1 << 62))
    argv = ["--data", str(generated), "summary", "--reporter", _reporter(generated)]
    first = _main(argv, capsys)
    assert len(readers) == 1
    assert _main([*argv, "--flow", "export"], capsys)[2] == 0  # the same rows, from the cache
    assert len(readers) == 1
    assert _main(argv, capsys) == first


def test_a_large_file_read_ahead_by_the_console_script(
    generated: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole process, as a user runs it, with the real size thresholds: the output
    is that of a run in which the load reads the file itself."""
    big = tmp_path / "big.csv"
    head, body = generated.read_bytes().split(b"\n", 1)
    with big.open("wb") as sink:  # over 8 MB, where reading ahead begins
        sink.write(head + b"\n")
        while sink.tell() < (9 << 20):
            sink.write(body)  # the same rows again: duplicates, reconciled
    argv = ["--data", str(big), "summary", "-r", _reporter(generated)]
    env = {**os.environ, "COLUMNS": "100", store.ENV: str(tmp_path / "c")}
    env["TRADECLI_RESULT_CACHE_MIN_BYTES"] = str(1 << 62)
    ahead = subprocess.run([sys.executable, "-m", "tradecli", *argv], capture_output=True, env=env)
    assert ahead.returncode == 0, ahead.stderr
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TRADECLI_RESULT_CACHE_MIN_BYTES", str(1 << 62))
    monkeypatch.setattr(cli, "_read_ahead", lambda argv: None)
    out, err, code = _main([*argv, "--no-cache"], capsys)
    assert (ahead.stdout.decode(), ahead.stderr.decode(), ahead.returncode) == (out, err, code)
    assert out.count("\n") > 5
