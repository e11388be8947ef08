"""Gradient clipping by global norm and by value, in place, as torch.nn.utils does it."""

import math

import numpy as np

from lstmkit.optim.base import non_negative


def clip_grad_norm(model, max_norm: float, norm_type: float | str = 2.0) -> float:
    """Scale all gradients together so that their global norm is at most `max_norm`.

    With `grads` the arrays of `model.grads` (`model`: a Module, an Optimizer, or anything with
    a `grads` dict):

        norm = (sum over grads of sum(|grad| ** norm_type)) ** (1 / norm_type)
        norm = max over grads of max(|grad|)                        (norm_type inf)
        coef = max_norm / (norm + 1e-6)
        grad = grad * coef, for every grad, when coef < 1

    which is torch.nn.utils.clip_grad_norm_'s rule (torch always multiplies by min(coef, 1)).
    The norm is accumulated in float64 whatever the gradients' dtype, so float32 gradients
    cannot overflow it.

    A NaN or infinite norm (some gradient is not finite) is returned and the gradients are
    left unchanged. torch (with its default `error_if_nonfinite=False`) would multiply them by
    NaN or 0, which hides where the problem came from; here the optimizer's next `step()`
    raises a FloatingPointError naming the parameter instead.

    Args:
        model: anything with a `grads` dict of arrays.
        max_norm: the largest norm allowed, >= 0.
        norm_type: p of the p-norm, > 0, or inf (float("inf") or "inf") for the max norm.

    Returns:
        The global norm before clipping, as a Python float.
    """
    max_norm = non_negative("max_norm", max_norm)
    p = _norm_type(norm_type)
    grads = _grads(model)
    norm = _global_norm(grads, p)
    if math.isfinite(norm):
        coef = max_norm / (norm + 1e-6)
        if coef < 1:
            for grad in grads:
                grad *= coef
    return norm


def clip_grad_value(model, clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place.

    As torch.nn.utils.clip_grad_value_; NaN elements stay NaN.

    Args:
        model: anything with a `grads` dict of arrays.
        clip_value: the largest magnitude allowed, >= 0.
    """
    clip_value = non_negative("clip_value", clip_value)
    for grad in _grads(model):
        np.clip(grad, -clip_value, clip_value, out=grad)


def _grads(model) -> list[np.ndarray]:
    grads = getattr(model, "grads", None)
    if not isinstance(grads, dict):
        raise TypeError(
            f"model must have a `grads` dict of arrays (a Module); got {type(model).__name__}"
        )
    return list(grads.values())


def _norm_type(norm_type) -> float:
    if isinstance(norm_type, str) and norm_type == "inf":
        return math.inf
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float, np.number)):
        raise TypeError(f"norm_type must be a positive number or 'inf'; got {norm_type!r}")
    if not norm_type > 0:
        raise ValueError(f"norm_type must be > 0 or inf; got {norm_type!r}")
    return float(norm_type)


def _global_norm(grads: list[np.ndarray], p: float) -> float:
    if not grads:
        return 0.0
    if p == math.inf:
        # np.max, not Python's max, so that a NaN anywhere makes the norm NaN
        return float(np.max([np.max(np.abs(grad), initial=0.0) for grad in grads]))
    total = 0.0
    for grad in grads:
        flat = grad.astype(np.float64, copy=False).ravel()
        if p == 2:
            total += float(np.dot(flat, flat))
        elif p == 1:
            total += float(np.abs(flat).sum())
        else:
            total += float((np.abs(flat) ** p).sum())
    return total ** (1 / p) if p != 2 else math.sqrt(total)
