"""The graph of an FCNNetwork (LSTM-FCN, ALSTM-FCN) in evaluation mode, from x (T, N, C).

    recurrent branch:  x -> Pad the time axis to T' = s ceil(T / s), zero past each length
                         -> (N, T' / s, s C), lengths -> ceil(lengths / s)   (s = recurrent_stride)
                         -> recurrent layer -> pooling head -> r               (layers.py)
          (ALSTM-FCN)  r = sum_t a_t y_t,  a = softmax over t of e (e_t = -inf past a length),
                         e_t = v . tanh(weight_key y_t + bias + weight_query r)
    convolutional:     z (N, C, T), zero past each length; three times:
                         z = Relu(BN(Conv(z))), zero past each output length
                         Conv: no bias, strides [q] for the first, pads [left, right] of
                               Conv1d.pads(); output lengths floor((L + left + right - k) / q) + 1
                         BN:   (z - running_mean) * (weight / sqrt(running_var + eps)) + bias
                       g = sum over the valid steps of z / output lengths
    logits = Gemm([r, g], output)

Dropout is the identity (evaluation mode) and emits nothing. Without a `lengths` input every
sequence is T steps long and no mask is built. The masks are those of lstmkit's layers: a
padded sequence gets exactly what it gets alone, whatever the padding holds.
"""

import numpy as np

from lstmkit.interop.onnx.layers import Lengths, emit_linear, emit_pool, emit_recurrent, step_mask
from lstmkit.models.fcn_network import KERNELS


def fcn_logits(g, network, x_tm: str, lengths: Lengths) -> str:
    """logits (N, K) of `network` (an FCNNetwork) for x (T, N, C)."""
    recurrent = _recurrent_summary(g, network, x_tm, lengths)
    convolutional = _convolutional_summary(g, network, x_tm, lengths.int64)
    features = g.op("Concat", [recurrent, convolutional], axis=1)
    return emit_linear(g, network.output, features, rank=2)


# ---- the recurrent branch ------------------------------------------------------------------


def _recurrent_summary(g, network, x_tm: str, lengths: Lengths) -> str:
    """r (N, D*H): chunks -> encoder -> head (-> attention), as FCNNetwork._recurrent_forward."""
    x_tm, lengths = _chunks(g, x_tm, lengths, network.recurrent_stride, network.input_size)
    y_tm, _ = emit_recurrent(g, network.encoder, x_tm, lengths)
    summary = emit_pool(g, network.pool, y_tm, lengths)
    if network.architecture == "alstm-fcn":
        summary = _additive_attention(g, network.attention, summary, y_tm, lengths)
    return summary


def _chunks(g, x_tm: str, lengths: Lengths, stride: int, channels: int):
    """(chunks (T' / s, N, s C), their Lengths) as step_chunks.chunk_steps, time-major."""
    if stride == 1:
        return x_tm, lengths
    steps = g.dim(x_tm, 0)
    chunk_count = _ceil_div(g, steps, stride)
    missing = g.op("Sub", [g.op("Mul", [chunk_count, g.constant(np.int64(stride))]), steps])
    ends = [g.constant([0, 0, 0], "pads"), g.unsqueeze(missing, [0]), g.constant([0, 0], "pads")]
    x = g.op("Pad", [x_tm, g.op("Concat", ends, axis=0)])  # zeros after the last step
    if lengths.int64 is not None:  # steps past a length read as zeros, whatever they held
        valid = step_mask(g, x, lengths.int64, "Less")
        x = g.op("Where", [valid, x, g.constant(np.float32(0), "zero")])
    x = g.op("Transpose", [x], perm=[1, 0, 2])  # (N, T', C)
    x = g.op("Reshape", [x, g.constant([0, -1, stride * channels], "shape")])
    x = g.op("Transpose", [x], perm=[1, 0, 2])  # (T' / s, N, s C)
    if lengths.int64 is None:
        return x, lengths
    return x, Lengths(g, _ceil_div(g, lengths.int64, stride))


def _ceil_div(g, value: str, divisor: int) -> str:
    """ceil(value / divisor) of a positive int64 tensor: (value + divisor - 1) / divisor (ONNX
    integer Div truncates, which is the floor here)."""
    shifted = g.op("Add", [value, g.constant(np.int64(divisor - 1))])
    return g.op("Div", [shifted, g.constant(np.int64(divisor))])


