"""Conv1d: a one-dimensional convolution over the time axis of a padded batch of sequences."""

import numbers

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module, parameter_array
from lstmkit.nn.pooling import _valid_steps
from lstmkit.random import as_generator
from lstmkit.validation import (
    check_array,
    check_flag,
    check_lengths,
    check_positive_int,
    resolve_dtype,
)

PADDING_MODES = ("same", "valid")


class Conv1d(Module):
    """Convolution (cross-correlation, as PyTorch's) over time, PyTorch's weights and options.

    Equations (C = in_channels, O = out_channels, k = kernel_size, s = stride, d = dilation,
    G = groups; group g maps input channels g C/G .. (g+1) C/G - 1 to output channels
    g O/G .. (g+1) O/G - 1; xp is x with `left` zero steps before it and `right` after it):

        y[n, t, o] = bias[o] + sum_{j < k} sum_{c < C/G} weight[o, c, j] xp[n, t s + j d, g C/G + c]

    Backward, for dy = dL/dy (one matrix product per kernel tap j, no loop over time):

        dxp[n, t s + j d, g C/G + c] += sum_o dy[n, t, o] weight[o, c, j]     (o in group g)
        dweight[o, c, j]             += sum_{n, t} dy[n, t, o] xp[n, t s + j d, g C/G + c]
        dbias[o]                     += sum_{n, t} dy[n, t, o]

    Padding: "valid" pads nothing; an int p pads p zero steps on each side; "same" (stride 1
    only, as PyTorch) pads d (k - 1) steps in all, the odd one on the right, so that y has as
    many steps as x. Output steps, for T input steps (the same rule gives each sequence's
    output length from its length, `output_lengths`):

        T_out = floor((T + left + right - d (k - 1) - 1) / s) + 1

    With `lengths` (N,), the steps of x past each sequence's length are read as zeros, so each
    sequence of a padded batch gets exactly what it gets alone (with the same zero padding);
    the outputs past each sequence's output length are zero and pass no gradient back.

    Args:
        in_channels: C, the size of the last axis of x.
        out_channels: O, the size of the last axis of y.
        kernel_size: k, the taps of each filter.
        stride: s, the step between outputs.
        padding: "same", "valid" or a non-negative int (see above).
        dilation: d, the spacing between taps.
        groups: G, which divides both C and O: each group of input channels has its own filters.
        bias: with False, no `bias` parameter (`self.bias` is None).
        dtype: "float32" (default) or "float64": the parameters' and outputs' dtype; inputs
            are cast to it.
        seed: None, an int, a np.random.Generator or a SeedSequence (lstmkit.random): the
            initialisation draws from it only.
        batch_first: x is (N, T, C) and y (N, T_out, O) if True (the default), else (T, N, C)
            and (T_out, N, O).

    weight (O, C/G, k) and bias (O,) both start U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    fan_in = C/G k, as torch.nn.Conv1d's.

    Example:
        >>> conv = Conv1d(1, 4, 3, padding="valid", seed=0)
        >>> conv(np.zeros((2, 10, 1))).shape
        (2, 8, 4)
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding="same",
        dilation=1,
        groups=1,
        bias=True,
        dtype="float32",
        seed=None,
        batch_first=True,
    ):
        super().__init__()
        self.in_channels = check_positive_int(in_channels, "in_channels")
        self.out_channels = check_positive_int(out_channels, "out_channels")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.stride = check_positive_int(stride, "stride")
        self.dilation = check_positive_int(dilation, "dilation")
        self.groups = _check_groups(groups, self.in_channels, self.out_channels)
        self.padding = _check_padding(padding, self.stride)
        self.batch_first = check_flag(batch_first, "batch_first")
        self.dtype = resolve_dtype(dtype)
        self._init_rng = as_generator(seed)
        shape = (self.out_channels, self.in_channels // self.groups, self.kernel_size)
        self.weight = self.add_parameter("weight", parameter_array(shape, self.dtype))
        self.bias = None
        if check_flag(bias, "bias"):
            self.bias = self.add_parameter("bias", parameter_array(self.out_channels, self.dtype))
        self._cache = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), in that order.

        torch's kaiming_uniform_(a=sqrt(5)) bound, gain sqrt(1/3) times sqrt(3 / fan_in), is
        exactly 1/sqrt(fan_in).
        """
        bound = 1.0 / np.sqrt(self.weight.shape[1] * self.kernel_size)
        for value in self._own_params.values():
            value[...] = self._init_rng.uniform(-bound, bound, size=value.shape)

    # ---- lengths ----------------------------------------------------------------------------

    @property
    def span(self) -> int:
        """The input steps one output reads: d (k - 1) + 1."""
        return self.dilation * (self.kernel_size - 1) + 1

    def pads(self) -> tuple[int, int]:
        """(left, right): the zero steps added before and after each sequence."""
        if self.padding == "valid":
            return 0, 0
        if self.padding == "same":
            total = self.span - 1
            return total // 2, total - total // 2  # the odd step on the right, as torch
        return self.padding, self.padding

    def output_lengths(self, lengths):
        """Each sequence's output length for its input length (an int or an int array):
        floor((length + left + right - d (k - 1) - 1) / s) + 1, which is below 1 for a
        sequence shorter than one window (ValueError then, naming lengths)."""
        array = np.asarray(lengths)
        if array.dtype.kind not in "iu":
            raise TypeError(f"lengths must be integers; got dtype {array.dtype}")
        out = self._output_steps(array.astype(np.int64))
        short = np.flatnonzero(np.atleast_1d(out) < 1)
        if short.size:
            given = np.atleast_1d(array)[short[0]]
            where = f"lengths[{short[0]}]" if array.ndim else "length"
            raise ValueError(
                f"{where} = {given} is shorter than one window of {self!r}: it needs at "
                f"least {self.span - sum(self.pads())} steps"
            )
        return out

    def _output_steps(self, steps):
        """floor((steps + left + right - span) / stride) + 1, unchecked (an int or array)."""
        return (steps + sum(self.pads()) - self.span) // self.stride + 1

    # ---- forward and backward ---------------------------------------------------------------

    def forward(self, x, lengths=None):
        """y (N, T_out, out_channels) for x (N, T, in_channels) (time-major with batch_first=
        False) and optional lengths (N,) ints in 1..T."""
        x = self._batch_major(x)
        batch, steps = x.shape[:2]
        out_steps = self._output_steps(steps)
        lengths = check_lengths(lengths, batch, steps)
        out_lengths = None
        if lengths is not None:
            out_lengths = self.output_lengths(lengths)
            x = np.where(_valid_steps(lengths, steps)[:, :, None], x, 0).astype(self.dtype)
        xp = self._pad(x)
        y = np.zeros((batch, out_steps, self.out_channels), self.dtype)
        for tap in range(self.kernel_size):
            y += self._tap_product(self._tap(xp, tap, out_steps), tap)
        if self.bias is not None:
            y += self.bias
        if out_lengths is not None:
            y *= _valid_steps(out_lengths, out_steps)[:, :, None]
        self._cache = (xp, x.shape, lengths, out_lengths)
        return y if self.batch_first else y.transpose(1, 0, 2)

    def backward(self, dy):
        """dx = dL/dx (x's layout) for dy = dL/dy; adds dL/dweight and dL/dbias into `grads`.
        Padded steps of x and outputs past each output length get and pass zero gradient."""
        if self._cache is None:
            raise NoForwardPassError("Conv1d.backward called before forward: run forward(x) first")
        xp, x_shape, lengths, out_lengths = self._cache
        batch, steps = x_shape[:2]
        out_steps = self._output_steps(steps)
        expected = (batch, out_steps, self.out_channels)
        if not self.batch_first:
            expected = (out_steps, batch, self.out_channels)
        dy = check_array(dy, "dy", expected, self.dtype)
        if not self.batch_first:
            dy = dy.transpose(1, 0, 2)
        if out_lengths is not None:
            dy = dy * _valid_steps(out_lengths, out_steps)[:, :, None]
        if self.bias is not None:
            self._own_grads["bias"] += dy.sum(axis=(0, 1))
        dxp = np.zeros_like(xp)
        dy_groups = self._split_groups(dy, self.out_channels)  # (G, N T_out, O/G)
        for tap in range(self.kernel_size):
            x_groups = self._split_groups(self._tap(xp, tap, out_steps), self.in_channels)
            # (G, O/G, N T_out) @ (G, N T_out, C/G) -> (G, O/G, C/G), stacked over groups
            dweight = dy_groups.transpose(0, 2, 1) @ x_groups
            self._own_grads["weight"][:, :, tap] += dweight.reshape(self.out_channels, -1)
            dx_groups = dy_groups @ self._group_weights(tap)  # (G, N T_out, C/G)
            self._tap(dxp, tap, out_steps)[...] += self._merge_groups(dx_groups, batch)
        left = self.pads()[0]
        dx = dxp[:, left : left + steps]
        if lengths is not None:
            dx = dx * _valid_steps(lengths, steps)[:, :, None]
        return dx if self.batch_first else dx.transpose(1, 0, 2)

    # ---- helpers: input, padding, taps and groups -------------------------------------------

    def _batch_major(self, x) -> np.ndarray:
        """x checked (rank 3, in_channels, at least one window of steps), cast and (N, T, C)."""
        x = check_array(x, "x", np.shape(x), self.dtype)
        layout = "(N, T, C)" if self.batch_first else "(T, N, C)"
        if x.ndim != 3 or 0 in x.shape or x.shape[2] != self.in_channels:
            raise ValueError(
                f"x must have shape {layout} with batch_first={self.batch_first}, C = "
                f"{self.in_channels} (in_channels) and no axis empty; got {x.shape}"
            )
        steps = x.shape[1 if self.batch_first else 0]
        if self._output_steps(steps) < 1:
            raise ValueError(
                f"x must have at least {self.span - sum(self.pads())} time steps for "
                f"{self!r} (one window); got shape {x.shape}"
            )
        return x if self.batch_first else x.transpose(1, 0, 2)

    def _pad(self, x: np.ndarray) -> np.ndarray:
        """x with the padding's zero steps before and after it (N, left + T + right, C)."""
        left, right = self.pads()
        return np.pad(x, ((0, 0), (left, right), (0, 0)))

    def _tap(self, xp: np.ndarray, tap: int, out_steps: int) -> np.ndarray:
        """The view of xp that kernel tap `tap` reads for every output: xp[:, t s + tap d]."""
        start = tap * self.dilation
        return xp[:, start : start + self.stride * (out_steps - 1) + 1 : self.stride]

    def _split_groups(self, values: np.ndarray, channels: int) -> np.ndarray:
        """(N, T, channels) -> (G, N T, channels / G), one matrix per group."""
        rows = values.shape[0] * values.shape[1]
        return values.reshape(rows, self.groups, channels // self.groups).transpose(1, 0, 2)

    def _merge_groups(self, values: np.ndarray, batch: int) -> np.ndarray:
        """(G, N T, channels / G) -> (N, T, channels): the inverse of `_split_groups`."""
        groups, rows, width = values.shape
        return values.transpose(1, 0, 2).reshape(batch, rows // batch, groups * width)

    def _group_weights(self, tap: int) -> np.ndarray:
        """weight[:, :, tap] per group: (G, O/G, C/G)."""
        per_group = self.out_channels // self.groups
        return self.weight[:, :, tap].reshape(self.groups, per_group, -1)

    def _tap_product(self, x_tap: np.ndarray, tap: int) -> np.ndarray:
        """Tap `tap`'s contribution to y: each group's input channels times its weights."""
        x_groups = self._split_groups(x_tap, self.in_channels)  # (G, N T_out, C/G)
        y_groups = x_groups @ self._group_weights(tap).transpose(0, 2, 1)
        return self._merge_groups(y_groups, x_tap.shape[0])

    # ---- configuration ----------------------------------------------------------------------

    def get_config(self) -> dict:
        """The constructor's arguments, read from the attributes of the same names (bias:
        whether there is one)."""
        return {**super().get_config(), "bias": self.bias is not None}

    def __repr__(self) -> str:
        extra = "" if self.stride == 1 else f", stride={self.stride}"
        extra += f", padding={self.padding!r}"
        extra += "" if self.dilation == 1 else f", dilation={self.dilation}"
        extra += "" if self.groups == 1 else f", groups={self.groups}"
        extra += "" if self.bias is not None else ", bias=False"
        extra += "" if self.dtype == np.float32 else f", dtype='{self.dtype.name}'"
        extra += "" if self.batch_first else ", batch_first=False"
        return f"Conv1d({self.in_channels}, {self.out_channels}, {self.kernel_size}{extra})"


def _check_groups(groups, in_channels: int, out_channels: int) -> int:
    """A positive int dividing both channel counts."""
    groups = check_positive_int(groups, "groups")
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"groups must divide in_channels ({in_channels}) and out_channels "
            f"({out_channels}); got {groups}"
        )
    return groups


def _check_padding(padding, stride: int):
    """ "same", "valid" or a non-negative int; "same" only with stride 1 (as torch)."""
    if isinstance(padding, str):
        if padding not in PADDING_MODES:
            raise ValueError(
                f"padding must be 'same', 'valid' or a non-negative integer; got {padding!r}"
            )
        if padding == "same" and stride != 1:
            raise ValueError(f"padding='same' needs stride 1 (as torch); got stride={stride}")
        return padding
    if isinstance(padding, bool) or not isinstance(padding, numbers.Integral) or padding < 0:
        raise ValueError(
            f"padding must be 'same', 'valid' or a non-negative integer; got {padding!r}"
        )
    return int(padding)
