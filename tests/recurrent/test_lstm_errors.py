"""Bad input gets a ValueError/TypeError that names the argument, the expectation and what came."""

import numpy as np
import pytest

from lstmkit import LSTM


@pytest.fixture
def model():
    return LSTM(8, 4, num_layers=2, seed=0)


def _x(*shape):
    return np.zeros(shape, dtype=np.float32)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"input_size": 0}, r"input_size must be a positive integer; got 0"),
        ({"hidden_size": 2.5}, r"hidden_size must be a positive integer; got 2.5"),
        ({"num_layers": 0}, r"num_layers must be a positive integer; got 0"),
        ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\); got 1.0"),
        ({"proj_size": 4}, r"proj_size must be smaller than hidden_size \(4\); got 4"),
        ({"proj_size": -1}, r"proj_size must be a non-negative integer; got -1"),
        ({"dtype": "float16"}, r"dtype must be 'float32' or 'float64'; got 'float16'"),
        ({"forget_bias": float("nan")}, r"forget_bias must be a finite number"),
        ({"forget_bias": 1.0, "bias": False}, r"forget_bias needs bias=True"),
    ],
)
def test_constructor_arguments(kwargs, message):
    args = {"input_size": 8, "hidden_size": 4, **kwargs}
    with pytest.raises(ValueError, match=message):
        LSTM(**args)


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="no effect with num_layers=1"):
        LSTM(2, 3, dropout=0.2)


def test_wrong_rank_and_feature_size(model):
    with pytest.raises(
        ValueError,
        match=r"x must have shape \(N, T, 8\) with batch_first=True; "
        r"got \(32, 10, 5\)",
    ):
        model(_x(32, 10, 5))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, 8\).*got \(10, 8\)"):
        model(_x(10, 8))
    time_major = LSTM(8, 4, batch_first=False)
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, 8\) with batch_first=False"):
        time_major(_x(3, 2, 7))
    with pytest.raises(ValueError, match=r"at least one sequence and one step"):
        model(_x(0, 3, 8))
    with pytest.raises(TypeError, match=r"x must hold real numbers; got dtype <U1"):
        model(np.full((1, 1, 8), "a"))


def test_non_finite_input_is_reported(model):
    x = _x(2, 3, 8)
    x[1, 2, 5] = np.nan
    with pytest.raises(
        ValueError,
        match=r"x contains NaN or infinite values \(first at index "
        r"\(1, 2, 5\)\)",
    ):
        model(x)


def test_state_shapes(model):
    x = _x(3, 5, 8)
    with pytest.raises(
        ValueError,
        match=r"state\[0\] \(h_0\) must have shape \(2, 3, 4\); "
        r"got \(1, 3, 4\)",
    ):
        model(x, (_x(1, 3, 4), _x(2, 3, 4)))
    with pytest.raises(ValueError, match=r"state\[1\] \(c_0\) must have shape \(2, 3, 4\)"):
        model(x, (_x(2, 3, 4), _x(2, 4, 4)))
    with pytest.raises(TypeError, match=r"state must be a tuple \(h_0, c_0\)"):
        model(x, _x(2, 3, 4))
    h_n = model(x, (None, _x(2, 3, 4)))[1][0]  # a None part means zeros
    np.testing.assert_array_equal(h_n, model(x)[1][0])


def test_lengths(model):
    x = _x(3, 5, 8)
    with pytest.raises(
        ValueError,
        match=r"lengths must have shape \(3,\), one length per "
        r"sequence; got \(2,\)",
    ):
        model(x, lengths=[5, 5])
    with pytest.raises(ValueError, match=r"lengths must lie in 1..5 .*got lengths\[1\] = 0"):
        model(x, lengths=[5, 0, 2])
    with pytest.raises(ValueError, match=r"lengths\[2\] = 6"):
        model(x, lengths=[5, 1, 6])
    with pytest.raises(TypeError, match=r"lengths must be integers; got dtype float64"):
        model(x, lengths=[5.0, 1.5, 2.0])


def test_backward_before_forward_and_wrong_dy(model):
    with pytest.raises(ValueError, match=r"LSTM.backward called before forward"):
        model.backward(_x(3, 5, 4))
    model(_x(3, 5, 8))
    with pytest.raises(ValueError, match=r"dy must have shape \(3, 5, 4\); got \(3, 5, 8\)"):
        model.backward(_x(3, 5, 8))
    with pytest.raises(ValueError, match=r"dstate\[1\] \(dc_n\) must have shape \(2, 3, 4\)"):
        model.backward(_x(3, 5, 4), (None, _x(3, 4)))


def test_load_state_dict_lists_every_mismatch(model):
    state = model.state_dict()
    state.pop("bias_hh_l1")
    state["weight_hh_l0"] = np.zeros((16, 5))
    state["weight_xx_l0"] = np.zeros(3)
    before = model.state_dict()
    with pytest.raises(ValueError) as error:
        model.load_state_dict(state)
    text = str(error.value)
    assert "missing keys ['bias_hh_l1']" in text
    assert "unexpected keys ['weight_xx_l0']" in text
    assert "weight_hh_l0: expected shape (16, 4), got (16, 5)" in text
    for k, v in model.state_dict().items():  # nothing changed
        np.testing.assert_array_equal(v, before[k])
    with pytest.raises(TypeError, match=r"state_dict must be a mapping"):
        model.load_state_dict([1, 2])


def test_load_state_dict_rejects_non_finite_without_changing_anything(model):
    state = model.state_dict()
    state["weight_ih_l1"] = np.full_like(state["weight_ih_l1"], np.inf)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"NaN or infinite values in \['weight_ih_l1'\]"):
        model.load_state_dict(state)
    np.testing.assert_array_equal(model.params["weight_ih_l0"], before["weight_ih_l0"])
