"""Per-layer emitters: each adds the ONNX nodes computing one lstmkit layer (evaluation mode).

Sequences flow between emitters time-major, (T, N, F). `Lengths` carries the optional graph
input `lengths` (N,) int64 and the int32 copy the recurrent operators take as sequence_lens.

    recurrent layer k   one LSTM / GRU / RNN node, both directions in it, gates reordered by
                        lstmkit.onnx_ops.weights; Y (T, D, N, H) -> (T, N, D*H) for layer k+1;
                        dropout_input / _output / _state and weight_drop are the identity in
                        evaluation mode and emit nothing
    LSTM / GRU with     one Scan node per layer and direction, whose body is the evaluation-
    layer_norm or       mode step written in standard operators (MatMul, LayerNormalization,
    zoneout             Split, Sigmoid, Tanh, Mul, Add, Where), see `emit_regularised`
    Linear              Gemm (2-D input) or MatMul + Add (any rank)
    Embedding           Gather(weight, ids)
    LayerNorm           LayerNormalization over the last axis
    Dropout             nothing (the identity in evaluation mode)
    LastStep / MeanPool / MaxPool   masks built from lengths: valid[t, n] = t < lengths[n]
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.cells.regularised import LN_EPS
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


def direction_params(layer, layer_index: int, direction: int, all_names=False) -> dict:
    """Suffix-free parameters of one direction of one layer (`weight_ih`, ...): those of
    PARAM_NAMES, or with `all_names` every one (the layer-norm parameters too)."""
    suffix = f"_l{layer_index}" + ("_reverse" if direction else "")
    return {
        name.removesuffix(suffix): value
        for name, value in layer.params.items()
        if name.endswith(suffix) and (all_names or name.removesuffix(suffix) in PARAM_NAMES)
    }


def emit_recurrent(g, layer, x: str, lengths: Lengths, initial=None):
    """x (T, N, I) time-major -> (y (T, N, D*H), finals): finals holds h_n (and c_n for the
    LSTM), each (num_layers*D, N, H), slot k*D + d as in lstmkit and torch. `initial`: None
    (zero states) or the names of h_0 (and c_0), shaped as the finals."""
    check_exportable_recurrent(layer)
    if layer.evaluation_variants():  # layer_norm / zoneout: no ONNX operator computes them
        return emit_regularised(g, layer, x, lengths, initial)
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


def emit_regularised(g, layer, x: str, lengths: Lengths, initial=None):
    """emit_recurrent for an LSTM / GRU with layer_norm or zoneout: per layer and direction,

        zx  = LN(x @ weight_ih.T) (+ biases)        for all steps at once, outside the loop
        y, finals = Scan(body, initial states, zx, valid)

    where the body is one evaluation-mode step (`_lstm_body`, `_gru_body`; equations of
    `lstmkit.cells.lstm_regularised` / `gru_regularised`, zoneout as its expectation) and
    `valid` (T, N, 1) marks the steps before each length: past it the states stay and y is 0.
    A reverse direction runs on ReverseSequence(x, lengths), which flips each valid prefix."""
    directions, hidden = layer.num_directions, layer.hidden_size
    valid = None
    if lengths.int64 is not None:
        valid = step_mask(g, x, lengths.int64, "Less")  # (T, N, 1) bool
    finals = [[] for _ in layer.state_names]
    for k in range(layer.num_layers):
        outputs = []
        for d in range(directions):
            params = {
                name: np.asarray(value, np.float32)
                for name, value in direction_params(layer, k, d, all_names=True).items()
            }
            states = _initial_states(g, layer, x, initial, k * directions + d)
            source = x
            if d and valid is not None:
                source = g.op("ReverseSequence", [x, lengths.int64], batch_axis=1, time_axis=0)
            zx = _input_part(g, layer, params, source)
            body = _scan_body(g, layer, params, hidden, with_valid=valid is not None)
            scan_inputs = [zx] + ([valid] if valid is not None else [])
            reverse = int(bool(d) and valid is None)  # no lengths: flip every sequence whole
            results = g.op(
                "Scan",
                [*states, *scan_inputs],
                outputs=len(states) + 1,
                base=f"scan{k}",
                body=body,
                num_scan_inputs=len(scan_inputs),
                scan_input_directions=[reverse] * len(scan_inputs),
                scan_output_directions=[reverse],
            )
            y = results[-1]
            if d and valid is not None:
                y = g.op("ReverseSequence", [y, lengths.int64], batch_axis=1, time_axis=0)
            outputs.append(y)
            for state, name in zip(finals, results[:-1], strict=True):
                state.append(g.unsqueeze(name, [0]))
        x = outputs[0] if directions == 1 else g.op("Concat", outputs, axis=2)
    joined = [s[0] if len(s) == 1 else g.op("Concat", s, axis=0) for s in finals]
    return x, joined


def _initial_states(g, layer, x, initial, row: int) -> list:
    """The (N, H) initial states of state row `row`: zeros, or that row of `initial`."""
    if initial is None:
        batch = g.unsqueeze(g.dim(x, 1), [0])
        shape = g.op("Concat", [batch, g.constant([layer.hidden_size], "hidden")], axis=0)
        zero = g.op("ConstantOfShape", [shape], value=_float_tensor(g, 0.0))
        return [zero] * len(layer.state_names)
    rows = (g.constant([row], "starts"), g.constant([row + 1], "ends"), g.constant([0], "axes"))
    return [g.squeeze(g.op("Slice", [state, *rows]), [0]) for state in initial]


def _float_tensor(g, value: float):
    return g.onnx.helper.make_tensor("value", g.onnx.TensorProto.FLOAT, [1], [value])


def _layer_norm(g, x: str, params: dict, prefix: str) -> str:
    weight, bias = params[prefix + "_weight"], params[prefix + "_bias"]
    inputs = [x, g.constant(weight, prefix + "_weight"), g.constant(bias, prefix + "_bias")]
    return g.op("LayerNormalization", inputs, axis=-1, epsilon=LN_EPS, base=prefix)


def _input_part(g, layer, params: dict, x: str) -> str:
    """zx (T, N, G*H) for all steps: LN(x @ weight_ih.T), plus both biases (LSTM) or bias_ih
    (GRU, whose bias_hh joins the recurrent part inside the body)."""
    zx = g.op("MatMul", [x, g.constant(params["weight_ih"].T, "weight_ih_t")])
    if layer.layer_norm:
        zx = _layer_norm(g, zx, params, "ln_ih")
    if "bias_ih" in params:
        bias = params["bias_ih"] + (params["bias_hh"] if isinstance(layer, LSTM) else 0)
        zx = g.op("Add", [zx, g.constant(bias, "bias")])
    return zx


def _scan_body(g, layer, params: dict, hidden: int, with_valid: bool):
    """The GraphProto of one step: inputs (states..., zx_t[, valid_t]), outputs (states', y_t).
    Its nodes use g's names and initializers (the outer scope), collected apart from g's."""
    helper, float_type = g.onnx.helper, g.onnx.TensorProto.FLOAT
    outer_nodes, g.nodes = g.nodes, []
    states = [g.fresh(f"{name}_prev") for name in layer.state_names]
    zx_t, valid_t = g.fresh("zx_t"), g.fresh("valid_t")
    step = _lstm_body if isinstance(layer, LSTM) else _gru_body
    new = step(g, layer, params, hidden, states, zx_t)
    y_t = new[0]
    if with_valid:  # past a sequence's length: keep the states, output zero
        new = [
            g.op("Where", [valid_t, s, previous]) for s, previous in zip(new, states, strict=True)
        ]
        y_t = g.op("Where", [valid_t, new[0], g.constant(np.float32(0), "zero")])
    else:
        y_t = g.op("Identity", [y_t])
    outputs = [g.op("Identity", [s]) for s in new] + [y_t]
    body_nodes, g.nodes = g.nodes, outer_nodes
    inputs = [helper.make_tensor_value_info(s, float_type, ["N", hidden]) for s in states]
    inputs.append(helper.make_tensor_value_info(zx_t, float_type, ["N", None]))
    if with_valid:
        inputs.append(helper.make_tensor_value_info(valid_t, g.onnx.TensorProto.BOOL, ["N", 1]))
    value_infos = [helper.make_tensor_value_info(o, float_type, ["N", hidden]) for o in outputs]
    return helper.make_graph(body_nodes, g.fresh("step"), inputs, value_infos)


def _zone(g, previous: str, new: str, p: float) -> str:
    """p * previous + (1 - p) * new: zoneout's evaluation-mode expectation."""
    if not p:
        return new
    kept = g.op("Mul", [previous, g.constant(np.float32(p), "zoneout")])
    return g.op("Add", [kept, g.op("Mul", [new, g.constant(np.float32(1 - p), "keep")])])


def _recurrent_product(g, layer, params: dict, h: str) -> str:
    zh = g.op("MatMul", [h, g.constant(params["weight_hh"].T, "weight_hh_t")])
    return _layer_norm(g, zh, params, "ln_hh") if layer.layer_norm else zh


def _lstm_body(g, layer, params: dict, hidden: int, states: list, zx_t: str) -> list:
    h, c = states
    z = g.op("Add", [zx_t, _recurrent_product(g, layer, params, h)])
    split = g.constant([hidden] * 4, "split")
    i, f, cand, o = g.op("Split", [z, split], outputs=4, axis=1)
    i, f, o = (g.op("Sigmoid", [gate]) for gate in (i, f, o))
    c_hat = g.op("Add", [g.op("Mul", [f, c]), g.op("Mul", [i, g.op("Tanh", [cand])])])
    normalised = _layer_norm(g, c_hat, params, "ln_c") if layer.layer_norm else c_hat
    h_hat = g.op("Mul", [o, g.op("Tanh", [normalised])])
    return [_zone(g, h, h_hat, layer.zoneout_hidden), _zone(g, c, c_hat, layer.zoneout_cell)]


def _gru_body(g, layer, params: dict, hidden: int, states: list, zx_t: str) -> list:
    (h,) = states
    zh = _recurrent_product(g, layer, params, h)
    if "bias_hh" in params:
        zh = g.op("Add", [zh, g.constant(params["bias_hh"], "bias_hh")])
    split = g.constant([hidden] * 3, "split")
    a_r, a_z, a_n = g.op("Split", [zx_t, split], outputs=3, axis=1)
    b_r, b_z, b_n = g.op("Split", [zh, split], outputs=3, axis=1)
    r = g.op("Sigmoid", [g.op("Add", [a_r, b_r])])
    z = g.op("Sigmoid", [g.op("Add", [a_z, b_z])])
    n = g.op("Tanh", [g.op("Add", [a_n, g.op("Mul", [r, b_n])])])
    h_hat = g.op("Add", [n, g.op("Mul", [z, g.op("Sub", [h, n])])])  # (1 - z) n + z h
    return [_zone(g, h, h_hat, layer.zoneout_hidden)]


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
