"""cross_entropy: finite differences, torch parity for every option, edge cases and input errors."""

import math

import numpy as np
import pytest

from lstmkit.losses import cross_entropy
from lstmkit.testing import numerical_gradient, relative_error

TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}
SHAPES = [(5,), (2, 3)]  # target shapes: (N,) for (N, C) logits and (N, T) for (N, T, C)
C = 4
# Which positions are invalid: none; target == -100; target == class 1 (ignore_index=1);
# mask False (targets there are garbage, out of range); masked and ignored together.
INVALID = ["none", "ignore", "ignore_class", "mask", "both"]


@pytest.fixture(scope="module")
def one_torch_thread(torch):
    """torch on one intra-op thread while this module runs, restored afterwards.

    The tensors here are tiny; with two threads on a busy two-core machine, each torch call
    waited milliseconds for its thread pool (measured 5-50 ms against 0.1 ms with one thread).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _case(invalid: str, shape: tuple, dtype, seed: int = 0):
    """(logits, target, mask, ignore_index, weight) with at least one valid position."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=shape + (C,)).astype(dtype)
    target = rng.integers(0, C, size=shape)
    mask = None
    ignore_index = 1 if invalid == "ignore_class" else -100
    flat = target.reshape(-1)
    if invalid in ("ignore", "both"):
        flat[[1, -1]] = -100
    if invalid == "ignore_class":
        flat[[0, -2]] = 1
        flat[[1, 2]] = [0, 3]  # keep some valid positions
    if invalid in ("mask", "both"):
        mask = np.ones(shape, dtype=bool)
        mask.reshape(-1)[[0, 3]] = False
        target.reshape(-1)[0] = C + 7  # padding may hold any integer: never read
        target.reshape(-1)[3] = -3
    weight = rng.uniform(0.2, 2.0, size=C).astype(dtype)
    return logits, target, mask, ignore_index, weight


def _torch_cross_entropy(torch, logits, target, mask, weight, ignore_index, smoothing, reduction):
    """torch.nn.functional.cross_entropy with the class axis at 1; masked targets -> ignored."""
    if mask is not None:
        target = np.where(mask, target, ignore_index)
    x = torch.tensor(logits, requires_grad=True)
    x_torch = x if x.ndim <= 2 else x.movedim(-1, 1)  # (N, T, C) -> (N, C, T)
    loss = torch.nn.functional.cross_entropy(
        x_torch,
        torch.tensor(target),
        weight=None if weight is None else torch.tensor(weight),
        ignore_index=ignore_index,
        label_smoothing=smoothing,
        reduction=reduction,
    )
    loss.sum().backward()
    return loss.detach().numpy(), x.grad.numpy()


def _value_error(actual, expected) -> float:
    return relative_error(np.asarray(actual), np.asarray(expected))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=["NC", "NTC"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.15])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("invalid", INVALID)
@pytest.mark.usefixtures("one_torch_thread")
def test_matches_torch(torch, invalid, weighted, smoothing, reduction, shape, dtype):
    logits, target, mask, ignore_index, weight = _case(invalid, shape, dtype)
    weight = weight if weighted else None
    loss, dlogits = cross_entropy(
        logits,
        target,
        mask=mask,
        weight=weight,
        ignore_index=ignore_index,
        label_smoothing=smoothing,
        reduction=reduction,
    )
    expected_loss, expected_grad = _torch_cross_entropy(
        torch, logits, target, mask, weight, ignore_index, smoothing, reduction
    )
    assert np.shape(loss) == expected_loss.shape
    assert loss.dtype == dtype and dlogits.dtype == dtype
    assert _value_error(loss, expected_loss) < TOLERANCE[dtype]
    assert relative_error(dlogits, expected_grad) < TOLERANCE[dtype]


@pytest.mark.parametrize("shape", SHAPES, ids=["NC", "NTC"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.15])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("invalid", INVALID)
def test_gradient_matches_finite_differences(invalid, weighted, smoothing, reduction, shape):
    logits, target, mask, ignore_index, weight = _case(invalid, shape, np.float64, seed=1)
    options = dict(
        mask=mask,
        weight=weight if weighted else None,
        ignore_index=ignore_index,
        label_smoothing=smoothing,
        reduction=reduction,
    )

    def loss():
        return float(np.sum(cross_entropy(logits, target, **options)[0]))

    _, dlogits = cross_entropy(logits, target, **options)
    numeric = numerical_gradient(loss, logits)
    assert relative_error(dlogits, numeric) < 1e-6
    invalid_rows = (target == ignore_index) if mask is None else ~mask | (target == ignore_index)
    assert np.all(dlogits[invalid_rows] == 0)  # padding gets no gradient


def test_golden_value_two_equal_logits():
    loss, dlogits = cross_entropy(np.zeros((1, 2)), np.array([0]))
    assert loss == pytest.approx(math.log(2.0), rel=1e-15)
    np.testing.assert_allclose(dlogits, [[-0.5, 0.5]], rtol=1e-15)


