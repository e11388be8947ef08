"""Naive, seasonal naive and drift forecasts, by hand and on the airline series."""

import numpy as np
import pytest

from lstmkit.data import read_csv_series
from lstmkit.metrics import mape
from lstmkit.models.baselines import drift_forecast, naive_forecast, seasonal_naive_forecast


def test_hand_worked_forecasts():
    x = np.array([1.0, 2.0, 3.0, 10.0, 20.0, 30.0])
    np.testing.assert_array_equal(naive_forecast(x, 2), [30.0, 30.0])
    np.testing.assert_array_equal(seasonal_naive_forecast(x, 4, 3), [10.0, 20.0, 30.0, 10.0])
    np.testing.assert_allclose(drift_forecast(x, 2), [30 + 29 / 5, 30 + 2 * 29 / 5])
    two_channels = np.stack([x, -x], axis=1)
    np.testing.assert_array_equal(naive_forecast(two_channels, 1), [[30.0, -30.0]])
    with pytest.raises(ValueError, match="horizon must be a positive integer; got 0"):
        naive_forecast(x, 0)


def test_seasonal_naive_on_airline_matches_the_published_mape(shared_data):
    series = read_csv_series(shared_data / "forecasting" / "airline.csv")
    x = series.values[:, 0]
    train, test = x[:132], x[132:]
    # ../shared/data/README.md: seasonal naive 9.99 % MAPE on the last 12 months
    assert mape(test, seasonal_naive_forecast(train, 12, period=12)) == pytest.approx(
        9.99, abs=0.005
    )
