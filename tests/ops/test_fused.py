"""The numba kernels (`lstmkit.ops.fused`): accuracy of their tanh, and layers that use them
against the same layers on the exact NumPy path (`LSTMKIT_JIT=0` behaviour, forced here).

Parity of the fused path with torch is covered by the float32 cases of the torch parity tests,
which run through the kernels whenever numba is installed.
"""

import numpy as np
import pytest

from lstmkit import GRU, LSTM, RNN
from lstmkit.ops import jit
from lstmkit.testing import relative_error

pytest.importorskip("numba")
fused = jit.fused_kernels()
if fused is None:  # LSTMKIT_JIT=0
    pytest.skip("the fused kernels are switched off (LSTMKIT_JIT=0)", allow_module_level=True)


def test_tanh_is_accurate_to_float32_rounding():
    z = np.concatenate(
        [
            np.linspace(-20, 20, 400_001, dtype=np.float32),
            np.float32(10.0) ** np.linspace(-30, 1.3, 20_001, dtype=np.float32),
            np.array([0.0, -0.0, 7.9, -7.9, 1e30, -1e30], np.float32),
        ]
    )
    approx = z.reshape(1, -1).copy()
    fused.tanh_(approx)
    exact = np.tanh(z.astype(np.float64))
    error = np.abs(approx[0].astype(np.float64) - exact)
    assert error.max() < 4e-7  # float32 spacing at 1 is 1.2e-7
    assert np.all(np.abs(approx) <= 1.0)
    assert np.all(np.sign(approx[0]) == np.sign(z))  # odd, exact zero at zero


def _run(layer, x, lengths, dy, use_kernels, monkeypatch):
    with monkeypatch.context() as patch:
        if not use_kernels:
            patch.setattr(jit, "fused_kernels", lambda: None)
        layer.zero_grad()
        y, finals = layer.forward(x, lengths=lengths)
        finals = finals if isinstance(finals, tuple) else (finals,)
        dfinals = tuple(np.ones_like(s) for s in finals)
        dx, dinitial = layer.backward(dy, dfinals if len(dfinals) > 1 else dfinals[0])
    dinitial = dinitial if isinstance(dinitial, tuple) else (dinitial,)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    return [y, *finals, dx, *dinitial], grads


def _assert_paths_agree(layer, x, lengths, dy, monkeypatch):
    """Forward and backward with and without the kernels agree; returns the fused outputs."""
    fast, fast_grads = _run(layer, x, lengths, dy, True, monkeypatch)
    exact, exact_grads = _run(layer, x, lengths, dy, False, monkeypatch)
    for a, b in zip(fast, exact, strict=True):
        assert relative_error(a, b) < 2e-6
    for name, value in exact_grads.items():
        assert relative_error(fast_grads[name], value) < 2e-6, name
    return fast


@pytest.mark.parametrize(
    "make",
    [
        lambda: LSTM(5, 7, num_layers=2, bidirectional=True, seed=1),
        lambda: LSTM(5, 7, proj_size=3, seed=2),
        lambda: LSTM(5, 7, bias=False, seed=3),
        lambda: GRU(5, 7, num_layers=2, bidirectional=True, seed=4),
        lambda: GRU(5, 7, bias=False, seed=5),
        lambda: RNN(5, 7, num_layers=2, bidirectional=True, seed=6),
    ],
    ids=["lstm-2-bi", "lstm-proj", "lstm-nobias", "gru-2-bi", "gru-nobias", "rnn-2-bi"],
)
def test_layers_match_the_numpy_path(make, monkeypatch):
    rng = np.random.default_rng(0)
    layer = make()
    x = rng.standard_normal((4, 6, 5)).astype(np.float32)
    lengths = np.array([6, 2, 5, 1])
    dy = rng.standard_normal((4, 6, layer.num_directions * layer.output_size)).astype(np.float32)
    fast = _assert_paths_agree(layer, x, lengths, dy, monkeypatch)
    # outputs past each length stay exactly zero on the fused path too
    assert np.all(fast[0][1, 2:] == 0) and np.all(fast[0][3, 1:] == 0)


def test_kernels_are_not_used_for_float64_or_other_options():
    assert jit.fused_for(np.float64, True) is None
    assert jit.fused_for(np.float32, False) is None
    assert jit.fused_for(np.float32, True) is fused


@pytest.mark.parametrize(
    "make", [lambda: LSTM(3, 4, seed=0), lambda: GRU(3, 4, seed=0), lambda: RNN(3, 4, seed=0)]
)
def test_a_nan_weight_is_not_hidden_by_the_kernels(make):
    # the clamp inside the fused tanh must let NaN through, as NumPy's tanh does
    layer = make()
    layer.params["weight_hh_l0"][0, 0] = np.nan
    y, _ = layer.forward(np.ones((2, 3, 3), np.float32))
    assert np.isnan(y[:, 1:]).any()
    z = np.array([[np.nan, 0.5]], np.float32)
    fused.tanh_(z)
    assert np.isnan(z[0, 0]) and z[0, 1] == pytest.approx(np.tanh(0.5), abs=4e-7)


@pytest.mark.parametrize("lengths", [None, np.array([3])], ids=["full", "shorter"])
def test_one_sequence_loops_match_the_numpy_path(lengths, monkeypatch):
    # a batch of one full-length sequence runs the whole time loop in one kernel call
    rng = np.random.default_rng(1)
    layer = LSTM(5, 6, num_layers=2, seed=7)
    x = rng.standard_normal((1, 6, 5)).astype(np.float32)
    dy = rng.standard_normal((1, 6, 6)).astype(np.float32)
    _assert_paths_agree(layer, x, lengths, dy, monkeypatch)
