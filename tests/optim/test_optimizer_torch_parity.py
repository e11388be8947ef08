"""Parity of lstmkit.optim's optimizers with torch.optim, step by step, for every option.

Each case runs 100 steps of an lstmkit optimizer and of the torch.optim optimizer of the same
name and arguments on the same starting parameters (three arrays of different shapes). The
gradient at each step is that of a quadratic, `scale * (param - target)`, plus fixed noise,
computed on each side from that side's own parameters (so any drift would feed back), with
the sign flipped for `maximize=True` (gradient of the concave `-loss`, which ascent
minimises). After every step every parameter is compared with `relative_error`: below 1e-12
in float64 and 1e-5 in float32. Empty kwargs run both libraries on their own defaults.

The two sides differ only by rounding: torch's CPU kernels fuse multiply-adds (lerp, add with
alpha, addcmul), NumPy rounds each operation, so the parameters agree to a few ulps per step
rather than bit for bit.

The largest error per optimizer and dtype is printed when the module finishes (pytest -s).
"""

import numpy as np
import pytest

from lstmkit import optim
from lstmkit.testing import relative_error

STEPS = 100
TOLERANCE = {"float64": 1e-12, "float32": 1e-5}
SHAPES = {"encoder.weight": (4, 3), "encoder.bias": (5,), "head.kernel": (2, 3, 2)}

CASES = {
    "SGD": [
        {},
        {"lr": 0.05},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.5},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
        {"lr": 0.05, "weight_decay": 0.1},
        {"lr": 0.05, "maximize": True},
        {"lr": 0.05, "momentum": 0.8, "dampening": 0.2, "weight_decay": 0.05, "maximize": True},
        {"lr": 0.05, "momentum": 0.7, "nesterov": True, "weight_decay": 0.1, "maximize": True},
    ],
    "Adam": [
        {},
        {"lr": 0.01},
        {"lr": 0.01, "betas": (0.5, 0.9)},
        {"lr": 0.01, "eps": 1e-3},
        {"lr": 0.01, "weight_decay": 0.1},
        {"lr": 0.01, "amsgrad": True},
        {"lr": 0.01, "maximize": True},
        {"lr": 0.02, "betas": (0.8, 0.99), "weight_decay": 0.05, "amsgrad": True, "maximize": True},
    ],
    "AdamW": [
        {},
        {"lr": 0.01, "weight_decay": 0.1},
        {"lr": 0.01, "weight_decay": 0.0},
        {"lr": 0.01, "amsgrad": True},
        {"lr": 0.01, "maximize": True},
        {"lr": 0.02, "betas": (0.3, 0.95), "eps": 1e-6, "amsgrad": True, "maximize": True},
    ],
    "RMSprop": [
        {},
        {"lr": 0.01, "alpha": 0.9},
        {"lr": 0.01, "eps": 1e-4},
        {"lr": 0.01, "weight_decay": 0.1},
        {"lr": 0.01, "momentum": 0.9},
        {"lr": 0.01, "centered": True},
        {"lr": 0.01, "centered": True, "momentum": 0.5},
        {"lr": 0.01, "maximize": True},
        {
            "lr": 0.01,
            "alpha": 0.9,
            "centered": True,
            "momentum": 0.5,
            "weight_decay": 0.05,
            "maximize": True,
        },
    ],
    "Adagrad": [
        {},
        {"lr": 0.1, "lr_decay": 0.05},
        {"lr": 0.1, "initial_accumulator_value": 0.3},
        {"lr": 0.1, "weight_decay": 0.1},
        {"lr": 0.1, "eps": 1e-3},
        {"lr": 0.1, "maximize": True},
        {
            "lr": 0.1,
            "lr_decay": 0.01,
            "weight_decay": 0.05,
            "initial_accumulator_value": 0.1,
            "maximize": True,
        },
    ],
}

# (optimizer, dtype) -> (largest relative error seen, "case").
_LARGEST = {(name, dtype): (0.0, "-") for name in CASES for dtype in TOLERANCE}


@pytest.fixture(scope="module", autouse=True)
def _report_largest_errors():
    yield
    print(f"\n[optim torch parity] largest relative parameter error over {STEPS} steps:")
    for (name, dtype), (err, where) in _LARGEST.items():
        print(f"  {name:8s} {dtype}: {err:.3e}  (tolerance {TOLERANCE[dtype]:.0e}; {where})")


class ArrayModel:
    """The least a model needs for an optimizer: `params` and `grads` dicts of arrays."""

    def __init__(self, arrays: dict):
        self.params = arrays
        self.grads = {name: np.zeros_like(value) for name, value in arrays.items()}


