"""A save that fails or is killed half-way never leaves an unreadable file in place of the old."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import lstmkit
from lstmkit import LSTM
from lstmkit.io import atomic


def test_a_failing_write_leaves_the_previous_file_and_no_temporaries(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    old = LSTM(3, 4, seed=1)
    lstmkit.save(old, path)
    before = path.read_bytes()

    def failing_fsync(descriptor):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(atomic.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        lstmkit.save(LSTM(3, 4, seed=2), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]
    monkeypatch.undo()
    np.testing.assert_array_equal(
        lstmkit.load(path).params["weight_ih_l0"], old.params["weight_ih_l0"]
    )


WRITER = """
import sys, numpy as np
sys.path.insert(0, {root!r})
import lstmkit
model = lstmkit.LSTM(64, 256, num_layers=2, seed=0)
print("ready", flush=True)
seed = 0
while True:
    seed += 1
    for value in model.params.values():
        value[...] = seed
    lstmkit.save(model, {path!r})
"""


def test_killing_a_saving_process_at_random_moments_never_breaks_the_file(tmp_path):
    path = tmp_path / "model.safetensors"
    lstmkit.save(LSTM(64, 256, num_layers=2, seed=0), path)
    root = str(Path(lstmkit.__file__).resolve().parents[1])
    rng = np.random.default_rng(0)
    for _ in range(8):
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER.format(root=root, path=str(path))],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout.readline().strip() == "ready"
        time.sleep(float(rng.uniform(0.05, 0.4)))
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        model = lstmkit.load(path)  # always a complete file: the old one or a new one
        values = {float(v.flat[0]) for v in model.params.values()}
        assert len(values) == 1, "a file mixes two saves"
