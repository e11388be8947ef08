"""`lstmkit textclf` end to end on a tiny keyword task; errors and exit codes."""

import csv
import json

import pytest

from lstmkit.cli import main
from lstmkit.models import TextClassifier

TINY = ["--epochs", "3", "--hidden-size", "4", "--quiet"]


def write_task(path, count=40, offset=0):
    lines = []
    for k in range(offset, offset + count):
        word = "great" if k % 2 else "awful"
        lines.append(f"the film {k % 5} was {word}\t{'pos' if k % 2 else 'neg'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_train_and_test_files_write_model_metrics_predictions(tmp_path, capsys):
    train, test = write_task(tmp_path / "train.tsv"), write_task(tmp_path / "test.tsv", 10, 7)
    out = tmp_path / "run"
    assert main(["textclf", str(train), str(test), "--out", str(out), *TINY]) == 0
    printed = capsys.readouterr().out
    assert "test accuracy:" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["classes"] == ["neg", "pos"] and metrics["n_train"] == 40
    with open(out / "predictions.csv") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 10 and {r["predicted"] for r in rows} <= {"neg", "pos"}
    model = TextClassifier.load(out / "model.safetensors")
    predicted = model.predict([line.split("\t")[0] for line in test.read_text().splitlines()])
    assert [r["predicted"] for r in rows] == predicted.tolist()
    assert metrics["accuracy"] == pytest.approx(
        sum(r["predicted"] == r["label"] for r in rows) / 10
    )


def test_without_test_file_holds_out_a_stratified_part(tmp_path, capsys):
    train = write_task(tmp_path / "train.tsv")
    assert main(["textclf", str(train), "--test-fraction", "0.25", *TINY]) == 0
    assert "test accuracy:" in capsys.readouterr().out


def test_malformed_file_is_a_data_error_naming_the_line(tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("fine\tpos\nno label here\n")
    assert main(["textclf", str(bad), *TINY]) == 1
    assert "bad.tsv, line 2" in capsys.readouterr().err


def test_usage_errors_exit_2(tmp_path, capsys):
    train = write_task(tmp_path / "train.tsv")
    assert main(["textclf", str(train), "--test-fraction", "1.5", *TINY]) == 2
    assert "--test-fraction" in capsys.readouterr().err
    assert main(["textclf", str(train), "--epochs", "0"]) == 2