class Problem:
    """Starting point, quadratic targets and scales, and the per-step noise of one run."""

    def __init__(self, dtype: str, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.dtype = dtype

        def draw(make):
            return {name: make(shape).astype(dtype) for name, shape in SHAPES.items()}

        self.start = draw(rng.standard_normal)
        self.target = draw(rng.standard_normal)
        self.scale = draw(lambda shape: rng.uniform(0.5, 2.0, shape))
        self.noise = [draw(lambda shape: 0.3 * rng.standard_normal(shape)) for _ in range(STEPS)]

    def model(self) -> ArrayModel:
        return ArrayModel({name: value.copy() for name, value in self.start.items()})

    def torch_params(self, torch):
        return {
            name: torch.tensor(value.copy(), requires_grad=True)
            for name, value in self.start.items()
        }

    def set_grads(self, step, model, tparams, torch, sign):
        """Both sides' gradients of the same quadratic at their own parameters."""
        for name, param in model.params.items():
            noise = self.noise[step][name]
            model.grads[name][...] = sign * self.scale[name] * (param - self.target[name]) + noise
            tparam = tparams[name]
            tparam.grad = sign * torch.from_numpy(self.scale[name]) * (
                tparam.detach() - torch.from_numpy(self.target[name])
            ) + torch.from_numpy(noise)


def _case_id(name, kwargs):
    settings = ",".join(f"{k}={v}" for k, v in kwargs.items()) or "defaults"
    return f"{name}({settings})"


PARAMS = [
    pytest.param(name, kwargs, dtype, id=f"{_case_id(name, kwargs)}-{dtype}")
    for name, cases in CASES.items()
    for kwargs in cases
    for dtype in TOLERANCE
]


@pytest.mark.parametrize(("name", "kwargs", "dtype"), PARAMS)
def test_optimizer_matches_torch_every_step(name, kwargs, dtype, torch):
    problem = Problem(dtype)
    model, tparams = problem.model(), problem.torch_params(torch)
    ours = getattr(optim, name)(model, **kwargs)
    theirs = getattr(torch.optim, name)(list(tparams.values()), **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0
    largest = 0.0
    for step in range(STEPS):
        problem.set_grads(step, model, tparams, torch, sign)
        ours.step()
        theirs.step()
        for key, param in model.params.items():
            error = relative_error(param, tparams[key].detach().numpy())
            largest = max(largest, error)
            assert error < TOLERANCE[dtype], f"step {step + 1}, {key}: relative error {error:.3e}"
    assert ours.step_count == STEPS
    if largest >= _LARGEST[name, dtype][0]:
        _LARGEST[name, dtype] = (largest, _case_id(name, kwargs))
    # the run must have moved the parameters, or the comparison would prove nothing
    moved = max(relative_error(model.params[k], problem.start[k]) for k in SHAPES)
    assert moved > 1e-3


@pytest.mark.parametrize("name", list(CASES))
def test_defaults_equal_torch_defaults(name, torch):
    ours = getattr(optim, name)(Problem("float64").model())
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).defaults
    for key in ("lr", *type(ours).HYPERPARAMETERS):
        expected = theirs[key]
        if key == "weight_decay" and name == "AdamW":
            assert theirs.get("decoupled_weight_decay", True)
        assert getattr(ours, key) == (tuple(expected) if key == "betas" else expected), key


@pytest.mark.parametrize("norm_type", [2.0, "inf"])
def test_clipping_inside_the_training_loop_matches_torch(norm_type, torch):
    """clip_grad_norm then SGD with momentum, 100 steps; the gradients are large enough that
    most steps clip, and some (near the optimum) do not."""
    problem = Problem("float64", seed=1)
    model, tparams = problem.model(), problem.torch_params(torch)
    ours = optim.SGD(model, lr=0.05, momentum=0.9)
    theirs = torch.optim.SGD(list(tparams.values()), lr=0.05, momentum=0.9)
    clipped = 0
    for step in range(STEPS):
        problem.set_grads(step, model, tparams, torch, 1.0)
        norm = optim.clip_grad_norm(model, 1.5, norm_type=norm_type)
        tnorm = torch.nn.utils.clip_grad_norm_(
            list(tparams.values()), 1.5, norm_type=float(norm_type)
        )
        assert relative_error(norm, tnorm.item()) < 1e-12
        clipped += norm > 1.5
        for key, grad in model.grads.items():
            assert relative_error(grad, tparams[key].grad.numpy()) < 1e-12
        ours.step()
        theirs.step()
        for key, param in model.params.items():
            error = relative_error(param, tparams[key].detach().numpy())
            assert error < 1e-12, f"step {step + 1}, {key}: relative error {error:.3e}"
    assert 10 < clipped < STEPS
