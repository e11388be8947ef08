"""`lstmkit charlm train` and `lstmkit charlm sample` end to end on a tiny text; Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

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


def test_patience_reaches_the_model(tmp_path, capsys):
    text = tmp_path / "text.txt"
    text.write_text("abcd" * 100, encoding="utf-8")
    assert main(["charlm", "train", str(text), "--patience", "0", *TINY]) == 2
    assert "--patience must be a positive integer; got 0" in capsys.readouterr().err


def test_ctrl_c_saves_the_best_model_so_far(tmp_path):
    words = "the cat sat on the mat. " * 80
    text = tmp_path / "text.txt"
    text.write_text(words, encoding="utf-8")
    out = tmp_path / "run"
    command = [sys.executable, "-m", "lstmkit", "charlm", "train", str(text), "--out", str(out)]
    command += "--epochs 100000 --patience 100000 --hidden-size 4 --layers 1".split()
    command += "--batch-size 2 --seq-len 16 --verbose".split()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # a test run may ignore SIGINT (an ignored signal stays ignored in a child): restore
        # the default so that the child's Python turns Ctrl-C into KeyboardInterrupt
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        stderr = interrupt_after(process, "epoch 3/100000: loss")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr[-500:]
    path = out / "model.safetensors"
    assert "saved the best model so far (epoch " in stderr and str(path) in stderr, stderr[-500:]
    model = CharLanguageModel.load(path)
    epochs = len(model.history_)
    assert epochs >= 3 and model.n_epochs_ == epochs, stderr[-1500:]
    best = min(model.history_, key=lambda record: record["val_nats_per_char"])
    assert f"(epoch {best['epoch']} of {epochs}, val_nats_per_char " in stderr
    # the saved weights are the best epoch's: they score the held-out tail (the default
    # --validation-fraction 0.1) as that epoch did
    held = words[len(words) - int(len(words) * 0.1) :]
    assert model.evaluate(held)["nats_per_char"] == best["val_nats_per_char"]


def interrupt_after(process, line: str) -> str:
    """Read the child's stderr until `line` appears, then send it SIGINT; wait for it to end;
    returns all it wrote to stderr."""
    chunks = []

    def read_until_line():
        while line not in "".join(chunks):
            chunk = process.stderr.read(200)
            if not chunk:
                return
            chunks.append(chunk)

    watcher = threading.Thread(target=read_until_line, daemon=True)
    watcher.start()
    watcher.join(timeout=90)
    assert line in "".join(chunks), "training did not start: " + "".join(chunks)[-500:]
    # a moment later the child is amid the next epoch's steps, not between recording an
    # epoch and reporting it
    time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    rest = process.communicate(timeout=120)[1]
    return "".join(chunks) + rest


def test_an_interrupt_in_the_first_epoch_saves_nothing(tmp_path, capsys):
    from lstmkit.cli.charlm import save_interrupted
    from lstmkit.training import History, TrainingInterrupted

    model = CharLanguageModel(hidden_size=4, num_layers=1, epochs=1, batch_size=2, seed=0)
    model.fit("abcd" * 20)
    save_interrupted(model, TrainingInterrupted(History()), tmp_path)
    assert "interrupted before the first epoch ended: nothing saved" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
