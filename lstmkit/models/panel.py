"""Many series in one object, as forecasting users hold them: a long DataFrame or a dict.

    given to fit                               predict answers
    long DataFrame: rows (unique_id, ds, y,    a long DataFrame: id_col, time_col, "lstmkit"
      optional covariate columns)                (+ "lstmkit-lo-95", "lstmkit-hi-95" with
                                                 intervals at level 0.95; "-lo-80" at 0.8)
    dict {id: series} (arrays, or dated        {id: forecast}; with intervals, the three dicts
      pandas / lstmkit Series)                   (forecast, lower, upper) of arrays, or one
                                                 dict of dated intervals (`models.dated_series`)

A DataFrame is a long panel when it holds the id column (`id_col`, default "unique_id"); any
other DataFrame is one series of several channels (`models.dated_series`). The column names
are `Forecaster.fit`'s keyword arguments id_col, time_col, target_col (statsforecast's names
and defaults: "unique_id", "ds", "y"). Each id's rows, sorted by time_col, become one pandas
Series indexed by its dates (or integers), which `dated_series` continues in that series' own
frequency; a series of fewer than 3 dates (too few for pandas to infer a frequency) takes the
frequency most series of the panel have. Columns besides those three are known covariates:
their rows for the horizon come to predict as `future_covariates`, a long DataFrame with the id
and time columns.

The ids keep their order (of first appearance; a dict's own order) and are saved with the model
as `Forecaster.panel_`, plain JSON:

    {"layout": "long" | "dict", "ids": [text or integers],
     "columns": [id_col, time_col, target_col, covariate columns...] (long) or None (dict)}
"""

from collections import Counter

import numpy as np

from lstmkit.data.pandas_import import pandas
from lstmkit.models.dated_series import is_dated

LAYOUTS = ("long", "dict")
MODEL_NAME = "lstmkit"  # the forecast column of a long DataFrame, as statsforecast names its models


def is_long(series, id_col) -> bool:
    """Whether `series` is a long DataFrame (a pandas DataFrame holding the id column)."""
    if not is_dated(series) or not hasattr(series, "columns"):
        return False
    return id_col in series.columns


def split_panel(series, covariates, columns, name="series"):
    """(series, covariates, panel): a long DataFrame or a dict taken apart into the list of
    series (and of covariates) that `Forecaster.fit` takes, with the panel's description
    (module doc); other inputs come back as they are, with panel None."""
    if isinstance(series, dict):
        ids = _json_ids(list(series), name)
        values = [series[key] for key in series]
        if isinstance(covariates, dict):
            if list(covariates) != list(series):
                raise ValueError(
                    f"covariates must be a dict with the keys of {name}, in the same order"
                )
            covariates = [covariates[key] for key in series]
        return values, covariates, {"layout": "dict", "ids": ids, "columns": None}
    if not is_long(series, columns[0]):
        return series, covariates, None
    if covariates is not None:
        raise ValueError(
            f"covariates must be None when {name} is a long DataFrame: its columns besides "
            f"{', '.join(map(repr, columns))} are the covariates"
        )
    return _split_long(series, list(columns), name)


def _split_long(frame, columns, name):
    pd = pandas()
    id_col, time_col, target_col = columns
    for role, column in (("time_col", time_col), ("target_col", target_col)):
        if column not in frame.columns:
            raise ValueError(
                f"{name} is a long DataFrame (it has the id column {id_col!r}) without the "
                f"{role} column {column!r}; its columns are {list(frame.columns)}: name yours "
                f"with fit(..., {role}=...)"
            )
    extra = [c for c in frame.columns if c not in columns]
    for column in [target_col, *extra]:
        _check_numbers(frame, column, name)
    _check_times(frame, time_col, name)
    if frame[id_col].isna().any():
        row = int(np.flatnonzero(frame[id_col].isna().to_numpy())[0])
        raise ValueError(f"{name}: the id column {id_col!r} is missing at row {row}")
    codes, uniques = pd.factorize(frame[id_col], sort=False)
    ids = _json_ids(list(uniques), f"{name}[{id_col!r}]")
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(ids)))[:-1]
    parts = [
        frame.iloc[rows].sort_values(time_col, kind="stable") for rows in np.split(order, bounds)
    ]
    for key, part in zip(ids, parts, strict=True):
        _check_part(part, key, columns, name)
    frequencies = _panel_frequencies(pd, [part[time_col] for part in parts])
    values = [
        pd.Series(
            part[target_col].to_numpy(dtype=np.float64),
            index=_time_index(pd, part[time_col], frequencies, f"{name} ({id_col} {key!r})"),
            name=target_col,
        )
        for key, part in zip(ids, parts, strict=True)
    ]
    covariates = [part[extra].to_numpy(dtype=np.float64) for part in parts] if extra else None
    panel = {"layout": "long", "ids": ids, "columns": [*columns, *extra]}
    return values, covariates, panel


