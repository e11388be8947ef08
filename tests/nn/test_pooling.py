"""Pooling heads over padded batches: finite differences, rows picked by hand, errors."""

import numpy as np
import pytest

from lstmkit.errors import NoForwardPassError
from lstmkit.nn import LastStep, MaxPool, MeanPool
from lstmkit.testing import numerical_gradient, relative_error

TOLERANCE = 1e-6
HEADS = [LastStep, MeanPool, MaxPool]
# unsorted, including 1 and T = 5
LENGTHS = np.array([3, 5, 1, 4])


def _batch(seed=0, shape=(4, 5, 3)):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("batch_first", [True, False], ids=["batch_first", "time_major"])
@pytest.mark.parametrize("lengths", [LENGTHS, None], ids=["lengths", "full"])
@pytest.mark.parametrize("head", HEADS, ids=lambda cls: cls.__name__)
def test_gradient_matches_finite_differences(head, lengths, batch_first):
    y = _batch()
    if not batch_first:
        y = np.ascontiguousarray(y.transpose(1, 0, 2))
    layer = head(batch_first=batch_first)
    weights = np.random.default_rng(1).standard_normal((4, 3))

    def loss():
        return float(np.sum(layer(y, lengths) * weights))

    out = layer(y, lengths)
    assert out.shape == (4, 3) and out.dtype == np.float64
    dy = layer.backward(weights)
    error = relative_error(dy, numerical_gradient(loss, y))
    assert error < TOLERANCE, f"gradient of y: relative error {error:.2e}"
    if lengths is not None:  # padded steps get exactly zero gradient
        dy_nt = dy if batch_first else dy.transpose(1, 0, 2)
        for n, length in enumerate(lengths):
            assert not dy_nt[n, length:].any()


def test_last_step_picks_each_sequences_last_valid_row():
    y = _batch()
    out = LastStep()(y, LENGTHS)
    for n, length in enumerate(LENGTHS):
        np.testing.assert_array_equal(out[n], y[n, length - 1])
    np.testing.assert_array_equal(LastStep()(y), y[:, -1])
    np.testing.assert_array_equal(LastStep(batch_first=False)(y.transpose(1, 0, 2), LENGTHS), out)


def test_mean_pool_is_the_mean_of_the_valid_rows():
    y = _batch()
    y[2, 1:] = 1e6  # padding must not leak in
    out = MeanPool()(y, LENGTHS)
    for n, length in enumerate(LENGTHS):
        np.testing.assert_allclose(out[n], y[n, :length].mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(MeanPool()(_batch()), _batch().mean(axis=1), rtol=1e-14)


def test_max_pool_is_the_max_of_the_valid_rows_and_ties_go_to_the_first():
    y = _batch()
    y[0, 3:] = 1e6  # padding of sequence 0 (length 3)
    out = MaxPool()(y, LENGTHS)
    for n, length in enumerate(LENGTHS):
        np.testing.assert_array_equal(out[n], y[n, :length].max(axis=0))
    tied = np.zeros((1, 4, 2))
    tied[0, [1, 3], 0] = 2.0  # feature 0: maximum at steps 1 and 3
    pool = MaxPool()
    np.testing.assert_array_equal(pool(tied), [[2.0, 0.0]])
    dy = pool.backward(np.array([[5.0, 7.0]]))
    expected = np.zeros((1, 4, 2))
    expected[0, 1, 0] = 5.0
    expected[0, 0, 1] = 7.0  # all zeros: the first step
    np.testing.assert_array_equal(dy, expected)


@pytest.mark.parametrize("head", HEADS, ids=lambda cls: cls.__name__)
def test_dtypes_are_kept(head):
    y32 = _batch().astype(np.float32)
    layer = head()
    assert layer(y32, LENGTHS).dtype == np.float32
    assert layer.backward(np.ones((4, 3))).dtype == np.float32
    assert layer(np.ones((2, 3, 1), dtype=np.int64)).dtype == np.float32


def test_repr_and_config():
    assert repr(MeanPool()) == "MeanPool()"
    assert repr(LastStep(batch_first=False)) == "LastStep(batch_first=False)"
    assert MaxPool().get_config() == {"batch_first": True}


@pytest.mark.parametrize("head", HEADS, ids=lambda cls: cls.__name__)
def test_errors_name_the_argument(head):
    layer = head()
    with pytest.raises(NoForwardPassError, match="before forward"):
        layer.backward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"y must have shape \(N, T, F\) .*got \(4, 5\)"):
        layer(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"y must have shape .*got \(4, 0, 3\)"):
        layer(np.zeros((4, 0, 3)))
    with pytest.raises(TypeError, match="y must hold real numbers"):
        layer(np.array([[["a"]]]))
    y = _batch()
    with pytest.raises(ValueError, match=r"lengths must have shape \(4,\)"):
        layer(y, [1, 2])
    with pytest.raises(ValueError, match=r"lengths must lie in 1\.\.5 .*lengths\[1\] = 6"):
        layer(y, [1, 6, 2, 3])
    with pytest.raises(ValueError, match=r"lengths must lie in 1\.\.5 .*lengths\[0\] = 0"):
        layer(y, [0, 1, 2, 3])
    with pytest.raises(TypeError, match="lengths must be integers"):
        layer(y, [1.5, 2, 2, 2])
    layer(y, LENGTHS)
    with pytest.raises(ValueError, match=r"dout must have shape \(4, 3\); got \(4, 5, 3\)"):
        layer.backward(y)
