"""Optimizer behaviour: in-place updates on a Module, exact state-dict resume, strict loading,
non-finite gradients, argument checks (the same rules as torch.optim)."""

import copy
import json

import numpy as np
import pytest

from lstmkit import LSTM, Module, optim

# Each optimizer with the options that give it every state array it can have.
FULL_STATE = {
    "SGD": {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01},
    "Adam": {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01},
    "AdamW": {"lr": 0.01, "amsgrad": True},
    "RMSprop": {"lr": 0.01, "centered": True, "momentum": 0.5},
    "Adagrad": {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1},
}
SLOTS = {
    "SGD": ["momentum_buffer"],
    "Adam": ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
    "AdamW": ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
    "RMSprop": ["square_avg", "grad_avg", "momentum_buffer"],
    "Adagrad": ["sum"],
}


class Tagger(Module):
    """A model with a child, so that parameter names are dotted."""

    def __init__(self, dtype="float64"):
        super().__init__()
        self.encoder = LSTM(3, 4, dtype=dtype, seed=0)
        self.scale = self.add_parameter("scale", np.ones(4, dtype=dtype))


def _fill_grads(model, rng):
    for grad in model.grads.values():
        grad[...] = rng.standard_normal(grad.shape)


def _run(model, optimizer, steps, seed):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        optimizer.zero_grad()
        _fill_grads(model, rng)
        optimizer.step()


@pytest.mark.parametrize("name", list(FULL_STATE))
def test_steps_update_the_modules_own_arrays_in_place(name):
    model = Tagger()
    arrays = {key: value for key, value in model.params.items()}
    before = {key: value.copy() for key, value in arrays.items()}
    optimizer = getattr(optim, name)(model, **FULL_STATE[name])
    _run(model, optimizer, 3, seed=0)
    for key, value in model.params.items():
        assert value is arrays[key]
        assert model.encoder.params.get(key.removeprefix("encoder."), value) is value
        assert not np.array_equal(value, before[key])
    optimizer.zero_grad()
    assert all(not grad.any() for grad in model.grads.values())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(FULL_STATE))
def test_state_dict_resume_is_bit_identical(name, dtype):
    model = Tagger(dtype)
    optimizer = getattr(optim, name)(model, **FULL_STATE[name])
    _run(model, optimizer, 30, seed=1)
    optimizer.lr *= 0.7  # a schedule's change must be saved too

    saved = optimizer.state_dict()
    saved["config"] = json.loads(json.dumps(saved["config"], allow_nan=False))
    assert saved["config"]["class"] == name and saved["config"]["step_count"] == 30
    expected_keys = [f"{p}.{slot}" for p in model.params for slot in SLOTS[name]]
    assert sorted(saved["arrays"]) == sorted(expected_keys)
    assert "encoder.weight_ih_l0." + SLOTS[name][0] in saved["arrays"]

    copy_model = Tagger(dtype)
    copy_model.load_state_dict(model.state_dict())
    resumed = getattr(optim, name)(copy_model, **FULL_STATE[name])
    resumed.load_state_dict(saved)
    for array in saved["arrays"].values():
        array += 1.0  # the loaded state is a copy, not the caller's arrays

    _run(model, optimizer, 30, seed=2)
    _run(copy_model, resumed, 30, seed=2)
    for key, value in model.params.items():
        np.testing.assert_array_equal(copy_model.params[key], value, err_msg=key)
    assert resumed.step_count == optimizer.step_count == 60
    assert resumed.lr == optimizer.lr


def test_state_dict_arrays_are_copies():
    model = Tagger()
    optimizer = optim.Adam(model)
    _run(model, optimizer, 2, seed=0)
    saved = optimizer.state_dict()
    saved["arrays"]["scale.exp_avg"] += 5.0
    assert not np.array_equal(optimizer.state["scale"]["exp_avg"], saved["arrays"]["scale.exp_avg"])


def _loaded_error(target, state):
    before = copy.deepcopy(target.state)
    with pytest.raises(ValueError) as info:
        target.load_state_dict(state)
    for key, slots in target.state.items():  # nothing was changed
        for slot, value in slots.items():
            np.testing.assert_array_equal(value, before[key][slot])
    assert target.step_count == 0
    return str(info.value)


def test_load_state_dict_lists_missing_unexpected_and_misshapen_arrays():
    model = Tagger()
    source = optim.Adam(model, amsgrad=True)
    _run(model, source, 2, seed=0)
    state = source.state_dict()
    del state["arrays"]["encoder.bias_hh_l0.exp_avg"]
    state["arrays"]["encoder.weight_hh_l0.exp_avg_sq"] = np.zeros((4, 16))
    state["arrays"]["decoder.weight.exp_avg"] = np.zeros(3)
    message = _loaded_error(optim.Adam(Tagger(), amsgrad=True), state)
    assert "missing arrays ['encoder.bias_hh_l0.exp_avg']" in message
    assert "unexpected arrays ['decoder.weight.exp_avg']" in message
    assert "encoder.weight_hh_l0.exp_avg_sq: expected shape (16, 4), got (4, 16)" in message


