"""The Forecaster's losses (forecast_network.gaussian_step): the value and the head's bias
gradient of loss="l1" (absolute error for the means, Gaussian likelihood for the variances
around them) written out by hand, and "gaussian" left as it was."""

import numpy as np
import pytest

from lstmkit.data.sequences import SequenceData
from lstmkit.models.forecast_network import ForecastNetwork, gaussian_step


def batch_and_network():
    rng = np.random.default_rng(0)
    network = ForecastNetwork(input_size=2, horizon=3, hidden_size=4, dtype="float64", seed=0)
    # values float32 holds exactly (a batch may be kept in float32)
    x = rng.standard_normal((5, 6, 2)).astype(np.float32).astype(np.float64)
    y = rng.standard_normal((5, 3)).astype(np.float32).astype(np.float64)
    data = SequenceData(list(x), y)
    return network, data.batch(np.arange(5)), x, y


def by_hand(network, x, y, loss):
    """(loss, d loss / d head.bias) from the network's outputs, written out."""
    out = network.forward(x)
    mean, log_var = out[:, :3], out[:, 3:]
    var = np.exp(log_var)
    d = mean - y
    count = d.size
    nll = 0.5 * np.sum(np.log(var) + d**2 / var) / count
    dlog_var = 0.5 * (1 - d**2 / var) / count  # d/d log v of 0.5 (log v + d^2 / v)
    if loss == "l1":
        value, dmean = nll + np.sum(np.abs(d)) / count, np.sign(d) / count
    else:
        value, dmean = nll, d / var / count
    return value, np.concatenate([dmean, dlog_var], axis=1).sum(axis=0)


@pytest.mark.parametrize("loss", ["gaussian", "l1"])
def test_loss_value_and_bias_gradient_by_hand(loss):
    network, batch, x, y = batch_and_network()
    expected, expected_grad = by_hand(network, x, y, loss)
    network.zero_grad()
    result = gaussian_step(network, loss)(batch, training=True)
    result.backward()
    np.testing.assert_allclose(result.loss, expected, rtol=1e-12)
    np.testing.assert_allclose(network.grads["head.bias"], expected_grad, rtol=1e-10, atol=1e-15)


def test_unknown_loss_is_refused():
    network, *_ = batch_and_network()
    with pytest.raises(ValueError, match=r"loss must be one of gaussian, l1; got 'l2'"):
        gaussian_step(network, "l2")
