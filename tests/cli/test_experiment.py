"""`lstmkit experiment`: end to end on a tiny budget, and its usage errors."""

import csv
import json

from lstmkit.cli import main


def test_experiment_prints_and_saves_the_table(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["experiment", "adding", "--T", "10", "--budget", "64", "--batch-size", "16",
            "--eval-every", "32", "--test-size", "50", "--hidden-size", "4", "--seeds", "0,1",
            "--models", "lstm,rnn", "--out", str(out), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "adding, T = 10: budget 64 sequences per model" in printed
    with open(out / "results.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["model"], r["seed"]) for r in rows] == [
        ("lstm", "0"), ("rnn", "0"), ("lstm", "1"), ("rnn", "1")
    ]  # fmt: skip
    for row in rows:
        assert row["sequences_seen"] == "64" and row["test_size"] == "50"
        wrong = int(row["test_wrong"])
        assert float(row["test_correct"]) == 1 - wrong / 50
        assert f"{wrong}/50" in printed  # the printed table shows each row
    saved = json.loads((out / "results.json").read_text())
    assert len(saved["rows"]) == 4 and set(saved["curves"]) == {
        "lstm_seed0", "rnn_seed0", "lstm_seed1", "rnn_seed1"
    }  # fmt: skip
    assert saved["curves"]["lstm_seed0"][-1][0] == 64
    assert (out / "rnn_seed1.safetensors").exists()


def test_experiment_usage_errors(capsys):
    assert main(["experiment", "adding", "--models", "lstm,cnn"]) == 2
    assert "--models must be some of lstm,gru,rnn; got 'lstm,cnn'" in capsys.readouterr().err
    assert main(["experiment", "adding", "--seeds", "a"]) == 2
    assert "--seeds must be comma-separated integers; got 'a'" in capsys.readouterr().err
    assert main(["experiment", "adding", "--budget", "0"]) == 2
    assert "--budget must be a positive integer" in capsys.readouterr().err
