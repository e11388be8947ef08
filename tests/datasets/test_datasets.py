"""The built-in data sets load, match their documented shape, and equal the shared originals."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from lstmkit import datasets
from lstmkit.data.ts_format import read_ts


def test_airline_is_the_box_jenkins_series():
    series = datasets.load_airline()
    assert series.values.shape == (144, 1)
    assert series.columns == ["Passengers"]
    assert str(series.dates[0]) == "1949-01" and str(series.dates[-1]) == "1960-12"
    # first and last values of series G as printed by Box and Jenkins
    assert series.values[:3, 0].tolist() == [112, 118, 132]
    assert series.values[-1, 0] == 432


@pytest.mark.parametrize(("split", "cases"), [("train", 270), ("test", 370)])
def test_japanese_vowels_loads_from_gzip(split, cases):
    data = datasets.load_japanese_vowels(split)
    assert len(data) == cases
    assert data.n_channels == 12
    assert 7 <= data.lengths.min() and data.lengths.max() <= 29
    assert sorted(set(data.y.tolist())) == [str(k) for k in range(1, 10)]


def test_japanese_vowels_equals_the_shared_original(shared_data):
    original = read_ts(shared_data / "timeseries" / "JapaneseVowels_TRAIN.ts")
    packaged = datasets.load_japanese_vowels("train")
    assert (packaged.y == original.y).all()
    for a, b in zip(packaged.X, original.X, strict=True):
        np.testing.assert_array_equal(a, b)


def test_unknown_split_and_name_are_errors():
    with pytest.raises(ValueError, match="split must be 'train' or 'test'; got 'dev'"):
        datasets.load_japanese_vowels("dev")
    with pytest.raises(ValueError, match="must be a built-in data set"):
        datasets.path("mnist")


def test_resolve_prefers_files_then_names(tmp_path):
    assert datasets.resolve("airline") == datasets.path("airline")
    mine = tmp_path / "airline"
    mine.write_text("x\n1\n")
    assert datasets.resolve(str(mine)) == mine
    with pytest.raises(FileNotFoundError, match="no such file: nothere.csv"):
        datasets.resolve("nothere.csv")


def test_gzip_ts_with_a_bad_line_names_the_line(tmp_path):
    bad = tmp_path / "bad.ts.gz"
    with gzip.open(bad, "wt") as handle:
        handle.write("@problemName x\n@classLabel true a b\n@data\n1,2:a\n1,2,zz:b\n")
    with pytest.raises(ValueError, match=r"bad.ts.gz, line 5"):
        read_ts(bad)


def test_package_data_lists_every_file_shipped():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["lstmkit.datasets"]
    for name in [*datasets.NAMES.values(), "README.md"]:
        assert any(Path(name).match(pattern) for pattern in patterns), name
