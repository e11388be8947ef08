"""Dated series in and out of the Forecaster (issue 20, pandas in and out): pandas Series and
DataFrames, lstmkit's own Series (read_csv_series, load_airline), lists of those; forecasts
come back dated, with the numbers of the arrays path; bad indexes are refused by name."""

import subprocess
import sys

import numpy as np
import pytest

from lstmkit.data import Series, read_csv_series
from lstmkit.datasets import load_airline
from lstmkit.models.forecaster import Forecaster
from tests.io.test_model_file import _rewrite_metadata

pd = pytest.importorskip("pandas")

TINY = dict(horizon=3, period=12, lookback=12, hidden_size=4, epochs=1, ensemble=1, seed=0)
MONTHS = pd.date_range("1949-01-01", periods=144, freq="MS")


@pytest.fixture(scope="module")
def airline():
    return load_airline()


@pytest.fixture(scope="module")
def passengers(airline):
    """The airline data as a pandas Series with a DatetimeIndex of month starts."""
    return pd.Series(airline.values[:, 0], index=MONTHS, name="Passengers")


@pytest.fixture(scope="module")
def fitted(passengers):
    return Forecaster(**TINY).fit(passengers)


def fit(series):
    return Forecaster(**TINY).fit(series)


# -- dated results out --------------------------------------------------------------------------


def test_a_dated_series_gets_dated_forecasts_with_the_numbers_of_its_values(fitted, passengers):
    forecast = fitted.predict()
    assert isinstance(forecast, pd.Series) and forecast.name == "Passengers"
    expected = pd.date_range("1961-01-01", periods=3, freq="MS")
    pd.testing.assert_index_equal(forecast.index, expected)
    np.testing.assert_array_equal(forecast.to_numpy(), fit(passengers.to_numpy()).predict())
    pd.testing.assert_index_equal(fitted.predict(horizon=2).index, expected[:2])


def test_intervals_of_a_series_are_a_frame_of_forecast_lower_upper(fitted, passengers):
    intervals = fitted.predict(return_intervals=True, level=0.8)
    assert list(intervals.columns) == ["forecast", "lower", "upper"]
    pd.testing.assert_index_equal(intervals.index, fitted.predict().index)
    arrays = fit(passengers.to_numpy()).predict(return_intervals=True, level=0.8)
    for column, array in zip(intervals.columns, arrays, strict=True):
        np.testing.assert_array_equal(intervals[column].to_numpy(), array)


def test_a_frame_of_channels_gets_a_frame_with_its_columns(passengers):
    frame = pd.DataFrame(
        {"a": passengers.to_numpy(), "b": passengers.to_numpy() ** 1.1},
        index=pd.period_range("1949-01", periods=144, freq="M"),
    )
    model = fit(frame)
    forecast = model.predict()
    assert list(forecast.columns) == ["a", "b"]
    pd.testing.assert_index_equal(forecast.index, pd.period_range("1961-01", periods=3, freq="M"))
    np.testing.assert_array_equal(forecast.to_numpy(), fit(frame.to_numpy()).predict())
    intervals = model.predict(return_intervals=True)
    assert list(intervals.columns) == [
        (part, column) for part in ("forecast", "lower", "upper") for column in ("a", "b")
    ]
    pd.testing.assert_frame_equal(intervals["forecast"], forecast)


def test_a_list_of_series_with_integer_indexes_continues_each(passengers):
    first = passengers.reset_index(drop=True)  # RangeIndex 0..143
    second = pd.Series(passengers.to_numpy()[:100], index=np.arange(0, 200, 2))
    forecasts = fit([first, second]).predict()
    pd.testing.assert_index_equal(forecasts[0].index, pd.RangeIndex(144, 147))
    pd.testing.assert_index_equal(forecasts[1].index, pd.RangeIndex(200, 206, 2))
    plain = fit([first.to_numpy(), second.to_numpy()]).predict()
    for dated, array in zip(forecasts, plain, strict=True):
        np.testing.assert_array_equal(dated.to_numpy(), array)


def test_lstmkit_series_from_load_airline_and_read_csv_series_fit(airline, tmp_path):
    forecast = fit(airline).predict()
    assert isinstance(forecast, Series) and forecast.columns == ["Passengers"]
    np.testing.assert_array_equal(
        forecast.dates, np.array(["1961-01", "1961-02", "1961-03"], dtype="datetime64[M]")
    )
    np.testing.assert_array_equal(forecast.values, fit(airline.values).predict())
    lower = fit(airline).predict(return_intervals=True)[1]
    np.testing.assert_array_equal(lower.dates, forecast.dates)
    # daily-unit dates of month starts step by calendar months: pandas names the frequency
    path = tmp_path / "monthly.csv"
    path.write_text("date,v\n" + "".join(f"{d.date()},{v}\n" for d, v in zip(
        MONTHS, airline.values[:, 0], strict=True)))  # fmt: skip
    read = read_csv_series(path)
    np.testing.assert_array_equal(
        fit(read).predict().dates,
        np.array(["1961-01-01", "1961-02-01", "1961-03-01"], dtype="datetime64[D]"),
    )


def test_score_takes_the_dated_values_that_followed(fitted, passengers):
    following = fitted.predict() * 1.1
    assert fitted.score(following) == fit(passengers.to_numpy()).score(following.to_numpy())
    with pytest.raises(ValueError, match=r"y .* should begin at 1961-01-01 00:00:00, one step "):
        fitted.score(passengers[-3:])  # the last training values, not those that followed
    model = fit(load_airline())
    forecast = model.predict()
    month_late = Series(forecast.values, forecast.columns, forecast.dates + 1, {}, "error")
    with pytest.raises(ValueError, match="should begin at 1961-01, one step after 1960-12"):
        model.score(month_late)


