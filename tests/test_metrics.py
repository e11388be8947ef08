"""Forecast metrics on hand-worked values."""

import numpy as np
import pytest

from lstmkit.metrics import mae, mape, mase, rmse, smape


def test_hand_worked_values():
    actual, forecast = np.array([2.0, 4.0, 8.0]), np.array([1.0, 5.0, 8.0])
    assert mae(actual, forecast) == pytest.approx(2 / 3)
    assert rmse(actual, forecast) == pytest.approx(np.sqrt(2 / 3))
    assert mape(actual, forecast) == pytest.approx(100 * (0.5 + 0.25 + 0) / 3)
    assert smape(actual, forecast) == pytest.approx(100 * (2 / 3 + 2 / 9 + 0) / 3)
    # in-sample naive errors of [1, 2, 4, 7]: 1, 2, 3 -> scale 2
    assert mase(actual, forecast, [1.0, 2.0, 4.0, 7.0]) == pytest.approx((2 / 3) / 2)
    # seasonal (period 2) in-sample errors of [1, 2, 4, 7]: 3, 5 -> scale 4
    assert mase(actual, forecast, [1.0, 2.0, 4.0, 7.0], period=2) == pytest.approx((2 / 3) / 4)


def test_undefined_cases_are_errors():
    with pytest.raises(ValueError, match="MAPE is undefined when an actual value is 0"):
        mape([0.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="same non-empty shape"):
        mae([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="training series is constant"):
        mase([1.0], [2.0], [3.0, 3.0, 3.0])
    with pytest.raises(ValueError, match=r"training must be longer than period \(12\)"):
        mase([1.0], [2.0], np.arange(12.0), period=12)
    assert smape([0.0], [0.0]) == 0.0


def test_coverage_interval_score_and_msis_by_hand():
    """Issue 17. alpha = 0.2 (level 0.8), so 2 / alpha = 10:
    10 in [8, 12]: width 4 -> 4; 20 below [21, 25] by 1: 4 + 10 = 14; 30 above [25, 28] by 2:
    3 + 20 = 23; 28 on the bound of [26, 28]: 2. Mean 43 / 4. Training 1, 3, 2, 6: naive
    errors 2, 1, 4, mean 7 / 3, so MSIS = (43 / 4) / (7 / 3) = 129 / 28."""
    from lstmkit.metrics import coverage, interval_score, msis

    actual, lower, upper = [10, 20, 30, 28], [8, 21, 25, 26], [12, 25, 28, 28]
    assert coverage(actual, lower, upper) == 0.5
    assert interval_score(actual, lower, upper, level=0.8) == pytest.approx(43 / 4, rel=1e-15)
    training = [1.0, 3.0, 2.0, 6.0]
    assert msis(actual, lower, upper, training, 1, level=0.8) == pytest.approx(129 / 28, rel=1e-15)
    with pytest.raises(ValueError, match="lower must not exceed upper"):
        interval_score([1.0], [2.0], [0.0])
    with pytest.raises(ValueError, match="level must lie strictly between 0 and 1; got 1"):
        msis(actual, lower, upper, training, level=1)
