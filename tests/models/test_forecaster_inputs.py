"""Forecaster: many series, several channels, known covariates; the anchor it forecasts from."""

import numpy as np
import pytest

from lstmkit.metrics import mae
from lstmkit.models.forecaster import Forecaster
from lstmkit.models.seasonality import seasonal_anchor

FAST = dict(horizon=6, ensemble=1, epochs=60, patience=10, lr=1e-2, hidden_size=16)


def test_seasonal_anchor_is_the_last_value_at_the_same_point_of_the_season():
    window = np.arange(10.0)[None, :, None]  # values 0..9 at rows 0..9
    # period 4: future steps 1..6 fall at season positions of rows 6, 7, 8, 9, 6, 7
    np.testing.assert_array_equal(seasonal_anchor(window, 6, 4)[0, :, 0], [6, 7, 8, 9, 6, 7])
    np.testing.assert_array_equal(seasonal_anchor(window, 3, 1)[0, :, 0], [9, 9, 9])


def wave(length, phase=0.0, level=10.0):
    t = np.arange(length)
    return level + np.sin(2 * np.pi * t / 6 + phase) + 0.02 * t


def test_many_series_come_back_as_a_list_in_order():
    series = [wave(80), wave(60, phase=1.0, level=20.0), wave(70, phase=2.0, level=5.0)]
    model = Forecaster(period=6, seed=0, **FAST).fit([s[:-6] for s in series])
    forecasts = model.predict()
    assert isinstance(forecasts, list) and [f.shape for f in forecasts] == [(6,)] * 3
    for truth, forecast in zip(series, forecasts, strict=True):
        naive = np.full(6, truth[-7])
        assert mae(truth[-6:], forecast) < 0.5 * mae(truth[-6:], naive)
    point, lower, upper = model.predict(return_intervals=True)
    assert all(
        np.all(lo < p) and np.all(p < up) for p, lo, up in zip(point, lower, upper, strict=True)
    )


def test_channels_are_forecast_jointly_with_shape_h_k():
    base = wave(90)
    two = np.stack([base, 2 * base + 1], axis=1)
    model = Forecaster(period=6, seed=0, **FAST).fit(two[:-6])
    forecast = model.predict()
    assert forecast.shape == (6, 2)
    naive = np.repeat(two[-7:-6], 6, axis=0)
    assert mae(two[-6:], forecast) < 0.5 * mae(two[-6:], naive)
    assert model.predict(horizon=2).shape == (2, 2)


def test_known_covariates_are_used():
    """A promotion known in advance adds 3 to the series; without the covariate the jumps
    are unpredictable, with it they are not."""
    rng = np.random.default_rng(0)
    promo = (rng.random(200) < 0.3).astype(float)
    series = 20 + 3 * promo + 0.05 * rng.standard_normal(200)
    train, test = series[:-6], series[-6:]
    settings = dict(FAST, period=1, lookback=12, epochs=150, log=False)
    with_covariate = Forecaster(seed=0, **settings).fit(train, covariates=promo[:-6, None])
    forecast = with_covariate.predict(future_covariates=promo[-6:, None])
    without = Forecaster(seed=0, **settings).fit(train).predict()
    assert mae(test, forecast) < 0.3 * mae(test, without), (mae(test, forecast), mae(test, without))


def test_input_errors_name_the_problem(tmp_path):
    good = wave(60)
    with pytest.raises(ValueError, match=r"series must be finite; got nan at row 3, column 0"):
        Forecaster(**FAST).fit(np.where(np.arange(60) == 3, np.nan, good))
    with pytest.raises(ValueError, match="covariates must have 60 rows"):
        Forecaster(**FAST).fit(good, covariates=np.zeros((59, 1)))
    with pytest.raises(ValueError, match="same number of channels"):
        Forecaster(**FAST).fit([np.zeros((60, 1)) + 1, np.zeros((60, 2)) + 1])
    with pytest.raises(ValueError, match="horizon must be a positive integer; got 0"):
        Forecaster(horizon=0).fit(good)
    model = Forecaster(period=6, seed=0, **FAST).fit(good, covariates=np.ones((60, 2)))
    with pytest.raises(ValueError, match="future_covariates is required"):
        model.predict()
    with pytest.raises(ValueError, match="future_covariates must have 6 rows"):
        model.predict(future_covariates=np.ones((5, 2)))
    model.save(tmp_path / "m.safetensors")
    again = Forecaster.load(tmp_path / "m.safetensors")
    future = np.ones((6, 2))
    np.testing.assert_array_equal(
        again.predict(future_covariates=future), model.predict(future_covariates=future)
    )
