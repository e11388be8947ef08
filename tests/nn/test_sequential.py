"""Sequential: equals its modules composed by hand, exact gradients, containers, saving."""

import numpy as np
import pytest

import lstmkit
from lstmkit.errors import NoForwardPassError
from lstmkit.nn import Dropout, Embedding, LayerNorm, Linear, MeanPool, Module, Sequential
from lstmkit.testing import numerical_gradient, relative_error

TOLERANCE = 1e-6


class _Identity(Module):
    def forward(self, x):
        return x

    def backward(self, dy):
        return dy


def _linears(dtype="float64"):
    return [Linear(4, 6, dtype=dtype, seed=0), Linear(6, 5, dtype=dtype, seed=1)]


def test_forward_and_backward_equal_the_layers_composed_by_hand():
    rng = np.random.default_rng(0)
    x, dy = rng.standard_normal((3, 2, 4)), rng.standard_normal((3, 2, 5))
    model = Sequential(*_linears())
    first, second = _linears()  # same seeds: the same weights, separate gradients

    y = model(x)
    dx = model.backward(dy)
    expected_y = second(first(x))
    expected_dx = first.backward(second.backward(dy))

    np.testing.assert_array_equal(y, expected_y)
    np.testing.assert_array_equal(dx, expected_dx)
    for prefix, layer in (("0", first), ("1", second)):
        for name, grad in layer.grads.items():
            np.testing.assert_array_equal(model.grads[f"{prefix}.{name}"], grad)
    assert list(model.params) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert model.params["1.weight"] is model[1].weight


def test_every_gradient_of_a_mixed_chain_matches_finite_differences():
    rng = np.random.default_rng(1)
    model = Sequential(
        Linear(3, 5, dtype="float64", seed=0),
        LayerNorm(5, dtype="float64"),
        Dropout(0.3, seed=2),
        Linear(5, 2, dtype="float64", seed=1),
        MeanPool(),
    )
    model[1].weight[...] = rng.uniform(0.5, 1.5, size=5)
    x = rng.standard_normal((2, 4, 3))
    weights = rng.standard_normal((2, 2))

    def forward():
        model[2]._rng = np.random.default_rng(9)  # the same dropout mask on every pass
        return model(x)

    def loss():
        return float(np.sum(forward() * weights))

    forward()
    dx = model.backward(weights)
    analytic = {"x": dx, **{k: g.copy() for k, g in model.grads.items()}}
    arrays = {"x": x, **model.params}
    assert len(arrays) == 7
    for name, array in arrays.items():
        error = relative_error(analytic[name], numerical_gradient(loss, array))
        assert error < TOLERANCE, f"gradient of {name}: relative error {error:.2e}"


def test_embedding_first_gives_no_input_gradient():
    model = Sequential(Embedding(5, 3, seed=0), Linear(3, 2, seed=1))
    ids = np.array([[1, 4], [0, 1]])
    assert model(ids).shape == (2, 2, 2)
    assert model.backward(np.ones((2, 2, 2))) is None
    assert model.grads["0.weight"][1].any() and not model.grads["0.weight"][2].any()


def test_container_behaviour_and_modes():
    a, b, c = Linear(2, 3), Dropout(0.5), Linear(3, 1)
    model = Sequential(a, b, c)
    assert len(model) == 3 and model[0] is a and model[-1] is c
    assert list(model) == [a, b, c]
    assert [name for name, _ in model.children()] == ["0", "1", "2"]
    tail = model[1:]
    assert isinstance(tail, Sequential) and len(tail) == 2 and tail[0] is b
    assert tail.params["1.weight"] is c.weight  # renumbered, same arrays
    model.eval()
    assert not b.training and not a.training
    model.train()
    assert b.training
    assert len(Sequential()) == 0
    assert (
        repr(model)
        == "Sequential(\n  (0): Linear(2, 3)\n  (1): Dropout(p=0.5)\n  (2): Linear(3, 1)\n)"
    )


def test_save_and_load_round_trip(tmp_path):
    model = Sequential(
        Embedding(6, 4, padding_idx=0, dtype="float64", seed=0),
        Sequential(Linear(4, 3, dtype="float64", seed=1), LayerNorm(3, dtype="float64")),
        MeanPool(),
    )
    model[1][1].weight[...] = [0.5, 2.0, 1.5]
    lstmkit.save(model, tmp_path / "seq.safetensors")
    loaded = lstmkit.load(tmp_path / "seq.safetensors")
    assert repr(loaded) == repr(model) and loaded.get_config() == model.get_config()
    ids = np.array([[1, 2, 0], [5, 5, 3]])
    np.testing.assert_array_equal(loaded(ids), model(ids))


def test_errors():
    with pytest.raises(TypeError, match="modules\\[1\\] must be an lstmkit Module; got ufunc"):
        Sequential(Linear(2, 2), np.tanh)
    model = Sequential(Linear(2, 3), Embedding(4, 2))
    with pytest.raises(NoForwardPassError, match="Sequential.backward called before forward"):
        model.backward(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="x must have last dimension 2 \\(in_features\\)"):
        model(np.zeros((1, 5)))
    chain = Sequential(Embedding(4, 3), Linear(3, 2))
    chain(np.array([1, 2]))
    passthrough = Sequential(_Identity(), Embedding(4, 3))
    passthrough(np.array([1, 2]))
    with pytest.raises(ValueError, match="module 1 \\(Embedding\\(4, 3\\)\\) returned no input"):
        passthrough.backward(np.zeros((2, 3)))
    with pytest.raises(IndexError, match="index 5 is out of range for a Sequential of 2"):
        chain[5]
    with pytest.raises(TypeError, match="index must be an integer or a slice; got str"):
        chain["0"]
