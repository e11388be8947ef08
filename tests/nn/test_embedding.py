"""Embedding: finite-difference gradients, the padding row, parity with torch, errors."""

import numpy as np
import pytest

from lstmkit.errors import NoForwardPassError
from lstmkit.nn import Embedding
from lstmkit.testing import numerical_gradient, relative_error

TOLERANCE = 1e-6

# repeated ids (accumulation), the padding id, and ids of several shapes
IDS = [
    np.array([3, 1, 3, 0, 5, 3]),
    np.array([[0, 2, 2], [4, 0, 1]]),
    np.array([[[5], [5]], [[1], [0]]]),
]


@pytest.mark.parametrize("padding_idx", [None, 0, -1])
@pytest.mark.parametrize("ids", IDS, ids=lambda ids: f"ndim{ids.ndim}")
def test_weight_gradient_matches_finite_differences(padding_idx, ids):
    rng = np.random.default_rng(0)
    layer = Embedding(6, 3, padding_idx=padding_idx, dtype="float64", seed=1)
    weights = rng.standard_normal(ids.shape + (3,))

    def loss():
        return float(np.sum(layer(ids) * weights))

    layer(ids)
    assert layer.backward(weights) is None
    numeric = numerical_gradient(loss, layer.weight)
    if padding_idx is not None:  # the padding row's output does depend on it; torch and we
        numeric[padding_idx] = 0  # deliberately give it no gradient
    error = relative_error(layer.grads["weight"], numeric)
    assert error < TOLERANCE, f"gradient of weight: relative error {error:.2e}"
    counts = np.bincount(ids.ravel(), minlength=6)
    used = counts > 0
    if padding_idx is not None:
        used[padding_idx] = False
    assert np.all(np.abs(layer.grads["weight"][used]).sum(axis=1) > 0)
    assert not layer.grads["weight"][~used].any()


def test_padding_row_starts_at_zero_and_never_gets_gradient():
    layer = Embedding(5, 4, padding_idx=2, seed=0)
    assert not layer.weight[2].any()
    assert np.all(np.abs(layer.weight[[0, 1, 3, 4]]) > 0)
    ids = np.array([[2, 2, 1], [2, 0, 2]])
    for step in range(3):
        layer(ids)
        layer.backward(np.full(ids.shape + (4,), step + 1.0))
        assert not layer.grads["weight"][2].any()
    np.testing.assert_allclose(layer.grads["weight"][0], 6.0)  # 1 + 2 + 3, once per pass
    np.testing.assert_allclose(layer.grads["weight"][1], 6.0)
    assert not layer.grads["weight"][[3, 4]].any()
    assert Embedding(5, 4, padding_idx=-1, seed=0).padding_idx == 4


def test_lookup_rows_and_seeded_normal_init():
    layer = Embedding(2000, 50, seed=0)
    assert layer.weight.dtype == np.float32
    assert abs(float(layer.weight.mean())) < 0.01 and abs(float(layer.weight.std()) - 1) < 0.01
    np.testing.assert_array_equal(Embedding(2000, 50, seed=0).weight, layer.weight)
    ids = np.array([[7, 1999], [0, 7]])
    y = layer(ids)
    assert y.shape == (2, 2, 50) and y.dtype == np.float32
    np.testing.assert_array_equal(y[0, 0], layer.weight[7])
    np.testing.assert_array_equal(y[1, 1], layer.weight[7])
    np.testing.assert_array_equal(y[0, 1], layer.weight[1999])
    single = layer(np.int64(3))  # one id: a copy of the row, not a view into weight
    single[:] = 0
    assert layer.weight[3].any()


@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-10), ("float32", 1e-5)])
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_matches_torch_forward_and_backward(torch, dtype, tolerance, padding_idx):
    rng = np.random.default_rng(4)
    layer = Embedding(7, 5, padding_idx=padding_idx, dtype=dtype, seed=3)
    twin = torch.nn.Embedding(7, 5, padding_idx=padding_idx, dtype=getattr(torch, dtype))
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.weight))
    ids = rng.integers(0, 7, size=(3, 6))
    ids[0, :3] = 1
    dy = rng.standard_normal((3, 6, 5)).astype(dtype)
    y_t = twin(torch.from_numpy(ids))
    y_t.backward(torch.from_numpy(dy))

    y = layer(ids)
    layer.backward(dy)
    assert relative_error(y, y_t.detach().numpy()) < tolerance
    assert relative_error(layer.grads["weight"], twin.weight.grad.numpy()) < tolerance


def test_repr_and_config():
    assert repr(Embedding(10, 3)) == "Embedding(10, 3)"
    assert repr(Embedding(10, 3, padding_idx=-1, dtype="float64")) == (
        "Embedding(10, 3, padding_idx=9, dtype='float64')"
    )
    config = Embedding(10, 3, padding_idx=0).get_config()
    assert config == {
        "num_embeddings": 10,
        "embedding_dim": 3,
        "padding_idx": 0,
        "dtype": "float32",
    }


def test_errors_name_the_argument():
    layer = Embedding(10, 3)
    with pytest.raises(NoForwardPassError, match="before forward"):
        layer.backward(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"ids must lie in 0\.\.9 .*got ids\[\(1, 0\)\] = 12"):
        layer(np.array([[1, 2], [12, 3]]))
    with pytest.raises(ValueError, match=r"ids must lie in 0\.\.9 .*= -1"):
        layer(np.array([-1]))
    with pytest.raises(TypeError, match="ids must hold integers; got dtype float64"):
        layer(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="ids must hold integers; got dtype bool"):
        layer(np.array([True]))
    layer(np.array([[1, 2]]))
    with pytest.raises(ValueError, match=r"dy must have shape \(1, 2, 3\); got \(1, 2\)"):
        layer.backward(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="padding_idx must be None or an integer in -10..9"):
        Embedding(10, 3, padding_idx=10)
    with pytest.raises(ValueError, match="num_embeddings must be a positive integer"):
        Embedding(0, 3)
    with pytest.raises(ValueError, match="embedding_dim must be a positive integer"):
        Embedding(3, -1)
