"""Graphs for whole models: what each model's `forward` / `predict` computes, preprocessing
included. Each builder takes a GraphBuilder and declares the graph's inputs and outputs.

    recurrent layer     x (N, T, I) [, lengths (N,)] -> y (N, T, D*H), h_n [, c_n]
    pooling head        y (N, T, F) [, lengths]      -> out (N, F)
    Linear, LayerNorm, Sequential of them: x (N, F) -> y; Embedding first: ids (N, T)
    SequenceNetwork     x (N, T, C) [, lengths]      -> logits (N, K)
    SequenceEnsemble    x (N, T, C) [, lengths]      -> probabilities (N, K)
                        (members: SequenceNetworks, or FCNNetworks: fcn_graph.py)
    SequenceClassifier  x (N, T, C) [, lengths]      -> probabilities (N, K), label (N,)
    Forecaster          window (N, L, K), series (N,) [, covariates, future_covariates]
                                                     -> forecast (N, horizon, K)

(batch_first=False layers and heads take (T, N, .) instead.) lengths are int64.
"""

import numpy as np

from lstmkit.interop.onnx.fcn_graph import fcn_logits
from lstmkit.interop.onnx.layers import (
    Lengths,
    emit_linear,
    emit_pool,
    emit_recurrent,
    emit_simple,
)
from lstmkit.nn.embedding import Embedding


def declare_sequences(g, size, with_lengths: bool, name="x", time_major=False):
    """Graph inputs `name` (N, T, size) float (or (T, N, size)) and optionally lengths (N,)."""
    shape = ["T", "N", size] if time_major else ["N", "T", size]
    x = g.add_input(name, "float", shape)
    lengths = Lengths(g, g.add_input("lengths", "int64", ["N"]) if with_lengths else None)
    return x, lengths


def recurrent_graph(g, layer, with_lengths: bool) -> None:
    time_major = not layer.batch_first
    x, lengths = declare_sequences(g, layer.input_size, with_lengths, time_major=time_major)
    x_tm = x if time_major else g.op("Transpose", [x], perm=[1, 0, 2])
    y_tm, finals = emit_recurrent(g, layer, x_tm, lengths)
    y = y_tm if time_major else g.op("Transpose", [y_tm], perm=[1, 0, 2])
    width = layer.num_directions * layer.hidden_size
    g.add_output(y, "y", "float", ["T", "N", width] if time_major else ["N", "T", width])
    slots = layer.num_layers * layer.num_directions
    for state, name in zip(finals, ("h_n", "c_n"), strict=False):
        g.add_output(state, name, "float", [slots, "N", layer.hidden_size])


def pool_graph(g, head, with_lengths: bool) -> None:
    x, lengths = declare_sequences(g, "F", with_lengths, "y", time_major=not head.batch_first)
    y_tm = g.op("Transpose", [x], perm=[1, 0, 2]) if head.batch_first else x
    g.add_output(emit_pool(g, head, y_tm, lengths), "out", "float", ["N", "F"])


def chain_graph(g, modules, with_lengths: bool) -> None:
    """Linear / Embedding / LayerNorm / Dropout applied in turn: x (N, F) float, or ids (N, T)
    int64 when the first layer is an Embedding (ONNX graph inputs have a fixed rank; the
    layers themselves act on the last axis, so other ranks are a Reshape away)."""
    del with_lengths  # these layers act per position: lengths do not matter
    leading = ["N", "T"] if isinstance(modules[0], Embedding) else ["N"]
    if isinstance(modules[0], Embedding):
        x = g.add_input("ids", "int64", leading)
    else:
        x = g.add_input(
            "x", "float", leading + [_width(modules, ("in_features", "normalized_shape"))]
        )
    for module in modules:
        x = emit_simple(g, module, x)
    out = _width(modules[::-1], ("out_features", "embedding_dim", "normalized_shape"))
    g.add_output(x, "y", "float", leading + [out])


def _width(modules, names):
    """The first of the attributes `names` found on the modules in turn, else symbolic "F"."""
    for module in modules:
        for name in names:
            if hasattr(module, name):
                return getattr(module, name)
    return "F"


def network_logits(g, network, x_tm: str, lengths: Lengths) -> str:
    """SequenceNetwork: encoder -> head -> (dropout: identity) -> Linear, from x (T, N, C)."""
    y_tm, _ = emit_recurrent(g, network.encoder, x_tm, lengths)
    return emit_linear(g, network.output, emit_pool(g, network.pool, y_tm, lengths), rank=2)


def network_graph(g, network, with_lengths: bool) -> None:
    x, lengths = declare_sequences(g, network.input_size, with_lengths)
    logits = network_logits(g, network, g.op("Transpose", [x], perm=[1, 0, 2]), lengths)
    g.add_output(logits, "logits", "float", ["N", network.output_size])


