"""The single LSTM step: a hand-worked value, finite differences, and the textbook equations."""

import math

import numpy as np
import pytest

from lstmkit.cells import lstm_step, lstm_step_backward
from lstmkit.testing import numerical_gradient, relative_error


def _golden_params():
    """One input, one unit; pre-activations chosen so the gates come out as simple fractions.

    With x = 1, h = 0, c = 1 and weight_hh = 0 the pre-activations are weight_ih + biases:
      z_i = ln 3 -> i = 3/4,  z_f = 0 -> f = 1/2,  z_g = ln 2 -> g = tanh(ln 2) = 3/5,
      z_o = -ln 3 -> o = 1/4.
    """
    return {
        "weight_ih": np.array([[math.log(3)], [0.5], [math.log(2)], [-math.log(3)]]),
        "weight_hh": np.zeros((4, 1)),
        "bias_ih": np.array([0.0, -0.25, 0.0, 0.0]),
        "bias_hh": np.array([0.0, -0.25, 0.0, 0.0]),
    }


def test_hand_worked_value():
    # c' = f c + i g = 1/2 * 1 + 3/4 * 3/5 = 19/20;  h' = o tanh(c') = tanh(0.95) / 4
    h, c, cache = lstm_step(np.ones((1, 1)), np.zeros((1, 1)), np.ones((1, 1)), _golden_params())
    np.testing.assert_allclose(cache.gates[0], [0.75, 0.5, 0.6, 0.25], rtol=0, atol=1e-15)
    assert c[0, 0] == pytest.approx(19 / 20, abs=1e-15)
    assert h[0, 0] == pytest.approx(math.tanh(0.95) / 4, abs=1e-15)


def test_hand_worked_second_step_uses_this_steps_forget_gate():
    """Step 2 from (h, c) of step 1: the cell update uses f of step 2, which depends on h."""
    params = _golden_params()
    params["weight_hh"] = np.array([[0.0], [4.0], [0.0], [0.0]])  # only f sees h
    h1, c1, _ = lstm_step(np.ones((1, 1)), np.zeros((1, 1)), np.ones((1, 1)), params)
    h2, c2, cache = lstm_step(np.ones((1, 1)), h1, c1, params)
    f2 = 1 / (1 + math.exp(-4 * h1[0, 0]))
    assert cache.gates[0, 1] == pytest.approx(f2, abs=1e-15)
    assert c2[0, 0] == pytest.approx(f2 * 0.95 + 0.75 * 0.6, abs=1e-15)
    assert h2[0, 0] == pytest.approx(0.25 * math.tanh(f2 * 0.95 + 0.45), abs=1e-15)


def _textbook_step(x, h, c, p):
    """The equations written out plainly, gate by gate (an independent reference)."""
    H = c.shape[1]

    def gate(k):
        z = x @ p["weight_ih"][k * H : (k + 1) * H].T + h @ p["weight_hh"][k * H : (k + 1) * H].T
        if "bias_ih" in p:
            z = z + p["bias_ih"][k * H : (k + 1) * H] + p["bias_hh"][k * H : (k + 1) * H]
        return z

    def sig(z):
        return 1 / (1 + np.exp(-z))

    peep = p.get("weight_ch", np.zeros((3, H)))
    i = sig(gate(0) + peep[0] * c)
    f = sig(gate(1) + peep[1] * c)
    g = np.tanh(gate(2))
    c_new = f * c + i * g
    o = sig(gate(3) + peep[2] * c_new)
    h_new = o * np.tanh(c_new)
    if "weight_hr" in p:
        h_new = h_new @ p["weight_hr"].T
    return h_new, c_new


def _random_params(rng, inputs, hidden, proj, peepholes, bias):
    out = proj or hidden
    p = {
        "weight_ih": rng.standard_normal((4 * hidden, inputs)),
        "weight_hh": rng.standard_normal((4 * hidden, out)),
    }
    if bias:
        p["bias_ih"] = rng.standard_normal(4 * hidden)
        p["bias_hh"] = rng.standard_normal(4 * hidden)
    if proj:
        p["weight_hr"] = rng.standard_normal((proj, hidden))
    if peepholes:
        p["weight_ch"] = rng.standard_normal((3, hidden))
    return p


OPTIONS = [(0, False, True), (0, True, True), (2, False, True), (2, True, False), (0, False, False)]


