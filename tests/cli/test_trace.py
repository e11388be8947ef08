"""`lstmkit trace` / `python -m lstmkit`: the cell exercise from the command line."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from lstmkit import LSTM
from lstmkit.cli import main


def _values(line: str) -> np.ndarray:
    return np.array([float(v) for v in line.split("=", 1)[1].strip(" []").split(",")])


def test_trace_prints_every_gate_and_matches_the_layer(capsys):
    assert main(["trace", "--input", "1,0; 0,1; 0.5,-1", "--hidden-size", "2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "c' = f * c + i * g" in out and "h' = o * tanh(c')" in out
    lines = out.splitlines()
    steps = [k for k, line in enumerate(lines) if line.startswith("t = ")]
    assert len(steps) == 3
    # the printed h at each step is the layer's output with the same seeded weights
    layer = LSTM(2, 2, forget_bias=1.0, dtype="float64", seed=3)
    y, _ = layer(np.array([[[1, 0], [0, 1], [0.5, -1]]]))
    for t, start in enumerate(steps):
        block = {line.split("=")[0].strip(): line for line in lines[start + 1 : start + 8]}
        assert set(block) == {"x", "i", "f", "g", "o", "c", "h"}
        np.testing.assert_allclose(_values(block["h"]), y[0, t], atol=5e-5)
        gates = [_values(block[g]) for g in "ifo"]
        assert all(np.all((v > 0) & (v < 1)) for v in gates)


def test_bad_input_is_one_readable_line(capsys):
    assert main(["trace", "--input", "1,x"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "lstmkit: error: --input must be numbers like '1,0; 0,1'; got '1,x'"
    assert main(["trace", "--input", "1,2; 3"]) == 2
    assert "steps of equal size" in capsys.readouterr().err
    assert main(["trace", "--hidden-size", "0"]) == 2
    assert "--hidden-size must be a positive integer; got 0" in capsys.readouterr().err


def test_python_dash_m_runs_the_trace():
    result = subprocess.run(
        [sys.executable, "-m", "lstmkit"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("t = ") == 4
