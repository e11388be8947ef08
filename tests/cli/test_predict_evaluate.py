"""`lstmkit predict` and `lstmkit evaluate` on saved models of each handled class."""

import json

import numpy as np
import pytest

from lstmkit import LSTM, save
from lstmkit.cli import main
from lstmkit.cli.model_io import HANDLERS
from lstmkit.models import Forecaster, SequenceClassifier


def sequences(count, seed):
    rng = np.random.default_rng(seed)
    X = [rng.standard_normal((int(rng.integers(4, 8)), 2)) for _ in range(count)]
    y = np.array(["pos" if x[:, 0].sum() > 0 else "neg" for x in X])
    return X, y


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    X, y = sequences(30, 0)
    classifier = SequenceClassifier(hidden_size=4, epochs=3, seed=0).fit(X, y)
    classifier.save(folder / "classifier.safetensors")
    padded = np.zeros((10, 7, 2))
    test_X, test_y = sequences(10, 1)
    for n, x in enumerate(test_X):
        padded[n, : len(x)] = x
    lengths = np.array([len(x) for x in test_X])
    np.savez(folder / "test.npz", X=padded, y=test_y, lengths=lengths)
    series = 50 + np.arange(48) + 5 * np.sin(np.arange(48) * np.pi / 3)
    forecaster = Forecaster(horizon=3, epochs=2, hidden_size=4, ensemble=1, seed=0)
    forecaster.fit(series[:-3])
    forecaster.save(folder / "forecaster.safetensors")
    (folder / "actual.csv").write_text("value\n" + "".join(f"{v}\n" for v in series[-3:]))
    save(LSTM(2, 3, seed=0), folder / "layer.safetensors")
    (folder / "notes.txt").write_text("not a model\n")
    return folder, classifier, forecaster, test_X, test_y, series


def test_predict_classifier_prints_and_writes_the_models_predictions(files, capsys, tmp_path):
    folder, classifier, _, test_X, _, _ = files
    model, data = str(folder / "classifier.safetensors"), str(folder / "test.npz")
    assert main(["predict", model, data]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split() == ["id", "predicted", "probability"]
    expected = classifier.predict(test_X).tolist()
    assert [line.split()[1] for line in lines[1:]] == expected
    assert main(["predict", model, data, "--out", str(tmp_path), "--quiet"]) == 0
    rows = (tmp_path / "predictions.csv").read_text().strip().splitlines()
    assert [r.split(",")[1] for r in rows[1:]] == expected


def test_evaluate_classifier_accuracy_and_files(files, capsys, tmp_path):
    folder, classifier, _, test_X, test_y, _ = files
    model, data = str(folder / "classifier.safetensors"), str(folder / "test.npz")
    assert main(["evaluate", model, data, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    accuracy = classifier.score(test_X, test_y)
    assert out.splitlines()[0].startswith(f"evaluation accuracy: {accuracy:.4f}")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["accuracy"] == pytest.approx(accuracy)
    assert (tmp_path / "confusion.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_predict_and_evaluate_forecaster(files, capsys):
    folder, _, forecaster, _, _, series = files
    model = str(folder / "forecaster.safetensors")
    assert main(["predict", model, "--horizon", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split() == ["step", "forecast", "lower", "upper"] and len(lines) == 3
    np.testing.assert_allclose(
        [float(line.split()[1]) for line in lines[1:]], forecaster.predict(horizon=2), rtol=1e-5
    )
    assert main(["evaluate", model, str(folder / "actual.csv")]) == 0
    out = capsys.readouterr().out
    mae = np.mean(np.abs(series[-3:] - forecaster.predict()))
    assert float(out.strip().splitlines()[-1].split()[1]) == pytest.approx(mae, rel=1e-3)


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["predict", "{f}/notes.txt", "x"], 1, "notes.txt is not an lstmkit model file"),
        (["evaluate", "{f}/missing.safetensors", "x"], 1, "no such model file"),
        (["predict", "{f}/layer.safetensors", "x"], 1, "holds a LSTM layer, not a trained model"),
        (["predict", "{f}/classifier.safetensors"], 2, "INPUT is required"),
        (["predict", "{f}/forecaster.safetensors", "{f}/test.npz"], 2, "give no INPUT"),
        (["evaluate", "{f}/classifier.safetensors", "{f}/notes.txt"], 1, "unknown file type"),
    ],
)
def test_errors(files, capsys, arguments, code, message):
    folder = files[0]
    assert main([a.format(f=folder) for a in arguments]) == code
    err = capsys.readouterr().err.strip()
    assert err.startswith("lstmkit: error: ") and "\n" not in err and message in err


def test_every_handler_names_its_input():
    assert {"SequenceClassifier", "Forecaster"} <= set(HANDLERS)
    for handler in HANDLERS.values():
        assert handler.input_help and callable(handler.predict) and callable(handler.evaluate)


def test_char_language_model_samples_and_scores(tmp_path, capsys):
    models = pytest.importorskip("lstmkit.models")
    if not hasattr(models, "CharLanguageModel"):
        pytest.skip("CharLanguageModel not in this checkout")
    text = "abcabcabd " * 40
    model = models.CharLanguageModel(
        hidden_size=8, num_layers=1, embedding_dim=4, epochs=1, seq_len=8, batch_size=4, seed=0
    ).fit(text)
    model.save(tmp_path / "lm.safetensors")
    (tmp_path / "prime.txt").write_text("abc")
    arguments = [str(tmp_path / "lm.safetensors"), str(tmp_path / "prime.txt")]
    assert main(["predict", *arguments, "--length", "12", "--seed", "3"]) == 0
    sample = capsys.readouterr().out.splitlines()[1].strip()
    assert sample == model.sample("abc", length=12, seed=3).strip()
    assert main(["evaluate", *arguments]) == 0
    nats = model.evaluate("abc")["nats_per_char"]
    assert f"{nats:.4f} nats/char" in capsys.readouterr().out
