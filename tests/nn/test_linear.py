"""Linear: finite-difference gradients, parity with torch.nn.Linear, initialisation, errors."""

import numpy as np
import pytest

from lstmkit.errors import NoForwardPassError
from lstmkit.nn import Linear
from lstmkit.testing import numerical_gradient, relative_error

TOLERANCE = 1e-6


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape", [(4,), (3, 4), (2, 3, 4)], ids=str)
def test_every_gradient_matches_finite_differences(bias, x_shape):
    rng = np.random.default_rng(0)
    layer = Linear(4, 3, bias=bias, dtype="float64", seed=1)
    x = rng.standard_normal(x_shape)
    weights = rng.standard_normal(x_shape[:-1] + (3,))

    def loss():
        return float(np.sum(layer(x) * weights))

    layer(x)
    dx = layer.backward(weights)
    analytic = {"x": dx, **{k: g.copy() for k, g in layer.grads.items()}}
    arrays = {"x": x, **layer.params}
    assert set(arrays) == {"x", "weight"} | ({"bias"} if bias else set())
    for name, array in arrays.items():
        error = relative_error(analytic[name], numerical_gradient(loss, array))
        assert error < TOLERANCE, f"gradient of {name}: relative error {error:.2e}"


def test_gradients_accumulate_and_zero_grad_resets():
    layer = Linear(3, 2, dtype="float64", seed=0)
    x = np.random.default_rng(1).standard_normal((5, 3))
    dy = np.ones((5, 2))
    layer(x)
    layer.backward(dy)
    once = layer.grads["weight"].copy()
    layer.backward(dy)
    np.testing.assert_allclose(layer.grads["weight"], 2 * once, rtol=1e-14)
    layer.zero_grad()
    assert not layer.grads["weight"].any() and not layer.grads["bias"].any()


@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-10), ("float32", 1e-5)])
@pytest.mark.parametrize("bias", [True, False])
def test_matches_torch_forward_and_backward(torch, dtype, tolerance, bias):
    rng = np.random.default_rng(3)
    layer = Linear(5, 4, bias=bias, dtype=dtype, seed=2)
    twin = torch.nn.Linear(5, 4, bias=bias, dtype=getattr(torch, dtype))
    with torch.no_grad():
        for name, value in layer.params.items():
            getattr(twin, name).copy_(torch.from_numpy(value))
    x = rng.standard_normal((2, 3, 5)).astype(dtype)
    dy = rng.standard_normal((2, 3, 4)).astype(dtype)
    x_t = torch.from_numpy(x.copy()).requires_grad_(True)
    y_t = twin(x_t)
    y_t.backward(torch.from_numpy(dy))

    y = layer(x)
    dx = layer.backward(dy)
    assert y.dtype == np.dtype(dtype) and dx.dtype == np.dtype(dtype)
    assert relative_error(y, y_t.detach().numpy()) < tolerance
    assert relative_error(dx, x_t.grad.numpy()) < tolerance
    for name, grad in layer.grads.items():
        assert relative_error(grad, getattr(twin, name).grad.numpy()) < tolerance, name


def test_initialisation_is_torchs_uniform_and_seeded():
    layer = Linear(400, 50, seed=0)
    bound = 1 / np.sqrt(400)
    for value in layer.params.values():
        assert value.dtype == np.float32
        assert np.abs(value).max() <= bound
    assert np.abs(layer.weight).max() > 0.99 * bound  # spread over the whole interval
    assert abs(float(layer.weight.std()) - bound / np.sqrt(3)) < 0.02 * bound
    again = Linear(400, 50, seed=0)
    np.testing.assert_array_equal(again.weight, layer.weight)
    np.testing.assert_array_equal(again.bias, layer.bias)
    assert not np.array_equal(Linear(400, 50, seed=1).weight, layer.weight)


def test_inputs_are_cast_to_the_layer_dtype():
    layer = Linear(2, 3, seed=0)
    assert layer(np.ones((4, 2), dtype=np.float64)).dtype == np.float32
    assert layer(np.ones((4, 2), dtype=np.int64)).dtype == np.float32
    assert Linear(2, 3, dtype="float64")(np.ones((1, 2), np.float32)).dtype == np.float64


def test_repr_and_config():
    assert repr(Linear(8, 4)) == "Linear(8, 4)"
    assert repr(Linear(8, 4, bias=False, dtype="float64")) == (
        "Linear(8, 4, bias=False, dtype='float64')"
    )
    config = Linear(8, 4, bias=False).get_config()
    assert config == {"in_features": 8, "out_features": 4, "bias": False, "dtype": "float32"}
    assert Linear(**config).params.keys() == {"weight"}


def test_errors_name_the_argument():
    layer = Linear(8, 4)
    with pytest.raises(NoForwardPassError, match="before forward"):
        layer.backward(np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"x must have last dimension 8 \(in_features\); "):
        layer(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"got shape \(4, 5\)"):
        layer(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="x must have last dimension 8"):
        layer(np.float32(1.0))
    with pytest.raises(TypeError, match="x must hold real numbers"):
        layer(np.array([["a"] * 8]))
    with pytest.raises(ValueError, match="x contains NaN"):
        layer(np.full((1, 8), np.nan))
    layer(np.zeros((3, 8)))
    with pytest.raises(ValueError, match=r"dy must have shape \(3, 4\); got \(3, 5\)"):
        layer.backward(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="in_features must be a positive integer; got 0"):
        Linear(0, 4)
    with pytest.raises(ValueError, match="out_features must be a positive integer"):
        Linear(4, 2.5)
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64'"):
        Linear(4, 2, dtype="int32")
