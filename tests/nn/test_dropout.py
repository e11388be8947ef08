"""Dropout: exact gradients with the mask held fixed, expected value, seeding, modes, errors."""

import numpy as np
import pytest

from lstmkit.errors import NoForwardPassError
from lstmkit.nn import Dropout
from lstmkit.testing import numerical_gradient, relative_error

TOLERANCE = 1e-6


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_gradient_matches_finite_differences(training):
    rng = np.random.default_rng(0)
    layer = Dropout(0.4, seed=5).train(training)
    x = rng.standard_normal((3, 4, 5))
    weights = rng.standard_normal(x.shape)

    def fixed_mask_forward():
        layer._rng = np.random.default_rng(5)  # the same mask on every pass
        return layer(x)

    def loss():
        return float(np.sum(fixed_mask_forward() * weights))

    y = fixed_mask_forward()
    dx = layer.backward(weights)
    error = relative_error(dx, numerical_gradient(loss, x))
    assert error < TOLERANCE, f"gradient of x: relative error {error:.2e}"
    if training:  # both kinds of element are present, and the kept ones are scaled
        zero = y == 0
        assert 0 < zero.sum() < y.size
        np.testing.assert_allclose(y[~zero], x[~zero] / 0.6, rtol=1e-15)
        assert not dx[zero].any()
    else:
        np.testing.assert_array_equal(y, x)
        np.testing.assert_array_equal(dx, weights)


def test_mean_over_many_draws_is_the_input():
    x = np.random.default_rng(1).uniform(1, 2, size=(20,))
    layer = Dropout(0.3, seed=0)
    draws = np.stack([layer(x) for _ in range(20000)])
    assert abs((draws == 0).mean() - 0.3) < 0.005
    # each element's mean has standard deviation about x * sqrt(p / (1 - p) / 20000) < 0.01
    np.testing.assert_allclose(draws.mean(axis=0), x, rtol=0.025)


def test_same_seed_same_zero_pattern_and_fresh_masks_per_call():
    x = np.ones((6, 7), dtype=np.float32)
    first, second = Dropout(0.5, seed=3), Dropout(0.5, seed=3)
    a1, a2 = first(x), first(x)
    b1, b2 = second(x), second(x)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1 == 0, a2 == 0)
    assert not np.array_equal(Dropout(0.5, seed=4)(x) == 0, a1 == 0)
    assert set(np.unique(a1)) == {0.0, 2.0}
    state = first.rng_states()
    after = first(x)
    first.set_rng_states(state)  # restoring the generator repeats the mask exactly
    np.testing.assert_array_equal(first(x), after)


def test_eval_is_identity_and_extreme_probabilities():
    x = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    layer = Dropout(0.9, seed=0).eval()
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer.backward(2 * x), 2 * x)
    np.testing.assert_array_equal(Dropout(0.0)(x), x)
    all_off = Dropout(1.0, seed=0)
    assert not all_off(x).any() and not all_off.backward(x).any()


def test_dtypes():
    layer = Dropout(0.5, seed=0)
    assert layer(np.ones(4, np.float64)).dtype == np.float64
    assert layer.backward(np.ones(4)).dtype == np.float64
    assert layer(np.ones(4, np.float32)).dtype == np.float32
    assert layer.eval().backward(np.ones(4)).dtype == np.float32  # the forward pass's dtype
    layer.train()
    assert layer(np.ones(4, np.int64)).dtype == np.float32


def test_repr_and_config():
    assert repr(Dropout()) == "Dropout(p=0.5)"
    assert Dropout(0.25, seed=1).get_config() == {"p": 0.25}


def test_errors_name_the_argument():
    layer = Dropout(0.5)
    with pytest.raises(NoForwardPassError, match="before forward"):
        layer.backward(np.zeros(3))
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\]; got 1.5"):
        Dropout(1.5)
    with pytest.raises(ValueError, match="p must be a probability"):
        Dropout("0.5")
    with pytest.raises(TypeError, match="x must hold real numbers"):
        layer(np.array(["a"]))
    with pytest.raises(ValueError, match="x contains NaN"):
        layer(np.array([1.0, np.inf]))
    layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"dy must have shape \(2, 3\); got \(3, 2\)"):
        layer.backward(np.zeros((3, 2)))
