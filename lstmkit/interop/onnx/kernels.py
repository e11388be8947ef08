"""NumPy kernels of the ONNX operators that `load` runs (default domain, opset 11 and later).

Each kernel takes (inputs, attrs, opset): inputs a list with None for an omitted optional
input, attrs a dict of decoded attribute values; it returns a list of outputs. The recurrent
operators are `lstmkit.onnx_ops`; the rest is what sits around them in the files lstmkit
writes and in those `torch.onnx.export` writes for nn.LSTM / nn.GRU / nn.RNN with nn.Linear
(shape arithmetic, Slice, Concat, Transpose, Reshape, MatMul, Add, Gemm and friends; with
pack_padded_sequence also TopK, ScatterElements and ReduceProd, which sort the batch by length),
and the 1-D Conv and constant Pad of the LSTM-FCN graphs (fcn_graph.py).
"""

import numpy as np

from lstmkit import onnx_ops
from lstmkit.ops.activations import sigmoid, tanh
from lstmkit.ops.softmax import log_softmax, softmax

RECURRENT_ATTRIBUTES = (
    "hidden_size",
    "direction",
    "activations",
    "activation_alpha",
    "activation_beta",
    "clip",
    "input_forget",
    "linear_before_reset",
    "layout",
)


def _recurrent(function):
    def kernel(inputs, attrs, opset):
        options = {k: v for k, v in attrs.items() if k in RECURRENT_ATTRIBUTES}
        outputs = function(*inputs, **options)
        return list(outputs)

    return kernel


def _axes(inputs, attrs, position: int = 1):
    """Axes from the input at `position` (newer opsets) or the `axes` attribute (older)."""
    if len(inputs) > position and inputs[position] is not None:
        return [int(a) for a in np.asarray(inputs[position]).reshape(-1)]
    return attrs.get("axes")


def _unsqueeze(inputs, attrs, opset):
    x, axes = inputs[0], _axes(inputs, attrs)
    rank = x.ndim + len(axes)
    for axis in sorted(a % rank for a in axes):
        x = np.expand_dims(x, axis)
    return [x]


def _squeeze(inputs, attrs, opset):
    axes = _axes(inputs, attrs)
    if axes is None:
        return [np.squeeze(inputs[0])]
    return [np.squeeze(inputs[0], axis=tuple(a % inputs[0].ndim for a in axes))]


def _reduce(function):
    def kernel(inputs, attrs, opset):
        x, axes = inputs[0], _axes(inputs, attrs)
        keepdims = bool(attrs.get("keepdims", 1))
        if not axes:
            if attrs.get("noop_with_empty_axes", 0):
                return [x]
            axes = list(range(x.ndim))
        return [function(x, axis=tuple(a % x.ndim for a in axes), keepdims=keepdims)]

    return kernel


def _slice(inputs, attrs, opset):
    x, starts, ends = inputs[0], inputs[1], inputs[2]
    rank = x.ndim
    axes = inputs[3] if len(inputs) > 3 and inputs[3] is not None else range(len(starts))
    steps = inputs[4] if len(inputs) > 4 and inputs[4] is not None else [1] * len(starts)
    index = [slice(None)] * rank
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        # Python slices clamp out-of-range bounds exactly as ONNX does (INT64_MAX included)
        index[int(axis) % rank] = slice(int(start), int(end), int(step))
    return [x[tuple(index)]]


def _reshape(inputs, attrs, opset):
    x, shape = inputs[0], [int(s) for s in inputs[1]]
    if not attrs.get("allowzero", 0):
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return [x.reshape(shape)]


def _gemm(inputs, attrs, opset):
    a, b = inputs[0], inputs[1]
    a = a.T if attrs.get("transA", 0) else a
    b = b.T if attrs.get("transB", 0) else b
    y = attrs.get("alpha", 1.0) * (a @ b)
    if len(inputs) > 2 and inputs[2] is not None:
        y = y + attrs.get("beta", 1.0) * inputs[2]
    return [y.astype(a.dtype, copy=False)]


def _softmax(inputs, attrs, opset, log=False):
    x = inputs[0]
    axis = attrs.get("axis", -1 if opset >= 13 else 1)
    function = log_softmax if log else softmax
    if opset < 13:  # before opset 13 the input is flattened to 2-D at `axis`
        return [function(x.reshape(int(np.prod(x.shape[:axis])), -1), axis=1).reshape(x.shape)]
    return [function(x, axis=axis)]


