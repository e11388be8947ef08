"""Divergence: which training steps count as diverged, how an exploding update is undone, and
the error raised when training cannot recover.

A training step diverged when
1. its loss, or the global norm of its gradients, is NaN or infinite;
2. a NaN or infinite value met a layer's finiteness check during its forward or backward pass
   (`lstmkit.validation.NonFiniteValuesError`) after the run had updated the weights. The
   training data were checked before training began, so such a value is an overflow inside
   the network, not a fault of the data. Before any update the weights are those the run
   began with, which no learning rate has touched: the layer's error is then raised as it is;
3. its update exploded: it left a weight NaN or infinite, or it moved the weights by more than
   their own size, i.e. the global L2 norm of the change exceeds the larger of 1 and the global
   L2 norm of the weights before the update. Ordinary training changes the weights by a few
   percent of their norm per step (Adam moves each weight by about lr, so the change relative to
   the weights is about lr over a typical weight: 0.004 to 0.04 at lr 1e-3 to 1e-2 in lstmkit's
   models; with Adam the rule fires from lr of about 0.3). A step that moves them further jumps
   out of the region the gradient describes: with lr 1e3 the LSTM's gates saturate and its
   output is constant garbage.

The Trainer skips (1, 2) or undoes (3) such a step, so the weights stay at their last good
values, and then applies its `on_nonfinite` rule.
"""

import math

import numpy as np

from lstmkit.training.step import NonFiniteError


def snapshot(params: dict) -> dict:
    """Copies of the weights, to put back if the coming update explodes."""
    return {name: value.copy() for name, value in params.items()}


def put_back(params: dict, before: dict) -> None:
    """Restore the weights of `snapshot`, in place (the optimizer holds these very arrays)."""
    for name, value in params.items():
        value[...] = before[name]


def exploded_update(params: dict, before: dict) -> str | None:
    """What is wrong with the update from `before` to `params` (rule 3 of the module
    docstring), or None when it is an ordinary update."""
    change_sq, weights_sq = 0.0, 0.0
    # in the weights' own dtype, fast: a sum of squares that overflows is inf, an explosion
    with np.errstate(over="ignore", invalid="ignore"):
        for name, value in params.items():
            change, old = (value - before[name]).ravel(), before[name].ravel()
            change_sq += float(np.dot(change, change))
            weights_sq += float(np.dot(old, old))
    if not math.isfinite(change_sq):
        bad = [name for name, value in params.items() if not np.all(np.isfinite(value))]
        if bad:
            return f"an update that made weight {bad[0]!r} NaN or infinite"
    change, weights = math.sqrt(change_sq), math.sqrt(weights_sq)
    if change > max(weights, 1.0):
        return f"an exploding update (norm {change:.3g} on weights of norm {weights:.3g})"
    return None


def divergence_error(summary: str, what: str, first_lr: float, lr: float) -> NonFiniteError:
    """The error when training could not recover from diverged steps: `summary` says how many
    (e.g. "11 steps in a row diverged"), `what` the last one; it names the learning rate the
    run started with, and the remedy."""
    halved = f" and was halved to {lr:.3g}" if lr != first_lr else ""
    return NonFiniteError(
        f"training diverged and could not recover: {summary} (the last: {what}); the learning "
        f"rate started at lr={first_lr:.3g}{halved}. Lower lr"
    )
