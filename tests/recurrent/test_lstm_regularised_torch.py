"""An independent reference for the regularised / normalised LSTM and GRU: the equations
written again in PyTorch, differentiated by torch's autograd, with the masks lstmkit drew
(`last_masks`).

Each sequence runs alone, step by step over its own valid steps (the reverse direction from
its last valid step down), so batching, sorting by length and the fused input projection of
lstmkit's loop play no part in the reference. Float64: outputs, final states and every
gradient agree to 1e-10.
"""

import numpy as np
import pytest

from lstmkit import GRU, LSTM

torch = pytest.importorskip("torch")
F = torch.nn.functional

LENGTHS = np.array([4, 2, 3])
ALL = {
    "layer_norm": True,
    "dropout_input": 0.3,
    "dropout_output": 0.3,
    "dropout_state": 0.3,
    "weight_drop": 0.3,
    "zoneout_cell": 0.3,
    "zoneout_hidden": 0.4,
}
CASES = {
    "layer_norm": {"layer_norm": True},
    "dropout_input-output": {"dropout_input": 0.4, "dropout_output": 0.4},
    "dropout_state": {"dropout_state": 0.4},
    "weight_drop": {"weight_drop": 0.4},
    "zoneout": {"zoneout_cell": 0.4, "zoneout_hidden": 0.3},
    "all": ALL,
    "all-2layer-bidirectional": {**ALL, "num_layers": 2, "bidirectional": True},
    "all-proj": {**ALL, "proj_size": 2},
}


def _products(p, x_t, h, masks, suffix, options, training, rows):
    """zx, zh of one step: the input and (masked, weight-dropped) recurrent products, each
    layer-normalised over its `rows` gate rows with layer_norm."""
    w_hh = p["weight_hh" + suffix]
    if training and "weight_hh" + suffix in masks:
        w_hh = w_hh * masks["weight_hh" + suffix]
    h_in = h * masks["state" + suffix] if training and "state" + suffix in masks else h
    zx, zh = x_t @ p["weight_ih" + suffix].T, h_in @ w_hh.T
    if options.get("layer_norm"):
        zx = F.layer_norm(zx, (rows,), p["ln_ih_weight" + suffix], p["ln_ih_bias" + suffix])
        zh = F.layer_norm(zh, (rows,), p["ln_hh_weight" + suffix], p["ln_hh_bias" + suffix])
    return zx, zh


def lstm_step(p, x_t, state, masks, suffix, options, training, t):
    h, c = state
    hidden = c.shape[-1]
    zx, zh = _products(p, x_t, h, masks, suffix, options, training, 4 * hidden)
    i, f, g, o = (zx + zh + p["bias_ih" + suffix] + p["bias_hh" + suffix]).split(hidden)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    normalised = c_new
    if options.get("layer_norm"):
        normalised = F.layer_norm(
            c_new, (hidden,), p["ln_c_weight" + suffix], p["ln_c_bias" + suffix]
        )
    h_new = o * torch.tanh(normalised)
    if "weight_hr" + suffix in p:
        h_new = p["weight_hr" + suffix] @ h_new
    d_c = _zoneout(masks, "zone_c" + suffix, t, options.get("zoneout_cell", 0.0), training)
    d_h = _zoneout(masks, "zone_h" + suffix, t, options.get("zoneout_hidden", 0.0), training)
    return d_h * h + (1 - d_h) * h_new, d_c * c + (1 - d_c) * c_new


def gru_step(p, x_t, state, masks, suffix, options, training, t):
    (h,) = state
    hidden = h.shape[-1]
    zx, zh = _products(p, x_t, h, masks, suffix, options, training, 3 * hidden)
    a_r, a_z, a_n = (zx + p["bias_ih" + suffix]).split(hidden)
    b_r, b_z, b_n = (zh + p["bias_hh" + suffix]).split(hidden)
    r, z = torch.sigmoid(a_r + b_r), torch.sigmoid(a_z + b_z)
    h_new = (1 - z) * torch.tanh(a_n + r * b_n) + z * h
    d_h = _zoneout(masks, "zone_h" + suffix, t, options.get("zoneout_hidden", 0.0), training)
    return (d_h * h + (1 - d_h) * h_new,)


def _sequence_direction(step, p, x, state, masks, suffix, options, training, reverse):
    """One direction over one sequence x (L, I) from `state`: outputs (L, P), final state."""
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    outputs = [None] * x.shape[0]
    for t in steps:
        state = step(p, x[t], state, masks, suffix, options, training, t)
        outputs[t] = state[0]
    return torch.stack(outputs), state


