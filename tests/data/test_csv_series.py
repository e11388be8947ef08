"""read_csv_series: CSV time series with dates and missing values, shared files and small ones."""

import csv

import numpy as np
import pytest

from lstmkit.data import Series, read_csv_series
from tests.data.test_csv_series_pandas import both_readers  # noqa: F401 (each test on both)


def write(tmp_path, text, name="series.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def raw_rows(path):
    """The data rows of a CSV file, read independently of read_csv_series."""
    with open(path, newline="") as handle:
        return list(csv.reader(handle))[1:]


# -- the shared files ----------------------------------------------------------------------------


def test_airline(shared_data):
    path = shared_data / "forecasting" / "airline.csv"
    series = read_csv_series(path)
    assert isinstance(series, Series)
    assert series.values.shape == (144, 1) and series.values.dtype == np.float64
    assert series.columns == ["Passengers"]
    assert series.dates.dtype == np.dtype("datetime64[M]")
    assert series.dates[0] == np.datetime64("1949-01") and series.dates[-1] == np.datetime64(
        "1960-12"
    )
    assert (np.diff(series.dates) == np.timedelta64(1, "M")).all()
    assert series.missing_count == {"Passengers": 0}
    rows = raw_rows(path)
    np.testing.assert_array_equal(series.values[:, 0], [float(r[1]) for r in rows])
    assert series.values[0, 0] == 112


def test_sunspots(shared_data):
    path = shared_data / "forecasting" / "sunspots.csv"
    series = read_csv_series(path)
    assert series.values.shape == (309, 1) and series.columns == ["SUNACTIVITY"]
    assert series.dates[0] == np.datetime64("1700") and series.dates[-1] == np.datetime64("2008")
    rows = raw_rows(path)
    np.testing.assert_array_equal(series.values[:, 0], [float(r[1]) for r in rows])
    # the years can also be read as a value column when asked for
    both = read_csv_series(path, value_columns=["YEAR", "SUNACTIVITY"], date_column=False)
    assert both.dates is None and both.values[0].tolist() == [1700.0, 5.0]


def test_co2_missing_values(shared_data):
    path = shared_data / "forecasting" / "co2.csv"
    rows = raw_rows(path)
    observed = np.array([r[1] != "" for r in rows])
    assert len(rows) == 2284 and (~observed).sum() == 59

    series = read_csv_series(path)
    assert series.values.shape == (2284, 1) and series.missing_policy == "interpolate"
    assert series.missing_count == {"co2": 59}
    assert np.isfinite(series.values).all()
    assert series.dates[0] == np.datetime64("1958-03-29")
    assert series.dates[-1] == np.datetime64("2001-12-29")
    values = series.values[:, 0]
    np.testing.assert_array_equal(values[observed], [float(r[1]) for r in rows if r[1]])
    for t in np.flatnonzero(~observed):
        before = np.flatnonzero(observed[:t])
        after = t + 1 + np.flatnonzero(observed[t + 1 :])
        neighbours = [values[before[-1]]] if len(before) else []
        neighbours += [values[after[0]]] if len(after) else []
        assert min(neighbours) <= values[t] <= max(neighbours)
    # line 8 (1958-05-10) is missing between 317.5 (05-03) and 315.8 (05-17): weekly dates
    t = int(np.flatnonzero(series.dates == np.datetime64("1958-05-10"))[0])
    assert not observed[t] and values[t] == pytest.approx((values[t - 1] + values[t + 1]) / 2)

    dropped = read_csv_series(path, missing="drop")
    assert dropped.values.shape == (2225, 1) and dropped.missing_count == {"co2": 59}
    assert len(dropped.dates) == 2225
    filled = read_csv_series(path, missing="ffill")
    assert filled.values[t, 0] == values[t - 1]
    with pytest.raises(ValueError, match=r"co2.csv, line 8: missing value .* column 'co2'"):
        read_csv_series(path, missing="error")


# -- small files ---------------------------------------------------------------------------------


def test_multivariate_with_text_column_and_datetimes(tmp_path):
    text = (
        "time,temp,site,wind\n"
        "2020-01-01 00:00,1.5,north,3\n"
        "2020-01-01 00:30:15,2.5,north,\n"
        "2020-01-01T01:00,NA,north,5\n"
    )
    series = read_csv_series(write(tmp_path, text))
    assert series.columns == ["temp", "wind"]  # the text column 'site' is skipped
    assert series.dates.dtype == np.dtype("datetime64[s]")
    assert series.dates[1] == np.datetime64("2020-01-01T00:30:15")
    assert series.missing_count == {"temp": 1, "wind": 1}
    # interpolation is linear in time: 00:30:15 lies 1815/3600 of the way from 00:00 to 01:00
    assert series.values[1, 1] == pytest.approx(3 + 2 * 1815 / 3600)
    assert series.values[2, 0] == 2.5  # trailing gap: nearest value


def test_no_date_column_and_chosen_columns(tmp_path):
    text = "a,b,c\n1,10,100\n2,?,200\n4,40,nan\n"
    path = write(tmp_path, text)
    series = read_csv_series(path)
    assert series.dates is None and series.columns == ["a", "b", "c"]
    np.testing.assert_array_equal(series.values[:, 1], [10, 25, 40])
    np.testing.assert_array_equal(series.values[:, 2], [100, 200, 200])
    chosen = read_csv_series(path, value_columns=["c", "a"], missing="drop")
    assert chosen.columns == ["c", "a"] and chosen.values.tolist() == [[100, 1], [200, 2]]
    assert chosen.missing_count == {"c": 1, "a": 0}
    one = read_csv_series(path, value_columns="b", missing="ffill")
    assert one.values[:, 0].tolist() == [10, 10, 40]


def test_plain_numbers_in_the_first_column_are_not_years(tmp_path):
    series = read_csv_series(write(tmp_path, "sales,cost\n1200,3\n1100,4\n1300,5\n"))
    assert series.dates is None and series.columns == ["sales", "cost"]


def test_leading_gaps_and_explicit_date_column(tmp_path):
    text = "x,day\n,2021-03\nNaN,2021-04\n3,2021-05\n6,2021-06\n"
    series = read_csv_series(write(tmp_path, text), date_column="day")
    assert series.columns == ["x"] and series.dates[0] == np.datetime64("2021-03")
    assert series.values[:, 0].tolist() == [3, 3, 3, 6]
    ffill = read_csv_series(write(tmp_path, text), date_column="day", missing="ffill")
    assert ffill.values[:, 0].tolist() == [3, 3, 3, 6]


def test_blank_lines_quotes_and_bom(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text('\ufeff"date","v"\n\n2000,1\n\n2001,"2"\n', encoding="utf-8")
    series = read_csv_series(path)
    assert series.columns == ["v"] and series.values[:, 0].tolist() == [1, 2]


# -- errors: each names the file, the line and the problem ---------------------------------------


@pytest.mark.parametrize(
    ("text", "kwargs", "match"),
    [
        ("d,v\n2000-01,1\n2000-02,x\n", {}, "line 3: cannot read 'x' in column 'v'"),
        ("d,v\n2000-01,1\n2000-02,1e999\n", {}, "line 3: '1e999' in column 'v' is not a finite"),
        ("d,v\n2000-01,1\n2000-02,1,2\n", {}, "line 3: 3 fields; the header \\(line 1\\) has 2"),
        ("d,v\n2000-01,1\n2000-13,2\n", {}, "line 3: cannot read '2000-13' .* as a date"),
        ("d,v\n2000-01,1\n,2\n", {}, "line 3: missing date"),
        ("d,v\n2000-02,1\n2000-01,2\n", {}, "line 3: date '2000-01' does not come after"),
        ("d,v\n2000-02,1\n2000-02,2\n", {}, "line 3: .* dates must strictly increase"),
        ("d,v\n2000,1\n2001,?\n", {"missing": "error"}, "line 3: missing value .* column 'v'"),
        ("d,v\n2000,1\n", {"value_columns": ["w"]}, "'w' is not a column .*\\['d', 'v'\\]"),
        ("d,v\n2000,1\n", {"date_column": "when"}, "date_column 'when' is not a column"),
        ("d,v\n2000,1\n", {"value_columns": ["d"]}, "'d' is the date column"),
        ("d,d\n2000,1\n", {}, "line 1: column name 'd' appears twice"),
        ("d,v\n", {}, "no data rows after the header"),
        ("", {}, "the file is empty"),
        ("d,name\n2000,x\n", {}, "no numeric value columns found: column 'name' is text"),
        # issue 23 item 21: say why no column is numeric, and never skip dates that do not parse
        (
            "d,v\n2000,?\n2001,NA\n",
            {},
            "found: column 'v' has no values \\(all 2 cells are missing",
        ),
        ("d,v\n2000,1\x002\n2001,3\n", {}, "line 2: field 2 holds a NUL byte"),
        ("d,v\n03/29/1958,1\n03/30/1958,2\n", {}, "line 2: '03/29/1958' in the first column 'd'"),
        ("d,v\n2000-02-30,1\n2000-03-01,2\n", {}, "line 2: '2000-02-30' .* looks like a date"),
        ("d,v,w\n?,1,a\n2000-01-02,2,b\n", {}, "line 2: missing date in the date column 'd'"),
        ("d,v\n2000,?\n2001,NA\n", {"value_columns": ["v"]}, "column 'v' has no values"),
        ("d,v,w\n2000,?,1\n2001,2,NA\n", {"missing": "drop"}, "every row has a missing"),
    ],
)
def test_errors(tmp_path, text, kwargs, match):
    with pytest.raises(ValueError, match=f"series.csv.*{match}"):
        read_csv_series(write(tmp_path, text), **kwargs)


def test_a_file_that_is_not_utf8_is_named_with_line_and_offset(tmp_path):
    # issue 23 item 11: before, the csv module's UnicodeDecodeError named neither file nor line
    path = tmp_path / "latin1.csv"
    path.write_bytes("d,v\n2000,1\n2001,caf\u00e9\n".encode("latin-1"))
    with pytest.raises(
        ValueError, match=r"latin1.csv, line 3: not UTF-8 text \(byte 0xe9 at byte offset 19"
    ):
        read_csv_series(path)


def test_unknown_missing_policy(tmp_path):
    with pytest.raises(ValueError, match="missing must be one of"):
        read_csv_series(write(tmp_path, "v\n1\n"), missing="zero")
