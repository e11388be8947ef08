"""The layer contract (DESIGN.md section 2), checked on every public layer and task network.

Every case of `layer_cases.CASES` goes through every check below: params and grads agree,
backward fills the gradients and zero_grad empties them, state dicts and `lstmkit.save` /
`lstmkit.load` round trip bit for bit, the seed fixes the model, float32 and float64 hold
throughout, float64 gradients match central differences, train/eval reach every child, and
inputs of the wrong shape are refused with the design's error. A public Module without a case
fails `test_every_public_module_has_a_case`, so a new layer cannot slip past the harness.
"""

import importlib
import inspect
import pkgutil
import re

import numpy as np
import pytest

import lstmkit
import lstmkit.experiments
import lstmkit.models
from lstmkit import nn
from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module
from lstmkit.testing import flatten_outputs, gradient_errors
from tests.contract.layer_cases import CASES, LayerCase

TOLERANCE = 1e-6  # DESIGN.md section 4: float64 central differences, relative error below 1e-6


def params_for(check: str, cases=CASES, *extra):
    """pytest.param(case, *extra) per case, marked xfail(strict=True) where the case lists a
    known defect for `check`."""
    suffix = "".join(f"-{getattr(value, '__name__', value)}" for value in extra)
    params = []
    for case in cases:
        marks = []
        if check in case.defects:
            marks.append(pytest.mark.xfail(strict=True, reason=case.defects[check]))
        params.append(pytest.param(case, *extra, id=case.name + suffix, marks=marks))
    return params


def with_params(case: LayerCase) -> bool:
    return bool(case.build("float32", 0).params)


PARAM_CASES = [case for case in CASES if with_params(case)]


def make(case: LayerCase, dtype="float32", seed=0):
    """(module, inputs) with inputs from a fixed generator."""
    return case.build(dtype, seed), case.inputs(np.random.default_rng(1), dtype)


def outputs(case: LayerCase, module, inputs) -> tuple:
    return flatten_outputs(case.forward(module, inputs))


def run_backward(case: LayerCase, module, inputs) -> dict:
    """Forward, then backward for a random upstream gradient; returns the input gradients."""
    rng = np.random.default_rng(2)
    upstream = [rng.standard_normal(y.shape).astype(y.dtype) for y in outputs(case, module, inputs)]
    return case.backward(module, inputs, upstream)


def assert_bitwise_equal(actual: dict, expected: dict) -> None:
    assert list(actual) == list(expected)
    for name, value in expected.items():
        assert actual[name].dtype == value.dtype, name
        assert actual[name].shape == value.shape, name
        assert actual[name].tobytes() == value.tobytes(), f"{name} differs"


def assert_outputs_bitwise_equal(first: tuple, second: tuple) -> None:
    assert len(first) == len(second)
    for k, (a, b) in enumerate(zip(first, second, strict=True)):
        assert a.dtype == b.dtype and a.shape == b.shape, f"output {k}"
        assert a.tobytes() == b.tobytes(), f"output {k} differs"


def names(key: str) -> str:
    """A regex for `key` as a whole name (not the 'bias' inside 'bias_ih_l0')."""
    return rf"(?<![\w.]){re.escape(key)}(?![\w.])"


def perturbed(module):
    """The module with every parameter moved off its initial value (so that a round trip of
    a module that starts at constants, such as LayerNorm or CRF, still checks something)."""
    rng = np.random.default_rng(3)
    for value in module.params.values():
        value += (0.1 * rng.standard_normal(value.shape)).astype(value.dtype)
    return module


# ---- coverage -------------------------------------------------------------------------------


NETWORK_PACKAGES = (lstmkit.models, lstmkit.experiments)  # the floors that define networks


def network_classes() -> set:
    """Every Module subclass defined in a module of lstmkit.models or lstmkit.experiments."""
    found = set()
    for package in NETWORK_PACKAGES:
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, Module) and obj.__module__ == module.__name__:
                    found.add(obj)
    return found


def test_every_public_module_has_a_case():
    public = {getattr(nn, name) for name in nn.__all__}
    layers = {obj for obj in public if isinstance(obj, type) and issubclass(obj, Module)}
    required = (layers - {Module}) | network_classes()
    covered = {case.cls for case in CASES}
    missing = sorted(cls.__name__ for cls in required - covered)
    assert not missing, f"public Modules without a contract case in layer_cases.py: {missing}"
    assert len({case.name for case in CASES}) == len(CASES), "case names must be unique"


# ---- parameters and gradients ---------------------------------------------------------------


