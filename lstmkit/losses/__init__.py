"""Losses, each returning its value and its gradient(s) with respect to its inputs.

    cross_entropy(logits, target, ...) -> (loss, dlogits)        class axis last: (N, C), (N, T, C)
    mse / mae / huber(pred, target, ...) -> (loss, dpred)
    gaussian_nll(mean, var, target, ...) -> (loss, dmean, dvar)

Values and gradients are those of the torch.nn.functional losses of the same names, with one
documented difference: a "mean" over no valid position is 0.0 with zero gradients (PyTorch: nan).
Every loss takes an optional boolean `mask` (False = padding) and `reduction` "mean" | "sum" |
"none".
"""

from lstmkit.losses.cross_entropy import cross_entropy
from lstmkit.losses.gaussian_nll import gaussian_nll
from lstmkit.losses.regression import huber, mae, mse

__all__ = ["cross_entropy", "gaussian_nll", "huber", "mae", "mse"]
