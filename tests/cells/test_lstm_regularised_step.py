"""The regularised / layer-normalised LSTM step under the cell protocol (issue 21): its
backward against float64 finite differences with one step's masks, its loop equal to the
generic cell loop, and a golden value worked by hand."""

import numpy as np
import pytest

from lstmkit.cells.gru_regularised import RegularisedGRUCellSpec
from lstmkit.cells.lstm_regularised import RegularisedLSTMCellSpec
from lstmkit.cells.spec import StepNoise
from lstmkit.recurrent.cell_scan import cell_scan_backward, cell_scan_forward
from lstmkit.recurrent.layout import BatchLayout
from lstmkit.recurrent.scans import scan_for
from lstmkit.testing import numerical_gradient, relative_error

SPECS = {
    "layer_norm": RegularisedLSTMCellSpec(layer_norm=True),
    "zoneout-proj": RegularisedLSTMCellSpec(proj_size=2, zoneout_cell=0.3, zoneout_hidden=0.6),
    "all": RegularisedLSTMCellSpec(layer_norm=True, zoneout_cell=0.2, zoneout_hidden=0.5),
    "gru-all": RegularisedGRUCellSpec(layer_norm=True, zoneout_hidden=0.4),
    "gru-plain": RegularisedGRUCellSpec(),
}


def _params(spec, rng, inputs=3, hidden=4):
    shapes = spec.parameter_shapes(inputs, hidden)
    return {name: rng.standard_normal(shape) for name, shape in shapes.items()}


@pytest.mark.parametrize("with_noise", [False, True], ids=["eval", "masks"])
@pytest.mark.parametrize("name", SPECS)
def test_step_backward_matches_finite_differences(name, with_noise):
    spec, rng = SPECS[name], np.random.default_rng(0)
    params = _params(spec, rng)
    batch, out_size = 3, spec.state_sizes(4)[0]
    x = rng.standard_normal((batch, 3))
    state = tuple(rng.standard_normal((batch, size)) for size in spec.state_sizes(4))
    if with_noise:
        params["noise"] = StepNoise(
            state=(rng.random((batch, out_size)) < 0.5) * 2.0,
            zone_c=(rng.random((batch, 4)) < 0.5).astype(float),
            zone_h=(rng.random((batch, out_size)) < 0.5).astype(float),
        )
    upstream = [rng.standard_normal(s.shape) for s in state]

    def loss():
        new, _ = spec.step(params, x, state)
        return sum(float(np.sum(u * s)) for u, s in zip(upstream, new, strict=True))

    _, cache = spec.step(params, x, state)
    dx, dstate, grads = spec.step_backward(params, cache, tuple(upstream))
    checks = {"x": (dx, x)}
    checks.update({n: (d, s) for n, d, s in zip(spec.state_names, dstate, state, strict=True)})
    checks.update({k: (grads[k], v) for k, v in params.items() if k != "noise"})
    assert set(grads) == set(params) - {"noise"}
    for key, (analytic, array) in checks.items():
        assert relative_error(analytic, numerical_gradient(loss, array)) < 1e-7, key


@pytest.mark.parametrize("name", SPECS)
def test_the_scan_equals_the_generic_cell_loop(name):
    """Evaluation mode (no masks): the layer's loop and stepping the spec agree, forward and
    backward, with a padded batch."""
    spec, rng = SPECS[name], np.random.default_rng(1)
    params = _params(spec, rng)
    layout = BatchLayout.build(np.array([5, 3, 1]), 3, 5)
    x = rng.standard_normal((5, 3, 3))
    layout.zero_padding(x)
    states = tuple(rng.standard_normal((3, size)) for size in spec.state_sizes(4))
    scan = scan_for(spec)
    assert scan.forward is not cell_scan_forward
    y, finals, cache = scan.forward(spec, params, x, states, layout)
    y_ref, finals_ref, cache_ref = cell_scan_forward(spec, params, x, states, layout)
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-13)
    for a, b in zip(finals, finals_ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    dy = rng.standard_normal(y.shape)
    dfinals = tuple(rng.standard_normal(f.shape) for f in finals)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    grads_ref = {k: np.zeros_like(v) for k, v in params.items()}
    dx, dstates = scan.backward(spec, params, grads, cache, dy, dfinals, layout)
    dx_ref, dstates_ref = cell_scan_backward(
        spec, params, grads_ref, cache_ref, dy, dfinals, layout
    )
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-12, atol=1e-13)
    for a, b in zip(dstates, dstates_ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    for key in grads:
        np.testing.assert_allclose(grads[key], grads_ref[key], rtol=1e-12, atol=1e-13)


def test_golden_value_worked_by_hand():
    """One cell (H = 1) with zero weights and biases: every gate is sigmoid(0) = 0.5 and
    g = tanh(0) = 0, so c^ = 0.5 * c; zoneout mixes the previous values in."""
    spec = RegularisedLSTMCellSpec(zoneout_cell=0.25, zoneout_hidden=0.5)
    params = {name: np.zeros(shape) for name, shape in spec.parameter_shapes(1, 1).items()}
    (h, c), _ = spec.step(params, np.ones((1, 1)), (np.full((1, 1), 0.4), np.full((1, 1), 0.8)))
    c_hat = 0.5 * 0.8  # f * c + i * g = 0.5 * 0.8 + 0.5 * 0
    h_hat = 0.5 * np.tanh(c_hat)  # o * tanh(c^)
    assert c[0, 0] == pytest.approx(0.25 * 0.8 + 0.75 * c_hat, abs=1e-15)
    assert h[0, 0] == pytest.approx(0.5 * 0.4 + 0.5 * h_hat, abs=1e-15)
