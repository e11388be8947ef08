"""Damaged input files are refused by name: truncated or fake gzip, oversized CSV fields,
bytes that are not UTF-8 (with their line and offset)."""

import csv
import gzip
import re

import pytest

from lstmkit.cli import main
from lstmkit.cli.sequence_files import read_sequences
from lstmkit.data import read_csv_series, read_tagged_tsv, read_ts
from lstmkit.data.labelled_text import read_labelled_text
from lstmkit.data.word_vectors import read_word_vectors
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


# -- issue 23 item 11: a file that is not UTF-8 is named with its line, by every reader ----------

LATIN1 = "caf\u00e9".encode("latin-1")  # b"caf\xe9": 0xe9 starts no valid UTF-8 character here


def _ts(bad):
    return b"@problemName x\n@classLabel true a\n@data\n1,2:a\n# " + bad + b"\n"


NOT_UTF8 = [  # (file name, content with a bad byte on line 5, reader)
    ("s.csv", b"d,v\n2000,1\n2001,2\n2002,3\n2003,4 " + LATIN1 + b"\n", read_csv_series),
    ("s.ts", _ts(LATIN1), read_ts),
    ("s.ts.gz", gzip.compress(_ts(LATIN1)), read_ts),
    ("v.txt", b"a 1\nb 2\nc 3\nd 4\n" + LATIN1 + b" 5\n", read_word_vectors),
    ("v.txt.gz", gzip.compress(b"a 1\nb 2\nc 3\nd 4\n" + LATIN1 + b" 5\n"), read_word_vectors),
    ("t.tsv", b"a\tX\n\nb\tY\nc\tZ\n" + LATIN1 + b"\tW\n", read_tagged_tsv),
    ("l.txt", b"a\tx\nb\ty\nc\tz\nd\tw\n" + LATIN1 + b"\tv\n", read_labelled_text),
    ("c.csv", b"id,label,v\n1,a,1\n1,a,2\n2,b,3\n2,b," + LATIN1 + b"\n", read_sequences),
]


@pytest.mark.parametrize(("name", "content", "reader"), NOT_UTF8, ids=[n for n, _, _ in NOT_UTF8])
def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path, name, content, reader):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"{re.escape(name)}, line 5: not UTF-8 text"):
        reader(path)


@pytest.mark.parametrize(
    ("content", "line", "offset"),
    [
        (b"#a\r\n#b\r#c\n#\xff", 4, 11),  # "\r\n" and a lone "\r" end one line each
        (b"#" + "\u00e9".encode() * 70_000 + b"\n\n\xe9", 3, 140_003),  # past the first chunk
        (b"#ok\n#\xe2\x82", 2, 5),  # a character cut short by the end of the file
    ],
    ids=["line-endings", "second-chunk", "cut-short"],
)
def test_the_bad_byte_is_located_exactly(tmp_path, content, line, offset):
    path = tmp_path / "x.ts"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"x.ts, line {line}: .*byte offset {offset};"):
        read_ts(path)
