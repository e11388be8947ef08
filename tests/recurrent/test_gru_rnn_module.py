"""GRU and RNN as modules: parameter layout, seeds, dtypes, state dicts, gradients, bad input."""

import numpy as np
import pytest

from lstmkit import GRU, LSTM, RNN
from lstmkit.errors import NoForwardPassError

CELLS = {
    "gru-lbr": (GRU, {"linear_before_reset": True}),
    "gru-nolbr": (GRU, {"linear_before_reset": False}),
    "rnn-tanh": (RNN, {"nonlinearity": "tanh"}),
    "rnn-relu": (RNN, {"nonlinearity": "relu"}),
}


def make(cell, *args, **kwargs):
    cls, cell_kwargs = CELLS[cell]
    return cls(*args, **cell_kwargs, **kwargs)


def _x(*shape):
    return np.zeros(shape, dtype=np.float32)


# --------------------------------------------------------------------------------------------
# Layout, initialisation, seeds, dtypes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
def test_parameter_keys_and_shapes_follow_torch_layout(cell):
    """torch.nn.GRU / torch.nn.RNN layout, written out by hand (no torch needed)."""
    rows = 18 if cell.startswith("gru") else 6  # 3H for the GRU (r, z, n), H for the RNN
    m = make(cell, 5, 6, num_layers=3, bidirectional=True)
    expected = {}
    for k, inputs in ((0, 5), (1, 12), (2, 12)):
        for suffix in (f"_l{k}", f"_l{k}_reverse"):
            expected.update(
                {
                    "weight_ih" + suffix: (rows, inputs),
                    "weight_hh" + suffix: (rows, 6),
                    "bias_ih" + suffix: (rows,),
                    "bias_hh" + suffix: (rows,),
                }
            )
    assert list(m.params) == list(expected)
    assert {k: v.shape for k, v in m.params.items()} == expected
    assert list(m.grads) == list(m.params)
    assert {k: v.shape for k, v in m.grads.items()} == expected
    assert list(m.state_dict()) == list(expected)

    no_bias = make(cell, 2, 3, num_layers=2, bias=False)
    rows = 9 if cell.startswith("gru") else 3
    assert {k: v.shape for k, v in no_bias.params.items()} == {
        "weight_ih_l0": (rows, 2),
        "weight_hh_l0": (rows, 3),
        "weight_ih_l1": (rows, 3),
        "weight_hh_l1": (rows, 3),
    }


@pytest.mark.parametrize("cls", [GRU, RNN])
def test_same_seed_same_model_bit_for_bit(cls):
    a, b = cls(4, 5, num_layers=2, seed=42), cls(4, 5, num_layers=2, seed=42)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    c = cls(4, 5, num_layers=2, seed=43)
    assert not np.array_equal(a.params["weight_ih_l0"], c.params["weight_ih_l0"])
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    np.testing.assert_array_equal(a(x)[0], b(x)[0])
    rng = np.random.default_rng(9)
    d = cls(4, 5, seed=rng)  # a Generator is used as given
    assert not np.array_equal(d.params["weight_ih_l0"], cls(4, 5, seed=rng).params["weight_ih_l0"])


def test_cell_options_change_the_function_not_the_parameters():
    """Same seed: the same parameters whatever the cell option; the outputs differ."""
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    lbr, nolbr = (GRU(4, 5, linear_before_reset=v, dtype="float64", seed=3) for v in (True, False))
    tanh, relu = (RNN(4, 5, nonlinearity=v, dtype="float64", seed=3) for v in ("tanh", "relu"))
    for a, b in ((lbr, nolbr), (tanh, relu)):
        for k in a.params:
            np.testing.assert_array_equal(a.params[k], b.params[k])
        assert not np.allclose(a(x)[0], b(x)[0])
    assert np.all(relu(x)[0] >= 0)
    assert np.all(np.abs(tanh(x)[0]) < 1)


