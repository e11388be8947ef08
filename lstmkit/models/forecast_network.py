"""The Forecaster's networks: an LSTM over the window, a Gaussian per future step and channel.

    y, _  = LSTM(x)                    x: (N, L, 2K + C) window inputs (forecast_windows)
    u     = [y_{L-1}, future]          last state, then the horizon's known covariates (H * C)
    out   = u W^T + b                  (N, 2 * H * K): means, then log-variances
    mean  = out[:, :H*K],  var = exp(out[:, H*K:])   (log-variance clipped to [-10, 10])

trained with the Gaussian negative log-likelihood of the targets (`loss="gaussian"`), or
(`loss="l1"`) with the means trained on the absolute error, a median's loss, and the variances
on the Gaussian likelihood around those means (the means' gradient from the likelihood
dropped):

    loss = mean |mean - y| + NLL(y | stop_gradient(mean), var)

The targets are in units of each series' typical change (`forecast_windows`), so the absolute
error is a MASE-like, scale-free loss. An ensemble averages
several such networks (different seeds) as a mixture: mean of the means, and variance = mean
of the variances + variance of the means.
"""

import numpy as np

from lstmkit.losses import gaussian_nll, mae
from lstmkit.models.sequence_ensemble import member_seed
from lstmkit.module import Module
from lstmkit.nn.linear import Linear
from lstmkit.nn.pooling import LastStep
from lstmkit.random import spawn
from lstmkit.recurrent import LSTM
from lstmkit.training import StepResult
from lstmkit.validation import check_array, resolve_dtype

LOG_VAR_LIMIT = 10.0
COMBINES = ("mean", "median")  # how an ensemble's members' means are combined


class ForecastNetwork(Module):
    """LSTM over a window -> last state (+ future covariates) -> (mean, log-variance).

    `dtype`: "float32" (default) or "float64", of every parameter and output; a file saved
    before the argument existed has no dtype in its config and loads as float32.
    """

    def __init__(
        self,
        input_size,
        horizon,
        outputs=1,
        future_size=0,
        hidden_size=32,
        dtype="float32",
        seed=None,
    ):
        super().__init__()
        self.input_size, self.horizon, self.outputs = input_size, horizon, outputs
        self.future_size, self.hidden_size = future_size, hidden_size
        self.dtype = resolve_dtype(dtype).name
        encoder_seed, head_seed = spawn(seed, 2)
        self.encoder = LSTM(input_size, hidden_size, dtype=dtype, seed=encoder_seed)
        self.last = LastStep()
        self.head = Linear(
            hidden_size + future_size, 2 * horizon * outputs, dtype=dtype, seed=head_seed
        )

    def forward(self, x, future=None):
        """out (N, 2 * H * K) for the window inputs x (N, L, input_size) and, when
        future_size > 0, the horizon's covariates future (N, future_size) (else None)."""
        y, _ = self.encoder(x)
        u = self.last(y)
        if self.future_size:
            u = np.concatenate([u, self._check_future(future, len(u))], axis=1)
        elif future is not None:
            raise ValueError(
                f"future must be None: the network has future_size=0; got an array of shape "
                f"{np.shape(future)}"
            )
        return self.head(u)

    def _check_future(self, future, batch: int) -> np.ndarray:
        shape = (batch, self.future_size)
        if future is None:
            raise ValueError(
                f"future must have shape {shape} (future_size={self.future_size}); got None"
            )
        return check_array(future, "future", shape, self.dtype)

    def backward(self, dout):
        du = self.head.backward(dout)[:, : self.hidden_size]
        self.encoder.backward(self.last.backward(du))

    def gaussian(self, x, future=None) -> tuple[np.ndarray, np.ndarray]:
        """(mean, var), each (N, H, K), in float64."""
        out = self.forward(x, future).astype(np.float64)
        size = self.horizon * self.outputs
        shape = (len(out), self.horizon, self.outputs)
        var = np.exp(np.clip(out[:, size:], -LOG_VAR_LIMIT, LOG_VAR_LIMIT))
        return out[:, :size].reshape(shape), var.reshape(shape)


class ForecastEnsemble(Module):
    """`members` ForecastNetworks, member k initialised from `member_seeds(seed, k)[0]`;
    outputs mixed."""

    def __init__(
        self,
        input_size,
        horizon,
        outputs=1,
        future_size=0,
        hidden_size=32,
        members=1,
        dtype="float32",
        seed=None,
    ):
        super().__init__()
        self.input_size, self.horizon, self.outputs = input_size, horizon, outputs
        self.future_size, self.hidden_size, self.members, self.seed = (
            future_size,
            hidden_size,
            members,
            seed,
        )
        self.dtype = resolve_dtype(dtype).name
        for k in range(members):
            network = ForecastNetwork(
                input_size,
                horizon,
                outputs,
                future_size,
                hidden_size,
                dtype=dtype,
                seed=member_seeds(seed, k)[0],
            )
            setattr(self, f"member{k}", network)

    def member(self, k) -> ForecastNetwork:
        return getattr(self, f"member{k}")

    def gaussian(self, x, future=None, combine="mean") -> tuple[np.ndarray, np.ndarray]:
        """The members' mixture as one Gaussian per output: (mean, var), each (N, H, K).

        combine "mean": the mixture's mean and variance, mean_k(m_k) and
        mean_k(v_k) + mean_k((m_k - mean)^2); "median": the members' median mean (robust to
        one member gone astray) and the spread around it, mean_k(v_k) + mean_k((m_k - c)^2)
        with c = median_k(m_k)."""
        if combine not in COMBINES:
            raise ValueError(f"combine must be one of {', '.join(COMBINES)}; got {combine!r}")
        outputs = [self.member(k).eval().gaussian(x, future) for k in range(self.members)]
        means = np.array([mean for mean, _ in outputs])
        variances = np.array([var for _, var in outputs])
        center = means.mean(axis=0) if combine == "mean" else np.median(means, axis=0)
        return center, variances.mean(axis=0) + ((means - center) ** 2).mean(axis=0)


def member_seeds(seed, k) -> tuple:
    """(network, shuffle): the seeds of member k's initialisation and of its batch shuffling,
    two children of `member_seed(seed, k)`, so that they never share a stream."""
    return tuple(spawn(member_seed(seed, k), 2))


LOSSES = ("gaussian", "l1")


def gaussian_step(network: ForecastNetwork, loss: str = "gaussian"):
    """The Trainer's step for a ForecastNetwork under `loss` (module doc). A batch's targets
    row holds the flattened targets (H * K) followed by the flattened future covariates
    (H * C)."""
    size = network.horizon * network.outputs
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")

    def step(batch, training):
        future = batch.y[:, size:] if network.future_size else None
        out = network.forward(batch.x, future)
        mean, log_var = out[:, :size], out[:, size:]
        var = np.exp(np.clip(log_var, -LOG_VAR_LIMIT, LOG_VAR_LIMIT))
        value, dmean, dvar = gaussian_nll(mean, var, batch.y[:, :size])
        if loss == "l1":
            absolute, dmean = mae(mean, batch.y[:, :size])
            value = value + absolute
        dlog_var = dvar * var * (np.abs(log_var) < LOG_VAR_LIMIT)
        dout = np.concatenate([dmean, dlog_var], axis=1).astype(out.dtype)
        return StepResult(float(value), len(batch.y), {}, backward=lambda: network.backward(dout))

    return step
