"""Numerically stable sigmoid and tanh, with derivatives written from the forward output.

    sigmoid(z) = 1 / (1 + exp(-z)) = (1 + tanh(z / 2)) / 2
    tanh(z)    = (exp(z) - exp(-z)) / (exp(z) + exp(-z))

The naive `1 / (1 + np.exp(-z))` overflows `exp` for z below about -710 (float64) or -89
(float32) and a hand-written tanh from `exp` overflows the same way. Here sigmoid is computed
through the identity on the right, which only calls `np.tanh`: tanh saturates to exactly +-1 and
never overflows, so sigmoid(-1000) = 0 and sigmoid(1000) = 1 with no warning. The identity is
exact in real arithmetic; in floating point its absolute error is a few ulp of 1.

Derivatives are expressed through the outputs, which the forward pass keeps anyway:

    d sigmoid / dz = s * (1 - s)        d tanh / dz = 1 - t * t

The trailing-underscore variants work in place on an existing array (no allocation), which is
what the per-time-step loops use.
"""

import numpy as np


def sigmoid_(z: np.ndarray) -> np.ndarray:
    """Replace `z` by sigmoid(z) in place and return it."""
    np.multiply(z, 0.5, out=z)
    np.tanh(z, out=z)
    np.multiply(z, 0.5, out=z)
    np.add(z, 0.5, out=z)
    return z


def tanh_(z: np.ndarray) -> np.ndarray:
    """Replace `z` by tanh(z) in place and return it."""
    return np.tanh(z, out=z)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigmoid(z) as a new array, stable for any finite z."""
    return sigmoid_(np.array(z, dtype=np.result_type(z, np.float32), copy=True))


def tanh(z: np.ndarray) -> np.ndarray:
    """tanh(z) as a new array (NumPy's tanh saturates without overflow)."""
    return np.tanh(np.asarray(z))


def sigmoid_grad_from_output(s: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """d sigmoid(z)/dz = s * (1 - s), given s = sigmoid(z); into `out` when given."""
    out = np.empty_like(s) if out is None else out
    np.subtract(1, s, out=out)
    out *= s
    return out


def tanh_grad_from_output(t: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """d tanh(z)/dz = 1 - t * t, given t = tanh(z); into `out` when given."""
    out = np.empty_like(t) if out is None else out
    np.multiply(t, t, out=out)
    np.subtract(1, out, out=out)
    return out
