"""Rolling-origin backtests: `cross_validation`, one table row per series, cut-off and step.

For a series of T rows, `horizon` h, `n_windows` W and `step` s (default h), window w
(0..W-1) cuts the series at

    cut_w = T - h - (W - 1 - w) * s

fits on its rows 0..cut_w - 1 and forecasts rows cut_w .. cut_w + h - 1, which are compared
with the values there. Each series is cut by its own length, so series of different lengths
and end dates are backtested together, window w of every series in one fit (a global model).
With refit=True every window is a fresh fit; with refit=False only window 0 is fitted, and the
later windows are forecast from their own rows by that fit (`predict_after`: the network
unchanged, the forecast origin moved), which is faster and tests a model that is not refitted.
The refits of refit=True are independent: `n_jobs` runs them at once (`lstmkit.parallel`),
each on its own copy of the forecaster, with the same table bit for bit.

The table (statsforecast's cross_validation's layout):

    unique_id   the series: its id (long DataFrame, dict) or position (list; 0 for one series)
    ds          the forecast row's time: its date or label (pandas), else its row number
    cutoff      the last training row's time (the forecast origin)
    channel     the channel (only for series of several channels)
    y           the actual value
    lstmkit     the forecast (the column is named by `name`)
    lstmkit-lo-95, lstmkit-hi-95   the interval bounds (only with `level`; named by it)

A long pandas DataFrame when the data came as pandas (a long DataFrame, a dict of or one
pandas Series), else a dict of NumPy columns of equal length (`pandas.DataFrame(table)` makes
it one; lstmkit's `Series` give their dates there). The forecaster is left fitted on the
last window fitted (refit=True: window W-1).
"""

import numpy as np

from lstmkit.data.csv_series import Series
from lstmkit.data.pandas_import import pandas
from lstmkit.models.dated_series import is_dated
from lstmkit.models.panel import MODEL_NAME, interval_columns, split_panel
from lstmkit.parallel import check_n_jobs, in_process, map_in_order
from lstmkit.validation import float_array


