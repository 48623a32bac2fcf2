"""Where output goes: the spool a JSON is made into (memory, then a temporary file, back
to memory when the folder fails), the transcript the result cache keeps, ``--out`` onto
links, pipes and devices, and a reader that goes away (``| head``)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import threading
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.cli.output import Spool, Transcript, emit_pieces

TEXTS = ["{\n", '  "a": "Jan–May",\n', '  "b": "', "x" * 50, '"\n', "}\n"] * 40


def _spooled(texts: list[str], memory: int, chunk: int = 7) -> tuple[Spool, list[str]]:
    spool = Spool()
    spool.MEMORY, spool.CHUNK = memory, chunk  # type: ignore[misc]
    for at in range(0, len(texts), 3):
        spool.write(texts[at : at + 3])
    return spool, list(spool.texts())


@pytest.mark.parametrize("memory", [1 << 30, 100, 0])
def test_the_spool_gives_back_its_text_from_memory_or_from_a_file(memory: int) -> None:
    spool, texts = _spooled(TEXTS, memory)
    with closing(spool):
        assert "".join(texts) == "".join(TEXTS)
        assert b"".join(spool.data()) == "".join(TEXTS).encode("utf-8")
        assert b"".join(spool.file_data()) == "".join(TEXTS).encode("utf-8")
        assert (spool._file is None) == (memory == 1 << 30)
        spool.restart()
        spool.write(["again"])
        assert list(spool.texts()) == ["again"]


class _Filling(io.FileIO):
    """A temporary file on a folder that fills after ``room`` bytes (and takes part of
    the write that fills it)."""

    room = 0

    def write(self, data: Any) -> int:
        left = _Filling.room - self.tell()
        if left <= 0:
            raise OSError(28, "No space left on device")
        return super().write(bytes(data)[:left])


@pytest.mark.parametrize("room", [0, 1, 150, 1000, 3000])
def test_a_temporary_folder_that_fills_leaves_the_text_in_memory(
    room: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Full at once, or part way through a write: what the file took is read back, the
    rest of the text stays in memory, and no byte is lost or written twice."""

    def filling(buffering: int = -1) -> _Filling:
        assert buffering == 0
        fd, name = tempfile.mkstemp(dir=tmp_path)
        os.unlink(name)
        return _Filling(fd, "w+b")

    monkeypatch.setattr(_Filling, "room", room)
    monkeypatch.setattr(tempfile, "TemporaryFile", filling)
    spool, texts = _spooled(TEXTS, 100)
    with closing(spool):
        assert "".join(texts) == "".join(TEXTS)
        assert spool._file is None and spool._no_disk
        spool.write(["more"])  # memory from then on
        assert "".join(spool.texts()) == "".join(TEXTS) + "more"


def test_a_temporary_folder_that_cannot_be_opened_leaves_the_text_in_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(buffering: int = -1) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", refused)
    spool, texts = _spooled(TEXTS, 100)
    with closing(spool):
        assert "".join(texts) == "".join(TEXTS) and spool._file is None


@pytest.mark.parametrize("memory", [1 << 30, 0])
def test_lone_surrogates_come_back_as_text_and_as_a_files_bytes(memory: int) -> None:
    """A file name's undecodable bytes (``\\udcff``) are the text again, and in a file
    the bytes they were; another lone surrogate is written as its JSON escape."""
    texts = ['"na\udcffme"', ", ", '"\ud800"', "–" * 5]
    spool, back = _spooled(texts, memory, chunk=1)
    with closing(spool):
        assert "".join(back) == "".join(texts)
        expected = b'"na\xffme", "\\ud800"' + "–".encode() * 5
        assert b"".join(spool.file_data()) == expected


class _Stream:
    def __init__(self, encoding: str) -> None:
        self.encoding, self.written = encoding, []  # type: ignore[var-annotated]

    def write(self, text: str) -> int:
        text.encode(self.encoding)  # what the stream cannot encode raises
        self.written.append(text)
        return len(text)


