"""Finite-difference checks (float64) of every gradient of the LSTM layer, over its options."""

import numpy as np
import pytest

from lstmkit import LSTM
from lstmkit.testing import numerical_gradient, relative_error

TOLERANCE = 1e-6

# (num_layers, bidirectional, proj_size, peepholes, bias, batch_first, lengths, initial state)
CONFIGS = [
    (1, False, 0, False, True, True, None, False),
    (1, False, 0, False, True, True, None, True),
    (1, False, 0, True, True, False, [4, 2, 1], True),
    (1, False, 2, False, False, True, [3, 4, 1], True),
    (1, True, 0, False, True, True, [2, 4, 3], True),
    (2, False, 0, False, True, False, None, True),
    (2, True, 2, True, True, True, [1, 3, 4], True),
    (3, True, 0, False, False, False, [4, 1, 2], False),
    (2, False, 2, True, True, True, [4, 4, 2], True),
]


def _config_id(config):
    layers, bidirectional, proj, peepholes, bias, batch_first, lengths, state = config
    parts = [f"L{layers}", "bi" if bidirectional else "uni", f"proj{proj}"]
    parts += ["peep"] * peepholes + ["nobias"] * (not bias) + ["tmajor"] * (not batch_first)
    parts += ["lengths"] * (lengths is not None) + ["state"] * state
    return "-".join(parts)


def _build(config, seed=0):
    layers, bidirectional, proj, peepholes, bias, batch_first, lengths, with_state = config
    batch, steps, inputs, hidden = 3, 4, 3, 3
    model = LSTM(
        inputs,
        hidden,
        num_layers=layers,
        bias=bias,
        batch_first=batch_first,
        bidirectional=bidirectional,
        proj_size=proj,
        peepholes=peepholes,
        dtype="float64",
        seed=seed,
    )
    rng = np.random.default_rng(seed + 100)
    slots = layers * (2 if bidirectional else 1)
    x = rng.standard_normal((batch, steps, inputs) if batch_first else (steps, batch, inputs))
    state = None
    if with_state:
        state = (
            rng.standard_normal((slots, batch, proj or hidden)),
            rng.standard_normal((slots, batch, hidden)),
        )
    return model, x, state, None if lengths is None else np.array(lengths), rng


def _check_all_gradients(model, x, state, lengths, rng, before_forward=lambda: None):
    """Compare every analytic gradient of sum(y*Ry) + sum(h_n*Rh) + sum(c_n*Rc) with FD."""
    before_forward()
    y, (h_n, c_n) = model(x, state, lengths)
    weights = [rng.standard_normal(a.shape) for a in (y, h_n, c_n)]

    def loss():
        before_forward()
        outputs = model(x, state, lengths)
        return sum(
            float(np.sum(a * w)) for a, w in zip((outputs[0], *outputs[1]), weights, strict=True)
        )

    before_forward()
    model(x, state, lengths)
    model.zero_grad()
    dx, (dh_0, dc_0) = model.backward(weights[0], (weights[1], weights[2]))
    analytic = {"x": dx, **{f"param {k}": g.copy() for k, g in model.grads.items()}}
    arrays = {"x": x, **{f"param {k}": v for k, v in model.params.items()}}
    if state is not None:
        analytic.update({"h_0": dh_0, "c_0": dc_0})
        arrays.update({"h_0": state[0], "c_0": state[1]})
    errors = {
        name: relative_error(analytic[name], numerical_gradient(loss, array))
        for name, array in arrays.items()
    }
    worst = max(errors, key=errors.get)
    assert errors[worst] < TOLERANCE, f"gradient of {worst}: relative error {errors[worst]:.2e}"
    return errors


@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
def test_every_gradient_matches_finite_differences(config):
    model, x, state, lengths, rng = _build(config)
    _check_all_gradients(model, x, state, lengths, rng)


def test_gradients_with_dropout_in_training_mode():
    """With the dropout masks held fixed (generator reset before each pass), BPTT is exact."""
    model, x, state, lengths, rng = _build((3, True, 0, False, True, True, [4, 2, 3], True))
    model.dropout = 0.4

    def reset_masks():
        model._rng = np.random.default_rng(7)

    _check_all_gradients(model, x, state, lengths, rng, before_forward=reset_masks)


def test_gradients_with_random_shapes():
    """A seeded sample of shapes and options, beyond the hand-picked ones."""
    rng = np.random.default_rng(2026)
    for _ in range(4):
        batch, steps, inputs, hidden = (int(v) for v in rng.integers(1, 5, size=4))
        hidden += 1
        model = LSTM(
            inputs,
            hidden,
            num_layers=int(rng.integers(1, 3)),
            bidirectional=bool(rng.integers(2)),
            proj_size=int(rng.integers(hidden)),
            peepholes=bool(rng.integers(2)),
            dtype="float64",
            seed=int(rng.integers(1000)),
        )
        x = rng.standard_normal((batch, steps, inputs))
        lengths = rng.integers(1, steps + 1, size=batch)
        _check_all_gradients(model, x, None, lengths, rng)


@pytest.mark.parametrize("clip, input_forget", [(0.5, False), (None, True), (0.7, True)])
def test_gradients_with_clip_and_coupled_gates(clip, input_forget):
    """clip=0.5 clips a good share of the pre-activations of these random weights."""
    rng = np.random.default_rng(11)
    model = LSTM(
        3,
        4,
        num_layers=2,
        bidirectional=True,
        proj_size=2,
        peepholes=True,
        clip=clip,
        input_forget=input_forget,
        dtype="float64",
        seed=12,
    )
    for value in model.params.values():
        value *= 3  # larger pre-activations: many beyond the clip bound
    x = rng.standard_normal((3, 4, 3))
    errors = _check_all_gradients(model, x, None, np.array([4, 1, 3]), rng)
    if input_forget:  # f = 1 - i: the forget gate's own weights get no gradient
        assert not model.grads["weight_ih_l0"][4:8].any()
    assert max(errors.values()) < TOLERANCE
