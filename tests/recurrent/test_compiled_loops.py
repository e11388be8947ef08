"""The compiled time loops (`lstmkit.ops.compiled_loops`) against the NumPy loops and torch.

A float32 LSTM, GRU or RNN with the default options runs each direction of each layer as one
compiled call (the rule: `lstmkit.ops.jit`). Here every output, final state and gradient of
that path is compared with the same layer on its NumPy loops (the reference; forced by
switching the kernels off as LSTMKIT_JIT=0 would), over layers, directions, lengths and batch
sizes; with torch for one configuration of each cell; and the dispatch itself is checked.
The per-step products run through BLAS or, at a few rows of a large weight, as compiled loops
(`lstmkit.ops.small_batch`): every parity check runs on both, the loops forced by setting the
rule's size threshold to 0 (the fixture `small_everywhere`), and the rule's choice at its edges
is checked on layers of the sizes it names.

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
from lstmkit.ops import jit, small_batch
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
    assert _counts(calls) == {"lstm_loop": 2, "lstm_loop_backward": 2}
    reference, reference_grads = _run(layer, x, lengths, dy, False, monkeypatch)
    for a, b in zip(compiled, reference, strict=True):
        assert relative_error(a, b) < TOLERANCE
    for name, value in reference_grads.items():
        assert relative_error(compiled_grads[name], value) < TOLERANCE, name


@pytest.mark.parametrize("small", [False, True], ids=["blas", "small"])
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_compiled_loops_match_torch(cell, small, torch, monkeypatch):
    from lstmkit.interop.torch import to_torch

    if small:
        monkeypatch.setattr(small_batch, "BLAS_SMALL_PATH", 0)
    calls = _spy(monkeypatch, f"{cell}_loop", f"{cell}_loop_backward")
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
    assert calls == {f"{cell}_loop": [small] * 4, f"{cell}_loop_backward": [small] * 4}


def _spy(monkeypatch, *names):
    """Records the calls of the named compiled loops (they still run): per name, the `small`
    argument (every loop's last: the products as compiled loops) of each call."""
    calls = {name: [] for name in names}
    for name in names:
        original = getattr(loops, name)

        def spy(*args, _name=name, _original=original):
            calls[_name].append(args[-1])
            return _original(*args)

        monkeypatch.setattr(loops, name, spy)
    return calls


def _counts(calls):
    return {name: len(flags) for name, flags in calls.items()}


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_a_default_float32_layer_takes_the_compiled_loops(cell, monkeypatch):
    calls = _spy(monkeypatch, f"{cell}_loop", f"{cell}_loop_backward")
    layer = CELLS[cell](INPUTS, HIDDEN, num_layers=2, bidirectional=True, seed=0)
    x, lengths, dy = _batch(cell, 3, True, True)
    layer.forward(x, lengths=lengths)
    layer.backward(dy)
    # one call per layer and direction, forward and backward
    assert _counts(calls) == {f"{cell}_loop": 4, f"{cell}_loop_backward": 4}


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
    assert sum(_counts(calls).values()) == 0


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
        assert _counts(calls) == {"lstm_loop": 0, "lstm_loop_backward": 0}
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


# ---- the per-step products as compiled loops at small batch (lstmkit.ops.small_batch) ----------


@pytest.fixture
def small_everywhere(monkeypatch):
    """The rule's size threshold at 0: every product of 2 to 16 rows runs as compiled loops."""
    monkeypatch.setattr(small_batch, "BLAS_SMALL_PATH", 0)


@pytest.mark.parametrize(
    "rows, inner, cols", [(1, 5, 3), (2, 8, 12), (3, 13, 7), (4, 9, 6), (9, 6, 41), (16, 7, 40)]
)
def test_matmul_rows_is_the_product(rows, inner, cols):
    # rows past multiples of 4 and an odd last column take the kernel's remainder loops
    rng = np.random.default_rng(rows)
    a = rng.standard_normal((rows, inner)).astype(np.float32)
    w = rng.standard_normal((cols, inner)).astype(np.float32)
    out = np.full((rows, cols), np.nan, np.float32)  # every element must be written
    small_batch.matmul_rows(a, w, out)
    exact = a.astype(np.float64) @ w.T.astype(np.float64)
    # a float32 sum of `inner` products errs by at most inner * u * (|a| @ |w|^T), u = 2^-24
    bound = inner * 2.0**-24 * (np.abs(a).astype(np.float64) @ np.abs(w).T)
    assert np.all(np.abs(out - exact) <= bound)


@pytest.mark.parametrize("shape", [(12, 3), (40, 17), (33, 64)])  # tiles of 16, and their edges
def test_operand_lays_out_the_weight_for_each_path(shape):
    weight = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for given, small, expected in [
        (weight, True, weight),  # x @ weight.T as loops: weight itself
        (weight, False, weight.T),  # through BLAS: weight.T
        (weight.T, True, weight.T),  # a transposed view, as the backward passes it
        (weight.T, False, weight),
    ]:
        laid_out = small_batch.operand(given, small)
        assert laid_out.flags.c_contiguous
        np.testing.assert_array_equal(laid_out, expected)


@pytest.mark.parametrize("batch", [2, 16, 17])  # the loops' rows run from 2 to 16
@pytest.mark.parametrize("with_lengths", [False, True], ids=["full", "lengths"])
@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, True)], ids=str)
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_the_small_batch_loops_match_the_numpy_path(
    cell, layers, bidirectional, with_lengths, batch, small_everywhere, monkeypatch
):
    calls = _spy(monkeypatch, f"{cell}_loop", f"{cell}_loop_backward")
    layer = CELLS[cell](INPUTS, HIDDEN, num_layers=layers, bidirectional=bidirectional, seed=3)
    x, lengths, dy = _batch(cell, batch, bidirectional, with_lengths)
    compiled, compiled_grads = _run(layer, x, lengths, dy, True, monkeypatch)
    calls_per_loop = layers * (2 if bidirectional else 1)
    small = batch <= 16
    assert calls == {f"{cell}_loop": [small] * calls_per_loop} | {
        f"{cell}_loop_backward": [small] * calls_per_loop
    }
    reference, reference_grads = _run(layer, x, lengths, dy, False, monkeypatch)
    for index, (a, b) in enumerate(zip(compiled, reference, strict=True)):
        assert relative_error(a, b) < TOLERANCE, index
    for name, value in reference_grads.items():
        assert relative_error(compiled_grads[name], value) < TOLERANCE, name


