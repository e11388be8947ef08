"""The Forecaster's series, read for fit one at a time, never all at once (issue 18).

`fit` takes the series as arrays (a list of them is held in memory as float64) or as one
padded array with `lengths` (`np.load(path, mmap_mode="r")` then stays on disk: its series
are views of the file). Everything fit learns of the series comes from passes that hold one
series at a time, as float64 (z: after the optional log):

    pass        reads                               gives
    finite      each series of a padded array       an error naming series[i], row and column
    positive    each series, up to a value <= 0     whether log="auto" takes the log
    period      the longest series                  its seasonal period (first channel)
    statistics  each series                         scale_ (its typical one-step change of
                                                    z), naive_error_ (MASE's scale) and its
                                                    last `lookback` rows of z (history_)

After each series a memory-mapped one's pages are given back (`data.memmap_pages`), so the
process's resident memory holds about one series, not the file. The training windows are
cut from the series batch by batch (`forecast_window_data`).
"""

import numpy as np

from lstmkit.data.memmap_pages import released_one_by_one
from lstmkit.metrics import seasonal_naive_error
from lstmkit.models.forecast_transforms import fit_seasons, remove_season
from lstmkit.models.forecast_windows import _as_2d  # the finite check of every series
from lstmkit.models.sequence_input import padded_views


def padded_series(series, lengths, name: str = "series") -> tuple[list, str]:
    """(views, kind): `series` padded (S, T) or (S, T, K) with `lengths` (S,) valid steps, as
    one (T_i, K) view per series, checked finite; kind "vectors" for (S, T), else "matrices".
    A memory-mapped float array is not copied (its views stay on disk); anything else is
    converted to float64 first, as a list of series is."""
    views = padded_views(series, lengths, name=name)
    for index, view in enumerate(released_one_by_one(views)):
        _as_2d(view, f"{name}[{index}]")
    return views, "vectors" if np.ndim(series) == 2 else "matrices"


def all_positive(values) -> bool:
    """Whether every value of every series is > 0 (read up to the first that is not)."""
    return all(bool(np.all(v > 0)) for v in released_one_by_one(values))


def transformed(values, log: bool) -> np.ndarray:
    """One series (or some of its rows) as float64 z: its log under `log`."""
    values = np.asarray(values, dtype=np.float64)
    return np.log(values) if log else values


def series_statistics(values, log: bool, period: int, deseasonalise: bool, last_window):
    """(scale (S, K), naive_error (S, K), history (S, L, K), seasonal (S, m, K)), one series
    read at a time: each series' seasonal components (`forecast_transforms.fit_seasons`),
    then of its z less them: its typical one-step change and `last_window(z)`; and the
    in-sample error of its seasonal-naive forecast (of the values themselves)."""
    scale, naive, history, seasonal = [], [], [], []
    for view in released_one_by_one(values):
        series = np.asarray(view, dtype=np.float64)
        z = transformed(series, log)
        components = fit_seasons([z], period, deseasonalise)[0][0]
        z = remove_season(z, components)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused by fit
            scale.append(typical_change(z))
        naive.append(naive_error(series, period))
        history.append(last_window(z).copy())  # a view would keep all of z alive
        seasonal.append(components)
    return np.array(scale), np.array(naive), np.stack(history), np.stack(seasonal)


def naive_error(values, period: int) -> np.ndarray:
    """The in-sample mean absolute error of the seasonal-naive forecast x_t = x_{t-period} per
    channel: MASE's scale, kept so that a saved model can score forecasts of what follows its
    series (NaN where it is undefined: a series no longer than the period, or 0)."""
    if len(values) <= period:
        return np.full(values.shape[1], np.nan)
    error = seasonal_naive_error(values, period)
    return np.where(error > 0, error, np.nan)


def typical_change(z) -> np.ndarray:
    """The standard deviation of the one-step changes per channel (1 where it is 0)."""
    change = np.std(np.diff(z, axis=0), axis=0) if len(z) > 1 else np.zeros(z.shape[1])
    return np.where(change > 0, change, 1.0)
