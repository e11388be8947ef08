"""mse, mae, huber: finite differences, torch parity with masks and reductions, input errors."""

import functools

import numpy as np
import pytest

from lstmkit.losses import huber, mae, mse
from lstmkit.testing import numerical_gradient, relative_error

TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}
SHAPES = [(4, 3), (2, 3, 2)]  # (N, F) and (N, T, F)
LOSSES = {
    "mse": mse,
    "mae": mae,
    "huber": huber,
    "huber_delta_0.4": functools.partial(huber, delta=0.4),
}
MASKS = ["none", "full", "leading"]  # no mask; mask of pred's shape; mask of pred.shape[:-1]


@pytest.fixture(scope="module")
def one_torch_thread(torch):
    """torch on one intra-op thread while this module runs (see test_cross_entropy)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _delta(name: str) -> float:
    return 0.4 if name == "huber_delta_0.4" else 1.0


def _case(name: str, shape: tuple, mask_kind: str, dtype, seed: int = 0):
    """pred, target with |pred - target| at least 0.05 away from the kinks (0 and delta), mask."""
    rng = np.random.default_rng(seed)
    pred = rng.normal(size=shape)
    magnitude = rng.uniform(0.05, 2.5, size=shape)
    near_delta = np.abs(magnitude - _delta(name)) < 0.05
    magnitude[near_delta] += 0.1
    target = pred - rng.choice([-1.0, 1.0], size=shape) * magnitude
    mask = None
    if mask_kind != "none":
        mask_shape = shape if mask_kind == "full" else shape[:-1]
        mask = rng.random(mask_shape) < 0.6
        mask.reshape(-1)[:2] = [True, False]  # at least one valid and one padded
    return pred.astype(dtype), target.astype(dtype), mask


def _full_mask(mask, shape):
    if mask is None:
        return None
    return np.broadcast_to(mask.reshape(mask.shape + (1,) * (len(shape) - mask.ndim)), shape)


def _torch_loss(torch, name, pred, target, mask, reduction):
    """torch's loss; masked "mean"/"sum" reduce the valid elements only, masked "none" is zeroed."""
    functional = torch.nn.functional
    function = {
        "mse": functional.mse_loss,
        "mae": functional.l1_loss,
        "huber": functional.huber_loss,
        "huber_delta_0.4": functools.partial(functional.huber_loss, delta=0.4),
    }[name]
    x = torch.tensor(pred, requires_grad=True)
    t = torch.tensor(target)
    valid = _full_mask(mask, pred.shape)
    if valid is None:
        loss = function(x, t, reduction=reduction)
    elif reduction == "none":
        loss = function(x, t, reduction="none") * torch.tensor(valid)
    else:
        selected = torch.tensor(valid)
        loss = function(x[selected], t[selected], reduction=reduction)
    loss.sum().backward()
    return loss.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=["NF", "NTF"])
