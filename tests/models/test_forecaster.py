"""Forecaster: beats the seasonal naive baseline on a seasonal series, intervals, save/load."""

import numpy as np
import pytest

from lstmkit.metrics import mape
from lstmkit.models.baselines import seasonal_naive_forecast
from lstmkit.models.forecast_windows import pad_start
from lstmkit.models.forecaster import Forecaster, detect_period


def seasonal_series(length, seed=0):
    """Growing level with a multiplicative 12-step season and a little noise (positive)."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    season = 1 + 0.25 * np.sin(2 * np.pi * t / 12) + 0.1 * np.cos(2 * np.pi * t / 6)
    return (100 + 1.5 * t) * season * np.exp(0.01 * rng.standard_normal(length))


FAST = dict(horizon=12, ensemble=2, epochs=80, patience=15, lr=5e-3)


@pytest.fixture(scope="module")
def fitted():
    series = seasonal_series(144)
    return Forecaster(seed=0, **FAST).fit(series[:132]), series


def test_detects_the_period_and_beats_seasonal_naive(fitted):
    model, series = fitted
    assert model.period_ == 12 and model.log_
    train, test = series[:132], series[132:]
    ours = mape(test, model.predict())
    baseline = mape(test, seasonal_naive_forecast(train, 12, period=12))
    assert ours < 0.7 * baseline, (ours, baseline)


def test_intervals_surround_the_forecast_and_widen_with_level(fitted):
    model, _ = fitted
    point, lower, upper = model.predict(return_intervals=True)
    assert np.all(lower < point) and np.all(point < upper)
    _, lower_80, upper_80 = model.predict(level=0.8, return_intervals=True)
    assert np.all(upper_80 - lower_80 < upper - lower)
    np.testing.assert_allclose(model.predict(horizon=5), point[:5])


def test_save_load_and_seed_reproduce(fitted, tmp_path):
    model, series = fitted
    model.save(tmp_path / "f.safetensors")
    np.testing.assert_array_equal(
        Forecaster.load(tmp_path / "f.safetensors").predict(), model.predict()
    )
    again = Forecaster(seed=0, **FAST).fit(series[:132])
    np.testing.assert_array_equal(again.predict(), model.predict())


def test_period_detection():
    t = np.arange(300)
    assert detect_period(np.sin(2 * np.pi * t / 7) + 0.01 * t) == 7
    assert detect_period(np.random.default_rng(0).standard_normal(300)) == 1


def test_errors(fitted):
    model, _ = fitted
    with pytest.raises(ValueError, match=r"horizon must lie in 1..12"):
        model.predict(horizon=13)
    with pytest.raises(ValueError, match="finite"):
        Forecaster().fit([1.0, np.nan, 2.0])


def test_the_interval_quantile_is_the_normal_distributions_own():
    """Issue 20: the intervals' z was found by bisection on erf (off by up to 5e-14); it is
    statistics.NormalDist's inverse CDF, exactly."""
    from statistics import NormalDist

    from lstmkit.models.forecaster import _normal_quantile

    for p in np.linspace(0.5005, 0.9995, 200):
        assert _normal_quantile(p) == NormalDist().inv_cdf(p)


def test_pad_start_repeats_the_first_season_backwards():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])[:, None]
    # period 2: rows -3, -2, -1 take the first season's values at their positions: 2, 1, 2
    np.testing.assert_array_equal(pad_start(values, 8, 2)[:, 0], [2, 1, 2, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(pad_start(values, 7, 1)[:, 0], [1, 1, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(pad_start(values[:1], 3, 4)[:, 0], [1, 1, 1])
    assert pad_start(values, 5, 2) is values


def test_short_series_get_a_forecast_not_an_error():
    """Issue 17: 14 values with horizon 6 and period 1 (an M3 yearly series) were refused
    ("too short for lookback"); the default lookback shrinks to 14 - 6 - 7 = 1 (8 windows)."""
    model = Forecaster(horizon=6, period=1, hidden_size=4, epochs=2, ensemble=1, seed=0)
    forecast = model.fit(np.arange(1.0, 15.0)).predict()
    assert model.lookback_ == 1 and forecast.shape == (6,) and np.all(np.isfinite(forecast))


def test_a_series_shorter_than_the_lookback_is_padded_for_its_forecast():
    short, long = np.array([3.0, 5.0, 4.0]), 10 + np.sin(np.arange(40.0))
    model = Forecaster(horizon=2, period=2, lookback=6, log=False, hidden_size=4, epochs=2)
    # not deseasonalised (the default for two series), so that the windows keep the season
    model.set_params(ensemble=1, seed=0, deseasonalise=False)
    forecasts = model.fit([long, short]).predict()
    assert [f.shape for f in forecasts] == [(2,), (2,)]
    # the short series' last window: its first season (3, 5) repeated before it, in step
    np.testing.assert_array_equal(model.history_[1, :, 0], [5, 3, 5, 3, 5, 4])


def test_short_series_give_padded_training_windows_only_when_the_real_ones_are_too_few():
    """A series shorter than lookback + horizon adds no window when the others give 8 or more
    (40 - 6 - 2 + 1 = 33 here), one padded window each when they do not."""
    model = Forecaster(horizon=2, period=1, lookback=6, log=False, hidden_size=4, epochs=1)
    model.set_params(ensemble=1, seed=0).fit([10 + np.sin(np.arange(40.0)), np.arange(5.0)])
    z = [10 + np.sin(np.arange(40.0))[:, None], np.arange(5.0)[:, None]]
    none = [np.zeros((40, 0)), np.zeros((5, 0))]
    assert len(model._window_sets(z, none)[2]) == 33
    assert len(model._window_sets([z[1], z[1] + 1], [none[1]] * 2)[2]) == 2
