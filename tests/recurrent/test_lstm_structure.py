"""Structural identities: the layer is its cell looped; a padded batch is its sequences one by
one; bidirectional is forward plus a flipped backward; stacked is composed layers."""

import numpy as np
import pytest

from lstmkit import LSTM
from lstmkit.cells import lstm_step, lstm_step_backward

EXACT = 1e-12  # float64, same operations in a different order


def _direction_params(model, layer=0, reverse=False):
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    return {k.removesuffix(suffix): v for k, v in model.params.items() if k.endswith(suffix)}


@pytest.mark.parametrize("proj, peepholes", [(0, False), (2, True)])
def test_layer_equals_cell_looped_by_hand(proj, peepholes):
    rng = np.random.default_rng(0)
    model = LSTM(3, 4, proj_size=proj, peepholes=peepholes, dtype="float64", seed=1)
    params = _direction_params(model)
    x = rng.standard_normal((2, 5, 3))
    h0, c0 = rng.standard_normal((1, 2, proj or 4)), rng.standard_normal((1, 2, 4))
    y, (h_n, c_n) = model(x, (h0, c0))

    h, c, caches, outputs = h0[0], c0[0], [], []
    for t in range(5):
        h, c, cache = lstm_step(x[:, t], h, c, params)
        outputs.append(h)
        caches.append(cache)
    np.testing.assert_allclose(y, np.stack(outputs, axis=1), rtol=0, atol=EXACT)
    np.testing.assert_allclose(h_n[0], h, rtol=0, atol=EXACT)
    np.testing.assert_allclose(c_n[0], c, rtol=0, atol=EXACT)

    # Backward: the layer's BPTT equals the step's backward walked in reverse by hand.
    dy = rng.standard_normal(y.shape)
    dh_n, dc_n = rng.standard_normal(h_n.shape), rng.standard_normal(c_n.shape)
    model.zero_grad()
    dx, (dh_0, dc_0) = model.backward(dy, (dh_n, dc_n))
    dh, dc = dh_n[0], dc_n[0]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dx_steps = [None] * 5
    for t in reversed(range(5)):
        dx_steps[t], dh, dc, step_grads = lstm_step_backward(dh + dy[:, t], dc, caches[t], params)
        for k in grads:
            grads[k] += step_grads[k]
    np.testing.assert_allclose(dx, np.stack(dx_steps, axis=1), rtol=0, atol=EXACT)
    np.testing.assert_allclose(dh_0[0], dh, rtol=0, atol=EXACT)
    np.testing.assert_allclose(dc_0[0], dc, rtol=0, atol=EXACT)
    for k, g in grads.items():
        np.testing.assert_allclose(model.grads[k + "_l0"], g, rtol=0, atol=EXACT, err_msg=k)


@pytest.mark.parametrize("batch_first", [True, False])
def test_padded_batch_equals_sequences_one_by_one(batch_first):
    rng = np.random.default_rng(1)
    lengths = np.array([3, 6, 1, 6, 4])
    batch, steps = len(lengths), 6
    model = LSTM(
        3,
        4,
        num_layers=2,
        bidirectional=True,
        proj_size=3,
        peepholes=True,
        batch_first=batch_first,
        dtype="float64",
        seed=2,
    )
    x = rng.standard_normal((batch, steps, 3))
    h0, c0 = rng.standard_normal((4, batch, 3)), rng.standard_normal((4, batch, 4))
    dy = rng.standard_normal((batch, steps, 6))
    dh_n, dc_n = rng.standard_normal((4, batch, 3)), rng.standard_normal((4, batch, 4))

    def user(a):  # batch-first test arrays in the model's layout
        return a if batch_first else a.transpose(1, 0, 2)

    y, (h_n, c_n) = model(user(x), (h0, c0), lengths)
    y = user(y)
    model.zero_grad()
    dx, (dh_0, dc_0) = model.backward(user(dy), (dh_n, dc_n))
    dx = user(dx)
    batch_grads = {k: g.copy() for k, g in model.grads.items()}

    summed_grads = {k: np.zeros_like(g) for k, g in batch_grads.items()}
    for n, length in enumerate(lengths):
        one = slice(n, n + 1)
        y_n, (h_nn, c_nn) = model(user(x[one, :length]), (h0[:, one], c0[:, one]))
        np.testing.assert_allclose(y[one, :length], user(y_n), rtol=0, atol=EXACT)
        assert np.all(y[n, length:] == 0), "outputs past a sequence's length must be zero"
        np.testing.assert_allclose(h_n[:, one], h_nn, rtol=0, atol=EXACT)
        np.testing.assert_allclose(c_n[:, one], c_nn, rtol=0, atol=EXACT)
        model.zero_grad()
        dx_n, (dh0_n, dc0_n) = model.backward(user(dy[one, :length]), (dh_n[:, one], dc_n[:, one]))
        np.testing.assert_allclose(dx[one, :length], user(dx_n), rtol=0, atol=EXACT)
        assert np.all(dx[n, length:] == 0), "padding must get no gradient"
        np.testing.assert_allclose(dh_0[:, one], dh0_n, rtol=0, atol=EXACT)
        np.testing.assert_allclose(dc_0[:, one], dc0_n, rtol=0, atol=EXACT)
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


