"""Gradient flow through time: how much the loss at the END of a sequence depends on the
input at each earlier step.

For a network trained on (or initialised for) the adding problem, one sequence of length T,
prediction p = output(h_T) and loss l = (p - target)^2 / 2:

    g_t = || d l / d x_t ||        for t = 0 .. T-1   (norm over the input features)

averaged over `n` sequences. Backpropagation computes every g_t in one pass: g_t is the
product of T - 1 - t step Jacobians applied to d l / d h_T, so it shrinks (or grows)
geometrically with the distance from the end in a vanilla RNN, while the LSTM's cell path,
c' = f * c + i * g, multiplies by the forget gate alone (d c' / d c = f), which stays near 1
when f is open; a forget-gate bias of 1 opens it from the start.
"""

import numpy as np

from lstmkit.data.synthetic import adding_problem
from lstmkit.experiments.network import TaskNetwork
from lstmkit.io.atomic import write_figure


def probe_sequences(T: int, n: int = 8, seed: int = 0):
    """n adding-problem sequences cut to exactly T steps (the end marker moved to step T-1):
    x (n, T, 2) float64 and targets (n,)."""
    data = adding_problem(n, T, seed=seed, dtype="float64")
    x = data.x[:, :T].copy()
    x[:, T - 1, 1] = -1.0  # the marks lie in the first T/2 steps, so the target is unchanged
    return x, data.y


def input_gradients(network: TaskNetwork, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """d l_n / d x[n] for every sequence n, l_n = (p_n - y_n)^2 / 2; returns (N, T, I)."""
    network.zero_grad()
    prediction = network.forward(x)
    return network.backward(prediction - y[:, None])


def gradient_norms(
    model_kind: str = "lstm",
    T: int = 100,
    *,
    network: TaskNetwork | None = None,
    hidden_size: int = 32,
    forget_bias: float = 1.0,
    input_bias: float = 0.0,
    n: int = 8,
    seed: int = 0,
) -> np.ndarray:
    """(T,) mean over n sequences of ||d loss_T / d x_t||, in float64.

    `network`: a trained TaskNetwork with one output (its weights are copied into float64);
    None: a freshly initialised `model_kind` network ("lstm", "gru" or "rnn") of
    `hidden_size`, with `forget_bias` and `input_bias` for the LSTM (see TaskNetwork).
    """
    if network is None:
        network = TaskNetwork(
            2, 1, model_kind, hidden_size, forget_bias=forget_bias, input_bias=input_bias,
            dtype="float64", seed=seed,
        )  # fmt: skip
    else:
        network = as_float64(network)
    x, y = probe_sequences(T, n, seed)
    dx = input_gradients(network, x, y)
    return np.linalg.norm(dx, axis=2).mean(axis=0)


def as_float64(network: TaskNetwork) -> TaskNetwork:
    """A float64 copy of `network` (so that gradients far below float32's range show)."""
    config = {**network.get_config(), "dtype": "float64"}
    copy = TaskNetwork(**config)
    copy.load_state_dict({k: v.astype(np.float64) for k, v in network.state_dict().items()})
    return copy


def plot_gradient_norms(curves: dict, path, plt, title: str = "") -> None:
    """Plot {label: (T,) norms} against steps before the end, log scale, as PNG at `path`."""
    figure, axis = plt.subplots(figsize=(7.5, 4.5))
    for label, norms in curves.items():
        T = len(norms)
        style = "--" if "init" in label else "-"
        axis.semilogy(np.arange(T)[::-1], np.maximum(norms, 1e-300), style, label=label)
    axis.set_xlabel("steps before the end, T - 1 - t")
    axis.set_ylabel("|| d loss_T / d x_t ||")
    axis.set_title(title or "Gradient of the final loss with respect to each input")
    axis.grid(True, which="major", alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    write_figure(path, figure, dpi=110)
    plt.close(figure)
