"""Layer normalisation of the last axis as two pure functions, forward and backward.

Shared by `lstmkit.nn.LayerNorm` and the layer-normalised LSTM step
(`lstmkit.cells.lstm_regularised`). Means run over the last axis of x (..., F):

    mean = mean(x)
    var  = mean((x - mean)^2)              (biased variance, as torch)
    rstd = 1 / sqrt(var + eps)
    xhat = (x - mean) * rstd
    y    = xhat * weight + bias            (y = xhat when weight is None)

Backward, for dy = dL/dy (sums over every leading axis):

    dxhat   = dy * weight
    dx      = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
    dweight = sum(dy * xhat)              dbias = sum(dy)
"""

import numpy as np


def layer_norm_forward(x, weight, bias, eps):
    """(y, xhat, rstd) for x (..., F); weight and bias (F,) or both None."""
    centred = x - x.mean(axis=-1, keepdims=True)
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt(var + x.dtype.type(eps))
    xhat = centred * rstd
    y = xhat.copy() if weight is None else xhat * weight + bias
    return y, xhat, rstd


def layer_norm_backward(dy, xhat, rstd, weight):
    """(dx, dweight, dbias) for dy (..., F); dweight and dbias are None when weight is None."""
    dweight = dbias = None
    dxhat = dy
    if weight is not None:
        leading = tuple(range(dy.ndim - 1))
        dweight = np.sum(dy * xhat, axis=leading)
        dbias = np.sum(dy, axis=leading)
        dxhat = dy * weight
    mean_dxhat = dxhat.mean(axis=-1, keepdims=True)
    mean_dxhat_xhat = np.mean(dxhat * xhat, axis=-1, keepdims=True)
    dx = rstd * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat)
    return dx, dweight, dbias