def test_a_saved_model_keeps_its_dates(fitted, tmp_path):
    fitted.save(tmp_path / "f.safetensors")
    loaded = Forecaster.load(tmp_path / "f.safetensors")
    pd.testing.assert_series_equal(loaded.predict(), fitted.predict())
    pd.testing.assert_frame_equal(
        loaded.predict(return_intervals=True), fitted.predict(return_intervals=True)
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda forms: forms * 2, "index_form_ has 2 forms for 1 series"),
        (lambda forms: [{**forms[0], "end": 1960}], "fitted index_form_ must be None or a"),
        (lambda forms: [{**forms[0], "names": []}], "names 0 columns for 1 channels"),
        (lambda forms: "monthly", "fitted index_form_ must be None or a"),
    ],
)
def test_a_damaged_form_in_a_file_is_refused_at_load(airline, tmp_path, change, problem):
    path = tmp_path / "f.safetensors"
    fit(airline).save(path)

    def damage(info, tensors):
        fitted = info["config"]["fitted"]
        fitted["index_form_"] = change(fitted["index_form_"])

    _rewrite_metadata(path, damage)
    with pytest.raises(ValueError, match=problem):
        Forecaster.load(path)


# -- indexes that cannot be continued are refused, naming the argument -------------------------


@pytest.mark.parametrize(
    ("index", "problem"),
    [
        (MONTHS.insert(5, MONTHS[4]).delete(6), r"series has the index label 1949-05-01 00:00:00 "
         r"twice \(positions 4 and 5\)"),
        (MONTHS[::-1], r"series's index is not sorted"),
        (MONTHS.insert(3, pd.NaT).delete(4), r"series has a missing date \(NaT\).*position 3"),
        (MONTHS.delete(7).append(pd.DatetimeIndex(["1961-06-01"])), "series has irregular dates"),
        (pd.Index(np.arange(144) ** 2), r"series has irregular integers.*step of 1 then 3"),
    ],
)  # fmt: skip
def test_bad_indexes_are_refused_by_name(passengers, index, problem):
    with pytest.raises(ValueError, match=problem):
        fit(pd.Series(passengers.to_numpy(), index=index))


def test_an_index_of_text_and_a_mixed_list_are_refused(passengers):
    with pytest.raises(TypeError, match=r"series must be indexed by dates.*got an index of"):
        fit(pd.Series(passengers.to_numpy(), index=[f"m{i}" for i in range(144)]))
    with pytest.raises(TypeError, match=r"series mixes dated series.*series\[1\] is ndarray"):
        fit([passengers, passengers.to_numpy()])


# -- pandas optional ----------------------------------------------------------------------------


def test_lstmkit_does_not_import_pandas():
    code = (
        "import sys, lstmkit, lstmkit.models.forecaster, lstmkit.datasets;"
        "assert 'pandas' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_pandas_a_pandas_model_says_what_to_install(fitted, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas raises ImportError
    with pytest.raises(ImportError, match=r"lstmkit\[pandas\]"):
        fitted.predict()


def test_a_time_zone_is_kept_through_save_and_load(passengers, tmp_path):
    hours = pd.date_range("2020-03-23 01:00", periods=144, freq="h", tz="Europe/Paris")
    model = fit(pd.Series(passengers.to_numpy(), index=hours))
    expected = pd.date_range(hours[-1], periods=4, freq="h")[1:]  # across the change to DST
    pd.testing.assert_index_equal(model.predict().index, expected)
    model.save(tmp_path / "f.safetensors")
    pd.testing.assert_index_equal(
        Forecaster.load(tmp_path / "f.safetensors").predict().index, expected
    )


def test_without_pandas_lstmkit_dates_must_step_evenly(airline, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    assert fit(airline).predict().dates[0] == np.datetime64("1961-01")  # months: one step each
    days = Series(airline.values, ["Passengers"], MONTHS.to_numpy().astype("datetime64[D]"), {}, "")
    with pytest.raises(ValueError, match=r"series has irregular dates .* a calendar frequency"):
        fit(days)  # month starts step by 28 to 31 days: only pandas names that frequency


def test_one_dated_series_tells_evaluate_where_its_data_end(fitted, airline, passengers):
    from lstmkit.cli.forecast_dates import values_after_training

    model = fit(airline)
    assert (model.end_date_, model.date_step_) == ("1960-12", 1)
    assert fitted.end_date_.startswith("1960-12-01T00:00:00") and fitted.date_step_ > 0
    following = Series(np.array([[1.0], [2.0]]), ["P"], np.array(["1961-01", "1961-02"],
                       dtype="datetime64[M]"), {}, "error")  # fmt: skip
    for dated in (model, fitted):  # lstmkit evaluate then scores the values dated after 1960-12
        np.testing.assert_array_equal(
            np.ravel(values_after_training(dated, following, "f")[0]), [1, 2]
        )
    assert fit(passengers.to_numpy()).end_date_ is None


def test_pandas_covariates_must_carry_the_series_dates(passengers):
    covariates = pd.DataFrame({"month": MONTHS.month}, index=MONTHS)
    model = Forecaster(**TINY).fit(passengers, covariates=covariates)
    future = pd.date_range("1961-01-01", periods=3, freq="MS")
    forecast = model.predict(future_covariates=pd.DataFrame({"month": future.month}, index=future))
    pd.testing.assert_index_equal(forecast.index, future)
    with pytest.raises(ValueError, match=r"covariates must carry the series' index .* 1949-01-01"):
        Forecaster(**TINY).fit(passengers, covariates=covariates[::-1])
    late = pd.DataFrame({"month": future.month}, index=future + pd.offsets.MonthBegin())
    with pytest.raises(ValueError, match=r"future_covariates must carry the forecasts' index"):
        model.predict(future_covariates=late)
