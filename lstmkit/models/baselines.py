"""The classic forecasting baselines every model must beat.

For a series x_1..x_n (time along the first axis, any number of channels) and horizon h:

    naive           f_{n+k} = x_n
    seasonal naive  f_{n+k} = x_{n+k-m*ceil(k/m)}     (the value one season back, repeated)
    drift           f_{n+k} = x_n + k (x_n - x_1) / (n - 1)
"""

import numpy as np


def _series(series, minimum: int) -> np.ndarray:
    x = np.asarray(series, dtype=np.float64)
    if x.ndim not in (1, 2) or len(x) < minimum:
        raise ValueError(
            f"series must be a (T,) or (T, C) array with T >= {minimum}; got shape {x.shape}"
        )
    return x


def _horizon(horizon) -> int:
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be a positive integer; got {horizon!r}")
    return int(horizon)


def naive_forecast(series, horizon: int) -> np.ndarray:
    x, h = _series(series, 1), _horizon(horizon)
    return np.repeat(x[-1:], h, axis=0)


def seasonal_naive_forecast(series, horizon: int, period: int) -> np.ndarray:
    x, h = _series(series, period), _horizon(horizon)
    last_season = x[-period:]
    repeats = -(-h // period)
    return np.concatenate([last_season] * repeats, axis=0)[:h]


def drift_forecast(series, horizon: int) -> np.ndarray:
    x, h = _series(series, 2), _horizon(horizon)
    slope = (x[-1] - x[0]) / (len(x) - 1)
    steps = np.arange(1, h + 1).reshape((h,) + (1,) * (x.ndim - 1))
    return x[-1] + steps * slope
