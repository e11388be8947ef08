"""The GRU and RNN steps: the textbook equations and finite differences, over their options."""

import numpy as np
import pytest

from lstmkit.cells import (
    GRUOptions,
    RNNOptions,
    gru_step,
    gru_step_backward,
    rnn_step,
    rnn_step_backward,
)
from lstmkit.ops.activation_set import Activation
from lstmkit.testing import numerical_gradient, relative_error


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _params(rng, gates, inputs, hidden, bias, scale=1.0):
    p = {
        "weight_ih": scale * rng.standard_normal((gates * hidden, inputs)),
        "weight_hh": scale * rng.standard_normal((gates * hidden, hidden)),
    }
    if bias:
        p["bias_ih"] = rng.standard_normal(gates * hidden)
        p["bias_hh"] = rng.standard_normal(gates * hidden)
    return p


def _textbook_gru(x, h, p, linear_before_reset):
    H = h.shape[1]
    b_ih = p.get("bias_ih", np.zeros(3 * H))
    b_hh = p.get("bias_hh", np.zeros(3 * H))
    W_ir, W_iz, W_in = np.split(p["weight_ih"], 3)
    W_hr, W_hz, W_hn = np.split(p["weight_hh"], 3)
    b_ir, b_iz, b_in = np.split(b_ih, 3)
    b_hr, b_hz, b_hn = np.split(b_hh, 3)
    r = _sig(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = _sig(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    if linear_before_reset:
        n = np.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
    else:
        n = np.tanh(x @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
    return (1 - z) * n + z * h


@pytest.mark.parametrize("linear_before_reset", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_gru_step_equals_textbook(linear_before_reset, bias):
    rng = np.random.default_rng(0)
    p = _params(rng, 3, 3, 4, bias)
    x, h = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    h_new, _ = gru_step(x, h, p, GRUOptions(linear_before_reset=linear_before_reset))
    assert relative_error(h_new, _textbook_gru(x, h, p, linear_before_reset)) < 1e-14


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_step_equals_textbook(nonlinearity):
    rng = np.random.default_rng(1)
    p = _params(rng, 1, 3, 4, True)
    x, h = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    h_new, _ = rnn_step(x, h, p, RNNOptions(activation=Activation(nonlinearity)))
    a = x @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]
    expected = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)
    assert relative_error(h_new, expected) < 1e-14


def _check_fd(step, backward, x, h, p, options):
    w = np.random.default_rng(9).standard_normal(h.shape)

    def loss():
        return float(np.sum(step(x, h, p, options)[0] * w))

    _, cache = step(x, h, p, options)
    if options.clip is not None:
        assert not cache.inside.all(), "the test must actually clip something"
    dx, dh, grads = backward(w, cache, p, options)
    assert set(grads) == set(p)
    for name, analytic, array in [("x", dx, x), ("h", dh, h)] + [(k, grads[k], p[k]) for k in p]:
        error = relative_error(analytic, numerical_gradient(loss, array))
        assert error < 1e-6, f"d/d{name}: relative error {error:.2e}"


GRU_OPTIONS = [
    GRUOptions(),
    GRUOptions(linear_before_reset=False),
    GRUOptions(clip=0.9),
    GRUOptions(linear_before_reset=False, clip=0.9),
    GRUOptions(False, Activation("hardsigmoid", 0.3, 0.4), Activation("softsign")),
    GRUOptions(True, Activation("softplus"), Activation("scaledtanh", 0.8, 1.3), clip=1.5),
]


@pytest.mark.parametrize("options", GRU_OPTIONS)
@pytest.mark.parametrize("bias", [True, False])
def test_gru_step_backward_matches_finite_differences(options, bias):
    rng = np.random.default_rng(2)
    p = _params(rng, 3, 3, 4, bias, scale=1.5)
    _check_fd(
        gru_step,
        gru_step_backward,
        rng.standard_normal((2, 3)),
        rng.standard_normal((2, 4)),
        p,
        options,
    )


RNN_OPTIONS = [
    RNNOptions(),
    RNNOptions(Activation("relu")),
    RNNOptions(clip=0.8),
    RNNOptions(Activation("elu", 0.7)),
    RNNOptions(Activation("leakyrelu", 0.1), clip=1.0),
    RNNOptions(Activation("softsign")),
]


@pytest.mark.parametrize("options", RNN_OPTIONS)
def test_rnn_step_backward_matches_finite_differences(options):
    rng = np.random.default_rng(3)
    p = _params(rng, 1, 3, 4, True, scale=1.5)
    _check_fd(
        rnn_step,
        rnn_step_backward,
        rng.standard_normal((2, 3)),
        rng.standard_normal((2, 4)),
        p,
        options,
    )
