"""`lstmkit classify` end to end on tiny data in each file format; errors; Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

from lstmkit.cli import main
from lstmkit.cli.sequence_files import read_sequences
from lstmkit.models import SequenceClassifier

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TINY = ["--epochs", "2", "--hidden-size", "4", "--ensemble", "1", "--quiet"]


def tiny_sequences(count=24, seed=0):
    """Two channels; class "up" rises, class "down" falls; lengths 5..8."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for n in range(count):
        label = "up" if n % 2 else "down"
        steps = int(rng.integers(5, 9))
        slope = 1.0 if label == "up" else -1.0
        X.append(np.stack([slope * np.arange(steps), rng.standard_normal(steps)], axis=1))
        y.append(label)
    return X, np.array(y)


def write_npz(path, count=24, seed=0):
    X, y = tiny_sequences(count, seed)
    padded = np.zeros((len(X), 8, 2))
    for n, x in enumerate(X):
        padded[n, : len(x)] = x
    np.savez(path, X=padded, y=y, lengths=np.array([len(x) for x in X]))
    return X, y


def write_long_csv(path, count=24, seed=0):
    X, y = tiny_sequences(count, seed)
    lines = ["id,label,a,b"]
    for n, (x, label) in enumerate(zip(X, y, strict=True)):
        lines += [f"s{n},{label},{a},{b}" for a, b in x]
    path.write_text("\n".join(lines) + "\n")
    return X, y


def write_ts(path, count=24, seed=0):
    X, y = tiny_sequences(count, seed)
    lines = ["@problemName tiny", "@dimensions 2", "@classLabel true down up", "@data"]
    for x, label in zip(X, y, strict=True):
        lines.append(":".join(",".join(str(v) for v in x[:, c]) for c in range(2)) + f":{label}")
    path.write_text("\n".join(lines) + "\n")
    return X, y


@pytest.mark.parametrize("writer", [write_npz, write_long_csv, write_ts])
def test_every_format_reads_the_same_sequences(tmp_path, writer):
    suffix = {write_npz: ".npz", write_long_csv: ".csv", write_ts: ".ts"}[writer]
    X, y = writer(tmp_path / f"data{suffix}")
    data = read_sequences(tmp_path / f"data{suffix}")
    assert data.y.tolist() == y.tolist()
    for a, b in zip(data.X, X, strict=True):
        np.testing.assert_allclose(a, b)