def _json_ids(ids, name) -> list:
    """The ids as JSON can save them: text or integers (NumPy's as Python's), none twice."""
    plain = [key.item() if isinstance(key, np.generic) else key for key in ids]
    for key in plain:
        if isinstance(key, bool) or not isinstance(key, str | int):
            raise TypeError(
                f"{name}: series ids must be text or integers; got {key!r} ({type(key).__name__})"
            )
    if not plain:
        raise ValueError(f"{name} is empty: it holds no series to fit")
    return plain


def _check_numbers(frame, column, name) -> None:
    """A value or covariate column must hold finite numbers: the first bad row is named."""
    pd = pandas()
    cells = frame[column]
    numbers = pd.to_numeric(cells, errors="coerce") if cells.dtype.kind not in "iufb" else cells
    bad = ~np.isfinite(numbers.to_numpy(dtype=np.float64, na_value=np.nan))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}: column {column!r} must hold finite numbers; row {row} holds "
            f"{cells.iloc[row]!r} (fill or drop missing values first)"
        )


def _check_times(frame, time_col, name) -> None:
    pd = pandas()
    times = frame[time_col]
    if pd.api.types.is_datetime64_any_dtype(times) or pd.api.types.is_integer_dtype(times):
        if times.isna().any():
            row = int(np.flatnonzero(times.isna().to_numpy())[0])
            raise ValueError(f"{name}: the time column {time_col!r} is missing at row {row}")
        return
    raise TypeError(
        f"{name}: the time column {time_col!r} must hold dates (datetime64) or integers; got "
        f"{times.dtype} (convert it: frame[{time_col!r}] = pandas.to_datetime(...))"
    )


def _check_part(part, key, columns, name) -> None:
    """One series' rows: each date once."""
    id_col, time_col, _ = columns
    twice = part[time_col].duplicated()
    if twice.any():
        date = part[time_col].iloc[int(np.flatnonzero(twice.to_numpy())[0])]
        raise ValueError(
            f"{name}: series {key!r} (column {id_col!r}) has two rows dated {date}; each "
            "(id, time) pair must have one row"
        )


def _panel_frequencies(pd, times) -> list:
    """The frequencies of the date columns of 3 or more rows, the commonest first (none for
    integer times)."""
    if not pd.api.types.is_datetime64_any_dtype(times[0]):
        return []
    found = [pd.infer_freq(pd.DatetimeIndex(t)) for t in times if len(t) >= 3]
    return [f for f, _ in Counter(f for f in found if f is not None).most_common()]


def _time_index(pd, times, frequencies, name):
    """The index of one series: integers as they are; dates with their own inferred frequency,
    or, where too few to infer one, the commonest of the panel's that they follow."""
    if not pd.api.types.is_datetime64_any_dtype(times):
        return pd.Index(times.to_numpy())
    index = pd.DatetimeIndex(times.to_numpy())
    if len(index) >= 3 or not frequencies:
        return index  # dated_series infers its frequency (or says why it cannot)
    for frequency in frequencies:
        try:
            return pd.DatetimeIndex(index, freq=frequency)
        except ValueError:
            continue  # the dates do not follow this one
    raise ValueError(
        f"{name}: its dates {list(index.astype(str))} are too few to infer a frequency and "
        f"follow none of the panel's ({', '.join(frequencies)})"
    )


