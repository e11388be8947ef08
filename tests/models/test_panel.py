"""Panels in and out of the Forecaster (issue 17): a long DataFrame (unique_id, ds, y, covariate
columns) or a dict {id: series}; series of different lengths, start dates and frequencies;
forecasts in the layout given, with the numbers of the list-of-arrays path."""

import numpy as np
import pytest

from lstmkit.models.forecaster import Forecaster
from lstmkit.models.panel import PanelCheck

pd = pytest.importorskip("pandas")

TINY = dict(horizon=3, period=1, lookback=4, hidden_size=4, epochs=2, ensemble=1, seed=0)


def values(length, level):
    t = np.arange(length, dtype=np.float64)
    return level + np.sin(t) + 0.1 * t


# ids "b" before "a" (order of first appearance kept, not sorted); b monthly from 2001-05,
# a quarterly from 1999 Q1, c two months only (too few to infer: takes the panel's monthly)
SERIES = {
    "b": (values(20, 10.0), pd.date_range("2001-05-01", periods=20, freq="MS")),
    "a": (values(12, 30.0), pd.date_range("1999-01-01", periods=12, freq="QS")),
    "c": (values(2, 5.0), pd.date_range("2010-01-01", periods=2, freq="MS")),
}


FUTURE_DATES = ["2003-01-01", "2003-02-01", "2003-03-01"]  # b ends 2002-12: months follow
FUTURE_DATES += ["2002-01-01", "2002-04-01", "2002-07-01"]  # a ends 2001 Q4: quarters follow
FUTURE_DATES += ["2010-03-01", "2010-04-01", "2010-05-01"]  # c: the panel's months


def long_frame(series=SERIES, covariate=None):
    parts = []
    for key, (y, ds) in series.items():
        part = pd.DataFrame({"unique_id": key, "ds": ds, "y": y})
        if covariate is not None:
            part["promo"] = covariate(len(y))
        parts.append(part.iloc[::-1])  # each series' rows latest first: sorted by fit
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def fitted():
    return Forecaster(**TINY).fit(long_frame())


@pytest.fixture(scope="module")
def arrays_model():
    return Forecaster(**TINY).fit([y for y, _ in SERIES.values()])


def test_a_long_frame_gets_a_long_frame_dated_in_each_series_own_frequency(fitted, arrays_model):
    forecast = fitted.predict()
    assert list(forecast.columns) == ["unique_id", "ds", "lstmkit"]
    assert forecast["unique_id"].tolist() == ["b"] * 3 + ["a"] * 3 + ["c"] * 3
    assert forecast["ds"].tolist() == [pd.Timestamp(d) for d in FUTURE_DATES]
    np.testing.assert_array_equal(
        forecast["lstmkit"].to_numpy(), np.concatenate(arrays_model.predict())
    )


def test_interval_columns_are_named_by_level(fitted, arrays_model):
    table = fitted.predict(return_intervals=True, level=0.8)
    assert list(table.columns) == ["unique_id", "ds", "lstmkit", "lstmkit-lo-80", "lstmkit-hi-80"]
    point, lower, upper = arrays_model.predict(return_intervals=True, level=0.8)
    for column, expected in zip(table.columns[2:], (point, lower, upper), strict=True):
        np.testing.assert_array_equal(table[column].to_numpy(), np.concatenate(expected))
    assert "lstmkit-lo-95" in fitted.predict(return_intervals=True).columns


def test_a_dict_gets_a_dict_with_its_keys_in_order(arrays_model):
    model = Forecaster(**TINY).fit({key: y for key, (y, _) in SERIES.items()})
    forecast = model.predict()
    assert list(forecast) == ["b", "a", "c"]
    for got, expected in zip(forecast.values(), arrays_model.predict(), strict=True):
        np.testing.assert_array_equal(got, expected)
    point, lower, upper = model.predict(return_intervals=True)
    assert list(lower) == ["b", "a", "c"] and np.all(lower["a"] < point["a"])


