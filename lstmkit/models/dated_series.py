"""Dated series in and out of the Forecaster: pandas objects and lstmkit's own `Series`.

Besides plain arrays, `Forecaster.fit` takes a pandas Series (its index a DatetimeIndex, a
PeriodIndex or evenly spaced integers such as a RangeIndex), a pandas DataFrame (its columns:
one series of several channels), lstmkit's `Series` (what `read_csv_series` and `load_airline`
return), or a list of those. `undress` takes the values out for the arrays path, so that the
numbers are exactly those fitted on the values alone, and keeps a *form* per series: what it
was, its names, and where and how its index steps. `dress` gives forecasts back in that form,
indexed from the step after the last one:

    given              predict                      predict(return_intervals=True)
    pandas Series      Series, the same name        DataFrame, columns forecast, lower, upper
    pandas DataFrame   DataFrame, the same columns  DataFrame, columns (forecast | lower |
                                                    upper, column): a two-level column index
    lstmkit Series     Series, its dates continued  (forecast, lower, upper) Series
    a list of those    a list                       a list

A form is plain JSON, saved with the model (`Forecaster.index_form_`):

    {"type": "series" | "frame" | "csv", "names": [column names],
     "index": "datetime" | "period" | "range" | "none",
     "end": the last index label (ISO text or an integer; None without dates),
     "freq": a pandas frequency ("MS", "W-SUN", "h") or None,
     "step": steps between consecutive labels (integer index, periods, numpy dates) or None,
     "tz": the DatetimeIndex's time zone or None}

pandas covariates (and future covariates) must carry the series' index (the forecasts' dates),
since their rows are matched by position. One series dated as NumPy can hold it also gives the
Forecaster its `end_date_` and `date_step_`, by which `lstmkit evaluate` finds the values that
followed; a dated `y` given to `score` must begin one step after the series' end.

Dates must be usable to continue: no missing date (NaT), none twice, increasing, and regular
(a frequency pandas can name, or one constant step for lstmkit's numpy dates). Irregular dates
are refused; give the values alone (`series.to_numpy()`) to forecast without dates.

pandas stays optional: it is imported only when an object needs it, never when lstmkit is
imported. A pandas object cannot exist without pandas, so only two things need it: a model
saved from pandas objects, and lstmkit Series whose dates step by calendar months of days
(pandas names that frequency; without it, dates must step by one constant count of their unit).
"""

import sys

import numpy as np

from lstmkit.data.csv_series import Series
from lstmkit.data.pandas_import import pandas, pandas_if_installed

TYPES = ("series", "frame", "csv")
INDEXES = ("datetime", "period", "range", "none")
KEYS = ("type", "names", "index", "end", "freq", "step", "tz")
_END_TYPES = {"datetime": str, "period": str, "range": int, "none": type(None)}  # of "end"


def _loaded_pandas():
    """The pandas module when something imported it already, else None (then no pandas
    object can exist, and nothing is imported to find that out)."""
    return sys.modules.get("pandas")


def is_dated(value) -> bool:
    """Whether `value` is one of the dated forms (pandas Series / DataFrame, lstmkit Series)."""
    if isinstance(value, Series):
        return True
    pd = _loaded_pandas()
    return pd is not None and isinstance(value, pd.Series | pd.DataFrame)


def undress(series, name: str = "series"):
    """(the values of `series` for `as_series_list`, a list of forms with one per series or
    None when `series` holds plain arrays). Errors call it `name`."""
    if is_dated(series):
        values, form = _undress_one(series, name)
        return values, [form]
    if isinstance(series, list | tuple) and any(is_dated(item) for item in series):
        plain = [i for i, item in enumerate(series) if not is_dated(item)]
        if plain:
            raise TypeError(
                f"{name} mixes dated series (pandas or lstmkit Series) and plain arrays "
                f"({name}[{plain[0]}] is {type(series[plain[0]]).__name__}); give all of one kind"
            )
        parts = [_undress_one(item, f"{name}[{i}]") for i, item in enumerate(series)]
        return [values for values, _ in parts], [form for _, form in parts]
    return series, None


