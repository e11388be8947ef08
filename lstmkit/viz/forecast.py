"""The forecast picture: the history, the held-out test forecast, the forecast with intervals."""

import numpy as np

from lstmkit.io.atomic import write_figure


def plot_forecast(
    plt,
    path,
    time,
    values,
    future_time,
    forecast,
    lower,
    upper,
    *,
    level=0.95,
    test=None,
    title="",
    ylabel="",
) -> None:
    """Write a PNG of a series and its forecast.

    time, values: the observed series (dates as datetime64 or step numbers); future_time,
    forecast, lower, upper: the forecast after it with its `level` interval; test, optional:
    (time, forecast) of the model fitted without the held-out end, drawn over that end.
    """
    figure, axes = plt.subplots(figsize=(9, 4.5), layout="constrained")
    axes.plot(_axis(time), values, color="black", linewidth=1.2, label="observed")
    if test is not None:
        test_time, test_forecast = test
        axes.plot(
            _axis(test_time),
            test_forecast,
            color="tab:orange",
            linestyle="--",
            linewidth=1.2,
            label="test forecast (model fitted without these points)",
        )
    future = _axis(future_time)
    axes.fill_between(
        future, lower, upper, color="tab:blue", alpha=0.25, label=f"{level:.0%} interval"
    )
    axes.plot(future, forecast, color="tab:blue", linewidth=1.5, label="forecast")
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left")
    write_figure(path, figure, dpi=110)
    plt.close(figure)


def _axis(time):
    time = np.asarray(time)
    # matplotlib reads datetime64 at any unit it converts to; seconds cover every CSV format
    return time.astype("datetime64[s]") if np.issubdtype(time.dtype, np.datetime64) else time
