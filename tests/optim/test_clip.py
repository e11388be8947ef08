"""Gradient clipping: parity with torch.nn.utils.clip_grad_norm_ / clip_grad_value_, the
non-finite case (documented deviation from torch), and argument errors."""

import math

import numpy as np
import pytest

from lstmkit.optim import clip_grad_norm, clip_grad_value
from lstmkit.testing import relative_error

TOLERANCE = {"float64": 1e-12, "float32": 1e-6}


class GradModel:
    def __init__(self, grads: dict):
        self.params = {name: np.zeros_like(g) for name, g in grads.items()}
        self.grads = grads


def _grads(dtype, scale, seed=0):
    rng = np.random.default_rng(seed)
    shapes = {"a.weight": (6, 4), "a.bias": (6,), "b": (3, 2, 2)}
    return {name: (scale * rng.standard_normal(s)).astype(dtype) for name, s in shapes.items()}


def _torch_clip(torch, grads, max_norm, norm_type):
    tensors = []
    for grad in grads.values():
        tensor = torch.zeros(grad.shape, dtype=getattr(torch, grad.dtype.name))
        tensor.grad = torch.tensor(grad.copy())
        tensors.append(tensor)
    norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm, norm_type=norm_type)
    return norm.item(), [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("dtype", list(TOLERANCE))
@pytest.mark.parametrize("norm_type", [2.0, float("inf"), 1.0, 3.0])
@pytest.mark.parametrize("scale", [0.01, 1.0, 10.0])
def test_clip_grad_norm_matches_torch(dtype, norm_type, scale, torch):
    model = GradModel(_grads(dtype, scale))
    before = {name: g.copy() for name, g in model.grads.items()}
    max_norm = 2.0
    norm = clip_grad_norm(model, max_norm, norm_type=norm_type)
    tnorm, tgrads = _torch_clip(torch, before, max_norm, norm_type)
    assert isinstance(norm, float)
    assert relative_error(norm, tnorm) < TOLERANCE[dtype]
    for grad, tgrad in zip(model.grads.values(), tgrads, strict=True):
        assert grad.dtype == np.dtype(dtype)
        assert relative_error(grad, tgrad) < TOLERANCE[dtype]
    if norm + 1e-6 < max_norm:  # nothing to clip: the gradients are untouched, bit for bit
        for name, grad in model.grads.items():
            np.testing.assert_array_equal(grad, before[name])
    else:  # clipped to max_norm (less the 1e-6 torch adds to the denominator)
        after = clip_grad_norm(model, math.inf, norm_type=norm_type)
        assert after == pytest.approx(max_norm * norm / (norm + 1e-6), rel=1e-6)


def test_norm_just_at_max_norm_is_scaled_as_torch_scales_it(torch):
    model = GradModel({"g": np.array([3.0, 4.0])})
    norm = clip_grad_norm(model, 5.0)
    tnorm, (tgrad,) = _torch_clip(torch, {"g": np.array([3.0, 4.0])}, 5.0, 2.0)
    assert norm == tnorm == 5.0
    np.testing.assert_allclose(model.grads["g"], tgrad, rtol=1e-15)
    assert model.grads["g"][0] < 3.0  # coef = 5 / (5 + 1e-6) < 1, so torch scales


def test_clip_grad_norm_is_in_place_and_accepts_an_optimizer():
    from lstmkit.optim import SGD

    model = GradModel(_grads("float64", 10.0))
    arrays = list(model.grads.values())
    clip_grad_norm(SGD(model), 1.0)
    assert [id(g) for g in model.grads.values()] == [id(g) for g in arrays]
    assert clip_grad_norm(model, 10.0) == pytest.approx(1.0, abs=1e-6)


def test_float32_norm_is_accumulated_without_overflow():
    model = GradModel({"g": np.full(4, 1e30, dtype=np.float32)})
    norm = clip_grad_norm(model, 1.0)
    assert norm == pytest.approx(2e30, rel=1e-6)  # its square, 4e60, overflows float32
    assert np.all(np.isfinite(model.grads["g"]))
    assert np.linalg.norm(model.grads["g"].astype(np.float64)) == pytest.approx(1.0, rel=1e-5)


@pytest.mark.parametrize("norm_type", [2.0, float("inf")])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_norm_is_returned_and_gradients_left_alone(norm_type, bad, torch):
    grads = _grads("float64", 1.0)
    grads["b"][1, 0, 1] = bad
    model = GradModel(grads)
    before = {name: g.copy() for name, g in grads.items()}
    norm = clip_grad_norm(model, 1.0, norm_type=norm_type)
    tnorm, tgrads = _torch_clip(torch, before, 1.0, norm_type)
    assert not math.isfinite(norm)
    assert math.isnan(norm) == math.isnan(tnorm)  # the same norm as torch reports ...
    for name, grad in model.grads.items():  # ... but our gradients are left as they were,
        np.testing.assert_array_equal(grad, before[name])
    # where torch multiplies every gradient by NaN (NaN norm) or by 0 (infinite norm)
    expected = np.nan if math.isnan(tnorm) else 0.0
    np.testing.assert_array_equal(tgrads[0], np.full_like(tgrads[0], expected))


def test_no_gradients_gives_zero_norm():
    assert clip_grad_norm(GradModel({}), 1.0) == 0.0


@pytest.mark.parametrize("dtype", list(TOLERANCE))
def test_clip_grad_value_matches_torch(dtype, torch):
    grads = _grads(dtype, 2.0)
    model = GradModel({name: g.copy() for name, g in grads.items()})
    clip_grad_value(model, 1.5)
    tensors = []
    for grad in grads.values():
        tensor = torch.zeros(grad.shape, dtype=getattr(torch, dtype))
        tensor.grad = torch.tensor(grad.copy())
        tensors.append(tensor)
    torch.nn.utils.clip_grad_value_(tensors, 1.5)
    for grad, tensor in zip(model.grads.values(), tensors, strict=True):
        np.testing.assert_array_equal(grad, tensor.grad.numpy())
    assert max(np.abs(g).max() for g in model.grads.values()) == np.asarray(1.5, dtype)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m: clip_grad_norm(m, -1.0), ValueError, "max_norm"),
        (lambda m: clip_grad_norm(m, float("nan")), ValueError, "max_norm"),
        (lambda m: clip_grad_norm(m, 1.0, norm_type=0), ValueError, "norm_type"),
        (lambda m: clip_grad_norm(m, 1.0, norm_type="two"), TypeError, "norm_type"),
        (lambda m: clip_grad_value(m, -0.5), ValueError, "clip_value"),
        (lambda m: clip_grad_norm(object(), 1.0), TypeError, "grads"),
    ],
)
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call(GradModel(_grads("float64", 1.0)))