def _additive_attention(g, attention, query: str, y_tm: str, lengths: Lengths) -> str:
    """nn.Attention (kind "bahdanau") of query (N, Q) over keys y (S, N, K): context (N, K)."""
    params = {name: np.asarray(value, np.float32) for name, value in attention.params.items()}
    keys = g.op("MatMul", [y_tm, g.constant(params["weight_key"].T, "weight_key_t")])
    keys = g.op("Add", [keys, g.constant(params["bias"], "attention_bias")])  # (S, N, A)
    asked = g.op("MatMul", [query, g.constant(params["weight_query"].T, "weight_query_t")])
    hidden = g.op("Tanh", [g.op("Add", [keys, asked])])  # (S, N, A) + (N, A)
    scores = g.op("MatMul", [hidden, g.constant(params["v"][:, None], "v")])  # (S, N, 1)
    if lengths.int64 is not None:  # exp(-inf) = 0: padded steps get no weight at all
        valid = step_mask(g, y_tm, lengths.int64, "Less")
        scores = g.op("Where", [valid, scores, g.constant(np.float32(-np.inf), "minus_inf")])
    weights = g.op("Softmax", [scores], axis=0)
    return g.reduce("ReduceSum", g.op("Mul", [weights, y_tm]), [0])


# ---- the convolutional branch --------------------------------------------------------------


def _convolutional_summary(g, network, x_tm: str, lengths: str | None) -> str:
    """g (N, filters): three Conv -> BN -> Relu blocks and the mean over the valid steps."""
    z = g.op("Transpose", [x_tm], perm=[1, 2, 0])  # (N, C, T): Conv's layout
    valid = None
    if lengths is not None:
        valid = _valid_steps(g, z, lengths)
        z = _zero_past(g, z, valid)
    for k in range(len(KERNELS)):
        conv, norm = network._conv(k), network._norm(k)
        z = _conv(g, conv, z)
        if lengths is not None and not _keeps_lengths(conv):
            lengths = _output_lengths(g, conv, lengths)
            valid = _valid_steps(g, z, lengths)
        z = g.op("Relu", [_batch_norm(g, norm, z)])
        if valid is not None:
            z = _zero_past(g, z, valid)
    if lengths is None:
        return g.reduce("ReduceMean", z, [2])
    total = g.reduce("ReduceSum", z, [2])
    return g.op("Div", [total, g.unsqueeze(g.op("Cast", [lengths], to=1), [1])])


def _conv(g, conv, z: str) -> str:
    """Conv1d (no bias in an FCNNetwork, but emitted when there is one) on z (N, C, T)."""
    inputs = [z, g.constant(np.asarray(conv.weight, np.float32), "conv_weight")]
    if conv.bias is not None:
        inputs.append(g.constant(np.asarray(conv.bias, np.float32), "conv_bias"))
    return g.op(
        "Conv",
        inputs,
        kernel_shape=[conv.kernel_size],
        strides=[conv.stride],
        pads=list(conv.pads()),
        dilations=[conv.dilation],
        group=conv.groups,
        base="conv",
    )


def _keeps_lengths(conv) -> bool:
    """Whether every output length equals its input length (stride 1, "same" padding)."""
    return conv.stride == 1 and sum(conv.pads()) == conv.span - 1


def _output_lengths(g, conv, lengths: str) -> str:
    """Conv1d.output_lengths in the graph: (L + left + right - span) / stride + 1 (L >= one
    window, so the numerator is not negative and integer Div is the floor)."""
    shifted = g.op("Add", [lengths, g.constant(np.int64(sum(conv.pads()) - conv.span))])
    quotient = g.op("Div", [shifted, g.constant(np.int64(conv.stride))])
    return g.op("Add", [quotient, g.constant(np.int64(1), "one")])


def _batch_norm(g, norm, z: str) -> str:
    """BatchNorm1d in evaluation mode on z (N, C, T): (z - running_mean) * rstd * weight + bias
    with rstd = 1 / sqrt(running_var + eps), per channel (constants shaped (C, 1))."""
    rstd = 1.0 / np.sqrt(np.asarray(norm.running_var, np.float32) + np.float32(norm.eps))
    weight = norm.weight if norm.affine else np.ones(norm.num_features)
    bias = norm.bias if norm.affine else np.zeros(norm.num_features)
    column = (-1, 1)
    centred = g.op("Sub", [z, g.constant(np.reshape(norm.running_mean, column), "running_mean")])
    scaled = g.op("Mul", [centred, g.constant(np.reshape(rstd * weight, column), "bn_scale")])
    return g.op("Add", [scaled, g.constant(np.reshape(bias, column), "bn_bias")])


def _valid_steps(g, z: str, lengths: str) -> str:
    """(N, 1, T) bool: t < lengths[n] for the T steps of z (N, C, T)."""
    zero, one = g.constant(np.int64(0), "zero"), g.constant(np.int64(1), "one")
    t = g.unsqueeze(g.op("Range", [zero, g.dim(z, 2), one]), [0])  # (1, T)
    return g.unsqueeze(g.op("Less", [t, g.unsqueeze(lengths, [1])]), [1])


def _zero_past(g, z: str, valid: str) -> str:
    """z with zeros where `valid` is False (Where: whatever the padding held, even NaN)."""
    return g.op("Where", [valid, z, g.constant(np.float32(0), "zero")])