def _layer_norm(inputs, attrs, opset):
    x, scale = inputs[0], inputs[1]
    bias = inputs[2] if len(inputs) > 2 else None
    axes = tuple(range(attrs.get("axis", -1) % x.ndim, x.ndim))
    centred = x - x.mean(axis=axes, keepdims=True)
    var = np.mean(centred * centred, axis=axes, keepdims=True)
    y = centred / np.sqrt(var + x.dtype.type(attrs.get("epsilon", 1e-5))) * scale
    return [y if bias is None else y + bias]


def _conv(inputs, attrs, opset):
    """A 1-D Conv of x (N, C, T), weight (O, C, k), optional bias (O,), explicit pads, group 1:
    y[n, o, t] = bias[o] + sum_{c, j} weight[o, c, j] xp[n, c, t stride + j dilation]."""
    x, weight = inputs[0], inputs[1]
    if x.ndim != 3 or attrs.get("group", 1) != 1 or attrs.get("auto_pad", "NOTSET") != "NOTSET":
        raise ValueError("only 1-D Conv (N, C, T) with group=1 and explicit pads is supported")
    (stride,), (dilation,) = attrs.get("strides", [1]), attrs.get("dilations", [1])
    xp = np.pad(x, ((0, 0), (0, 0), tuple(attrs.get("pads", [0, 0]))))
    taps = weight.shape[2]
    steps = (xp.shape[2] - dilation * (taps - 1) - 1) // stride + 1
    y = np.zeros((x.shape[0], weight.shape[0], steps), x.dtype)
    for j in range(taps):  # (O, C) @ (N, C, steps): one product per tap
        start = j * dilation
        y += weight[:, :, j] @ xp[:, :, start : start + stride * (steps - 1) + 1 : stride]
    if len(inputs) > 2 and inputs[2] is not None:
        y += inputs[2][:, None]
    return [y]


def _pad(inputs, attrs, opset):
    """Constant Pad with pads [begin_0, ..., begin_r, end_0, ..., end_r] >= 0, every axis."""
    x, pads = inputs[0], [int(p) for p in inputs[1]]
    value = inputs[2] if len(inputs) > 2 and inputs[2] is not None else 0
    if attrs.get("mode", "constant") != "constant" or min(pads) < 0 or len(inputs) > 3:
        raise ValueError("only constant Pad with non-negative pads on every axis is supported")
    widths = list(zip(pads[: x.ndim], pads[x.ndim :], strict=True))
    return [np.pad(x, widths, constant_values=np.asarray(value).reshape(-1)[0])]


def _constant(inputs, attrs, opset):
    for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if key in attrs:
            value = np.asarray(attrs[key])
            if key.startswith("value_float"):
                value = value.astype(np.float32)
            elif key.startswith("value_int"):
                value = value.astype(np.int64)
            return [value]
    raise ValueError(f"Constant with attributes {sorted(attrs)} is not supported")


def _constant_of_shape(inputs, attrs, opset):
    value = attrs.get("value", np.zeros(1, np.float32))
    return [np.full([int(s) for s in inputs[0]], value.reshape(-1)[0], dtype=value.dtype)]


def _shape(inputs, attrs, opset):
    shape = np.array(inputs[0].shape, dtype=np.int64)
    return [shape[attrs.get("start", 0) : attrs.get("end", None)]]


def _gather(inputs, attrs, opset):
    return [np.take(inputs[0], np.asarray(inputs[1], np.int64), axis=attrs.get("axis", 0))]


def _cast(inputs, attrs, opset):
    from onnx.helper import tensor_dtype_to_np_dtype

    return [np.asarray(inputs[0]).astype(tensor_dtype_to_np_dtype(attrs["to"]))]


def _arg_max(inputs, attrs, opset):
    axis, x = attrs.get("axis", 0), inputs[0]
    if attrs.get("select_last_index", 0):
        index = x.shape[axis] - 1 - np.flip(x, axis).argmax(axis=axis)
    else:
        index = x.argmax(axis=axis)
    index = index.astype(np.int64)
    return [np.expand_dims(index, axis) if attrs.get("keepdims", 1) else index]


def _top_k(inputs, attrs, opset):
    """The k largest (or smallest) along `axis`, ties in index order, as ONNX sorts them."""
    x, k, axis = inputs[0], int(np.asarray(inputs[1]).reshape(-1)[0]), attrs.get("axis", -1)
    keys = -x if attrs.get("largest", 1) else x
    order = np.argsort(keys, axis=axis, kind="stable")
    index = np.take(order, np.arange(k), axis=axis).astype(np.int64)
    return [np.take_along_axis(x, index, axis=axis), index]


