"""gaussian_nll: finite differences, torch parity (var shapes, clamp, full, masks), input errors."""

import functools
import math

import numpy as np
import pytest

from lstmkit.losses import gaussian_nll
from lstmkit.testing import numerical_gradient, relative_error

TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}
SHAPES = [(4, 3), (2, 3, 2)]  # (N, F) and (N, T, F)
# var of mean's shape; of mean.shape[:-1]; with a last axis of 1; with another axis of 1; a float
VAR_KINDS = ["same", "short", "last1", "other1", "scalar"]


@pytest.fixture(scope="module")
def one_torch_thread(torch):
    """torch on one intra-op thread while this module runs (see test_cross_entropy)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _var_shape(kind: str, shape: tuple) -> tuple:
    return {
        "same": shape,
        "short": shape[:-1],
        "last1": shape[:-1] + (1,),
        "other1": (1,) + shape[1:] if len(shape) == 2 else shape[:1] + (1,) + shape[2:],
        "scalar": (),
    }[kind]


def _case(var_kind: str, shape: tuple, masked: bool, dtype, seed: int = 0):
    """mean, var (well above eps), target, mask over mean.shape[:-1] or None."""
    rng = np.random.default_rng(seed)
    mean = rng.normal(size=shape).astype(dtype)
    target = rng.normal(size=shape).astype(dtype)
    var = rng.uniform(0.3, 2.0, size=_var_shape(var_kind, shape)).astype(dtype)
    if var_kind == "scalar":
        var = float(var)
    mask = None
    if masked:
        mask = rng.random(shape[:-1]) < 0.6
        mask.reshape(-1)[:2] = [True, False]
    return mean, var, target, mask


def _torch_gaussian_nll(torch, mean, var, target, mask, full, eps, reduction):
    """torch's loss and autograd gradients; a mask zeroes torch's "none" losses and reduces them."""
    m = torch.tensor(mean, requires_grad=True)
    v = torch.tensor(var, dtype=m.dtype, requires_grad=True)
    v_torch = v.expand(mean.shape) if v.ndim == 0 else v  # torch takes floats without a gradient
    loss = torch.nn.functional.gaussian_nll_loss(
        m, torch.tensor(target), v_torch, full=full, eps=eps, reduction="none"
    )
    if mask is not None:
        valid = torch.tensor(mask.reshape(mask.shape + (1,) * (mean.ndim - mask.ndim)))
        loss = loss * valid
        count = valid.sum() * math.prod(mean.shape[mask.ndim :])
    else:
        count = loss.numel()
    if reduction == "sum":
        loss = loss.sum()
    elif reduction == "mean":
        loss = loss.sum() / count if mask is not None else loss.mean()
    loss.sum().backward()
    return loss.detach().numpy(), m.grad.numpy(), v.grad.numpy()


@pytest.mark.usefixtures("one_torch_thread")
def test_unmasked_reference_uses_torch_reductions_directly(torch):
    """The masked reference above reduces torch's "none" itself; unmasked, torch reduces."""
    mean, var, target, _ = _case("short", (4, 3), False, np.float64)
    for reduction in ("mean", "sum"):
        direct = torch.nn.functional.gaussian_nll_loss(
            torch.tensor(mean), torch.tensor(target), torch.tensor(var), reduction=reduction
        )
        loss = gaussian_nll(mean, var, target, reduction=reduction)[0]
        assert relative_error(loss, direct.numpy()) < 1e-12


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=["NF", "NTF"])
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("full", [False, True], ids=["partial", "full"])
@pytest.mark.parametrize("var_kind", VAR_KINDS)
@pytest.mark.usefixtures("one_torch_thread")
def test_matches_torch(torch, var_kind, full, reduction, masked, shape, dtype):
    mean, var, target, mask = _case(var_kind, shape, masked, dtype)
    loss, dmean, dvar = gaussian_nll(mean, var, target, mask=mask, full=full, reduction=reduction)
    expected = _torch_gaussian_nll(torch, mean, var, target, mask, full, 1e-6, reduction)
    assert np.shape(loss) == expected[0].shape and dvar.shape == np.shape(var)
    assert loss.dtype == dmean.dtype == dvar.dtype == dtype
    assert relative_error(loss, expected[0]) < TOLERANCE[dtype]
    assert relative_error(dmean, expected[1]) < TOLERANCE[dtype]
    assert relative_error(dvar, expected[2]) < TOLERANCE[dtype]


@pytest.mark.parametrize("shape", SHAPES, ids=["NF", "NTF"])
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("full", [False, True], ids=["partial", "full"])
@pytest.mark.parametrize("var_kind", VAR_KINDS)
def test_gradients_match_finite_differences(var_kind, full, reduction, masked, shape):
    mean, var, target, mask = _case(var_kind, shape, masked, np.float64, seed=1)
    var = np.array(var)  # a 0-d array for the scalar case, so that it can be perturbed
    function = functools.partial(gaussian_nll, mask=mask, full=full, reduction=reduction)

    def loss():
        return float(np.sum(function(mean, var, target)[0]))

    _, dmean, dvar = function(mean, var, target)
    assert relative_error(dmean, numerical_gradient(loss, mean)) < 1e-6
    assert relative_error(dvar, numerical_gradient(loss, var)) < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("eps", [1e-6, 0.5])
