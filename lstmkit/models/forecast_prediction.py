"""The Forecaster's answers once fitted: forecasts with intervals (`predict`, and
`predict_after` for series cut earlier or continued later) and their scores (`score`).

The network reads each series' last window (`history_`, z after the log and the seasonal
components) and gives, per future step and channel, a mean and a variance of the normalised
future; `forecast_windows.forecast_from` turns the mean back into z, the seasonal components
ahead are added back, and the interval is

    center +- q * scale * sqrt(var)        q: the standard normal's (1 + level) / 2 quantile

in z, mapped back by exp under `log` (so asymmetric there). The network reads at most
PREDICTED series at a time, so that predicting many series needs little memory.
"""

from statistics import NormalDist

import numpy as np

from lstmkit.models.dated_series import check_following, check_future_index, dress, undress
from lstmkit.models.forecast_score import SCORES, forecast_score, needs_intervals
from lstmkit.models.forecast_transforms import future_seasons, remove_season
from lstmkit.models.forecast_windows import (
    as_covariate_list,
    as_series_list,
    forecast_from,
    window_inputs,
)
from lstmkit.models.hyperparameters import Flag, Integer
from lstmkit.models.panel import join_panel, panel_items

PREDICTED = 1024  # series forecast at a time, at most (predict's work arrays grow with them)


