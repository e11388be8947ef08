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
    header, last = out.strip().splitlines()[-2], out.strip().splitlines()[-1]
    assert float(last.split()[1]) == pytest.approx(mae, rel=1e-3)
    # MASE with the training series' seasonal-naive error, which the saved model kept
    period = forecaster.period_
    assert header.split()[-2:] == ["MASE", f"(m={period})"]
    training = series[:-3]
    scale = np.mean(np.abs(training[period:] - training[:-period]))
    assert float(last.split()[-1]) == pytest.approx(mae / scale, abs=1e-3)


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["predict", "{f}/notes.txt", "x"], 1, "notes.txt is not an lstmkit model file"),
        (["evaluate", "{f}/missing.safetensors", "x"], 1, "no such model file"),
        (["predict", "/dev/zero", "x"], 1, "/dev/zero is not a model file: it is not a regular"),
        (["predict", "{f}", "x"], 1, "is not a model file: it is a folder"),
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


def _model_class(name):
    models = pytest.importorskip("lstmkit.models")
    if not hasattr(models, name):
        pytest.skip(f"{name} not in this checkout")
    return getattr(models, name)


def test_text_classifier_predicts_lines_and_scores_labelled_text(tmp_path, capsys):
    cls = _model_class("TextClassifier")
    texts = ["good fine nice", "bad awful poor", "nice good", "poor bad"] * 5
    labels = ["pos", "neg", "pos", "neg"] * 5
    model = cls(embedding_dim=4, hidden_size=4, epochs=2, seed=0).fit(texts, labels)
    model.save(tmp_path / "m.safetensors")
    (tmp_path / "in.txt").write_text("good nice\n\nawful bad\n")
    (tmp_path / "test.tsv").write_text("good nice\tpos\nawful bad\tneg\n")
    assert main(["predict", str(tmp_path / "m.safetensors"), str(tmp_path / "in.txt")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    expected = model.predict(["good nice", "awful bad"]).tolist()
    assert [line.split()[:2] for line in lines[1:]] == [["1", expected[0]], ["3", expected[1]]]
    assert main(["evaluate", str(tmp_path / "m.safetensors"), str(tmp_path / "test.tsv")]) == 0
    accuracy = model.score(["good nice", "awful bad"], ["pos", "neg"])
    assert capsys.readouterr().out.startswith(f"evaluation accuracy: {accuracy:.4f}")


def test_tagger_tags_sentences_and_scores_a_tagged_file(tmp_path, capsys):
    cls = _model_class("SequenceTagger")
    sentences = [["the", "dog", "runs"], ["a", "cat", "sleeps"]] * 4
    tags = [["DET", "NOUN", "VERB"]] * 8
    model = cls(word_dim=4, char_dim=2, char_hidden_size=2, hidden_size=4, epochs=1, seed=0)
    model.fit(sentences, tags)
    model.save(tmp_path / "m.safetensors")
    (tmp_path / "in.txt").write_text("the cat runs\n")
    (tmp_path / "test.tsv").write_text("the\tDET\ncat\tNOUN\nruns\tVERB\n\n")
    assert main(["predict", str(tmp_path / "m.safetensors"), str(tmp_path / "in.txt")]) == 0
    expected = model.predict([["the", "cat", "runs"]])[0]
    tagged = capsys.readouterr().out.strip().splitlines()[1].split()[1:]
    assert tagged == [f"{w}/{t}" for w, t in zip(["the", "cat", "runs"], expected, strict=True)]
    assert main(["evaluate", str(tmp_path / "m.safetensors"), str(tmp_path / "test.tsv")]) == 0
    accuracy = model.score([["the", "cat", "runs"]], [["DET", "NOUN", "VERB"]])
    assert f"token accuracy: {accuracy:.4f} (1 sentences, 3 tokens)" in capsys.readouterr().out


def test_seq2seq_translates_lines_and_scores_pairs(tmp_path, capsys):
    cls = _model_class("Seq2Seq")
    sources, targets = ["ab", "ba", "aab", "bba"] * 4, ["ba", "ab", "baa", "abb"] * 4
    model = cls(hidden_size=8, embedding_size=4, epochs=1, seed=0).fit(sources, targets)
    model.save(tmp_path / "m.safetensors")
    (tmp_path / "in.txt").write_text("ab\nbba\n")
    (tmp_path / "pairs.tsv").write_text("ab\tba\nbba\tabb\n")
    assert main(["predict", str(tmp_path / "m.safetensors"), str(tmp_path / "in.txt")]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[0].split() == ["source", "output"] and len(printed) == 3
    assert main(["evaluate", str(tmp_path / "m.safetensors"), str(tmp_path / "pairs.tsv")]) == 0
    accuracy = model.score(["ab", "bba"], ["ba", "abb"])
    assert f"exact match: {accuracy:.4f}" in capsys.readouterr().out


def test_a_forecaster_saved_before_it_kept_its_naive_error_loads_without_mase(files):
    from lstmkit.cli.model_io import _saved_mase

    forecaster = files[2]
    arrays, config = forecaster.export_state()
    assert _saved_mase(forecaster, 1.0) == pytest.approx(1.0 / forecaster.naive_error_[0, 0])
    del arrays["fitted.naive_error_"]  # what a file written before naive_error_ holds
    older = Forecaster.restore_state(config, arrays)
    assert older.naive_error_ is None and _saved_mase(older, 1.0) is None
    np.testing.assert_array_equal(older.predict(), forecaster.predict())
    del arrays["fitted.scale_"]  # an array every file has: its absence is an error
    with pytest.raises(ValueError, match="the file lacks the fitted state 'scale_'"):
        Forecaster.restore_state(config, arrays)


# ---- evaluate scores a Forecaster against the values dated after its training data ---------


def monthly_csv(path, first_month, count, start=0):
    """A CSV of `count` monthly values (start, start + 1, ...) from month `first_month` of 2000."""
    months = np.datetime64("2000-01") + np.arange(first_month, first_month + count)
    path.write_text("month,value\n" + "".join(f"{m},{start + k}\n" for k, m in enumerate(months)))
    return path


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    """A Forecaster fitted by `lstmkit forecast` on 48 months (2000-01 to 2003-12)."""
    folder = tmp_path_factory.mktemp("dated")
    training = monthly_csv(folder / "training.csv", 0, 48)
    tiny = ["--epochs", "2", "--hidden-size", "4", "--ensemble", "1", "--horizon", "3"]
    assert (
        main(["forecast", str(training), *tiny, "--holdout", "0", "--quiet", "--out", str(folder)])
        == 0
    )
    return folder, Forecaster.load(folder / "model.safetensors")


def test_evaluate_takes_the_rows_dated_after_the_training_data(dated, capsys, tmp_path):
    folder, forecaster = dated
    assert (forecaster.end_date_, forecaster.date_step_) == ("2003-12", 1)
    # the whole series and what followed: only 2004-01 to 2004-03 are scored
    data = monthly_csv(tmp_path / "all.csv", 0, 54, start=0)
    capsys.readouterr()
    assert main(["evaluate", str(folder / "model.safetensors"), str(data)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0] == f"the model's forecast of the 3 values of {data} from 2004-01 to 2004-03:"
    mae = np.mean(np.abs(np.array([48.0, 49.0, 50.0]) - forecaster.predict()))
    assert float(out[-1].split()[1]) == pytest.approx(mae, rel=1e-3)


@pytest.mark.parametrize(
    ("first_month", "count", "message"),
    [
        # the training data itself (the bug: its first rows were scored, status 0)
        (0, 48, "holds no values dated after 2003-12, where the model's training data ends"),
        (49, 3, "after 2003-12 its next date is 2004-02, not one step later"),  # a month missing
    ],
)
def test_evaluate_refuses_data_without_the_values_that_followed(
    dated, capsys, tmp_path, first_month, count, message
):
    folder, _ = dated
    data = monthly_csv(tmp_path / "data.csv", first_month, count)
    assert main(["evaluate", str(folder / "model.safetensors"), str(data)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"lstmkit: error: {data} ") and "\n" not in err and message in err


def test_evaluate_refuses_undated_data_for_a_dated_model(dated, capsys, tmp_path):
    folder, _ = dated
    data = tmp_path / "undated.csv"
    data.write_text("value\n48\n49\n50\n")
    assert main(["evaluate", str(folder / "model.safetensors"), str(data)]) == 1
    assert "has no dates, but the model was fitted on data dated up to 2003-12" in (
        capsys.readouterr().err
    )


def test_evaluate_refuses_dated_data_for_an_undated_model(files, capsys, tmp_path):
    folder = files[0]
    data = monthly_csv(tmp_path / "dated.csv", 0, 3)
    assert main(["evaluate", str(folder / "forecaster.safetensors"), str(data)]) == 1
    assert "the model does not know the dates of its training data" in capsys.readouterr().err


def test_evaluate_refuses_a_model_whose_end_date_is_not_a_date(dated, capsys, tmp_path):
    forecaster = Forecaster.load(dated[0] / "model.safetensors")  # a copy to damage
    forecaster.end_date_ = "not a date"  # as a damaged or hostile file could hold
    forecaster.save(tmp_path / "damaged.safetensors")
    data = monthly_csv(tmp_path / "data.csv", 48, 3)
    assert main(["evaluate", str(tmp_path / "damaged.safetensors"), str(data)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "lstmkit: error: the model's end_date_ is 'not a date', not a date: the model file is "
        "damaged"
    ]