def test_npz_in_aeons_layout_reads_with_layout_nct(tmp_path, capsys):
    X, y = write_npz(tmp_path / "ntc.npz")
    padded = np.load(tmp_path / "ntc.npz")["X"]
    lengths = [len(x) for x in X]
    np.savez(tmp_path / "nct.npz", X=padded.transpose(0, 2, 1), y=y, lengths=lengths)
    read = read_sequences(str(tmp_path / "nct.npz"), layout="NCT")
    for got, expected in zip(read.X, X, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert main(["classify", str(tmp_path / "nct.npz"), "--layout", "NCT", *TINY]) == 0
    # read as NTC, the (N, C=2, T=8) array gives 2 steps: too short for its lengths
    assert main(["classify", str(tmp_path / "nct.npz"), *TINY]) == 1
    assert "lengths must be (24,) integers in 1..2" in capsys.readouterr().err


def test_wide_csv_is_one_univariate_sequence_per_row(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("label,t1,t2,t3\nup,1,2,3\ndown,3,2,\n")
    data = read_sequences(path)
    assert data.y.tolist() == ["up", "down"]
    assert [x.shape for x in data.X] == [(3, 1), (2, 1)]


def test_classify_train_test_writes_every_file(tmp_path, capsys):
    write_npz(tmp_path / "train.npz", seed=0)
    write_long_csv(tmp_path / "test.csv", count=10, seed=1)
    out = tmp_path / "run"
    args = ["classify", str(tmp_path / "train.npz"), str(tmp_path / "test.csv"), *TINY]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    accuracy_line = printed.splitlines()[0]
    assert accuracy_line.startswith("test accuracy: ") and accuracy_line.endswith("of 10)")
    assert {p.name for p in out.iterdir()} == {
        "model.safetensors",
        "metrics.json",
        "predictions.csv",
        "confusion.png",
        "gates.png",
        "report.html",
    }
    metrics = json.loads((out / "metrics.json").read_text())
    confusion = np.array(metrics["confusion"])
    assert metrics["classes"] == ["down", "up"] and confusion.sum() == 10
    assert metrics["accuracy"] == pytest.approx(np.trace(confusion) / 10)
    predictions = (out / "predictions.csv").read_text().splitlines()
    assert predictions[0] == "id,label,predicted,probability" and len(predictions) == 11
    assert predictions[1].startswith("s0,")
    # the saved model predicts what predictions.csv says
    model = SequenceClassifier.load(out / "model.safetensors")
    test = read_sequences(tmp_path / "test.csv")
    assert model.predict(test.X).tolist() == [row.split(",")[2] for row in predictions[1:]]
    assert (out / "confusion.png").read_bytes().startswith(PNG_SIGNATURE)
    image = pytest.importorskip("matplotlib.image").imread(out / "confusion.png")
    assert image.ndim == 3


def test_classify_one_file_splits_it_and_prints_the_summary(tmp_path, capsys):
    write_ts(tmp_path / "all.ts", count=40)
    quiet_off = [a for a in TINY if a != "--quiet"]
    assert main(["classify", str(tmp_path / "all.ts"), *quiet_off]) == 0
    out = capsys.readouterr().out
    assert "30 training and 10 test sequences, 2 channels, 2 classes" in out
    assert "true \\ predicted" in out
    assert out.strip().splitlines()[-1].startswith("done in ")


@pytest.mark.parametrize(
    ("flags", "per_network", "per_epoch"),
    [([], 1, 0), (["--verbose"], 0, 2), (["--quiet"], 0, 0)],
)
def test_progress_is_a_summary_per_network_or_a_line_per_epoch_with_verbose(
    tmp_path, capsys, flags, per_network, per_epoch
):
    write_npz(tmp_path / "train.npz", count=24)
    options = [a for a in TINY if a != "--quiet"]
    assert main(["classify", str(tmp_path / "train.npz"), *options, *flags]) == 0
    err = capsys.readouterr().err.splitlines()
    assert sum(line.startswith("trained 2 epochs in ") for line in err) == per_network
    assert sum(line.startswith(("epoch 1/2: loss", "epoch 2/2: loss")) for line in err) == per_epoch


@pytest.mark.parametrize(
    ("content", "name", "code", "message"),
    [
        (None, "nothere.ts", 1, "no such file: nothere.ts"),
        ("@dimensions 1\n@classLabel true a\n@data\n1,2:a\n1,x:a\n", "bad.ts", 1, "bad.ts, line 5"),
        ("id,a\ns1,1\ns1,2\n", "nolabel.csv", 1, "has no labels (expected a 'label' column)"),
        ("id,label,a\ns1,x,1\ns1,y,2\n", "mixed.csv", 1, "line 3: label 'y' of id 's1' differs"),
        ("x", "data.txt", 1, "unknown file type; expected .ts, .ts.gz, .csv or .npz"),
    ],
)
def test_data_errors_exit_1_with_one_line(tmp_path, capsys, content, name, code, message):
    if content is not None:
        (tmp_path / name).write_text(content)
    target = str(tmp_path / name) if content is not None else name
    assert main(["classify", target, *TINY]) == code
    err = capsys.readouterr().err.strip()
    assert err.startswith("lstmkit: error: ") and "\n" not in err and message in err


def test_usage_errors_exit_2(tmp_path, capsys):
    write_npz(tmp_path / "train.npz")
    assert main(["classify", str(tmp_path / "train.npz"), "--test-fraction", "1.5", *TINY]) == 2
    assert "--test-fraction must lie in (0, 1); got 1.5" in capsys.readouterr().err
    assert main(["classify", "--epochs", "0"]) == 2
    assert "--epochs must be a positive integer; got 0" in capsys.readouterr().err


def test_npz_with_objects_is_refused(tmp_path, capsys):
    np.savez(tmp_path / "objects.npz", X=np.array([[1.0], [2.0]], dtype=object), y=np.arange(2))
    assert main(["classify", str(tmp_path / "objects.npz"), *TINY]) == 1
    err = capsys.readouterr().err  # issue 23 item 18: refused by name, never advising pickle
    assert "objects.npz: array 'X' has dtype object" in err and "pickle" not in err


def test_ctrl_c_saves_the_best_model_so_far(tmp_path):
    write_npz(tmp_path / "train.npz", count=40)
    out = tmp_path / "run"
    command = [sys.executable, "-m", "lstmkit", "classify", str(tmp_path / "train.npz")]
    command += "--epochs 100000 --patience 100000 --hidden-size 4 --ensemble 1 --verbose".split()
    process = subprocess.Popen(
        [*command, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # a test run may ignore SIGINT (an ignored signal stays ignored in a child): restore
        # the default so that the child's Python turns Ctrl-C into KeyboardInterrupt
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        interrupt_and_check(process, out)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def interrupt_and_check(process, out):
    err = []
    reader = threading.Thread(target=lambda: err.append(process.stderr.read()), daemon=True)
    chunks = []

    def read_until_epochs():
        while True:
            chunk = process.stderr.read(200)
            if not chunk:
                return
            chunks.append(chunk)
            if "epoch 3/100000: loss" in "".join(chunks):
                return

    watcher = threading.Thread(target=read_until_epochs, daemon=True)
    watcher.start()
    watcher.join(timeout=90)
    assert "epoch 3/100000: loss" in "".join(chunks), "training did not start"
    process.send_signal(signal.SIGINT)
    reader.start()
    process.wait(timeout=120)
    reader.join(timeout=10)
    stderr = "".join(chunks) + "".join(err)
    assert process.returncode == 130, stderr[-500:]
    assert "saved the best model so far" in stderr and str(out / "model.safetensors") in stderr
    model = SequenceClassifier.load(out / "model.safetensors")
    assert model.n_epochs_ >= 3 and model.classes_.tolist() == ["down", "up"]


def test_interrupt_in_a_new_members_first_epoch_keeps_the_finished_members(tmp_path, capsys):
    from lstmkit.cli.classify import save_interrupted
    from lstmkit.training import History, TrainingInterrupted

    X, y = tiny_sequences()
    model = SequenceClassifier(hidden_size=4, epochs=2, ensemble=2, seed=0).fit(X, y)
    if getattr(model.network_, "members", 1) < 2:
        pytest.skip("SequenceClassifier without an ensemble in this checkout")
    first = model.network_.member(0).state_dict()
    save_interrupted(model, TrainingInterrupted(History()), tmp_path)
    assert "saved the best model so far (the 1 network trained" in capsys.readouterr().err
    saved = SequenceClassifier.load(tmp_path / "model.safetensors")
    assert saved.network_.members == 1
    for name, value in saved.network_.member(0).state_dict().items():
        np.testing.assert_array_equal(value, first[name])


def test_split_holds_out_a_stratified_part_of_anything():
    from lstmkit.cli.sequence_files import Sequences, split_sequences

    texts = [f"text {k}" for k in range(20)]
    labels = np.array(["a"] * 12 + ["b"] * 8)
    kept, held = split_sequences(Sequences(texts, labels, list(range(20))), 0.25, seed=0)
    assert sorted(held.y.tolist()) == ["a"] * 3 + ["b"] * 2
    assert sorted(kept.ids + held.ids) == list(range(20))
    assert all(texts[i] == x for i, x in zip(held.ids, held.X, strict=True))


@pytest.mark.parametrize("architecture", ["lstm-fcn", "alstm-fcn"])
def test_architecture_trains_the_chosen_network(tmp_path, architecture):
    """`--architecture` reaches SequenceClassifier(architecture=...): the saved model is one
    (issue 22; before, the command could only train the recurrent network)."""
    write_npz(tmp_path / "train.npz")
    out = tmp_path / "run"
    command = ["classify", str(tmp_path / "train.npz"), *TINY, "--out", str(out)]
    assert main([*command, "--architecture", architecture]) == 0
    assert SequenceClassifier.load(out / "model.safetensors").architecture == architecture
