"""LayerNorm: finite-difference gradients, parity with torch.nn.LayerNorm, statistics, errors."""

import numpy as np
import pytest

from lstmkit.errors import NoForwardPassError
from lstmkit.nn import LayerNorm
from lstmkit.testing import numerical_gradient, relative_error

TOLERANCE = 1e-6


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("x_shape", [(5,), (3, 5), (2, 3, 5)], ids=str)
def test_every_gradient_matches_finite_differences(affine, x_shape):
    rng = np.random.default_rng(0)
    layer = LayerNorm(5, eps=1e-3, elementwise_affine=affine, dtype="float64")
    if affine:  # away from the ones/zeros start, so that weight's role in dx is exercised
        layer.weight[...] = rng.uniform(0.5, 1.5, size=5)
        layer.bias[...] = rng.standard_normal(5)
    x = 2 * rng.standard_normal(x_shape) + 1
    weights = rng.standard_normal(x_shape)

    def loss():
        return float(np.sum(layer(x) * weights))

    layer(x)
    dx = layer.backward(weights)
    analytic = {"x": dx, **{k: g.copy() for k, g in layer.grads.items()}}
    arrays = {"x": x, **layer.params}
    assert set(arrays) == ({"x", "weight", "bias"} if affine else {"x"})
    for name, array in arrays.items():
        error = relative_error(analytic[name], numerical_gradient(loss, array))
        assert error < TOLERANCE, f"gradient of {name}: relative error {error:.2e}"


def test_output_has_zero_mean_and_unit_biased_variance():
    x = np.random.default_rng(1).standard_normal((4, 6, 16)) * 3 + 2
    y = LayerNorm(16, eps=1e-12, dtype="float64")(x)
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1, rtol=1e-9)  # np.var is the biased variance


@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-10), ("float32", 1e-5)])
@pytest.mark.parametrize("affine", [True, False])
def test_matches_torch_forward_and_backward(torch, dtype, tolerance, affine):
    rng = np.random.default_rng(2)
    layer = LayerNorm(6, eps=1e-4, elementwise_affine=affine, dtype=dtype)
    twin = torch.nn.LayerNorm(6, eps=1e-4, elementwise_affine=affine, dtype=getattr(torch, dtype))
    if affine:
        layer.weight[...] = rng.standard_normal(6)
        layer.bias[...] = rng.standard_normal(6)
        with torch.no_grad():
            twin.weight.copy_(torch.from_numpy(layer.weight))
            twin.bias.copy_(torch.from_numpy(layer.bias))
    x = (rng.standard_normal((3, 4, 6)) * 2 + 0.5).astype(dtype)
    dy = rng.standard_normal((3, 4, 6)).astype(dtype)
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


def test_parameters_start_at_ones_and_zeros_and_inputs_are_cast():
    layer = LayerNorm((4,))
    assert layer.normalized_shape == 4
    np.testing.assert_array_equal(layer.weight, np.ones(4, np.float32))
    np.testing.assert_array_equal(layer.bias, np.zeros(4, np.float32))
    assert layer(np.arange(8).reshape(2, 4)).dtype == np.float32
    assert LayerNorm(4, elementwise_affine=False).params == {}


def test_repr_and_config():
    assert repr(LayerNorm(8)) == "LayerNorm(8)"
    assert repr(LayerNorm(8, eps=1e-3, elementwise_affine=False, dtype="float64")) == (
        "LayerNorm(8, eps=0.001, elementwise_affine=False, dtype='float64')"
    )
    assert LayerNorm(8).get_config() == {
        "normalized_shape": 8,
        "eps": 1e-5,
        "elementwise_affine": True,
        "dtype": "float32",
    }


def test_errors_name_the_argument():
    layer = LayerNorm(8)
    with pytest.raises(NoForwardPassError, match="before forward"):
        layer.backward(np.zeros((1, 8)))
    with pytest.raises(
        ValueError, match=r"x must have last dimension 8 \(normalized_shape\); got shape \(4, 5\)"
    ):
        layer(np.zeros((4, 5)))
    with pytest.raises(TypeError, match="x must hold real numbers"):
        layer(np.array([None] * 8))
    with pytest.raises(ValueError, match="x contains NaN"):
        layer(np.full(8, np.nan))
    layer(np.zeros((2, 8)))
    with pytest.raises(ValueError, match=r"dy must have shape \(2, 8\); got \(8,\)"):
        layer.backward(np.zeros(8))
    with pytest.raises(ValueError, match="normalized_shape must be an int .*got \\(2, 3\\)"):
        LayerNorm((2, 3))
    with pytest.raises(ValueError, match="normalized_shape must be a positive integer"):
        LayerNorm(0)
    with pytest.raises(ValueError, match="eps must be a positive number; got -1"):
        LayerNorm(4, eps=-1)