def test_load_state_dict_refuses_another_class_or_other_hyperparameters():
    model = Tagger()
    state = optim.Adam(model, amsgrad=True).state_dict()
    message = _loaded_error(optim.AdamW(Tagger(), amsgrad=True), state)
    assert "saved by 'Adam', loaded into 'AdamW'" in message
    message = _loaded_error(optim.Adam(Tagger(), betas=(0.9, 0.99)), state)
    assert "betas: this optimizer has [0.9, 0.99], saved [0.9, 0.999]" in message
    assert "amsgrad: this optimizer has False, saved True" in message
    assert "unexpected arrays ['scale.max_exp_avg_sq'" in message  # only amsgrad has them
    state["config"]["step_count"] = -1
    state["config"]["lr"] = "fast"
    message = _loaded_error(optim.Adam(Tagger(), amsgrad=True), state)
    assert "step_count must be an integer >= 0" in message and "lr must be a number" in message
    with pytest.raises(ValueError, match="'config' and 'arrays'"):
        optim.Adam(Tagger()).load_state_dict({"config": state["config"]})


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", list(FULL_STATE))
def test_non_finite_gradient_raises_and_changes_nothing(name, bad):
    model = Tagger()
    optimizer = getattr(optim, name)(model, **FULL_STATE[name])
    _run(model, optimizer, 3, seed=0)
    params = {key: value.copy() for key, value in model.params.items()}
    state = optimizer.state_dict()
    _fill_grads(model, np.random.default_rng(5))
    last = list(model.grads)[-1]  # the last parameter: every other one would be updated first
    model.grads[last][0] = bad
    with pytest.raises(FloatingPointError, match=rf"gradient of '{last}' has NaN or infinite"):
        optimizer.step()
    for key, value in model.params.items():
        np.testing.assert_array_equal(value, params[key])
    after = optimizer.state_dict()
    assert after["config"] == state["config"]
    for key, value in after["arrays"].items():
        np.testing.assert_array_equal(value, state["arrays"][key])
    model.grads[last][0] = 0.0  # once the gradient is fixed, stepping goes on
    optimizer.step()
    assert optimizer.step_count == 4


def test_lr_is_a_plain_attribute_read_at_each_step():
    model = Tagger()
    optimizer = optim.SGD(model, lr=0.1)
    _fill_grads(model, np.random.default_rng(0))
    before = {key: value.copy() for key, value in model.params.items()}
    optimizer.lr = 0.0
    optimizer.step()
    for key, value in model.params.items():
        np.testing.assert_array_equal(value, before[key])
    optimizer.lr = 0.5
    optimizer.step()
    np.testing.assert_allclose(
        model.params["scale"], before["scale"] - 0.5 * model.grads["scale"], rtol=1e-15
    )
    optimizer.lr = -0.1
    with pytest.raises(ValueError, match="lr must be >= 0"):
        optimizer.step()


# ---- argument checks: the rules torch.optim applies, errors naming the argument -------------

BAD_ARGUMENTS = [
    ("SGD", {"lr": -0.1}, "lr"),
    ("SGD", {"momentum": -0.5}, "momentum"),
    ("SGD", {"weight_decay": -1e-4}, "weight_decay"),
    ("SGD", {"nesterov": True}, "nesterov"),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "nesterov"),
    ("Adam", {"lr": -1e-3}, "lr"),
    ("Adam", {"eps": -1e-8}, "eps"),
    ("Adam", {"betas": (1.0, 0.999)}, r"betas\[0\]"),
    ("Adam", {"betas": (-0.1, 0.999)}, r"betas\[0\]"),
    ("Adam", {"betas": (0.9, 1.0)}, r"betas\[1\]"),
    ("Adam", {"weight_decay": -0.1}, "weight_decay"),
    ("AdamW", {"betas": (0.9, 1.5)}, r"betas\[1\]"),
    ("AdamW", {"weight_decay": -0.01}, "weight_decay"),
    ("RMSprop", {"lr": -0.01}, "lr"),
    ("RMSprop", {"alpha": -0.5}, "alpha"),
    ("RMSprop", {"eps": -1e-8}, "eps"),
    ("RMSprop", {"momentum": -0.1}, "momentum"),
    ("RMSprop", {"weight_decay": -0.1}, "weight_decay"),
    ("Adagrad", {"lr": -0.01}, "lr"),
    ("Adagrad", {"lr_decay": -0.01}, "lr_decay"),
    ("Adagrad", {"weight_decay": -0.01}, "weight_decay"),
    ("Adagrad", {"initial_accumulator_value": -0.1}, "initial_accumulator_value"),
    ("Adagrad", {"eps": -1e-10}, "eps"),
]

