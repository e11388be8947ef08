"""`Forecaster`: multi-step forecasts with prediction intervals from an LSTM, for one or many
series, univariate or multivariate, with optional known covariates.

How the data are prepared before the network sees them (the way practitioners do), and undone
after (details and equations in `forecast_windows`):

1. `log` (default "auto": when every value is positive) turns multiplicative seasonality and
   growth into additive ones.
2. The seasonal period is given or detected (`seasonality.detect_period`, on the longest
   series' first channel).
3. Windows: the network reads `lookback` past rows (default two seasons, at least 12, but
   shortened when the longest series is short: see "Short series" below) and predicts the
   next `horizon` rows at once. Each window is normalised by its own level (the mean of its
   last season) and by the series' typical one-step change, and also carries its
   seasonal differences (the recent growth); the target is the future measured from the
   seasonal-naive forecast (the last value at the same point of the season). So the network
   learns how the coming season differs from the last one: shapes, not levels.

Short series are forecast, never refused. The default lookback is shortened so that the
longest series still gives 8 training windows (never below the period: a lone 14-value yearly
series with horizon 6 is read through a window of 1). A series shorter than the lookback is
padded at its start for its forecast, by `forecast_windows.pad_start` (its first season
repeated backwards: the level and shape of its start, no growth). A series shorter than
lookback + horizon gives no training window, unless all the series together give fewer than 8:
then each is padded so to give one.

Multi-step output is DIRECT, the default and the only mode: one pass gives all `horizon`
steps, so the network's errors do not compound as they do when its own forecasts are fed
back (recursive), and each step gets its own variance. Many series are fitted by one global
network on the windows of all of them (the normalisation makes them comparable); K channels
are forecast jointly, every channel seeing every other. Known covariates (calendar effects,
prices, promotions: anything known in advance) are read for the window's rows and, for the
horizon, given to `predict` as `future_covariates`.

Prediction intervals come from a Gaussian likelihood head: per future step and channel a mean
and a variance, trained with the Gaussian negative log-likelihood; intervals are
mean +- z * sd in the transformed space, mapped back (so asymmetric under `log`). Several
networks with different seeds are averaged as a mixture (`ensemble`), which steadies
forecasts learned from short series. The last windows of each series (a tenth) are held out
to choose the number of epochs by early stopping; the ensemble is then refitted on all
windows for that many epochs, so the most recent data are learned from too.
"""

from functools import partial

import numpy as np

from lstmkit.models.base import Estimator
from lstmkit.models.dated_series import (
    FormCheck,
    check_covariate_index,
    check_restored_forms,
    evaluation_dates,
    undress,
)
from lstmkit.models.fitted_state import Numbers, Value
from lstmkit.models.forecast_defaults import default_lookback, deseasonalise_for, windows_for
from lstmkit.models.forecast_network import (
    COMBINES,
    LOSSES,
    ForecastEnsemble,
    ForecastNetwork,
    gaussian_step,
    member_seeds,
)
from lstmkit.models.forecast_prediction import ForecastPredictions, _normal_quantile  # noqa: F401
from lstmkit.models.forecast_restore import check_restored_forecaster
from lstmkit.models.forecast_series import (
    all_positive,
    padded_series,
    series_statistics,
    transformed,
)
from lstmkit.models.forecast_transforms import window_period
from lstmkit.models.forecast_window_data import MIN_WINDOWS, WindowSource, window_sets
from lstmkit.models.forecast_windows import (
    as_covariate_list,
    as_series_list,
    pad_start,
)
from lstmkit.models.hyperparameters import Choice, Flag, Integer, Real, Text, declare
from lstmkit.models.member_fits import MemberFit, train_members
from lstmkit.models.panel import (
    PanelCheck,
    check_restored_panel,
    split_panel,
)
from lstmkit.models.seasonality import detect_period
from lstmkit.models.sequence_input import padded_views
from lstmkit.training import Trainer
from lstmkit.training.ranks import check_distributed
from lstmkit.validation import check_spread

__all__ = ["Forecaster", "detect_period"]