def _zoneout(masks, key, t, probability, training):
    """Training: step t's 0/1 mask (none drawn: 0); evaluation: the probability."""
    if not training:
        return probability
    return masks[key][t] if key in masks else 0.0


def reference(step, p, x, initial, masks, options, training):
    """y (N, T, D*P) and the final states of the layer, sequence by sequence."""
    layers = options.get("num_layers", 1)
    directions = 2 if options.get("bidirectional") else 1
    batch, steps = x.shape[:2]
    layer_input = [x[n, : LENGTHS[n]] for n in range(batch)]
    finals = [[[None] * batch for _ in range(layers * directions)] for _ in initial]
    for k in range(layers):
        if training and f"input_l{k}" in masks:
            layer_input = [seq * masks[f"input_l{k}"][n] for n, seq in enumerate(layer_input)]
        outputs = []
        for n, seq in enumerate(layer_input):
            per_sequence = {
                key: (value[n] if key.startswith(("state", "zone")) else value)
                for key, value in masks.items()
            }
            per_direction = []
            for d in range(directions):
                suffix, row = f"_l{k}" + ("_reverse" if d else ""), k * directions + d
                state = tuple(s[row, n] for s in initial)
                y, state = _sequence_direction(
                    step, p, seq, state, per_sequence, suffix, options, training, d == 1
                )
                for final, value in zip(finals, state, strict=True):
                    final[row][n] = value
                per_direction.append(y)
            outputs.append(torch.cat(per_direction, dim=1))
        layer_input = outputs
    width = layer_input[0].shape[1]
    y = torch.stack(
        [torch.cat([seq, seq.new_zeros(steps - seq.shape[0], width)]) for seq in layer_input]
    )
    if training and "output" in masks:
        y = y * masks["output"][:, None, :]
    return (y, *(torch.stack([torch.stack(r) for r in final]) for final in finals))


def _compare_with_reference(model, step, options, training):
    """Run model and the reference on the same data and masks; compare everything."""
    rng = np.random.default_rng(4)
    slots = model.num_layers * model.num_directions
    x = rng.standard_normal((len(LENGTHS), int(LENGTHS.max()), 3))
    initial = [rng.standard_normal((slots, len(LENGTHS), s)) for s in model._state_sizes()]
    state = tuple(initial) if len(initial) > 1 else initial[0]
    y, finals = model(x, state, LENGTHS)
    finals = finals if isinstance(finals, tuple) else (finals,)
    upstream = [rng.standard_normal(a.shape) for a in (y, *finals)]
    model.zero_grad()
    dstate = tuple(upstream[1:]) if len(finals) > 1 else upstream[1]
    dx, dinitial = model.backward(upstream[0], dstate)
    dinitial = dinitial if isinstance(dinitial, tuple) else (dinitial,)
    masks = {k: torch.from_numpy(v) for k, v in model.last_masks().items()}

    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    inputs = [torch.tensor(a, requires_grad=True) for a in (x, *initial)]
    outputs = reference(step, tensors, inputs[0], inputs[1:], masks, options, training)
    loss = sum((out * torch.from_numpy(u)).sum() for out, u in zip(outputs, upstream, strict=True))
    loss.backward()

    for ours, theirs in zip((y, *finals), outputs, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-10)
    for ours, theirs in zip((dx, *dinitial), inputs, strict=True):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-10)
    for key, grad in model.grads.items():
        np.testing.assert_allclose(
            grad, tensors[key].grad.numpy(), rtol=1e-10, atol=1e-10, err_msg=key
        )
    return masks


GRU_ALL = {name: value for name, value in ALL.items() if name != "zoneout_cell"}
GRU_CASES = {
    "layer_norm": {"layer_norm": True},
    "dropout_state-zoneout": {"dropout_state": 0.4, "zoneout_hidden": 0.3},
    "all-2layer-bidirectional": {**GRU_ALL, "num_layers": 2, "bidirectional": True},
}
LAYERS = {
    **{f"LSTM-{name}": (LSTM, lstm_step, options) for name, options in CASES.items()},
    **{f"GRU-{name}": (GRU, gru_step, options) for name, options in GRU_CASES.items()},
}


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", LAYERS)
def test_options_match_a_torch_autograd_reference(name, training):
    cls, step, options = LAYERS[name]
    model = cls(3, 4, dtype="float64", seed=3, **options).train(training)
    masks = _compare_with_reference(model, step, options, training)
    assert bool(masks) == (training and not name.endswith("-layer_norm"))
