"""BatchNorm1d: normalise each channel over the batch and the valid time steps."""

import functools
import numbers

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module, parameter_array
from lstmkit.validation import (
    check_array,
    check_flag,
    check_lengths,
    check_positive_int,
    resolve_dtype,
)


class BatchNorm1d(Module):
    """Batch normalisation per channel, with torch.nn.BatchNorm1d's semantics, masked by lengths.

    The statistics of channel c are taken over the M counted elements x[n, t, c]: every step
    of every sequence, or with `lengths` only the valid steps (t < lengths[n]), so padding
    never reaches them. In training mode:

        mean = sum(x) / M
        var  = sum((x - mean)^2) / M           (biased: used to normalise, as torch)
        rstd = 1 / sqrt(var + eps)
        xhat = (x - mean) * rstd
        y    = xhat * weight + bias            (y = xhat without affine); y = 0 at padding

        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var  = (1 - momentum) * running_var  + momentum * var * M / (M - 1)
        num_batches_tracked += 1               (momentum=None: momentum = 1 / that count)

    In evaluation mode (`eval()`), with running statistics tracked, mean and var are
    running_mean and running_var and nothing is updated; without them (track_running_stats
    =False) the batch statistics are used in both modes, as torch does.

    Backward, for dy = dL/dy (means and sums over the counted elements, dx = 0 at padding):

        dxhat    = dy * weight
        dx       = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))   (training)
        dx       = rstd * dxhat                                              (running stats)
        dweight += sum(dy * xhat)
        dbias   += sum(dy)

    Args:
        num_features: C, the number of channels (the last axis of x).
        eps: added to the variance for stability.
        momentum: weight of each batch in the running statistics, in [0, 1]; None for their
            cumulative average.
        affine: learn `weight` (C,) starting at ones and `bias` (C,) at zeros; with False
            there are no parameters (`self.weight` and `self.bias` are None).
        track_running_stats: keep the buffers `running_mean` (C,), `running_var` (C,) and
            `num_batches_tracked` () (saved in the state dict, never optimised) and normalise
            with them in evaluation mode.
        dtype: "float32" (default) or "float64": parameters, statistics, outputs; inputs are
            cast to it.
        batch_first: sequences x are (N, T, C) if True (the default), else (T, N, C). Input
            without a time axis is (N, C).

    Example:
        >>> m = BatchNorm1d(8)
        >>> m(np.random.default_rng(0).standard_normal((2, 5, 8)), lengths=[5, 3]).shape
        (2, 5, 8)
    """

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        dtype="float32",
        batch_first=True,
    ):
        super().__init__()
        self.num_features = check_positive_int(num_features, "num_features")
        self.eps = _check_eps(eps)
        self.momentum = _check_momentum(momentum)
        self.affine = check_flag(affine, "affine")
        self.track_running_stats = check_flag(track_running_stats, "track_running_stats")
        self.dtype = resolve_dtype(dtype)
        self.batch_first = check_flag(batch_first, "batch_first")
        size = self.num_features
        self.weight = self.bias = None
        if self.affine:
            self.weight = self.add_parameter("weight", parameter_array(size, self.dtype, 1))
            self.bias = self.add_parameter("bias", parameter_array(size, self.dtype))
        self.running_mean = self.running_var = self.num_batches_tracked = None
        if self.track_running_stats:
            self.running_mean = self.add_buffer("running_mean", parameter_array(size, self.dtype))
            self.running_var = self.add_buffer("running_var", parameter_array(size, self.dtype, 1))
            self.num_batches_tracked = self.add_buffer(
                "num_batches_tracked", parameter_array((), np.int64)
            )
        self._cache = None

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0 (in place)."""
        if self.track_running_stats:
            self.running_mean.fill(0)
            self.running_var.fill(1)
            self.num_batches_tracked.fill(0)

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0, and the running statistics reset."""
        self.reset_running_stats()
        if self.affine:
            self.weight.fill(1)
            self.bias.fill(0)

    # ---- forward ----------------------------------------------------------------------------

    def forward(self, x, lengths=None):
        """y, shaped like x ((N, T, C), (T, N, C) with batch_first=False, or (N, C)), for x
        and optional lengths (N,) of the sequences (only for input with a time axis)."""
        rows, valid, restore = self._counted_rows(x, lengths)
        batch_stats = self.training or not self.track_running_stats
        if batch_stats:
            mean, var = _batch_statistics(rows)
            if self.training and self.track_running_stats:
                self._update_running_stats(mean, var, len(rows))
        else:
            mean, var = self.running_mean, self.running_var
        rstd = 1.0 / np.sqrt(var + self.dtype.type(self.eps))
        xhat = (rows - mean) * rstd
        out = xhat * self.weight + self.bias if self.affine else xhat
        out = restore(out)
        self._cache = (xhat, rstd, valid, restore, batch_stats, out.shape)
        return out

    def _counted_rows(self, x, lengths):
        """(the counted elements as rows (M, C), the valid-row mask of the flattened input or
        None when every row counts, a function that puts rows (M, C) back in x's layout with
        zeros at padding)."""
        x = check_array(x, "x", np.shape(x), self.dtype)
        if x.ndim not in (2, 3) or x.shape[-1] != self.num_features or 0 in x.shape:
            layout = "(N, T, C)" if self.batch_first else "(T, N, C)"
            raise ValueError(
                f"x must have shape {layout} or (N, C) with C = num_features = "
                f"{self.num_features}, no axis empty; got {x.shape}"
            )
        if x.ndim == 2:
            if lengths is not None:
                raise ValueError(
                    f"lengths applies to sequences (x with a time axis); x has shape {x.shape}"
                )
            return x, None, lambda rows: rows
        sequences = x if self.batch_first else x.transpose(1, 0, 2)
        batch, steps = sequences.shape[:2]
        lengths = check_lengths(lengths, batch, steps)
        if lengths is None:
            return x.reshape(-1, self.num_features), None, lambda rows: rows.reshape(x.shape)
        valid = np.arange(steps)[None, :] < lengths[:, None]  # (N, T)
        if not self.batch_first:
            valid = valid.T
        valid = valid.reshape(-1)
        return x.reshape(-1, self.num_features)[valid], valid, _scatter_into(x.shape, valid)

    def _update_running_stats(self, mean, var, count: int) -> None:
        """The exponential (or, with momentum=None, cumulative) averages, in place."""
        self.num_batches_tracked += 1
        momentum = self.momentum
        if momentum is None:
            momentum = 1.0 / int(self.num_batches_tracked)
        unbiased = var * (count / (count - 1))
        self.running_mean[...] = (1 - momentum) * self.running_mean + momentum * mean
        self.running_var[...] = (1 - momentum) * self.running_var + momentum * unbiased

    # ---- backward ---------------------------------------------------------------------------

    def backward(self, dy):
        """dx = dL/dx (x's layout, zero at padding) for dy = dL/dy; adds dL/dweight and
        dL/dbias into `grads`."""
        if self._cache is None:
            raise NoForwardPassError(
                "BatchNorm1d.backward called before forward: run forward(x) first"
            )
        xhat, rstd, valid, restore, batch_stats, shape = self._cache
        dy = check_array(dy, "dy", shape, self.dtype).reshape(-1, self.num_features)
        if valid is not None:
            dy = dy[valid]
        if self.affine:
            self._own_grads["weight"] += np.sum(dy * xhat, axis=0)
            self._own_grads["bias"] += np.sum(dy, axis=0)
            dxhat = dy * self.weight
        else:
            dxhat = dy
        if not batch_stats:  # fixed statistics: x reaches y through the affine map only
            return restore(rstd * dxhat)
        mean_dxhat = dxhat.mean(axis=0)
        mean_dxhat_xhat = np.mean(dxhat * xhat, axis=0)
        return restore(rstd * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat))

    def __repr__(self) -> str:
        extra = "" if self.eps == 1e-5 else f", eps={self.eps}"
        if self.momentum != 0.1:
            extra += f", momentum={self.momentum}"
        for flag in ("affine", "track_running_stats", "batch_first"):
            if not getattr(self, flag):
                extra += f", {flag}=False"
        if self.dtype != np.float32:
            extra += f", dtype='{self.dtype.name}'"
        return f"BatchNorm1d({self.num_features}{extra})"


