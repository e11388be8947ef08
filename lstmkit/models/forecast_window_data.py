"""The Forecaster's training windows, cut from memory-mapped series batch by batch (issue 18).

A window is a series' index i and a start s: it reads rows s..s+L+H-1 of the series (the
lookback L, then the horizon H). `window_sets` chooses the windows (every `stride`-th of each
series, the last tenth of each series' held out for validation); `WindowData` is a data set
for the Trainer (`len`, `lengths`, `batch(indices)`) over some of them. A batch reads only its
windows' rows of the series (a memory-mapped series stays on disk; at most the series' dtype
is converted, for those rows) and normalises them as `forecast_windows` says:

    x (n, L, 2K + C) float32   window_inputs of the window's z rows and covariates
    y (n, H*K + H*C) float32   window_targets (flattened), then the horizon's covariates

(z = log of the values under `log`; covariates already standardised). The batches equal those
of cutting every window of every series at once, bit for bit (the arithmetic is elementwise
per window), so nothing of the size of the data is ever built. Series held in memory have
their windows cut at once, once (`window_sets`): cutting them anew every epoch costs more than
a small network's step.

Series shorter than one window give none, unless all the series together give fewer than
MIN_WINDOWS: then each is padded at its start (`pad_start`, L + H rows) to give at least one.
Those series are short, so a padded one is read whole when a batch needs it.
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.data.memmap_pages import is_mapped, release_pages
from lstmkit.data.sequences import SequenceBatch, SequenceData
from lstmkit.models.forecast_series import transformed
from lstmkit.models.forecast_transforms import remove_season
from lstmkit.models.forecast_windows import pad_start, window_inputs, window_starts, window_targets

MIN_WINDOWS = 8  # fewer real windows than this: every series is padded to give one


@dataclass
class WindowSource:
    """What every window is cut from: `values` (one (T_i, K) array or memmap view per
    series), `covariates` (one standardised (T_i, C) array per series), `scale` (S, K),
    `log`, `seasonal` (S, m, K: each series' seasonal components, removed from its z;
    `forecast_transforms`), `period` (the one the windows see), `lookback` L, `horizon` H, and
    `padded`: the rows every series is padded to at its start (0: none)."""

    values: list
    covariates: list
    scale: np.ndarray
    log: bool
    seasonal: np.ndarray
    period: int
    lookback: int
    horizon: int
    padded: int = 0

    def rows(self, i: int) -> int:
        """How many rows series i has once padded."""
        return max(len(self.values[i]), self.padded)

    def z(self, i: int, start: int, stop: int) -> np.ndarray:
        """Rows start..stop-1 of series i's z (padded), float64: after the optional log, less
        the seasonal components (of rows start..stop-1: the same as removing them from the
        whole series and cutting after)."""
        if self.padded and len(self.values[i]) < self.padded:
            z = remove_season(transformed(self.values[i], self.log), self.seasonal[i])
            return pad_start(z, self.padded, self.period)[start:stop]
        components = self.seasonal[i][np.arange(start, stop) % len(self.seasonal[i])]
        rows = self.values[i][start:stop]
        z = transformed(rows, self.log) - components
        release_pages(rows)  # else the pages of every window read stay resident
        return z

    def cut(self, series, starts) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the windows (series[j], starts[j]) (module docstring)."""
        L, span = self.lookback, self.lookback + self.horizon
        z = np.stack([self.z(i, s, s + span) for i, s in zip(series, starts, strict=True)])
        covariates = np.stack(
            [
                pad_start(self.covariates[i], self.padded, self.period)[s : s + span]
                for i, s in zip(series, starts, strict=True)
            ]
        )
        # contiguous copies: the windows' layout (and so every sum's order) is that of
        # windows cut one series at a time
        windows, future = z[:, :L].copy(), z[:, L:].copy()
        scale = self.scale[series][:, None, :]
        x = window_inputs(windows, covariates[:, :L].copy(), scale, self.period)
        targets = window_targets(windows, future, scale, self.period)
        n = len(series)
        y = np.concatenate(
            [targets.reshape(n, -1), covariates[:, L:].reshape(n, -1)], axis=1
        ).astype(np.float32)
        return x, y


class WindowData:
    """The windows (series[j], starts[j]) of `source`, cut as each batch is built."""

    def __init__(self, source: WindowSource, series, starts):
        self.source = source
        self.series = np.asarray(series, dtype=np.int64)
        self.starts = np.asarray(starts, dtype=np.int64)
        self.lengths = np.full(len(self.series), source.lookback, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.series)

    def batch(self, indices) -> SequenceBatch:
        indices = np.asarray(indices)
        x, y = self.source.cut(self.series[indices], self.starts[indices])
        return SequenceBatch(x=x, lengths=self.lengths[indices], y=y, indices=indices)


def window_sets(source: WindowSource, max_windows: int):
    """(train, validation, everything): the windows of `source`'s series (`source.padded` is
    set here), the validation windows being the last tenth (at least one) of each series';
    WindowData when a series is memory-mapped, else SequenceData of the windows cut at once."""
    L, H = source.lookback, source.horizon
    lengths = [len(v) for v in source.values]
    real = sum(max(0, n - L - H + 1) for n in lengths)
    # padded windows are partly made up: taken only when the real ones are too few (on
    # M3's yearly series, 3 seeds, the short series' padded windows cost about 0.4 sMAPE)
    source.padded = L + H if real < MIN_WINDOWS else 0
    total = sum(max(1 if source.padded else 0, n - L - H + 1) for n in lengths)
    stride = -(-total // max_windows)
    parts = {"train": ([], []), "validation": ([], [])}
    for index in range(len(lengths)):
        starts = window_starts(source.rows(index), L, H, stride)
        held = max(1, len(starts) // 10) if len(starts) > 1 else 0
        for name, part in (
            ("train", starts[: len(starts) - held]),
            ("validation", starts[len(starts) - held :]),
        ):
            parts[name][0].extend([index] * len(part))
            parts[name][1].extend(part)
    series = parts["train"][0] + parts["validation"][0]
    starts = parts["train"][1] + parts["validation"][1]
    if any(is_mapped(values) for values in source.values):
        train, validation = (WindowData(source, *part) for part in parts.values())
        return train, validation, WindowData(source, series, starts)
    # series in memory: every window cut once, as the windows of a memory-mapped panel are
    # not (cutting them again every epoch cost up to 45 % more CPU time per fit)
    x, y = source.cut(np.array(series, dtype=np.int64), np.array(starts, dtype=np.int64))
    cut = len(parts["train"][0])
    return (
        SequenceData(list(x[:cut]), y[:cut]),
        SequenceData(list(x[cut:]), y[cut:]),
        SequenceData(list(x), y),
    )
