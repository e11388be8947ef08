"""Float64 finite differences of every gradient of the regularised / normalised LSTM options.

Training mode, masks fixed: `gradient_errors` restores the layer's generator before every
forward pass, so each evaluation draws the same dropout, weight-drop and zoneout masks. Each
case also checks that it drew the masks it should (a case with no mask would test nothing).
"""

import numpy as np
import pytest

from lstmkit import GRU, LSTM
from lstmkit.testing import gradient_errors

TOLERANCE = 1e-6
LENGTHS = np.array([4, 2, 3])

# name -> (constructor options, masks that a training-mode pass must draw)
CASES = {
    "layer_norm": ({"layer_norm": True}, []),
    "dropout_input": ({"dropout_input": 0.4}, ["input_l0"]),
    "dropout_output": ({"dropout_output": 0.4}, ["output"]),
    "dropout_state": ({"dropout_state": 0.4}, ["state_l0"]),
    "weight_drop": ({"weight_drop": 0.4}, ["weight_hh_l0"]),
    "zoneout_cell": ({"zoneout_cell": 0.4}, ["zone_c_l0"]),
    "zoneout_hidden": ({"zoneout_hidden": 0.4}, ["zone_h_l0"]),
    "all-2layer-bidirectional": (
        {
            "layer_norm": True,
            "dropout_input": 0.3,
            "dropout_output": 0.3,
            "dropout_state": 0.3,
            "weight_drop": 0.3,
            "zoneout_cell": 0.3,
            "zoneout_hidden": 0.3,
            "num_layers": 2,
            "bidirectional": True,
            "dropout": 0.3,
        },
        ["input_l1", "state_l1_reverse", "zone_c_l0_reverse", "weight_hh_l1_reverse"],
    ),
    "layer_norm-zoneout-proj-nobias": (
        {"layer_norm": True, "zoneout_cell": 0.3, "zoneout_hidden": 0.3, "proj_size": 2},
        ["zone_h_l0"],
    ),
    "dropouts-weight_drop-peepholes-timemajor": (
        {
            "dropout_input": 0.3,
            "dropout_output": 0.3,
            "weight_drop": 0.3,
            "peepholes": True,
            "batch_first": False,
        },
        ["input_l0", "output", "weight_hh_l0"],
    ),
}


def _inputs(model, rng, batch_first=True):
    batch, steps = len(LENGTHS), int(LENGTHS.max())
    slots = model.num_layers * model.num_directions
    shape = (batch, steps, model.input_size) if batch_first else (steps, batch, model.input_size)
    states = [rng.standard_normal((slots, batch, size)) for size in model._state_sizes()]
    return {"x": rng.standard_normal(shape), **dict(zip(("h_0", "c_0"), states, strict=False))}


def check_layer_gradients(model, inputs):
    """Every parameter's and input's gradient against central differences (masks replayed)."""
    names = model.state_names

    def forward():
        state = tuple(inputs[f"{n}_0"] for n in names)
        return model(inputs["x"], state if len(state) > 1 else state[0], LENGTHS)

    def backward(upstream):
        dy, *dstate = upstream
        dx, dstate_0 = model.backward(dy, tuple(dstate) if len(dstate) > 1 else dstate[0])
        dstate_0 = dstate_0 if isinstance(dstate_0, tuple) else (dstate_0,)
        return {"x": dx, **{f"{n}_0": d for n, d in zip(names, dstate_0, strict=True)}}

    errors = gradient_errors(model, forward, backward, inputs)
    idle = [name for name, grad in model.grads.items() if not np.any(grad)]
    assert not idle, f"parameters with zero gradient, checked vacuously: {idle}"
    worst = {name: error for name, error in errors.items() if not error < TOLERANCE}
    assert not worst, f"relative errors above {TOLERANCE}: {worst}"
    return errors


@pytest.mark.parametrize("name", CASES)
def test_lstm_option_gradients(name):
    options, expected_masks = CASES[name]
    options = dict(options)
    bias = "nobias" not in name
    hidden = 2 if "2layer" in name else 3  # the stacks: fewer weights to perturb
    model = LSTM(3, hidden, bias=bias, dtype="float64", seed=1, **options)
    inputs = _inputs(model, np.random.default_rng(2), options.get("batch_first", True))
    errors = check_layer_gradients(model, inputs)
    assert set(errors) >= {f"input {n}" for n in inputs}
    assert set(expected_masks) <= set(model.last_masks())
    if model.layer_norm:
        assert any(name.startswith("ln_c_weight") for name in errors)


GRU_CASES = {
    "dropouts-weight_drop": {"dropout_input": 0.4, "dropout_output": 0.4, "weight_drop": 0.4},
    "layer_norm": {"layer_norm": True},
    "dropout_state": {"dropout_state": 0.4},
    "zoneout_hidden": {"zoneout_hidden": 0.4},
    "all-2layer-bidirectional": {
        "layer_norm": True,
        "dropout_input": 0.3,
        "dropout_output": 0.3,
        "dropout_state": 0.3,
        "weight_drop": 0.3,
        "zoneout_hidden": 0.3,
        "num_layers": 2,
        "bidirectional": True,
    },
}


@pytest.mark.parametrize("name", GRU_CASES)
def test_gru_option_gradients(name):
    model = GRU(3, 2 if "2layer" in name else 3, dtype="float64", seed=1, **GRU_CASES[name])
    inputs = _inputs(model, np.random.default_rng(2))
    check_layer_gradients(model, inputs)
    assert bool(model.last_masks()) == (name != "layer_norm")
