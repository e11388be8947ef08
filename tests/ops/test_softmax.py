"""Stable softmax and log-softmax: no overflow or underflow flags, normalised rows, torch parity."""

import numpy as np
import pytest

from lstmkit.ops import log_softmax, softmax
from lstmkit.ops.softmax import log_softmax_with_softmax
from lstmkit.testing import relative_error

TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_overflow_at_plus_minus_1000(dtype):
    z = np.array(
        [[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, -1000.0]],
        dtype=dtype,
    )
    with np.errstate(all="raise"):
        p = softmax(z)
        logp = log_softmax(z)
        logp2, p2 = log_softmax_with_softmax(z)
    third = dtype(1) / dtype(3)
    np.testing.assert_array_equal(p, np.array([[1, 0, 0], [third] * 3, [0.5, 0.5, 0]], dtype))
    log_third, log_half = np.log(third), np.log(dtype(0.5))
    np.testing.assert_allclose(
        logp,
        [[0, -2000, -1000], [log_third] * 3, [log_half, log_half, -2000 + log_half]],
        rtol=1e-6,
    )
    assert np.isfinite(logp).all()
    assert p.dtype == logp.dtype == dtype
    np.testing.assert_array_equal(logp2, logp)
    np.testing.assert_array_equal(p2, p)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_rows_sum_to_one_along_axis(axis):
    z = np.random.default_rng(0).normal(scale=5.0, size=(3, 4, 5))
    p = softmax(z, axis=axis)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=0, atol=1e-15)
    assert (p > 0).all()
    np.testing.assert_allclose(np.exp(log_softmax(z, axis=axis)), p, rtol=1e-14)


def test_shift_invariance_and_log_of_softmax():
    z = np.random.default_rng(1).normal(size=(6, 7))
    np.testing.assert_allclose(log_softmax(z + 300.0), log_softmax(z), rtol=0, atol=1e-12)
    np.testing.assert_allclose(log_softmax(z), np.log(softmax(z)), rtol=0, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis", [1, -1])
def test_matches_torch(torch, dtype, axis):
    z = np.random.default_rng(2).normal(scale=10.0, size=(4, 5, 6)).astype(dtype)
    z[0, 0, 0] = 1000.0
    zt = torch.from_numpy(z)
    expected_p = torch.softmax(zt, dim=axis).numpy()
    expected_logp = torch.log_softmax(zt, dim=axis).numpy()
    assert relative_error(softmax(z, axis=axis), expected_p) < TOLERANCE[dtype]
    assert relative_error(log_softmax(z, axis=axis), expected_logp) < TOLERANCE[dtype]


def test_integer_input_becomes_float64_and_input_is_not_modified():
    z = np.array([[1, 2, 3]])
    before = z.copy()
    assert softmax(z).dtype == np.float64
    assert log_softmax(z).dtype == np.float64
    np.testing.assert_array_equal(z, before)
