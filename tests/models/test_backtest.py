"""cross_validation (issue 17): rolling-origin backtests checked against tables written by hand
for the naive forecast, which anyone can work out; then the Forecaster through it."""

import numpy as np
import pytest

from lstmkit.models.backtest import cross_validation
from lstmkit.models.baselines import naive_forecast
from lstmkit.models.forecaster import Forecaster


class Naive:
    """The naive forecast (the last value) as a forecaster, with intervals of +-1, counting
    its fits."""

    def __init__(self):
        self.fits = 0

    def fit(self, series):
        self.series_, self.fits = series, self.fits + 1
        return self

    def predict(self, horizon, level=None, return_intervals=False):
        return self.predict_after(self.series_, horizon, level, return_intervals)

    def predict_after(self, series, horizon, level=None, return_intervals=False):
        many = isinstance(series, list)
        point = [naive_forecast(s, horizon) for s in (series if many else [series])]
        parts = [point, [p - 1 for p in point], [p + 1 for p in point]]
        parts = [part if many else part[0] for part in parts]
        return tuple(parts) if return_intervals else parts[0]


def test_one_series_two_windows_one_step_apart():
    series = np.array([1.0, 2.0, 4.0, 7.0, 11.0, 16.0])
    table = cross_validation(Naive(), series, horizon=2, n_windows=2, step=1, name="naive")
    expected = {
        "unique_id": [0, 0, 0, 0],
        "ds": [3, 4, 4, 5],  # rows forecast: window 0 cuts at row 3, window 1 at row 4
        "cutoff": [2, 2, 3, 3],  # the last training rows
        "y": [7, 11, 11, 16],
        "naive": [4, 4, 7, 7],  # the last training values
    }
    assert list(table) == list(expected)
    for column, values in expected.items():
        np.testing.assert_array_equal(table[column], values)


def test_series_of_different_lengths_are_cut_by_their_own_ends_with_intervals():
    series = [np.arange(1.0, 8.0), np.array([10.0, 20.0, 30.0, 40.0, 50.0])]
    model = Naive()
    table = cross_validation(model, series, horizon=1, n_windows=2, step=2, level=0.9)
    assert model.fits == 2
    expected = {
        "unique_id": [0, 0, 1, 1],
        "ds": [4, 6, 2, 4],  # series 0 (7 rows) cut at 4 and 6; series 1 (5 rows) at 2 and 4
        "cutoff": [3, 5, 1, 3],
        "y": [5, 7, 30, 50],
        "lstmkit": [4, 6, 20, 40],
        "lstmkit-lo-90": [3, 5, 19, 39],
        "lstmkit-hi-90": [5, 7, 21, 41],
    }
    assert list(table) == list(expected)
    for column, values in expected.items():
        np.testing.assert_array_equal(table[column], values)


def test_without_refit_one_fit_forecasts_every_window():
    series = {"x": np.array([1.0, 2.0, 4.0, 7.0, 11.0, 16.0])}
    model = Naive()
    table = cross_validation(model, series, horizon=2, n_windows=3, step=1, refit=False)
    assert model.fits == 1
    np.testing.assert_array_equal(table["unique_id"], ["x"] * 6)
    np.testing.assert_array_equal(table["lstmkit"], [2, 2, 4, 4, 7, 7])
    np.testing.assert_array_equal(table["y"], [4, 7, 7, 11, 11, 16])


def test_a_long_frame_gets_a_long_frame_with_dates():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "store": ["a"] * 4 + ["b"] * 3,
            "month": list(pd.date_range("2020-01-01", periods=4, freq="MS"))
            + list(pd.date_range("2021-06-01", periods=3, freq="MS")),
            "sales": [1.0, 3.0, 5.0, 9.0, 2.0, 4.0, 8.0],
        }
    )
    table = cross_validation(Naive(), frame, horizon=1, columns=("store", "month", "sales"))
    assert list(table.columns) == ["store", "month", "cutoff", "sales", "lstmkit"]
    assert table["store"].tolist() == ["a", "b"]
    assert table["month"].tolist() == [pd.Timestamp("2020-04-01"), pd.Timestamp("2021-08-01")]
    assert table["cutoff"].tolist() == [pd.Timestamp("2020-03-01"), pd.Timestamp("2021-07-01")]
    assert table["sales"].tolist() == [9.0, 8.0] and table["lstmkit"].tolist() == [5.0, 4.0]


def test_the_forecaster_without_refit_forecasts_later_windows_from_its_first_fit():
    t = np.arange(40.0)
    series = 10 + np.sin(2 * np.pi * t / 4) + 0.1 * t
    settings = dict(horizon=3, period=4, hidden_size=4, epochs=2, ensemble=1, seed=0)
    model = Forecaster(**settings)
    table = cross_validation(model, series, horizon=3, n_windows=2, step=3, refit=False)
    first = Forecaster(**settings).fit(series[:34])  # window 0: cut at 40 - 3 - 3 = 34
    expected = np.concatenate([first.predict(), first.predict_after(series[:37])])
    np.testing.assert_array_equal(table["lstmkit"], expected)
    np.testing.assert_array_equal(table["y"], series[34:40])


def test_bad_arguments_and_short_series_are_refused_by_name():
    with pytest.raises(ValueError, match="n_windows must be a positive integer; got 0"):
        cross_validation(Naive(), np.arange(5.0), horizon=1, n_windows=0)
    with pytest.raises(ValueError, match=r"series 1 has 3 values: too few for 2 windows"):
        cross_validation(Naive(), [np.arange(9.0), np.arange(3.0)], horizon=2, n_windows=2)
