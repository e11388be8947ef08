"""Reader of labelled text files: one example per line, `text<TAB>label`.

Rules: UTF-8 (a byte-order mark is allowed); blank lines are skipped; the label is what
follows the LAST tab on the line and the text is everything before it (so a text may itself
hold tabs), both stripped of surrounding white space. A line without a tab, with an empty
text or label, or that is not UTF-8 is an error naming the file and the line number. Labels
come back as strings, exactly as written.
"""

from pathlib import Path


def read_labelled_text(path) -> tuple[list[str], list[str]]:
    """(texts, labels) of a `text<TAB>label` file; see the module docstring."""
    path = Path(path)
    texts, labels = [], []
    with open(path, "rb") as file:
        for number, raw in enumerate(file, start=1):
            line = _decode(raw[3:] if number == 1 and raw.startswith(b"\xef\xbb\xbf") else raw)
            if line is None:
                raise ValueError(f"{path}, line {number}: not UTF-8 text")
            if not line.strip():
                continue
            text, tab, label = line.rstrip("\r\n").rpartition("\t")
            text, label = text.strip(), label.strip()
            if not tab:
                raise ValueError(
                    f"{path}, line {number}: expected 'text<TAB>label'; no tab in {line[:60]!r}"
                )
            if not text or not label:
                what = "text" if not text else "label"
                raise ValueError(f"{path}, line {number}: the {what} is empty in {line[:60]!r}")
            texts.append(text)
            labels.append(label)
    if not texts:
        raise ValueError(f"{path}: no labelled lines found (expected 'text<TAB>label' lines)")
    return texts, labels


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