def _scatter_elements(inputs, attrs, opset):
    if attrs.get("reduction", "none") != "none":
        raise ValueError(f"ScatterElements reduction {attrs['reduction']!r} is not supported")
    data, indices, updates = inputs
    out = data.copy()
    np.put_along_axis(out, np.asarray(indices, np.int64), updates, axis=attrs.get("axis", 0))
    return [out]


def _divide(inputs, attrs, opset):
    """a / b; integers truncate toward zero (C's division, as ONNX runtimes), not floor."""
    a, b = inputs
    if a.dtype.kind not in "iu":
        return [np.asarray(a / b).astype(a.dtype, copy=False)]
    quotient = a // b
    quotient += ((quotient < 0) & (quotient * b != a)).astype(quotient.dtype)
    return [quotient]


def _elementwise(function):
    def kernel(inputs, attrs, opset):
        return [np.asarray(function(*inputs))]

    return kernel


def _same_dtype(function):
    """A binary arithmetic op whose result keeps the first input's dtype (no NumPy upcast)."""

    def kernel(inputs, attrs, opset):
        a, b = inputs
        return [np.asarray(function(a, b)).astype(np.result_type(a), copy=False)]

    return kernel


KERNELS = {
    "LSTM": _recurrent(onnx_ops.lstm),
    "GRU": _recurrent(onnx_ops.gru),
    "RNN": _recurrent(onnx_ops.rnn),
    "Identity": _elementwise(lambda x: x),
    "Dropout": lambda inputs, attrs, opset: [inputs[0]],  # inference: the identity
    "Constant": _constant,
    "ConstantOfShape": _constant_of_shape,
    "Shape": _shape,
    "Gather": _gather,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Concat": lambda inputs, attrs, opset: [np.concatenate(inputs, axis=attrs["axis"])],
    "Transpose": lambda inputs, attrs, opset: [np.transpose(inputs[0], attrs.get("perm"))],
    "Slice": _slice,
    "Reshape": _reshape,
    "Flatten": lambda inputs, attrs, opset: [
        inputs[0].reshape(int(np.prod(inputs[0].shape[: attrs.get("axis", 1)])), -1)
    ],
    "Expand": lambda inputs, attrs, opset: [
        inputs[0] * np.ones([int(s) for s in inputs[1]], inputs[0].dtype)
    ],
    "Range": lambda inputs, attrs, opset: [
        np.arange(inputs[0], inputs[1], inputs[2]).astype(np.result_type(inputs[0]))
    ],
    "MatMul": _same_dtype(np.matmul),
    "Add": _same_dtype(np.add),
    "Sub": _same_dtype(np.subtract),
    "Mul": _same_dtype(np.multiply),
    "Div": _divide,
    # fmod=0 (the default): the remainder takes the divisor's sign, as np.mod; fmod=1: np.fmod
    "Mod": lambda inputs, attrs, opset: [
        (np.fmod if attrs.get("fmod", 0) else np.mod)(inputs[0], inputs[1])
    ],
    "Sum": lambda inputs, attrs, opset: [sum(inputs[1:], inputs[0])],
    "Neg": _elementwise(np.negative),
    "Sqrt": _elementwise(np.sqrt),
    "Log": _elementwise(np.log),
    "Exp": _elementwise(np.exp),
    "Tanh": _elementwise(tanh),
    "Sigmoid": _elementwise(sigmoid),
    "Relu": _elementwise(lambda x: np.maximum(x, 0).astype(x.dtype)),
    "IsNaN": _elementwise(np.isnan),
    "Less": _elementwise(np.less),
    "Greater": _elementwise(np.greater),
    "Equal": _elementwise(np.equal),
    "Not": _elementwise(np.logical_not),
    "Where": _elementwise(np.where),
    "Cast": _cast,
    "Gemm": _gemm,
    "Conv": _conv,
    "Pad": _pad,
    "Softmax": _softmax,
    "LogSoftmax": lambda inputs, attrs, opset: _softmax(inputs, attrs, opset, log=True),
    "LayerNormalization": _layer_norm,
    "ReduceMean": _reduce(np.mean),
    "ReduceMax": _reduce(np.max),
    "ReduceSum": _reduce(np.sum),
    "ReduceProd": _reduce(np.prod),
    "TopK": _top_k,
    "ScatterElements": _scatter_elements,
    "ArgMax": _arg_max,
}
