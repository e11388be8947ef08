"""Tools for checking gradients: central finite differences and a relative error.

Used by lstmkit's own tests and offered to users who write their own layers:

    numeric = numerical_gradient(loss, array)     # perturbs `array` in place, restores it
    assert relative_error(analytic, numeric) < 1e-6

Central differences, (L(a + eps) - L(a - eps)) / (2 eps), have truncation error O(eps^2) and
round-off error O(machine eps * |L| / eps); in float64 with eps = 1e-6 both stay near 1e-10
for losses of order one, far below the 1e-6 the tests demand.
"""

import numpy as np


def numerical_gradient(loss, array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d loss() / d array by central differences, element by element.

    `loss` is a function of no arguments that reads `array` (which is perturbed in place and
    restored exactly afterwards) and returns a scalar.
    """
    grad = np.zeros(array.shape, dtype=np.float64)
    flat = array.reshape(-1)  # a view: writes reach `array`
    if not np.shares_memory(flat, array):
        raise ValueError("array must be contiguous so that it can be perturbed in place")
    for index in range(flat.size):
        original = flat[index]
        flat[index] = original + eps
        upper = loss()
        flat[index] = original - eps
        lower = loss()
        flat[index] = original
        grad.reshape(-1)[index] = (upper - lower) / (2 * eps)
    return grad


def relative_error(actual, expected) -> float:
    """max |actual - expected| / max(max |actual|, max |expected|); 0 when both are zero."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise ValueError(f"shapes differ: actual {actual.shape}, expected {expected.shape}")
    scale = max(np.abs(actual).max(initial=0.0), np.abs(expected).max(initial=0.0))
    if scale == 0.0:
        return 0.0
    return float(np.abs(actual - expected).max() / scale)