class Forecaster(ForecastPredictions, Estimator):
    """Forecast one or many series `horizon` steps ahead, with intervals.

    Args:
        horizon: steps predicted at once (predict accepts up to this many).
        period: the seasonal period (None: detected; 1: no seasonality).
        lookback: window length (None: two periods, at least 12, or 20 for seasonal series).
        log: "auto", True or False (see the module docstring).
        hidden_size, lr, epochs, batch_size, patience: the networks and their training.
        deseasonalise: remove each series' seasonal components (where a seasonality test passes)
            before the windows and add them back to the forecasts (`forecast_transforms`);
            "auto" (default): when more than one series is fitted (`forecast_defaults`).
        loss: "gaussian" (the likelihood trains means and variances) or "l1" (the absolute
            error trains the means; `forecast_network`).
        ensemble: how many networks (different seeds) are combined, as a mixture whose center
            is the members' mean or median (`combine`: "mean" or "median").
        max_windows: at most this many training windows (every k-th of a long series; nearby
            windows of a long series say nearly the same thing and cost grows with their number);
            None (default): 20000 for many seasonal series, else 600 (`forecast_defaults`).
        level: the default coverage of the prediction intervals (0.95).
        seed, verbose: reproducibility and progress output.
        n_jobs: how many members train at once, as in scikit-learn (None or 1: one after
            another in this process; -1: every core; a Dask cluster under
            `joblib.parallel_backend("dask")`: docs/scaling.md); the same forecasts, bit for
            bit, for every n_jobs. The epoch-choosing fit before them runs alone.
        distributed: None (default) or "mpi": under `mpiexec -n K` the epoch-choosing fit
            and every member train on all K ranks, each taking `batch_size` windows of every
            global batch of K * batch_size (`lstmkit.training.ranks`); members one after
            another (n_jobs None or 1), `seed` an int. Every rank ends with the same model.

    `fit(series, covariates=None)`: `series` is a (T,) array, a (T, K) array of K channels, or
    a list of such arrays (many series, any lengths, the same K); `covariates` the matching
    (T, C) array (or list) of known inputs. `predict` returns arrays shaped as the series were
    given: (h,), (h, K), or a list of those. `fit(panel, lengths=lengths)` takes many series
    as one padded (S, T) or (S, T, K) array, a memory-mapped one included, which is then never
    copied whole (see `fit`; docs/scaling.md).

    Panels fit too (`models.panel`): a long pandas DataFrame (columns `id_col`, `time_col`,
    `target_col`, by default "unique_id", "ds", "y", the other columns covariates), or a dict
    {id: series}; `predict` then answers with a long DataFrame (columns unique_id, ds,
    lstmkit, and lstmkit-lo-95, lstmkit-hi-95 with intervals) or a dict.

    Dated series fit too: a pandas Series (DatetimeIndex, PeriodIndex or RangeIndex), a
    DataFrame (its columns one series of K channels), lstmkit's `Series` (`read_csv_series`,
    `load_airline`) or a list of those; `predict` then returns the same kind of object indexed
    by the dates that follow (layouts, intervals included, in `models.dated_series`). The
    numbers are those fitted on the values alone.
    """

    hyperparameters = declare(
        "hidden_size",
        "lr",
        "epochs",
        "batch_size",
        "patience",
        "seed",
        "verbose",
        "n_jobs",
        "distributed",
        horizon=Integer(low=1),
        period=Integer(low=1, none_ok=True),
        lookback=Integer(low=1, none_ok=True),
        log=Choice("auto", True, False),
        deseasonalise=Choice("auto", True, False),
        loss=Choice(*LOSSES),
        combine=Choice(*COMBINES),
        ensemble=Integer(low=1),
        max_windows=Integer(low=1, none_ok=True),
        level=Real(low=0, high=1, low_open=True, high_open=True),
    )
    fitted_state = {
        "period_": Value(Integer(low=1)),
        # deseasonalise (forecast_transforms): each series' seasonal components of z (S, m, K),
        # its length (S,) and the period its windows see (1 once deseasonalised); absent
        # (None) in files saved before
        "seasonal_": Numbers(since_files=True),
        "lengths_": Numbers(since_files=True),
        "window_period_": Value(Integer(low=1), since_files=True),
        "lookback_": Value(Integer(low=1)),
        "log_": Value(Flag()),
        "n_epochs_": Value(Integer(low=0)),
        "input_kind_": Value(Choice("vector", "matrix", "vectors", "matrices")),
        "scale_": Numbers(),
        "history_": Numbers(),
        "history_covariates_": Numbers(),
        "covariate_mean_": Numbers(),
        "covariate_scale_": Numbers(),
        # None: no MASE for a model saved before it was kept
        "naive_error_": Numbers(since_files=True, nan_ok=True),
        # the series' last date and the usual step between dates (a count of the date's unit),
        # by which lstmkit evaluate finds the values dated after the training data: set by fit
        # for one series dated in NumPy's terms (models.dated_series.evaluation_dates), by
        # lstmkit forecast from its CSV's dates, else None
        "end_date_": Value(Text(none_ok=True), since_files=True),
        "date_step_": Value(Integer(low=1, none_ok=True), since_files=True),
        # how the series came (pandas Series / DataFrame, lstmkit Series) and where their
        # indexes end, one form per series (models.dated_series): predict dresses its
        # forecasts so; None for plain arrays (and files saved before it was kept)
        "index_form_": Value(FormCheck(), since_files=True),
        # a long DataFrame's or a dict's ids and columns (models.panel); None otherwise
        "panel_": Value(PanelCheck(), since_files=True),
    }
    estimator_type = None  # a forecaster: fit(series), predict(horizon)
    input_kind = "series"
    requires_y = False

    def __init__(
        self,
        horizon=12,
        period=None,
        lookback=None,
        log="auto",
        deseasonalise="auto",
        loss="gaussian",
        combine="mean",
        hidden_size=32,
        lr=3e-3,
        epochs=300,
        batch_size=32,
        patience=30,
        ensemble=5,
        max_windows=None,
        level=0.95,
        seed=None,
        n_jobs=None,
        verbose=0,
        distributed=None,
    ):
        self.horizon = horizon
        self.period = period
        self.lookback = lookback
        self.log = log
        self.deseasonalise = deseasonalise
        self.loss = loss
        self.combine = combine
        self.hidden_size = hidden_size
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.patience = patience
        self.ensemble = ensemble
        self.max_windows = max_windows
        self.level = level
        self.seed = seed
        self.n_jobs = n_jobs
        self.distributed = distributed
        self.verbose = verbose

    # ---- fitting ------------------------------------------------------------------------------

    def fit(
        self,
        series,
        covariates=None,
        *,
        lengths=None,
        id_col="unique_id",
        time_col="ds",
        target_col="y",
    ) -> "Forecaster":
        """Fit to `series` (see the class doc); id_col, time_col and target_col name the
        columns of a long DataFrame.

        With `lengths` (S,), `series` is one padded array of S series: (S, T) of one channel
        or (S, T, K) of K, series i being its first lengths[i] rows; `covariates` then a
        padded (S, T, C) array (or a list) cut by the same lengths. A memory-mapped array
        (`np.load(path, mmap_mode="r")`) is never loaded or copied whole: the series are read
        one at a time for their statistics (`forecast_series`) and each batch's windows as
        it is built (`forecast_window_data`); the model is the one the same series in memory
        give, bit for bit. predict then answers as for a list of series."""
        check_distributed(type(self).__name__, self.distributed, self.seed, self.n_jobs)
        if lengths is None:
            columns = (id_col, time_col, target_col)
            series, covariates, self.panel_ = split_panel(series, covariates, columns)
            plain, self.index_form_ = undress(series)
            values, self.input_kind_ = as_series_list(plain)
            self.end_date_, self.date_step_ = evaluation_dates(series)
        else:
            values, self.input_kind_ = padded_series(series, lengths)
            self.panel_ = self.index_form_ = self.end_date_ = self.date_step_ = None
            if covariates is not None and not isinstance(covariates, list | tuple):
                covariates = padded_views(covariates, lengths, name="covariates")
        covariate_list = as_covariate_list(covariates, [len(v) for v in values], "covariates")
        if lengths is None:
            check_covariate_index(series, covariates)
        self._choose_log(values)
        longest = transformed(values[int(np.argmax([len(v) for v in values]))], self.log_)
        self.period_ = int(self.period) if self.period else detect_period(longest[:, 0])
        self.lookback_ = self._lookback(len(longest))
        self._check_lengths()
        # deseasonalise (forecast_transforms): the period the windows see, then each series'
        # components, removed from its z before anything else is learned from it
        deseasonalise = deseasonalise_for(self.deseasonalise, len(values))
        self.window_period_ = window_period(self.period_, deseasonalise)
        self.lengths_ = np.array([len(v) for v in values])
        self.scale_, self.naive_error_, self.history_, self.seasonal_ = series_statistics(
            values, self.log_, self.period_, deseasonalise, self._last_window
        )
        check_spread(self.scale_, "series", "one-step changes (per series and channel)")
        stacked = np.concatenate(covariate_list)
        self.covariate_mean_ = stacked.mean(axis=0)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below
            spread = stacked.std(axis=0)
        check_spread(spread, "covariates", "columns")
        self.covariate_scale_ = np.where(spread > 0, spread, 1.0)
        covariate_list = [self._standardise_covariates(c) for c in covariate_list]
        self.history_covariates_ = np.stack([self._last_window(c) for c in covariate_list])
        train, validation, everything = self._window_sets(values, covariate_list)
        self.n_epochs_ = self._best_epochs(train, validation)
        self.network_ = ForecastEnsemble(members=self.ensemble, seed=self.seed, **self._shape())
        # every member's shuffling seed is fixed here, in member order, before any trains
        fits = [self._member_fit(k, everything) for k in range(self.ensemble)]
        # each member's per-epoch loss, kept (not saved) for the training curves of a report
        self.member_histories_ = train_members(self.network_, fits, self.n_jobs, self.verbose)
        return self

    def _member_fit(self, k, everything) -> MemberFit:
        """Member k's fit on all windows, for the epochs the probe chose."""
        trainer = dict(
            lr=self.lr,
            epochs=self.n_epochs_,
            batch_size=self.batch_size,
            verbose=self.verbose,
            seed=member_seeds(self.seed, k)[1],
            distributed=self.distributed,
        )
        step = partial(gaussian_step, loss=self.loss)  # a partial pickles, for n_jobs workers
        return MemberFit(self.network_.member(k), step, trainer, everything)

    def _choose_log(self, values) -> None:
        positive = all_positive(values)
        self.log_ = bool(positive) if self.log == "auto" else bool(self.log)
        if self.log_ and not positive:
            raise ValueError("log=True needs every value of series to be positive")

    def _lookback(self, longest: int) -> int:
        """The given lookback; by default `forecast_defaults.default_lookback` (two periods, at
        least 12, or 20 for seasonal series), shortened (not below the period) so that the
        longest series gives MIN_WINDOWS windows."""
        if self.lookback:
            return int(self.lookback)
        room = longest - self.horizon - (MIN_WINDOWS - 1)
        return max(min(default_lookback(self.period_), room), self.period_)

    def _check_lengths(self) -> None:
        if self.lookback_ < self.period_:
            raise ValueError(
                f"lookback must be at least the period ({self.period_}); got {self.lookback_}"
            )

    def _last_window(self, rows) -> np.ndarray:
        """The last `lookback_` rows, padded at the start when fewer (module doc)."""
        return pad_start(rows, self.lookback_, self._window_period())[-self.lookback_ :]

    def _window_period(self) -> int:
        """The period the windows see: 1 once deseasonalised (None: a file saved before)."""
        return self.window_period_ or self.period_

    def _standardise_covariates(self, covariates):
        return (covariates - self.covariate_mean_) / self.covariate_scale_

    def _shape(self) -> dict:
        channels = self.history_.shape[2]
        covariates = self.history_covariates_.shape[2]
        return dict(
            input_size=2 * channels + covariates,
            horizon=self.horizon,
            outputs=channels,
            future_size=self.horizon * covariates,
            hidden_size=self.hidden_size,
        )

    def _window_sets(self, values, covariate_list):
        """(train, validation, everything) windows of the series (`forecast_window_data`)."""
        source = WindowSource(
            values,
            covariate_list,
            self.scale_,
            self.log_,
            self.seasonal_,
            self._window_period(),
            self.lookback_,
            self.horizon,
        )
        windows = windows_for(self.max_windows, self.period_, len(values))
        return window_sets(source, windows)

    def _best_epochs(self, train, validation) -> int:
        """Epochs that minimise the loss on the held-out windows (first member's seed); the
        probe network's History is kept as `probe_history_` (None without held-out windows)."""
        self.probe_history_ = None
        if len(train) == 0 or len(validation) == 0:
            return self.epochs
        network_seed, shuffle_seed = member_seeds(self.seed, 0)
        probe = ForecastNetwork(seed=network_seed, **self._shape())
        history = Trainer(
            lr=self.lr,
            epochs=self.epochs,
            batch_size=self.batch_size,
            patience=self.patience,
            verbose=self.verbose,
            seed=shuffle_seed,
            distributed=self.distributed,
        ).fit(probe, gaussian_step(probe, self.loss), train, validation)
        self.probe_history_ = history
        return int(np.argmin(history["val_loss"])) + 1

    # ---- prediction ---------------------------------------------------------------------------

    def _check_restored(self) -> None:
        check_restored_forecaster(self)
        check_restored_forms(self.index_form_, self.history_.shape[0], self.history_.shape[2])
        check_restored_panel(self.panel_, self.history_.shape[0])
