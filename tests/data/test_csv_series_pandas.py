"""read_csv_series on the files users have (issue 20): `;` and tab separators, decimal commas,
compressed files, duplicated dates and several series stacked; read by pandas.read_csv when
pandas is installed and by the csv module without it, with the same results."""

import bz2
import gzip
import lzma
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lstmkit.data import read_csv_series
from lstmkit.models.forecaster import Forecaster

WIDE = "date,v\n2000-01,1.5\n2000-02,2.5\n2000-03,-3.25\n"
LONG = "store,date,sales\na,2000-01,1\na,2000-02,2\na,2000-03,3\nb,2000-01,10\nb,2000-02,20\n"


@pytest.fixture(autouse=True, params=["pandas", "csv module"])
def both_readers(request, monkeypatch):
    """Each test twice: pandas.read_csv reads the table, then the csv module (pandas absent)."""
    if request.param == "pandas":
        pytest.importorskip("pandas")
    else:
        monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    return request.param


def write(tmp_path, text, name="series.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_pandas_reads_the_table_when_it_is_installed(tmp_path, both_readers, monkeypatch):
    calls = []
    if both_readers == "pandas":
        import pandas

        original = pandas.read_csv
        monkeypatch.setattr(
            pandas, "read_csv", lambda *a, **k: calls.append(a) or original(*a, **k)
        )
    read_csv_series(write(tmp_path, WIDE))
    assert len(calls) == (1 if both_readers == "pandas" else 0)


@pytest.mark.parametrize(
    "text",
    [
        WIDE.replace(",", ";"),
        "date;v\n2000-01;1,5\n2000-02;2,5\n2000-03;-3,25\n",  # decimal commas
        "date\tv\n2000-01\t1,5\n2000-02\t2.5\n2000-03\t-3,25\n",
        "\n" + WIDE.replace("\n2000-02", "\n\n2000-02"),  # blank lines
    ],
)
def test_separators_and_decimal_commas(tmp_path, text):
    series = read_csv_series(write(tmp_path, text))
    assert series.columns == ["v"] and series.values[:, 0].tolist() == [1.5, 2.5, -3.25]
    assert series.dates.tolist() == read_csv_series(write(tmp_path, WIDE, "w.csv")).dates.tolist()


def test_a_comma_is_no_decimal_mark_in_a_comma_separated_file(tmp_path):
    with pytest.raises(ValueError, match=r"line 3: cannot read '2,5' in column 'v'"):
        read_csv_series(write(tmp_path, 'date,v\n2000-01,1\n2000-02,"2,5"\n'))


def _zip(data):
    """`data` as the bytes of a .zip holding one file."""
    path = Path(tempfile.mkdtemp()) / "one.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("series.csv", data)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [
        (".gz", gzip.compress),
        (".bz2", bz2.compress),
        (".xz", lzma.compress),
        (".zip", _zip),
    ],
)
def test_compressed_files_by_suffix(tmp_path, suffix, compress):
    path = tmp_path / f"series.csv{suffix}"
    path.write_bytes(compress(WIDE.replace(",", ";").encode()))
    series = read_csv_series(path)
    np.testing.assert_array_equal(series.values[:, 0], [1.5, 2.5, -3.25])
    path.write_bytes(compress(b"d,v\n2000,1\n2001,x\n"))
    with pytest.raises(ValueError, match=r"line 3: cannot read 'x'"):  # lines count as ever
        read_csv_series(path)


@pytest.mark.parametrize("suffix", [".bz2", ".xz", ".zip"])
def test_damaged_compressed_files_are_named(tmp_path, suffix):
    path = tmp_path / f"series.csv{suffix}"
    path.write_bytes(b"this is not compressed data at all")
    with pytest.raises(ValueError, match=rf"series.csv\{suffix}: the compressed file is damaged"):
        read_csv_series(path)


