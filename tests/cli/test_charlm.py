"""`lstmkit charlm train` and `lstmkit charlm sample` end to end on a tiny text."""

import json
import subprocess
import sys

from lstmkit.cli import main
from lstmkit.models import CharLanguageModel

TINY = ["--hidden-size", "16", "--layers", "1", "--epochs", "2", "--batch-size", "4"]


def test_train_then_sample(tmp_path, capsys):
    text = tmp_path / "text.txt"
    text.write_text("to be or not to be, that is the question. " * 20, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["charlm", "train", str(text), "--out", str(out), "--quiet", *TINY]) == 0
    assert "nats/char" in capsys.readouterr().out
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["history"]) == 2 and metrics["nats_per_char"] > 0
    assert len((out / "sample.txt").read_text(encoding="utf-8")) == 500
    model_path = out / "model.safetensors"
    # the command prints prime + the model's own sample for the same settings
    command = [sys.executable, "-m", "lstmkit", "charlm", "sample", str(model_path)]
    options = ["--prime", "to ", "--length", "40", "--temperature", "0.5", "--seed", "3"]
    done = subprocess.run(command + options, capture_output=True, text=True, check=True)
    expected = CharLanguageModel.load(model_path).sample("to ", 40, temperature=0.5, seed=3)
    assert done.stdout == "to " + expected + "\n"


def test_errors(tmp_path, capsys):
    assert main(["charlm", "train", str(tmp_path / "missing.txt"), *TINY]) == 1
    assert "missing.txt" in capsys.readouterr().err
    text = tmp_path / "t.txt"
    text.write_text("abc" * 50)
    assert main(["charlm", "train", str(text), "--validation-fraction", "0", *TINY]) == 2
    assert main(["charlm", "sample", str(text), "--length", "-1"]) == 2
    assert main(["charlm", "sample", str(text)]) == 1  # not a model file
