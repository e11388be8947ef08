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
