"""Stable sigmoid and tanh: exact saturation, no overflow, derivatives from the output."""

import math

import numpy as np
import pytest

from lstmkit.ops import (
    sigmoid,
    sigmoid_,
    sigmoid_grad_from_output,
    tanh,
    tanh_grad_from_output,
)


def _sigmoid_reference(z: float) -> float:
    """math-module sigmoid written in the branch that cannot overflow."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_overflow_and_exact_saturation(dtype):
    z = np.array([-1000.0, -100.0, 0.0, 100.0, 1000.0], dtype=dtype)
    with np.errstate(all="raise"):
        s, t = sigmoid(z), tanh(z)
    np.testing.assert_array_equal(s, [0.0, 0.0, 0.5, 1.0, 1.0])
    np.testing.assert_array_equal(t, [-1.0, -1.0, 0.0, 1.0, 1.0])
    assert s.dtype == dtype


def test_sigmoid_matches_reference_across_range():
    z = np.linspace(-30, 30, 2001)
    expected = np.array([_sigmoid_reference(v) for v in z])
    assert np.max(np.abs(sigmoid(z) - expected)) < 4e-16


def test_in_place_variant_writes_into_its_argument():
    z = np.array([0.0, 2.0])
    out = sigmoid_(z)
    assert out is z
    assert z[1] == pytest.approx(_sigmoid_reference(2.0), abs=4e-16)  # a few ulp


def test_derivatives_from_outputs_match_finite_differences():
    z = np.linspace(-6, 6, 49)
    eps = 1e-6
    ds = (sigmoid(z + eps) - sigmoid(z - eps)) / (2 * eps)
    dt = (tanh(z + eps) - tanh(z - eps)) / (2 * eps)
    np.testing.assert_allclose(sigmoid_grad_from_output(sigmoid(z)), ds, atol=1e-9)
    np.testing.assert_allclose(tanh_grad_from_output(tanh(z)), dt, atol=1e-9)