def classifier_graph(g, model, with_lengths: bool) -> None:
    """z = (x - mean_) / scale_ with NaN -> 0, then each ensemble member's network and
    softmax, the members' probabilities averaged, and the label.

    As predict_proba: the same features in, the same probabilities out (columns in the order
    of classes_), and `label` = classes_[argmax] (strings stay strings).
    """
    model._check_fitted()
    x, lengths = declare_sequences(g, model.n_features_in_, with_lengths)
    z = g.op("Div", [g.op("Sub", [x, g.constant(model.mean_, "mean")]), g.constant(model.scale_)])
    z = g.op("Where", [g.op("IsNaN", [z]), g.constant(np.float32(0), "zero"), z])
    z_tm = g.op("Transpose", [z], perm=[1, 0, 2])
    probabilities = ensemble_probabilities(g, model.network_, z_tm, lengths)
    probabilities_and_label(g, probabilities, model.classes_)


def ensemble_probabilities(g, ensemble, x_tm: str, lengths: Lengths) -> str:
    """SequenceEnsemble.probabilities: p = (1 / M) sum_k softmax(logits_k), x (T, N, C)."""
    # "lstm-fcn" / "alstm-fcn" members are FCNNetworks: their graph is fcn_graph.py's
    logits = network_logits if ensemble.architecture == "lstm" else fcn_logits
    members = [
        g.op("Softmax", [logits(g, ensemble.member(k), x_tm, lengths)], axis=-1)
        for k in range(ensemble.members)
    ]
    if len(members) == 1:
        return members[0]
    total = g.op("Sum", members)
    return g.op("Div", [total, g.constant(np.float32(len(members)), "members")])


def ensemble_graph(g, ensemble, with_lengths: bool) -> None:
    x, lengths = declare_sequences(g, ensemble.input_size, with_lengths)
    x_tm = g.op("Transpose", [x], perm=[1, 0, 2])
    probabilities = ensemble_probabilities(g, ensemble, x_tm, lengths)
    g.add_output(probabilities, "probabilities", "float", ["N", ensemble.output_size])


def probabilities_and_label(g, probabilities: str, classes) -> None:
    """Outputs `probabilities` (N, K) and `label` = classes[argmax] (N,) (strings stay
    strings)."""
    g.add_output(probabilities, "probabilities", "float", ["N", len(classes)])
    best = g.op("ArgMax", [probabilities], axis=1, keepdims=0)
    classes = np.asarray(classes)
    kinds = {"U": "string", "O": "string", "S": "string", "i": "int64", "u": "int64"}
    label = g.op("Gather", [g.constant(classes, "classes"), best], axis=0)
    g.add_output(label, "label", kinds.get(classes.dtype.kind, "float"), ["N"])


def forecaster_graph(g, model, with_lengths: bool) -> None:
    """The point forecast of `Forecaster.predict`, from windows of raw values.

    Inputs: `window` (N, L, K) float, per row the last L rows of a series exactly as given to
    fit (not log-transformed; L = lookback_ reproduces predict, any L >= period_ runs);
    `series` (N,) int64, the index of the training series each window belongs to (its scale
    was learned at fit; 0 for a single series); with covariates at fit, also `covariates`
    (N, L, C) (the window's rows) and `future_covariates` (N, horizon, C), raw.
    A Forecaster that deseasonalised its series (`forecast_transforms`) also takes `length`
    (N,) int64: how many rows the series had at the window's last row (`lengths_[series]`
    reproduces predict), which places the window and the forecast in the season.
    Output `forecast` (N, horizon, K). In float64 around the network, as predict (the
    network itself runs in float32), with P = the period the windows see (period_, or 1 once
    deseasonalised) and H = horizon:

        z      = log(window) if log_ else window
        z      = z - seasonal_[series, (length - L + l) mod period_]   (deseasonalised only)
        level  = mean(z[:, -P:]);  s = scale_[series]
        x      = [(z - level) / s,  (z_t - z_{t-P}) / (s sqrt(P)) (0 for t < P),  covariates]
        mean   = average over the ensemble's members of their means (N, H, K)
        anchor = z[:, h - P * ceil(h / P) - 1] for h = 1..H     (the seasonal-naive forecast)
        center = anchor + s * mean [+ seasonal_[series, (length - 1 + h) mod period_]]
        forecast = exp(center) if log_ else center
    """
    del with_lengths  # windows have one length
    model._check_fitted()
    P, H = model._window_period(), model.horizon
    K, C = model.history_.shape[2], model.history_covariates_.shape[2]
    window = g.add_input("window", "float", ["N", "L", K])
    series = g.add_input("series", "int64", ["N"])
    z = g.op("Cast", [window], to=11)  # double
    z = g.op("Log", [z]) if model.log_ else z
    seasons = _Seasons(g, model, series, window) if P != model.period_ else None
    z = g.op("Sub", [z, seasons.of_window()]) if seasons else z
    level = g.reduce("ReduceMean", _slice(g, z, -P, None), [1], keepdims=1)  # (N, 1, K)
    scale = g.op("Gather", [g.constant(model.scale_, "scale", double=True), series], axis=0)
    scale = g.unsqueeze(scale, [1])  # (N, 1, K)
    shape = g.op("Div", [g.op("Sub", [z, level]), scale])
    change = g.op("Sub", [_slice(g, z, P, None), _slice(g, z, 0, -P)])
    rise = g.op("Div", [change, g.op("Mul", [scale, g.constant(np.sqrt(P), "sqrt_p", True)])])
    zeros = g.op("Mul", [_slice(g, z, 0, P), g.constant(0.0, "zero", double=True)])
    parts = [shape, g.op("Concat", [zeros, rise], axis=1)]
    future = None
    if C:
        covariates = g.add_input("covariates", "float", ["N", "L", C])
        future_raw = g.add_input("future_covariates", "float", ["N", H, C])
        parts.append(_standardised(g, model, covariates))
        future = g.op("Cast", [_standardised(g, model, future_raw)], to=1)
        future = g.op("Reshape", [future, g.constant([0, -1], "shape")])  # (N, H * C)
    x = g.op("Cast", [g.op("Concat", parts, axis=2)], to=1)  # float32 for the network
    x_tm = g.op("Transpose", [x], perm=[1, 0, 2])
    means = [_member_mean(g, model.network_.member(k), x_tm, future) for k in range(model.ensemble)]
    mean = means[0] if len(means) == 1 else g.op("Sum", means)
    mean = g.op("Div", [g.op("Cast", [mean], to=11), g.constant(float(len(means)), "n", True)])
    mean = g.op("Reshape", [mean, g.constant([0, H, K], "shape")])
    steps = np.arange(1, H + 1)
    back = steps - P * np.ceil(steps / P).astype(np.int64) - 1  # counted from the window's end
    anchor = g.op("Gather", [z, g.constant(back, "anchor_rows")], axis=1)
    center = g.op("Add", [anchor, g.op("Mul", [scale, mean])])
    center = g.op("Add", [center, seasons.ahead(H)]) if seasons else center
    forecast = g.op("Exp", [center]) if model.log_ else center
    g.add_output(g.op("Cast", [forecast], to=1), "forecast", "float", ["N", H, K])


