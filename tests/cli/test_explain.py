"""`lstmkit explain gradients`: the numbers, the files and the plot."""

import csv
import json

import numpy as np
import pytest

from lstmkit.cli import main
from lstmkit.experiments import gradient_norms


def test_explain_gradients_at_init(tmp_path, capsys):
    assert main(["explain", "gradients", "--T", "12", "--budget", "0", "--samples", "2",
                 "--hidden-size", "4", "--out", str(tmp_path), "--quiet"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    labels = ["rnn init", "gru init", "lstm init (forget bias 0)", "lstm init (forget bias 1)",
              "lstm init (forget +3, input -3)", "lstm init (forget +6, input -4)"]  # fmt: skip
    assert all(label in printed for label in labels)
    with open(tmp_path / "gradient_norms_T12.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["t", *labels] and len(rows) == 13
    # the saved LSTM column is the library's measurement for the same network
    expected = gradient_norms("lstm", 12, hidden_size=4, forget_bias=1.0, n=2, seed=0)
    np.testing.assert_allclose([float(r[4]) for r in rows[1:]], expected, rtol=1e-9)
    saved = json.loads((tmp_path / "gradient_norms_T12.json").read_text())
    assert set(saved) == set(labels)
    pytest.importorskip("matplotlib")
    assert (tmp_path / "gradient_T12.png").read_bytes()[:4] == b"\x89PNG"


def test_explain_gradients_trains_then_measures(capsys):
    assert main(["explain", "gradients", "--T", "10", "--budget", "32", "--samples", "1",
                 "--hidden-size", "3"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "rnn trained" in printed and "lstm trained" in printed


def test_explain_errors(tmp_path, capsys):
    assert main(["explain", "gradients", "--T", "2"]) == 2
    assert "--T must be an integer >= 10; got 2" in capsys.readouterr().err
    assert main(["explain", "gradients", "--trained", str(tmp_path)]) == 1
    assert "missing" in capsys.readouterr().err