# ---- what predict and score take and give ------------------------------------------------------


def join_panel(panel, result, level):
    """Forecasts from the list path (a list, or a tuple of three lists with intervals) in the
    panel's layout (module doc)."""
    ids = panel["ids"]
    if panel["layout"] == "dict":
        if isinstance(result, tuple):
            return tuple(dict(zip(ids, part, strict=True)) for part in result)
        return dict(zip(ids, result, strict=True))
    pd = pandas()
    id_col, time_col = panel["columns"][:2]
    names = {"forecast": MODEL_NAME, **interval_columns(level)}
    frames = []
    for key, item in zip(ids, result, strict=True):
        table = item.to_frame("forecast") if isinstance(item, pd.Series) else item
        columns = {names[c]: table[c].to_numpy() for c in table.columns}
        frames.append(pd.DataFrame({id_col: key, time_col: table.index.to_numpy(), **columns}))
    return pd.concat(frames, ignore_index=True)


def interval_columns(level) -> dict:
    """The long table's names of the interval bounds at `level`: lstmkit-lo-95, lstmkit-hi-95."""
    percent = f"{100 * level:.10g}"
    return {"lower": f"{MODEL_NAME}-lo-{percent}", "upper": f"{MODEL_NAME}-hi-{percent}"}


def panel_items(panel, given, name, value_columns):
    """`given` (a long DataFrame, or a dict, in the panel's layout) as the list of one item per
    fitted series, in the fitted ids' order: pandas objects indexed by their times, holding
    `value_columns` (the target for score's y, the covariates for future_covariates)."""
    ids = panel["ids"]
    if panel["layout"] == "dict":
        if not isinstance(given, dict):
            raise TypeError(f"{name} must be a dict like the series given to fit")
        if list(given) != ids:
            raise ValueError(f"{name} must have the keys of the series given to fit, in order")
        return list(given.values())
    id_col, time_col = panel["columns"][:2]
    if not is_long(given, id_col) or time_col not in given.columns:
        raise TypeError(
            f"{name} must be a long DataFrame with the columns {id_col!r} and {time_col!r}, like "
            "the series given to fit"
        )
    missing = [c for c in value_columns if c not in given.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {missing}")
    pd = pandas()
    found = set(given[id_col].tolist())
    absent = [key for key in ids if key not in found]
    if absent:
        raise ValueError(f"{name} holds no rows for the series {absent[:5]}")
    items = []
    for key in ids:
        part = given[given[id_col] == key].sort_values(time_col, kind="stable")
        index = pd.Index(part[time_col].to_numpy())
        values = part[value_columns].to_numpy(np.float64)
        one = len(value_columns) == 1  # a Series, as the series themselves were
        items.append(pd.Series(values[:, 0], index=index) if one else pd.DataFrame(values, index))
    return items


# ---- a loaded panel is checked before use ------------------------------------------------------


class PanelCheck:
    """What a saved `panel_` may be (the fitted-state declaration's check): None, or the JSON
    object of the module doc."""

    none_ok = True

    def problem(self, value):
        if value is None or _is_panel(value):
            return None
        return (
            "None or a panel (a JSON object with keys layout, ids, columns: a known layout, "
            "distinct text or integer ids, and column names for a long one)"
        )


def _is_panel(value) -> bool:
    if not isinstance(value, dict) or set(value) != {"layout", "ids", "columns"}:
        return False
    ids, columns = value["ids"], value["columns"]
    if value["layout"] not in LAYOUTS or not isinstance(ids, list) or not ids:
        return False
    if any(isinstance(key, bool) or not isinstance(key, str | int) for key in ids):
        return False
    if len(set(ids)) != len(ids):
        return False
    if value["layout"] == "dict":
        return columns is None
    return isinstance(columns, list) and len(columns) >= 3


def check_restored_panel(panel, series: int) -> None:
    """A loaded model's panel against its history: one id per series."""
    if panel is not None and len(panel["ids"]) != series:
        raise ValueError(
            f"fitted panel_ has {len(panel['ids'])} ids for {series} series; the file is damaged"
        )