def _undress_one(series, name):
    if isinstance(series, Series):
        return series.values, _csv_form(series, name)
    pd = _loaded_pandas()
    kind = "series" if isinstance(series, pd.Series) else "frame"
    names = [series.name] if kind == "series" else list(series.columns)
    form = {"type": kind, "names": [_json_name(n) for n in names], **_index_form(series, name)}
    return series.to_numpy(), form


def _json_name(label):
    """A column name as JSON can hold it (other labels as their text)."""
    return label if label is None or isinstance(label, str | int | float) else str(label)


def _index_part(kind="none", end=None, freq=None, step=None, tz=None) -> dict:
    """The index keys of a form (see the module doc); by default: no index."""
    return {"index": kind, "end": end, "freq": freq, "step": step, "tz": tz}


# ---- what an index says ------------------------------------------------------------------------


def _index_form(series, name) -> dict:
    """The index part of a pandas object's form, refusing an index that cannot be continued."""
    pd = _loaded_pandas()
    index = series.index
    if isinstance(index, pd.DatetimeIndex | pd.PeriodIndex):
        _check_labels(index, name, missing=index.hasnans)
    if isinstance(index, pd.DatetimeIndex):
        return _datetime_form(index, name)
    if isinstance(index, pd.PeriodIndex):
        step = _constant_step(index.asi8, name, "periods")
        return _index_part("period", str(index[-1]), index.freqstr, step)
    if index.dtype.kind in "iu":
        _check_labels(index, name, missing=False)
        step = _constant_step(index.to_numpy(), name, "integers")
        return _index_part("range", int(index[-1]), step=step)
    raise TypeError(
        f"{name} must be indexed by dates (DatetimeIndex), periods (PeriodIndex) or evenly "
        f"spaced integers (RangeIndex); got an index of {index.dtype} ({type(index).__name__}); "
        f"give {name}.to_numpy() to forecast without dates"
    )


def _datetime_form(index, name) -> dict:
    freq = index.freq
    if freq is None and len(index) >= 3:
        freq = type(index)(index, freq="infer").freq
    if freq is None:
        raise ValueError(
            f"{name} has irregular dates ({index[0]} .. {index[-1]}): no frequency can be "
            f"inferred from them, so the dates of the forecasts are unknown; resample it "
            f"({name}.asfreq(...)) or give {name}.to_numpy() to forecast without dates"
        )
    tz = None if index.tz is None else str(index.tz)
    return _index_part("datetime", index[-1].isoformat(), freq.freqstr, tz=tz)


def _check_labels(index, name, missing) -> None:
    """No missing label, none twice, increasing: errors name the position."""
    if missing:
        position = int(np.flatnonzero(index.isna())[0])
        raise ValueError(f"{name} has a missing date (NaT) in its index at position {position}")
    twice = index.duplicated()
    if twice.any():
        position = int(np.flatnonzero(twice)[0])
        first = int(np.flatnonzero(index == index[position])[0])
        raise ValueError(
            f"{name} has the index label {index[position]} twice (positions {first} and "
            f"{position}); each step must have one value"
        )
    if not index.is_monotonic_increasing:
        position = int(np.flatnonzero(np.asarray(index[1:] < index[:-1]))[0]) + 1
        raise ValueError(
            f"{name}'s index is not sorted: {index[position]} (position {position}) comes after "
            f"{index[position - 1]}; sort it first ({name}.sort_index())"
        )


def _constant_step(labels, name, what) -> int:
    """The one step between consecutive labels (integers); irregular steps are refused."""
    steps = np.diff(np.asarray(labels, dtype=np.int64))
    if len(steps) and np.any(steps != steps[0]):
        position = int(np.flatnonzero(steps != steps[0])[0]) + 1
        raise ValueError(
            f"{name} has irregular {what} in its index: a step of {steps[0]} then "
            f"{steps[position - 1]} (position {position}); give {name}.to_numpy() to forecast "
            "without dates"
        )
    return int(steps[0]) if len(steps) else 1


