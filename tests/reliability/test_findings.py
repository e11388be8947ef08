"""Issue 23 findings whose fix had no test that could fail before it, each held here.

Each test is named after its finding (test_item_NN_...) and goes through public API that
existed before the fix, so that it can be run against the code before the fix and fail there
(docs/reliability.md maps every finding to its tests).
"""

import re

import numpy as np
import pytest

import lstmkit
from lstmkit import LSTM
from lstmkit.io import SafetensorsError
from lstmkit.models import Forecaster, SequenceClassifier, TextClassifier
from tests.io.test_model_file import _rewrite_metadata

X = np.random.default_rng(0).standard_normal((12, 5, 2))
SERIES = 10 + np.sin(np.arange(60.0) * 2 * np.pi / 6)


def tiny_classifier():
    return SequenceClassifier(hidden_size=4, epochs=1, ensemble=1, seed=0)


@pytest.mark.parametrize("name, value", [("predict", 1), ("__dict__", {})])
def test_item_07_a_file_cannot_set_attributes_it_does_not_declare(name, value):
    # before, every name under config["fitted"] was set on the rebuilt estimator: a file could
    # replace a method or the instance's __dict__
    arrays, config = tiny_classifier().fit(X, [0, 1] * 6).export_state()
    config["fitted"][name] = value
    with pytest.raises(ValueError, match=rf"the file sets \['{re.escape(name)}'\], which"):
        SequenceClassifier.restore_state(config, arrays)


TEXTS = ["a b", "c d", "e f"] * 4


def fit_labels(kind: str, labels):
    """Fit a tiny SequenceClassifier ("sequence") or TextClassifier ("text") on `labels`."""
    if kind == "text":
        return TextClassifier(embedding_dim=4, hidden_size=4, epochs=1, seed=0).fit(TEXTS, labels)
    return tiny_classifier().fit(X, labels)


@pytest.mark.parametrize(
    "kind, labels, message",
    [
        ("text", [0.0, 1.0, np.nan] * 4, r"labels\[2\] is np.float64\(nan\): every text needs"),
        ("sequence", np.array([0, 1, np.nan] * 4, object), r"y\[2\] is nan: every sequence needs"),
        ("sequence", np.array([0, 1, None] * 4, object), r"y\[2\] is None: every sequence needs"),
    ],
    ids=["text-nan", "sequence-nan", "sequence-none"],
)
def test_item_09_a_missing_label_is_refused_by_its_position(kind, labels, message):
    # before, NaN became a class (classes_ == [0., 1., nan]) and None ended in NumPy's sort
    # error (a TypeError)
    with pytest.raises(ValueError, match=message + r" a label \(4 missing\)"):
        fit_labels(kind, labels)


def test_item_10_a_header_without_a_class_is_refused_naming_the_file(tmp_path):
    # before, the missing key escaped as a bare KeyError('class')
    path = tmp_path / "m.safetensors"
    lstmkit.save(LSTM(2, 3), path)
    _rewrite_metadata(path, lambda info, tensors: info.pop("class"))
    with pytest.raises(SafetensorsError, match=r"m.safetensors: .*must give 'class' as a JSON"):
        lstmkit.load(path)


@pytest.mark.parametrize(
    "name, value",
    [("log", "false"), ("lookback", 0), ("period", 0), ("lookback", 12.7)],
)
def test_item_13_forecaster_hyperparameters_are_not_reinterpreted(name, value):
    # before, fit went on silently: "false" applied the log, 0 meant "auto", 12.7 became 12
    model = Forecaster(horizon=3, hidden_size=4, epochs=1, ensemble=1, seed=0, **{name: value})
    pattern = rf"^Forecaster: {name} must be .*; got {re.escape(repr(value))}$"
    with pytest.raises(ValueError, match=pattern):
        model.fit(SERIES)
    assert not model.is_fitted
