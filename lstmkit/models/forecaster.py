"""`Forecaster`: multi-step forecasts with prediction intervals from an LSTM.

How a series is prepared before the network sees it (the way practitioners do), and undone
after:

1. `log` (default "auto": when every value is positive) turns multiplicative seasonality and
   growth into additive ones.
2. Windows: the network reads `lookback` past values and predicts the next `horizon` values
   at once (direct multi-step output: one pass, no compounding of its own errors, and a
   variance per step). Each window is normalised by its own level, the mean of its last
   season (the last `period` values), and by the series' typical one-step change, so the
   network learns shapes, not levels, and the level of the future is carried by the window.
3. The seasonal period is given or detected from the autocorrelation of the differenced series.

The network is an LSTM over the window and a linear head giving, per future step, the mean
and log-variance of a Gaussian (trained with the Gaussian negative log-likelihood). Point
forecasts are the means; intervals are mean +- z * sd in the transformed space, mapped back
(with `log`, so asymmetric). Several networks with different seeds are averaged (`ensemble`),
which steadies forecasts learned from short series. The last windows of the series are held
out for early stopping; the ensemble is then refitted on all windows for the best number of
epochs.
"""

import math

import numpy as np

from lstmkit.data.sequences import SequenceData
from lstmkit.losses import gaussian_nll
from lstmkit.models.base import Estimator
from lstmkit.module import Module
from lstmkit.nn.linear import Linear
from lstmkit.nn.pooling import LastStep
from lstmkit.recurrent import LSTM
from lstmkit.training import StepResult, Trainer

MAX_WINDOWS = 600


class ForecastNetwork(Module):
    """LSTM over a window -> last state -> Linear to (mean, log-variance) per future step."""

    def __init__(self, horizon, hidden_size=32, seed=None):
        super().__init__()
        self.horizon, self.hidden_size = horizon, hidden_size
        self.encoder = LSTM(1, hidden_size, seed=seed)
        self.last = LastStep()
        self.head = Linear(hidden_size, 2 * horizon, seed=None if seed is None else seed + 1)

    def forward(self, x, lengths=None):
        y, _ = self.encoder(x, lengths=lengths)
        return self.head(self.last(y, lengths))

    def backward(self, dout):
        self.encoder.backward(self.last.backward(self.head.backward(dout)))


class ForecastEnsemble(Module):
    """Several ForecastNetworks whose Gaussian outputs are averaged."""

    def __init__(self, horizon, hidden_size=32, members=1, seed=None):
        super().__init__()
        self.horizon, self.hidden_size, self.members, self.seed = (
            horizon,
            hidden_size,
            members,
            seed,
        )
        for k in range(members):
            setattr(
                self,
                f"member{k}",
                ForecastNetwork(horizon, hidden_size, None if seed is None else seed + 10 * k),
            )

    def member(self, k) -> ForecastNetwork:
        return getattr(self, f"member{k}")


