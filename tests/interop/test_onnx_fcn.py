"""LSTM-FCN and ALSTM-FCN classifiers -> ONNX -> onnxruntime: the graph's probabilities equal
predict_proba (float32, 1e-5) on padded batches of unequal lengths (unsorted, garbage in the
padding) and on equal-length batches without lengths, for both architectures, both strides
at 1 and above, both directions and the max and mean heads; `lstmkit export` writes one.

The batch normalisations get random running statistics and affine parameters before export:
after one epoch they are close to (0, 1, 1, 0), where a graph that left them out would pass.
"""

import numpy as np
import pytest

from lstmkit.cli import main
from lstmkit.interop.onnx import export, load
from lstmkit.models import SequenceClassifier

TOL = dict(rtol=1e-5, atol=1e-5)

SETTINGS = ("architecture", "recurrent_stride", "conv_stride", "bidirectional", "head")
# each pair of settings meets in every combination of its two values (with a, r, c the first
# three as bits: bidirectional = a ^ r ^ c, head "mean" where a ^ r)
CASES = [
    ("lstm-fcn", 1, 1, False, "max"),
    ("lstm-fcn", 1, 2, True, "max"),
    ("lstm-fcn", 3, 1, True, "mean"),
    ("lstm-fcn", 3, 2, False, "mean"),
    ("alstm-fcn", 1, 1, True, "mean"),
    ("alstm-fcn", 1, 2, False, "mean"),
    ("alstm-fcn", 3, 1, False, "max"),
    ("alstm-fcn", 3, 2, True, "max"),
]


def _classifier(*case):
    rng = np.random.default_rng(0)
    sequences = [rng.standard_normal((int(rng.integers(4, 12)), 2)) * 3 - 1 for _ in range(12)]
    labels = np.array(["a", "b", "c"] * 4)
    settings = dict(hidden_size=3, filters=2, epochs=1, ensemble=2, validation_fraction=0, seed=0)
    model = SequenceClassifier(**dict(zip(SETTINGS, case, strict=True)), **settings)
    model.fit(sequences, labels)
    _randomise_batch_norms(model, np.random.default_rng(1))
    return model


def _randomise_batch_norms(model, rng):
    for k in range(model.network_.members):
        for norm in (getattr(model.network_.member(k), f"norm{b}") for b in range(3)):
            size = norm.num_features
            norm.running_mean[...] = rng.standard_normal(size)
            norm.running_var[...] = rng.uniform(0.5, 2.0, size)
            norm.weight[...] = rng.uniform(0.5, 2.0, size)
            norm.bias[...] = rng.standard_normal(size)


def _padded_batch(rng):
    """x (5, 11, 2) float32 with lengths in no order, one of them 1, and garbage after them."""
    lengths = np.array([6, 11, 1, 9, 3], np.int64)
    x = (rng.standard_normal((5, 11, 2)) * 3 - 1).astype(np.float32)
    padding = np.arange(11)[None, :] >= lengths[:, None]
    x[padding] = rng.uniform(-50, 50, (padding.sum(), 2))
    return x, lengths


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_the_graph_gives_predict_proba_with_and_without_lengths(tmp_path, onnx, onnxruntime, case):
    model = _classifier(*case)
    rng = np.random.default_rng(2)
    x, lengths = _padded_batch(rng)
    path = export(model, tmp_path / "fcn.onnx")
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    probabilities, label = session.run(None, {"x": x, "lengths": lengths})
    np.testing.assert_allclose(probabilities, model.predict_proba(x, lengths), **TOL)
    np.testing.assert_array_equal(label, model.predict(x, lengths))

    plain = export(model, tmp_path / "plain.onnx", lengths=False)
    session = onnxruntime.InferenceSession(str(plain), providers=["CPUExecutionProvider"])
    for steps in (7, 8):  # a multiple of neither stride, and of both
        x = rng.standard_normal((3, steps, 2)).astype(np.float32)
        (probabilities, _) = session.run(None, {"x": x})
        np.testing.assert_allclose(probabilities, model.predict_proba(x), **TOL)


def test_lstmkits_own_runtime_runs_the_graph(tmp_path):
    model = _classifier("alstm-fcn", 3, 2, True, "max")
    x, lengths = _padded_batch(np.random.default_rng(3))
    probabilities, label = load(export(model, tmp_path / "fcn.onnx"))(x, lengths)
    np.testing.assert_allclose(probabilities, model.predict_proba(x, lengths), **TOL)
    np.testing.assert_array_equal(label, model.predict(x, lengths))


def test_the_cli_exports_an_fcn_classifier(tmp_path, onnx, onnxruntime):
    model = _classifier("lstm-fcn", 2, 3, True, "max")
    model.save(tmp_path / "model.safetensors")
    out = tmp_path / "model.onnx"
    assert main(["export", str(tmp_path / "model.safetensors"), "--onnx", str(out), "--quiet"]) == 0
    x, lengths = _padded_batch(np.random.default_rng(4))
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    probabilities, _ = session.run(None, {"x": x, "lengths": lengths})
    np.testing.assert_allclose(probabilities, model.predict_proba(x, lengths), **TOL)