@pytest.mark.parametrize("case", params_for("params_and_grads"))
def test_params_and_grads(case):
    module = case.build("float32", 0)
    params, grads = module.params, module.grads
    assert list(params) == list(grads)
    for name, value in params.items():
        assert grads[name].shape == value.shape, name
        assert grads[name].dtype == value.dtype, name
        assert not np.shares_memory(grads[name], value), name
    assert not any(np.any(grad) for grad in grads.values()), "gradients must start at zero"


@pytest.mark.parametrize("case", params_for("backward_and_zero_grad", PARAM_CASES))
def test_backward_and_zero_grad(case):
    module, inputs = make(case)
    run_backward(case, module, inputs)
    grads = module.grads
    assert all(np.all(np.isfinite(grad)) for grad in grads.values())
    assert any(np.any(grad) for grad in grads.values()), "backward left every gradient at zero"
    module.zero_grad()
    nonzero = [name for name, grad in module.grads.items() if np.any(grad)]
    assert not nonzero, f"zero_grad left {nonzero}"
    assert list(module.grads) == list(grads), "zero_grad must keep the gradient arrays"


@pytest.mark.parametrize("case", params_for("backward_before_forward"))
def test_backward_before_forward(case):
    """A fresh module's backward says that forward must come first (NoForwardPassError)."""
    ran, inputs = make(case)  # another instance, only for the outputs' shapes
    rng = np.random.default_rng(2)
    upstream = [rng.standard_normal(y.shape) for y in outputs(case, ran, inputs)]
    with pytest.raises(NoForwardPassError):
        case.backward(case.build("float32", 0), inputs, upstream)


# ---- state dicts and files ------------------------------------------------------------------


@pytest.mark.parametrize("case", params_for("state_dict_round_trip"))
def test_state_dict_round_trip(case):
    source, inputs = make(case, seed=0)
    state = perturbed(source).state_dict()
    target = case.build("float32", 1)
    arrays = list(target.params.values())
    target.load_state_dict(state)
    assert_bitwise_equal(target.state_dict(), state)
    assert all(a is b for a, b in zip(target.params.values(), arrays, strict=True)), "in place"
    assert_outputs_bitwise_equal(
        outputs(case, target.eval(), inputs), outputs(case, source.eval(), inputs)
    )
    for value in state.values():
        value += 1  # state_dict hands out copies
    assert_bitwise_equal(target.state_dict(), source.state_dict())


def missing_key(state):
    key = list(state)[-1]
    del state[key]
    return key


def extra_key(state):
    state["unknown.weight"] = np.zeros(2, np.float32)
    return "unknown.weight"


def wrong_shape(state):
    key = list(state)[-1]
    state[key] = np.zeros(state[key].shape + (2,), state[key].dtype)
    return key


@pytest.mark.parametrize(
    "case, spoil",
    [
        param
        for spoil in (missing_key, extra_key, wrong_shape)
        for param in params_for(
            f"load_state_dict_refuses[{spoil.__name__}]",
            CASES if spoil is extra_key else PARAM_CASES,
            spoil,
        )
    ],
)
def test_load_state_dict_refuses(case, spoil):
    module = case.build("float32", 0)
    before = module.state_dict()
    state = perturbed(case.build("float32", 1)).state_dict()
    key = spoil(state)
    with pytest.raises(ValueError, match=names(key)):
        module.load_state_dict(state)
    assert_bitwise_equal(module.state_dict(), before)  # nothing is loaded


@pytest.mark.parametrize("case", params_for("save_load_round_trip"))
def test_save_load_round_trip(case, tmp_path):
    module, inputs = make(case)
    perturbed(module)
    path = tmp_path / "module.safetensors"
    lstmkit.save(module, path)
    loaded = lstmkit.load(path)
    assert type(loaded) is type(module)
    assert loaded.get_config() == module.get_config()
    assert_bitwise_equal(loaded.state_dict(), module.state_dict())
    assert_outputs_bitwise_equal(
        outputs(case, loaded.eval(), inputs), outputs(case, module.eval(), inputs)
    )


# ---- seeds ----------------------------------------------------------------------------------


SEEDS = {  # each kind of seed the design accepts, made afresh for every module
    "int": lambda: 7,
    "SeedSequence": lambda: np.random.SeedSequence(7),
    "Generator": lambda: np.random.default_rng(7),
}


@pytest.mark.parametrize(
    "case, seed_kind",
    [param for kind in SEEDS for param in params_for(f"same_seed_same_model[{kind}]", CASES, kind)],
)
def test_same_seed_same_model(case, seed_kind):
    """Parameters and training-mode outputs (dropout masks included) are fixed by the seed:
    the same int, the same SeedSequence or a Generator in the same state."""
    first, inputs = make(case, seed=SEEDS[seed_kind]())
    second = case.build("float32", SEEDS[seed_kind]())
    assert_bitwise_equal(second.state_dict(), first.state_dict())
    assert_outputs_bitwise_equal(outputs(case, second, inputs), outputs(case, first, inputs))


