"""Gaussian negative log-likelihood with its gradients with respect to the mean and the variance.

The semantics of torch.nn.functional.gaussian_nll_loss(mean, target, var). Element by element,
with v = max(var, eps) (broadcast to mean's shape) and d = mean - target:

    l = 0.5 * (log(v) + d * d / v)   [+ 0.5 * log(2 pi) when full=True]
    dl/dmean = d / v
    dl/dvar  = 0.5 * (1 / v - d * d / (v * v))

The clamp v = max(var, eps) is the gradient's blind spot, on purpose: PyTorch clamps a copy of
var in place under no_grad, so autograd never sees the clamp and passes the gradient through it
as if it were the identity. Where var < eps, dvar is therefore dl/dv evaluated at v = eps (not 0,
as the derivative of the clamped function would be); this module returns the same, to match.

var may have (PyTorch's rules, checked in this order):
  - mean's shape (heteroscedastic);
  - mean.shape[:-1], one variance shared by the last axis (it is given a trailing axis of 1);
  - mean's number of axes, differing from mean's shape in exactly one axis, where var has 1;
  - a Python float or a 0-d array (an lstmkit extension: one variance for everything).
dvar has var's shape: the gradient summed over the axes along which var was broadcast.

Reductions over the valid elements V of mean's shape (all when `mask` is None; `mask` is a
boolean array over mean's leading axes, e.g. (N, T) for (N, T, F), broadcast on the right so
each valid step counts all its F elements): "sum" adds l over V, "mean" divides that by |V|,
"none" returns l with 0 at masked elements (gradients are then those of its sum). An empty V
gives "mean" = 0.0 with zero gradients (PyTorch: nan).

Computation runs in mean's floating dtype (target and var are cast to it); reduced values are
summed in float64. Returns (loss, dmean, dvar), the gradients in that dtype.
"""

import math

import numpy as np

from lstmkit.losses.checks import (
    as_float_array,
    check_mask,
    check_positive_float,
    check_reduction,
    check_same_shape,
    index_of_first,
    reduce_elementwise,
)


def _broadcast_var(var: np.ndarray, shape: tuple) -> np.ndarray:
    """var reshaped so that it broadcasts to mean's `shape` (PyTorch's accepted shapes)."""
    if var.shape == shape or var.ndim == 0:
        return var
    if var.shape == shape[:-1]:
        return var[..., None]
    if var.ndim == len(shape):
        mismatched = [(m, v) for m, v in zip(shape, var.shape, strict=True) if m != v]
        if len(mismatched) == 1 and mismatched[0][1] == 1:
            return var
    raise ValueError(
        f"var must have mean's shape {shape}, mean.shape[:-1] {shape[:-1]}, mean's shape with "
        f"one axis of size 1 (e.g. {shape[:-1] + (1,)}), or be a scalar; got {var.shape}"
    )


def _sum_to_shape(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting expanded from `shape` (same ndim or 0-d)."""
    if grad.shape == shape:
        return grad
    if len(shape) == 0:
        return np.asarray(grad.sum(), dtype=grad.dtype)
    axes = tuple(a for a, (g, s) in enumerate(zip(grad.shape, shape, strict=True)) if g != s)
    return grad.sum(axis=axes, keepdims=True)


def gaussian_nll(
    mean,
    var,
    target,
    *,
    mask=None,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
):
    """Gaussian NLL of `target` under N(mean, var): 0.5 * (log(v) + (mean - target)^2 / v).

    mean, target: arrays of one shape; var: see the module docstring; v = max(var, eps).
    Note the argument order (mean, var, target), unlike PyTorch's (input, target, var).
    Returns (loss, dmean, dvar) with dmean of mean's shape and dvar of var's shape.
    """
    reduction = check_reduction(reduction)
    eps = check_positive_float(eps, "eps")
    if not isinstance(full, bool | np.bool_):
        raise TypeError(f"full must be a bool; got {full!r}")
    mean = as_float_array(mean, "mean")
    dtype = mean.dtype
    target = as_float_array(target, "target", dtype)
    check_same_shape(target, "target", mean.shape, "mean.shape")
    var = as_float_array(var, "var", dtype)
    negative = var < 0
    if negative.any():
        index = index_of_first(negative)
        raise ValueError(f"var must be non-negative; got {var[index]} at index {index}")
    var_shape = var.shape
    v = _broadcast_var(var, mean.shape)
    mask = check_mask(mask, mean.shape, "mean.shape")

    v = np.maximum(v, dtype.type(eps))  # a clamped copy; the gradient passes straight through
    d = mean - target
    q = d * d
    values = 0.5 * (np.log(v) + q / v)
    if full:
        values += dtype.type(0.5 * math.log(2 * math.pi))
    dmean = d / v
    dvar = 0.5 * (1 / v - q / (v * v))  # mean's shape: q has it and v broadcasts to it
    loss, dmean, dvar = reduce_elementwise(values, [dmean, dvar], mask, reduction)
    v_broadcast_shape = var_shape if var.ndim == 0 else v.shape
    dvar = _sum_to_shape(dvar, v_broadcast_shape).reshape(var_shape)
    return loss, dmean, dvar
