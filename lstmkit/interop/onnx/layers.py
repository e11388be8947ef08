"""Per-layer emitters: each adds the ONNX nodes computing one lstmkit layer (evaluation mode).

Sequences flow between emitters time-major, (T, N, F). `Lengths` carries the optional graph
input `lengths` (N,) int64 and the int32 copy the recurrent operators take as sequence_lens.

    recurrent layer k   one LSTM / GRU / RNN node, both directions in it, gates reordered by
                        lstmkit.onnx_ops.weights; Y (T, D, N, H) -> (T, N, D*H) for layer k+1;
                        dropout_input / _output / _state and weight_drop are the identity in
                        evaluation mode and emit nothing; layer_norm and zoneout are refused
    Linear              Gemm (2-D input) or MatMul + Add (any rank)
    Embedding           Gather(weight, ids)
    LayerNorm           LayerNormalization over the last axis
    Dropout             nothing (the identity in evaluation mode)
    LastStep / MeanPool / MaxPool   masks built from lengths: valid[t, n] = t < lengths[n]
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.nn.dropout import Dropout
from lstmkit.nn.embedding import Embedding
from lstmkit.nn.layer_norm import LayerNorm
from lstmkit.nn.linear import Linear
from lstmkit.nn.pooling import LastStep, MaxPool, MeanPool
from lstmkit.onnx_ops.weights import lstmkit_to_onnx
from lstmkit.recurrent import GRU, LSTM, RNN

CELL_OPS = {LSTM: ("lstm", "LSTM"), GRU: ("gru", "GRU"), RNN: ("rnn", "RNN")}
PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr", "weight_ch")


@dataclass
class Lengths:
    """The graph's lengths input (or None) and its int32 form, made once when first needed."""

    graph: object
    int64: str | None = None
    _int32: str | None = None

    @property
    def int32(self) -> str | None:
        if self.int64 is None:
            return None
        if self._int32 is None:
            self._int32 = self.graph.op("Cast", [self.int64], base="sequence_lens", to=6)
        return self._int32


def check_exportable_recurrent(layer) -> None:
    """Refuse what the ONNX operators cannot express, naming the setting."""
    if type(layer) not in CELL_OPS:
        raise TypeError(f"no ONNX export for {type(layer).__name__}")
    if getattr(layer, "proj_size", 0):
        raise ValueError(
            f"{layer!r}: an LSTM with proj_size > 0 has no ONNX LSTM equivalent (ONNX has no "
            "projection); export is not possible"
        )
    present = layer.evaluation_variants()
    if present:
        raise ValueError(
            f"{layer!r}: {' and '.join(present)} {'acts' if len(present) == 1 else 'act'} inside "
            "the recurrence, which the ONNX "
            "recurrent operators cannot express (evaluation mode still normalises or mixes in the "
            "previous state); export is not possible. dropout_input, dropout_output, "
            "dropout_state and weight_drop export (as the evaluation-mode layer)"
        )


def direction_params(layer, layer_index: int, direction: int) -> dict:
    """Suffix-free parameters of one direction of one layer (`weight_ih`, ...)."""
    suffix = f"_l{layer_index}" + ("_reverse" if direction else "")
    params = layer.params
    return {n: params[n + suffix] for n in PARAM_NAMES if n + suffix in params}


def emit_recurrent(g, layer, x: str, lengths: Lengths, initial=None):
    """x (T, N, I) time-major -> (y (T, N, D*H), finals): finals holds h_n (and c_n for the
    LSTM), each (num_layers*D, N, H), slot k*D + d as in lstmkit and torch. `initial`: None
    (zero states) or the names of h_0 (and c_0), shaped as the finals."""
    check_exportable_recurrent(layer)
    cell, op_type = CELL_OPS[type(layer)]
    directions = layer.num_directions
    finals = [[] for _ in layer.state_names]
    for k in range(layer.num_layers):
        per_direction = [
            lstmkit_to_onnx(cell, direction_params(layer, k, d)) for d in range(directions)
        ]
        stacked = {
            key: np.stack([np.asarray(p[key], np.float32) for p in per_direction])
            for key in per_direction[0]
        }
        base = f"{op_type.lower()}{k}"
        inputs = [x, g.constant(stacked["W"], f"{base}_W"), g.constant(stacked["R"], f"{base}_R")]
        inputs.append(g.constant(stacked["B"], f"{base}_B") if "B" in stacked else "")
        inputs.append(lengths.int32 or "")
        states = [""] * len(layer.state_names)
        if initial is not None:  # this layer's rows k*D .. k*D + D - 1 of each state
            rows = (g.constant([k * directions], "starts"), g.constant([(k + 1) * directions]))
            states = [g.op("Slice", [state, *rows, g.constant([0], "axes")]) for state in initial]
        inputs += states
        if "P" in stacked:
            inputs += [""] * (2 - len(states)) + [g.constant(stacked["P"], f"{base}_P")]
        while inputs[-1] == "":
            inputs.pop()
        outputs = g.op(
            op_type,
            inputs,
            outputs=1 + len(layer.state_names),
            base=base,
            **_recurrent_attributes(layer, directions),
        )
        y = g.op("Transpose", [outputs[0]], perm=[0, 2, 1, 3])  # (T, N, D, H)
        x = g.op("Reshape", [y, g.constant([0, 0, -1], "shape")])  # (T, N, D*H)
        for state, name in zip(finals, outputs[1:], strict=True):
            state.append(name)
    joined = [s[0] if len(s) == 1 else g.op("Concat", s, axis=0) for s in finals]
    return x, joined


