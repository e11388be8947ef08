"""`lstmkit seq2seq`: train on tiny files, save, predict with the saved model, errors."""

import json

import pytest

from lstmkit.cli import main

TINY = ["--hidden-size", "8", "--epochs", "2", "--quiet"]


def _write_pairs(path, pairs):
    path.write_text("".join(f"{s}\t{t}\n" for s, t in pairs), encoding="utf-8")
    return path


def test_train_evaluate_save_and_predict(tmp_path, capsys):
    pairs = [(w, w[::-1]) for w in ["ab", "ba", "abc", "cab", "bca", "aab", "cc", "acb"]]
    train = _write_pairs(tmp_path / "train.tsv", pairs * 3)
    test = _write_pairs(tmp_path / "test.tsv", pairs[:3])
    out = tmp_path / "run"
    assert main(["seq2seq", str(train), str(test), "--out", str(out), *TINY]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.startswith("seq2seq: ") and "test exact match" in summary
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_pairs"] == 3 and 0 <= metrics["test_exact_match"] <= 1
    lines = (out / "predictions.csv").read_text().splitlines()
    assert lines[0] == "source,target,prediction,correct" and len(lines) == 4
    assert (out / "model.safetensors").exists()

    model = str(out / "model.safetensors")
    assert main(["seq2seq", "--model", model, "--predict", "abc", "--predict", "ca"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert [line.split("\t")[0] for line in printed] == ["abc", "ca"]
    from lstmkit.models import Seq2Seq

    expected = Seq2Seq.load(model).predict(["abc", "ca"])
    assert [line.split("\t")[1] for line in printed] == expected


def test_generated_task_and_attention_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "dates"
    args = ["seq2seq", "--task", "dates", "--train-size", "40", "--test-size", "5"]
    assert main([*args, "--out", str(out), *TINY]) == 0
    assert (out / "attention.png").stat().st_size > 1000
    assert json.loads((out / "metrics.json").read_text())["train_pairs"] == 40


def test_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\nno tab here\n", encoding="utf-8")
    assert main(["seq2seq", str(bad), *TINY]) == 1
    assert f"{bad}:2: expected 'source<TAB>target'" in capsys.readouterr().err
    assert main(["seq2seq", *TINY]) == 2
    assert "give TRAIN" in capsys.readouterr().err
    assert main(["seq2seq", "--task", "dates", str(bad), *TINY]) == 2
    assert main(["seq2seq", "--model", str(bad), *TINY]) == 2
    assert "--predict" in capsys.readouterr().err
    assert main(["seq2seq", "--model", str(tmp_path / "none.safetensors"), "--predict", "x"]) == 1
