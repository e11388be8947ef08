"""`step`: one time step for streaming equals the full-sequence forward, step by step."""

import numpy as np
import pytest

from lstmkit import GRU, LSTM, RNN
from lstmkit.testing import relative_error

TOLERANCE = {"float32": 2e-6, "float64": 1e-12}

LAYERS = {
    "lstm": lambda dtype: LSTM(4, 6, dtype=dtype, seed=0),
    "lstm-2-layers": lambda dtype: LSTM(4, 6, num_layers=2, dtype=dtype, seed=1),
    "lstm-proj": lambda dtype: LSTM(4, 6, proj_size=3, dtype=dtype, seed=2),
    "lstm-peepholes-nobias": lambda dtype: LSTM(
        4, 6, peepholes=True, bias=False, dtype=dtype, seed=3
    ),
    "gru-2-layers": lambda dtype: GRU(4, 6, num_layers=2, dtype=dtype, seed=4),
    "gru-onnx-variant": lambda dtype: GRU(4, 6, linear_before_reset=False, dtype=dtype, seed=5),
    "gru-nobias": lambda dtype: GRU(4, 6, bias=False, dtype=dtype, seed=6),
    "rnn-2-layers": lambda dtype: RNN(4, 6, num_layers=2, dtype=dtype, seed=7),
    "rnn-relu": lambda dtype: RNN(4, 6, nonlinearity="relu", dtype=dtype, seed=8),
}


def _as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [1, 7])  # 1: the fused one-call step; 7: the BLAS path
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_steps_reproduce_forward(name, batch, dtype):
    layer = LAYERS[name](dtype)
    rng = np.random.default_rng(batch)
    x = rng.standard_normal((batch, 5, 4))
    initial = tuple(0.5 * rng.standard_normal(s.shape) for s in _as_tuple(layer(x)[1]))
    initial = initial if len(initial) > 1 else initial[0]
    y, final = layer(x, initial)

    state = initial
    for t in range(x.shape[1]):
        y_t, state = layer.step(x[:, t], state)
        assert y_t.dtype == np.dtype(dtype) and y_t.shape == y[:, t].shape
        assert relative_error(y_t, y[:, t]) < TOLERANCE[dtype]
    for mine, expected in zip(_as_tuple(state), _as_tuple(final), strict=True):
        assert mine.shape == expected.shape
        assert relative_error(mine, expected) < TOLERANCE[dtype]


def test_state_none_is_zeros_and_inputs_are_not_modified():
    layer = LSTM(3, 4, num_layers=2, seed=0)
    x = np.ones((2, 3), np.float32)
    zeros = (np.zeros((2, 2, 4), np.float32), np.zeros((2, 2, 4), np.float32))
    y_none, (h_none, c_none) = layer.step(x, None)
    y_zero, (h_zero, c_zero) = layer.step(x, zeros)
    np.testing.assert_array_equal(y_none, y_zero)
    np.testing.assert_array_equal(c_none, c_zero)
    assert not zeros[0].any() and not zeros[1].any()
    np.testing.assert_array_equal(y_none, h_none[-1])


def test_step_ignores_dropout_like_eval_mode():
    layer = GRU(3, 4, num_layers=2, dropout=0.5, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 1, 3))
    y_step, _ = layer.step(x[:, 0])
    layer.eval()
    y_eval, _ = layer(x)
    assert relative_error(y_step, y_eval[:, 0]) < 1e-6


def test_step_errors_name_the_argument():
    with pytest.raises(ValueError, match="unidirectional"):
        LSTM(3, 4, bidirectional=True).step(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3\) for one time step"):
        RNN(3, 4).step(np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match=r"state\[1\] \(c_0\) must have shape \(1, 2, 4\)"):
        LSTM(3, 4).step(np.zeros((2, 3)), (np.zeros((1, 2, 4)), np.zeros((1, 1, 4))))
    with pytest.raises(ValueError, match="x contains NaN"):
        GRU(3, 4).step(np.full((1, 3), np.nan))
