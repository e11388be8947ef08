"""Which values of a CSV a saved Forecaster is scored against (`lstmkit evaluate`).

A forecaster continues the series it was fitted on, so its forecast is only comparable with
the values that followed that series. `lstmkit forecast` therefore has the model remember the
last date of its training data and the step between dates (`end_date_`, `date_step_`, in the
dates' own unit), and evaluate takes the rows of DATA dated after that end:

- dated model, dated DATA: the rows dated after the training end, the first of them one step
  after it and each one step after the one before (half a step to one and a half steps, so
  that months of 28 to 31 days count as one step), at most HORIZON of them. DATA with no row
  after the end, or with a gap (a missing step), is refused: those are not the values that
  followed;
- dated model, undated DATA: refused, nothing tells which rows followed;
- undated model (fitted on undated data, through the Python API, or saved before models kept
  their dates), dated DATA: refused, the model cannot tell which dates followed its data;
- undated model, undated DATA: nothing can be checked; the rows are taken in order as the
  values that followed the training series (the first HORIZON of them), and the output says so.
"""

import numpy as np

SPACING = (0.5, 1.5)  # a step between two consecutive dates, as a fraction of the usual step


def remember_dates(model, time) -> None:
    """Have `model` (fitted on a series with steps `time`) keep the last date and the usual
    step between dates; nothing when `time` holds step numbers, not dates."""
    time = np.asarray(time)
    if not np.issubdtype(time.dtype, np.datetime64) or len(time) < 2:
        return
    unit = np.datetime_data(time.dtype)[0]
    step = int(round(float(np.median(np.diff(time).astype(np.int64)))))
    if step < 1:  # dates that do not increase: no step to match later dates against
        return
    model.end_date_ = str(np.datetime_as_string(time[-1], unit=unit))
    model.date_step_ = step


def values_after_training(model, series, name) -> tuple[np.ndarray, str]:
    """(the values of `series` (read from file `name`) that followed the model's training
    data, (n, K) for its K columns; a description of which rows they are), by the rules of
    the module doc."""
    end = getattr(model, "end_date_", None)
    if end is None:
        return _undated(series, name, model.horizon)
    if series.dates is None:
        raise ValueError(
            f"{name} has no dates, but the model was fitted on data dated up to {end}: "
            f"evaluate needs the values dated after {end}, with their dates"
        )
    return _dated(series, name, end, model.date_step_, model.horizon)


def _undated(series, name, horizon):
    if series.dates is not None:
        raise ValueError(
            f"{name} is dated, but the model does not know the dates of its training data "
            "(it was fitted on undated data, or saved before lstmkit kept them), so the rows "
            "that followed that data cannot be found; refit it with `lstmkit forecast` on a "
            "dated CSV, or give the values that followed without dates"
        )
    actual = series.values[:horizon]
    return (
        actual,
        f"the first {len(actual)} rows of {name} (undated: taken as the values "
        "that followed the training series)",
    )


def _dated(series, name, end, step, horizon):
    end_date = _end_date(end)
    unit = np.datetime_data(end_date.dtype)[0]
    dates = series.dates.astype(f"datetime64[{unit}]")
    after = np.flatnonzero(dates > end_date)[:horizon]
    if len(after) == 0:
        raise ValueError(
            f"{name} holds no values dated after {end}, where the model's training data ends "
            f"(its dates run from {series.dates[0]} to {series.dates[-1]}); evaluate needs "
            "the values that followed"
        )
    steps = np.diff(np.concatenate([[end_date], dates[after]])).astype(np.int64) / step
    off = np.flatnonzero((steps < SPACING[0]) | (steps > SPACING[1]))
    if len(off):
        before = end if off[0] == 0 else series.dates[after[off[0] - 1]]
        raise ValueError(
            f"{name} does not hold the values that followed the model's training data (which "
            f"ends at {end}): after {before} its next date is {series.dates[after[off[0]]]}, "
            "not one step later"
        )
    first, last = series.dates[after[0]], series.dates[after[-1]]
    return series.values[after], f"the {len(after)} values of {name} from {first} to {last}"


def _end_date(text: str) -> np.datetime64:
    """The model's end_date_ as a date (a model file could hold any text there)."""
    try:
        return np.datetime64(text)
    except ValueError:
        problem = f"the model's end_date_ is {text!r:.40}, not a date"
    raise ValueError(f"{problem}: the model file is damaged")
