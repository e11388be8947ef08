"""Bad data files met by the readers (issue 23, items 15 and 18): each is a ValueError naming
the file and saying what is wrong, never NumPy's advice to unpickle, never a silent success."""

import gzip
import zipfile

import numpy as np
import pytest

from lstmkit.cli import main, model_io
from lstmkit.cli.sequence_files import read_sequences
from lstmkit.data import read_tagged_tsv, read_ts
from lstmkit.data.word_vectors import read_word_vectors


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _npy_header_only(shape):
    """A .npy member declaring `shape` float64 but holding 8 bytes of data."""
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    text = repr(header).encode("latin-1")
    text += b" " * ((-(len(text) + 11)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + b"\0" * 8


# -- item 18: a .npz that is not one, or holds what lstmkit never loads -------------------------

JUNK_NPZ = [
    ("random.npz", lambda p: p.write_bytes(bytes(range(256)) * 3), "not an .npz file"),
    ("text.npz", lambda p: p.write_text("X,y\n1,2\n"), "not an .npz file"),
    ("objects.npz", lambda p: _npz(p, X=np.array([[1], [2]], dtype=object)), "dtype object"),
    ("single.npz", lambda p: np.save(open(p, "wb"), np.zeros((2, 3))), "a single array"),
    ("member.npz", lambda p: _zip(p, {"X.npy": b"not an array"}), "'X' is not a .npy array"),
    ("huge.npz", lambda p: _zip(p, {"X.npy": _npy_header_only((10**12,))}), "declares shape"),
    ("text-X.npz", lambda p: _npz(p, X=np.array([["a", "b"]])), "'X' has dtype <U1 \\(text\\)"),
    ("dates.npz", lambda p: _npz(p, X=np.zeros((2, 3), "M8[s]")), "'X' has dtype datetime64"),
    ("no-X.npz", lambda p: _npz(p, x=np.zeros((2, 3))), "no array 'X' .*\\['x'\\]"),
    ("cut.npz", lambda p: p.write_bytes(_npz_bytes(p)[:-30]), "damaged|not an .npz"),
]


def _npz_bytes(path):
    _npz(path, X=np.ones((3, 4)), y=np.arange(3))
    return path.read_bytes()


@pytest.mark.parametrize(("name", "write", "match"), JUNK_NPZ, ids=[n for n, _, _ in JUNK_NPZ])
def test_a_bad_npz_is_refused_by_name_without_pickle_advice(tmp_path, name, write, match):
    path = tmp_path / name
    write(path)
    with pytest.raises(ValueError, match=f"{name}: .*{match}") as caught:
        read_sequences(path, labels=False)
    assert "pickle" not in str(caught.value)


def test_classify_reports_a_junk_npz_in_one_line_without_pickle_advice(tmp_path, capsys):
    path = tmp_path / "junk.npz"
    path.write_bytes(b"\x00\x01junk" * 40)
    assert main(["classify", str(path), "--epochs", "1", "--quiet"]) == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "junk.npz: not an .npz file" in error[0]
    assert "pickle" not in error[0]


# -- item 15 (readers): data without a single finite value is refused, not trained on ----------


def test_an_all_nan_npz_is_refused_naming_the_file(tmp_path):
    path = _npz(tmp_path / "nan.npz", X=np.full((4, 5, 2), np.nan), y=np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match=r"nan.npz: no finite value in the sequences \(all 40"):
        read_sequences(path)


def test_a_channel_without_any_value_is_refused_naming_it(tmp_path):
    X = np.ones((4, 5, 3))
    X[:, :, 1] = np.nan
    path = _npz(tmp_path / "gap.npz", X=X, y=np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match=r"gap.npz: channel 1 \(0-based\) has no finite value"):
        read_sequences(path)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("all-missing.csv", "label,t1,t2\na,?,NA\nb,nan,?\n"),
        ("all-missing.ts", "@problemName x\n@classLabel true a b\n@data\n?,?:a\nnan,?:b\n"),
    ],
)
def test_other_formats_without_a_finite_value_are_refused(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError, match=f"{name}: no finite value in the sequences"):
        read_sequences(path)


