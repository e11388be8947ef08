"""Damaged input files are refused by name: truncated or fake gzip, oversized CSV fields."""

import csv

import pytest

from lstmkit.cli import main
from lstmkit.data import read_csv_series, read_ts
from lstmkit.datasets import resolve


def truncated_copy(tmp_path):
    whole = resolve("japanese-vowels-train").read_bytes()
    path = tmp_path / "cut.ts.gz"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def test_a_truncated_gzip_file_is_named(tmp_path):
    path = truncated_copy(tmp_path)
    with pytest.raises(ValueError, match=r"cut.ts.gz: the compressed file ends early"):
        read_ts(path)


def test_a_file_named_gz_that_is_not_gzip_is_named(tmp_path):
    path = tmp_path / "plain.ts.gz"
    path.write_text("@problemName x\n@data\n1,2:a\n")
    with pytest.raises(ValueError, match=r"plain.ts.gz: not a gzip file"):
        read_ts(path)


def test_a_csv_field_past_the_csv_limit_is_named(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("date,value\n2020-01-01," + "9" * (csv.field_size_limit() + 1) + "\n")
    with pytest.raises(ValueError, match=r"huge.csv: not readable as CSV \(field larger"):
        read_csv_series(path)


def test_the_command_line_reports_a_truncated_file_as_a_data_error(tmp_path, capsys):
    path = truncated_copy(tmp_path)
    assert main(["classify", str(path), "--epochs", "1", "--quiet"]) == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "the compressed file ends early" in error[0]


def test_a_whole_gzip_file_still_reads():
    assert len(read_ts(resolve("japanese-vowels-train")).X) == 270
