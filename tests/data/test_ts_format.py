"""read_ts: the UEA/UCR .ts reader, on the shared archive files and on small hand-written ones."""

import numpy as np
import pytest

from lstmkit.data import TSData, read_ts

HEADER = """\
@problemName Toy
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength false
@classLabel true a b
@data
"""


def write(tmp_path, text, name="toy.ts"):
    path = tmp_path / name
    path.write_text(text)
    return path


def raw_cases(path):
    """The data lines of a .ts file, read independently of read_ts: lists of channel strings."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().lower() == "@data")
    return [line.split(":") for line in lines[start + 1 :] if line.strip()]


# -- the shared archive files ------------------------------------------------------------------


def test_japanese_vowels(shared_data):
    folder = shared_data / "timeseries"
    train = read_ts(folder / "JapaneseVowels_TRAIN.ts")
    test = read_ts(folder / "JapaneseVowels_TEST.ts")
    assert isinstance(train, TSData)
    assert (len(train), len(test)) == (270, 370)
    assert train.problem_name == "JapaneseVowels"
    assert train.class_labels == tuple(str(k) for k in range(1, 10))
    assert not train.equal_length and not test.equal_length
    assert not train.has_missing
    for data in (train, test):
        assert all(x.shape[1] == 12 and x.dtype == np.float64 for x in data.X)
        assert set(data.y.tolist()) == set(data.class_labels)
    lengths = np.concatenate([train.lengths, test.lengths])
    assert (lengths.min(), lengths.max()) == (7, 29)
    assert np.bincount(train.y.astype(int)).tolist() == [0] + [30] * 9

    # values and labels against the raw text, read here independently
    raw = raw_cases(folder / "JapaneseVowels_TRAIN.ts")
    assert len(raw) == 270
    for n in (0, 135, 269):
        channels, label = raw[n][:-1], raw[n][-1]
        assert train.y[n] == label.strip()
        for c, text in enumerate(channels):
            expected = [float(v) for v in text.split(",")]
            np.testing.assert_array_equal(train.X[n][:, c], expected)
    assert train.X[0][0, 0] == 1.860936 and train.X[0][0, 1] == -0.207383

    padded, lengths = test.padded()
    assert padded.shape == (370, 29, 12) and lengths.tolist() == test.lengths.tolist()
    short = int(np.argmin(lengths))
    np.testing.assert_array_equal(padded[short, : lengths[short]], test.X[short])
    assert not padded[short, lengths[short] :].any()


def test_basic_motions(shared_data):
    folder = shared_data / "timeseries"
    for split in ("TRAIN", "TEST"):
        data = read_ts(folder / f"BasicMotions_{split}.ts")
        assert len(data) == 40
        assert data.equal_length and not data.has_missing
        assert data.class_labels == ("Standing", "Running", "Walking", "Badminton")
        assert set(data.lengths.tolist()) == {100}
        assert data.n_channels == 6
        assert sorted(np.unique(data.y, return_counts=True)[1].tolist()) == [10] * 4
        raw = raw_cases(folder / f"BasicMotions_{split}.ts")
        assert data.X[0][0, 0] == float(raw[0][0].split(",")[0])
        assert data.X[-1][-1, -1] == float(raw[-1][5].split(",")[-1])
        assert data.y[-1] == raw[-1][-1].strip()
        padded, _ = data.padded(dtype=np.float32)
        assert padded.shape == (40, 100, 6) and padded.dtype == np.float32


# -- small files ---------------------------------------------------------------------------------


def test_univariate_equal_length(tmp_path):
    text = """\
@problemName Uni
@timeStamps false
@univariate true
@equalLength true
@seriesLength 3
@classLabel true 0 1
@data
1,2,3:0
4.5,-5e-1,6:1
"""
    data = read_ts(write(tmp_path, text))
    assert data.problem_name == "Uni" and data.equal_length and not data.has_missing
    assert [x.shape for x in data.X] == [(3, 1), (3, 1)]
    np.testing.assert_array_equal(data.X[1][:, 0], [4.5, -0.5, 6.0])
    assert data.y.tolist() == ["0", "1"]
    assert data.y.dtype.kind == "U"


def test_multivariate_variable_length_with_missing(tmp_path):
    data = read_ts(write(tmp_path, HEADER + "1,2,3:4,5,6:a\n7,?:NaN,9:b\n1:2:a\n"))
    assert data.lengths.tolist() == [3, 2, 1]
    assert not data.equal_length and data.has_missing
    np.testing.assert_array_equal(data.X[0], [[1, 4], [2, 5], [3, 6]])
    assert data.X[1][0, 0] == 7 and np.isnan(data.X[1][1, 0]) and np.isnan(data.X[1][0, 1])
    assert data.X[1][1, 1] == 9
    assert data.y.tolist() == ["a", "b", "a"]
    padded, lengths = data.padded(value=-1.0)
    assert padded.shape == (3, 3, 2) and lengths.tolist() == [3, 2, 1]
    assert (padded[2, 1:] == -1).all() and np.isnan(padded[1, 1, 0])


def test_regression_targets(tmp_path):
    text = """\