def _recurrent_attributes(layer, directions: int) -> dict:
    attrs = {
        "hidden_size": layer.hidden_size,
        "direction": "bidirectional" if directions == 2 else "forward",
        "clip": layer.clip,
    }
    if isinstance(layer, LSTM) and layer.input_forget:
        attrs["input_forget"] = 1
    if isinstance(layer, GRU):
        attrs["linear_before_reset"] = int(layer.linear_before_reset)
    if isinstance(layer, RNN):
        attrs["activations"] = [layer.nonlinearity.capitalize()] * directions
    return attrs


def emit_linear(g, layer: Linear, x: str, rank: int | None = None) -> str:
    """y = x weight^T + bias: Gemm for a 2-D x, MatMul (+ Add) otherwise."""
    weight = np.asarray(layer.weight, np.float32)
    if rank == 2:
        inputs = [x, g.constant(weight, "linear_weight")]
        if layer.bias is not None:
            inputs.append(g.constant(layer.bias, "linear_bias"))
        return g.op("Gemm", inputs, transB=1, base="linear")
    y = g.op("MatMul", [x, g.constant(weight.T, "linear_weight_t")], base="linear")
    if layer.bias is not None:
        y = g.op("Add", [y, g.constant(layer.bias, "linear_bias")])
    return y


def emit_embedding(g, layer: Embedding, ids: str) -> str:
    """y (..., E) = weight[ids] for int64 ids of any shape."""
    return g.op("Gather", [g.constant(layer.weight, "embedding_weight"), ids], axis=0)


def emit_layer_norm(g, layer: LayerNorm, x: str) -> str:
    size = layer.normalized_shape
    weight = layer.weight if layer.elementwise_affine else np.ones(size)
    inputs = [x, g.constant(weight, "layer_norm_weight")]
    if layer.elementwise_affine:
        inputs.append(g.constant(layer.bias, "layer_norm_bias"))
    return g.op("LayerNormalization", inputs, axis=-1, epsilon=layer.eps, base="layer_norm")


def step_mask(g, y: str, lengths: str, compare: str) -> str:
    """(T, N, 1) bool: `compare`(t, lengths[n]) for t in 0..T-1 ("Less": the valid steps)."""
    steps = g.dim(y, 0)
    t = g.op("Range", [g.constant(np.int64(0), "zero"), steps, g.constant(np.int64(1), "one")])
    column = g.unsqueeze(t, [1])  # (T, 1)
    row = g.unsqueeze(lengths, [0])  # (1, N)
    return g.unsqueeze(g.op(compare, [column, row]), [2])


def emit_pool(g, head, y: str, lengths: Lengths) -> str:
    """A pooling head on time-major y (T, N, F) -> (N, F)."""
    if lengths.int64 is None:
        if isinstance(head, LastStep):
            return g.op("Gather", [y, g.constant(np.int64(-1), "last")], axis=0)
        op_type = "ReduceMean" if isinstance(head, MeanPool) else "ReduceMax"
        return g.reduce(op_type, y, [0])
    if isinstance(head, LastStep):
        last = g.op("Sub", [lengths.int64, g.constant(np.int64(1), "one")])
        chosen = g.op("Cast", [step_mask(g, y, last, "Equal")], to=1)
        return g.reduce("ReduceSum", g.op("Mul", [y, chosen]), [0])
    valid = step_mask(g, y, lengths.int64, "Less")
    if isinstance(head, MaxPool):
        masked = g.op("Where", [valid, y, g.constant(np.float32(-np.inf), "minus_inf")])
        return g.reduce("ReduceMax", masked, [0])
    total = g.reduce("ReduceSum", g.op("Mul", [y, g.op("Cast", [valid], to=1)]), [0])
    count = g.unsqueeze(g.op("Cast", [lengths.int64], to=1), [1])
    return g.op("Div", [total, count])


def emit_simple(g, module, x: str, rank: int | None = None) -> str:
    """A single-input, non-sequence layer: Linear, Embedding, LayerNorm or Dropout."""
    if isinstance(module, Linear):
        return emit_linear(g, module, x, rank)
    if isinstance(module, Embedding):
        return emit_embedding(g, module, x)
    if isinstance(module, LayerNorm):
        return emit_layer_norm(g, module, x)
    if isinstance(module, Dropout):
        return x
    raise TypeError(
        f"no ONNX export for {type(module).__name__} inside a Sequential (exportable: Linear, "
        "Embedding, LayerNorm, Dropout)"
    )
