"""A token <-> id map built from a corpus, saved as JSON.

Ids are assigned in a fixed order so that the same corpus always gives the same map:
the special tokens first, in the order given (by default ``<pad>`` = 0, ``<unk>`` = 1), then
the corpus tokens by descending frequency, ties broken by first appearance.
"""

import json
from collections import Counter
from pathlib import Path

import numpy as np

from lstmkit.data.damaged_files import reading
from lstmkit.io.atomic import atomic_write
from lstmkit.validation import check_positive_int

DEFAULT_SPECIALS = ("<pad>", "<unk>")
_FORMAT = "lstmkit.vocabulary"


class Vocabulary:
    """Token <-> id map. Specials first, in the order given (default ("<pad>", "<unk>"):
    pad id 0, unk id 1), then `tokens` in the order given (duplicates of earlier tokens or
    specials are ignored).

    `pad_id` / `unk_id` are None when "<pad>" / "<unk>" is not among the specials. Tokens
    not in the map encode to `unk_id`; without "<unk>" they are an error.
    """

    def __init__(self, tokens=(), *, specials=DEFAULT_SPECIALS):
        if isinstance(specials, str):
            raise ValueError(f"specials must be a sequence of strings; got the string {specials!r}")
        self.specials = [_check_token(s, "specials") for s in specials]
        if len(set(self.specials)) != len(self.specials):
            raise ValueError(f"specials must be distinct; got {self.specials}")
        self.tokens: list[str] = []
        self._ids: dict[str, int] = {}
        for token in (*self.specials, *tokens):
            token = _check_token(token, "tokens")
            if token not in self._ids:
                self._ids[token] = len(self.tokens)
                self.tokens.append(token)
        self.pad_id = self._ids.get("<pad>") if "<pad>" in self.specials else None
        self.unk_id = self._ids.get("<unk>") if "<unk>" in self.specials else None

    @classmethod
    def build(cls, sequences, *, min_freq=1, max_size=None, specials=DEFAULT_SPECIALS):
        """Vocabulary of the tokens in `sequences` (an iterable of iterables of tokens) that
        occur at least `min_freq` times, most frequent first; at most `max_size` entries in
        all, specials included."""
        check_positive_int(min_freq, "min_freq")
        if max_size is not None and (
            isinstance(max_size, bool)
            or not isinstance(max_size, (int, np.integer))
            or max_size < len(specials)
        ):
            raise ValueError(
                f"max_size must be None or an integer >= the number of specials "
                f"({len(specials)}); got {max_size!r}"
            )
        counts: Counter = Counter()
        for index, sequence in enumerate(sequences):
            if isinstance(sequence, str):
                raise ValueError(
                    f"sequences[{index}] must be a list of tokens, not a string "
                    f"({sequence[:30]!r}); tokenize the text first"
                )
            counts.update(sequence)  # Counter keeps first-appearance order among equal counts
        special_set = set(specials)
        ranked = [
            token
            for token, count in sorted(counts.items(), key=lambda item: -item[1])
            if count >= min_freq and token not in special_set
        ]
        if max_size is not None:
            ranked = ranked[: max_size - len(specials)]
        return cls(ranked, specials=specials)

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token) -> bool:
        return token in self._ids

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Vocabulary)
            and self.tokens == other.tokens
            and self.specials == other.specials
        )

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} tokens, specials={self.specials})"

    def id_of(self, token) -> int:
        """The id of `token`; `unk_id` for a token not in the map."""
        found = self._ids.get(token)
        if found is not None:
            return found
        if self.unk_id is None:
            raise ValueError(f"token {token!r} is not in the vocabulary, which has no '<unk>'")
        return self.unk_id

    def id_of_special(self, name) -> int:
        """The id of the special token `name` (e.g. "<bos>")."""
        if name not in self.specials:
            raise ValueError(f"special token {name!r} is not in this vocabulary's {self.specials}")
        return self._ids[name]

    def encode(self, tokens) -> np.ndarray:
        """Token sequence -> int64 ids (T,)."""
        if isinstance(tokens, str):  # a string would silently encode as characters
            raise ValueError(
                f"tokens must be a list of tokens, not a string ({tokens[:30]!r}); "
                "tokenize it first (word_tokenize, or char_tokenize for characters)"
            )
        return np.array([self.id_of(token) for token in tokens], dtype=np.int64)

    def decode(self, ids, *, skip_specials=True) -> list[str]:
        """Ids -> tokens, leaving out the specials unless `skip_specials=False`."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
            raise ValueError(
                f"ids must be a 1-D integer sequence; got shape {ids.shape}, {ids.dtype}"
            )
        if ids.size and (ids.min() < 0 or ids.max() >= len(self.tokens)):
            bad = ids[(ids < 0) | (ids >= len(self.tokens))][0]
            raise ValueError(f"ids must lie in 0..{len(self.tokens) - 1}; got {int(bad)}")
        first_plain = len(self.specials)  # specials occupy ids 0 .. len(specials)-1
        return [self.tokens[i] for i in ids.tolist() if not (skip_specials and i < first_plain)]

    def to_json(self) -> dict:
        """A JSON-ready dict; `from_json` inverts it."""
        return {
            "format": _FORMAT,
            "specials": list(self.specials),
            "tokens": self.tokens[len(self.specials) :],
        }

    @classmethod
    def from_json(cls, data) -> "Vocabulary":
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError(
                f"not a vocabulary: expected a dict with format {_FORMAT!r}; "
                f"got {type(data).__name__} {str(data)[:60]}"
            )
        for key in ("specials", "tokens"):
            if not isinstance(data.get(key), list):
                got = type(data.get(key)).__name__ if key in data else "nothing"
                raise ValueError(f"not a vocabulary: {key!r} must be a list of strings; got {got}")
        return cls(data["tokens"], specials=data["specials"])

    def save(self, path) -> None:
        """Write the vocabulary as UTF-8 JSON, atomically."""
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=0)
        atomic_write(Path(path), [text.encode("utf-8")])

    @classmethod
    def load(cls, path) -> "Vocabulary":
        path = Path(path)
        with reading(path):
            text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not a vocabulary JSON file ({error})") from None
        except RecursionError:
            raise ValueError(f"{path}: JSON nested too deeply to be a vocabulary") from None
        try:
            return cls.from_json(data)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None


def _check_token(token, what: str) -> str:
    if not isinstance(token, str):
        raise ValueError(f"{what} must be strings; got {type(token).__name__} {token!r}")
    return token
