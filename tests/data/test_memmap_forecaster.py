"""Forecaster from a memory-mapped padded array of series (issue 18): the series stay views of
the file, read one at a time for their statistics and a batch's windows at a time for
training; the model equals the one fitted from the same series in memory, bit for bit, and
fitting a 64 MiB file keeps the peak resident memory far below its size."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from lstmkit.data.memmap_pages import release_pages, released_one_by_one
from lstmkit.data.sequences import SequenceData
from lstmkit.models import Forecaster, forecast_prediction
from lstmkit.models.forecast_series import padded_series
from lstmkit.models.forecast_transforms import remove_season
from lstmkit.models.forecast_window_data import WindowData
from lstmkit.models.forecast_windows import as_series_list, pad_start

FAST = dict(horizon=4, period=4, hidden_size=4, epochs=2, ensemble=2, patience=1, seed=0)


def panel(tmp_path, channels=None, seed=0):
    """7 positive series of 15 to 40 rows (a season of 4) in a (7, 40) or (7, 40, channels)
    float32 file, NaN past each length (never to be read), memmapped; and their lengths."""
    rng = np.random.default_rng(seed)
    shape = (7, 40) if channels is None else (7, 40, channels)
    season = 0.3 * np.sin(np.pi / 2 * np.arange(40)).reshape(1, 40, *(1,) * (len(shape) - 2))
    X = 10 * np.exp(0.05 * rng.standard_normal(shape).cumsum(axis=1) + season)
    lengths = rng.integers(15, 41, 7)
    for i, n in enumerate(lengths):
        X[i, n:] = np.nan
    np.save(tmp_path / "series.npy", X.astype(np.float32))
    return np.load(tmp_path / "series.npy", mmap_mode="r"), lengths


def in_memory(X, lengths):
    return [np.array(X[i, :n]) for i, n in enumerate(lengths)]


def assert_same_model(mine, theirs):
    for name in ("scale_", "naive_error_", "history_", "seasonal_", "lengths_"):
        assert np.array_equal(getattr(mine, name), getattr(theirs, name), equal_nan=True), name
    assert mine.n_epochs_ == theirs.n_epochs_ and mine.input_kind_ == theirs.input_kind_
    params = theirs.network_.params
    assert all(np.array_equal(mine.network_.params[k], params[k]) for k in params)


@pytest.mark.parametrize(
    "channels, settings",
    [(None, {}), (2, {}), (None, {"deseasonalise": True, "log": False})],
)
def test_a_memmapped_panel_fits_the_model_its_series_in_memory_fit(tmp_path, channels, settings):
    X, lengths = panel(tmp_path, channels)
    from_disk = Forecaster(**FAST, **settings).fit(X, lengths=lengths)
    listed = Forecaster(**FAST, **settings).fit(in_memory(X, lengths))
    assert_same_model(from_disk, listed)
    mine, theirs = from_disk.predict(return_intervals=True), listed.predict(return_intervals=True)
    for a, b in zip(mine, theirs, strict=True):
        assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_padded_covariates_are_cut_by_the_same_lengths(tmp_path):
    X, lengths = panel(tmp_path)
    covariates = np.random.default_rng(1).standard_normal((7, 40, 1))
    future = [np.full((4, 1), 0.5)] * 7
    padded = Forecaster(**FAST).fit(X, covariates, lengths=lengths)
    listed = Forecaster(**FAST).fit(in_memory(X, lengths), in_memory(covariates, lengths))
    assert_same_model(padded, listed)
    assert np.array_equal(padded.covariate_scale_, listed.covariate_scale_)
    forecasts = padded.predict(future_covariates=future)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(forecasts, listed.predict(future_covariates=future), strict=True)
    )


def test_the_series_stay_views_of_the_file(tmp_path):
    X, lengths = panel(tmp_path, channels=3)
    views, kind = padded_series(X, lengths)
    assert kind == "matrices" and [len(v) for v in views] == list(lengths)
    assert all(np.shares_memory(v, X) for v in views)


@pytest.mark.parametrize(
    "short, settings",
    [(False, {"deseasonalise": False}), (False, {"deseasonalise": True, "log": False}), (True, {})],
)
def test_windows_cut_batch_by_batch_equal_those_cut_at_once(tmp_path, short, settings):
    """From the memmap each batch's windows are cut as it is built; from memory all at once.
    `short`: 3 series of at most 9 rows, too few windows, so each is padded at its start."""
    X, lengths = panel(tmp_path)
    if short:
        X, lengths = X[:3], np.minimum(lengths[:3], 9)
    model = Forecaster(**FAST, **settings).fit(X, lengths=lengths)
    covariates = [np.zeros((n, 0)) for n in lengths]
    *_, lazily = model._window_sets(padded_series(X, lengths)[0], covariates)
    *_, at_once = model._window_sets(as_series_list(in_memory(X, lengths))[0], covariates)
    assert isinstance(lazily, WindowData) and isinstance(at_once, SequenceData)
    assert lazily.source.padded == (model.lookback_ + 4 if short else 0)
    # the short series are too short for the seasonality test: no components
    assert np.any(model.seasonal_ != 0) == settings.get("deseasonalise", False)
    for indices in np.array_split(np.random.default_rng(2).permutation(len(at_once)), 3):
        mine, theirs = lazily.batch(indices), at_once.batch(indices)
        assert np.array_equal(mine.x, theirs.x) and np.array_equal(mine.y, theirs.y)
        assert np.array_equal(mine.lengths, theirs.lengths)
    # a window's rows of z are those of its whole series' z, season removed, padded, cut
    source, span = lazily.source, model.lookback_ + 4
    for i, start in zip(lazily.series, lazily.starts, strict=True):
        values = np.array(X[i, : lengths[i], None], dtype=float)
        z = remove_season(np.log(values) if model.log_ else values, model.seasonal_[i])
        expected = pad_start(z, source.padded, model._window_period())[start : start + span]
        assert np.array_equal(source.z(i, start, start + span), expected)


def test_forecasts_made_in_blocks_of_series_equal_those_made_at_once(tmp_path, monkeypatch):
    X, lengths = panel(tmp_path)
    model = Forecaster(**FAST).fit(X, lengths=lengths)
    at_once = model.predict(return_intervals=True)
    monkeypatch.setattr(forecast_prediction, "PREDICTED", 3)  # blocks of 3, 2 and 2 series
    in_blocks = model.predict(return_intervals=True)
    for a, b in zip(in_blocks, at_once, strict=True):
        assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_a_value_that_is_not_finite_is_named(tmp_path):
    X = np.ones((3, 10), dtype=np.float32)
    X[1, 6] = np.inf
    np.save(tmp_path / "bad.npy", X)
    bad = np.load(tmp_path / "bad.npy", mmap_mode="r")
    with pytest.raises(ValueError, match=r"series\[1\] must be finite; got inf at row 6, column 0"):
        Forecaster(**FAST).fit(bad, lengths=[10, 8, 10])
    with pytest.raises(ValueError, match=r"lengths must be \(3,\) integers in 1\.\.10"):
        Forecaster(**FAST).fit(bad, lengths=[10, 11, 10])


def resident_file_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssFile:"))


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/status is Linux's")
def test_pages_read_are_given_back(tmp_path):
    np.save(tmp_path / "pages.npy", np.ones((16, 1 << 17), dtype=np.float32))  # 8 MiB
    X = np.load(tmp_path / "pages.npy", mmap_mode="r")
    before = resident_file_kib()
    assert sum(float(row.sum()) for row in released_one_by_one(X)) == 16 << 17
    assert resident_file_kib() - before < 1024
    assert sum(float(row.sum()) for row in X) == 16 << 17  # read, not given back
    assert resident_file_kib() - before > 7 * 1024
    release_pages(X[:, ::-3])  # a strided view's pages: from its first byte to its last
    assert resident_file_kib() - before < 1024


PEAK = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    from lstmkit.models import Forecaster
    X = np.load(sys.argv[1], mmap_mode="r")
    lengths = np.full(len(X), X.shape[1]) - np.arange(len(X)) % 7
    model = Forecaster(horizon=6, period=12, hidden_size=4, epochs=1, ensemble=1,
                       max_windows=64, seed=0).fit(X, lengths=lengths)
    assert len(model.predict()) == len(X)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)  # MiB (Linux: KiB)
    """
)


def peak_mib(path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return int(done.stdout.split()[-1])


def positive_panel(path, series: int, steps: int) -> None:
    rows = 10 + np.sin(np.arange(steps, dtype=np.float32) / 3)
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(series, steps))
    for i in range(series):
        X[i] = rows + i % 5
    X.flush()
    del X


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB is Linux's")
def test_fitting_a_64_mib_panel_keeps_the_peak_memory_far_below_its_size(tmp_path):
    positive_panel(tmp_path / "big.npy", 256, 1 << 16)  # 64 MiB of float32
    positive_panel(tmp_path / "small.npy", 256, 64)
    baseline, peak = peak_mib(tmp_path / "small.npy"), peak_mib(tmp_path / "big.npy")
    # a float64 copy of the series would add 128 MiB, the file's pages kept mapped 64 MiB;
    # one series at a time in float64 (and its log, changes, ...) is a few MiB
    assert peak - baseline < 24, (baseline, peak)
