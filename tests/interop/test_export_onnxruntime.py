"""lstmkit -> ONNX -> onnxruntime: every exported layer and model gives lstmkit's outputs
(float32, about 1e-5) on random inputs of several batch sizes and lengths, and passes
onnx.checker with full checks."""

import numpy as np
import pytest

from lstmkit.interop.onnx import export, load
from lstmkit.nn import (
    GRU,
    LSTM,
    RNN,
    Dropout,
    Embedding,
    LastStep,
    LayerNorm,
    Linear,
    MaxPool,
    MeanPool,
    Sequential,
)

TOL = dict(rtol=1e-5, atol=1e-5)

LAYERS = [
    LSTM(3, 4, seed=0),
    LSTM(3, 4, num_layers=2, bidirectional=True, seed=1),
    LSTM(3, 4, peepholes=True, clip=2.0, seed=2),
    LSTM(3, 4, input_forget=True, bidirectional=True, seed=3),
    LSTM(3, 4, bias=False, batch_first=False, seed=4),
    GRU(3, 4, num_layers=2, bidirectional=True, seed=5),
    GRU(3, 4, linear_before_reset=False, seed=6),
    RNN(3, 4, num_layers=2, bidirectional=True, seed=7),
    RNN(3, 4, nonlinearity="relu", seed=8),
    GRU(3, 4, bidirectional=True, dtype="float64", seed=9),  # exported in float32
]


def _check(onnx, path):
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)


@pytest.mark.parametrize("layer", LAYERS, ids=repr)
@pytest.mark.parametrize("with_lengths", [True, False])
def test_recurrent_layers_match(helpers, tmp_path, onnx, onnxruntime, layer, with_lengths):
    path = export(layer, tmp_path / "layer.onnx", lengths=with_lengths)
    _check(onnx, path)
    session = helpers.ort_session(onnxruntime, path)
    rng = np.random.default_rng(0)
    for batch, steps in helpers.SHAPES:
        x, lengths = helpers.padded_batch(rng, batch, steps, 3)
        if not with_lengths:
            lengths = None
        expected_y, states = layer(x if layer.batch_first else x.transpose(1, 0, 2), None, lengths)
        states = states if isinstance(states, tuple) else (states,)
        feeds = {"x": x if layer.batch_first else x.transpose(1, 0, 2)}
        if with_lengths:
            feeds["lengths"] = lengths
        got = session.run(None, feeds)
        np.testing.assert_allclose(got[0], expected_y, **TOL)
        for value, state in zip(got[1:], states, strict=True):
            np.testing.assert_allclose(value, state, **TOL)


@pytest.mark.parametrize("head", [LastStep(), MeanPool(), MaxPool(), MaxPool(batch_first=False)])
def test_pooling_heads_match(helpers, tmp_path, onnxruntime, head):
    session = helpers.ort_session(onnxruntime, export(head, tmp_path / "head.onnx"))
    plain = helpers.ort_session(onnxruntime, export(head, tmp_path / "plain.onnx", lengths=False))
    rng = np.random.default_rng(1)
    for batch, steps in helpers.SHAPES:
        y, lengths = helpers.padded_batch(rng, batch, steps, 5)
        y = y if head.batch_first else y.transpose(1, 0, 2)
        got = session.run(None, {"y": y, "lengths": lengths})[0]
        np.testing.assert_allclose(got, head(y, lengths), **TOL)
        np.testing.assert_allclose(plain.run(None, {"y": y})[0], head(y), **TOL)


def test_simple_layers_and_sequential_match(helpers, tmp_path, onnx, onnxruntime):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    ids = rng.integers(0, 7, size=(3, 5))
    cases = [
        (Linear(4, 3, seed=0), x[0]),
        (Linear(4, 3, bias=False, seed=0), x[0]),
        (LayerNorm(4), x[1] * 3 + 1),
        (LayerNorm(4, elementwise_affine=False), x[0]),
        (
            Sequential(Embedding(7, 4, seed=0), LayerNorm(4), Dropout(0.5), Linear(4, 2, seed=1)),
            ids,
        ),
    ]
    for module, value in cases:
        module.eval()
        path = export(module, tmp_path / "m.onnx")
        _check(onnx, path)
        name = "ids" if value.dtype.kind == "i" else "x"
        got = helpers.ort_session(onnxruntime, path).run(None, {name: value})[0]
        np.testing.assert_allclose(got, module(value), **TOL)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"cell": "gru", "head": "mean", "num_layers": 2},
        {"cell": "rnn", "head": "last", "bidirectional": False},
    ],
    ids=["lstm-max", "gru-mean-2layers", "rnn-last"],
)
def test_classifier_matches_predict_proba(helpers, tmp_path, onnx, onnxruntime, options):
    model = helpers.small_classifier(**options)
    path = export(model, tmp_path / "classifier.onnx")
    _check(onnx, path)
    session = helpers.ort_session(onnxruntime, path)
    rng = np.random.default_rng(3)
    for batch, steps in helpers.SHAPES:
        x, lengths = helpers.padded_batch(rng, batch, steps, 3)
        x = x * 2 + 1
        probabilities, label = session.run(None, {"x": x, "lengths": lengths})
        np.testing.assert_allclose(probabilities, model.predict_proba(x, lengths), **TOL)
        np.testing.assert_array_equal(label, model.predict(x, lengths))