def cross_validation(
    forecaster,
    data,
    horizon,
    n_windows=1,
    step=None,
    refit=True,
    level=None,
    name=MODEL_NAME,
    columns=("unique_id", "ds", "y"),
    n_jobs=None,
):
    """The backtest table of `forecaster` on `data` (module doc).

    forecaster: fit(series) and predict(horizon[, level, return_intervals]) on plain arrays
        (the Forecaster, or any object with them); with refit=False also predict_after.
    data: what Forecaster.fit takes: one series ((T,) or (T, K)), a list of them, a dict
        {id: series}, a pandas Series, or a long DataFrame (its columns named by `columns`:
        id, time, target; covariate columns are not taken).
    horizon, n_windows, step: h, W, s of the module doc (step None: the horizon).
    level: the intervals' coverage (None: point forecasts only).
    n_jobs: with refit=True, how many windows are refitted at once, as in scikit-learn (None
        or 1: one after another on `forecaster` itself; -1: every core; a Dask cluster under
        `joblib.parallel_backend("dask")`); the forecaster's seed must then be an int (or
        None), since the refits run on copies of it.
    """
    step = horizon if step is None else step
    for argument, value in (("horizon", horizon), ("n_windows", n_windows), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{argument} must be a positive integer; got {value!r}")
    check_n_jobs(n_jobs)
    parallel = refit and not in_process(n_jobs)
    if parallel:
        _check_copyable(forecaster, n_jobs)
    ids, series, times, many, dated = _series_of(data, columns)
    cuts = _cuts([len(s) for s in series], ids, horizon, n_windows, step)
    given = [
        _as_given([s[: cut[w]] for s, cut in zip(series, cuts, strict=True)], many)
        for w in range(n_windows)
    ]
    if parallel:
        forecasts = _refit_in_parallel(forecaster, given, horizon, level, n_jobs)
    rows = []
    for w in range(n_windows):
        if parallel:
            parts = forecasts[w]
        elif refit or w == 0:
            parts = _fit_and_predict(forecaster, given[w], horizon, level)[1]
        else:
            parts = _predict(forecaster.predict_after, horizon, level, given[w])
        parts = [[np.reshape(p, (horizon, -1)) for p in _as_list(part, many)] for part in parts]
        for i, cut in enumerate(cuts):
            actual = series[i][cut[w] : cut[w] + horizon]
            rows.append((i, cut[w], actual, [part[i] for part in parts]))
    rows.sort(key=lambda row: row[0])  # by series, each one's windows in order
    return _table(rows, ids, times, horizon, level, name, columns, dated)


def _fit_and_predict(forecaster, given, horizon, level):
    """(forecaster, [forecast] or [forecast, lower, upper]): one window's fit and forecast."""
    forecaster.fit(given)
    return forecaster, _predict(forecaster.predict, horizon, level)


def _refit_in_parallel(forecaster, given, horizon, level, n_jobs) -> list:
    """Every window's forecasts, each window fitted on its own copy of `forecaster` (pickled
    to a worker); `forecaster` is then left as the last window's fit, as in the serial loop."""
    tasks = [(forecaster, rows, horizon, level) for rows in given]
    results = map_in_order(_fit_and_predict, tasks, n_jobs)
    last = results[-1][0]
    vars(forecaster).clear()
    vars(forecaster).update(vars(last))
    return [parts for _, parts in results]


def _check_copyable(forecaster, n_jobs) -> None:
    """Parallel refits start from copies of the forecaster: a Generator seed, drawn from by
    each serial refit in turn, would start every copy at the same state instead."""
    if isinstance(getattr(forecaster, "seed", None), np.random.Generator):
        raise ValueError(
            f"cross_validation with n_jobs={n_jobs} refits copies of the forecaster, so its "
            "seed must be an int (or None), not a np.random.Generator (serial refits draw "
            "from it one after another); give an int seed or n_jobs=1"
        )


def _series_of(data, columns):
    """(ids, (T_i, K) arrays, times per series (None: row numbers), many, dated)."""
    values, covariates, panel = split_panel(data, None, columns, "data")
    if covariates is not None:
        raise ValueError(
            f"data has covariate columns {panel['columns'][3:]}: cross_validation fits on the "
            "target alone; drop them (or backtest by hand with future_covariates)"
        )
    if panel is not None:
        ids, items, many = panel["ids"], values, True
    elif isinstance(values, list | tuple) and len(values) and np.ndim(values[0]) >= 1:
        ids, items, many = list(range(len(values))), list(values), True
    else:
        ids, items, many = [0], [values], False
    # pandas in, pandas out; lstmkit's Series give their dates in NumPy columns
    dated = any(is_dated(item) and not isinstance(item, Series) for item in items)
    times, arrays = [], []
    for key, item in zip(ids, items, strict=True):
        values, time = _values_and_times(item)
        array = float_array(values, f"data[{key!r}]")
        arrays.append(array[:, None] if array.ndim == 1 else array)
        times.append(np.arange(len(array)) if time is None else time)
    return ids, arrays, times, many, dated


def _values_and_times(item):
    """(values, times or None) of a series: pandas' index, lstmkit Series' dates."""
    if isinstance(item, Series):
        return item.values, item.dates
    if is_dated(item):
        return item.to_numpy(), item.index
    return item, None


def _cuts(lengths, ids, horizon, n_windows, step) -> list[list[int]]:
    """Each series' cut rows, window by window; a series too short for them is refused."""
    cuts = []
    for key, length in zip(ids, lengths, strict=True):
        first = length - horizon - (n_windows - 1) * step
        if first < 1:
            raise ValueError(
                f"series {key!r} has {length} values: too few for {n_windows} windows of "
                f"horizon {horizon}, {step} apart (they need at least "
                f"{horizon + (n_windows - 1) * step + 1})"
            )
        cuts.append([first + w * step for w in range(n_windows)])
    return cuts


def _as_given(train, many):
    """The training rows as fit takes them: a list of series, or the one series as (T,) for
    one channel, else (T, K)."""
    shaped = [t[:, 0] if t.shape[1] == 1 else t for t in train]
    return shaped if many else shaped[0]


def _predict(method, horizon, level, *series) -> list:
    """[forecast] or [forecast, lower, upper] from predict / predict_after."""
    if level is None:
        return [method(*series, horizon)]
    return list(method(*series, horizon, level=level, return_intervals=True))


def _as_list(part, many) -> list:
    return list(part) if many else [part]


def _table(rows, ids, times, horizon, level, name, columns, dated):
    """The table's columns from rows (series index, cut, actual (h, K), [forecast, lower,
    upper] each (h, K))."""
    channels = rows[0][2].shape[1]
    names = [name] + ([] if level is None else list(interval_columns(level).values()))
    names = [n.replace(MODEL_NAME, name, 1) for n in names]
    table = {c: [] for c in ("unique_id", "ds", "cutoff", "channel", "y", *names)}
    for i, cut, actual, parts in rows:
        time = times[i]
        steps = np.arange(cut, cut + horizon)
        table["unique_id"] += [ids[i]] * (horizon * channels)
        table["ds"] += [t for t in time[steps] for _ in range(channels)]
        table["cutoff"] += [time[cut - 1]] * (horizon * channels)
        table["channel"] += list(range(channels)) * horizon
        table["y"] += list(actual.ravel())
        for column, part in zip(names, parts, strict=True):
            table[column] += list(part.ravel())
    if channels == 1:
        del table["channel"]
    if not dated:
        return {c: np.array(v) for c, v in table.items()}
    frame = pandas().DataFrame(table)  # from lists: dates become a datetime column
    return frame.rename(columns={"unique_id": columns[0], "ds": columns[1], "y": columns[2]})
