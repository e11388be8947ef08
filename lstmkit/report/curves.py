"""Training curves: the loss and the validation metric per epoch, one line per network, the
best epoch marked; and the same facts as a table, which the page shows with or without
matplotlib.

The best epoch of a network is the one its training kept: for the record `monitor`,

    best = argmax_e monitor[e]  (maximize)      best = argmin_e monitor[e]  (otherwise)

counted from 1 as the commands print it; undefined values (None, NaN) are never best. A
network trained without validation data kept the epoch of least training loss.
"""

from dataclasses import dataclass, field

import numpy as np

from lstmkit.report import html
from lstmkit.report.figures import figure_uri


@dataclass
class Curves:
    """What `curves_section` draws.

    histories: {network label: {record name: per-epoch values}} (a History's `records`);
    losses: the records drawn on the left panel (training and validation loss); metric: the
    record drawn on the right panel (a validation metric), None for none; monitor, maximize:
    the record that chose the best epoch and its direction; x: the record of the horizontal
    axis (None: the epochs 1, 2, ...), x_label its name.
    """

    histories: dict
    monitor: str
    maximize: bool = False
    losses: tuple = ("loss", "val_loss")
    metric: str | None = None
    x: str | None = None
    x_label: str = "epoch"
    units: dict = field(default_factory=dict)  # record name -> how the axis names it


def values(history: dict, name: str) -> np.ndarray:
    """The record `name` as float64, an undefined value (None) as NaN; empty when absent."""
    return np.array([np.nan if v is None else v for v in history.get(name, [])], dtype=float)


def best_index(history: dict, monitor: str, maximize: bool) -> int | None:
    """The 0-based best epoch of `history` by `monitor` (see the module doc); a network
    trained without validation data has no `monitor` record, and its Trainer kept the epoch
    of least training "loss". None when no value is defined."""
    if monitor not in history:
        monitor, maximize = "loss", False
    series = values(history, monitor)
    if not np.isfinite(series).any():
        return None
    return int(np.nanargmax(series) if maximize else np.nanargmin(series))


def summary_rows(curves: Curves) -> list:
    """Per network: its label, the epochs run, the best epoch and the records' values there."""
    names = [*curves.losses, *([curves.metric] if curves.metric else [])]
    rows = []
    for label, history in curves.histories.items():
        best = best_index(history, curves.monitor, curves.maximize)
        run = max((len(v) for v in history.values()), default=0)
        cells = [_at(history, name, best) for name in names]
        where = "-" if best is None else _at(history, curves.x, best) if curves.x else best + 1
        rows.append([label, run, where, *cells])
    return rows


def summary_header(curves: Curves) -> list:
    names = [*curves.losses, *([curves.metric] if curves.metric else [])]
    runs = "epochs" if curves.x is None else f"{curves.x_label} (checks)"
    return ["network", runs, f"best {curves.x_label}", *(f"{n} at best" for n in names)]


def _at(history, name, index) -> str:
    series = values(history, name)
    if index is None or index >= len(series) or not np.isfinite(series[index]):
        return "-"
    return f"{series[index]:.4g}"


def curves_figure(plt, curves: Curves):
    """The loss panel (and the metric panel), a colour per network: training records solid,
    validation ones dashed; the best epoch a star on the monitored line and a dotted
    vertical line."""
    panels = [list(curves.losses)] + ([[curves.metric]] if curves.metric else [])
    figure, axes = plt.subplots(
        1, len(panels), figsize=(5.2 * len(panels), 3.6), layout="constrained", squeeze=False
    )
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (label, history) in enumerate(curves.histories.items()):
        colour = colours[k % len(colours)]
        best = best_index(history, curves.monitor, curves.maximize)
        for axis, names in zip(axes[0], panels, strict=True):
            _draw(axis, history, names, label, colour, best, curves)
    for axis, names in zip(axes[0], panels, strict=True):
        axis.xaxis.get_major_locator().set_params(integer=True)  # epochs and counts: whole
        axis.set_xlabel(curves.x_label)
        axis.set_ylabel(", ".join(curves.units.get(n, n) for n in names))
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    return figure


def _draw(axis, history, names, label, colour, best, curves) -> None:
    for name in names:
        series = values(history, name)
        if not len(series):
            continue
        x = values(history, curves.x) if curves.x else np.arange(1, len(series) + 1)
        style = "--" if name.startswith("val_") else "-"
        axis.plot(x, series, style, color=colour, linewidth=1.2, label=f"{label} {name}")
        if best is not None and name == (curves.monitor if curves.monitor in history else "loss"):
            axis.plot(x[best], series[best], "*", color=colour, markersize=12)
    if best is not None:
        x = values(history, curves.x) if curves.x else np.arange(1, best + 2)
        axis.axvline(x[best], color=colour, linestyle=":", linewidth=1)


def curves_section(plt, curves: Curves) -> str:
    """The section: the figure (when matplotlib is there) and the per-network table."""
    body = ""
    if plt is not None:
        caption = (
            f"training curves, one colour per network; star and dotted line: the best "
            f"{curves.x_label} by {curves.monitor}"
        )
        body += html.figure(figure_uri(plt, curves_figure(plt, curves)), caption, "curves")
    body += html.table(summary_header(curves), summary_rows(curves))
    return html.section("Training curves", body, "training-curves")


def records_of(history) -> dict:
    """{record name: per-epoch values} of a Trainer's History or of a list of per-epoch
    dicts (the character language model's `history_`)."""
    if hasattr(history, "records"):
        return history.records
    names = dict.fromkeys(name for record in history for name in record)
    return {name: [record.get(name) for record in history] for name in names}
