"""The named scores of `Forecaster.score`, from the metrics of `lstmkit.metrics`.

Each score is an error (`lstmkit.metrics`' definitions), which `Forecaster.score` negates
so that greater is better, as scikit-learn's scorers ("neg_mean_absolute_error") do:

    neg_mase    MASE per series and channel, scaled by that series' in-sample seasonal-naive
                MAE (kept at fit as `naive_error_`), then averaged
    neg_smape   sMAPE over every forecast value (percent, 0-200)
    neg_mape    MAPE over every forecast value (percent)
    neg_mae     MAE over every forecast value
    neg_rmse    RMSE over every forecast value
"""

import numpy as np

from lstmkit import metrics

SCORES = ("neg_mase", "neg_smape", "neg_mape", "neg_mae", "neg_rmse")


def forecast_score(metric: str, actual, forecast, naive_error) -> float:
    """The error `metric` names of forecast (S, h, K) against actual (S, h, K)."""
    if metric == "neg_mase":
        return _mase(actual, forecast, naive_error)
    error = {
        "neg_smape": metrics.smape,
        "neg_mape": metrics.mape,
        "neg_mae": metrics.mae,
        "neg_rmse": metrics.rmse,
    }[metric]
    return error(actual, forecast)


def _mase(actual, forecast, naive_error) -> float:
    if naive_error is None:
        raise ValueError(
            "metric 'neg_mase' needs the training series' seasonal-naive error, which this "
            "model (saved before lstmkit kept it) lacks; use another metric or refit"
        )
    if not np.all(np.isfinite(naive_error)):
        raise ValueError(
            "metric 'neg_mase' is undefined for a series no longer than its period or constant "
            "at it; use another metric"
        )
    # one MAE per (series, channel), each over its own seasonal-naive scale
    metrics.mae(actual, forecast)  # the shape and finiteness checks
    per_series = np.mean(np.abs(actual - forecast), axis=1) / naive_error
    return float(np.mean(per_series))