def _batch_statistics(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance of rows (M, C); M > 1 as the unbiased running
    variance divides by M - 1 (torch refuses a single value per channel too)."""
    if len(rows) < 2:
        raise ValueError(
            "BatchNorm1d in training mode needs more than one value per channel (over the "
            f"batch and the valid steps); got {len(rows)}"
        )
    mean = rows.mean(axis=0)
    centred = rows - mean
    return mean, np.mean(centred * centred, axis=0)


def _scatter_into(shape: tuple, valid: np.ndarray):
    """A function putting the valid rows (M, C) back into an array of `shape`, zero elsewhere
    (a partial of a module-level function, not a closure, so that a layer holding it in its
    cache can still be pickled, as scikit-learn's clone and joblib do)."""
    return functools.partial(_scatter_rows, shape, valid)


def _scatter_rows(shape: tuple, valid: np.ndarray, rows: np.ndarray) -> np.ndarray:
    out = np.zeros((valid.size, shape[-1]), rows.dtype)
    out[valid] = rows
    return out.reshape(shape)


def _check_eps(eps) -> float:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0:
        raise ValueError(f"eps must be a positive number; got {eps!r}")
    return float(eps)


def _check_momentum(momentum) -> float | None:
    if momentum is None:
        return None
    if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real):
        raise ValueError(f"momentum must be a number in [0, 1] or None; got {momentum!r}")
    if not 0 <= momentum <= 1:
        raise ValueError(f"momentum must be a number in [0, 1] or None; got {momentum!r}")
    return float(momentum)