class _Seasons:
    """The seasonal components of a deseasonalised Forecaster in its graph: seasonal_ (S, m, K)
    as one (S * m, K) table, row series * m + phase, so that one Gather picks every row's.

    A window's row l (of L) is row length - L + l of its series, whose phase is that mod m;
    step h of the forecast is row length - 1 + h (`forecast_transforms.season_ahead`).
    """

    def __init__(self, g, model, series: str, window: str):
        self.g = g
        S, m, K = model.seasonal_.shape  # m = period_
        self.table = g.constant(model.seasonal_.reshape(S * m, K), "seasonal", double=True)
        self.length = g.add_input("length", "int64", ["N"])
        self.m = g.constant(np.int64(m), "m")
        self.first_row = g.unsqueeze(g.op("Mul", [series, self.m]), [1])
        self.window = window

    def _components(self, rows: str) -> str:
        """(N, R, K) components of the rows (N, R) of each window's series."""
        g = self.g
        phase = g.op("Mod", [rows, self.m])
        return g.op("Gather", [self.table, g.op("Add", [self.first_row, phase])], axis=0)

    def of_window(self) -> str:
        """(N, L, K): the components of the window's rows, length - L .. length - 1."""
        g = self.g
        steps = g.dim(self.window, 1)
        offsets = g.op("Range", [g.constant(np.int64(0), "zero"), steps, g.constant(np.int64(1))])
        first = g.op("Sub", [self.length, steps])  # (N,)
        return self._components(g.op("Add", [g.unsqueeze(first, [1]), g.unsqueeze(offsets, [0])]))

    def ahead(self, horizon: int) -> str:
        """(N, H, K): the components of the rows length .. length + H - 1 (steps h = 1..H)."""
        g = self.g
        offsets = g.constant(np.arange(horizon, dtype=np.int64)[None], "ahead")  # (1, H)
        return self._components(g.op("Add", [g.unsqueeze(self.length, [1]), offsets]))


def _slice(g, x: str, start: int, end: int | None, axis: int = 1) -> str:
    end = np.iinfo(np.int64).max if end is None else end
    return g.op(
        "Slice", [x, g.constant([start], "starts"), g.constant([end], "ends"), g.constant([axis])]
    )


def _standardised(g, model, covariates: str) -> str:
    """(covariates - covariate_mean_) / covariate_scale_, in float64."""
    value = g.op("Cast", [covariates], to=11)
    value = g.op("Sub", [value, g.constant(model.covariate_mean_, "covariate_mean", True)])
    return g.op("Div", [value, g.constant(model.covariate_scale_, "covariate_scale", True)])


def _member_mean(g, member, x_tm: str, future: str | None) -> str:
    """One ForecastNetwork's means (N, H*K): LSTM -> last step [+ future] -> Linear, sliced."""
    y_tm, _ = emit_recurrent(g, member.encoder, x_tm, Lengths(g))
    u = emit_pool(g, member.last, y_tm, Lengths(g))
    if future is not None:
        u = g.op("Concat", [u, future], axis=1)
    out = emit_linear(g, member.head, u, rank=2)  # means, then log-variances
    return _slice(g, out, 0, member.horizon * member.outputs)