def test_a_dict_of_dated_series_gets_dated_series(arrays_model):
    dated = {key: pd.Series(y, index=ds, name="sales") for key, (y, ds) in SERIES.items()}
    dated.pop("c")  # two dates alone have no frequency outside a long frame
    forecast = Forecaster(**TINY).fit(dated).predict()
    assert list(forecast) == ["b", "a"] and forecast["a"].name == "sales"
    expected = pd.DatetimeIndex(["2002-01-01", "2002-04-01", "2002-07-01"], freq="QS-JAN")
    pd.testing.assert_index_equal(forecast["a"].index, expected)


def test_save_and_load_keep_the_ids_and_their_order(fitted, tmp_path):
    fitted.save(tmp_path / "panel.safetensors")
    loaded = Forecaster.load(tmp_path / "panel.safetensors")
    assert loaded.panel_["ids"] == ["b", "a", "c"]
    pd.testing.assert_frame_equal(loaded.predict(), fitted.predict())


def test_covariate_columns_are_known_inputs_with_future_rows_as_a_long_frame():
    def promo(length):
        return (np.arange(length) % 3 == 0).astype(float)

    frame = long_frame(covariate=promo)
    model = Forecaster(**TINY).fit(frame)
    assert model.panel_["columns"] == ["unique_id", "ds", "y", "promo"]
    future = model.predict(future_covariates=future_rows())
    arrays = Forecaster(**TINY).fit(
        [y for y, _ in SERIES.values()],
        covariates=[promo(len(y))[:, None] for y, _ in SERIES.values()],
    )
    expected = arrays.predict(future_covariates=[np.ones((3, 1))] * 3)
    np.testing.assert_array_equal(future["lstmkit"].to_numpy(), np.concatenate(expected))


def future_rows():
    """The horizon's rows of the covariates: promo 1 at every future date."""
    ids = [key for key in SERIES for _ in range(3)]
    return pd.DataFrame({"unique_id": ids, "ds": pd.to_datetime(FUTURE_DATES), "promo": 1.0})


def test_score_takes_the_test_part_as_a_long_frame(fitted, arrays_model):
    test = fitted.predict().rename(columns={"lstmkit": "y"})
    test["y"] += 1.0  # every forecast 1 below the truth
    assert fitted.score(test, metric="mae") == pytest.approx(1.0, abs=1e-12)
    assert fitted.score(test, metric="neg_mae") == pytest.approx(-1.0, abs=1e-12)


@pytest.mark.parametrize(
    "change, error, message",
    [
        (lambda f: f.drop(columns="ds"), ValueError, "without the time_col column 'ds'"),
        (
            lambda f: f.assign(y=f["y"].astype(object).where(f.index != 4, "n/a")),
            ValueError,
            "column 'y' must hold finite numbers; row 4 holds 'n/a'",
        ),
        (
            lambda f: pd.concat([f, f.iloc[:1]]),
            ValueError,
            r"series 'b' \(column 'unique_id'\) has two rows dated 2002-12-01",
        ),
        (
            lambda f: f.assign(ds=f["ds"].astype(str)),
            TypeError,
            "the time column 'ds' must hold dates .* or integers",
        ),
    ],
)
def test_bad_panels_are_refused_by_name(change, error, message):
    with pytest.raises(error, match=message):
        Forecaster(**TINY).fit(change(long_frame()))


def test_a_damaged_panel_is_refused_when_loaded():
    assert PanelCheck().problem({"layout": "dict", "ids": ["a"], "columns": None}) is None
    for damaged in (
        {"layout": "wide", "ids": ["a"], "columns": None},
        {"layout": "dict", "ids": ["a", "a"], "columns": None},
        {"layout": "long", "ids": [1.5], "columns": ["unique_id", "ds", "y"]},
    ):
        assert PanelCheck().problem(damaged) is not None
