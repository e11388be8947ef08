"""The compiled time loops (`lstmkit.ops.compiled_loops`) against the NumPy loops and torch.

A float32 LSTM, GRU or RNN with the default options runs each direction of each layer as one
compiled call (the rule: `lstmkit.ops.jit`). Here every output, final state and gradient of
that path is compared with the same layer on its NumPy loops (the reference; forced by
switching the kernels off as LSTMKIT_JIT=0 would), over layers, directions, lengths and batch
sizes; with torch for one configuration of each cell; and the dispatch itself is checked.

Tolerance: both paths are float32, and the compiled one evaluates sigmoid and tanh by the
rational approximation of `lstmkit.ops.fused` (at most 3.6e-7 from the exact tanh, about
3 float32 ulps at 1; tests/ops/test_fused.py measures it). Through the few steps and layers
here that stays below 2e-6 relative (`relative_error`: the largest difference over the largest
value), the bound tests/ops/test_fused.py already holds the kernels to; torch's float32
tolerance is that of the torch parity tests, 1e-5.
"""

import sys

import numpy as np
import pytest

from lstmkit import GRU, LSTM, RNN
from lstmkit.ops import jit
from lstmkit.testing import relative_error

pytest.importorskip("numba")
pytest.importorskip("scipy")
loops = jit.loops_for(np.float32, True)
if loops is None:  # LSTMKIT_JIT=0
    pytest.skip("the compiled loops are switched off (LSTMKIT_JIT=0)", allow_module_level=True)

TOLERANCE = 2e-6  # the kernels' tanh approximation, see the module docstring
TORCH_TOLERANCE = 1e-5
CELLS = {"lstm": LSTM, "gru": GRU, "rnn": RNN}
STEPS, INPUTS, HIDDEN = 5, 3, 4


