"""Character and word tokenizers for Unicode text.

`char_tokenize` first normalises to NFC (so "e" + combining acute and the precomposed "é"
give the same token), then returns one token per code point.

`word_tokenize` uses `WORD_PATTERN`, tried left to right at each position:

1. a word: letters/digits/underscore (Unicode ``\\w``) with inner apostrophes or hyphens,
   ``don't``, ``state-of-the-art``, ``l'été`` (straight ' or typographic ’);
2. a number: digits with inner ``.`` or ``,`` groups, ``3.14``, ``1,000,000``;
3. any other single non-space character (punctuation, symbols, emoji) as its own token.

White space separates tokens and is dropped. The text is NFC-normalised first; with
`lowercase=True` it is also case-folded (``str.lower``).
"""

import re
import unicodedata

WORD_PATTERN = re.compile(
    r"""
    \d+(?:[.,]\d+)+            # number with inner separators: 3.14, 1,000,000
    | \w+(?:['’-]\w+)*         # word with inner apostrophes/hyphens: don't, well-known
    | [^\w\s]                  # any other single non-space character
    """,
    re.VERBOSE,
)
"""The compiled regular expression of `word_tokenize`'s tokens (see the module docstring)."""


def char_tokenize(text: str) -> list[str]:
    """Text -> one token per Unicode code point, after NFC normalisation."""
    _check_text(text)
    return list(unicodedata.normalize("NFC", text))


def word_tokenize(text: str, lowercase: bool = False) -> list[str]:
    """Text -> words, numbers and single punctuation marks (see `WORD_PATTERN`)."""
    _check_text(text)
    text = unicodedata.normalize("NFC", text)
    if lowercase:
        text = text.lower()
    return WORD_PATTERN.findall(text)


def _check_text(text) -> None:
    if not isinstance(text, str):
        raise ValueError(f"text must be a str; got {type(text).__name__}")