@pytest.mark.usefixtures("one_torch_thread")
def test_unbatched_logits_with_scalar_target(torch):
    logits = np.array([0.3, -1.2, 2.0])
    loss, dlogits = cross_entropy(logits, np.array(2), label_smoothing=0.1)
    expected_loss, expected_grad = _torch_cross_entropy(
        torch, logits, np.array(2), None, None, -100, 0.1, "mean"
    )
    assert _value_error(loss, expected_loss) < 1e-15
    assert relative_error(dlogits, expected_grad) < 1e-15


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.usefixtures("one_torch_thread")
def test_everything_masked_gives_zero_loss_and_gradient(torch, reduction):
    logits = np.random.default_rng(3).normal(size=(2, 3, C))
    target = np.zeros((2, 3), dtype=np.int64)
    loss, dlogits = cross_entropy(
        logits, target, mask=np.zeros((2, 3), dtype=bool), label_smoothing=0.2, reduction=reduction
    )
    np.testing.assert_array_equal(loss, np.zeros(np.shape(loss)))
    np.testing.assert_array_equal(dlogits, 0.0)
    if reduction == "mean":  # the documented difference: torch's mean of nothing is 0/0
        all_ignored = torch.full((2, 3), -100)
        expected = torch.nn.functional.cross_entropy(
            torch.tensor(logits).movedim(-1, 1), all_ignored
        )
        assert torch.isnan(expected)


def test_zero_weight_sum_gives_zero_mean():
    weight = np.array([0.0, 1.0, 1.0, 1.0])
    loss, dlogits = cross_entropy(np.ones((3, C)), np.zeros(3, dtype=np.int64), weight=weight)
    assert loss == 0.0
    np.testing.assert_array_equal(dlogits, 0.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.usefixtures("one_torch_thread")
def test_extreme_logits_stay_finite_and_match_torch(torch, dtype):
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]], dtype=dtype)
    target = np.array([1, 0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dlogits = cross_entropy(logits, target, label_smoothing=0.1)
    expected_loss, expected_grad = _torch_cross_entropy(
        torch, logits, target, None, None, -100, 0.1, "mean"
    )
    assert np.isfinite(loss) and np.isfinite(dlogits).all()
    assert _value_error(loss, expected_loss) < TOLERANCE[dtype]
    assert relative_error(dlogits, expected_grad) < TOLERANCE[dtype]


def test_inputs_are_not_modified():
    logits, target, mask, _, weight = _case("both", (3, 4), np.float64)
    copies = [a.copy() for a in (logits, target, mask, weight)]
    cross_entropy(logits, target, mask=mask, weight=weight, label_smoothing=0.1)
    for before, after in zip(copies, (logits, target, mask, weight), strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            dict(target=np.array([0.0, 1.5, 2.0])),
            TypeError,
            r"target .*integer.*1\.5 at index \(1,\)",
        ),
        (dict(target=np.array([0.0, 1.0, 2.0])), TypeError, r"target .*integer.*float64"),
        (dict(target=np.array([0, 9, 2])), ValueError, r"target .*\[0, 4\).* 9 at index \(1,\)"),
        (dict(target=np.array([0, 1, -1])), ValueError, r"target .*-1 at index \(2,\)"),
        (dict(target=np.array([0, 1])), ValueError, r"target must have shape \(3,\).*got \(2,\)"),
        (dict(logits=np.ones((3, 0))), ValueError, r"logits must have shape \(\.\.\., C\)"),
        (
            dict(logits=np.array([[0, np.nan, 0, 0]] * 3)),
            ValueError,
            r"logits must be finite.*nan at index \(0, 1\)",
        ),
        (dict(mask=np.ones(3)), TypeError, r"mask must be a boolean.*float64"),
        (dict(mask=np.ones(4, dtype=bool)), ValueError, r"mask must have shape \(3,\).*got \(4,\)"),
        (dict(weight=np.ones(3)), ValueError, r"weight must have shape \(4,\).*got \(3,\)"),
        (dict(weight=np.array([1, -1, 1, 1.0])), ValueError, r"weight must be non-negative.*-1\.0"),
        (dict(label_smoothing=1.5), ValueError, r"label_smoothing must be .*\[0, 1\].*1\.5"),
        (dict(ignore_index=1.0), TypeError, r"ignore_index must be an integer.*1\.0"),
        (
            dict(reduction="avg"),
            ValueError,
            r"reduction must be 'mean', 'sum' or 'none'; got 'avg'",
        ),
    ],
)
def test_errors_name_the_argument(kwargs, error, match):
    arguments = dict(logits=np.zeros((3, C)), target=np.array([0, 1, 2]))
    arguments.update(kwargs)
    logits, target = arguments.pop("logits"), arguments.pop("target")
    with pytest.raises(error, match=match):
        cross_entropy(logits, target, **arguments)
