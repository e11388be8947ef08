"""Dropout: inverted dropout in training mode, the identity in evaluation mode."""

import numbers

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module
from lstmkit.random import as_generator
from lstmkit.validation import check_array


class Dropout(Module):
    """Zero each element with probability p in training mode, scaling the rest by 1 / (1 - p).

    Equations (training mode; in evaluation mode, `eval()`, mask = 1 and y = x):

        keep = u >= p,  u ~ U[0, 1) per element, drawn from the layer's own generator
        mask = keep / (1 - p)                  (all zeros when p = 1)
        y    = x * mask                        so E[y] = x
        dx   = dy * mask                       (the mask of the last forward pass)

    Args:
        p: the probability of zeroing an element, in [0, 1].
        seed: None, an int, a np.random.Generator or a SeedSequence (see lstmkit.random): the
            masks draw from this generator only (its state is part of `rng_states()`), so the
            same seed gives the same masks. A Generator is used as is (shared, advanced).

    Float32 and float64 inputs keep their dtype; other real inputs are cast to float32.

    Example:
        >>> m = Dropout(0.5, seed=0)
        >>> y = m(np.ones((2, 4)))
        >>> bool(np.all((y == 0.0) | (y == 2.0)))  # each element zeroed or scaled by 1 / (1 - p)
        True
        >>> m.eval()(np.ones((2, 4)))              # evaluation mode: the identity
        array([[1., 1., 1., 1.],
               [1., 1., 1., 1.]])
    """

    def __init__(self, p=0.5, seed=None):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
            raise ValueError(f"p must be a probability in [0, 1]; got {p!r}")
        self.p = float(p)
        self._rng = as_generator(seed)
        self._mask = None
        self._shape = self._dtype = None

    def forward(self, x):
        """y = x * mask in training mode (a fresh mask per call), y = x in evaluation mode."""
        x = np.asarray(x)
        x = check_array(x, "x", x.shape, _float_dtype(x))
        self._shape, self._dtype = x.shape, x.dtype
        if not self.training or self.p == 0.0:
            self._mask = None
            return x.copy()
        keep = 1.0 - self.p
        if keep == 0.0:
            self._mask = np.zeros(x.shape, x.dtype)
        else:
            self._mask = (self._rng.random(x.shape) >= self.p).astype(x.dtype) / x.dtype.type(keep)
        return x * self._mask

    def backward(self, dy):
        """dx = dy * mask (dx = dy after an evaluation-mode forward)."""
        if self._shape is None:
            raise NoForwardPassError("Dropout.backward called before forward: run forward(x) first")
        dy = check_array(dy, "dy", self._shape, self._dtype)
        if self._mask is None:
            return dy.copy()
        return dy * self._mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


def _float_dtype(array: np.ndarray) -> np.dtype:
    """float32 and float64 stay; any other dtype becomes float32 (check_array rejects non-reals)."""
    if array.dtype in (np.float32, np.float64):
        return array.dtype
    return np.dtype(np.float32)
