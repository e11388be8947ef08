"""Regression losses (mean squared error, mean absolute error, Huber), each with its gradient.

With d = pred - target, element by element (PyTorch's definitions):

    mse:    l = d * d                                  dl/dpred = 2 * d
    mae:    l = |d|                                    dl/dpred = sign(d)   (0 where d == 0)
    huber:  l = 0.5 * d * d             if |d| < delta dl/dpred = d
            l = delta * (|d| - 0.5 * delta) otherwise  dl/dpred = delta * sign(d)

Reductions over the valid elements V (all elements when `mask` is None):

    "sum":  loss = sum_{e in V} l_e                    dpred = dl/dpred on V, 0 elsewhere
    "mean": loss = sum_{e in V} l_e / |V|              dpred = dl/dpred / |V| on V, 0 elsewhere
    "none": loss = l with 0 at masked elements         dpred = gradient of loss.sum()

`mask` is a boolean array whose shape is a leading part of pred's shape: a (N, T) mask for a
(N, T, F) prediction marks whole time steps, and each valid step counts its F elements, so
|V| = mask.sum() * F. It is broadcast by appending axes on the right (not NumPy's left-padding).

When V is empty (everything masked, or an empty batch), "mean" returns 0.0 with a zero
gradient, where PyTorch's mean of nothing is nan: a batch made only of padding then trains as
"no signal" instead of poisoning the parameters with nan.

The computation runs in pred's floating dtype (float32 stays float32; target is cast to it);
sums for the reduced value are accumulated in float64. A reduced loss is returned as a NumPy
scalar of that dtype, "none" as an array; gradients have pred's shape and that dtype.

"""

import numpy as np

from lstmkit.losses.checks import (
    as_float_array,
    check_mask,
    check_positive_float,
    check_reduction,
    check_same_shape,
    reduce_elementwise,
)

# ---------------------------------------------------------------------------------------------
# The losses.


def _prepare(pred, target, mask, reduction):
    reduction = check_reduction(reduction)
    pred = as_float_array(pred, "pred")
    target = as_float_array(target, "target", pred.dtype)
    check_same_shape(target, "target", pred.shape, "pred.shape")
    mask = check_mask(mask, pred.shape, "pred.shape")
    return pred, target, mask, reduction


def mse(pred, target, *, mask=None, reduction: str = "mean"):
    """Mean squared error: l = d * d with d = pred - target; dl/dpred = 2 * d.

    pred, target: arrays of one shape (any, e.g. (N, F) or (N, T, F)). mask: optional boolean
    array over pred's leading axes (see the module docstring). Returns (loss, dpred).
    """
    pred, target, mask, reduction = _prepare(pred, target, mask, reduction)
    d = pred - target
    return reduce_elementwise(d * d, [2 * d], mask, reduction)


def mae(pred, target, *, mask=None, reduction: str = "mean"):
    """Mean absolute error (L1): l = |d| with d = pred - target; dl/dpred = sign(d), 0 at d = 0.

    The gradient at d == 0 is 0, PyTorch's choice (sign(0) = 0). Returns (loss, dpred).
    """
    pred, target, mask, reduction = _prepare(pred, target, mask, reduction)
    d = pred - target
    return reduce_elementwise(np.abs(d), [np.sign(d)], mask, reduction)


def huber(pred, target, *, delta: float = 1.0, mask=None, reduction: str = "mean"):
    """Huber loss with threshold `delta` > 0, d = pred - target:

        l = 0.5 * d * d                  dl/dpred = d                  where |d| < delta
        l = delta * (|d| - 0.5 * delta)  dl/dpred = delta * sign(d)    where |d| >= delta

    Both pieces and their slopes meet at |d| = delta. Returns (loss, dpred).
    """
    delta = check_positive_float(delta, "delta")
    pred, target, mask, reduction = _prepare(pred, target, mask, reduction)
    d = pred - target
    a = np.abs(d)
    quadratic = a < delta
    delta_ = pred.dtype.type(delta)
    values = np.where(quadratic, 0.5 * d * d, delta_ * (a - 0.5 * delta_))
    grad = np.where(quadratic, d, delta_ * np.sign(d))
    return reduce_elementwise(values, [grad], mask, reduction)
