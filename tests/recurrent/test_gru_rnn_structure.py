"""Structural identities of the GRU and RNN layers, and values worked out by hand.

* the layer is the textbook step equations, written plainly here, looped over time (forward
  and the hand-derived backward of one step walked in reverse);
* a padded batch is its sequences one by one (outputs, states and every gradient);
* bidirectional is a forward layer plus a backward layer on flipped sequences;
* stacked is composed layers;
* golden values: one unit, weights chosen so that every pre-activation is a short expression,
  evaluated with `math`.

Cells: GRU with linear_before_reset True (torch) and False (ONNX default), RNN tanh and relu.
"""

import math

import numpy as np
import pytest

from lstmkit import GRU, RNN

EXACT = 1e-12  # float64, same operations in a different order

CELLS = {
    "gru-lbr": (GRU, {"linear_before_reset": True}),
    "gru-nolbr": (GRU, {"linear_before_reset": False}),
    "rnn-tanh": (RNN, {"nonlinearity": "tanh"}),
    "rnn-relu": (RNN, {"nonlinearity": "relu"}),
}


def make(cell, input_size, hidden_size, **kwargs):
    cls, cell_kwargs = CELLS[cell]
    return cls(input_size, hidden_size, dtype="float64", **cell_kwargs, **kwargs)


def _direction_params(model, layer=0, reverse=False):
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    return {k.removesuffix(suffix): v for k, v in model.params.items() if k.endswith(suffix)}


# --------------------------------------------------------------------------------------------
# The textbook equations of one step, for a batch: x (N, I), h (N, H)
# --------------------------------------------------------------------------------------------


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _biases(p):
    zero = np.zeros(p["weight_hh"].shape[0])
    return p.get("bias_ih", zero), p.get("bias_hh", zero)