def test_classifier_without_lengths_and_nan(helpers, tmp_path, onnxruntime):
    model = helpers.small_classifier()
    session = helpers.ort_session(onnxruntime, export(model, tmp_path / "c.onnx", lengths=False))
    x = np.random.default_rng(4).standard_normal((4, 6, 3)).astype(np.float32)
    x[1, 2, 0] = np.nan  # missing values become the channel mean, as in predict_proba
    (probabilities, _) = session.run(None, {"x": x})
    np.testing.assert_allclose(probabilities, model.predict_proba(x), **TOL)


@pytest.mark.parametrize("log", [True, False])
def test_forecaster_matches_predict(helpers, tmp_path, onnx, onnxruntime, log):
    model, series = helpers.small_forecaster(log=log)
    path = export(model, tmp_path / "forecaster.onnx")
    _check(onnx, path)
    session = helpers.ort_session(onnxruntime, path)
    window = series[-model.lookback_ :][None, :, None].astype(np.float32)
    (forecast,) = session.run(None, {"window": window, "series": np.zeros(1, np.int64)})
    np.testing.assert_allclose(forecast[0, :, 0], model.predict(), **TOL)
    # several windows at once, of two lengths: each row forecasts from its own window
    for length in (model.lookback_, model.lookback_ + 5):
        _check_windows(session, model, series, length)


def _check_windows(session, model, series, length):
    rows = np.stack([series[k : k + length] for k in (0, 10, 30)])[..., None]
    (many,) = session.run(
        None, {"window": rows.astype(np.float32), "series": np.zeros(3, np.int64)}
    )
    for row, values in zip(many, rows, strict=True):
        model.history_ = (np.log(values) if model.log_ else values)[None]
        model.history_covariates_ = np.zeros((1, length, 0))
        np.testing.assert_allclose(row[:, 0], model.predict(), **TOL)


def test_forecaster_with_many_series_channels_and_covariates(helpers, tmp_path, onnxruntime):
    rng = np.random.default_rng(5)
    t = np.arange(70)
    series = [
        np.stack([20 + a * np.sin(2 * np.pi * t / 7) + 0.1 * t, 30 + rng.random(70)], axis=1)
        for a in (2.0, 5.0)
    ]
    covariates = [rng.standard_normal((70, 2)) for _ in series]
    # not deseasonalised: the windows carry the season (the next test: deseasonalised)
    model, _ = helpers.small_forecaster(
        series=series, covariates=covariates, period=7, deseasonalise=False
    )
    session = helpers.ort_session(onnxruntime, export(model, tmp_path / "f.onnx"))
    future = [rng.standard_normal((model.horizon, 2)) for _ in series]
    L = model.lookback_
    feeds = {
        "window": np.stack([s[-L:] for s in series]).astype(np.float32),
        "series": np.arange(2, dtype=np.int64),
        "covariates": np.stack([c[-L:] for c in covariates]).astype(np.float32),
        "future_covariates": np.stack(future).astype(np.float32),
    }
    (forecast,) = session.run(None, feeds)
    expected = model.predict(future_covariates=future)
    np.testing.assert_allclose(forecast, np.stack(expected), **TOL)


@pytest.mark.parametrize("log", [True, False])
def test_a_deseasonalised_forecaster_matches_predict(helpers, tmp_path, onnx, onnxruntime, log):
    # several seasonal series: deseasonalise="auto" removes each one's season before learning;
    # the graph removes it from the window, placed in the season by `length`, and adds the
    # season of the steps ahead back. Cut at every phase of the period 7, the forecasts are
    # predict's (the whole series) and predict_after's (the series cut there).
    t = np.arange(70)
    series = [20 + a * np.sin(2 * np.pi * t / 7) + 0.1 * t for a in (2.0, 5.0)]
    model, _ = helpers.small_forecaster(series=series, period=7, log=log)
    assert model.window_period_ == 1 and np.abs(model.seasonal_).max() > 0.1  # deseasonalised
    path = export(model, tmp_path / "f.onnx")
    _check(onnx, path)
    sessions = [helpers.ort_session(onnxruntime, path), load(path)]
    L = model.lookback_
    for cut in range(63, 71):
        feeds = {
            "window": np.stack([s[cut - L : cut] for s in series])[..., None].astype(np.float32),
            "series": np.arange(2, dtype=np.int64),
            "length": np.full(2, cut, dtype=np.int64),
        }
        cut_series = [s[:cut] for s in series]
        expected = model.predict() if cut == 70 else model.predict_after(cut_series)
        for session in sessions:
            (forecast,) = session.run(None, feeds)
            np.testing.assert_allclose(forecast[..., 0], np.stack(expected), **TOL)
    # without the season (a window placed one step off) the forecasts differ: `length` matters
    feeds["length"] = feeds["length"] + 1
    (shifted,) = sessions[0].run(None, feeds)
    assert np.abs(shifted[..., 0] - np.stack(expected)).max() > 0.1
