"""The file writers: what they write reads back exactly, and a failed write changes nothing."""

import csv
import json
import os
import stat

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
