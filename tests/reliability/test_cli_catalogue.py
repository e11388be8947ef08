"""A catalogue of bad command lines, for every command (issue 23: items 6, 18, 19 and the CLI
catalogue): each ends as one line on stderr, `lstmkit: error: ...`, naming the option or the
file, with the status the kind of error has (2: an option value or a command line the command
cannot use; 1: the data, a file). Never a traceback, never "internal error" (a bug).

The commands run in-process (`lstmkit.cli.main`) in a folder of tiny files made once; every
case fails before any training, so the whole file takes seconds.
"""

import contextlib
import errno
import gzip
import os
import re
import shlex

import numpy as np
import pytest

from lstmkit import LSTM, save
from lstmkit.cli import main
from lstmkit.io import atomic
from lstmkit.models import Forecaster, SequenceClassifier

TINY_FORECAST = "--epochs 1 --hidden-size 4 --ensemble 1 --horizon 3 --holdout 0"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Tiny inputs, good and bad, and tiny saved models."""
    here = tmp_path_factory.mktemp("catalogue")
    texts = {
        "series.csv": "value\n" + "".join(f"{50 + k % 7 + k / 2}\n" for k in range(40)),
        "short.csv": "value\n1\n2\n3\n",
        "empty.csv": "",
        "bigfield.csv": "value\n" + "1" * 200_000 + "\n",  # past the csv module's field limit
        "notes.txt": "not a model\n",
        "text.txt": "hello world\n" * 20,
        "labelled.tsv": "".join(f"good {k}\tpos\nbad {k}\tneg\n" for k in range(5)),
        "tagged.tsv": "the\tDET\ndog\tNOUN\n\n",
        "x2.csv": "a,b\n1,2\n3,4\n",
        "seq.csv": "id,label,a,b\n"
        + "".join(f"{i},{'ab'[i % 2]},{i / 10 + t},{t / 2}\n" for i in range(12) for t in range(4)),
    }
    for name, text in texts.items():
        (here / name).write_text(text)
    (here / "nonutf8.csv").write_bytes(b"value\n1\n\xff\xfe\n")
    ts = b"@problemName x\n@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n"
    (here / "trunc.ts.gz").write_bytes(gzip.compress(ts)[:30])
    (here / "notgz.ts.gz").write_bytes(ts)
    save(LSTM(2, 3, seed=0), here / "layer.safetensors")
    (here / "half.safetensors").write_bytes((here / "layer.safetensors").read_bytes()[:50])
    rng = np.random.default_rng(0)
    X, y = [rng.standard_normal((5, 2)) for _ in range(8)], ["a", "b"] * 4
    SequenceClassifier(hidden_size=4, epochs=1, seed=0).fit(X, y).save(
        here / "classifier.safetensors"
    )
    forecaster = Forecaster(horizon=3, epochs=1, hidden_size=4, ensemble=1, seed=0)
    forecaster.fit(np.arange(40.0)).save(here / "forecaster.safetensors")
    return here


def run(folder, command, monkeypatch, capsys) -> tuple[int, list[str]]:
    """(exit status, stderr lines) of `lstmkit COMMAND` run in `folder`."""
    monkeypatch.chdir(folder)
    capsys.readouterr()
    try:
        status = main(shlex.split(command))
    except SystemExit as stop:  # argparse's errors
        status = stop.code
    return status, capsys.readouterr().err.splitlines()


def check_one_error_line(err: list[str], pattern: str) -> None:
    assert len(err) == 1, err
    assert err[0].startswith("lstmkit: error: "), err[0]
    assert "Traceback" not in err[0] and "internal error" not in err[0]
    assert re.search(pattern, err[0]), err[0]


USAGE, DATA = 2, 1
CASES = [
    # ---- forecast
    ("forecast missing.csv", DATA, r"no such file: missing\.csv"),
    ("forecast series.csv --horizon 0", USAGE, r"--horizon must be a positive integer; got 0"),
    ("forecast series.csv --horizon x", USAGE, r"argument --horizon: invalid int value: 'x'"),
    ("forecast series.csv --level 1.5", USAGE, r"--level must lie strictly between 0 and 1"),
    ("forecast series.csv --level nan", USAGE, r"--level must lie .*; got nan"),
    ("forecast series.csv --holdout -1", USAGE, r"--holdout must be 0 or more; got -1"),
    ("forecast series.csv --holdout 40", USAGE, r"--holdout must be less than .* length 40"),
    ("forecast short.csv", DATA, r"short\.csv is too short to test a model: it has 3 values"),
    ("forecast series.csv --epochs 0", USAGE, r"--epochs must be a positive integer; got 0"),
    ("forecast series.csv --ensemble 0", USAGE, r"--ensemble must be a positive integer"),
    ("forecast series.csv --season-length 0", USAGE, r"--season-length must be a positive"),
    ("forecast series.csv --column nope", DATA, r"series\.csv: value column 'nope'"),
    ("forecast series.csv --missing bogus", USAGE, r"argument --missing: invalid choice"),
    ("forecast series.csv --seed -1", USAGE, r"argument --seed: must be a non-negative"),
    ("forecast series.csv --n-jobs 0", USAGE, r"argument --n-jobs: must be a nonzero .*; got '0'"),
    ("forecast nonutf8.csv", DATA, r"nonutf8\.csv, line 3: not UTF-8 text"),
    ("forecast bigfield.csv", DATA, r"bigfield\.csv: not readable as CSV \(field larger"),
    ("forecast empty.csv", DATA, r"empty\.csv: the file is empty"),
    ("forecast series.csv --out series.csv", USAGE, r"--out must be a folder; series\.csv"),
    (
        # (TINY_FORECAST less its --hidden-size: an option given twice is a usage error)
        "forecast series.csv --epochs 1 --ensemble 1 --horizon 3 --holdout 0 --hidden-size 1000000",
        USAGE,
        r"out of memory .*--hidden-size 1000000.* more memory than this machine has",
    ),
    # ---- classify
    ("classify seq.csv --n-jobs two", USAGE, r"argument --n-jobs: must be a nonzero integer"),
    ("classify missing.csv", DATA, r"no such file: missing\.csv"),
    ("classify trunc.ts.gz", DATA, r"trunc\.ts\.gz: the compressed file ends early"),
    ("classify notgz.ts.gz", DATA, r"notgz\.ts\.gz: not a gzip file"),
    ("classify notes.txt", DATA, r"notes\.txt: unknown file type"),
    ("classify seq.csv --test-fraction 1.5", USAGE, r"--test-fraction must lie in \(0, 1\)"),
    ("classify seq.csv --cell lstmx", USAGE, r"argument --cell: invalid choice: 'lstmx'"),
    ("classify seq.csv --hidden-size 0", USAGE, r"--hidden-size must be a positive integer"),
    ("classify seq.csv --patience 0", USAGE, r"--patience must be a positive integer"),
    ("classify seq.csv --layout XYZ", USAGE, r"argument --layout: invalid choice: 'XYZ'"),
    ("classify seq.csv --architecture fcn", USAGE, r"argument --architecture: invalid choice"),
    # a column the user names must exist: before, --id-column was ignored (the file read in
    # the other layout) and --label-column blamed the column 'label'
    ("classify seq.csv --id-column nope", DATA, r"seq\.csv: no column 'nope' \(--id-column\)"),
    ("classify seq.csv --label-column nope", DATA, r"no column 'nope' \(--label-column\)"),
    # ---- predict
    ("predict missing.safetensors", DATA, r"no such model file: missing\.safetensors"),
    ("predict notes.txt x", DATA, r"notes\.txt is not an lstmkit model file"),
    ("predict /dev/zero x", DATA, r"/dev/zero is not a model file: it is not a regular file"),
    ("predict . x", DATA, r"\. is not a model file: it is a folder"),
    ("predict half.safetensors x", DATA, r"half\.safetensors is not an lstmkit model file"),
    ("predict layer.safetensors x", DATA, r"holds a LSTM layer, not a trained model"),
    ("predict forecaster.safetensors --horizon -3", USAGE, r"--horizon: must be a positive"),
    ("predict forecaster.safetensors series.csv", USAGE, r"a Forecaster .*give no INPUT"),
    ("predict classifier.safetensors", USAGE, r"INPUT is required for a SequenceClassifier"),
    ("predict classifier.safetensors trunc.ts.gz", DATA, r"trunc\.ts\.gz: .* ends early"),
    ("predict classifier.safetensors bigfield.csv", DATA, r"bigfield\.csv: not readable"),
    # ---- evaluate
    ("evaluate forecaster.safetensors", USAGE, r"the following arguments are required: DATA"),
    ("evaluate forecaster.safetensors missing.csv", DATA, r"no such file: missing\.csv"),
    ("evaluate forecaster.safetensors nonutf8.csv", DATA, r"nonutf8\.csv, line 3: not UTF-8"),
    ("evaluate forecaster.safetensors empty.csv", DATA, r"empty\.csv: the file is empty"),
    ("evaluate forecaster.safetensors series.csv --column nope", DATA, r"column 'nope'"),
    ("evaluate classifier.safetensors notes.txt", DATA, r"notes\.txt: unknown file type"),
    ("evaluate /dev/zero series.csv", DATA, r"/dev/zero is not a model file"),
    # ---- inspect
    ("inspect missing.safetensors x", DATA, r"no such model file: missing\.safetensors"),
    ("inspect layer.safetensors missing.npz", DATA, r"no such file: missing\.npz"),
    ("inspect layer.safetensors x2.csv --index 7", USAGE, r"--index must lie in 0\.\.1"),
    ("inspect classifier.safetensors seq.csv --layer 3", USAGE, r"--layer must lie in 0\.\.0"),
    ("inspect layer.safetensors x2.csv --layer -1", USAGE, r"--layer: must be a non-negative"),
    (
        "inspect forecaster.safetensors seq.csv",
        DATA,
        r"holds a Forecaster; trace, inspect and explore read",
    ),
    # ---- export
    ("export layer.safetensors", USAGE, r"the following arguments are required: --onnx"),
    ("export layer.safetensors --onnx o.onnx --opset 3", USAGE, r"--opset must lie in"),
    # ---- experiment
    ("experiment bogus", USAGE, r"argument name: invalid choice: 'bogus'"),
    ("experiment adding --T 0", USAGE, r"--T must be an integer >= 4; got 0"),
    ("experiment adding --budget -5", USAGE, r"--budget must be a positive integer; got -5"),
    ("experiment adding --models bogus", USAGE, r"--models must be some of"),
    ("experiment adding --seeds a", USAGE, r"--seeds must be comma-separated integers"),
    ("experiment adding --lr -1", USAGE, r"--lr must be a positive number; got -1"),
    ("experiment adding --test-size 0", USAGE, r"--test-size must be a positive integer"),
    # ---- explain
    ("explain bogus", USAGE, r"argument topic: invalid choice: 'bogus'"),
    ("explain gradients --T 0", USAGE, r"--T must be an integer >= 10; got 0"),
    ("explain gradients --samples 0", USAGE, r"^lstmkit: error: --samples must be a positive"),
    # ---- seq2seq
    ("seq2seq --beam-size 0", USAGE, r"argument --beam-size: must be a positive integer"),
    ("seq2seq --task bogus", USAGE, r"argument --task: invalid choice: 'bogus'"),
    ("seq2seq", USAGE, r"give TRAIN \(a source<TAB>target file\), --task, or --model"),
    ("seq2seq --task dates --train-size 0", USAGE, r"--train-size must be a positive integer"),
    ("seq2seq --task dates --lr -1", USAGE, r"--lr must be a positive number; got -1"),
    ("seq2seq --task dates --max-length 0", USAGE, r"--max-length: must be a positive"),
    ("seq2seq --model layer.safetensors --predict x", DATA, r"holds a LSTM, not a Seq2Seq"),
    ("seq2seq --model /dev/zero --predict x", DATA, r"/dev/zero is not a model file"),
    ("seq2seq notes.txt notes.txt", DATA, r"notes\.txt:1: expected 'source<TAB>target'"),
    # ---- tag
    ("tag missing.conllu", DATA, r"missing\.conllu"),
    ("tag tagged.tsv --format bogus", USAGE, r"argument --format: invalid choice: 'bogus'"),
    ("tag tagged.tsv --format tsv --epochs 0", USAGE, r"--epochs must be a positive integer"),
    ("tag tagged.tsv --test-fraction 2", USAGE, r"--test-fraction must lie in \(0, 1\)"),
    ("tag notes.txt --format tsv", DATA, r"notes\.txt, line 1: expected a TAB-separated"),
    ("tag tagged.tsv --dropout-state x", USAGE, r"--dropout-state: must be a number in \[0, 1\)"),
    ("tag tagged.tsv --weight-drop 1", USAGE, r"--weight-drop: must be .* \[0, 1\); got '1' "),
    # ---- textclf
    ("textclf missing.tsv", DATA, r"missing\.tsv"),
    ("textclf labelled.tsv --hidden-size 0", USAGE, r"--hidden-size must be a positive"),
    ("textclf labelled.tsv --test-fraction 0", USAGE, r"--test-fraction must lie in \(0, 1\)"),
    ("textclf labelled.tsv --cell xyz", USAGE, r"argument --cell: invalid choice: 'xyz'"),
    ("textclf notes.txt", DATA, r"notes\.txt, line 1: expected 'text<TAB>label'"),
    ("textclf labelled.tsv --zoneout-cell -0.1", USAGE, r"--zoneout-cell: must be a number in"),
    ("textclf labelled.tsv --cell gru --zoneout-cell 0.1", USAGE, r"--zoneout-cell needs --cell"),
    (
        "textclf labelled.tsv --cell rnn --layer-norm --weight-drop 0.2",
        USAGE,
        r"--layer-norm, --weight-drop: the plain RNN \(--cell rnn\) has no regularisers",
    ),
    # ---- charlm
    ("charlm", USAGE, r"the following arguments are required: ACTION"),
    ("charlm train missing.txt", DATA, r"missing\.txt"),
    ("charlm train text.txt --seq-len 0", USAGE, r"--seq-len must be a positive integer"),
    ("charlm train text.txt --minutes -1", USAGE, r"--minutes must be positive; got -1"),
    ("charlm train nonutf8.csv", DATA, r"nonutf8\.csv, line 3: not UTF-8 text"),
    ("charlm train text.txt --zoneout-hidden nan", USAGE, r"--zoneout-hidden: must be a number"),
    ("charlm train text.txt --layer-norm 1", USAGE, r"unrecognized arguments: 1"),
    ("charlm sample layer.safetensors", DATA, r"holds a LSTM, not a CharLanguageModel"),
    ("charlm sample /dev/zero", DATA, r"/dev/zero is not a model file"),
    ("charlm sample layer.safetensors --top-k 0", USAGE, r"--top-k must be a positive"),
    ("charlm sample layer.safetensors --length -1", USAGE, r"--length must be >= 0; got -1"),
    # ---- trace (also the default command)
    ("trace --hidden-size 0", USAGE, r"--hidden-size must be a positive integer; got 0"),
    ("trace --model notes.txt", DATA, r"notes\.txt is not an lstmkit model file"),
    ("trace --model /dev/zero", DATA, r"/dev/zero is not a model file"),
    ("trace --input bogus", USAGE, r"--input must be numbers like"),
    ("trace --input '1,0;0'", USAGE, r"--input needs steps of equal size"),
    ("trace --model layer.safetensors --input seq.csv --index 99", USAGE, r"--index must lie"),
    ("trace --model layer.safetensors --input 1,2 --units 0", USAGE, r"--units must be a"),
    ("trace --forget-bias x", USAGE, r"argument --forget-bias: invalid float value: 'x'"),
    ("--bogus", USAGE, r"unrecognized arguments: --bogus"),
    ("bogus-command", USAGE, r"argument COMMAND: invalid choice: 'bogus-command'"),
]


def test_the_catalogue_covers_every_command_with_at_least_40_lines():
    commands = {shlex.split(command)[0] for command, _, _ in CASES}
    assert len(CASES) >= 40
    assert {
        "forecast", "classify", "predict", "evaluate", "inspect", "export", "experiment",
        "explain", "seq2seq", "tag", "textclf", "charlm", "trace",
    } <= commands  # fmt: skip


@pytest.mark.parametrize(("command", "status", "pattern"), CASES, ids=[c for c, _, _ in CASES])
def test_a_bad_command_line_is_one_error_line(
    folder, monkeypatch, capsys, command, status, pattern
):
    got, err = run(folder, command, monkeypatch, capsys)
    check_one_error_line(err, pattern)
    assert got == status, err


def test_a_full_disk_names_the_file_being_written(folder, tmp_path, monkeypatch, capsys):
    def full_disk(descriptor):  # the written bytes reach the disk at fsync: it is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    out = tmp_path / "run"
    command = f"forecast {folder / 'series.csv'} {TINY_FORECAST} --quiet --out {out}"
    with contextlib.redirect_stdout(None):
        status, err = run(folder, command, monkeypatch, capsys)
    check_one_error_line(err, rf"cannot write {re.escape(str(out))}/\S+: No space left on device")
    assert status == DATA
    assert [p.name for p in out.iterdir()] == []  # no temporary file left behind