# Accepted by both (torch checks no more than this): lstmkit must not be stricter.
GOOD_EDGE_ARGUMENTS = [
    ("SGD", {"lr": 0.0, "momentum": 0.0, "dampening": 0.5}),
    ("SGD", {"momentum": 0.9, "nesterov": True, "dampening": 0.0}),
    ("Adam", {"betas": (0.0, 0.0), "eps": 0.0}),
    ("RMSprop", {"alpha": 0.0, "eps": 0.0, "momentum": 0.0}),
    ("Adagrad", {"lr_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 0.0}),
]


@pytest.mark.parametrize(("name", "kwargs", "argument"), BAD_ARGUMENTS)
def test_invalid_hyperparameters_are_refused_like_torch(name, kwargs, argument, torch):
    with pytest.raises(ValueError, match=argument):
        getattr(optim, name)(Tagger(), **kwargs)
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize(("name", "kwargs"), GOOD_EDGE_ARGUMENTS)
def test_edge_hyperparameters_torch_accepts_are_accepted(name, kwargs, torch):
    getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    getattr(optim, name)(Tagger(), **kwargs)


def test_wrong_types_and_nan_are_refused_with_the_argument_named():
    with pytest.raises(TypeError, match="lr must be a real number"):
        optim.SGD(Tagger(), lr="0.1")
    with pytest.raises(ValueError, match="lr must be >= 0"):
        optim.SGD(Tagger(), lr=float("nan"))
    with pytest.raises(TypeError, match="amsgrad must be True or False"):
        optim.Adam(Tagger(), amsgrad="yes")
    with pytest.raises(TypeError, match="betas must be a pair"):
        optim.Adam(Tagger(), betas=0.9)


class Loose:
    def __init__(self, params, grads):
        self.params, self.grads = params, grads


@pytest.mark.parametrize(
    ("model", "error", "match"),
    [
        (object(), TypeError, "params` and `grads` dicts"),
        (Loose({}, {}), ValueError, "no parameters"),
        (Loose({"w": np.zeros(2)}, {"v": np.zeros(2)}), ValueError, "same keys"),
        (Loose({"w": np.zeros(2)}, {"w": np.zeros(3)}), ValueError, "shape"),
        (Loose({"w": np.zeros(2, int)}, {"w": np.zeros(2, int)}), TypeError, "floating"),
        (Loose({"w": [0.0, 1.0]}, {"w": [0.0, 0.0]}), TypeError, "NumPy arrays"),
    ],
)
def test_models_that_cannot_be_optimized_are_refused(model, error, match):
    with pytest.raises(error, match=match):
        optim.SGD(model)


def test_repr_shows_the_hyperparameters():
    text = repr(optim.Adam(Tagger(), lr=0.01))
    assert text == (
        "Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False, "
        "maximize=False)"
    )


def test_checkpoint_file_round_trip_resumes_bit_for_bit(tmp_path):
    """Through lstmkit.io's checkpoint file (safetensors arrays + JSON config)."""
    from lstmkit.io import load_checkpoint, save_checkpoint

    model = LSTM(3, 4, dtype="float64", seed=0)
    optimizer = optim.RMSprop(model, lr=0.01, centered=True, momentum=0.5)
    schedule = optim.CosineAnnealingLR(optimizer, T_max=10)
    _run(model, optimizer, 5, seed=0)
    schedule.step()
    save_checkpoint(tmp_path / "run.safetensors", model, optimizer, schedule)
    checkpoint = load_checkpoint(tmp_path / "run.safetensors")
    copy_model = checkpoint.build_model()
    resumed = optim.RMSprop(copy_model, lr=0.01, centered=True, momentum=0.5)
    resumed_schedule = optim.CosineAnnealingLR(resumed, T_max=10)
    checkpoint.restore(copy_model, resumed, resumed_schedule)
    for _ in range(3):
        _run(model, optimizer, 4, seed=3)
        _run(copy_model, resumed, 4, seed=3)
        schedule.step()
        resumed_schedule.step()
    assert resumed.lr == optimizer.lr
    for key, value in model.params.items():
        np.testing.assert_array_equal(copy_model.params[key], value, err_msg=key)


def test_every_non_finite_gradient_is_named():
    model = Tagger()
    optimizer = optim.SGD(model)
    model.grads["encoder.weight_hh_l0"][1, 2] = np.nan
    model.grads["scale"][0] = np.inf
    message = r"'scale' has NaN or infinite values \(so do those of \['encoder.weight_hh_l0'\]\)"
    with pytest.raises(FloatingPointError, match=message):
        optimizer.step()
    assert optimizer.step_count == 0
