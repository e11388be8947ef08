"""Seasonal period detection, and the seasonal-naive anchor a forecast is measured from."""

import numpy as np


def detect_period(z, max_period=None) -> int:
    """The seasonal period of z, or 1 when there is none.

    The autocorrelation of the series, less its least-squares quadratic trend, is computed
    for lags 1..max_period (detrending rather than differencing, which would drown a weekly
    series' yearly cycle in step-to-step noise); among its local peaks (higher than both
    neighbours, so the slow decay after lag 1 of a smooth series does not count), the period
    is the SHORTEST whose height comes within 90 % of the highest peak (multiples of the
    period score almost as high and must not win), provided that highest peak exceeds 0.3.
    """
    z = np.asarray(z, dtype=np.float64)
    if len(z) < 6:  # no season can be seen in fewer than two cycles of at least 3 values
        return 1
    t = np.arange(len(z), dtype=np.float64)
    d = z - np.polyval(np.polyfit(t, z, 2), t)
    max_period = max_period or min(len(d) // 3, 400)
    if max_period < 2 or not np.any(d):
        return 1
    denominator = float(d @ d)
    acf = np.array([float(d[:-lag] @ d[lag:]) / denominator for lag in range(1, max_period + 2)])
    lags = np.arange(2, max_period + 1)  # acf[lag - 1] is the autocorrelation at `lag`
    peaks = lags[(acf[lags - 1] > acf[lags - 2]) & (acf[lags - 1] >= acf[lags])]
    if len(peaks) == 0 or acf[peaks - 1].max() <= 0.3:
        return 1
    return int(peaks[acf[peaks - 1] >= 0.9 * acf[peaks - 1].max()][0])


def seasonal_anchor(windows: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """The seasonal-naive forecast of each window: for future step h (1..horizon), the last
    value the window holds at the same position in the season,
    `anchor[h] = window[L - 1 + h - period * ceil(h / period)]`.

    windows: (N, L, K) with L >= period. Returns (N, horizon, K). With period 1 this is the
    last value (the naive forecast).
    """
    steps = np.arange(1, horizon + 1)
    back = period * np.ceil(steps / period).astype(np.int64)
    return windows[:, windows.shape[1] - 1 + steps - back]
