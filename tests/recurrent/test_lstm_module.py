"""The layer as a module: parameters, initialisation, seeds, dtypes, state dicts, gradients."""

import numpy as np
import pytest

from lstmkit import LSTM


def test_parameter_keys_and_shapes_follow_torch_layout():
    m = LSTM(5, 6, num_layers=2, bidirectional=True, proj_size=3)
    expected = {}
    for k, inputs in ((0, 5), (1, 6)):
        for suffix in (f"_l{k}", f"_l{k}_reverse"):
            expected.update(
                {
                    "weight_ih" + suffix: (24, inputs),
                    "weight_hh" + suffix: (24, 3),
                    "bias_ih" + suffix: (24,),
                    "bias_hh" + suffix: (24,),
                    "weight_hr" + suffix: (3, 6),
                }
            )
    assert list(m.params) == list(expected)
    assert {k: v.shape for k, v in m.params.items()} == expected
    assert list(m.grads) == list(m.params)
    peep = LSTM(2, 3, peepholes=True, bias=False)
    assert list(peep.params) == ["weight_ih_l0", "weight_hh_l0", "weight_ch_l0"]
    assert peep.params["weight_ch_l0"].shape == (3, 3)


def test_same_seed_same_model_bit_for_bit():
    a, b = LSTM(4, 5, num_layers=2, seed=42), LSTM(4, 5, num_layers=2, seed=42)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    c = LSTM(4, 5, num_layers=2, seed=43)
    assert not np.array_equal(a.params["weight_ih_l0"], c.params["weight_ih_l0"])
    rng = np.random.default_rng(9)
    d = LSTM(4, 5, seed=rng)  # a Generator is used as given
    assert not np.array_equal(d.params["weight_ih_l0"], LSTM(4, 5, seed=rng).params["weight_ih_l0"])


def test_initialisation_bounds_and_forget_bias():
    hidden = 25
    m = LSTM(3, hidden, forget_bias=1.0, dtype="float64", seed=0)
    bound = 1 / np.sqrt(hidden)
    for k, v in m.params.items():
        if k != "bias_ih_l0":
            assert np.all(np.abs(v) <= bound), k
    b = m.params["bias_ih_l0"]
    assert np.all((b[hidden : 2 * hidden] >= 1 - bound) & (b[hidden : 2 * hidden] <= 1 + bound))
    assert np.all(np.abs(np.delete(b, np.s_[hidden : 2 * hidden])) <= bound)
    plain = LSTM(3, hidden, dtype="float64", seed=0)  # same draws, without the forget bias
    np.testing.assert_allclose(
        b - plain.params["bias_ih_l0"],
        np.r_[np.zeros(hidden), np.ones(hidden), np.zeros(2 * hidden)],
        rtol=0,
        atol=1e-15,
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_throughout(dtype):
    m = LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2, peepholes=True, dtype=dtype)
    x = np.ones((2, 3, 3))  # float64 input is cast to the layer's dtype
    y, (h, c) = m(x, lengths=[3, 1])
    dx, (dh, dc) = m.backward(np.ones_like(y))
    for array in (y, h, c, dx, dh, dc, *m.params.values(), *m.grads.values()):
        assert array.dtype == np.dtype(dtype)


def test_backward_accumulates_and_zero_grad_resets():
    rng = np.random.default_rng(0)
    m = LSTM(3, 4, dtype="float64", seed=1)
    x = rng.standard_normal((2, 5, 3))
    y, _ = m(x)
    dy = rng.standard_normal(y.shape)
    m.backward(dy)
    once = {k: g.copy() for k, g in m.grads.items()}
    m.backward(dy)
    for k, g in m.grads.items():
        np.testing.assert_allclose(g, 2 * once[k], rtol=1e-15, atol=0)
    m.zero_grad()
    assert all(not g.any() for g in m.grads.values())


def test_state_dict_is_a_copy_and_round_trips():
    m = LSTM(3, 4, num_layers=2, seed=1)
    state = m.state_dict()
    state["weight_ih_l0"][...] = 0
    assert m.params["weight_ih_l0"].any(), "state_dict must not alias the parameters"
    other = LSTM(3, 4, num_layers=2, seed=2)
    held = other.params["weight_hh_l1"]
    other.load_state_dict(m.state_dict())
    assert other.params["weight_hh_l1"] is held, "loading must update arrays in place"
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    np.testing.assert_array_equal(other(x)[0], m(x)[0])


def test_call_is_forward_and_outputs_do_not_alias_internals():
    m = LSTM(3, 4, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    y, (h, c) = m(x)
    np.testing.assert_array_equal(y, m.forward(x)[0])
    dy = np.ones_like(y)
    m.zero_grad()
    dx_reference, _ = m.backward(dy)
    grads_reference = {k: g.copy() for k, g in m.grads.items()}
    y[...] = 0  # a user writing into the returned arrays or the input ...
    h[...] = 0
    x[...] = 0
    m.zero_grad()
    dx, _ = m.backward(dy)  # ... does not change what backward computes
    np.testing.assert_array_equal(dx, dx_reference)
    for k, g in m.grads.items():
        np.testing.assert_array_equal(g, grads_reference[k])


def test_repr_lists_non_default_options():
    assert repr(LSTM(3, 4)) == "LSTM(3, 4)"
    assert repr(LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2, dtype="float64")) == (
        "LSTM(3, 4, num_layers=2, bidirectional=True, dtype='float64', proj_size=2)"
    )