def _batch(cell, batch, bidirectional, with_lengths, seed=0):
    """x, lengths and dy of one padded batch: lengths unsorted, and the padding past each
    length (in x and in dy) holding garbage that must have no effect."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, STEPS, INPUTS)).astype(np.float32)
    width = (2 if bidirectional else 1) * HIDDEN
    dy = rng.standard_normal((batch, STEPS, width)).astype(np.float32)
    lengths = None
    if with_lengths:
        lengths = rng.integers(1, STEPS + 1, size=batch)
        lengths[batch // 2] = 2  # never sorted, never all full
        padding = np.arange(STEPS)[None, :] >= lengths[:, None]
        x[padding] = 1e3 * rng.standard_normal((padding.sum(), INPUTS))
        dy[padding] = 1e3 * rng.standard_normal((padding.sum(), width))
    return x, lengths, dy


def _run(layer, x, lengths, dy, compiled, monkeypatch):
    """Forward and backward; returns the outputs, final states, input and initial-state
    gradients (one list) and the parameter gradients."""
    with monkeypatch.context() as patch:
        if not compiled:
            patch.setattr(jit, "fused_kernels", lambda: None)  # as LSTMKIT_JIT=0
        layer.zero_grad()
        y, finals = layer.forward(x, lengths=lengths)
        finals = finals if isinstance(finals, tuple) else (finals,)
        dfinals = tuple(np.full_like(s, 0.5) for s in finals)
        dx, dinitial = layer.backward(dy, dfinals if len(dfinals) > 1 else dfinals[0])
    dinitial = dinitial if isinstance(dinitial, tuple) else (dinitial,)
    return [y, *finals, dx, *dinitial], {k: v.copy() for k, v in layer.grads.items()}


@pytest.mark.parametrize("batch", [1, 3, 17])
@pytest.mark.parametrize("with_lengths", [False, True], ids=["full", "lengths"])
@pytest.mark.parametrize(
    "layers, bidirectional", [(1, False), (1, True), (2, False), (2, True)], ids=str
)
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_compiled_loops_match_the_numpy_path(
    cell, layers, bidirectional, with_lengths, batch, monkeypatch
):
    layer = CELLS[cell](INPUTS, HIDDEN, num_layers=layers, bidirectional=bidirectional, seed=3)
    x, lengths, dy = _batch(cell, batch, bidirectional, with_lengths)
    compiled, compiled_grads = _run(layer, x, lengths, dy, True, monkeypatch)
    reference, reference_grads = _run(layer, x, lengths, dy, False, monkeypatch)
    # [y, final states..., dx, initial-state gradients...]
    for index, (a, b) in enumerate(zip(compiled, reference, strict=True)):
        assert np.all(np.isfinite(a)), index
        assert relative_error(a, b) < TOLERANCE, index
    for name, value in reference_grads.items():
        assert relative_error(compiled_grads[name], value) < TOLERANCE, name
    if lengths is not None:  # outputs past each length are exactly zero on the compiled path
        padding = np.arange(STEPS)[None, :] >= lengths[:, None]
        assert np.all(compiled[0][padding] == 0)


def test_the_lstm_projection_runs_compiled_and_matches(monkeypatch):
    calls = _spy(monkeypatch, "lstm_loop", "lstm_loop_backward")
    layer = LSTM(INPUTS, HIDDEN, proj_size=2, bidirectional=True, seed=5)
    x, lengths, dy = _batch("lstm", 3, True, True)
    dy = dy[..., :4]  # two directions of 2 projected units
    compiled, compiled_grads = _run(layer, x, lengths, dy, True, monkeypatch)
    assert calls == {"lstm_loop": 2, "lstm_loop_backward": 2}
    reference, reference_grads = _run(layer, x, lengths, dy, False, monkeypatch)
    for a, b in zip(compiled, reference, strict=True):
        assert relative_error(a, b) < TOLERANCE
    for name, value in reference_grads.items():
        assert relative_error(compiled_grads[name], value) < TOLERANCE, name


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_compiled_loops_match_torch(cell, torch):
    from lstmkit.interop.torch import to_torch

    layer = CELLS[cell](INPUTS, HIDDEN, num_layers=2, bidirectional=True, seed=7)
    x, lengths, dy = _batch(cell, 6, True, True, seed=1)
    y, finals = layer.forward(x, lengths=lengths)
    finals = finals if isinstance(finals, tuple) else (finals,)
    dfinals = tuple(np.full_like(s, 0.5) for s in finals)
    dx, dinitial = layer.backward(dy, dfinals if len(dfinals) > 1 else dfinals[0])
    dinitial = dinitial if isinstance(dinitial, tuple) else (dinitial,)

    net = to_torch(layer)
    x_t = torch.from_numpy(x).requires_grad_(True)
    initial = [torch.zeros(s.shape, requires_grad=True) for s in finals]
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        x_t, torch.from_numpy(lengths), batch_first=True, enforce_sorted=False
    )
    packed_y, torch_finals = net(packed, tuple(initial) if len(initial) > 1 else initial[0])
    y_t, _ = torch.nn.utils.rnn.pad_packed_sequence(packed_y, batch_first=True, total_length=STEPS)
    torch_finals = torch_finals if isinstance(torch_finals, tuple) else (torch_finals,)
    padding = np.arange(STEPS)[None, :] >= lengths[:, None]
    dy_valid = np.where(padding[..., None], 0, dy)  # torch has no outputs there to read dy
    loss = (y_t * torch.from_numpy(dy_valid)).sum() + sum(0.5 * s.sum() for s in torch_finals)
    loss.backward()

    pairs = [(y, y_t), (dx, x_t.grad)]
    pairs += list(zip(finals, torch_finals, strict=True))
    pairs += [(d, s.grad) for d, s in zip(dinitial, initial, strict=True)]
    for ours, theirs in pairs:
        assert relative_error(ours, theirs.detach().numpy()) < TORCH_TOLERANCE
    for name, parameter in net.named_parameters():
        assert relative_error(layer.grads[name], parameter.grad.numpy()) < TORCH_TOLERANCE, name


def _spy(monkeypatch, *names):
    """Counts the calls of the named compiled loops (they still run)."""
    calls = dict.fromkeys(names, 0)
    for name in names:
        original = getattr(loops, name)

        def spy(*args, _name=name, _original=original):
            calls[_name] += 1
            return _original(*args)

        monkeypatch.setattr(loops, name, spy)
    return calls


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_a_default_float32_layer_takes_the_compiled_loops(cell, monkeypatch):
    calls = _spy(monkeypatch, f"{cell}_loop", f"{cell}_loop_backward")
    layer = CELLS[cell](INPUTS, HIDDEN, num_layers=2, bidirectional=True, seed=0)
    x, lengths, dy = _batch(cell, 3, True, True)
    layer.forward(x, lengths=lengths)
    layer.backward(dy)
    # one call per layer and direction, forward and backward
    assert calls == {f"{cell}_loop": 4, f"{cell}_loop_backward": 4}


@pytest.mark.parametrize(
    "make",
    [
        lambda: LSTM(INPUTS, HIDDEN, dtype="float64", seed=0),
        lambda: LSTM(INPUTS, HIDDEN, peepholes=True, seed=0),
        lambda: GRU(INPUTS, HIDDEN, linear_before_reset=False, seed=0),
        lambda: RNN(INPUTS, HIDDEN, nonlinearity="relu", seed=0),
    ],
    ids=["float64", "lstm-peepholes", "gru-reset-before", "rnn-relu"],
)
def test_other_layers_keep_the_numpy_loops(make, monkeypatch):
    calls = _spy(monkeypatch, *(f"{c}_loop{s}" for c in CELLS for s in ("", "_backward")))
    layer = make()
    x, lengths, dy = _batch("any", 3, False, True)
    layer.forward(x.astype(layer.dtype), lengths=lengths)
    layer.backward(dy.astype(layer.dtype))
    assert sum(calls.values()) == 0


def test_lstmkit_jit_0_takes_the_numpy_loops(monkeypatch):
    calls = _spy(monkeypatch, "lstm_loop", "lstm_loop_backward")
    monkeypatch.setenv("LSTMKIT_JIT", "0")
    jit.fused_kernels.cache_clear()  # the answer is otherwise kept for the process
    try:
        assert jit.loops_for(np.float32, True) is None
        layer = LSTM(INPUTS, HIDDEN, seed=0)
        x, lengths, dy = _batch("lstm", 3, False, True)
        layer.forward(x, lengths=lengths)
        layer.backward(dy)
        assert calls == {"lstm_loop": 0, "lstm_loop_backward": 0}
    finally:
        monkeypatch.delenv("LSTMKIT_JIT")
        jit.fused_kernels.cache_clear()
    assert jit.loops_for(np.float32, True) is loops


def test_without_scipy_the_layers_keep_the_numpy_loops(monkeypatch):
    # numba's np.dot reaches BLAS through SciPy: without it there are no compiled loops
    monkeypatch.setitem(sys.modules, "scipy.linalg.cython_blas", None)  # import fails
    jit._loops_module.cache_clear()
    try:
        assert jit.loops_for(np.float32, True) is None
        y, _ = GRU(INPUTS, HIDDEN, seed=0)(np.ones((2, 3, INPUTS), np.float32))
        assert y.shape == (2, 3, HIDDEN)
    finally:
        monkeypatch.undo()
        jit._loops_module.cache_clear()
    assert jit.loops_for(np.float32, True) is loops