@pytest.mark.parametrize("proj, peepholes, bias", OPTIONS)
def test_step_equals_textbook_equations(proj, peepholes, bias):
    rng = np.random.default_rng(1)
    p = _random_params(rng, 3, 4, proj, peepholes, bias)
    x, h, c = (
        rng.standard_normal((5, 3)),
        rng.standard_normal((5, proj or 4)),
        rng.standard_normal((5, 4)),
    )
    h_new, c_new, _ = lstm_step(x, h, c, p)
    h_ref, c_ref = _textbook_step(x, h, c, p)
    assert relative_error(h_new, h_ref) < 1e-14
    assert relative_error(c_new, c_ref) < 1e-14


@pytest.mark.parametrize("proj, peepholes, bias", OPTIONS)
def test_step_backward_matches_finite_differences(proj, peepholes, bias):
    rng = np.random.default_rng(2)
    p = _random_params(rng, 3, 4, proj, peepholes, bias)
    x, h, c = (
        rng.standard_normal((2, 3)),
        rng.standard_normal((2, proj or 4)),
        rng.standard_normal((2, 4)),
    )
    wh, wc = rng.standard_normal((2, proj or 4)), rng.standard_normal((2, 4))

    def loss():
        h_new, c_new, _ = lstm_step(x, h, c, p)
        return float(np.sum(h_new * wh) + np.sum(c_new * wc))

    _, _, cache = lstm_step(x, h, c, p)
    dx, dh, dc, grads = lstm_step_backward(wh, wc, cache, p)
    assert set(grads) == set(p)
    for name, analytic, array in [("x", dx, x), ("h", dh, h), ("c", dc, c)] + [
        (k, grads[k], p[k]) for k in p
    ]:
        error = relative_error(analytic, numerical_gradient(loss, array))
        assert error < 1e-6, f"d/d{name}: relative error {error:.2e}"


def test_step_backward_without_cell_gradient():
    rng = np.random.default_rng(3)
    p = _random_params(rng, 2, 3, 0, False, True)
    x, h, c = rng.standard_normal((1, 2)), rng.standard_normal((1, 3)), rng.standard_normal((1, 3))
    _, _, cache = lstm_step(x, h, c, p)
    with_none = lstm_step_backward(np.ones((1, 3)), None, cache, p)
    with_zeros = lstm_step_backward(np.ones((1, 3)), np.zeros((1, 3)), cache, p)
    for a, b in zip(with_none[:3], with_zeros[:3], strict=True):
        np.testing.assert_array_equal(a, b)


def test_saturated_pre_activations_stay_finite():
    """|z| of 1000 must not overflow: gates saturate to exactly 0 or 1."""
    p = {
        "weight_ih": np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]]),
        "weight_hh": np.zeros((4, 1)),
    }
    with np.errstate(all="raise"):
        h, c, cache = lstm_step(np.ones((1, 1)), np.zeros((1, 1)), np.full((1, 1), 2.0), p)
    np.testing.assert_array_equal(cache.gates[0], [1.0, 0.0, 1.0, 0.0])
    assert c[0, 0] == 1.0 and h[0, 0] == 0.0


@pytest.mark.parametrize(
    "names",
    [
        ("sigmoid", "tanh", "tanh"),
        ("hardsigmoid", "elu", "softsign"),
        ("sigmoid", "scaledtanh", "softplus"),
        ("leakyrelu", "affine", "relu"),
    ],
)
@pytest.mark.parametrize("clip, input_forget", [(None, False), (0.8, True)])
def test_step_with_options_matches_finite_differences(names, clip, input_forget):
    """Every activation of the ONNX set, clipping and coupled gates, through the step's backward."""
    from lstmkit.cells.lstm import LSTMOptions
    from lstmkit.ops.activation_set import Activation

    rng = np.random.default_rng(4)
    options = LSTMOptions(
        *(Activation(n, 0.6, 0.4) for n in names), clip=clip, input_forget=input_forget
    )
    p = _random_params(rng, 3, 4, 2, True, True)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 2)), rng.standard_normal((2, 4))
    wh, wc = rng.standard_normal((2, 2)), rng.standard_normal((2, 4))

    def loss():
        h_new, c_new, _ = lstm_step(x, h, c, p, options)
        return float(np.sum(h_new * wh) + np.sum(c_new * wc))

    _, _, cache = lstm_step(x, h, c, p, options)
    if clip is not None:
        assert not cache.inside.all(), "the test must actually clip something"
    dx, dh, dc, grads = lstm_step_backward(wh, wc, cache, p, options)
    for name, analytic, array in [("x", dx, x), ("h", dh, h), ("c", dc, c)] + [
        (k, grads[k], p[k]) for k in p
    ]:
        error = relative_error(analytic, numerical_gradient(loss, array))
        assert error < 1e-6, f"d/d{name}: relative error {error:.2e}"