@pytest.mark.usefixtures("one_torch_thread")
def test_clamped_var_matches_torch_straight_through_gradient(torch, dtype, eps):
    """Where var < eps: v = eps, and dvar = dl/dv at v = eps passes through the clamp (torch)."""
    mean = np.array([[0.3, -0.2, 1.0, 0.0, 2.0]], dtype=dtype)
    target = np.array([[0.0, 0.1, -1.0, 0.0, 1.0]], dtype=dtype)
    var = np.array([[0.0, 1e-9, eps, 0.25, 1.5]], dtype=dtype)
    loss, dmean, dvar = gaussian_nll(mean, var, target, eps=eps, reduction="sum")
    expected = _torch_gaussian_nll(torch, mean, var, target, None, False, eps, "sum")
    assert relative_error(loss, expected[0]) < TOLERANCE[dtype]
    assert relative_error(dmean, expected[1]) < TOLERANCE[dtype]
    assert relative_error(dvar, expected[2]) < TOLERANCE[dtype]
    v = np.maximum(var.astype(np.float64), dtype(eps))
    q = (mean.astype(np.float64) - target) ** 2
    assert relative_error(dvar, 0.5 * (1 / v - q / v**2)) < TOLERANCE[dtype]
    assert np.all(dvar[var < eps] != 0)


def test_golden_values():
    zeros, ones = np.zeros((1, 2)), np.ones((1, 2))
    assert gaussian_nll(zeros, ones, zeros)[0] == 0.0
    full = gaussian_nll(zeros, ones, zeros, full=True)[0]
    assert full == pytest.approx(0.5 * math.log(2 * math.pi), rel=1e-15)
    # var = 4, d = 2: 0.5 * (log 4 + 4 / 4)
    value = gaussian_nll(np.array([2.0]), np.array([4.0]), np.array([0.0]))[0]
    assert value == pytest.approx(0.5 * (math.log(4.0) + 1.0), rel=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_everything_masked_gives_zero(reduction):
    mean, var, target, _ = _case("same", (2, 3, 2), False, np.float64)
    mask = np.zeros((2, 3), dtype=bool)
    loss, dmean, dvar = gaussian_nll(mean, var, target, mask=mask, full=True, reduction=reduction)
    np.testing.assert_array_equal(loss, np.zeros(np.shape(loss)))
    np.testing.assert_array_equal(dmean, 0.0)
    np.testing.assert_array_equal(dvar, 0.0)


def test_inputs_are_not_modified():
    mean, var, target, mask = _case("same", (2, 3, 2), True, np.float64)
    var[0, 0, 0] = 0.0  # clamped inside, never in the caller's array
    copies = [a.copy() for a in (mean, var, target, mask)]
    gaussian_nll(mean, var, target, mask=mask)
    for before, after in zip(copies, (mean, var, target, mask), strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            dict(var=np.array([[1.0, -0.5, 1.0]] * 4)),
            ValueError,
            r"var must be non-negative; got -0\.5 at index \(0, 1\)",
        ),
        (
            dict(var=np.ones((4, 2))),
            ValueError,
            r"var must have mean's shape \(4, 3\).*got \(4, 2\)",
        ),
        (dict(var=np.ones((1, 1))), ValueError, r"var must have .*got \(1, 1\)"),
        (
            dict(var=np.full((4, 3), np.inf)),
            ValueError,
            r"var must be finite; got inf at index \(0, 0\)",
        ),
        (
            dict(target=np.zeros((4,))),
            ValueError,
            r"target must have shape \(4, 3\) \(mean.shape\); got \(4,\)",
        ),
        (dict(mean=np.full((4, 3), np.nan)), ValueError, r"mean must be finite"),
        (
            dict(mask=np.ones((3,), bool)),
            ValueError,
            r"mask must have mean.shape \(4, 3\).*got \(3,\)",
        ),
        (dict(eps=0.0), ValueError, r"eps must be a positive finite number; got 0\.0"),
        (dict(full=1), TypeError, r"full must be a bool; got 1"),
        (dict(reduction=None), ValueError, r"reduction must be 'mean', 'sum' or 'none'; got None"),
    ],
)
def test_errors_name_the_argument(kwargs, error, match):
    arguments = dict(mean=np.zeros((4, 3)), var=np.ones((4, 3)), target=np.zeros((4, 3)))
    arguments.update(kwargs)
    mean, var, target = (arguments.pop(k) for k in ("mean", "var", "target"))
    with pytest.raises(error, match=match):
        gaussian_nll(mean, var, target, **arguments)