class Forecaster(Estimator):
    """Forecast one series (univariate) `horizon` steps ahead with intervals.

    Args:
        horizon: steps predicted at once (predict accepts up to this many).
        period: the seasonal period (None: detected; 1: no seasonality).
        lookback: window length (None: 3 periods, at least 12).
        log: "auto", True or False (see the module docstring).
        hidden_size, lr, epochs, batch_size, patience: the networks and their training.
        ensemble: how many networks (different seeds) are averaged.
        level: the default coverage of the prediction intervals (0.95).
        seed, verbose: reproducibility and progress output.
    """

    _fitted_json = ("period_", "lookback_", "log_", "scale_", "n_epochs_")
    _fitted_arrays = ("history_values_",)

    def __init__(
        self,
        horizon=12,
        period=None,
        lookback=None,
        log="auto",
        hidden_size=32,
        lr=3e-3,
        epochs=300,
        batch_size=32,
        patience=30,
        ensemble=5,
        level=0.95,
        seed=None,
        verbose=0,
    ):
        self.horizon = horizon
        self.period = period
        self.lookback = lookback
        self.log = log
        self.hidden_size = hidden_size
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.patience = patience
        self.ensemble = ensemble
        self.level = level
        self.seed = seed
        self.verbose = verbose

    # ---- fitting ------------------------------------------------------------------------------

    def fit(self, series) -> "Forecaster":
        x = np.asarray(series, dtype=np.float64)
        if x.ndim == 2 and x.shape[1] == 1:
            x = x[:, 0]
        if x.ndim != 1 or not np.all(np.isfinite(x)):
            raise ValueError(f"series must be a finite (T,) or (T, 1) array; got {x.shape}")
        self.log_ = bool(np.all(x > 0)) if self.log == "auto" else bool(self.log)
        if self.log_ and np.any(x <= 0):
            raise ValueError("log=True needs every value of series to be positive")
        z = np.log(x) if self.log_ else x
        self.period_ = int(self.period) if self.period else detect_period(z)
        self.lookback_ = int(self.lookback or max(3 * self.period_, 12))
        windows = len(z) - self.lookback_ - self.horizon + 1
        if windows < 8:
            raise ValueError(
                f"series of length {len(z)} is too short for lookback {self.lookback_} and "
                f"horizon {self.horizon}: it gives {windows} training windows (need 8)"
            )
        self.scale_ = float(np.std(np.diff(z)) or 1.0)
        self.history_values_ = z[-self.lookback_ :].copy()
        inputs, targets = self._windows(z)
        held = max(1, len(inputs) // 10)
        epochs = self._best_epochs(inputs, targets, held)
        self.n_epochs_ = epochs
        self.network_ = ForecastEnsemble(self.horizon, self.hidden_size, self.ensemble, self.seed)
        everything = SequenceData(list(inputs), targets)
        for k in range(self.ensemble):
            member = self.network_.member(k)
            Trainer(
                lr=self.lr,
                epochs=epochs,
                batch_size=self.batch_size,
                verbose=self.verbose,
                seed=self._member_seed(k),
            ).fit(member, self._step_for(member), everything)
        return self

    def _member_seed(self, k):
        return None if self.seed is None else self.seed + 10 * k

    def _best_epochs(self, inputs, targets, held) -> int:
        """Epochs that minimise the loss on the last `held` windows (first member's seed)."""
        probe = ForecastNetwork(self.horizon, self.hidden_size, self._member_seed(0))
        train = SequenceData(list(inputs[:-held]), targets[:-held])
        validation = SequenceData(list(inputs[-held:]), targets[-held:])
        history = Trainer(
            lr=self.lr,
            epochs=self.epochs,
            batch_size=self.batch_size,
            patience=self.patience,
            verbose=self.verbose,
            seed=self._member_seed(0),
        ).fit(probe, self._step_for(probe), train, validation)
        return int(np.argmin(history["val_loss"])) + 1

    def _windows(self, z):
        """Every window (input, target) of the series, or, for long series, every `stride`-th
        one counted back from the most recent, so that at most MAX_WINDOWS are trained on
        (overlapping windows of a long series say nearly the same thing; the cost is linear
        in their number)."""
        L, H = self.lookback_, self.horizon
        count = len(z) - L - H + 1
        stride = -(-count // MAX_WINDOWS)
        starts = np.arange(count - 1, -1, -stride)[::-1]
        inputs = np.stack([z[i : i + L] for i in starts])
        targets = np.stack([z[i + L : i + L + H] for i in starts])
        level = self._level(inputs)
        return (
            ((inputs - level) / self.scale_)[..., None].astype(np.float32),
            ((targets - level) / self.scale_).astype(np.float32),
        )

    def _level(self, windows):
        return windows[:, -self.period_ :].mean(axis=1, keepdims=True)

    @staticmethod
    def _step_for(network):
        def step(batch, training):
            out = network.forward(batch.x, batch.lengths)
            horizon = out.shape[1] // 2
            mean, log_var = out[:, :horizon], out[:, horizon:]
            var = np.exp(np.clip(log_var, -10, 10))
            loss, dmean, dvar = gaussian_nll(mean, var, batch.y)
            dlog_var = dvar * var * (np.abs(log_var) < 10)
            dout = np.concatenate([dmean, dlog_var], axis=1).astype(out.dtype)
            return StepResult(
                float(loss), len(batch.y), {}, backward=lambda: network.backward(dout)
            )

        return step

    # ---- prediction ---------------------------------------------------------------------------

    def predict(self, horizon=None, level=None, return_intervals=False):
        """Point forecasts for the next `horizon` steps after the training series (default:
        the fitted horizon); with `return_intervals`, also (lower, upper) at `level`."""
        self._check_fitted()
        horizon = self.horizon if horizon is None else int(horizon)
        if not 1 <= horizon <= self.horizon:
            raise ValueError(
                f"horizon must lie in 1..{self.horizon} (the fitted horizon); got {horizon}"
            )
        window = self.history_values_[None, :]
        level_value = self._level(window)
        x = ((window - level_value) / self.scale_)[..., None].astype(np.float32)
        means, variances = [], []
        for k in range(self.ensemble):
            out = self.network_.member(k).eval().forward(x).astype(np.float64)[0]
            means.append(out[: self.horizon])
            variances.append(np.exp(np.clip(out[self.horizon :], -10, 10)))
        means, variances = np.array(means), np.array(variances)
        mean = means.mean(axis=0)
        var = variances.mean(axis=0) + means.var(axis=0)  # mixture of the members' Gaussians
        center = level_value[0, 0] + self.scale_ * mean[:horizon]
        forecast = np.exp(center) if self.log_ else center
        if not return_intervals:
            return forecast
        z = _normal_quantile(0.5 + (self.level if level is None else level) / 2)
        spread = z * self.scale_ * np.sqrt(var[:horizon])
        lower, upper = center - spread, center + spread
        if self.log_:
            lower, upper = np.exp(lower), np.exp(upper)
        return forecast, lower, upper


def detect_period(z, max_period=None) -> int:
    """The seasonal period of z, or 1 when there is none.

    The autocorrelation of the series, less its least-squares quadratic trend, is computed
    for lags 1..max_period (detrending rather than differencing, which would drown a weekly
    series' yearly cycle in step-to-step noise); among
    its local peaks (higher than both neighbours, so the slow decay after lag 1 of a smooth
    series does not count), the period is the SHORTEST whose height comes within 90 % of the
    highest peak (multiples of the period score almost as high and must not win), provided
    that highest peak exceeds 0.3.
    """
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


def _normal_quantile(p: float) -> float:
    """Inverse of the standard normal CDF by bisection on math.erf (accurate to 1e-12)."""
    low, high = -10.0, 10.0
    for _ in range(80):
        middle = (low + high) / 2
        if 0.5 * (1 + math.erf(middle / math.sqrt(2))) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2