def test_the_lstm_projection_runs_as_small_batch_loops_and_matches(small_everywhere, monkeypatch):
    calls = _spy(monkeypatch, "lstm_loop", "lstm_loop_backward")
    layer = LSTM(INPUTS, HIDDEN, proj_size=2, bidirectional=True, seed=5)
    x, lengths, dy = _batch("lstm", 3, True, True)
    dy = dy[..., :4]  # two directions of 2 projected units
    compiled, compiled_grads = _run(layer, x, lengths, dy, True, monkeypatch)
    assert calls == {"lstm_loop": [True, True], "lstm_loop_backward": [True, True]}
    reference, reference_grads = _run(layer, x, lengths, dy, False, monkeypatch)
    for a, b in zip(compiled, reference, strict=True):
        assert relative_error(a, b) < TOLERANCE
    for name, value in reference_grads.items():
        assert relative_error(compiled_grads[name], value) < TOLERANCE, name


@pytest.mark.parametrize(
    "cell, hidden, batch, small",
    [
        # LSTM: the product (batch, H) @ (H, 4H) past 10^6 multiply-adds, 2 to 16 rows
        ("lstm", 256, 4, True),  # 4 * 256 * 1024 = 1048576
        ("lstm", 256, 3, False),
        ("lstm", 128, 16, True),  # 1048576 again; 15 rows: 983040
        ("lstm", 128, 15, False),
        ("lstm", 256, 17, False),  # past the rows
        ("lstm", 512, 1, False),  # one row: a matrix-vector product, BLAS
        ("gru", 256, 6, True),  # 6 * 256 * 768; 5 rows: 983040
        ("gru", 256, 5, False),
        ("rnn", 512, 4, True),  # 4 * 512 * 512 = 1048576
        ("rnn", 512, 3, False),
    ],
)
def test_the_rule_takes_the_small_batch_loops_for_a_few_rows_of_a_large_weight(
    cell, hidden, batch, small, monkeypatch
):
    calls = _spy(monkeypatch, f"{cell}_loop", f"{cell}_loop_backward")
    layer = CELLS[cell](INPUTS, hidden, seed=0)
    x = np.random.default_rng(0).standard_normal((batch, 2, INPUTS)).astype(np.float32)
    y, _ = layer.forward(x, lengths=np.r_[2, np.ones(batch - 1, int)])  # widest step decides
    layer.backward(np.ones_like(y))
    assert calls == {f"{cell}_loop": [small], f"{cell}_loop_backward": [small]}