@pytest.mark.parametrize("cell", CELLS)
def test_initialisation_bounds(cell):
    hidden = 25
    m = make(cell, 3, hidden, num_layers=2, dtype="float64", seed=0)
    bound = 1 / np.sqrt(hidden)
    for k, v in m.params.items():
        assert np.all(np.abs(v) <= bound), k
        assert np.abs(v).max() > 0.8 * bound, f"{k} does not look U(-1/sqrt(H), 1/sqrt(H))"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cell", CELLS)
def test_dtype_throughout(cell, dtype):
    m = make(cell, 3, 4, num_layers=2, bidirectional=True, dtype=dtype)
    x = np.ones((2, 3, 3))  # float64 input is cast to the layer's dtype
    y, h = m(x, np.ones((4, 2, 4)), lengths=[3, 1])
    dx, dh = m.backward(np.ones_like(y), np.ones_like(h))
    for array in (y, h, dx, dh, *m.params.values(), *m.grads.values()):
        assert array.dtype == np.dtype(dtype)
    for value in m.state_dict().values():
        assert value.dtype == np.dtype(dtype)


@pytest.mark.parametrize("cell", CELLS)
def test_forward_and_backward_return_one_state_array(cell):
    m = make(cell, 3, 4, num_layers=2, bidirectional=True, dtype="float64", seed=0)
    y, h_n = m(np.ones((2, 5, 3)))
    assert isinstance(h_n, np.ndarray) and h_n.shape == (4, 2, 4)
    assert y.shape == (2, 5, 8)
    dx, dh_0 = m.backward(np.ones_like(y))  # dstate=None: no gradient through h_n
    assert isinstance(dh_0, np.ndarray) and dh_0.shape == (4, 2, 4)
    assert dx.shape == (2, 5, 3)
    time_major = make(cell, 3, 4, batch_first=False, seed=0)
    y, h_n = time_major(np.ones((5, 2, 3)))
    assert y.shape == (5, 2, 4) and h_n.shape == (1, 2, 4)


# --------------------------------------------------------------------------------------------
# Gradients accumulate; state dicts; no aliasing
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
def test_backward_accumulates_and_zero_grad_resets(cell):
    rng = np.random.default_rng(0)
    m = make(cell, 3, 4, num_layers=2, dtype="float64", seed=1)
    x = rng.standard_normal((2, 5, 3))
    y, h_n = m(x, lengths=[5, 3])
    dy, dh_n = rng.standard_normal(y.shape), rng.standard_normal(h_n.shape)
    dx1, dh1 = m.backward(dy, dh_n)
    once = {k: g.copy() for k, g in m.grads.items()}
    assert any(g.any() for g in once.values())
    dx2, dh2 = m.backward(dy, dh_n)
    for k, g in m.grads.items():  # up to rounding: a layer may add into grads step by step
        scale = np.abs(once[k]).max()
        np.testing.assert_allclose(g, 2 * once[k], rtol=0, atol=1e-13 * scale, err_msg=k)
    np.testing.assert_array_equal(dx2, dx1)  # returned per call, not accumulated
    np.testing.assert_array_equal(dh2, dh1)
    m.zero_grad()
    assert all(not g.any() for g in m.grads.values())


@pytest.mark.parametrize("cls", [GRU, RNN])
def test_state_dict_is_a_copy_and_round_trips(cls):
    m = cls(3, 4, num_layers=2, seed=1)
    state = m.state_dict()
    state["weight_ih_l0"][...] = 0
    assert m.params["weight_ih_l0"].any(), "state_dict must not alias the parameters"
    other = cls(3, 4, num_layers=2, seed=2)
    held = other.params["weight_hh_l1"]
    other.load_state_dict(m.state_dict())
    assert other.params["weight_hh_l1"] is held, "loading must update arrays in place"
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    np.testing.assert_array_equal(other(x)[0], m(x)[0])


