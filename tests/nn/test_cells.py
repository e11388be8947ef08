"""LSTMCell, GRUCell, RNNCell: finite differences, parity with torch's cells, the layer's step.

Each cell runs a short sequence by hand (forward per step, then backward per step, newest
first) under the loss sum_t sum(h_t * W_t) (+ sum(c_T * V) for the LSTM), so the gradients
flow through the recurrence as a decoder's do.
"""

import numpy as np
import pytest

from lstmkit import GRU, LSTM, RNN
from lstmkit.errors import NoForwardPassError
from lstmkit.nn import GRUCell, LSTMCell, RNNCell
from lstmkit.testing import numerical_gradient, relative_error

# name -> (constructor, torch class name, matching layer, extra kwargs)
CELLS = {
    "lstm": (LSTMCell, "LSTMCell", LSTM, {}),
    "gru": (GRUCell, "GRUCell", GRU, {}),
    "rnn_tanh": (RNNCell, "RNNCell", RNN, {"nonlinearity": "tanh"}),
    "rnn_relu": (RNNCell, "RNNCell", RNN, {"nonlinearity": "relu"}),
}
N, T, I, H = 3, 4, 5, 6  # noqa: E741


def make(name, bias=True, dtype="float64", seed=0):
    cls, _, _, extra = CELLS[name]
    return cls(I, H, bias=bias, dtype=dtype, seed=seed, **extra)


def is_lstm(cell) -> bool:
    return isinstance(cell, LSTMCell)


def sequence_data(seed=1):
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((T, N, I)),
        "h0": rng.standard_normal((N, H)),
        "c0": rng.standard_normal((N, H)),
        "w": rng.standard_normal((T, N, H)),
        "v": rng.standard_normal((N, H)),
    }


def initial_state(cell, data):
    return (data["h0"], data["c0"]) if is_lstm(cell) else data["h0"]


def run_forward(cell, data):
    """(loss, [h_t]) of the sequence; records every step on the cell's tape."""
    state, loss, hs = initial_state(cell, data), 0.0, []
    for t in range(T):
        state = cell(data["x"][t], state)
        h = state[0] if is_lstm(cell) else state
        loss += float(np.sum(h * data["w"][t]))
        hs.append(h)
    if is_lstm(cell):
        loss += float(np.sum(state[1] * data["v"]))
    return loss, hs


def run_backward(cell, data):
    """(dx (T, N, I), dstate_0) by popping the tape, newest step first."""
    dx = np.zeros((T, N, I))
    dh_next = np.zeros((N, H))
    dc_next = data["v"]
    for t in range(T - 1, -1, -1):
        dh = data["w"][t] + dh_next
        if is_lstm(cell):
            dx[t], (dh_next, dc_next) = cell.backward((dh, dc_next))
        else:
            dx[t], dh_next = cell.backward(dh)
    return dx, ((dh_next, dc_next) if is_lstm(cell) else dh_next)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("name", list(CELLS))