@pytest.mark.parametrize("mask_kind", MASKS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.usefixtures("one_torch_thread")
def test_matches_torch(torch, name, reduction, mask_kind, shape, dtype):
    pred, target, mask = _case(name, shape, mask_kind, dtype)
    loss, dpred = LOSSES[name](pred, target, mask=mask, reduction=reduction)
    expected_loss, expected_grad = _torch_loss(torch, name, pred, target, mask, reduction)
    assert np.shape(loss) == expected_loss.shape
    assert loss.dtype == dtype and dpred.dtype == dtype
    assert relative_error(loss, expected_loss) < TOLERANCE[dtype]
    assert relative_error(dpred, expected_grad) < TOLERANCE[dtype]


@pytest.mark.parametrize("shape", SHAPES, ids=["NF", "NTF"])
@pytest.mark.parametrize("mask_kind", MASKS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSSES)
def test_gradient_matches_finite_differences(name, reduction, mask_kind, shape):
    pred, target, mask = _case(name, shape, mask_kind, np.float64, seed=1)
    function = functools.partial(LOSSES[name], mask=mask, reduction=reduction)
    _, dpred = function(pred, target)
    numeric = numerical_gradient(lambda: float(np.sum(function(pred, target)[0])), pred)
    assert relative_error(dpred, numeric) < 1e-6
    valid = _full_mask(mask, shape)
    if valid is not None:
        assert np.all(dpred[~valid] == 0)


def test_masked_mean_counts_every_feature_of_a_valid_step():
    pred = np.arange(12.0).reshape(2, 3, 2)
    target = np.zeros_like(pred)
    mask = np.array([[True, True, False], [True, False, False]])
    loss, dpred = mse(pred, target, mask=mask)
    valid = pred[mask]  # (3, 2): three valid steps, two features each
    assert loss == pytest.approx(np.mean(valid**2), rel=1e-15)
    np.testing.assert_allclose(dpred[mask], 2 * valid / 6, rtol=1e-15)
    np.testing.assert_array_equal(dpred[~mask], 0.0)


@pytest.mark.usefixtures("one_torch_thread")
def test_kinks_match_torch(torch):
    """mae at d == 0 (gradient 0, torch's sign) and huber exactly at |d| == delta."""
    pred = np.array([1.0, -2.0, 0.5, 3.0, -1.0])
    target = np.array([1.0, -1.0, 1.0, 2.0, -1.0])  # d = 0, -1, -0.5, 1, 0
    _, dpred = mae(pred, target, reduction="sum")
    np.testing.assert_array_equal(dpred, [0.0, -1.0, -1.0, 1.0, 0.0])
    for name in ("mae", "huber"):
        loss, dpred = LOSSES[name](pred, target, reduction="none")
        expected_loss, expected_grad = _torch_loss(torch, name, pred, target, None, "none")
        np.testing.assert_array_equal(loss, expected_loss)
        np.testing.assert_array_equal(dpred, expected_grad)


def test_golden_values():
    pred, target = np.array([0.0, 3.0]), np.array([1.0, 0.0])  # d = -1, 3
    assert mse(pred, target)[0] == 5.0  # (1 + 9) / 2
    assert mae(pred, target)[0] == 2.0  # (1 + 3) / 2
    assert huber(pred, target, delta=2.0)[0] == 2.25  # (0.5 + 2 * (3 - 1)) / 2


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_everything_masked_gives_zero(name, reduction):
    pred, target, _ = _case(name, (2, 3, 2), "none", np.float64)
    loss, dpred = LOSSES[name](pred, target, mask=np.zeros((2, 3), bool), reduction=reduction)
    np.testing.assert_array_equal(loss, np.zeros(np.shape(loss)))
    np.testing.assert_array_equal(dpred, 0.0)


def test_target_is_cast_to_pred_dtype_and_inputs_are_not_modified():
    pred = np.array([[0.5, -1.0]], dtype=np.float32)
    target = np.array([[1.0, 1.0]])
    before = (pred.copy(), target.copy())
    loss, dpred = huber(pred, target, mask=np.array([True]))
    assert loss.dtype == np.float32 and dpred.dtype == np.float32
    np.testing.assert_array_equal(pred, before[0])
    np.testing.assert_array_equal(target, before[1])


@pytest.mark.parametrize(
    ("function", "kwargs", "error", "match"),
    [
        (
            mse,
            dict(target=np.zeros((4, 2))),
            ValueError,
            r"target must have shape \(4, 3\).*got \(4, 2\)",
        ),
        (
            mae,
            dict(pred=np.array([[np.inf, 0, 0]] * 4)),
            ValueError,
            r"pred must be finite; got inf at index \(0, 0\)",
        ),
        (mse, dict(target=np.full((4, 3), np.nan)), ValueError, r"target must be finite; got nan"),
        (mse, dict(pred=np.full((4, 3), "a")), TypeError, r"pred must hold real numbers"),
        (
            mse,
            dict(mask=np.ones((3,), bool)),
            ValueError,
            r"mask must have pred.shape \(4, 3\) or a leading part.*got \(3,\)",
        ),
        (
            mae,
            dict(mask=np.ones((4,), np.int64)),
            TypeError,
            r"mask must be a boolean array.*int64",
        ),
        (huber, dict(delta=0.0), ValueError, r"delta must be a positive finite number; got 0\.0"),
        (
            huber,
            dict(delta=float("nan")),
            ValueError,
            r"delta must be a positive finite number; got nan",
        ),
        (huber, dict(delta=True), ValueError, r"delta must be a positive finite number; got True"),
        (
            mse,
            dict(reduction="batchmean"),
            ValueError,
            r"reduction must be 'mean', 'sum' or 'none'; got 'batchmean'",
        ),
    ],
)
def test_errors_name_the_argument(function, kwargs, error, match):
    arguments = dict(pred=np.zeros((4, 3)), target=np.zeros((4, 3)))
    arguments.update(kwargs)
    pred, target = arguments.pop("pred"), arguments.pop("target")
    with pytest.raises(error, match=match):
        function(pred, target, **arguments)