def _csv_form(series, name) -> dict:
    """The form of lstmkit's Series: its dates continue by one constant step of their unit,
    or (with pandas) by the calendar frequency pandas infers (month starts, say)."""
    form = {"type": "csv", "names": list(series.columns), **_index_part()}
    if series.dates is None:
        return form
    dates = series.dates
    unit = np.datetime_data(dates.dtype)[0]
    form["index"], form["end"] = "datetime", str(np.datetime_as_string(dates[-1], unit=unit))
    steps = np.diff(dates).astype(np.int64)
    if len(steps) == 0 or np.all(steps == steps[0]):
        form["step"] = int(steps[0]) if len(steps) else 1
        return form
    pd = _loaded_pandas() or pandas_if_installed()
    index = None if pd is None or len(dates) < 3 else pd.DatetimeIndex(dates, freq="infer")
    if index is None or index.freq is None:
        raise ValueError(
            f"{name} has irregular dates ({dates[0]} .. {dates[-1]}): neither one constant step "
            f"of {unit!r} nor (with pandas) a calendar frequency; give {name}.values to forecast "
            "without dates"
        )
    form["freq"] = index.freq.freqstr
    return form


def evaluation_dates(series) -> tuple[str | None, int | None]:
    """(end_date_, date_step_) for `series` given to fit: its last date as ISO text and the
    median step between its dates in their NumPy unit, as `lstmkit evaluate` finds the values
    that followed; (None, None) unless it is one series whose dates NumPy holds (lstmkit's
    dates, or a DatetimeIndex without time zone)."""
    if isinstance(series, Series):
        dates = series.dates
    elif is_dated(series) and _loaded_pandas().api.types.is_datetime64_dtype(series.index):
        dates = series.index.to_numpy()
    else:
        return None, None
    if dates is None or len(dates) < 2:
        return None, None
    unit = np.datetime_data(dates.dtype)[0]
    step = int(round(float(np.median(np.diff(dates).astype(np.int64)))))
    return str(np.datetime_as_string(dates[-1], unit=unit)), step


# ---- forecasts dressed as the series came ------------------------------------------------------


def dress(forms, parts, many: bool):
    """Forecasts (one (S, h, K) array, or three: forecast, lower, upper) in the forms of the
    series given to fit: one object per series, a list when `many`."""
    dressed = [_dress_one(form, [part[i] for part in parts]) for i, form in enumerate(forms)]
    return dressed if many else dressed[0]


def _dress_one(form, arrays):
    steps = len(arrays[0])
    if form["type"] == "csv":
        dates = _future_dates(form, steps)
        made = [_csv_series(form["names"], values, dates) for values in arrays]
        return made[0] if len(made) == 1 else tuple(made)
    pd = pandas()
    index = _future_index(pd, form, steps)
    if form["type"] == "series":
        made = [pd.Series(values[:, 0], index=index, name=form["names"][0]) for values in arrays]
    else:
        made = [pd.DataFrame(values, index=index, columns=form["names"]) for values in arrays]
    if len(made) == 1:
        return made[0]
    together = dict(zip(("forecast", "lower", "upper"), made, strict=True))
    return pd.concat(together, axis=1) if form["type"] == "frame" else pd.DataFrame(together)


def _csv_series(names, values, dates) -> Series:
    return Series(
        values=values,
        columns=list(names),
        dates=dates,
        missing_count=dict.fromkeys(names, 0),
        missing_policy="error",  # a forecast has no missing value to fill
    )


def _future_dates(form, steps):
    """The next `steps` dates of lstmkit Series, in the unit of its dates (None undated)."""
    if form["index"] == "none":
        return None
    end = np.datetime64(form["end"])
    unit = np.datetime_data(end.dtype)[0]
    if form["freq"] is None:
        return end + np.arange(1, steps + 1) * np.timedelta64(form["step"], unit)
    pd = pandas()
    future = pd.date_range(start=pd.Timestamp(end), periods=steps + 1, freq=form["freq"])[1:]
    return future.to_numpy().astype(f"datetime64[{unit}]")


def _future_index(pd, form, steps):
    """The pandas index of the next `steps` labels after the form's end."""
    if form["index"] == "datetime":
        end = pd.Timestamp(form["end"])
        end = end.tz_convert(form["tz"]) if form["tz"] else end
        return pd.date_range(start=end, periods=steps + 1, freq=form["freq"])[1:]
    if form["index"] == "period":
        end = pd.Period(form["end"], freq=form["freq"])
        return pd.PeriodIndex([end + form["step"] * k for k in range(1, steps + 1)])
    end, step = form["end"], form["step"]
    return pd.RangeIndex(end + step, end + step * (steps + 1), step)