class ForecastPredictions:
    """predict, predict_after and score of a fitted `Forecaster` (its base class)."""

    def predict(self, horizon=None, level=None, return_intervals=False, future_covariates=None):
        """Point forecasts for the next `horizon` steps after each training series (default:
        the fitted horizon), shaped as the series were given; with `return_intervals`, also
        (lower, upper) at `level`. With covariates at fit, `future_covariates` gives the
        fitted horizon's rows of them ((horizon, C), or a list with one per series).

        Series given dated (pandas, lstmkit Series) get their forecasts dated the same way,
        from the step after their last one; intervals then come as `models.dated_series`
        lays them out (a DataFrame with columns forecast, lower, upper for a pandas Series).
        A panel (long DataFrame, dict) gets its layout back (`models.panel`); its
        future_covariates come in the same layout."""
        self._check_fitted()
        if self.panel_ is not None and future_covariates is not None:
            covariates = (self.panel_["columns"] or [])[3:]
            future_covariates = panel_items(
                self.panel_, future_covariates, "future_covariates", covariates
            )
        parts = self._forecast(horizon, level, return_intervals, future_covariates)
        if self.index_form_ is not None:
            many = self.input_kind_ in ("vectors", "matrices")
            result = dress(self.index_form_, parts, many=many)
        else:
            shaped = tuple(self._shaped(part) for part in parts)
            result = shaped if return_intervals else shaped[0]
        if self.panel_ is None:
            return result
        return join_panel(self.panel_, result, self.level if level is None else level)

    def predict_after(self, series, horizon=None, level=None, return_intervals=False):
        """Forecasts of the steps after `series` by the fitted network, without refitting:
        `series` are the series given to fit (plain arrays, shaped as fit's values, the
        same number of series), cut earlier or continued later; each keeps its fitted scale.
        Answers as predict does for plain arrays. Rolling-origin backtests without refits
        (`models.backtest.cross_validation(refit=False)`) forecast so. A model fitted with
        covariates is refused (their future rows would be needed)."""
        self._check_fitted()
        if self.history_covariates_.shape[2]:
            raise ValueError(
                "predict_after needs a model fitted without covariates (it has no way to take "
                "their future rows); refit for each cut-off instead"
            )
        values, kind = as_series_list(series)
        shape = (self.input_kind_, len(self.history_), self.history_.shape[2])
        if (kind, len(values), values[0].shape[1]) != shape:
            raise ValueError(
                f"series must be shaped as the values given to fit ({shape[0]}, {shape[1]} "
                f"series of {shape[2]} channels); got {kind}, {len(values)} of "
                f"{values[0].shape[1]}"
            )
        if self.log_ and not all(np.all(v > 0) for v in values):
            raise ValueError("series must be positive: the model was fitted on their logarithm")
        z = [np.log(v) for v in values] if self.log_ else values
        if self.seasonal_ is not None:
            z = [remove_season(s, c) for s, c in zip(z, self.seasonal_, strict=True)]
        history = np.stack([self._last_window(series_z) for series_z in z])
        lengths = [len(series_z) for series_z in z]
        parts = self._forecast(horizon, level, return_intervals, None, history, lengths)
        shaped = tuple(self._shaped(part) for part in parts)
        return shaped if return_intervals else shaped[0]

    def _forecast(
        self, horizon, level, return_intervals, future_covariates, history=None, lengths=None
    ):
        """predict's forecasts as (S, h, K) arrays: [forecast], or [forecast, lower, upper],
        after the fitted series' last windows (or `history`, windows (S, L, K) of z after
        series of `lengths`)."""
        self._check_fitted()
        history = self.history_ if history is None else history
        lengths = self.lengths_ if lengths is None else lengths
        level = self.level if level is None else level
        expected = type(self).hyperparameters["level"].problem(level)  # the same range as fit's
        if expected is not None:
            raise ValueError(f"level must be {expected}; got {level!r}")
        horizon = self.horizon if horizon is None else horizon
        if Integer(low=1, high=self.horizon).problem(horizon) is not None:  # 2.7 is not 2
            raise ValueError(
                f"horizon must lie in 1..{self.horizon} (the fitted horizon); got {horizon!r}"
            )
        if Flag().problem(return_intervals) is not None:  # "no" would count as True
            raise ValueError(f"return_intervals must be True or False; got {return_intervals!r}")
        future = self._future_covariates(future_covariates)
        check_future_index(self.index_form_, future_covariates, self.horizon)
        # blocks of equal size (within one): a block of one series would go through
        # matrix-vector products, which round otherwise than the matrix products of the rest
        blocks = [
            self._z_forecast(history, future, lengths, horizon, slice(rows[0], rows[-1] + 1))
            for rows in np.array_split(np.arange(len(history)), -(-len(history) // PREDICTED))
        ]
        center, var = (np.concatenate(part) for part in zip(*blocks, strict=True))
        if not return_intervals:
            return [self._untransform(center)]
        z = _normal_quantile(0.5 + level / 2)
        spread = z * self.scale_[:, None, :] * np.sqrt(var)
        return [self._untransform(part) for part in (center, center - spread, center + spread)]

    def _z_forecast(self, history, future, lengths, horizon, rows):
        """(center, var), each (n, h, K), of z for the series `rows` (a slice): the network
        reads PREDICTED series at a time, so that its work arrays stay small however many
        series there are."""
        scale = self.scale_[rows, None, :]
        period = self._window_period()
        x = window_inputs(history[rows], self.history_covariates_[rows], scale, period)
        future = None if future is None else future[rows]
        mean, var = self.network_.gaussian(x, future, self.combine)
        center = forecast_from(history[rows], mean, scale, period)[:, :horizon]
        if self.seasonal_ is not None:  # None: a file saved before deseasonalise
            season = future_seasons(self.seasonal_[rows], np.asarray(lengths)[rows], horizon)
            center = center + season
        return center, var[:, :horizon]

    def score(self, y, metric="neg_mase", future_covariates=None, level=None) -> float:
        """Accuracy of the forecasts against `y`, the values that followed the training
        series (shaped as the series were given, over the first h <= horizon steps). A
        "neg_" metric is negated so that greater is better (scikit-learn's convention):
        "neg_mase" (default: MAE over the training series' in-sample seasonal-naive MAE,
        averaged over series and channels), "neg_smape", "neg_mape", "neg_mae", "neg_rmse",
        "neg_msis"; the same names without "neg_" give the error itself, as forecasters
        report it ("smape": lower is better); "coverage" the share of y inside the intervals.
        msis and coverage judge the intervals at `level` (default: the model's).
        Series fitted dated take `y` dated too (or plain): its dates must begin one step after
        the training series' end; a panel takes `y` in its layout (a long DataFrame with the
        id, time and target columns, or a dict)."""
        self._check_fitted()
        if metric not in SCORES:
            raise ValueError(f"metric must be one of {', '.join(SCORES)}; got {metric!r}")
        if self.panel_ is not None:
            target = (self.panel_["columns"] or [None] * 3)[2:3]
            y = panel_items(self.panel_, y, "y", target)
            if future_covariates is not None:
                covariates = (self.panel_["columns"] or [])[3:]
                future_covariates = panel_items(
                    self.panel_, future_covariates, "future_covariates", covariates
                )
        actual, kind = as_series_list(undress(y, "y")[0], "y")
        if self.index_form_ is not None:
            check_following(self.index_form_, y)
        if kind != self.input_kind_ or len(actual) != len(self.history_):
            raise ValueError(
                f"y must be shaped as the series given to fit ({self.input_kind_}, "
                f"{len(self.history_)} series); got {kind} with {len(actual)}"
            )
        steps = {len(a) for a in actual}
        if len(steps) != 1:
            raise ValueError(f"every series of y must cover the same steps; got {sorted(steps)}")
        if max(steps) > self.horizon:
            raise ValueError(
                f"y must cover at most the fitted horizon ({self.horizon} steps) after each "
                f"series; got {max(steps)} steps"
            )
        level = self.level if level is None else level
        intervals = needs_intervals(metric)
        forecast, *bounds = self._forecast(steps.pop(), level, intervals, future_covariates)
        bounds = (*bounds, level) if intervals else None
        return forecast_score(metric, np.stack(actual), forecast, self.naive_error_, bounds)

    def _future_covariates(self, future_covariates):
        series, covariates = len(self.history_), self.history_covariates_.shape[2]
        if covariates == 0:
            if future_covariates is not None:
                raise ValueError(
                    "future_covariates given, but the model was fitted without covariates"
                )
            return None
        if future_covariates is None:
            raise ValueError(
                f"future_covariates is required: the model was fitted with {covariates} "
                f"covariates; give their next {self.horizon} rows"
            )
        arrays = as_covariate_list(future_covariates, [self.horizon] * series, "future_covariates")
        if arrays[0].shape[1] != covariates:
            raise ValueError(
                f"future_covariates must have {covariates} columns; got {arrays[0].shape[1]}"
            )
        return np.stack([self._standardise_covariates(a).reshape(-1) for a in arrays])

    def _untransform(self, z):
        return np.exp(z) if self.log_ else z

    def _shaped(self, values):
        """(S, h, K) -> as the series were given."""
        if self.input_kind_ == "vector":
            return values[0, :, 0]
        if self.input_kind_ == "matrix":
            return values[0]
        if self.input_kind_ == "vectors":
            return [v[:, 0] for v in values]
        return list(values)


def _normal_quantile(p: float) -> float:
    """Inverse of the standard normal CDF (the interval's z for a central probability)."""
    return NormalDist().inv_cdf(p)
