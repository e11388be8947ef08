"""The cell protocol: one signature for every cell and scan, and any cell made into a layer.

- the three scans return the same shape of result, (y, finals tuple, cache) and
  (dx, dinitial tuple), with as many states as the cell declares;
- the generic loop (`cell_scan`: the cell's own steps one by one) computes what each fused
  scan computes, for every option, in float64 and float32;
- `RecurrentLayer` composes a cell it has never seen (a two-state toy cell defined here) into
  a stacked, bidirectional, variable-length layer with exact gradients.
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from lstmkit import GRU, LSTM, RNN
from lstmkit.cells import (
    CellSpec,
    GRUCellSpec,
    GRUOptions,
    LSTMCellSpec,
    LSTMOptions,
    RNNCellSpec,
    RNNOptions,
)
from lstmkit.ops.activation_set import RELU
from lstmkit.recurrent import RecurrentLayer
from lstmkit.recurrent.layout import BatchLayout
from lstmkit.recurrent.scans import FUSED, GENERIC, scan_for
from lstmkit.testing import numerical_gradient, relative_error

N, T, I, H = 4, 6, 3, 5  # noqa: E741

SPECS = {
    "lstm": LSTMCellSpec(),
    "lstm-clip-coupled": LSTMCellSpec(LSTMOptions(clip=0.5, input_forget=True)),
    "lstm-peep-proj": LSTMCellSpec(proj_size=3, peepholes=True),
    "gru": GRUCellSpec(),
    "gru-onnx-clip": GRUCellSpec(GRUOptions(linear_before_reset=False, clip=0.7)),
    "rnn": RNNCellSpec(),
    "rnn-relu-clip": RNNCellSpec(RNNOptions(activation=RELU, clip=1.0)),
}


def random_params(spec, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return {
        name: rng.uniform(-0.6, 0.6, shape).astype(dtype)
        for name, shape in spec.parameter_shapes(I, H, bias=True).items()
    }


def scan_inputs(spec, dtype, seed=1):
    rng = np.random.default_rng(seed)
    layout = BatchLayout.build(np.array([6, 2, 5, 1]), N, T)  # mixed lengths, sorted inside
    x = layout.to_internal(rng.standard_normal((N, T, I)), batch_first=True).astype(dtype)
    sizes = spec.state_sizes(H)
    states = tuple(rng.standard_normal((N, size)).astype(dtype) for size in sizes)
    dy = rng.standard_normal((T, N, sizes[0])).astype(dtype)
    dfinals = tuple(rng.standard_normal((N, size)).astype(dtype) for size in sizes)
    return layout, x, states, dy, dfinals


def run(scan, spec, params, layout, x, states, dy, dfinals):
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    y, finals, cache = scan.forward(spec, params, x, states, layout)
    y = y.copy()
    dx, dinitial = scan.backward(spec, params, grads, cache, dy.copy(), dfinals, layout)
    return y, finals, dx, dinitial, grads


@pytest.mark.parametrize("name", list(SPECS))
def test_every_scan_returns_one_shape_of_result(name):
    spec = SPECS[name]
    params = random_params(spec, np.float64)
    layout, x, states, dy, dfinals = scan_inputs(spec, np.float64)
    for scan in (scan_for(spec), GENERIC):
        y, finals, cache = scan.forward(spec, params, x, states, layout)
        assert y.shape == (T, N, spec.state_sizes(H)[0])
        assert isinstance(finals, tuple) and len(finals) == len(spec.state_names)
        grads = {k: np.zeros_like(v) for k, v in params.items()}
        dx, dinitial = scan.backward(spec, params, grads, cache, dy.copy(), dfinals, layout)
        assert dx.shape == x.shape
        assert isinstance(dinitial, tuple)
        assert [d.shape for d in dinitial] == [s.shape for s in states]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(SPECS))
def test_the_generic_loop_equals_the_fused_scan(name, dtype):
    spec = SPECS[name]
    assert scan_for(spec) is FUSED[type(spec)]
    params = random_params(spec, dtype)
    inputs = scan_inputs(spec, dtype)
    fused = run(scan_for(spec), spec, params, *inputs)
    generic = run(GENERIC, spec, params, *inputs)
    tolerance = 1e-12 if dtype == "float64" else 2e-5
    y, finals, dx, dinitial, grads = fused
    y2, finals2, dx2, dinitial2, grads2 = generic
    assert relative_error(y2, y) < tolerance
    assert relative_error(dx2, dx) < tolerance
    for a, b in [*zip(finals2, finals, strict=True), *zip(dinitial2, dinitial, strict=True)]:
        assert relative_error(a, b) < tolerance
    for key in params:
        assert relative_error(grads2[key], grads[key]) < tolerance, key


@dataclass(frozen=True)
class SlowGRU(GRUCellSpec):
    """The GRU with no fused scan registered: its layer runs the generic loop."""


@dataclass(frozen=True)
class SlowLSTM(LSTMCellSpec):
    """The LSTM with no fused scan registered."""


@dataclass(frozen=True)
class SlowRNN(RNNCellSpec):
    """The RNN with no fused scan registered."""


@pytest.mark.parametrize(
    "layer_cls, spec",
    [(GRU, SlowGRU()), (LSTM, SlowLSTM()), (RNN, SlowRNN()), (RNN, RNNCellSpec())],
    ids=["gru", "lstm", "rnn", "rnn-fused"],
)
def test_a_layer_of_any_spec_equals_the_built_in_layer(layer_cls, spec):
    """RecurrentLayer(spec) with the built-in layer's seed is the same model: stacked,
    bidirectional, lengths, forward and backward."""
    kwargs = dict(num_layers=2, bidirectional=True, dtype="float64", seed=3)
    built_in = layer_cls(I, H, **kwargs)
    composed = RecurrentLayer(spec, I, H, **kwargs)
    assert list(composed.params) == list(built_in.params)
    rng = np.random.default_rng(4)
    x, lengths = rng.standard_normal((N, T, I)), np.array([6, 2, 5, 1])
    outputs = [m.forward(x, lengths=lengths) for m in (built_in, composed)]
    dy = rng.standard_normal(outputs[0][0].shape)
    backs = [m.backward(dy) for m in (built_in, composed)]
    assert relative_error(outputs[1][0], outputs[0][0]) < 1e-12
    for a, b in zip(_arrays(outputs[1][1]), _arrays(outputs[0][1]), strict=True):
        assert relative_error(a, b) < 1e-12
    assert relative_error(backs[1][0], backs[0][0]) < 1e-12
    for a, b in zip(_arrays(backs[1][1]), _arrays(backs[0][1]), strict=True):
        assert relative_error(a, b) < 1e-12
    for key, grad in composed.grads.items():
        assert relative_error(grad, built_in.grads[key]) < 1e-12, key


def _arrays(state):
    return state if isinstance(state, tuple) else (state,)


@dataclass(frozen=True)
class LeakyCell(CellSpec):
    """A toy cell with two states that lstmkit does not know, written only to the protocol:

    m' = decay * m + x W_ih^T + b_ih        h' = tanh(m' + h W_hh^T + b_hh)
    """

    state_names: ClassVar[tuple] = ("h", "m")
    decay: float = 0.5

    def step(self, params, x, state):
        h, m = state
        m_new = self.decay * m + x @ params["weight_ih"].T
        pre = m_new + h @ params["weight_hh"].T
        if "bias_ih" in params:
            m_new = m_new + params["bias_ih"]
            pre = pre + params["bias_ih"] + params["bias_hh"]
        h_new = np.tanh(pre)
        return (h_new, m_new), (x, h, h_new)

    def step_backward(self, params, cache, dstate):
        x, h, h_new = cache
        dh_new, dm_new = (np.zeros_like(h_new) if d is None else d for d in dstate)
        dpre = dh_new * (1 - h_new**2)
        dm = dpre + dm_new  # m' feeds pre and is itself an output
        grads = {"weight_ih": dm.T @ x, "weight_hh": dpre.T @ h}
        if "bias_ih" in params:
            grads["bias_ih"], grads["bias_hh"] = dm.sum(0), dpre.sum(0)
        dx = dm @ params["weight_ih"]
        return dx, (dpre @ params["weight_hh"], self.decay * dm), grads


def test_a_new_cell_becomes_a_stacked_bidirectional_variable_length_layer():
    layer = RecurrentLayer(
        LeakyCell(), I, H, num_layers=2, bidirectional=True, dtype="float64", seed=0
    )
    assert scan_for(layer.cell) is GENERIC
    assert layer.state_names == ("h", "m")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, T, I))
    lengths = np.array([6, 2, 5, 1])
    h0 = rng.standard_normal((4, N, H))
    m0 = rng.standard_normal((4, N, H))
    y, (h_n, m_n) = layer.forward(x, (h0, m0), lengths=lengths)
    assert y.shape == (N, T, 2 * H) and h_n.shape == m_n.shape == (4, N, H)
    assert np.all(y[1, 2:] == 0)  # past the length of sequence 1

    weights = [rng.standard_normal(a.shape) for a in (y, h_n, m_n)]

    def loss():
        outputs = layer.forward(x, (h0, m0), lengths=lengths)
        y, (h_n, m_n) = outputs
        return sum(float(np.sum(w * a)) for w, a in zip(weights, (y, h_n, m_n), strict=True))

    loss()
    layer.zero_grad()
    dx, (dh0, dm0) = layer.backward(weights[0], (weights[1], weights[2]))
    for analytic, array in ((dx, x), (dh0, h0), (dm0, m0)):
        assert relative_error(analytic, numerical_gradient(loss, array)) < 1e-6
    for key, value in layer.params.items():
        expected = numerical_gradient(loss, value)
        assert relative_error(layer.grads[key], expected) < 1e-6, key


def test_a_new_cell_streams_with_step():
    layer = RecurrentLayer(LeakyCell(), I, H, num_layers=2, dtype="float64", seed=0)
    x = np.random.default_rng(2).standard_normal((N, T, I))
    y, (h_n, m_n) = layer.forward(x)
    state = None
    for t in range(T):
        y_t, state = layer.step(x[:, t], state)
        np.testing.assert_allclose(y_t, y[:, t], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(state[0], h_n, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(state[1], m_n, rtol=1e-12, atol=1e-12)


def test_a_cell_without_steps_says_so():
    with pytest.raises(NotImplementedError, match="CellSpec does not implement step"):
        CellSpec().step({}, None, None)
