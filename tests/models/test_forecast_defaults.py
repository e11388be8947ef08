"""The Forecaster's data-dependent defaults (forecast_defaults): deseasonalise="auto" and
max_windows=None resolve as documented, and a fit uses them."""

import numpy as np

from lstmkit.models.forecast_defaults import default_lookback, deseasonalise_for, windows_for
from lstmkit.models.forecaster import Forecaster


def test_deseasonalise_auto_is_on_for_many_series_only():
    assert deseasonalise_for("auto", 2) is True
    assert deseasonalise_for("auto", 1) is False
    assert deseasonalise_for(True, 1) is True
    assert deseasonalise_for(False, 5) is False


def test_max_windows_none_follows_the_period_and_the_series_count():
    assert windows_for(None, 12, 2) == 20000
    assert windows_for(None, 4, 700) == 20000
    assert windows_for(None, 12, 1) == 600  # one series
    assert windows_for(None, 1, 700) == 600  # no season
    assert windows_for(50, 12, 2) == 50


def seasonal(length, shift):
    t = np.arange(length)
    return np.exp(2 + 0.01 * t + 0.3 * np.sin(2 * np.pi * (t + shift) / 4))


FAST = dict(horizon=4, period=4, epochs=2, ensemble=1, hidden_size=4, seed=0)


def test_a_fit_of_many_series_deseasonalises_by_default_and_one_series_does_not():
    many = Forecaster(**FAST).fit([seasonal(40, 0), seasonal(36, 1)])
    assert many.window_period_ == 1 and np.all(many.seasonal_ != 0)
    one = Forecaster(**FAST).fit(seasonal(40, 0))
    assert one.window_period_ == 4 and np.all(one.seasonal_ == 0)


def test_default_lookback_by_period():
    assert default_lookback(1) == 12  # no season: 12 rows
    assert default_lookback(4) == 20  # quarterly: 20 rows (five seasons), not 2 * 4 or 12
    assert default_lookback(12) == 24  # monthly: two seasons
    assert default_lookback(52) == 104
