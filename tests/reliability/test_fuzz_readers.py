"""Property-based fuzzing of every reader of user files (issue 23).

Each reader gets random bytes and near-valid files: a valid file drawn by hypothesis, then
mutated (bytes flipped, the file cut short, separators, quotes, NUL bytes, byte-order marks,
bytes that are not UTF-8, other line endings, NaN / inf tokens, a field past the csv module's
limit inserted, spans deleted). Whatever comes, a reader either succeeds with a well-formed
result (right types, finite where it promises finite values) or raises a ValueError from one
of lstmkit's own `raise` statements whose message names the file: never another exception,
never a hang.

The examples per reader come from the hypothesis profile of `conftest.py`: "ci" by default,
`LSTMKIT_FUZZ=nightly` for many more. Inputs that once broke a reader are kept as `@example`s.
"""

import gzip
import io
import json
import signal
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lstmkit.cli import model_io
from lstmkit.cli.failures import raised_by_lstmkit
from lstmkit.cli.seq2seq import read_pairs
from lstmkit.cli.sequence_files import read_sequences
from lstmkit.data import read_conllu, read_csv_series, read_tagged_tsv
from lstmkit.data.labelled_text import read_labelled_text
from lstmkit.data.vocabulary import Vocabulary
from lstmkit.data.word_vectors import read_word_vectors

SECONDS_PER_READ = 10  # a read of these small files takes milliseconds: more is a hang


class Hang(BaseException):
    """Raised by the alarm; a BaseException so that no reader's `except` can swallow it."""


@contextmanager
def time_limit(seconds):
    def ring(signum, frame):
        raise Hang(f"the reader ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- mutations of a valid file ----------------------------------------------------------------

CSV_FIELD_LIMIT = 131_072  # the csv module's default field_size_limit
TOKENS = [
    b",",
    b"\t",
    b":",
    b";",
    b" ",
    b'"',
    b"'",
    b"\x00",
    b"\xef\xbb\xbf",  # a byte-order mark, here inside the file
    b"\xff",
    b"\xe9",
    b"\xc3",  # the first byte of a two-byte character, alone
    b"\xe2\x80\xa8",  # U+2028, a line separator to str.splitlines but not to files
    b"\r",
    b"\r\n",
    b"\n",
    b"\n\n",
    b"NaN",
    b"nan",
    b"inf",
    b"-inf",
    b"1e400",
    b"-1e-400",
    b"?",
    b"NA",
    b"",
    b"-",
    b"0",
    b"1_0",
    b"\xd9\xa1\xd9\xa2",  # Arabic-Indic digits: str.isdigit() but not for NumPy
    b"\xc2\xb2",  # a superscript 2: str.isdigit() but not int()
    b"#",
    b"@data",
    b"@classLabel true",
    b"9" * (CSV_FIELD_LIMIT + 1),
    b"x" * 5000,
]

mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 1 << 20)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.sampled_from(TOKENS)),
    st.tuples(st.just("delete"), st.integers(0, 1 << 20), st.integers(1, 40)),
    st.tuples(st.just("endings"), st.sampled_from([b"\r\n", b"\r"])),
    st.tuples(st.just("prefix"), st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\x00"])),
)


def mutate(content: bytes, mutations) -> bytes:
    """Apply each mutation in turn; positions wrap around the current length."""
    data = bytearray(content)
    for kind, *arguments in mutations:
        at = arguments[0] % (len(data) + 1) if kind in ("flip", "cut", "insert", "delete") else 0
        if kind == "flip" and data:
            data[at % len(data)] ^= arguments[1]
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = arguments[1]
        elif kind == "delete":
            del data[at : at + arguments[1]]
        elif kind == "endings":
            data = bytearray(bytes(data).replace(b"\n", arguments[0]))
        elif kind == "prefix":
            data[:0] = arguments[0]
    return bytes(data)


def near_valid(valid_files):
    """Valid files (a strategy of bytes), each mutated 0 to 4 times."""
    return st.builds(mutate, valid_files, st.lists(mutation, max_size=4))


# -- valid files of each format -----------------------------------------------------------------

number = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.integers(-1000, 1000).map(str),
    st.sampled_from(["", "NA", "?", "nan", "1e5", "-0.0"]),
)
word = st.text(
    st.characters(codec="utf-8", exclude_characters="\t\n\r\x00 "), min_size=1, max_size=6
)
label = st.sampled_from(["a", "b", "walk", "run"])