def test_gradients_match_finite_differences(name, bias):
    cell, data = make(name, bias), sequence_data()
    cell.zero_grad()
    run_forward(cell, data)
    dx, dstate0 = run_backward(cell, data)

    def loss():
        cell.clear()
        return run_forward(cell, data)[0]

    assert relative_error(dx, numerical_gradient(loss, data["x"])) < 1e-6
    dh0 = dstate0[0] if is_lstm(cell) else dstate0
    assert relative_error(dh0, numerical_gradient(loss, data["h0"])) < 1e-6
    if is_lstm(cell):
        assert relative_error(dstate0[1], numerical_gradient(loss, data["c0"])) < 1e-6
    for key, value in cell.params.items():
        assert relative_error(cell.grads[key], numerical_gradient(loss, value)) < 1e-6, key


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("name", list(CELLS))
def test_parity_with_torch_cells(torch, name, bias):
    cell, data = make(name, bias), sequence_data(2)
    _, torch_name, _, extra = CELLS[name]
    twin = getattr(torch.nn, torch_name)(I, H, bias=bias, dtype=torch.float64, **extra)
    with torch.no_grad():
        for key, parameter in twin.named_parameters():
            parameter.copy_(torch.from_numpy(cell.params[key]))
    xs = [torch.tensor(x, requires_grad=True) for x in data["x"]]
    h0 = torch.tensor(data["h0"], requires_grad=True)
    c0 = torch.tensor(data["c0"], requires_grad=True)
    state, loss = ((h0, c0) if is_lstm(cell) else h0), 0.0
    torch_hs = []
    for t in range(T):
        state = twin(xs[t], state)
        h = state[0] if is_lstm(cell) else state
        loss = loss + (h * torch.from_numpy(data["w"][t])).sum()
        torch_hs.append(h)
    if is_lstm(cell):
        loss = loss + (state[1] * torch.from_numpy(data["v"])).sum()
    loss.backward()

    _, hs = run_forward(cell, data)
    dx, dstate0 = run_backward(cell, data)
    for ours, theirs in zip(hs, torch_hs, strict=True):
        assert relative_error(ours, theirs.detach().numpy()) < 1e-10
    assert relative_error(dx, np.stack([x.grad.numpy() for x in xs])) < 1e-10
    dh0 = dstate0[0] if is_lstm(cell) else dstate0
    assert relative_error(dh0, h0.grad.numpy()) < 1e-10
    if is_lstm(cell):
        assert relative_error(dstate0[1], c0.grad.numpy()) < 1e-10
    theirs = dict(twin.named_parameters())
    assert set(theirs) == set(cell.grads)
    for key, grad in cell.grads.items():
        assert relative_error(grad, theirs[key].grad.numpy()) < 1e-10, key


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CELLS))
def test_stepping_the_cell_equals_the_layer(name, dtype):
    """The cell over a sequence gives the layer's y, final state, dx, dstate_0 and gradients."""
    cls, _, layer_cls, extra = CELLS[name]
    layer = layer_cls(I, H, batch_first=False, dtype=dtype, seed=3, **extra)
    cell = cls(I, H, dtype=dtype, seed=4, **extra)
    cell.load_state_dict({k: layer.params[k + "_l0"] for k in cell.params})
    data = sequence_data(5)
    x = data["x"].astype(dtype)
    state0 = tuple(s.astype(dtype) for s in (data["h0"], data["c0"]))
    state0 = state0 if is_lstm(cell) else state0[0]
    stacked0 = tuple(s[None] for s in state0) if is_lstm(cell) else state0[None]
    y, final = layer.forward(x, stacked0)
    dy = data["w"].astype(dtype)
    dx_layer, dstate_layer = layer.backward(dy)

    state, ys = state0, []
    for t in range(T):
        state = cell(x[t], state)
        ys.append(state[0] if is_lstm(cell) else state)
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    assert relative_error(np.stack(ys), y) < tolerance
    finals = state if is_lstm(cell) else (state,)
    for ours, theirs in zip(finals, final if is_lstm(cell) else (final,), strict=True):
        assert relative_error(ours, theirs[0]) < tolerance

    dx = np.zeros_like(x)
    dstate = (np.zeros((N, H), dtype), None) if is_lstm(cell) else np.zeros((N, H), dtype)
    for t in range(T - 1, -1, -1):
        if is_lstm(cell):
            dx[t], dstate = cell.backward((dy[t] + dstate[0], dstate[1]))
        else:
            dx[t], dstate = cell.backward(dy[t] + dstate)
    assert relative_error(dx, dx_layer) < tolerance
    for ours, theirs in zip(
        dstate if is_lstm(cell) else (dstate,),
        dstate_layer if is_lstm(cell) else (dstate_layer,),
        strict=True,
    ):
        assert relative_error(ours, theirs[0]) < tolerance
    for key, grad in cell.grads.items():
        assert relative_error(grad, layer.grads[key + "_l0"]) < tolerance, key