@problemName Reg
@timeStamps false
@univariate true
@equalLength true
@targetLabel true
@data
1,2:0.5
3,4:-12.25
"""
    data = read_ts(write(tmp_path, text))
    assert data.class_labels is None
    assert data.y.dtype == np.float64 and data.y.tolist() == [0.5, -12.25]
    np.testing.assert_array_equal(data.X[1][:, 0], [3, 4])


def test_no_labels(tmp_path):
    text = "@dimensions 2\n@classLabel false\n@data\n1,2:3,4\n5:6\n"
    data = read_ts(write(tmp_path, text))
    assert data.y is None and data.class_labels is None and data.problem_name is None
    np.testing.assert_array_equal(data.X[0], [[1, 3], [2, 4]])


def test_comments_blank_lines_and_case_insensitive_headers(tmp_path):
    text = """\
# a comment before the header

@PROBLEMNAME Mixed
# a comment inside the header
@TimeStamps FALSE
@UNIVARIATE False
@Dimension 2
@EqualLength TRUE
@ClassLabel True x y

@DATA
# a comment among the cases
1,2:3,4:x

5,6:7,8:y
"""
    data = read_ts(write(tmp_path, text))
    assert data.problem_name == "Mixed" and data.class_labels == ("x", "y")
    assert len(data) == 2 and data.equal_length
    np.testing.assert_array_equal(data.X[1], [[5, 7], [6, 8]])


# -- errors: each names the file, the line and the problem ---------------------------------------


@pytest.mark.parametrize(
    ("body", "line", "problem"),
    [
        (
            "1,2:3,4:a\n1,2:3,4:5,6:b\n",
            10,
            "case has 3 channels; expected 2 \\(@dimensions on line 5\\)",
        ),
        ("1,2:3,4:c\n", 9, "class label 'c' is not among @classLabel's \\['a', 'b'\\]"),
        ("1,2:3,x4:a\n", 9, "value 2 of channel 2: cannot read 'x4' as a number"),
        ("1,,2:3,4,5:a\n", 9, "value 2 of channel 1: cannot read an empty value"),
        ("1,2:3,inf:a\n", 9, "value 2 of channel 2: 'inf' is not a finite number"),
        ("1,2,3:4,5:a\n", 9, "the channels of this case have different lengths \\[3, 2\\]"),
        ("1,2:3,4:a\n@dimensions 2\n", 10, "header line '@dimensions' after @data"),
    ],
)
def test_errors_in_cases(tmp_path, body, line, problem):
    path = write(tmp_path, HEADER + body)
    with pytest.raises(ValueError, match=f"toy.ts, line {line}: {problem}"):
        read_ts(path)


def test_channel_count_differs_between_cases_without_dimensions(tmp_path):
    text = "@classLabel true a\n@data\n1:2:a\n3:a\n"
    with pytest.raises(ValueError, match=r"line 4: case has 1 channels; expected 2 \(.*line 3\)"):
        read_ts(write(tmp_path, text))


def test_univariate_file_with_two_channels(tmp_path):
    text = "@univariate true\n@classLabel true a\n@data\n1,2:3,4:a\n"
    with pytest.raises(ValueError, match=r"line 4: case has 2 channels; expected 1 \(@univariate"):
        read_ts(write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("@problemName P\n1,2:a\n@data\n", "line 2: data line before @data"),
        ("@problemName P\n@classLabel true a\n", "no '@data' line"),
        ("@problemName P\n@data\n\n# nothing\n", "no cases after '@data'"),
        ("@timeStamps true\n@data\n(0,1),(1,2)\n", "line 1: @timeStamps true .* not supported"),
        ("@univariate maybe\n@data\n1\n", "line 1: '@univariate' needs true or false; got 'maybe'"),
        ("@dimensions two\n@data\n1\n", "line 1: '@dimensions' needs a positive integer"),
        ("@classLabels true a\n@data\n1:a\n", "line 1: unknown header keyword '@classLabels'"),
        ("@targetLabel true\n@data\n1,2:?\n", "line 3: the regression target is missing"),
        ("@targetLabel true\n@data\n1,2:big\n", "line 3: target: cannot read 'big'"),
        ("@classLabel true a\n@data\n1,2\n", "line 3: case has no class label"),
        (
            "@equalLength true\n@data\n1,2\n1,2,3\n",
            "line 4: case has length 3 but the first case \\(line 3\\) has 2",
        ),
        ("@seriesLength 3\n@data\n1,2\n", "line 3: case has length 2; @seriesLength on line 1"),
        ("@classLabel true a\n@targetLabel true\n@data\n", "line 3: both @classLabel true and"),
        ("@univariate true\n@dimensions 3\n@data\n1\n", "line 2: @univariate true but @dim"),
        ("@dimensions 1\n@DIMENSIONS 1\n@data\n1\n", "line 2: '@DIMENSIONS' given twice"),
        ("@classLabel true a a\n@data\n1:a\n", "line 1: @classLabel lists a label twice"),
    ],
)
def test_errors_in_the_header(tmp_path, text, match):
    with pytest.raises(ValueError, match=f"toy.ts.*{match}"):
        read_ts(write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_ts(tmp_path / "absent.ts")
