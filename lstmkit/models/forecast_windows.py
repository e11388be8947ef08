"""The Forecaster's view of its data: series checked and shaped, and cut into windows.

Every series is held as a (T_i, K) float64 array (K target channels); known covariates as a
(T_i, C) array aligned with it row by row (C = 0 when there are none). A window starting at
row s reads rows s..s+L-1 (the lookback) and predicts rows s+L..s+L+H-1 (the horizon).

What the network sees of a window (z is the series after the optional log):
    level = mean of the window's last `period` rows                     (per channel)
    a_t   = (z_t - level) / scale                                       shape, not level
    d_t   = (z_t - z_{t-period}) / (scale * sqrt(period)), 0 for t < period   recent growth
    covariates of the window's rows, standardised                       known inputs
and, for the horizon, the future rows' covariates (known in advance by definition). The target
is the future measured from the seasonal-naive forecast, in units of `scale` (the series'
typical one-step change):
    y_h = (z_{L-1+h} - anchor_h) / scale     (anchor: `seasonality.seasonal_anchor`)
so the network learns how this season will differ from the last one (growth, a changed
shape) instead of re-learning the season itself.
"""

import numpy as np

from lstmkit.models.seasonality import seasonal_anchor
from lstmkit.validation import as_list, float_array


def as_series_list(series, name: str = "series") -> tuple[list[np.ndarray], str]:
    """`series` as a list of (T_i, K) float64 arrays, and how it was given:
    "vector" (one (T,) array), "matrix" (one (T, K)), "vectors" or "matrices" (a list).
    Errors call it `name`."""
    if isinstance(series, list | tuple) and len(series) and _is_array(series[0]):
        arrays = [float_array(s, f"{name}[{i}]") for i, s in enumerate(series)]
        items = [_as_2d(a, f"{name}[{i}]") for i, a in enumerate(arrays)]
        kind = "vectors" if arrays[0].ndim == 1 else "matrices"
        channels = {item.shape[1] for item in items}
        if len(channels) != 1:
            raise ValueError(
                f"every series of {name} must have the same number of channels; "
                f"got {sorted(channels)}"
            )
        return items, kind
    item = _as_2d(series, name)
    return [item], "vector" if np.ndim(series) == 1 else "matrix"


def _is_array(value) -> bool:
    """Whether an entry of a list is itself a series (so the list holds many series)."""
    return isinstance(value, list | tuple) or np.ndim(value) >= 1


def _as_2d(values, name: str) -> np.ndarray:
    array = float_array(values, name)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty (T,) or (T, K) array; got {array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} must be finite; got {array[row, column]} at row {row}, column {column} "
            "(fill or drop missing values first, e.g. read_csv_series(..., missing=...))"
        )
    return array


def as_covariate_list(covariates, lengths: list[int], name: str) -> list[np.ndarray]:
    """Covariates as one (T_i, C) array per series (C = 0 when None); T_i must match."""
    if covariates is None:
        return [np.zeros((length, 0)) for length in lengths]
    many = len(lengths) > 1 or isinstance(covariates, list)
    given = as_list(covariates, name, "one array per series") if many else [covariates]
    if len(given) != len(lengths):
        raise ValueError(
            f"{name} must give one array per series ({len(lengths)}); got {len(given)}"
        )
    arrays = [_as_2d(c, f"{name}[{i}]" if len(lengths) > 1 else name) for i, c in enumerate(given)]
    for index, (array, length) in enumerate(zip(arrays, lengths, strict=True)):
        if len(array) != length:
            raise ValueError(
                f"{name} must have {length} rows (one per row of series {index}); got {len(array)}"
            )
    if len({a.shape[1] for a in arrays}) != 1:
        raise ValueError(f"every array of {name} must have the same number of columns")
    return arrays


def window_starts(length: int, lookback: int, horizon: int, stride: int) -> np.ndarray:
    """Starts of the windows of a series, every `stride`-th counted back from the last one."""
    last = length - lookback - horizon
    return np.arange(last, -1, -stride)[::-1]


def window_inputs(z, covariates, scale, period) -> np.ndarray:
    """Network inputs (N, L, 2K + C) float32 from windows z (N, L, K), their covariates
    (N, L, C) (already standardised) and the series' scale (N, 1, K)."""
    level = z[:, -period:].mean(axis=1, keepdims=True)
    shape = (z - level) / scale
    growth = np.zeros_like(z)
    growth[:, period:] = (z[:, period:] - z[:, :-period]) / (scale * np.sqrt(period))
    return np.concatenate([shape, growth, covariates], axis=2).astype(np.float32)


def window_targets(z_windows, z_future, scale, period) -> np.ndarray:
    """Targets (N, H, K): the future from the seasonal-naive anchor, in units of scale."""
    return (z_future - seasonal_anchor(z_windows, z_future.shape[1], period)) / scale


def forecast_from(z_windows, y, scale, period) -> np.ndarray:
    """Invert window_targets: z of the future (N, H, K) from network outputs y (N, H, K)."""
    return seasonal_anchor(z_windows, y.shape[1], period) + scale * y


def pad_start(values, length: int, period: int) -> np.ndarray:
    """`values` (T, K) lengthened to `length` rows by rows put before its first, each a copy of
    the first season's value at the same point of the season (period 1, or a series shorter
    than its period: the first value):

        padded[t] = values[t mod period]   for t < 0   (t counted from the first real row)

    so a short series reads as if its first season had repeated before it: the level and the
    seasonal shape of its start, no growth. Series already `length` long come back as they are.
    """
    missing = length - len(values)
    if missing <= 0:
        return values
    season = period if len(values) >= period else 1
    before = values[np.arange(-missing, 0) % season]
    return np.concatenate([before, values])
