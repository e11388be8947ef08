"""Forecast accuracy metrics, as forecasting practitioners define them.

With actual values y_t, forecasts f_t over the evaluated horizon (t = 1..h) and e_t = y_t - f_t:

    MAE   = mean |e_t|
    RMSE  = sqrt(mean e_t^2)
    MAPE  = 100 * mean |e_t / y_t|                        (percent; undefined where y_t = 0)
    sMAPE = 100 * mean 2 |e_t| / (|y_t| + |f_t|)          (percent, in [0, 200])
    MASE  = MAE / mean_{t>m} |x_t - x_{t-m}|              (Hyndman and Koehler 2006)

and for prediction intervals [l_t, u_t] of nominal coverage `level` (alpha = 1 - level):

    coverage = mean 1{l_t <= y_t <= u_t}                  (the share of values inside)
    MSIS  = mean (u_t - l_t + 2/alpha (l_t - y_t) 1{y_t < l_t} + 2/alpha (y_t - u_t) 1{y_t > u_t})
            / mean_{t>m} |x_t - x_{t-m}|                  (the M4 competition's interval score)

MSIS rewards narrow intervals and charges 2/alpha per unit a value falls outside them, in the
units of MASE's scale, so it can be averaged over series of different sizes.

MASE scales the error by the in-sample MAE of the seasonal naive forecast with period m on the
training series x (m = 1: the naive forecast), so MASE < 1 means better than that baseline's
one-step in-sample error. All take arrays of any matching shape and reduce over every element.
"""

import numpy as np


def _pair(actual, forecast) -> tuple[np.ndarray, np.ndarray]:
    actual = np.asarray(actual, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    if actual.shape != forecast.shape or actual.size == 0:
        raise ValueError(
            f"actual and forecast must have the same non-empty shape; got {actual.shape} and "
            f"{forecast.shape}"
        )
    if not (np.all(np.isfinite(actual)) and np.all(np.isfinite(forecast))):
        raise ValueError("actual and forecast must be finite")
    return actual, forecast


def mae(actual, forecast) -> float:
    """Mean absolute error, in the data's units."""
    actual, forecast = _pair(actual, forecast)
    return float(np.mean(np.abs(actual - forecast)))


def rmse(actual, forecast) -> float:
    """Root mean squared error, in the data's units (large errors weigh more than in MAE)."""
    actual, forecast = _pair(actual, forecast)
    return float(np.sqrt(np.mean((actual - forecast) ** 2)))


def mape(actual, forecast) -> float:
    """Mean absolute percentage error; a ValueError where an actual value is 0."""
    actual, forecast = _pair(actual, forecast)
    if np.any(actual == 0):
        raise ValueError("MAPE is undefined when an actual value is 0; use sMAPE or MASE")
    return float(100 * np.mean(np.abs((actual - forecast) / actual)))


def smape(actual, forecast) -> float:
    """Symmetric mean absolute percentage error, in [0, 200]."""
    actual, forecast = _pair(actual, forecast)
    denominator = np.abs(actual) + np.abs(forecast)
    ratio = np.divide(
        2 * np.abs(actual - forecast),
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )
    return float(100 * np.mean(ratio))


def mase(actual, forecast, training, period: int = 1) -> float:
    """MAE of the forecast over the in-sample MAE of the period-`period` seasonal naive."""
    actual, forecast = _pair(actual, forecast)
    training = np.asarray(training, dtype=np.float64)
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or period < 1:
        raise ValueError(f"period must be a positive integer; got {period!r}")
    if len(training) <= period:
        raise ValueError(
            f"training must be longer than period ({period}) to scale MASE; got {len(training)}"
        )
    scale = seasonal_naive_error(training, period)
    if scale == 0:
        raise ValueError("MASE is undefined: the training series is constant at this period")
    return float(np.mean(np.abs(actual - forecast)) / scale)


def seasonal_naive_error(training, period: int = 1):
    """In-sample MAE of the seasonal-naive forecast x_t = x_{t-period}: MASE's scale. For a
    (T, K) array, one value per column. `training` must be longer than `period`."""
    training = np.asarray(training, dtype=np.float64)
    return np.mean(np.abs(training[period:] - training[:-period]), axis=0)


def coverage(actual, lower, upper) -> float:
    """The share of actual values inside [lower, upper] (bounds included), in [0, 1]."""
    actual, lower = _pair(actual, lower)
    _, upper = _pair(actual, upper)
    return float(np.mean((lower <= actual) & (actual <= upper)))


def interval_score(actual, lower, upper, level: float = 0.95) -> float:
    """The mean interval score of [lower, upper] at nominal `level` (MSIS before scaling)."""
    actual, lower = _pair(actual, lower)
    _, upper = _pair(actual, upper)
    if isinstance(level, bool) or not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1; got {level!r}")
    if np.any(lower > upper):
        raise ValueError("lower must not exceed upper (interval bounds)")
    alpha = 1 - level
    below = np.maximum(lower - actual, 0)
    above = np.maximum(actual - upper, 0)
    return float(np.mean(upper - lower + 2 / alpha * (below + above)))


def msis(actual, lower, upper, training, period: int = 1, level: float = 0.95) -> float:
    """Mean scaled interval score: interval_score over MASE's scale (the in-sample MAE of the
    period-`period` seasonal naive on `training`)."""
    score = interval_score(actual, lower, upper, level)
    # mase(score, 0, ...) is |score| / scale, with mase's checks of training and period
    return mase(score, 0.0, training, period)