def check_following(forms, y, name: str = "y") -> None:
    """Dated `y`, the values that followed the training series, must begin one step after
    each series' end (plain arrays in `y` are taken as they come)."""
    items = y if isinstance(y, list | tuple) else [y]
    for form, item in zip(forms, items, strict=False):  # the counts are the caller's check
        first = _first_label(item)
        if first is None or form["index"] == "none":
            continue
        expected = _future_labels(form, 1)[0]
        if first != expected:
            raise ValueError(
                f"{name} must hold the values that followed the training series: it should "
                f"begin at {expected}, one step after {form['end']}; it begins at {first}"
            )


def _first_label(item):
    """The first date (or label) of a dated series, None for plain values or no dates."""
    if isinstance(item, Series):
        return None if item.dates is None else item.dates[0]
    return item.index[0] if is_dated(item) else None


def _future_labels(form, steps):
    if form["type"] == "csv":
        return _future_dates(form, steps)
    return _future_index(pandas(), form, steps)


def check_covariate_index(series, covariates, name: str = "covariates") -> None:
    """pandas covariates of pandas series must carry the series' index: their rows are matched
    by position, so covariates indexed otherwise (other dates, another order) are refused."""
    pairs = _pairs(series, covariates)
    for i, (item, given) in enumerate(pairs):
        if _is_pandas(item) and _is_pandas(given):
            _same_index(given.index, item.index, _nth(name, i, len(pairs)), "the series'")


def check_future_index(forms, future_covariates, steps: int) -> None:
    """pandas future covariates must be indexed by the `steps` dates after each series."""
    if forms is None or future_covariates is None:
        return
    many = isinstance(future_covariates, list | tuple)
    given = future_covariates if many else [future_covariates]
    for i, (form, item) in enumerate(zip(forms, given, strict=False)):  # counts: checked before
        if form["type"] != "csv" and _is_pandas(item):
            expected = _future_index(pandas(), form, steps)
            name = _nth("future_covariates", i, len(given))
            _same_index(item.index, expected, name, "the forecasts'")


def _pairs(series, covariates) -> list:
    many = isinstance(series, list | tuple) and isinstance(covariates, list | tuple)
    return list(zip(series, covariates, strict=False)) if many else [(series, covariates)]


def _nth(name, i, count) -> str:
    return f"{name}[{i}]" if count > 1 else name


def _is_pandas(value) -> bool:
    return is_dated(value) and not isinstance(value, Series)


def _same_index(got, expected, name, whose) -> None:
    if not got.equals(expected):
        raise ValueError(
            f"{name} must carry {whose} index ({len(expected)} rows, {expected[0]} .. "
            f"{expected[-1]}); got {len(got)} rows, {got[0]} .. {got[-1]}: rows are matched by "
            "position, so give them in the same order (or plain arrays)"
        )


# ---- a loaded form is checked before use -------------------------------------------------------


class FormCheck:
    """What a saved `index_form_` may be (the fitted-state declaration's check): None, or a list
    of forms with the keys above, their type and index among the known ones."""

    none_ok = True

    def problem(self, value):
        if value is None:
            return None
        if isinstance(value, list) and value and all(_is_form(f) for f in value):
            return None
        return f"None or a non-empty list of forms (JSON objects with keys {', '.join(KEYS)})"


def _is_form(form) -> bool:
    if not isinstance(form, dict) or set(form) != set(KEYS):
        return False
    if form["type"] not in TYPES or form["index"] not in INDEXES:
        return False
    if not isinstance(form["names"], list) or type(form["end"]) is not _END_TYPES[form["index"]]:
        return False
    step_ok = form["step"] is None or (type(form["step"]) is int and form["step"] > 0)
    return step_ok and all(form[k] is None or isinstance(form[k], str) for k in ("freq", "tz"))


def check_restored_forms(forms, series: int, channels: int) -> None:
    """A loaded model's forms against its history: one form per series, naming its channels."""
    if forms is None:
        return
    if len(forms) != series:
        raise ValueError(
            f"fitted index_form_ has {len(forms)} forms for {series} series; the file is damaged"
        )
    for form in forms:
        if len(form["names"]) != channels:
            raise ValueError(
                f"fitted index_form_ names {len(form['names'])} columns for {channels} channels; "
                "the file is damaged"
            )
