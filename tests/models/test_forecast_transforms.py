"""Deseasonalisation (forecast_transforms): the 90 % seasonality test on hand-computed cases,
exact components of trend + season, the removal undone by the components ahead, and a
deseasonalising Forecaster's consistency (predict_after, save / load)."""

import numpy as np
import pytest

from lstmkit.models.forecast_transforms import (
    centred_average,
    is_seasonal,
    remove_season,
    season_ahead,
    seasonal_components,
)
from lstmkit.models.forecaster import Forecaster


def test_seasonality_test_by_hand():
    # z = 1, -1, 1, -1, ...: mean 0, r_1 = -(n-1)/n, r_2 = (n-2)/n
    # n = 12: |r_2| = 10/12 = 0.833 > 1.645 sqrt((1 + 2 (11/12)^2) / 12) = 0.7775
    assert is_seasonal(np.tile([1.0, -1.0], 6), 2)
    # n = 6: |r_2| = 4/6 = 0.667 < 1.645 sqrt((1 + 2 (5/6)^2) / 6) = 1.038
    assert not is_seasonal(np.tile([1.0, -1.0], 3), 2)
    # fewer than three seasons, period 1 and a constant are never seasonal
    assert not is_seasonal(np.tile([1.0, -1.0], 2)[:5], 2)
    assert not is_seasonal(np.tile([1.0, -1.0], 6), 1)
    assert not is_seasonal(np.ones(24), 4)


def test_centred_average_by_hand():
    z = np.array([[1.0], [2.0], [4.0], [8.0], [16.0]])
    # period 2: weights 1/4, 1/2, 1/4
    np.testing.assert_array_equal(centred_average(z, 2)[:, 0], [2.25, 4.5, 9.0])
    # period 3: weights 1/3 each
    np.testing.assert_allclose(centred_average(z, 3)[:, 0], [7 / 3, 14 / 3, 28 / 3])


@pytest.mark.parametrize("season", [[0.3, -0.1, 0.2, -0.4], [0.5, -0.2, -0.3]])
def test_components_of_trend_plus_season_are_the_season(season):
    # a centred moving average of one season removes a zero-sum season and keeps a line
    period = len(season)
    t = np.arange(10 * period)
    z = (2.0 + 0.05 * t + np.array(season)[t % period])[:, None]
    np.testing.assert_allclose(seasonal_components(z, period)[:, 0], season, atol=1e-12)


def test_components_are_zero_where_the_test_fails():
    rng = np.random.default_rng(0)
    t = np.arange(48)
    seasonal = 5 + np.where(t % 4 == 0, 1.0, -1 / 3)
    noise = 5 + 0.01 * rng.standard_normal(48)
    components = seasonal_components(np.stack([seasonal, noise], axis=1), 4)
    np.testing.assert_allclose(components[:, 0], [1.0, -1 / 3, -1 / 3, -1 / 3], atol=1e-12)
    np.testing.assert_array_equal(components[:, 1], 0.0)


def test_removal_and_the_season_ahead_round_trip():
    components = np.array([[0.5], [-0.2], [-0.3]])
    z = np.array([[1.5], [0.8], [0.7], [1.5], [0.8]])  # 1 + s_{t mod 3}, five rows
    np.testing.assert_allclose(remove_season(z, components), np.ones((5, 1)))
    # rows 5, 6, 7, 8 follow: positions 2, 0, 1, 2
    np.testing.assert_array_equal(season_ahead(components, 5, 4)[:, 0], [-0.3, 0.5, -0.2, -0.3])


def seasonal_panel(count=6, length=60):
    rng = np.random.default_rng(1)
    t = np.arange(length)
    return [
        np.exp(
            1
            + 0.01 * t
            + 0.3 * np.sin(2 * np.pi * (t + i) / 12)
            + 0.02 * rng.standard_normal(length)
        )
        for i in range(count)
    ]


FAST = dict(horizon=6, period=12, epochs=3, ensemble=1, hidden_size=4, seed=0)


def test_deseasonalising_forecaster_is_consistent(tmp_path):
    series = seasonal_panel()
    model = Forecaster(deseasonalise=True, **FAST).fit(series)
    assert model.window_period_ == 1 and model.seasonal_.shape == (6, 12, 1)
    assert np.all(model.seasonal_ != 0)  # every series passes the test
    forecast = model.predict()
    # the same series again through predict_after: the same forecasts (the phase is kept)
    np.testing.assert_array_equal(np.array(model.predict_after(series)), np.array(forecast))
    model.save(tmp_path / "f.safetensors")
    loaded = Forecaster.load(tmp_path / "f.safetensors")
    np.testing.assert_array_equal(np.array(loaded.predict()), np.array(forecast))


def test_deseasonalised_forecast_carries_the_season_back():
    # the forecast less its season ahead is the forecast of the deseasonalised series: its
    # seasonal swing (0.3 in log, about +-35 %) is back in the forecast
    series = seasonal_panel()
    model = Forecaster(deseasonalise=True, **FAST).fit(series)
    forecast = np.log(np.array(model.predict()))
    ahead = np.stack(
        [season_ahead(c, len(s), 6) for c, s in zip(model.seasonal_, series, strict=True)]
    )
    flat = forecast - ahead[:, :, 0]
    assert np.ptp(forecast, axis=1).min() > 2 * np.ptp(flat, axis=1).max()