def test_classify_refuses_an_all_nan_npz(tmp_path, capsys):
    path = _npz(tmp_path / "nan.npz", X=np.full((6, 4, 1), np.nan), y=np.array([0, 1] * 3))
    assert main(["classify", str(path), "--epochs", "1", "--quiet"]) == 1
    assert "nan.npz: no finite value" in capsys.readouterr().err


def test_missing_values_in_part_of_the_data_still_read(tmp_path):
    X = np.ones((4, 5, 2))
    X[0] = np.nan  # one sequence entirely missing: the channel has values elsewhere
    data = read_sequences(_npz(tmp_path / "part.npz", X=X, y=np.array([0, 1, 0, 1])))
    assert len(data) == 4 and np.isnan(data.X[0]).all()


# -- item 18: a file named .gz that is not gzip, for every gzip reader -------------------------

GZIP_READERS = [
    ("s.ts.gz", read_ts),
    ("v.txt.gz", read_word_vectors),
    ("t.tsv.gz", read_tagged_tsv),
]


@pytest.mark.parametrize(("name", "reader"), GZIP_READERS, ids=[n for n, _ in GZIP_READERS])
def test_a_plain_file_named_gz_is_refused_by_name(tmp_path, name, reader):
    path = tmp_path / name
    path.write_text("@problemName x\n@data\n1,2:a\n")
    with pytest.raises(ValueError, match=f"{name}: not a gzip file") as caught:
        reader(path)
    assert "b'" not in str(caught.value)  # not gzip's "Not a gzipped file (b'@p')"


@pytest.mark.parametrize(("name", "reader"), GZIP_READERS, ids=[n for n, _ in GZIP_READERS])
def test_a_truncated_gz_is_refused_by_name(tmp_path, name, reader):
    path = tmp_path / name
    whole = gzip.compress(b"".join(b"#w%d\t%d %d\n" % (k, k, 7 * k) for k in range(3000)))
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match=f"{name}: the compressed file ends early"):
        reader(path)


@pytest.mark.parametrize(("name", "reader"), GZIP_READERS, ids=[n for n, _ in GZIP_READERS])
@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-8] + bytes([data[-8] ^ 1]) + data[-7:],
        lambda data: data[:20] + data[30:],
    ],
    ids=["crc", "deflate"],
)
def test_damaged_compressed_data_is_named_as_such(tmp_path, name, reader, damage):
    # found by fuzzing: damaged deflate data escaped as zlib.error, and a wrong CRC was
    # reported as "not a gzip file"
    path = tmp_path / name
    path.write_bytes(damage(gzip.compress(b"".join(b"#w%d\t%d 1\n" % (k, k) for k in range(50)))))
    with pytest.raises(ValueError, match=f"{name}: the compressed file is damaged"):
        reader(path)


# -- item 11: the command line's own text readers name the file and line of a non-UTF-8 byte ----

LATIN1_TEXT = "first line\nsecond caf\u00e9\tau lait\n".encode("latin-1")


@pytest.mark.parametrize(
    "command",
    [["charlm", "train", "{path}"], ["seq2seq", "{path}"]],
    ids=["charlm-train", "seq2seq"],
)
def test_command_line_text_files_that_are_not_utf8_are_named(tmp_path, capsys, command):
    path = tmp_path / "latin1.txt"
    path.write_bytes(LATIN1_TEXT)
    argv = [part.format(path=path) for part in command] + ["--epochs", "1", "--quiet"]
    assert main(argv) == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "latin1.txt, line 2: not UTF-8 text (byte 0xe9" in error[0]


@pytest.mark.parametrize("reader", [model_io._read_text, model_io._lines], ids=["text", "lines"])
def test_predict_and_evaluate_text_readers_name_the_line(tmp_path, reader):
    path = tmp_path / "latin1.txt"
    path.write_bytes(LATIN1_TEXT)
    with pytest.raises(ValueError, match=r"latin1.txt, line 2: not UTF-8 text"):
        reader(path)


def test_a_nul_byte_in_a_classify_csv_is_named(tmp_path):
    # item 21's NUL byte, in classify's CSV: a label 'a\x00' became a class of its own
    path = tmp_path / "nul.csv"
    path.write_bytes(b"label,t1,t2\na,1,2\na\x00,3,4\nb,5,6\n")
    with pytest.raises(ValueError, match=r"nul.csv, line 3: field 1 holds a NUL byte"):
        read_sequences(path)
