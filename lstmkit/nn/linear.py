"""Linear: the affine map y = x weight^T + bias over the last axis."""

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module, parameter_array
from lstmkit.random import as_generator
from lstmkit.validation import check_array, check_flag, check_positive_int, resolve_dtype


class Linear(Module):
    """Affine layer over the last axis, PyTorch's layout and initialisation.

    Equations (I = in_features, O = out_features, `...` any leading axes):

        y = x weight^T + bias                      x (..., I), weight (O, I), bias (O,), y (..., O)

    Backward, for dy = dL/dy, with the leading axes summed over for the parameters:

        dx      = dy weight
        dweight += dy^T x
        dbias   += sum(dy)

    Args:
        in_features: I, the size of the last axis of x.
        out_features: O, the size of the last axis of y.
        bias: with False, no `bias` parameter (`self.bias` is None).
        dtype: "float32" (default) or "float64": the parameters' and outputs' dtype; inputs
            are cast to it.
        seed: None, an int, a np.random.Generator or a SeedSequence (lstmkit.random): the
            initialisation draws from it only (a Generator is used, so advanced).

    Both parameters start U(-1/sqrt(I), 1/sqrt(I)), as torch.nn.Linear's.

    Example:
        >>> m = Linear(8, 4, seed=0)
        >>> m(np.zeros((2, 5, 8))).shape
        (2, 5, 4)
    """

    def __init__(self, in_features, out_features, bias=True, dtype="float32", seed=None):
        super().__init__()
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        self.dtype = resolve_dtype(dtype)
        self._init_rng = as_generator(seed)
        shape = (self.out_features, self.in_features)
        self.weight = self.add_parameter("weight", parameter_array(shape, self.dtype))
        self.bias = None
        if check_flag(bias, "bias"):
            self.bias = self.add_parameter("bias", parameter_array(self.out_features, self.dtype))
        self._x = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight and bias ~ U(-1/sqrt(in_features), 1/sqrt(in_features)), in that order."""
        bound = 1.0 / np.sqrt(self.in_features)
        for value in self._own_params.values():
            value[...] = self._init_rng.uniform(-bound, bound, size=value.shape)

    def forward(self, x):
        """y (..., out_features) for x (..., in_features)."""
        x = check_array(x, "x", np.shape(x), self.dtype)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"x must have last dimension {self.in_features} (in_features); got shape {x.shape}"
            )
        self._x = x
        y = x @ self.weight.T
        if self.bias is not None:
            y += self.bias
        return y

    def backward(self, dy):
        """dx = dL/dx for dy = dL/dy; adds dL/dweight and dL/dbias into `grads`."""
        if self._x is None:
            raise NoForwardPassError("Linear.backward called before forward: run forward(x) first")
        x = self._x
        expected = x.shape[:-1] + (self.out_features,)
        dy = check_array(dy, "dy", expected, self.dtype)
        dy_rows = dy.reshape(-1, self.out_features)
        self._own_grads["weight"] += dy_rows.T @ x.reshape(-1, self.in_features)
        if self.bias is not None:
            self._own_grads["bias"] += dy_rows.sum(axis=0)
        return dy @ self.weight

    def get_config(self) -> dict:
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "bias": self.bias is not None,
            "dtype": self.dtype.name,
        }

    def __repr__(self) -> str:
        extra = "" if self.bias is not None else ", bias=False"
        if self.dtype != np.float32:
            extra += f", dtype='{self.dtype.name}'"
        return f"Linear({self.in_features}, {self.out_features}{extra})"
