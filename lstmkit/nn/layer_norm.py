"""LayerNorm: normalise the last axis to zero mean and unit variance, then scale and shift."""

import numbers

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module, parameter_array
from lstmkit.ops.layer_norm import layer_norm_backward, layer_norm_forward
from lstmkit.validation import check_array, check_flag, check_positive_int, resolve_dtype


class LayerNorm(Module):
    """Layer normalisation over the last axis, with torch.nn.LayerNorm's semantics.

    Equations (F = normalized_shape, means over the last axis of x (..., F)):

        mean = mean(x)
        var  = mean((x - mean)^2)              (biased variance, as torch)
        rstd = 1 / sqrt(var + eps)
        xhat = (x - mean) * rstd
        y    = xhat * weight + bias            (y = xhat without elementwise_affine)

    Backward, for dy = dL/dy (means over the last axis, sums over the leading axes):

        dxhat    = dy * weight
        dx       = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
        dweight += sum(dy * xhat)
        dbias   += sum(dy)

    Args:
        normalized_shape: F, the size of the last axis (an int, or a 1-tuple as torch takes).
        eps: added to the variance for stability.
        elementwise_affine: learn `weight` (F,) starting at ones and `bias` (F,) at zeros;
            with False there are no parameters (`self.weight` and `self.bias` are None).
        dtype: "float32" (default) or "float64": parameters, outputs; inputs are cast to it.

    Example:
        >>> m = LayerNorm(8)
        >>> m(np.random.default_rng(0).standard_normal((2, 5, 8))).shape
        (2, 5, 8)
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, dtype="float32"):
        super().__init__()
        self.normalized_shape = _check_normalized_shape(normalized_shape)
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0:
            raise ValueError(f"eps must be a positive number; got {eps!r}")
        self.eps = float(eps)
        self.elementwise_affine = check_flag(elementwise_affine, "elementwise_affine")
        self.dtype = resolve_dtype(dtype)
        self.weight = self.bias = None
        if self.elementwise_affine:
            size = self.normalized_shape
            self.weight = self.add_parameter("weight", parameter_array(size, self.dtype, 1))
            self.bias = self.add_parameter("bias", parameter_array(size, self.dtype))
        self._cache = None

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        if self.elementwise_affine:
            self.weight.fill(1)
            self.bias.fill(0)

    def forward(self, x):
        """y (..., F) for x (..., F)."""
        x = check_array(x, "x", np.shape(x), self.dtype)
        if x.ndim == 0 or x.shape[-1] != self.normalized_shape:
            raise ValueError(
                f"x must have last dimension {self.normalized_shape} (normalized_shape); "
                f"got shape {x.shape}"
            )
        weight, bias = (self.weight, self.bias) if self.elementwise_affine else (None, None)
        y, xhat, rstd = layer_norm_forward(x, weight, bias, self.eps)
        self._cache = (xhat, rstd)
        return y

    def backward(self, dy):
        """dx = dL/dx for dy = dL/dy; adds dL/dweight and dL/dbias into `grads`."""
        if self._cache is None:
            raise NoForwardPassError(
                "LayerNorm.backward called before forward: run forward(x) first"
            )
        xhat, rstd = self._cache
        dy = check_array(dy, "dy", xhat.shape, self.dtype)
        dx, dweight, dbias = layer_norm_backward(dy, xhat, rstd, self.weight)
        if self.elementwise_affine:
            self._own_grads["weight"] += dweight
            self._own_grads["bias"] += dbias
        return dx

    def __repr__(self) -> str:
        extra = "" if self.eps == 1e-5 else f", eps={self.eps}"
        if not self.elementwise_affine:
            extra += ", elementwise_affine=False"
        if self.dtype != np.float32:
            extra += f", dtype='{self.dtype.name}'"
        return f"LayerNorm({self.normalized_shape}{extra})"


def _check_normalized_shape(normalized_shape) -> int:
    value = normalized_shape
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(
                "normalized_shape must be an int (LayerNorm normalises the last axis only); "
                f"got {normalized_shape!r}"
            )
        value = value[0]
    return check_positive_int(value, "normalized_shape")