@pytest.mark.parametrize("name", list(CELLS))
def test_step_and_step_backward_keep_nothing_and_agree_with_the_tape(name):
    cell, data = make(name), sequence_data(6)
    state = (data["h0"], data["c0"]) if is_lstm(cell) else (data["h0"],)
    new, cache = cell.step(data["x"][0], state)
    assert isinstance(new, tuple) and len(new) == len(state)
    assert cell._tape == []
    dnew = tuple(np.ones_like(s) for s in new)
    dx, dprevious = cell.step_backward(cache, dnew)
    grads = {k: v.copy() for k, v in cell.grads.items()}

    cell.zero_grad()
    cell(data["x"][0], state if is_lstm(cell) else state[0])
    dx2, dprevious2 = cell.backward(dnew if is_lstm(cell) else dnew[0])
    np.testing.assert_array_equal(dx, dx2)
    for a, b in zip(dprevious, dprevious2 if is_lstm(cell) else (dprevious2,), strict=True):
        np.testing.assert_array_equal(a, b)
    for key, grad in cell.grads.items():
        np.testing.assert_array_equal(grad, grads[key])


@pytest.mark.parametrize("name", list(CELLS))
def test_initialisation_is_torchs_and_draws_as_the_layer(name):
    cls, _, layer_cls, extra = CELLS[name]
    cell = cls(I, H, seed=7, **extra)
    layer = layer_cls(I, H, seed=7, **extra)
    rows = {"lstm": 4, "gru": 3}.get(name, 1) * H
    expected = {"weight_ih": (rows, I), "weight_hh": (rows, H), "bias_ih": (rows,)}
    expected["bias_hh"] = (rows,)
    assert {k: v.shape for k, v in cell.params.items()} == expected
    assert list(cell.params) == list(cell.grads) == list(cell.state_dict())
    bound = 1 / np.sqrt(H)
    for key, value in cell.params.items():
        assert value.dtype == np.float32
        assert np.abs(value).max() <= bound
        # same generator, same draw order: the layer's first layer is the same numbers
        np.testing.assert_array_equal(value, layer.params[key + "_l0"])
    other = cls(I, H, seed=8, **extra)
    assert not np.array_equal(other.params["weight_ih"], cell.params["weight_ih"])
    assert "bias_ih" not in cls(I, H, bias=False, **extra).params


def test_no_tape_in_evaluation_mode_and_backward_needs_a_forward():
    cell = make("gru").eval()
    cell(np.ones((2, I)))
    with pytest.raises(NoForwardPassError, match="GRUCell.backward has no recorded step"):
        cell.backward(np.ones((2, H)))
    cell.train()
    cell(np.ones((2, I)))
    cell.backward(np.ones((2, H)))
    with pytest.raises(NoForwardPassError):
        cell.backward(np.ones((2, H)))


def test_a_zero_state_is_the_default():
    cell, x = make("lstm"), np.random.default_rng(0).standard_normal((2, I))
    h, c = cell(x)
    h2, c2 = cell(x, (np.zeros((2, H)), np.zeros((2, H))))
    np.testing.assert_array_equal(h, h2)
    np.testing.assert_array_equal(c, c2)


def test_errors_name_the_argument():
    cell = make("lstm")
    with pytest.raises(ValueError, match=r"x must have shape \(N, 5\); got \(2, 4\)"):
        cell(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 5\); got \(5,\)"):
        cell(np.ones(5))
    with pytest.raises(ValueError, match=r"state\[1\] \(c\) must have shape \(2, 6\)"):
        cell(np.ones((2, I)), (np.ones((2, H)), np.ones((3, H))))
    with pytest.raises(TypeError, match=r"state must be a tuple \(h, c\)"):
        cell(np.ones((2, I)), np.ones((2, H)))
    cell(np.ones((2, I)))
    with pytest.raises(ValueError, match=r"dstate\[0\] \(dh\) must have shape \(2, 6\)"):
        cell.backward((np.ones((2, 5)), None))
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'; got 'sigmoid'"):
        RNNCell(I, H, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size"):
        GRUCell(I, 0)


def test_state_dict_round_trip_and_config():
    cell = make("rnn_relu")
    other = RNNCell(**cell.get_config())
    other.load_state_dict(cell.state_dict())
    x = np.ones((2, I))
    np.testing.assert_array_equal(cell.eval()(x), other.eval()(x))
    assert cell.get_config()["nonlinearity"] == "relu"