@pytest.mark.parametrize(
    "case", params_for("different_seed_different_model", [c for c in CASES if c.random_init])
)
def test_different_seed_different_model(case):
    first, inputs = make(case, seed=7)
    second = case.build("float32", 8)
    if first.params:
        same = [k for k, v in first.params.items() if np.array_equal(v, second.params[k])]
        assert len(same) < len(first.params), "every parameter is the same for two seeds"
    else:  # a parameterless random module: its masks differ
        first_out, second_out = outputs(case, first, inputs), outputs(case, second, inputs)
        assert any(not np.array_equal(a, b) for a, b in zip(first_out, second_out, strict=True))


# ---- dtypes and gradients -------------------------------------------------------------------


@pytest.mark.parametrize(
    "case, dtype",
    [
        param
        for dtype in ("float32", "float64")
        for param in params_for(f"dtype[{dtype}]", CASES, dtype)
    ],
)
def test_dtype(case, dtype):
    """Parameters, gradients, outputs and input gradients all in the module's dtype."""
    module, inputs = make(case, dtype)
    for name, value in [*module.params.items(), *module.grads.items()]:
        assert value.dtype == dtype, name
    results = outputs(case, module, inputs)
    expected = case.output_dtypes or (None,) * len(results)
    assert len(expected) == len(results)
    for k, (result, fixed) in enumerate(zip(results, expected, strict=True)):
        assert result.dtype == (fixed or dtype), f"output {k}"
    input_grads = run_backward(case, module, inputs)
    for name, grad in [*module.grads.items(), *input_grads.items()]:
        assert grad.dtype == dtype, f"gradient of {name}"


GRADIENT_CASES = [case for case in CASES if case.differentiable or with_params(case)]


@pytest.mark.parametrize("case", params_for("gradients", GRADIENT_CASES))
def test_gradients(case):
    """Every parameter's and every differentiable input's gradient, in training mode (dropout
    masks replayed), against float64 central differences."""
    module, inputs = make(case, "float64")
    differentiable = {name: inputs[name] for name in case.differentiable}
    errors = gradient_errors(
        module,
        lambda: case.forward(module, inputs),
        lambda upstream: case.backward(module, inputs, upstream),
        differentiable,
    )
    assert set(errors) == set(module.params) | {f"input {name}" for name in differentiable}
    idle = [name for name, grad in module.grads.items() if not np.any(grad)]
    assert not idle, f"parameters with zero gradient, checked vacuously: {idle}"
    worst = {name: error for name, error in errors.items() if not error < TOLERANCE}
    assert not worst, f"relative errors above {TOLERANCE}: {worst}"


# ---- modes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", params_for("train_eval"))
def test_train_eval(case):
    """train()/eval() return the module and reach every descendant; in evaluation mode the
    forward pass is deterministic (no dropout)."""
    module, inputs = make(case)
    assert module.training
    assert module.eval() is module
    assert not any(child.training for _, child in module.named_modules())
    first = outputs(case, module, inputs)
    assert_outputs_bitwise_equal(outputs(case, module, inputs), first)
    assert module.train() is module
    assert all(child.training for _, child in module.named_modules())


def test_dropout_is_identity_in_eval_mode():
    dropout = nn.Dropout(0.5, seed=0)
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert np.any(dropout(x) != x)  # training mode drops
    dropout.eval()
    y = dropout(x)
    assert y.tobytes() == x.tobytes() and y is not x
    assert dropout.backward(x).tobytes() == x.tobytes()


# ---- bad shapes -----------------------------------------------------------------------------


def bad_shape_params():
    return [
        param
        for case in CASES
        for name, shapes in case.bad_shapes.items()
        for shape in shapes
        for param in params_for(f"bad_shape[{name}]", [case], name, shape)
    ]


@pytest.mark.parametrize("case, name, shape", bad_shape_params())
def test_bad_shape(case, name, shape):
    """`name must have shape ...; got (shape)`: the argument and the shape received."""
    module, inputs = make(case)
    given = inputs[name]
    inputs[name] = np.zeros(shape, np.asarray(given).dtype) + np.asarray(given).flat[0]
    with pytest.raises(ValueError) as raised:
        case.forward(module, inputs)
    message = str(raised.value)
    named = case.error_names.get(name, name)
    assert re.search(names(named), message), f"{named!r} not named: {message}"
    assert str(tuple(shape)) in message, f"shape {tuple(shape)} not in: {message}"
