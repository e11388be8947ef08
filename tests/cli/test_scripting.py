"""The command line in scripts (issue 20, item 2): `--version`, `--json` on every subcommand
(one JSON document on stdout, everything else on stderr), notes on stderr in text mode, files
created with the user's umask, and repeated or conflicting options refused."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from lstmkit import LSTM, models, save
from lstmkit._version import __version__
from lstmkit.cli import SUBCOMMANDS, main
from lstmkit.models import Forecaster

FORECAST = ["--epochs", "1", "--hidden-size", "4", "--ensemble", "1", "--horizon", "3"]
TRAINING = ["--epochs", "1", "--hidden-size", "4"]
CHARLM = [*TRAINING, "--layers", "1", "--batch-size", "4", "--seq-len", "8"]
EXPERIMENT = ["--T", "10", "--budget", "16", "--batch-size", "8", "--eval-every", "16"]
EXPERIMENT += ["--test-size", "8", "--hidden-size", "4", "--models", "lstm"]
GRADIENTS = ["--T", "10", "--samples", "1", "--hidden-size", "4"]


def _sequences(count, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((count, 5, 2))
    return X, np.array(["pos" if x[:, 0].sum() > 0 else "neg" for x in X])


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Tiny data files and a saved model of each kind the commands read."""
    folder = tmp_path_factory.mktemp("scripting")
    X, y = _sequences(24, 0)
    np.savez(folder / "seq.npz", X=X, y=y)
    models.SequenceClassifier(hidden_size=4, epochs=1, ensemble=1, seed=0).fit(X, y).save(
        folder / "classifier.safetensors"
    )
    series = 50 + np.arange(40) + 5 * np.sin(np.arange(40) * np.pi / 3)
    months = np.arange("2000-01", "2003-05", dtype="datetime64[M]")
    (folder / "series.csv").write_text(
        "month,sales\n" + "".join(f"{m},{v:.3f}\n" for m, v in zip(months, series, strict=True))
    )
    Forecaster(horizon=2, epochs=1, hidden_size=4, ensemble=1, seed=0).fit(series).save(
        folder / "forecaster.safetensors"
    )
    text = "to be or not to be, that is the question. " * 6
    (folder / "text.txt").write_text(text, encoding="utf-8")
    models.CharLanguageModel(
        hidden_size=8, num_layers=1, epochs=1, seq_len=8, batch_size=4, seed=0
    ).fit(text).save(folder / "lm.safetensors")
    texts = ["good fine nice", "bad awful poor", "nice good", "poor bad"] * 4
    labels = ["pos", "neg", "pos", "neg"] * 4
    (folder / "texts.tsv").write_text(
        "".join(f"{t}\t{c}\n" for t, c in zip(texts, labels, strict=True))
    )
    models.TextClassifier(embedding_dim=4, hidden_size=4, epochs=1, seed=0).fit(texts, labels).save(
        folder / "textclf.safetensors"
    )
    (folder / "lines.txt").write_text("good nice\nawful bad\n")
    (folder / "tagged.tsv").write_text(
        "".join(f"{n}\tB-PER\nwent\tO\nhome\tO\n\n" for n in ["Ann", "Bob", "Cy", "Di"] * 3)
    )
    models.SequenceTagger(word_dim=4, char_dim=2, char_hidden_size=2, hidden_size=4, epochs=1).fit(
        [["Ann", "went"], ["Bob", "went"]], [["B-PER", "O"], ["B-PER", "O"]]
    ).save(folder / "tagger.safetensors")
    pairs = [(w, w[::-1]) for w in ["ab", "ba", "abc", "cab", "bca", "aab"]] * 2
    (folder / "pairs.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in pairs))
    models.Seq2Seq(hidden_size=8, embedding_size=4, epochs=1, seed=0).fit(
        [s for s, _ in pairs], [t for _, t in pairs]
    ).save(folder / "seq2seq.safetensors")
    save(LSTM(2, 3, seed=0), folder / "layer.safetensors")
    return folder


# (subcommand, its arguments with {f} for the inputs' folder and {out} for a fresh folder,
#  keys the JSON document must hold)
JSON_CASES = [
    ("trace", [], {"input_size", "hidden_size", "steps"}),
    ("trace", ["--model", "{f}/layer.safetensors", "--input", "1,0; 0,1"], {"model", "steps"}),
    ("forecast", ["{f}/series.csv", *FORECAST, "--out", "{out}"], {"test", "forecast", "files"}),
    ("classify", ["{f}/seq.npz", *TRAINING, "--ensemble", "1"], {"accuracy", "confusion"}),
    ("predict", ["{f}/classifier.safetensors", "{f}/seq.npz"], {"predictions"}),
    ("predict", ["{f}/forecaster.safetensors", "--out", "{out}"], {"predictions", "files"}),
    ("evaluate", ["{f}/classifier.safetensors", "{f}/seq.npz"], {"accuracy", "confusion"}),
    ("evaluate", ["{f}/lm.safetensors", "{f}/text.txt"], {"nats_per_char"}),
    ("export", ["{f}/classifier.safetensors", "--onnx", "{out}.onnx"], {"inputs", "files"}),
    ("inspect", ["{f}/layer.safetensors", "1,0; 0,1; 1,1", "--out", "{out}"], {"gates", "files"}),
    ("experiment", ["adding", *EXPERIMENT], {"runs"}),
    ("explain", ["gradients", *GRADIENTS, "--budget", "0"], {"gradient_norms"}),
    ("seq2seq", ["{f}/pairs.tsv", "--hidden-size", "8", "--epochs", "1"], {"train_exact_match"}),
    ("seq2seq", ["--model", "{f}/seq2seq.safetensors", "--predict", "ab"], {"predictions"}),
    ("tag", ["{f}/tagged.tsv", *TRAINING], {"accuracy", "tags"}),
    ("textclf", ["{f}/texts.tsv", *TRAINING], {"accuracy"}),
    ("charlm", ["train", "{f}/text.txt", *CHARLM], {"nats_per_char"}),
    ("charlm", ["sample", "{f}/lm.safetensors", "--prime", "to", "--length", "5"], {"sample"}),
    ("explore", ["--out", "{out}.html"], {"input_size", "hidden_size", "sequences", "files"}),
]


@pytest.mark.parametrize(("command", "arguments", "keys"), JSON_CASES)
def test_json_is_the_only_thing_on_stdout(inputs, tmp_path, capsys, command, arguments, keys):
    # not --quiet: the tables, notes and summary line a command prints must all go to stderr
    filled = [a.format(f=inputs, out=tmp_path / "out") for a in arguments]
    assert main([command, *filled, "--json"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)  # the whole of stdout is one JSON document
    assert keys <= set(document)
    assert captured.out.count("\n") == 1  # one line, so `| jq` or a line reader takes it whole
    assert captured.err  # what text mode prints on stdout went to stderr, not nowhere
    for path in document.get("files", []):
        assert os.path.isfile(path)


def test_every_subcommand_has_a_json_case():
    assert {command for command, _, _ in JSON_CASES} == set(SUBCOMMANDS)


def test_json_forecast_holds_the_dated_forecast_and_the_files(inputs, tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(["forecast", str(inputs / "series.csv"), *FORECAST, "--out", str(out), "--json"]) == 0
    )
    document = json.loads(capsys.readouterr().out)
    assert [row["date"] for row in document["forecast"]] == ["2003-05", "2003-06", "2003-07"]
    saved = (out / "forecast.csv").read_text().splitlines()[1:]
    assert [[row["forecast"], row["lower"], row["upper"]] for row in document["forecast"]] == [
        [float(v) for v in line.split(",")[1:]] for line in saved
    ]
    assert document["test"] == json.loads((out / "metrics.json").read_text())["test"]
    assert str(out / "model.safetensors") in document["files"]


def test_json_charlm_sample_is_the_printed_text(inputs, capsys):
    model = str(inputs / "lm.safetensors")
    options = ["--prime", "to", "--length", "12", "--seed", "4"]
    assert main(["charlm", "sample", model, *options]) == 0
    printed = capsys.readouterr().out
    assert main(["charlm", "sample", model, *options, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sample"] + "\n" == printed


def test_errors_under_json_are_one_line_on_stderr_and_nothing_on_stdout(tmp_path, capsys):
    assert main(["forecast", str(tmp_path / "missing.csv"), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("lstmkit: error: ") and captured.err.count("\n") == 1


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"lstmkit {__version__}\n"


def test_version_from_the_console_entry():
    done = subprocess.run(
        [sys.executable, "-m", "lstmkit", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout == f"lstmkit {__version__}\n"


def test_missing_values_note_goes_to_stderr_not_into_the_table(tmp_path, capsys):
    path = tmp_path / "gaps.csv"
    values = [str(10 + k % 6 + k) for k in range(30)]
    values[7] = ""  # a missing value, filled by interpolation
    path.write_text("step,value\n" + "".join(f"{k},{v}\n" for k, v in enumerate(values)))
    assert main(["forecast", str(path), "--column", "value", *FORECAST, "--holdout", "0"]) == 0
    captured = capsys.readouterr()
    assert "missing values" not in captured.out
    assert f"note: 1 missing values in {path}, filled by interpolate" in captured.err
    # stdout: what the forecast says, the table and the summary line, no note
    assert "step" in captured.out.split("\n\n")[1]


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_files_written_follow_the_umask(inputs, tmp_path, capsys, umask, onnx):
    previous = os.umask(umask)
    try:
        out = tmp_path / "run"
        assert main(["forecast", str(inputs / "series.csv"), *FORECAST, "--out", str(out)]) == 0
        assert main(["inspect", str(inputs / "layer.safetensors"), "1,0", "--out", str(out)]) == 0
        onnx_path = out / "model.onnx"
        model = str(inputs / "classifier.safetensors")
        assert main(["export", model, "--onnx", str(onnx_path)]) == 0
        assert main(["predict", model, str(inputs / "seq.npz"), "--out", str(out)]) == 0
        text = str(inputs / "text.txt")
        assert main(["charlm", "train", text, *CHARLM, "--out", str(out / "lm")]) == 0
        assert main(["experiment", "adding", *EXPERIMENT, "--out", str(out / "x")]) == 0
    finally:
        os.umask(previous)
    written = sorted(path for path in out.rglob("*") if path.is_file())
    expected = {"model.safetensors", "metrics.json", "forecast.csv", "forecast.png", "gates.npz",
                "gates.png", "model.onnx", "predictions.csv", "sample.txt", "results.csv",
                "results.json", "lstm_seed0.safetensors", "report.html"}  # fmt: skip
    assert {p.name for p in written} == expected
    for path in written:
        assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~umask), path.name


def test_options_meant_to_repeat_still_do(inputs, capsys):
    model = str(inputs / "seq2seq.safetensors")
    assert main(["seq2seq", "--model", model, "--predict", "ab", "--predict", "ba", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [p["source"] for p in document["predictions"]] == ["ab", "ba"]


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        # TEST given: --test-fraction (a share of TRAIN held out) would be ignored
        (
            ["classify", "{f}/seq.npz", "{f}/seq.npz", "--test-fraction", "0.3"],
            "TEST and --test-fraction exclude each other",
        ),  # fmt: skip
        (
            ["textclf", "{f}/texts.tsv", "{f}/texts.tsv", "--test-fraction", "0.3"],
            "TEST and --test-fraction exclude each other",
        ),  # fmt: skip
        (
            ["tag", "{f}/tagged.tsv", "{f}/tagged.tsv", "--test-fraction", "0.3"],
            "TEST and --test-fraction exclude each other",
        ),  # fmt: skip
        (["classify", "--test-fraction", "0.3"], "--test-fraction needs TRAIN"),
        # a saved model to predict with, or data to train on, not both
        (
            ["seq2seq", "{f}/pairs.tsv", "--model", "{f}/seq2seq.safetensors", "--predict", "ab"],
            "--model and TRAIN exclude each other",
        ),  # fmt: skip
        (
            ["seq2seq", "--task", "dates", "--model", "{f}/seq2seq.safetensors", "--predict", "a"],
            "--model and --task exclude each other",
        ),  # fmt: skip
        (["seq2seq", "{f}/pairs.tsv", "--predict", "ab"], "--predict needs --model"),
        (
            ["explain", "gradients", "--trained", "{f}", "--budget", "8"],
            "--trained and --budget exclude each other",
        ),  # fmt: skip
        (["trace", "--units", "2"], "--units needs --model"),
        (["trace", "--index", "1"], "--index needs --model"),
    ],
)
def test_options_that_exclude_each_other_are_refused_naming_both(inputs, capsys, arguments, named):
    assert main([a.format(f=inputs) for a in arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"lstmkit: error: {named}") and err.count("\n") == 1


@pytest.fixture
def two_columns(tmp_path):
    """40 monthly rows of two related series, a and b, and the 2 months that followed them."""
    t = np.arange(42)
    months = np.arange("2000-01", "2003-07", dtype="datetime64[M]")
    a, b = 100 + t + 10 * np.sin(t * np.pi / 3), 50 + t / 2 + 5 * np.cos(t * np.pi / 3)
    rows = [f"{m},{x:.3f},{y:.3f},{k}\n" for m, x, y, k in zip(months, a, b, t, strict=True)]
    (tmp_path / "ab.csv").write_text("month,a,b,n\n" + "".join(rows[:40]))
    (tmp_path / "after.csv").write_text("month,a,b,n\n" + "".join(rows[40:]))
    return tmp_path


def test_several_columns_are_forecast_together(two_columns, capsys):
    out = two_columns / "run"
    argv = ["forecast", str(two_columns / "ab.csv"), "--column", "a", "--column", "b", *FORECAST]
    assert main([*argv, "--out", str(out), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["columns"] == ["a", "b"] and set(document["test"]) == {"a", "b"}
    assert set(document["test"]["b"]) == {"lstm", "seasonal naive", "naive", "drift"}
    first = document["forecast"][0]
    assert list(first) == ["date", "a", "a lower", "a upper", "b", "b lower", "b upper"]
    assert first["date"] == "2003-05" and first["a lower"] < first["a"] < first["a upper"]
    # one model of 2 channels, saved: predict gives its forecast of both, evaluate scores both
    model = Forecaster.load(out / "model.safetensors")
    np.testing.assert_allclose(model.predict()[0], [first["a"], first["b"]], rtol=1e-5)
    assert {"forecast-1.png", "forecast-2.png"} <= {p.name for p in out.iterdir()}
    saved = str(out / "model.safetensors")
    assert main(["evaluate", saved, str(two_columns / "after.csv"), "--column", "a",
                 "--column", "b", "--json"]) == 0  # fmt: skip
    scores = json.loads(capsys.readouterr().out)
    assert set(scores["columns"]) == {"a", "b"} and scores["n"] == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        # several numeric columns and no --column: which to forecast is not guessed
        (["forecast", "{d}/ab.csv"], "has several value columns (a, b, n); choose one with"),
        # the built-in series has one column: --column would be ignored
        (["forecast", "--column", "a"], "--column needs CSV"),
        # a one-column model is scored on one column
        (
            ["evaluate", "{d}/one.safetensors", "{d}/after.csv", "--column", "a", "--column", "b"],
            "--column names 2 columns, but the model forecasts 1 column",
        ),  # fmt: skip
        (
            ["evaluate", "{d}/one.safetensors", "{d}/after.csv"],
            "after.csv has 3 value columns (a, b, n), but the model forecasts 1 column",
        ),  # fmt: skip
    ],
)
def test_several_columns_where_one_is_expected_are_refused(two_columns, capsys, arguments, message):
    series = np.loadtxt(two_columns / "ab.csv", delimiter=",", skiprows=1, usecols=1)
    Forecaster(horizon=2, epochs=1, hidden_size=4, ensemble=1).fit(series).save(
        two_columns / "one.safetensors"
    )
    assert main([a.format(d=two_columns) for a in arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lstmkit: error: ") and err.count("\n") == 1 and message in err


def test_json_predictions_hold_numbers_as_numbers(inputs, capsys):
    path = inputs / "forecaster.safetensors"
    assert main(["predict", str(path), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["predictions"][0]
    forecast, lower, upper = (a[0] for a in Forecaster.load(path).predict(return_intervals=True))
    assert first["step"] == 1
    np.testing.assert_allclose([first[k] for k in ("forecast", "lower", "upper")],
                               [forecast, lower, upper], rtol=1e-5)  # fmt: skip
    assert main(["predict", str(inputs / "classifier.safetensors"), str(inputs / "seq.npz"),
                 "--json"]) == 0  # fmt: skip
    first = json.loads(capsys.readouterr().out)["predictions"][0]
    assert first["predicted"] in ("pos", "neg") and 0.5 <= first["probability"] <= 1


def test_training_progress_goes_to_stderr(capsys):
    assert main(["explain", "gradients", *GRADIENTS, "--budget", "16"]) == 0
    captured = capsys.readouterr()
    assert "training lstm (H = 4) on the adding problem" in captured.err
    assert "training" not in captured.out and "k=0" in captured.out  # the results table only


def test_json_writes_undefined_numbers_as_null_not_nan(capsys):
    """A MASE without a scale is NaN: json.dumps wrote the token NaN, which is not JSON and
    which strict parsers (jq, JSON.parse) refuse; it is written as null."""
    from types import SimpleNamespace

    from lstmkit.cli.output import run_command

    results = {"mase": float("nan"), "worst": np.float64(np.inf), "errors": np.array([1.0, np.nan])}
    run_command(SimpleNamespace(json=True, run=lambda args: results))

    def refuse(name):
        raise AssertionError(f"{name} is not JSON")

    document = json.loads(capsys.readouterr().out, parse_constant=refuse)
    assert document == {"mase": None, "worst": None, "errors": [1.0, None]}