def textbook_step(cell, x, h, p):
    """h' from x and h; returns (h', what the backward step needs)."""
    b_ih, b_hh = _biases(p)
    if cell.startswith("rnn"):
        a = x @ p["weight_ih"].T + b_ih + h @ p["weight_hh"].T + b_hh
        h_new = np.tanh(a) if cell == "rnn-tanh" else np.maximum(a, 0.0)
        return h_new, {"x": x, "h": h, "a": a, "h_new": h_new}
    W_ir, W_iz, W_in = np.split(p["weight_ih"], 3)
    W_hr, W_hz, W_hn = np.split(p["weight_hh"], 3)
    b_ir, b_iz, b_in = np.split(b_ih, 3)
    b_hr, b_hz, b_hn = np.split(b_hh, 3)
    r = _sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = _sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    if cell == "gru-lbr":
        n = np.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
    else:
        n = np.tanh(x @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
    h_new = (1 - z) * n + z * h
    return h_new, {"x": x, "h": h, "r": r, "z": z, "n": n}


def textbook_step_backward(cell, dh_new, cache, p):
    """Chain rule through `textbook_step`: (dx, dh, {param: gradient})."""
    x, h = cache["x"], cache["h"]
    if cell.startswith("rnn"):
        if cell == "rnn-tanh":
            da = dh_new * (1 - cache["h_new"] ** 2)
        else:
            da = dh_new * (cache["a"] > 0)
        grads = {"weight_ih": da.T @ x, "weight_hh": da.T @ h}
        grads.update(bias_ih=da.sum(0), bias_hh=da.sum(0))
        return da @ p["weight_ih"], da @ p["weight_hh"], grads
    r, z, n = cache["r"], cache["z"], cache["n"]
    W_hr, W_hz, W_hn = np.split(p["weight_hh"], 3)
    _, b_hh = _biases(p)
    b_hn = np.split(b_hh, 3)[2]
    dn = dh_new * (1 - z)
    dz = dh_new * (h - n)
    dh = dh_new * z
    da_n = dn * (1 - n**2)
    da_z = dz * z * (1 - z)
    if cell == "gru-lbr":  # n = tanh(... + r * (W_hn h + b_hn))
        dr = da_n * (h @ W_hn.T + b_hn)
        dhn = da_n * r  # gradient of W_hn h + b_hn
        dW_hn = dhn.T @ h
        dh += dhn @ W_hn
    else:  # n = tanh(... + W_hn (r * h) + b_hn)
        dhn = da_n
        dW_hn = dhn.T @ (r * h)
        drh = dhn @ W_hn
        dr = drh * h
        dh += drh * r
    da_r = dr * r * (1 - r)
    dh += da_r @ W_hr + da_z @ W_hz
    da_x = np.concatenate([da_r, da_z, da_n], axis=1)
    grads = {
        "weight_ih": da_x.T @ x,
        "weight_hh": np.concatenate([da_r.T @ h, da_z.T @ h, dW_hn]),
        "bias_ih": da_x.sum(0),
        "bias_hh": np.concatenate([da_r.sum(0), da_z.sum(0), dhn.sum(0)]),
    }
    return da_x @ p["weight_ih"], dh, grads


@pytest.mark.parametrize("steps, bias", [(1, True), (5, True), (4, False)])
@pytest.mark.parametrize("cell", CELLS)
def test_layer_equals_textbook_equations_looped(cell, steps, bias):
    """steps=1: one step of the layer is the cell's equations; more: they, looped."""
    rng = np.random.default_rng(steps)
    model = make(cell, 3, 4, bias=bias, seed=1)
    params = _direction_params(model)
    x = rng.standard_normal((2, steps, 3))
    h0 = rng.standard_normal((1, 2, 4))
    y, h_n = model(x, h0)

    h, caches, outputs = h0[0], [], []
    for t in range(steps):
        h, cache = textbook_step(cell, x[:, t], h, params)
        outputs.append(h)
        caches.append(cache)
    np.testing.assert_allclose(y, np.stack(outputs, axis=1), rtol=0, atol=EXACT)
    np.testing.assert_allclose(h_n[0], h, rtol=0, atol=EXACT)

    dy = rng.standard_normal(y.shape)
    dh_n = rng.standard_normal(h_n.shape)
    model.zero_grad()
    dx, dh_0 = model.backward(dy, dh_n)
    dh = dh_n[0]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dx_steps = [None] * steps
    for t in reversed(range(steps)):
        dx_steps[t], dh, step_grads = textbook_step_backward(cell, dh + dy[:, t], caches[t], params)
        for k in grads:
            grads[k] += step_grads[k]
    np.testing.assert_allclose(dx, np.stack(dx_steps, axis=1), rtol=0, atol=EXACT)
    np.testing.assert_allclose(dh_0[0], dh, rtol=0, atol=EXACT)
    assert set(model.grads) == {k + "_l0" for k in grads}
    for k, g in grads.items():
        np.testing.assert_allclose(model.grads[k + "_l0"], g, rtol=0, atol=EXACT, err_msg=k)


# --------------------------------------------------------------------------------------------
# Batching, directions, stacking
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("cell", CELLS)
def test_padded_batch_equals_sequences_one_by_one(cell, batch_first):
    rng = np.random.default_rng(1)
    lengths = np.array([3, 6, 1, 6, 4])
    batch, steps = len(lengths), 6
    model = make(cell, 3, 4, num_layers=2, bidirectional=True, batch_first=batch_first, seed=2)
    x = rng.standard_normal((batch, steps, 3))
    h0 = rng.standard_normal((4, batch, 4))
    dy = rng.standard_normal((batch, steps, 8))
    dh_n = rng.standard_normal((4, batch, 4))

    def user(a):  # batch-first test arrays in the model's layout
        return a if batch_first else a.transpose(1, 0, 2)

    y, h_n = model(user(x), h0, lengths)
    y = user(y)
    model.zero_grad()
    dx, dh_0 = model.backward(user(dy), dh_n)
    dx = user(dx)
    batch_grads = {k: g.copy() for k, g in model.grads.items()}

    summed_grads = {k: np.zeros_like(g) for k, g in batch_grads.items()}
    for n, length in enumerate(lengths):
        one = slice(n, n + 1)
        y_n, h_nn = model(user(x[one, :length]), h0[:, one])
        np.testing.assert_allclose(y[one, :length], user(y_n), rtol=0, atol=EXACT)
        assert np.all(y[n, length:] == 0), "outputs past a sequence's length must be zero"
        np.testing.assert_allclose(h_n[:, one], h_nn, rtol=0, atol=EXACT)
        model.zero_grad()
        dx_n, dh0_n = model.backward(user(dy[one, :length]), dh_n[:, one])
        np.testing.assert_allclose(dx[one, :length], user(dx_n), rtol=0, atol=EXACT)
        assert np.all(dx[n, length:] == 0), "padding must get no gradient"
        np.testing.assert_allclose(dh_0[:, one], dh0_n, rtol=0, atol=EXACT)
        for k in summed_grads:
            summed_grads[k] += model.grads[k]
    for k, g in batch_grads.items():
        np.testing.assert_allclose(g, summed_grads[k], rtol=0, atol=EXACT, err_msg=k)


def _reverse_each(x, lengths):
    """Reverse each sequence's first lengths[n] steps by hand (batch-first)."""
    out = x.copy()
    for n, length in enumerate(lengths):
        out[n, :length] = x[n, :length][::-1]
    return out


@pytest.mark.parametrize("cell", CELLS)
def test_bidirectional_equals_forward_plus_flipped_backward(cell):
    rng = np.random.default_rng(2)
    lengths = np.array([5, 2, 4])
    bi = make(cell, 3, 4, bidirectional=True, seed=3)
    forward, backward = (make(cell, 3, 4, seed=s) for s in (4, 5))
    forward.load_state_dict({k + "_l0": v for k, v in _direction_params(bi).items()})
    backward.load_state_dict({k + "_l0": v for k, v in _direction_params(bi, reverse=True).items()})
    x = rng.standard_normal((3, 5, 3))
    h0 = rng.standard_normal((2, 3, 4))
    y, h_n = bi(x, h0, lengths=lengths)
    y_f, h_f = forward(x, h0[:1], lengths=lengths)
    y_b, h_b = backward(_reverse_each(x, lengths), h0[1:], lengths=lengths)
    np.testing.assert_allclose(
        y, np.concatenate([y_f, _reverse_each(y_b, lengths)], axis=2), rtol=0, atol=EXACT
    )
    np.testing.assert_allclose(h_n, np.concatenate([h_f, h_b]), rtol=0, atol=EXACT)
    # h_n of the reverse direction is its state after step 0, not y at the last step
    assert not np.allclose(h_n[1], y[np.arange(3), lengths - 1, 4:])
    np.testing.assert_allclose(h_n[1], y[:, 0, 4:], rtol=0, atol=EXACT)

    dy = rng.standard_normal(y.shape)
    dh_n = rng.standard_normal(h_n.shape)
    bi.zero_grad()
    dx, dh_0 = bi.backward(dy, dh_n)
    dx_f, dh0_f = forward.backward(dy[:, :, :4], dh_n[:1])
    dx_b, dh0_b = backward.backward(_reverse_each(dy[:, :, 4:], lengths), dh_n[1:])
    np.testing.assert_allclose(dx, dx_f + _reverse_each(dx_b, lengths), rtol=0, atol=EXACT)
    np.testing.assert_allclose(dh_0, np.concatenate([dh0_f, dh0_b]), rtol=0, atol=EXACT)
    for k, g in forward.grads.items():
        np.testing.assert_allclose(bi.grads[k], g, rtol=0, atol=EXACT, err_msg=k)
    for k, g in backward.grads.items():
        np.testing.assert_allclose(bi.grads[k + "_reverse"], g, rtol=0, atol=EXACT, err_msg=k)


@pytest.mark.parametrize("cell", CELLS)
def test_stacked_equals_composed_layers(cell):
    rng = np.random.default_rng(3)
    stacked = make(cell, 3, 4, num_layers=3, bidirectional=True, dropout=0.5, seed=6).eval()
    layers = [make(cell, 3 if k == 0 else 8, 4, bidirectional=True) for k in range(3)]
    state = stacked.state_dict()
    for k, layer in enumerate(layers):
        layer.load_state_dict(
            {
                name.replace(f"_l{k}", "_l0"): value
                for name, value in state.items()
                if f"_l{k}" in name
            }
        )
    x = rng.standard_normal((2, 4, 3))
    h0 = rng.standard_normal((6, 2, 4))
    y, h_n = stacked(x, h0)
    hs, out = [], x
    for k, layer in enumerate(layers):
        out, h = layer(out, h0[2 * k : 2 * k + 2])
        hs.append(h)
    np.testing.assert_allclose(y, out, rtol=0, atol=EXACT)
    np.testing.assert_allclose(h_n, np.concatenate(hs), rtol=0, atol=EXACT)

    dy = rng.standard_normal(y.shape)
    dh_n = rng.standard_normal(h_n.shape)
    stacked.zero_grad()
    dx, dh_0 = stacked.backward(dy, dh_n)
    d_out, dh0_parts = dy, []
    for k in reversed(range(3)):
        d_out, dh0_k = layers[k].backward(d_out, dh_n[2 * k : 2 * k + 2])
        dh0_parts.insert(0, dh0_k)
    np.testing.assert_allclose(dx, d_out, rtol=0, atol=EXACT)
    np.testing.assert_allclose(dh_0, np.concatenate(dh0_parts), rtol=0, atol=EXACT)
    for k, layer in enumerate(layers):
        for name, g in layer.grads.items():
            full = name.replace("_l0", f"_l{k}")
            np.testing.assert_allclose(stacked.grads[full], g, rtol=0, atol=EXACT, err_msg=full)


@pytest.mark.parametrize("cell", ["gru-lbr", "rnn-relu"])
def test_dropout_between_layers_in_training_only(cell):
    rng = np.random.default_rng(4)
    cls, kwargs = CELLS[cell]
    model = cls(3, 4, num_layers=2, dropout=0.5, seed=7, **kwargs)
    x = rng.standard_normal((2, 6, 3)).astype(np.float32)
    y_train_1, _ = model(x)
    y_train_2, _ = model(x)
    assert not np.allclose(y_train_1, y_train_2), "training mode must draw new masks"
    model.eval()
    y_eval_1, _ = model(x)
    np.testing.assert_array_equal(model(x)[0], y_eval_1)
    model.dropout = 0.0
    model.train()
    np.testing.assert_array_equal(model(x)[0], y_eval_1)


# --------------------------------------------------------------------------------------------
# Golden values: one unit, worked out by hand
# --------------------------------------------------------------------------------------------


def _sig(a):
    return 1.0 / (1.0 + math.exp(-a))


def _load(model, **arrays):
    model.load_state_dict({k: np.array(v, dtype=np.float64) for k, v in arrays.items()})


GOLDEN_TOL = {"rtol": 1e-13, "atol": 1e-15}

# GRU, I = H = 1, rows r, z, n:
#   weight_ih = [0.5, -0.5, 1.0], weight_hh = [0.25, 0.5, -1.0],
#   bias_ih = [0, 0.25, -0.5], bias_hh = [0.5, 0, 0.75]; h_0 = 0.5, x = (1, -2).
GRU_GOLDEN = {
    "weight_ih_l0": [[0.5], [-0.5], [1.0]],
    "weight_hh_l0": [[0.25], [0.5], [-1.0]],
    "bias_ih_l0": [0.0, 0.25, -0.5],
    "bias_hh_l0": [0.5, 0.0, 0.75],
}


@pytest.mark.parametrize("linear_before_reset", [True, False])
def test_gru_golden_values(linear_before_reset):
    model = GRU(1, 1, linear_before_reset=linear_before_reset, dtype="float64")
    _load(model, **GRU_GOLDEN)
    # step 1, x = 1, h = 0.5:
    #   a_r = 0.5 + 0 + 0.25*0.5 + 0.5 = 1.125;  a_z = -0.5 + 0.25 + 0.5*0.5 + 0 = 0, z = 1/2
    #   linear_before_reset: a_n = 1 - 0.5 + r*(-1*0.5 + 0.75) = 0.5 + 0.25 r
    #   otherwise:           a_n = 1 - 0.5 + (-1)*(r*0.5) + 0.75 = 1.25 - 0.5 r
    r1, z1 = _sig(1.125), 0.5
    n1 = math.tanh(0.5 + 0.25 * r1) if linear_before_reset else math.tanh(1.25 - 0.5 * r1)
    h1 = (1 - z1) * n1 + z1 * 0.5
    # step 2, x = -2, h = h1:
    #   a_r = -1 + 0 + 0.25 h1 + 0.5;  a_z = 1 + 0.25 + 0.5 h1
    #   linear_before_reset: a_n = -2 - 0.5 + r*(-h1 + 0.75);  otherwise: -2.5 - r h1 + 0.75
    r2, z2 = _sig(-0.5 + 0.25 * h1), _sig(1.25 + 0.5 * h1)
    if linear_before_reset:
        n2 = math.tanh(-2.5 + r2 * (0.75 - h1))
    else:
        n2 = math.tanh(-1.75 - r2 * h1)
    h2 = (1 - z2) * n2 + z2 * h1
    y, h_n = model(np.array([[[1.0], [-2.0]]]), np.array([[[0.5]]]))
    np.testing.assert_allclose(y, [[[h1], [h2]]], **GOLDEN_TOL)
    np.testing.assert_allclose(h_n, [[[h2]]], **GOLDEN_TOL)

    # Gradients of L = h_1 after the first step alone (dy = 0, dh_n = 1):
    #   dL/da_n = (1 - z)(1 - n^2), dL/da_z = (h - n) z (1 - z);
    #   dL/dr = dL/da_n * (W_hn h + b_hn) = 0.25 dL/da_n    (linear_before_reset)
    #         = dL/da_n * W_hn h = -0.5 dL/da_n              (otherwise)
    da_n = 0.5 * (1 - n1**2)
    da_z = (0.5 - n1) * 0.25
    da_r = (0.25 if linear_before_reset else -0.5) * da_n * r1 * (1 - r1)
    y1, _ = model(np.array([[[1.0]]]), np.array([[[0.5]]]))  # the first step alone
    np.testing.assert_allclose(y1, [[[h1]]], **GOLDEN_TOL)
    model.zero_grad()
    dx, dh_0 = model.backward(np.zeros((1, 1, 1)), np.ones((1, 1, 1)))
    np.testing.assert_allclose(dx, [[[0.5 * da_r - 0.5 * da_z + da_n]]], **GOLDEN_TOL)
    # dh_0 = z + W_hr da_r + W_hz da_z + (the n path: W_hn r da_n in both variants)
    np.testing.assert_allclose(dh_0, [[[0.5 + 0.25 * da_r + 0.5 * da_z - r1 * da_n]]], **GOLDEN_TOL)
    grads = model.grads
    np.testing.assert_allclose(grads["weight_ih_l0"], [[da_r], [da_z], [da_n]], **GOLDEN_TOL)
    np.testing.assert_allclose(
        grads["weight_hh_l0"], [[0.5 * da_r], [0.5 * da_z], [0.5 * r1 * da_n]], **GOLDEN_TOL
    )
    np.testing.assert_allclose(grads["bias_ih_l0"], [da_r, da_z, da_n], **GOLDEN_TOL)
    b_hn_grad = r1 * da_n if linear_before_reset else da_n
    np.testing.assert_allclose(grads["bias_hh_l0"], [da_r, da_z, b_hn_grad], **GOLDEN_TOL)


# RNN, I = H = 1: weight_ih = 0.5, weight_hh = -1, bias_ih = bias_hh = 0.25; h_0 = 0.5.
RNN_GOLDEN = {
    "weight_ih_l0": [[0.5]],
    "weight_hh_l0": [[-1.0]],
    "bias_ih_l0": [0.25],
    "bias_hh_l0": [0.25],
}


def test_rnn_tanh_golden_values():
    model = RNN(1, 1, nonlinearity="tanh", dtype="float64")
    _load(model, **RNN_GOLDEN)
    # x = (1, -2): a_1 = 0.5 + 0.25 - 0.5 + 0.25 = 0.5;  a_2 = -1 + 0.5 - h_1 = -0.5 - h_1
    h1 = math.tanh(0.5)
    h2 = math.tanh(-0.5 - h1)
    y, h_n = model(np.array([[[1.0], [-2.0]]]), np.array([[[0.5]]]))
    np.testing.assert_allclose(y, [[[h1], [h2]]], **GOLDEN_TOL)
    np.testing.assert_allclose(h_n, [[[h2]]], **GOLDEN_TOL)
    # L = h_2 (dy = 0, dh_n = 1): da_2 = 1 - h_2^2, dh_1 = -da_2, da_1 = dh_1 (1 - h_1^2)
    da2 = 1 - h2**2
    da1 = -da2 * (1 - h1**2)
    model.zero_grad()
    dx, dh_0 = model.backward(np.zeros((1, 2, 1)), np.ones((1, 1, 1)))
    np.testing.assert_allclose(dx, [[[0.5 * da1], [0.5 * da2]]], **GOLDEN_TOL)
    np.testing.assert_allclose(dh_0, [[[-da1]]], **GOLDEN_TOL)
    np.testing.assert_allclose(model.grads["weight_ih_l0"], [[da1 - 2 * da2]], **GOLDEN_TOL)
    np.testing.assert_allclose(model.grads["weight_hh_l0"], [[0.5 * da1 + h1 * da2]], **GOLDEN_TOL)
    for name in ("bias_ih_l0", "bias_hh_l0"):
        np.testing.assert_allclose(model.grads[name], [da1 + da2], **GOLDEN_TOL)


def test_rnn_relu_golden_values():
    model = RNN(1, 1, nonlinearity="relu", dtype="float64")
    _load(model, **RNN_GOLDEN)
    # x = (1, -2, 3): a_1 = 0.5 -> h_1 = 0.5;  a_2 = -1 + 0.5 - 0.5 = -1 -> h_2 = 0;
    # a_3 = 1.5 + 0.5 - 0 = 2 -> h_3 = 2 (all exact in binary)
    y, h_n = model(np.array([[[1.0], [-2.0], [3.0]]]), np.array([[[0.5]]]))
    np.testing.assert_array_equal(y, [[[0.5], [0.0], [2.0]]])
    np.testing.assert_array_equal(h_n, [[[2.0]]])
    # L = h_1 + h_2 + h_3 (dy = 1, no dstate): da_3 = 1; dh_2 = 1 + (-1)(1) = 0 and a_2 < 0, so
    # da_2 = 0; dh_1 = 1, da_1 = 1; dh_0 = -1; dx = 0.5 da = (0.5, 0, 0.5);
    # dW_ih = sum da_t x_t = 1 + 3 = 4; dW_hh = sum da_t h_(t-1) = 0.5 + 0 + 0 = 0.5; db = 2.
    model.zero_grad()
    dx, dh_0 = model.backward(np.ones((1, 3, 1)))
    np.testing.assert_array_equal(dx, [[[0.5], [0.0], [0.5]]])
    np.testing.assert_array_equal(dh_0, [[[-1.0]]])
    np.testing.assert_array_equal(model.grads["weight_ih_l0"], [[4.0]])
    np.testing.assert_array_equal(model.grads["weight_hh_l0"], [[0.5]])
    np.testing.assert_array_equal(model.grads["bias_ih_l0"], [2.0])
    np.testing.assert_array_equal(model.grads["bias_hh_l0"], [2.0])


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cell", ["gru-lbr", "gru-nolbr", "rnn-tanh"])
def test_backward_leaves_dy_and_the_forward_record_intact(cell, dtype, bidirectional):
    """The scans write per-step gradients over the backward pass's own copy of dy (and the
    RNN its input projections over h): the caller's dy must be untouched, a second backward
    of the same forward must give the same gradients, and values of dy past each length must
    count for nothing. float32 runs the fused kernels (when numba is installed)."""
    rng = np.random.default_rng(7)
    lengths = np.array([5, 2, 7, 1])
    batch, steps, width = len(lengths), 7, 2 * 6 if bidirectional else 6
    cls, cell_kwargs = CELLS[cell]
    model = cls(3, 6, bidirectional=bidirectional, dtype=dtype, seed=3, **cell_kwargs)
    x = rng.standard_normal((batch, steps, 3)).astype(dtype)
    dy = rng.standard_normal((batch, steps, width)).astype(dtype)
    dy_zeroed = dy.copy()
    for n, length in enumerate(lengths):
        dy_zeroed[n, length:] = 0
    given = dy.copy()

    y, _ = model(x, lengths=lengths)
    for n, length in enumerate(lengths):
        assert np.all(y[n, length:] == 0), "outputs past a sequence's length must be zero"
    results = []
    for gradient in (dy, dy, dy_zeroed):
        model.zero_grad()
        dx, dh_0 = model.backward(gradient)
        results.append((dx, dh_0, {k: g.copy() for k, g in model.grads.items()}))
    np.testing.assert_array_equal(dy, given, err_msg="backward changed the caller's dy")
    for dx, dh_0, grads in results[1:]:
        np.testing.assert_array_equal(dx, results[0][0])
        np.testing.assert_array_equal(dh_0, results[0][1])
        for k, g in grads.items():
            np.testing.assert_array_equal(g, results[0][2][k], err_msg=k)
