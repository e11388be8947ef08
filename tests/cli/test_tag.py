"""`lstmkit tag` end to end on tiny files (TSV/BIO and CoNLL-U); errors."""

import json

import pytest

from lstmkit.cli import main
from lstmkit.data import read_tagged_tsv
from lstmkit.models import SequenceTagger

TINY = ["--epochs", "2", "--hidden-size", "4", "--quiet"]


def write_bio(path, count, offset=0):
    names = ["Ann", "Bob", "Cy", "Di"]
    lines = []
    for n in range(count):
        name = names[(n + offset) % 4]
        lines += [f"{name}\tB-PER", "Smith\tI-PER", "went\tO", "to\tO", "Rome\tB-LOC", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_conllu(path, count):
    rows = []
    for n in range(count):
        rows += [
            f"# sent_id = {n}",
            "1\tthe\tthe\tDET\tDT\t_\t2\tdet\t_\t_",
            "2\tdog\tdog\tNOUN\tNN\t_\t3\tnsubj\t_\t_",
            "3\truns\trun\tVERB\tVBZ\t_\t0\troot\t_\t_",
            "",
        ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_bio_train_test_with_out_folder(tmp_path, capsys):
    train, test = write_bio(tmp_path / "train.tsv", 12), write_bio(tmp_path / "test.tsv", 4, 1)
    out = tmp_path / "run"
    assert main(["tag", str(train), str(test), *TINY, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "test token accuracy" in printed and "test entities: precision" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"accuracy", "entity_f1", "per_type", "n_epochs"} <= set(metrics)
    assert 0 <= metrics["entity_f1"] <= 1
    sentences, predicted = read_tagged_tsv(out / "predictions.tsv", column=2)
    assert sentences == read_tagged_tsv(test).sentences
    model = SequenceTagger.load(out / "model.safetensors")
    assert model.predict(sentences) == predicted


def test_conllu_split_and_column(tmp_path, capsys):
    path = write_conllu(tmp_path / "a.conllu", 10)
    assert main(["tag", str(path), *TINY, "--column", "xpos", "--softmax"]) == 0
    printed = capsys.readouterr().out
    assert "test token accuracy" in printed and "entities" not in printed


def test_errors_exit_with_codes(tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tX\nb X\n", encoding="utf-8")
    assert main(["tag", str(bad), *TINY]) == 1
    assert "bad.tsv, line 2" in capsys.readouterr().err
    good = write_bio(tmp_path / "g.tsv", 4)
    assert main(["tag", str(good), "--hidden-size", "4", "--quiet", "--epochs", "0"]) == 2
    assert "--epochs must be a positive integer" in capsys.readouterr().err
    assert main(["tag", str(good), *TINY, "--test-fraction", "1.5"]) == 2
    with pytest.raises(SystemExit):
        main(["tag", str(good), "--format", "csv"])
