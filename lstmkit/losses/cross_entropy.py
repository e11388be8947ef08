"""Softmax cross-entropy over class indices, with its gradient with respect to the logits.

Shapes: logits (..., C) with the class axis LAST, lstmkit's convention ((N, C) per sequence,
(N, T, C) per time step); target (...) integer class indices; C classes. PyTorch puts the class
axis at 1 instead; the values and gradients are otherwise those of
torch.nn.functional.cross_entropy.

For a position i with target y = target[i], log-probabilities logp = log_softmax(logits[i]),
class weights w (all 1 when `weight` is None), W = sum_c w_c, smoothing eps = label_smoothing:

    loss_i = (1 - eps) * w_y * (-logp_y)  +  (eps / C) * sum_c w_c * (-logp_c)

A position is valid when target[i] != ignore_index and mask[i] is True; invalid positions
(padding) have loss_i = 0 and a zero gradient. Over the valid positions V:

    "sum":  loss = sum_{i in V} loss_i
    "mean": loss = sum_{i in V} loss_i / denom,  denom = sum_{i in V} w_{y_i}   (|V| unweighted)
    "none": loss = loss_i per position (0 where invalid), gradient of their sum

This is PyTorch's weighted mean: the denominator holds only the weights of the targets, also when
label smoothing adds terms weighted by other classes. With p = softmax(logits[i]) and s the
scale of a position (1/denom for "mean", 1 otherwise, 0 when invalid):

    dlogits[i, k] = s * ( p_k * ((1 - eps) * w_y + (eps / C) * W)
                          - (1 - eps) * w_y * [k == y]  -  (eps / C) * w_k )

Empty mean: when denom = 0 (no valid position, or the targets' weights sum to 0), "mean" returns
0.0 and a zero gradient; PyTorch returns nan (0 / 0). A batch made only of padding then gives
no signal instead of nan parameters.

Computation runs in the logits' floating dtype (weight is cast to it); reduced values are summed
in float64. A reduced loss is a NumPy scalar of that dtype, "none" an array of target's shape;
dlogits has logits' shape and dtype.
"""

import numbers

import numpy as np

from lstmkit.losses.checks import (
    as_float_array,
    check_mask,
    check_reduction,
    index_of_first,
)
from lstmkit.ops.softmax import log_softmax_with_softmax


def _check_target(target, shape: tuple) -> np.ndarray:
    """An integer array of `shape` (values are checked against C later, where valid)."""
    array = np.asarray(target)
    if array.dtype.kind not in "iu":
        detail = ""
        if array.dtype.kind == "f":
            fractional = ~np.isfinite(array) | (array != np.trunc(array))
            if fractional.any():
                index = index_of_first(fractional)
                detail = f"; first non-integer value {array[index]} at index {index}"
            else:
                detail = " (convert with target.astype(np.int64))"
        raise TypeError(
            f"target must be an integer array of class indices; got dtype {array.dtype}{detail}"
        )
    if array.shape != shape:
        raise ValueError(f"target must have shape {shape} (logits.shape[:-1]); got {array.shape}")
    return array.astype(np.int64, copy=False)


def _check_weight(weight, num_classes: int, dtype) -> np.ndarray | None:
    if weight is None:
        return None
    array = as_float_array(weight, "weight", dtype)
    if array.shape != (num_classes,):
        raise ValueError(
            f"weight must have shape ({num_classes},), one weight per class; got {array.shape}"
        )
    negative = array < 0
    if negative.any():
        index = index_of_first(negative)
        raise ValueError(f"weight must be non-negative; got {array[index]} at index {index}")
    return array


def _check_options(ignore_index, label_smoothing) -> tuple[int, float]:
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
        raise TypeError(f"ignore_index must be an integer; got {ignore_index!r}")
    if (
        isinstance(label_smoothing, bool)
        or not isinstance(label_smoothing, numbers.Real)
        or not 0.0 <= label_smoothing <= 1.0
    ):
        raise ValueError(f"label_smoothing must be a number in [0, 1]; got {label_smoothing!r}")
    return int(ignore_index), float(label_smoothing)


def _valid_positions(target, mask, ignore_index: int, num_classes: int) -> np.ndarray:
    """valid = (target != ignore_index) & mask, after checking valid targets lie in [0, C)."""
    valid = target != ignore_index
    if mask is not None:
        valid &= mask
    bad = valid & ((target < 0) | (target >= num_classes))
    if bad.any():
        index = index_of_first(bad)
        raise ValueError(
            f"target must hold class indices in [0, {num_classes}) (or ignore_index="
            f"{ignore_index}) at unmasked positions; got {target[index]} at index {index}"
        )
    return valid


def cross_entropy(
    logits,
    target,
    *,
    mask=None,
    weight=None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
):
    """Softmax cross-entropy of `logits` (..., C) against integer `target` (...).

    mask: optional boolean (...), False at padded positions (they count like ignore_index).
    weight: optional (C,) non-negative class weights. label_smoothing: eps in [0, 1].
    reduction: "mean" | "sum" | "none". Returns (loss, dlogits); formulas in the module
    docstring. Targets at invalid positions are not range-checked (padding may hold anything).
    """
    reduction = check_reduction(reduction)
    ignore_index, eps = _check_options(ignore_index, label_smoothing)
    logits = as_float_array(logits, "logits")
    if logits.ndim == 0 or logits.shape[-1] == 0:
        raise ValueError(f"logits must have shape (..., C) with C >= 1; got {logits.shape}")
    dtype = logits.dtype
    num_classes = logits.shape[-1]
    target = _check_target(target, logits.shape[:-1])
    mask = check_mask(mask, target.shape, "target.shape", exact=True)
    weight = _check_weight(weight, num_classes, dtype)
    valid = _valid_positions(target, mask, ignore_index, num_classes)

    logp, p = log_softmax_with_softmax(logits, axis=-1)
    y = np.where(valid, target, 0)[..., None]  # a safe class index at invalid positions too
    w_y = np.ones(target.shape, dtype) if weight is None else weight[y[..., 0]]
    w_y = np.where(valid, w_y, dtype.type(0))  # valid * w_y: invalid positions weigh nothing

    losses = -np.take_along_axis(logp, y, axis=-1)[..., 0] * w_y
    if eps > 0:
        smooth = -(logp.sum(axis=-1) if weight is None else logp @ weight)
        losses = (1 - eps) * losses + (eps / num_classes) * np.where(valid, smooth, 0)

    if reduction == "mean":
        denom = w_y.sum(dtype=np.float64)
        if denom == 0:
            return dtype.type(0), np.zeros_like(logits)
        scale = np.where(valid, dtype.type(1 / denom), dtype.type(0))
        loss = dtype.type(losses.sum(dtype=np.float64) / denom)
    else:
        scale = valid.astype(dtype)
        loss = losses if reduction == "none" else dtype.type(losses.sum(dtype=np.float64))

    # dlogits = s * (p * ((1 - eps) w_y + (eps / C) W) - (1 - eps) w_y [k == y] - (eps / C) w)
    total_weight = num_classes if weight is None else weight.sum()
    on_p = scale * ((1 - eps) * w_y + (eps / num_classes) * total_weight)
    dlogits = p
    dlogits *= on_p[..., None]
    at_target = np.take_along_axis(dlogits, y, axis=-1) - ((1 - eps) * scale * w_y)[..., None]
    np.put_along_axis(dlogits, y, at_target, axis=-1)
    if eps > 0:
        smooth_weight = 1 if weight is None else weight
        dlogits -= (eps / num_classes) * scale[..., None] * smooth_weight
    return loss, dlogits.astype(dtype, copy=False)
