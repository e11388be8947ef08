"""A text file of any size as a memory-mapped `.npy` array of character ids.

`TextFile(path)` stands for a UTF-8 text file that need not fit in memory. `encoded(file,
validation_fraction)` reads it in blocks of `BLOCK` characters, never whole, and returns

    (vocabulary, ids, cut)    ids = np.load(cache, mmap_mode="r"), one id per character

with the characters (Unicode code points after NFC normalisation, as `char_tokenize` gives
them) encoded by `vocabulary`, built from the first `cut` characters only, the training part
(the last `int(n * validation_fraction)` of the n characters are held out):

    pass 1   n: the number of characters
    pass 2   the counts of each character among the first `cut`, and where each first
             appears (ties ranked by first appearance, as `Vocabulary.build` ranks them)
    pass 3   the ids, block by block, streamed into the `.npy` file (atomically written)

The ids are uint8 for up to 256 tokens, else uint16 or int32: 1 GB of ASCII text is a 1 GB
file. The encoding is cached beside the text (or in the system's temporary folder when that
folder is not writable) under a name holding a hash of the file's size, modification time and
`validation_fraction`, so it is made once: `<name>.<hash>.ids.npy` and `<name>.<hash>.vocab.json`.

NFC normalises each block apart: a block is cut before its last starter character (combining
class 0), so that a base character and the combining marks after it stay in one block.
"""

import hashlib
import io
import json
import os
import tempfile
import unicodedata
from pathlib import Path

import numpy as np

from lstmkit.data.vocabulary import Vocabulary
from lstmkit.io.atomic import atomic_write, write_json

BLOCK = 1 << 22  # characters read and encoded at a time (4 Mi: tens of MB of work arrays)
_CODES = 0x110000  # every Unicode code point


class TextFile:
    """A UTF-8 text file at `path`, read in blocks (`blocks()`), never whole."""

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"text file {self.path} does not exist or is not a file")

    def blocks(self):
        """The file's characters after NFC normalisation, as code-point arrays (uint32) of up
        to about BLOCK characters each."""
        held = ""
        with open(self.path, encoding="utf-8", newline="") as file:
            while True:
                piece = file.read(BLOCK)
                text = held + piece
                if not piece:
                    break
                cut = _last_starter(text)
                held, text = text[cut:], text[:cut]
                if text:
                    yield _code_points(text)
        if held:
            yield _code_points(held)


def encoded(source, validation_fraction: float, cache_dir=None):
    """(vocabulary, ids (memmap), cut) of `source` (a TextFile or a path); see the module
    docstring. `cache_dir`: where the encoding is kept (default: beside the file)."""
    text = source if isinstance(source, TextFile) else TextFile(source)
    paths = _cache_paths(text.path, validation_fraction, cache_dir)
    if not all(path.is_file() for path in paths):
        _encode(text, validation_fraction, *paths)
    ids_path, vocab_path = paths
    saved = json.loads(vocab_path.read_text(encoding="utf-8"))
    vocabulary = Vocabulary.from_json(saved["vocabulary"])
    return vocabulary, np.load(ids_path, mmap_mode="r"), int(saved["cut"])


def _encode(text: TextFile, fraction: float, ids_path: Path, vocab_path: Path) -> None:
    total = sum(len(block) for block in text.blocks())
    held = int(total * fraction)
    cut = total - (held if held >= 2 else 0)  # under 2: nothing to score, as for a str
    vocabulary = _vocabulary(text.blocks(), cut)
    characters = vocabulary.tokens[len(vocabulary.specials) :]
    table = np.full(_CODES, vocabulary.unk_id, dtype=np.int64)  # code point -> id
    table[[ord(c) for c in characters]] = vocabulary.encode(characters)
    fits = (t for t in (np.uint8, np.uint16, np.int32) if len(vocabulary) <= np.iinfo(t).max + 1)
    dtype = next(fits)
    header = io.BytesIO()
    np.lib.format.write_array_header_2_0(
        header, {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": (total,)}
    )
    blocks = (table[codes].astype(dtype).tobytes() for codes in text.blocks())
    atomic_write(ids_path, _chained(header.getvalue(), blocks))
    write_json(vocab_path, {"vocabulary": vocabulary.to_json(), "cut": cut})


def _vocabulary(blocks, cut: int) -> Vocabulary:
    """The Vocabulary that `Vocabulary.build([characters[:cut]], specials=("<unk>",))` gives:
    most frequent first, ties by first appearance."""
    counts = np.zeros(_CODES, dtype=np.int64)
    first = np.full(_CODES, np.iinfo(np.int64).max, dtype=np.int64)
    seen = 0
    for codes in blocks:
        codes = codes[: max(cut - seen, 0)]
        new = np.flatnonzero((np.bincount(codes, minlength=_CODES) > 0) & (counts == 0))
        for code in new:  # the few characters met for the first time in this block
            first[code] = seen + int(np.argmax(codes == code))
        counts += np.bincount(codes, minlength=_CODES)
        seen += len(codes)
    present = np.flatnonzero(counts)
    order = present[np.lexsort((first[present], -counts[present]))]
    return Vocabulary([chr(code) for code in order if chr(code) != "<unk>"], specials=("<unk>",))


def _cache_paths(path: Path, fraction: float, cache_dir) -> tuple[Path, Path]:
    status = path.stat()
    key = hashlib.sha256(
        f"{path.resolve()}|{status.st_size}|{status.st_mtime_ns}|{fraction!r}".encode()
    ).hexdigest()[:16]
    folder = Path(cache_dir) if cache_dir is not None else path.parent
    if cache_dir is None and not os.access(folder, os.W_OK):
        folder = Path(tempfile.gettempdir())
    stem = f"{path.name}.{key}"
    return folder / f"{stem}.ids.npy", folder / f"{stem}.vocab.json"


def _last_starter(text: str) -> int:
    """Where to cut `text` so that no combining mark is parted from its base: before the last
    character of combining class 0 (0 when there is none, the whole text held over)."""
    for index in range(len(text) - 1, -1, -1):
        if unicodedata.combining(text[index]) == 0:
            return index
    return 0


def _code_points(text: str) -> np.ndarray:
    normal = unicodedata.normalize("NFC", text)
    return np.frombuffer(normal.encode("utf-32-le"), dtype=np.uint32)


def _chained(first: bytes, rest):
    yield first
    yield from rest
