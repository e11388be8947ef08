"""The named scores of `Forecaster.score`, from the metrics of `lstmkit.metrics`.

Each error has a plain name, which `Forecaster.score` returns as it is (lower is better, as
forecasters report it), and a "neg_" name, which it negates so that greater is better, as
scikit-learn's scorers ("neg_mean_absolute_error") do:

    mase        MASE per series and channel, scaled by that series' in-sample seasonal-naive
                MAE (kept at fit as `naive_error_`), then averaged
    smape       sMAPE over every forecast value (percent, 0-200)
    mape        MAPE over every forecast value (percent)
    mae         MAE over every forecast value
    rmse        RMSE over every forecast value
    msis        the interval score at the intervals' level per series and channel, scaled as
                MASE is, then averaged (the M4 competition's MSIS)
and, not an error, "coverage": the share of values inside the intervals (0-1).
"""

import numpy as np

from lstmkit import metrics

ERRORS = ("mase", "smape", "mape", "mae", "rmse", "msis")
SCORES = (*(f"neg_{name}" for name in ERRORS), *ERRORS, "coverage")
NEEDS_INTERVALS = ("msis", "coverage")


def needs_intervals(metric: str) -> bool:
    return metric.removeprefix("neg_") in NEEDS_INTERVALS


def forecast_score(metric: str, actual, forecast, naive_error, intervals=None) -> float:
    """The value `metric` names of forecast (S, h, K) against actual (S, h, K), negated for a
    "neg_" name; `intervals` (lower, upper, level) for msis and coverage."""
    name = metric.removeprefix("neg_")
    value = _value(name, actual, forecast, naive_error, intervals)
    return -value if metric.startswith("neg_") else value


def _value(name, actual, forecast, naive_error, intervals) -> float:
    if name == "mase":
        metrics.mae(actual, forecast)  # the shape and finiteness checks
        return _scaled(np.mean(np.abs(actual - forecast), axis=1), naive_error, name)
    if name == "msis":
        lower, upper, level = intervals
        per_series = [
            [
                metrics.interval_score(actual[s, :, k], lower[s, :, k], upper[s, :, k], level)
                for k in range(actual.shape[2])
            ]
            for s in range(len(actual))
        ]
        return _scaled(np.array(per_series), naive_error, name)
    if name == "coverage":
        lower, upper, _ = intervals
        return metrics.coverage(actual, lower, upper)
    error = {
        "smape": metrics.smape,
        "mape": metrics.mape,
        "mae": metrics.mae,
        "rmse": metrics.rmse,
    }[name]
    return error(actual, forecast)


def _scaled(per_series, naive_error, name) -> float:
    """The mean over series and channels of per_series (S, K) / naive_error (S, K)."""
    if naive_error is None:
        raise ValueError(
            f"metric {name!r} needs the training series' seasonal-naive error, which this "
            "model (saved before lstmkit kept it) lacks; use another metric or refit"
        )
    if not np.all(np.isfinite(naive_error)):
        raise ValueError(
            f"metric {name!r} is undefined for a series no longer than its period or constant "
            "at it; use another metric"
        )
    return float(np.mean(per_series / naive_error))
