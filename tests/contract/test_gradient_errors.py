"""lstmkit.testing.gradient_errors, which the contract harness trusts: it must see a wrong
gradient, of a parameter or of an input, and refuse what it cannot check."""

import numpy as np
import pytest

from lstmkit.nn import Linear
from lstmkit.testing import gradient_errors


def linear_and_input(dtype="float64"):
    layer = Linear(3, 2, dtype=dtype, seed=0)
    return layer, np.random.default_rng(1).standard_normal((4, 3)).astype(dtype)


def test_a_correct_backward_passes():
    layer, x = linear_and_input()
    errors = gradient_errors(layer, lambda: layer(x), lambda u: {"x": layer.backward(*u)}, {"x": x})
    assert set(errors) == {"weight", "bias", "input x"}
    assert max(errors.values()) < 1e-8


def test_a_wrong_parameter_gradient_is_seen():
    layer, x = linear_and_input()

    def backward(upstream):
        dx = layer.backward(*upstream)
        layer.grads["bias"] *= 1.01
        return {"x": dx}

    errors = gradient_errors(layer, lambda: layer(x), backward, {"x": x})
    assert errors["bias"] > 1e-3 and errors["weight"] < 1e-8


def test_a_wrong_input_gradient_is_seen():
    layer, x = linear_and_input()
    errors = gradient_errors(
        layer, lambda: layer(x), lambda u: {"x": -layer.backward(*u)}, {"x": x}
    )
    assert errors["input x"] > 1.0


def test_float32_and_a_missing_input_gradient_are_refused():
    layer, x = linear_and_input("float32")
    with pytest.raises(ValueError, match="float64"):
        gradient_errors(layer, lambda: layer(x), lambda u: {"x": layer.backward(*u)}, {"x": x})
    layer, x = linear_and_input()

    def backward_without_dx(upstream):
        layer.backward(*upstream)
        return {}

    with pytest.raises(ValueError, match=r"no gradient for inputs \['x'\]"):
        gradient_errors(layer, lambda: layer(x), backward_without_dx, {"x": x})