def lines(*rows) -> bytes:
    return "".join(row + "\n" for row in rows).encode("utf-8")


@st.composite
def csv_series_files(draw):
    steps = draw(st.integers(1, 8))
    columns = draw(st.integers(1, 3))
    first = np.datetime64("2000-01-01") + np.arange(steps) * draw(st.integers(1, 40))
    header = ",".join(["date"] + [f"v{c}" for c in range(columns)])
    rows = [",".join([str(day)] + [draw(number) for _ in range(columns)]) for day in first.tolist()]
    return lines(header, *rows)


@st.composite
def long_csv_files(draw):
    rows = ["id,label,x,y"]
    for sequence in range(draw(st.integers(1, 4))):
        tag = draw(label)
        rows += [f"s{sequence},{tag},{draw(number)},{draw(number)}" for _ in range(3)]
    return lines(*rows)


@st.composite
def wide_csv_files(draw):
    rows = ["label,t1,t2,t3,t4"]
    rows += [",".join([draw(label)] + [draw(number) for _ in range(4)]) for _ in range(3)]
    return lines(*rows)


@st.composite
def ts_texts(draw):
    channels = draw(st.integers(1, 2))
    header = [
        "# a comment",
        "@problemName fuzz",
        "@timeStamps false",
        "@missing true",
        f"@univariate {'true' if channels == 1 else 'false'}",
        f"@dimensions {channels}",
        "@equalLength false",
        "@classLabel true a b walk run",
        "@data",
    ]
    cases = []
    for _ in range(draw(st.integers(1, 4))):
        length = draw(st.integers(1, 4))
        values = [",".join(draw(number) or "?" for _ in range(length)) for _ in range(channels)]
        cases.append(":".join([*values, draw(label)]))
    return lines(*header, *cases)


@st.composite
def npz_files(draw):
    count, steps = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    values = draw(st.sampled_from([0.5, np.nan, np.inf, 1e300]))
    X = np.arange(count * steps * 2, dtype=np.float64).reshape(count, steps, 2)
    X[0, 0, 0] = values
    arrays = {"X": X.astype(draw(st.sampled_from(["<f8", "<f4", "<i4", "|b1"])))}
    if draw(st.booleans()):
        arrays["y"] = np.array([draw(label) for _ in range(count)])
    if draw(st.booleans()):
        arrays["lengths"] = np.full(count, draw(st.integers(-1, steps + 1)))
    buffer = io.BytesIO()
    save = np.savez if draw(st.booleans()) else np.savez_compressed
    save(buffer, **arrays)
    return buffer.getvalue()


@st.composite
def labelled_texts(draw):
    rows = [f"{draw(word)} {draw(word)}\t{draw(label)}" for _ in range(draw(st.integers(1, 4)))]
    return lines(*rows)


@st.composite
def conllu_texts(draw):
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        rows.append("# sent_id = x")
        for k in range(1, draw(st.integers(1, 4)) + 1):
            rows.append(f"{k}\t{draw(word)}\t_\t{draw(label).upper()}\t_\t_\t0\troot\t_\t_")
        rows.append("")
    return lines(*rows)


@st.composite
def tsv_texts(draw):
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        rows += [f"{draw(word)}\tB-{draw(label)}" for _ in range(draw(st.integers(1, 4)))]
        rows.append("")
    return lines(*rows)


@st.composite
def word_vector_texts(draw):
    dim, count = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    rows = [f"{count} {dim}"] if draw(st.booleans()) else []
    rows += [
        " ".join([draw(word)] + [draw(number) or "0" for _ in range(dim)]) for _ in range(count)
    ]
    return lines(*rows)