@pytest.mark.parametrize("cls", [GRU, RNN])
def test_call_is_forward_and_outputs_do_not_alias_internals(cls):
    m = cls(3, 4, dtype="float64", seed=0)
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    h0 = np.random.default_rng(1).standard_normal((1, 2, 4))
    y, h = m(x, h0)
    np.testing.assert_array_equal(y, m.forward(x, h0)[0])
    dy = np.ones_like(y)
    m.zero_grad()
    dx_reference, dh_reference = m.backward(dy)
    grads_reference = {k: g.copy() for k, g in m.grads.items()}
    y[...] = 0  # a user writing into the returned arrays or the inputs ...
    h[...] = 0
    x[...] = 0
    h0[...] = 0
    m.zero_grad()
    dx, dh = m.backward(dy)  # ... does not change what backward computes
    np.testing.assert_array_equal(dx, dx_reference)
    np.testing.assert_array_equal(dh, dh_reference)
    for k, g in m.grads.items():
        np.testing.assert_array_equal(g, grads_reference[k])


def test_repr_lists_non_default_options():
    assert repr(GRU(3, 4)) == "GRU(3, 4)"
    assert repr(RNN(3, 4)) == "RNN(3, 4)"
    assert "linear_before_reset=False" in repr(GRU(3, 4, linear_before_reset=False))
    assert "nonlinearity='relu'" in repr(RNN(3, 4, nonlinearity="relu"))
    assert "bidirectional=True" in repr(GRU(3, 4, bidirectional=True))


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("nonlinearity", ["sigmoid", "Tanh", "", None, 1])
def test_bad_nonlinearity(nonlinearity):
    with pytest.raises(ValueError, match=r"nonlinearity must be 'tanh' or 'relu'; got "):
        RNN(3, 4, nonlinearity=nonlinearity)


@pytest.mark.parametrize("cls", [GRU, RNN])
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"input_size": 0}, r"input_size must be a positive integer; got 0"),
        ({"hidden_size": 2.5}, r"hidden_size must be a positive integer; got 2.5"),
        ({"num_layers": 0}, r"num_layers must be a positive integer; got 0"),
        ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\); got 1.0"),
        ({"dtype": "float16"}, r"dtype must be 'float32' or 'float64'; got 'float16'"),
    ],
)
def test_constructor_arguments(cls, kwargs, message):
    args = {"input_size": 8, "hidden_size": 4, **kwargs}
    with pytest.raises(ValueError, match=message):
        cls(**args)


@pytest.mark.parametrize("cls", [GRU, RNN])
def test_dropout_with_one_layer_warns(cls):
    with pytest.warns(UserWarning, match="no effect with num_layers=1"):
        cls(2, 3, dropout=0.2)


@pytest.mark.parametrize("cls", [GRU, RNN])
def test_input_shape_and_values(cls):
    m = cls(8, 4, num_layers=2, seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, 8\) with batch_first=True"):
        m(_x(3, 5, 7))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, 8\).*got \(10, 8\)"):
        m(_x(10, 8))
    x = _x(2, 3, 8)
    x[1, 2, 5] = np.inf
    with pytest.raises(ValueError, match=r"x contains NaN or infinite values .*\(1, 2, 5\)"):
        m(x)


@pytest.mark.parametrize("cls", [GRU, RNN])
def test_state_shape(cls):
    m = cls(8, 4, num_layers=2, seed=0)
    x = _x(3, 5, 8)
    for wrong in ((1, 3, 4), (2, 4, 4), (2, 3, 5), (3, 4)):
        pattern = r"^state\b.*must have shape \(2, 3, 4\); got " + re_shape(wrong)
        with pytest.raises(ValueError, match=pattern):
            m(x, _x(*wrong))
    # An LSTM-style (h_0, c_0) pair is not a GRU/RNN state.
    with pytest.raises((TypeError, ValueError), match=r"^state\b"):
        m(x, (_x(2, 3, 4), _x(2, 3, 4)))
    bad = _x(2, 3, 4)
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^state\b.*NaN or infinite"):
        m(x, bad)
    # a state of zeros is the same as no state
    np.testing.assert_array_equal(m(x, _x(2, 3, 4))[1], m(x)[1])


def re_shape(shape):
    return r"\(" + ", ".join(str(s) for s in shape) + (r",\)" if len(shape) == 1 else r"\)")


