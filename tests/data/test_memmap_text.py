"""Text files larger than memory (issue 18): `lstmkit.data.text_memmap` encodes a file once to
a memmapped .npy of ids, and CharLanguageModel trains from it as from the same text in memory."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from lstmkit.data import text_memmap
from lstmkit.data.text_memmap import TextFile, encoded
from lstmkit.data.tokenizers import char_tokenize
from lstmkit.data.vocabulary import Vocabulary
from lstmkit.models import CharLanguageModel

# a decomposed e + acute accent (NFC: one character) and a rare character among frequent ones
ALPHABET = list("abcde \n") + ["e\u0301", "\u00e9", "z"]


def sample_text(n: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    return "".join(rng.choice(ALPHABET, n, p=[0.15] * 6 + [0.04, 0.03, 0.02, 0.01]))


@pytest.mark.parametrize("block", [5, 64, 1 << 22])
def test_the_encoding_is_that_of_the_text_in_memory_for_any_block_size(
    tmp_path, monkeypatch, block
):
    text = sample_text(3000)
    path = tmp_path / "text.txt"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(text_memmap, "BLOCK", block)  # blocks cut between e and its accent
    vocabulary, ids, cut = encoded(path, 0.1)
    characters = char_tokenize(text)  # NFC: the decomposed é becomes one character
    held = int(len(characters) * 0.1)
    expected = Vocabulary.build([characters[:-held]], specials=("<unk>",))
    assert vocabulary == expected and cut == len(characters) - held
    assert isinstance(ids, np.memmap) and ids.dtype == np.uint8
    assert np.array_equal(ids, expected.encode(characters))
    assert sorted(p.name for p in tmp_path.iterdir() if p != path) == sorted(
        p.name for p in tmp_path.glob("text.txt.*") if p.suffix in (".npy", ".json")
    )


def test_the_encoding_is_made_once_and_reused(tmp_path, monkeypatch):
    path = tmp_path / "text.txt"
    path.write_text(sample_text(500), encoding="utf-8")
    encoded(path, 0.1)
    monkeypatch.setattr(text_memmap, "_encode", lambda *args: pytest.fail("encoded again"))
    assert len(encoded(TextFile(path), 0.1)[1]) == 500


@pytest.mark.parametrize("validation", ["fraction", "text"])
def test_a_file_trains_the_model_the_same_text_in_memory_trains(tmp_path, validation):
    text = sample_text(4000, seed=1)
    path = tmp_path / "text.txt"
    path.write_text(text, encoding="utf-8")
    settings = dict(
        embedding_dim=4,
        hidden_size=6,
        num_layers=1,
        epochs=2,
        batch_size=4,
        seq_len=16,
        validation_fraction=0.1,
        seed=3,
    )
    held = "abc de\n" * 40 if validation == "text" else None
    from_file = CharLanguageModel(**settings).fit(path, validation_text=held)
    in_memory = CharLanguageModel(**settings).fit(
        "".join(char_tokenize(text)), validation_text=held
    )
    assert from_file.vocabulary_ == in_memory.vocabulary_
    assert from_file.history_[-1]["loss"] == in_memory.history_[-1]["loss"]
    mine, theirs = from_file.network_.params, in_memory.network_.params
    assert all(np.array_equal(mine[k], theirs[k]) for k in theirs)


def test_a_file_is_refused_when_it_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"text file .*missing.txt does not exist"):
        CharLanguageModel(seed=0).fit(tmp_path / "missing.txt")


PEAK = textwrap.dedent(
    """
    import resource, sys
    from pathlib import Path
    from lstmkit.models import CharLanguageModel
    model = CharLanguageModel(embedding_dim=8, hidden_size=16, num_layers=1, epochs=1,
                              batch_size=16, seq_len=32, validation_fraction=0.0, seed=0,
                              max_time=float(sys.argv[2]))
    model.fit(Path(sys.argv[1]))
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)  # MiB (Linux: KiB)
    """
)


def peak_mib(path: Path, seconds: float) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(path), str(seconds)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB is Linux's")
def test_training_from_a_50_mb_file_keeps_the_peak_memory_bounded(tmp_path):
    path = tmp_path / "big.txt"
    line = sample_text(1 << 20, seed=2).encode()
    with open(path, "wb") as file:
        for _ in range(50):  # 50 MiB of text
            file.write(line)
    baseline = peak_mib(_small(tmp_path), 1.0)
    peak = peak_mib(path, 1.0)
    # the whole text as int64 ids alone would be 400 MiB more; the encoding's work arrays
    # (blocks of 4 Mi characters) add tens of MiB
    assert peak - baseline < 120, (baseline, peak)


def _small(folder: Path) -> Path:
    path = folder / "small.txt"
    path.write_text(sample_text(20000, seed=3), encoding="utf-8")
    return path
