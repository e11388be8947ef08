"""Deseasonalisation for the Forecaster: a seasonality test, classical decomposition's seasonal
components, and their removal before the windows are cut and return after the forecast.

Everything works on z, the series after the Forecaster's optional log, so an additive season
in z is a multiplicative one in the data (classical multiplicative decomposition, as the M4
benchmarks and Hewamalage, Bergmeir and Bandara (2021) apply before a global network).

The test (the M4 benchmarks' 90 % autocorrelation test): with r_k the autocorrelation of z at
lag k and n = len(z), z is seasonal with period m when

    |r_m| > 1.645 * sqrt((1 + 2 * sum_{k=1}^{m-1} r_k^2) / n)

and only when n >= 3 m (fewer seasons cannot show one).

The components (classical decomposition): trend_t is the centred moving average of one season
(weights 1/m; for even m, m + 1 weights with halves at both ends), and

    s_j = mean over t = j (mod m) of (z_t - trend_t),   then s_j -= mean(s)

for j = 0..m-1, position 0 being the series' first row. The deseasonalised series is
z_t - s_{t mod m}; the forecast of row T - 1 + h (h = 1, 2, ...) gets s_{(T - 1 + h) mod m}
back.
"""

import numpy as np

CRITICAL = 1.645  # the normal's 95 % quantile: the one-sided 90 % test of the M4 benchmarks


def is_seasonal(z, period: int) -> bool:
    """The 90 % autocorrelation test of one channel z (T,) at lag `period` (module doc)."""
    z = np.asarray(z, dtype=np.float64)
    n = len(z)
    if period < 2 or n < 3 * period:
        return False
    d = z - z.mean()
    denominator = float(d @ d)
    if denominator == 0:
        return False
    r = np.array([float(d[:-lag] @ d[lag:]) / denominator for lag in range(1, period + 1)])
    limit = CRITICAL * np.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / n)
    return bool(abs(r[-1]) > limit)


def centred_average(z, period: int) -> np.ndarray:
    """The centred moving average of one season of z (T, K): (T - 2 * (period // 2), K), the
    trend of rows period // 2 .. T - 1 - period // 2."""
    if period % 2:
        weights = np.full(period, 1.0 / period)
    else:
        weights = np.r_[0.5, np.ones(period - 1), 0.5] / period
    width = len(weights)
    rows = np.arange(len(z) - width + 1)[:, None] + np.arange(width)
    return np.einsum("nwk,w->nk", z[rows], weights)


def seasonal_components(z, period: int) -> np.ndarray:
    """s (period, K): the classical decomposition's seasonal components of z (T, K), position 0
    at z's first row; 0 for a channel that fails `is_seasonal` (module doc)."""
    components = np.zeros((period, z.shape[1]))
    half = period // 2
    for channel in range(z.shape[1]):
        if not is_seasonal(z[:, channel], period):
            continue
        trend = centred_average(z[:, channel : channel + 1], period)[:, 0]
        detrended = z[half : half + len(trend), channel] - trend
        position = np.arange(half, half + len(trend)) % period
        means = np.array([detrended[position == j].mean() for j in range(period)])
        components[:, channel] = means - means.mean()
    return components


def remove_season(z, components) -> np.ndarray:
    """z (T, K) less its seasonal components (period, K): z_t - s_{t mod period}."""
    return z - components[np.arange(len(z)) % len(components)]


def season_ahead(components, length: int, horizon: int) -> np.ndarray:
    """(horizon, K): s_{(length - 1 + h) mod period} for h = 1..horizon, the components of the
    rows after a series of `length` rows."""
    return components[(length + np.arange(horizon)) % len(components)]


def window_period(period: int, enabled: bool) -> int:
    """The period the windows see: 1 once the season is removed (`enabled` and period > 1),
    else `period` (the windows then carry the season themselves: `forecast_windows`)."""
    return 1 if enabled and period > 1 else period


def fit_seasons(z, period: int, enabled: bool) -> tuple[np.ndarray, int]:
    """(components (S, period, K) of the series z, a list of (T_i, K); `window_period`): with
    `enabled` and period > 1, each series' own components (zero where the test fails); else
    zeros."""
    if window_period(period, enabled) == period:
        return np.zeros((len(z), 1, z[0].shape[1])), period
    return np.stack([seasonal_components(series_z, period) for series_z in z]), 1


def future_seasons(components, lengths, horizon: int) -> np.ndarray:
    """(S, horizon, K): `season_ahead` of every series (0 for a model without components)."""
    if components is None:
        return 0.0
    return np.stack(
        [season_ahead(c, int(n), horizon) for c, n in zip(components, lengths, strict=True)]
    )