@pytest.mark.parametrize("cls", [GRU, RNN])
def test_lengths(cls):
    m = cls(8, 4, seed=0)
    x = _x(3, 5, 8)
    with pytest.raises(ValueError, match=r"lengths must have shape \(3,\).*got \(2,\)"):
        m(x, lengths=[5, 5])
    with pytest.raises(ValueError, match=r"lengths must lie in 1..5 .*got lengths\[1\] = 0"):
        m(x, lengths=[5, 0, 2])
    with pytest.raises(ValueError, match=r"lengths\[2\] = 6"):
        m(x, lengths=[5, 1, 6])
    with pytest.raises(TypeError, match=r"lengths must be integers; got dtype float64"):
        m(x, lengths=[5.0, 1.5, 2.0])


@pytest.mark.parametrize("cls", [GRU, RNN])
def test_backward_before_forward_dy_and_dstate(cls):
    m = cls(8, 4, num_layers=2, bidirectional=True, seed=0)
    name = cls.__name__
    with pytest.raises(NoForwardPassError, match=rf"{name}.backward called before forward"):
        m.backward(_x(3, 5, 8))
    with pytest.raises(ValueError):  # NoForwardPassError is a ValueError ...
        m.backward(_x(3, 5, 8))
    with pytest.raises(RuntimeError):  # ... and a RuntimeError
        m.backward(_x(3, 5, 8))
    m(_x(3, 5, 8))
    with pytest.raises(ValueError, match=r"dy must have shape \(3, 5, 8\); got \(3, 5, 4\)"):
        m.backward(_x(3, 5, 4))
    with pytest.raises(ValueError, match=r"^dstate\b.*must have shape \(4, 3, 4\); got \(3, 4\)"):
        m.backward(_x(3, 5, 8), _x(3, 4))
    with pytest.raises(ValueError, match=r"^dstate\b.*must have shape \(4, 3, 4\); got \(2, 3, 4"):
        m.backward(_x(3, 5, 8), _x(2, 3, 4))
    bad = _x(3, 5, 8)
    bad[0, 1, 2] = np.nan
    with pytest.raises(ValueError, match=r"dy contains NaN or infinite values"):
        m.backward(bad)


def test_load_state_dict_lists_every_mismatch():
    m = GRU(8, 4, num_layers=2, seed=0)
    state = m.state_dict()
    state.pop("bias_hh_l1")
    state["weight_hh_l0"] = np.zeros((4, 4))  # an RNN's shape
    state["weight_hr_l0"] = np.zeros((2, 4))
    before = m.state_dict()
    with pytest.raises(ValueError) as error:
        m.load_state_dict(state)
    text = str(error.value)
    assert "missing keys ['bias_hh_l1']" in text
    assert "unexpected keys ['weight_hr_l0']" in text
    assert "weight_hh_l0: expected shape (12, 4), got (4, 4)" in text
    for k, v in m.state_dict().items():  # nothing changed
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize(
    "target, source",
    [
        (lambda: GRU(8, 4), lambda: RNN(8, 4)),
        (lambda: RNN(8, 4), lambda: GRU(8, 4)),
        (lambda: GRU(8, 4), lambda: LSTM(8, 4)),
        (lambda: RNN(8, 4, bias=False), lambda: RNN(8, 4)),
        (lambda: GRU(8, 4, bidirectional=True), lambda: GRU(8, 4)),
    ],
    ids=["rnn-into-gru", "gru-into-rnn", "lstm-into-gru", "bias-into-nobias", "uni-into-bi"],
)
def test_load_state_dict_of_another_architecture(target, source):
    m = target()
    before = m.state_dict()
    with pytest.raises(ValueError, match=rf"state_dict does not fit {type(m).__name__}"):
        m.load_state_dict(source().state_dict())
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    state = m.state_dict()
    state["weight_ih_l0"] = np.full_like(state["weight_ih_l0"], np.nan)
    with pytest.raises(ValueError, match=r"NaN or infinite values in \['weight_ih_l0'\]"):
        m.load_state_dict(state)
    with pytest.raises(TypeError, match=r"state_dict must be a mapping"):
        m.load_state_dict([1, 2])