def test_a_zip_of_two_files_is_refused(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", WIDE)
        archive.writestr("b.csv", WIDE)
    with pytest.raises(ValueError, match="two.zip: a .zip must hold exactly one file.*holds 2"):
        read_csv_series(path)


def test_too_many_fields_names_the_line_and_the_header(tmp_path):
    with pytest.raises(ValueError, match=r"line 4: 3 fields; the header \(line 2\) has 2 \(d, v\)"):
        read_csv_series(write(tmp_path, "\nd;v\n2000;1\n2001;2;3\n"))


def test_a_duplicated_date_is_an_error_naming_both_lines(tmp_path):
    text = "date,v\n2000-01,1\n2000-02,2\n2000-02,3\n2000-03,4\n"
    with pytest.raises(ValueError, match=r"line 4: date '2000-02' repeats line 3's \(a duplicated"):
        read_csv_series(write(tmp_path, text))


# -- several series stacked (long format) -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        LONG,  # the id column first: no date column is recognised, the dates are text
        "date,store,sales\n"
        + "".join(
            f"{d},{s},{v}\n" for s, d, v in (line.split(",") for line in LONG.splitlines()[1:])
        ),  # fmt: skip
        LONG.replace("a,", "1,").replace("b,", "2,"),  # numeric ids
    ],
)
def test_stacked_series_are_refused_naming_the_id_column(tmp_path, text):
    with pytest.raises(
        ValueError,
        match=r"line 5: several series stacked in one file \(long format\): column 'store' "
        r"names 2 series \('(a|1)', '(b|2)'\).*give series_id",
    ):
        read_csv_series(write(tmp_path, text))


def test_series_id_reads_one_of_the_stacked_series(tmp_path):
    path = write(tmp_path, LONG)
    b = read_csv_series(path, series_id="b")
    assert b.columns == ["sales"] and b.values[:, 0].tolist() == [10, 20]
    assert b.dates.tolist() == read_csv_series(path, series_id="a").dates.tolist()[:2]
    same = read_csv_series(path, series_id="b", id_column="store")
    assert same.values.tolist() == b.values.tolist()
    with pytest.raises(
        ValueError, match=r"series_id 'c' is not in the id column 'store'.*'a', 'b'"
    ):
        read_csv_series(path, series_id="c")
    with pytest.raises(ValueError, match="id_column is 'store' but series_id is None"):
        read_csv_series(path, id_column="store")
    with pytest.raises(ValueError, match="no column holds series ids"):
        read_csv_series(write(tmp_path, WIDE, "wide.csv"), series_id="a")


def test_a_label_column_in_blocks_with_increasing_dates_is_one_series(tmp_path):
    text = "date,regime,v\n2000,low,1\n2001,low,2\n2002,high,3\n2003,high,4\n"
    assert read_csv_series(write(tmp_path, text)).values[:, 0].tolist() == [1, 2, 3, 4]


# -- the results feed the models, the same on both paths ----------------------------------------


def test_the_shared_files_read_the_same_with_and_without_pandas(shared_data, monkeypatch):
    for name in ("airline.csv", "co2.csv", "sunspots.csv"):
        path = shared_data / "forecasting" / name
        with monkeypatch.context() as without:
            without.setitem(sys.modules, "pandas", None)
            plain = read_csv_series(path)
        again = read_csv_series(path)
        np.testing.assert_array_equal(again.values, plain.values)
        np.testing.assert_array_equal(again.dates, plain.dates)


def test_a_series_read_from_a_semicolon_file_feeds_the_forecaster(tmp_path):
    rows = "".join(
        f"{1990 + m // 12}-{m % 12 + 1:02d};{100 + m + 10 * np.sin(m / 2):.2f}".replace(".", ",")
        + "\n"
        for m in range(48)
    )
    series = read_csv_series(write(tmp_path, "month;value\n" + rows))
    model = Forecaster(horizon=2, period=4, lookback=8, hidden_size=4, epochs=1, ensemble=1)
    forecast = model.fit(series).predict()
    assert forecast.dates.tolist() == list(np.array(["1994-01", "1994-02"], dtype="datetime64[M]"))