def test_the_transcript_keeps_the_text_not_the_stand_ins_of_a_stream_that_lacks_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An ASCII stdout gets stand-ins ("-" for "–"); the result cache keeps the text, so
    that a run writing UTF-8 later replays the text itself."""
    stream = _Stream("ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    with Transcript() as transcript:
        emit_pieces(["Jan–May", " 2023"])
    assert stream.written == ["Jan-May", " 2023"]
    assert transcript.chunks() == ((False, "Jan–May 2023"),)


# -- --out onto what is not a plain file ------------------------------------------------


def _json(runner: CliRunner, out: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["data", "-f", "json", "--out", str(out)], prog_name="tradecli")
    return result.exit_code, result.stdout


def test_out_through_a_link_replaces_the_file_it_names_and_keeps_the_link(
    runner: CliRunner, tmp_path: Path
) -> None:
    expected = runner.invoke(app, ["data", "-f", "json"], prog_name="tradecli").stdout
    real = tmp_path / "real.json"
    real.write_text("before", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real.name)
    assert _json(runner, link) == (0, "")
    assert link.is_symlink() and os.readlink(link) == "real.json"
    assert real.read_text(encoding="utf-8") == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_out_through_a_dangling_link_into_no_folder_is_a_usage_error(
    runner: CliRunner, tmp_path: Path
) -> None:
    link = tmp_path / "dangling.json"
    link.symlink_to(tmp_path / "nowhere" / "x.json")
    result = runner.invoke(app, ["data", "-f", "json", "--out", str(link)], prog_name="tradecli")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert link.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == [link.name]


@pytest.mark.skipif(not Path("/proc/self/fd/1").exists(), reason="needs /proc")
def test_out_naming_the_file_stdout_writes_to_writes_through_stdout(tmp_path: Path) -> None:
    """``--out /dev/stdout >> log``: the file stdout appends to keeps what it held, and a
    ``2>&1`` keeps stderr's notes (the file was replaced by a new one of its name)."""
    mine = tmp_path / "mystdout"
    mine.symlink_to("/proc/self/fd/1")  # as /dev/stdout is, without touching /dev
    log = tmp_path / "log.txt"
    log.write_text("kept\n", encoding="utf-8")
    env = {**os.environ, "TRADECLI_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "100"}
    command = [sys.executable, "-m", "tradecli", "summary", "-f", "csv", "--out", str(mine)]
    with log.open("a") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    alone = subprocess.run(command[:-2], capture_output=True, env=env, text=True)
    assert done.returncode == 0 and mine.is_symlink()
    text = log.read_text(encoding="utf-8")
    assert text.startswith("kept\n" + alone.stdout) and "note: " in text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_out_onto_a_pipe_writes_into_it_and_leaves_it_a_pipe(
    runner: CliRunner, tmp_path: Path
) -> None:
    expected = runner.invoke(app, ["data", "-f", "json"], prog_name="tradecli").stdout
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert _json(runner, fifo) == (0, "")
    reader.join(timeout=30)
    assert got == [expected.encode("utf-8")]
    assert fifo.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/dev/null").is_char_device(), reason="root")
def test_out_onto_a_device_writes_to_it_and_leaves_it_a_device(
    runner: CliRunner, tmp_path: Path
) -> None:
    """As root, a rename would replace the device by a file of its name (``/dev/null``)."""
    device = tmp_path / "null"
    os.mknod(device, 0o600 | 0o020000, os.makedev(1, 3))  # a character device: null
    assert _json(runner, device) == (0, "")
    assert device.is_char_device()


# -- a reader that goes away ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_a_reader_that_goes_away_is_no_error_whatever_the_outputs_size(fmt: str) -> None:
    """``| head -c 100`` on outputs of 200 KB (written in one piece) and of a few KB: exit
    0 and nothing on stderr (a broken pipe inside Click was exit 1)."""
    env = {**os.environ, "TRADECLI_CACHE_DIR": tempfile.mkdtemp(), "COLUMNS": "100"}
    command = [sys.executable, "-m", "tradecli", "summary", "-f", fmt]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert len(process.stdout.read(100)) == 100
        process.stdout.close()
        error = process.stderr.read()
        assert process.wait(timeout=60) == 0 and error == b""