@st.composite
def vocabulary_files(draw):
    tokens = draw(st.lists(word, min_size=1, max_size=5, unique=True))
    text = json.dumps(Vocabulary(tokens).to_json(), ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8")


@st.composite
def pair_texts(draw):
    return lines(*(f"{draw(word)}\t{draw(word)}" for _ in range(draw(st.integers(1, 4)))))


plain_texts = st.text(max_size=200).map(lambda text: text.encode("utf-8"))


# -- what a success must look like --------------------------------------------------------------


def check_series(series):
    values = series.values
    assert values.dtype == np.float64 and values.ndim == 2 and len(values) >= 1
    assert values.shape[1] == len(series.columns) >= 1
    assert np.isfinite(values).all()  # read_csv_series fills or drops every missing value
    assert sorted(series.missing_count) == sorted(series.columns)
    if series.dates is not None:
        assert len(series.dates) == len(values) and (np.diff(series.dates).astype(int) > 0).all()


def check_sequences(data):
    assert len(data.X) >= 1 and len(data.ids) == len(data.X)
    channels = data.X[0].shape[1]
    finite = np.zeros(channels, dtype=bool)
    for sequence in data.X:
        assert sequence.dtype == np.float64 and sequence.ndim == 2
        assert sequence.shape[1] == channels and len(sequence) >= 1
        assert not np.isinf(sequence).any()  # missing values are NaN, never infinite
        finite |= np.isfinite(sequence).any(axis=0)
    assert finite.all()  # every channel carries some information
    assert data.y is None or data.y.shape == (len(data.X),)


def check_strings(items):
    assert items and all(isinstance(item, str) and item.strip() for item in items)


def check_labelled(result):
    texts, labels = result
    assert len(texts) == len(labels)
    check_strings(texts)
    check_strings(labels)


def check_tagged(result):
    assert len(result.sentences) == len(result.tags) >= 1
    for words, tags in zip(result.sentences, result.tags, strict=True):
        assert len(words) == len(tags) >= 1
        check_strings(words)
        check_strings(tags)


def check_vectors(result):
    assert result.vectors.ndim == 2 and result.vectors.shape == (len(result.words), result.dim)
    assert result.dim >= 1 and np.isfinite(result.vectors).all()
    assert all(isinstance(w, str) and w for w in result.words)


def check_vocabulary(vocabulary):
    assert all(isinstance(token, str) for token in vocabulary.tokens)


def check_pairs(result):
    sources, targets = result
    assert len(sources) == len(targets) and all(isinstance(s, str) and s for s in sources)


def check_text(result):
    assert isinstance(result, str)


def check_lines(result):
    assert all(isinstance(n, int) and isinstance(text, str) and text for n, text in result)


# -- the readers --------------------------------------------------------------------------------


@dataclass
class Reader:
    suffix: str
    read: Callable
    check: Callable
    valid: st.SearchStrategy


def gzipped(texts):
    """A .gz file: its text mutated before compression, or the compressed bytes themselves."""
    before = near_valid(texts).map(gzip.compress)
    after = texts.map(gzip.compress)
    return st.one_of(before, near_valid(after))


READERS = {
    "csv_series": Reader(".csv", read_csv_series, check_series, csv_series_files()),
    "classify_long_csv": Reader(".csv", read_sequences, check_sequences, long_csv_files()),
    "classify_wide_csv": Reader(".csv", read_sequences, check_sequences, wide_csv_files()),
    "classify_ts": Reader(".ts", read_sequences, check_sequences, ts_texts()),
    "classify_npz": Reader(".npz", read_sequences, check_sequences, npz_files()),
    "labelled_text": Reader(".txt", read_labelled_text, check_labelled, labelled_texts()),
    "conllu": Reader(".conllu", read_conllu, check_tagged, conllu_texts()),
    "tagged_tsv": Reader(".tsv", read_tagged_tsv, check_tagged, tsv_texts()),
    "word_vectors": Reader(".txt", read_word_vectors, check_vectors, word_vector_texts()),
    "vocabulary": Reader(".json", Vocabulary.load, check_vocabulary, vocabulary_files()),
    "seq2seq_pairs": Reader(".tsv", read_pairs, check_pairs, pair_texts()),
    "text_to_score": Reader(".txt", model_io._read_text, check_text, plain_texts),
    "lines_to_predict": Reader(".txt", model_io._lines, check_lines, plain_texts),
}
GZIP_READERS = {  # the same formats compressed: gzip's own failures on top
    "classify_ts_gz": Reader(".ts.gz", read_sequences, check_sequences, ts_texts()),
    "conllu_gz": Reader(".conllu.gz", read_conllu, check_tagged, conllu_texts()),
    "word_vectors_gz": Reader(".txt.gz", read_word_vectors, check_vectors, word_vector_texts()),
}


def files_for(reader):
    if reader.suffix.endswith(".gz"):
        return st.one_of(st.binary(max_size=300), gzipped(reader.valid))
    return st.one_of(st.binary(max_size=1000), near_valid(reader.valid))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def read_one(folder, name, content):
    """Write `content` as a file of reader `name` and read it: success or a named ValueError."""
    reader = READERS.get(name) or GZIP_READERS[name]
    path = folder / f"fuzzed{reader.suffix}"
    path.write_bytes(content)
    try:
        with time_limit(SECONDS_PER_READ):
            result = reader.read(path)
    except ValueError as error:
        assert_named_error(error, path)
    else:
        reader.check(result)


def assert_named_error(error, path):
    """The error is one lstmkit raised on purpose (a ValueError of its own `raise`, or a class
    of its own) and names the file; UnicodeDecodeError, a ValueError subclass, is not one."""
    own_class = type(error).__module__.partition(".")[0] == "lstmkit"
    assert type(error) is ValueError or own_class, f"{type(error).__name__}: {error}"
    assert own_class or raised_by_lstmkit(error), f"not raised by lstmkit: {error!r}"
    assert str(path) in str(error), f"the message does not name {path}: {error}"


def fuzz(name, *found):
    """A test feeding reader `name` random and near-valid files; `found`: inputs that once
    broke it, kept as explicit examples."""
    reader = READERS.get(name) or GZIP_READERS[name]

    @given(content=files_for(reader))
    def test(folder, content):
        read_one(folder, name, content)

    for content in found:
        test = example(content=content)(test)
    test.__name__ = f"test_fuzz_{name}"
    return test


test_fuzz_csv_series = fuzz("csv_series")
test_fuzz_classify_long_csv = fuzz(
    "classify_long_csv",
    b"id,label,x,y\ns0,a,0.0,0.0\ns0,a,0.0,0.1e4000\n",  # read as infinity (nightly run)
)
test_fuzz_classify_wide_csv = fuzz(
    "classify_wide_csv",
    b"label,t1,t2\na,0.0,inf\nb,1,2\n",  # an infinite value was read as one (nightly run)
)
test_fuzz_classify_ts = fuzz(
    "classify_ts",
    # int() refused what str.isdigit() accepted: a superscript 2, and more than 4300 digits
    b"@problemName x\n@dimensions \xc2\xb2\n@classLabel true a\n@data\n1:a\n",
    b"@problemName x\n@seriesLength " + b"9" * 5000 + b"\n@classLabel true a\n@data\n1:a\n",
)
TS_TEXT = lines("@problemName x", "@classLabel true a", "@data", "0.0,0.0:a", "0.0:a")
test_fuzz_classify_ts_gz = fuzz(
    "classify_ts_gz",
    # damaged deflate data: zlib.error escaped data.damaged_files.reading
    mutate(gzip.compress(TS_TEXT, mtime=0), [("endings", b"\r\n")]),
)
# the reader's layout hint (more channels than steps) and the strategy's own casts of random
# floats to integers warn by design: noise here, not findings
test_fuzz_classify_npz = pytest.mark.filterwarnings(
    "ignore:X .* was read with layout:UserWarning",
    "ignore:.* encountered in cast:RuntimeWarning",
)(fuzz("classify_npz"))
test_fuzz_labelled_text = fuzz("labelled_text")
test_fuzz_conllu = fuzz("conllu")
test_fuzz_conllu_gz = fuzz("conllu_gz")
test_fuzz_tagged_tsv = fuzz("tagged_tsv")
test_fuzz_word_vectors = fuzz(
    "word_vectors",
    b"0 0\n",  # a word2vec header of 0 dimensions gave an empty result of dimension 0
    b"1 " + b"9" * 5000 + b"\n",  # int() refuses more than 4300 digits
    b"\n 0.0\n",  # a line beginning with a space gave a vector to the empty word (nightly run)
    b"a 1 nan\nb 1e39 2\n",  # NaN, or a value past float32, became a vector silently
)
test_fuzz_word_vectors_gz = fuzz(
    "word_vectors_gz",
    gzip.compress(b"0 0\n", mtime=0),
    gzip.compress(b" 0.0\n", mtime=0),
)
test_fuzz_vocabulary = fuzz(
    "vocabulary",
    b'{"format": "lstmkit.vocabulary", "tokens": ["a"]}',  # KeyError: 'specials'
    b"[" * 100_000 + b"]" * 100_000,  # RecursionError from json
)
test_fuzz_seq2seq_pairs = fuzz("seq2seq_pairs")
test_fuzz_text_to_score = fuzz("text_to_score")
test_fuzz_lines_to_predict = fuzz("lines_to_predict")
