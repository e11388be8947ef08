"""Issue 23 findings whose fix had no test that could fail before it, each held here.

Each test is named after its finding (test_item_NN_...) and goes through public API that
existed before the fix, so that it can be run against the code before the fix and fail there
(docs/reliability.md maps every finding to its tests).
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lstmkit
from lstmkit import LSTM
from lstmkit.io import SafetensorsError
from lstmkit.io.atomic import write_text
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


# a writer that dies (kill -9) after its first chunk, inside atomic_write
KILLED_WRITER = """
import os, signal, sys
sys.path.insert(0, {root!r})
from lstmkit.io.atomic import atomic_write

def chunks():
    yield b"half a file"
    os.kill(os.getpid(), signal.SIGKILL)

atomic_write({path!r}, chunks())
"""


def test_item_16_the_next_save_removes_what_a_killed_save_left(tmp_path):
    # before, the killed writer's temporary file stayed beside the model forever
    path = tmp_path / "model.safetensors"
    root = str(Path(lstmkit.__file__).resolve().parents[1])
    script = KILLED_WRITER.format(root=root, path=str(path))
    killed = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert len(os.listdir(tmp_path)) == 1  # its temporary file, and no model
    write_text(path, "new")
    assert os.listdir(tmp_path) == ["model.safetensors"]
    assert path.read_text() == "new"
