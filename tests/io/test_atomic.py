"""The file writers: what they write reads back exactly, and a failed write changes nothing."""

import csv
import errno
import json
import os
import stat
import subprocess
import sys

import numpy as np
import pytest

from lstmkit.io import atomic
from lstmkit.io.atomic import atomic_write, write_csv, write_json, write_npz, write_text


def test_json_round_trip_with_numpy_values(tmp_path):
    path = tmp_path / "deep" / "metrics.json"  # missing folders are created
    write_json(path, {"b": np.float32(0.5), "a": np.arange(3), "n": np.int64(7)})
    assert json.loads(path.read_text()) == {"a": [0, 1, 2], "b": 0.5, "n": 7}
    assert path.read_text().endswith("}\n")


def test_json_refuses_what_it_cannot_write(tmp_path):
    with pytest.raises(TypeError, match="cannot write object as JSON"):
        write_json(tmp_path / "x.json", {"a": object()})
    assert list(tmp_path.iterdir()) == []


def test_csv_round_trip_quotes_what_needs_quoting(tmp_path):
    path = tmp_path / "rows.csv"
    rows = [["plain", 1], ['a "quoted", comma', 2.5], ["new\nline", -3]]
    write_csv(path, ["text", "value"], rows)
    with open(path, newline="", encoding="utf-8") as file:
        back = list(csv.reader(file))
    assert back == [["text", "value"], *[[text, str(value)] for text, value in rows]]


def test_text_is_utf8(tmp_path):
    path = tmp_path / "sample.txt"
    write_text(path, "naïve – ünïcode\n")
    assert path.read_bytes() == "naïve – ünïcode\n".encode()


def test_npz_round_trip(tmp_path):
    path = tmp_path / "gates.npz"
    arrays = {"i": np.linspace(0, 1, 6).reshape(2, 3), "h": np.arange(4, dtype=np.float32)}
    write_npz(path, arrays)
    with np.load(path) as loaded:
        assert sorted(loaded.files) == ["h", "i"]
        for name, value in arrays.items():
            np.testing.assert_array_equal(loaded[name], value)
            assert loaded[name].dtype == value.dtype


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "metrics.json"
    write_json(path, {"old": 1})

    def failing_fsync(descriptor):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(atomic.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        write_json(path, {"new": 2})
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"old": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_chunks_are_written_in_order(tmp_path):
    path = tmp_path / "bytes.bin"
    atomic_write(path, (bytes([k]) * 3 for k in range(4)))
    assert path.read_bytes() == b"\x00\x00\x00\x01\x01\x01\x02\x02\x02\x03\x03\x03"


def test_figure_format_follows_the_suffix(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    axes.plot([0, 1], [1, 0])
    atomic.write_figure(tmp_path / "plot.png", figure, dpi=50)
    atomic.write_figure(tmp_path / "plot.svg", figure)
    plt.close(figure)
    assert (tmp_path / "plot.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in (tmp_path / "plot.svg").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png", "plot.svg"]


def test_a_written_file_gets_the_mode_the_umask_gives_new_files(tmp_path):
    previous = os.umask(0o027)
    try:
        write_text(tmp_path / "shared.txt", "x")
        os.umask(0o002)
        write_text(tmp_path / "group.txt", "x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "shared.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "group.txt").stat().st_mode) == 0o664


class FullDisk:
    """A file object whose writes fail as on a full disk (the real file is closed on exit)."""

    def __init__(self, file):
        self.file = file

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.file.close()

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_names_the_file_being_written(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    write_text(path, "old")
    real_fdopen = os.fdopen
    monkeypatch.setattr(atomic.os, "fdopen", lambda *a, **k: FullDisk(real_fdopen(*a, **k)))
    with pytest.raises(OSError, match="No space left on device") as caught:
        write_text(path, "new")
    assert str(path) in str(caught.value)
    assert caught.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def temporary_of(path, writer: str, random: str = "k2x9q1ab"):
    """A temporary file of `path` as a writer tagged `writer` (HOST-PID) names it."""
    temporary = path.parent / f".{path.name}.{writer}.{random}.tmp"
    temporary.write_bytes(b"half a file")
    return temporary


def test_the_temporary_file_names_its_writer(tmp_path):
    seen = []

    def chunks():
        seen.extend(p.name for p in tmp_path.iterdir())
        yield b"x"

    atomic_write(tmp_path / "out.bin", chunks())
    host = atomic._host_hash()
    assert len(seen) == 1
    assert seen[0].startswith(f".out.bin.{host}-{os.getpid()}.") and seen[0].endswith(".tmp")


def test_a_write_removes_the_temporaries_dead_writers_left_and_only_those(tmp_path):
    path = tmp_path / "model.safetensors"
    host = atomic._host_hash()
    dead = temporary_of(path, f"{host}-{dead_pid()}")
    kept = [
        temporary_of(path, f"{host}-{os.getpid()}"),  # this process: may be writing it now
        temporary_of(path, f"{host}-{os.getppid()}"),  # a live process
        temporary_of(path, f"0000beef-{dead_pid()}"),  # another machine's process
        tmp_path / ".model.safetensors.k2x9q1ab.tmp",  # no writer in its name
        temporary_of(tmp_path / "other.safetensors", f"{host}-{dead_pid()}"),  # another file
    ]
    kept[3].write_bytes(b"old style")
    write_text(path, "new")
    assert not dead.exists()
    assert all(p.exists() for p in kept)
    assert path.read_text() == "new"


def test_a_file_in_the_way_of_the_folder_is_named(tmp_path):
    """A path under a file ('/dev/null/x.onnx') is refused naming the file in the way; mkdir's
    own error said only "File exists: '/dev/null'" (issue 23, noticed with item 18)."""
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x")
    with pytest.raises(NotADirectoryError, match=f"{blocker} is not a folder") as refused:
        write_text(blocker / "sub" / "model.onnx", "y")
    assert refused.value.filename == str(blocker / "sub" / "model.onnx")