def test_bidirectional_equals_forward_plus_flipped_backward():
    rng = np.random.default_rng(2)
    lengths = np.array([5, 2, 4])
    bi = LSTM(3, 4, bidirectional=True, dtype="float64", seed=3)
    forward, backward = (LSTM(3, 4, dtype="float64", seed=s) for s in (4, 5))
    forward.load_state_dict({k + "_l0": v for k, v in _direction_params(bi).items()})
    backward.load_state_dict({k + "_l0": v for k, v in _direction_params(bi, reverse=True).items()})
    x = rng.standard_normal((3, 5, 3))
    y, (h_n, c_n) = bi(x, lengths=lengths)
    y_f, (h_f, c_f) = forward(x, lengths=lengths)
    y_b, (h_b, c_b) = backward(_reverse_each(x, lengths), lengths=lengths)
    np.testing.assert_allclose(
        y, np.concatenate([y_f, _reverse_each(y_b, lengths)], axis=2), rtol=0, atol=EXACT
    )
    np.testing.assert_allclose(h_n, np.concatenate([h_f, h_b]), rtol=0, atol=EXACT)
    np.testing.assert_allclose(c_n, np.concatenate([c_f, c_b]), rtol=0, atol=EXACT)
    # h_n of the reverse direction is its state after step 0, not y at the last step
    assert not np.allclose(h_n[1], y[np.arange(3), lengths - 1, 4:])
    np.testing.assert_allclose(h_n[1], y[:, 0, 4:], rtol=0, atol=EXACT)

    dy = rng.standard_normal(y.shape)
    bi.zero_grad()
    dx, _ = bi.backward(dy)
    dx_f, _ = forward.backward(dy[:, :, :4])
    dx_b, _ = backward.backward(_reverse_each(dy[:, :, 4:], lengths))
    np.testing.assert_allclose(dx, dx_f + _reverse_each(dx_b, lengths), rtol=0, atol=EXACT)
    for k, g in backward.grads.items():
        np.testing.assert_allclose(bi.grads[k + "_reverse"], g, rtol=0, atol=EXACT)


def test_stacked_equals_composed_layers():
    rng = np.random.default_rng(3)
    stacked = LSTM(3, 4, num_layers=2, proj_size=2, dropout=0.5, dtype="float64", seed=6).eval()
    first, second = (
        LSTM(3, 4, proj_size=2, dtype="float64"),
        LSTM(2, 4, proj_size=2, dtype="float64"),
    )
    first.load_state_dict({k: v for k, v in stacked.state_dict().items() if k.endswith("_l0")})
    second.load_state_dict(
        {k.replace("_l1", "_l0"): v for k, v in stacked.state_dict().items() if k.endswith("_l1")}
    )
    x = rng.standard_normal((2, 4, 3))
    y, (h_n, c_n) = stacked(x)
    y1, (h1, c1) = first(x)
    y2, (h2, c2) = second(y1)
    np.testing.assert_allclose(y, y2, rtol=0, atol=EXACT)
    np.testing.assert_allclose(h_n, np.concatenate([h1, h2]), rtol=0, atol=EXACT)
    np.testing.assert_allclose(c_n, np.concatenate([c1, c2]), rtol=0, atol=EXACT)

    dy = rng.standard_normal(y.shape)
    dx, _ = stacked.backward(dy)
    dy1, _ = second.backward(dy)
    dx1, _ = first.backward(dy1)
    np.testing.assert_allclose(dx, dx1, rtol=0, atol=EXACT)


def test_dropout_between_layers_in_training_only():
    rng = np.random.default_rng(4)
    model = LSTM(3, 4, num_layers=2, dropout=0.5, seed=7)
    x = rng.standard_normal((2, 6, 3)).astype(np.float32)
    y_train_1, _ = model(x)
    y_train_2, _ = model(x)
    assert not np.allclose(y_train_1, y_train_2), "training mode must draw new masks"
    model.eval()
    y_eval_1, _ = model(x)
    y_eval_2, _ = model(x)
    np.testing.assert_array_equal(y_eval_1, y_eval_2)
    model.dropout = 0.0
    model.train()
    np.testing.assert_array_equal(model(x)[0], y_eval_1)
