"""The cells of a delimited text table, line by line: what `read_csv_series` reads before it
looks at names, dates and numbers.

- Compressed files are read by their suffix: `.gz`, `.bz2`, `.xz`, `.zip` (one file inside).
- The separator is the one of `,` `;` tab that the first non-blank line (the header) holds most
  often (`,` when it holds none: a single column).
- With pandas installed the table is read by `pandas.read_csv` (every cell as text, nothing
  converted, so that dates and numbers are judged by the reader's own strict rules); without
  it, by the `csv` module. Both give the same cells and the same line numbers.

`rows_of(...)` yields (line number, cells) for every line; a blank line gives no cells. Too many
fields on a line is `FieldCountError` (pandas stops there; the caller names the header).
"""

import bz2
import csv
import gzip
import io
import lzma
import re
import zipfile
from contextlib import contextmanager

SEPARATORS = (",", ";", "\t")
_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_PANDAS_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


class FieldCountError(ValueError):
    """A line with more fields than the header (pandas' parser stops at it)."""

    def __init__(self, line: int, count: int):
        super().__init__(f"line {line}: {count} fields")
        self.line, self.count = line, count


def open_text(name):
    """The file as UTF-8 text (a byte-order mark skipped), decompressed by its suffix."""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    if suffix == ".zip":
        return io.TextIOWrapper(_zip_member(name), encoding="utf-8-sig", newline="")
    opener = _OPENERS.get(suffix, open)
    return opener(name, "rt", encoding="utf-8-sig", newline="")


def _zip_member(name):
    archive = zipfile.ZipFile(name)
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) != 1:
        raise ValueError(
            f"{name}: a .zip must hold exactly one file (the table); it holds {len(members)}"
        )
    return archive.open(members[0])


@contextmanager
def damaged_archives(name):
    """bz2, xz and zip errors (gzip's are `damaged_files.reading`'s) as a ValueError naming
    the file."""
    try:
        yield
    except (lzma.LZMAError, zipfile.BadZipFile) as error:
        raise ValueError(f"{name}: the compressed file is damaged ({error})") from None
    except OSError as error:
        if error.errno is not None:  # a system error (no such file...): not the file's content
            raise
        raise ValueError(f"{name}: the compressed file is damaged ({error})") from None


def first_line(name) -> tuple[int, str] | None:
    """(line number, text) of the first non-blank line, or None for a file of blank lines."""
    with open_text(name) as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                return number, line
    return None


def separator(header: str) -> str:
    """The separator the header line holds most often (`,` when it holds none)."""
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])  # ties: the first, `,`
    return best if counts[best] else ","


def split_line(text: str, sep: str) -> list[str]:
    """The cells of one line (quotes as CSV has them)."""
    return next(csv.reader([text], delimiter=sep), [])


def rows_of(name, sep: str, start: int, use_pandas):
    """(line number, cells) of each line from line `start` (the header's) on; cells are the
    text of each field, unstripped; a blank line has none. `use_pandas`: the pandas module to
    read with, or None for the csv module."""
    # a NUL byte: pandas' C parser cuts the field there in some versions (3.0), so the csv
    # module reads such a file, and the caller reports the NUL with its line and field
    if use_pandas is None or _holds_nul(name):
        yield from _csv_rows(name, sep)
        return
    yield from _pandas_rows(use_pandas, name, sep, start)


def _holds_nul(name) -> bool:
    with open_text(name) as handle:
        return any("\0" in chunk for chunk in iter(lambda: handle.read(1 << 16), ""))


def _csv_rows(name, sep):
    with open_text(name) as handle:
        reader = csv.reader(handle, delimiter=sep)
        for cells in reader:
            yield reader.line_num, cells


def _pandas_rows(pd, name, sep, start):
    try:
        table = pd.read_csv(
            name,
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            skiprows=start - 1,
            encoding="utf-8-sig",
            compression="infer",
        )
    except pd.errors.ParserError as error:
        found = _PANDAS_FIELDS.search(str(error))
        if found is None:
            raise ValueError(f"{name}: not readable as CSV ({error})") from None
        raise FieldCountError(int(found[2]), int(found[3])) from None
    limit = csv.field_size_limit()
    for offset, cells in enumerate(table.itertuples(index=False, name=None)):
        # a field the line lacks comes as NaN (not text): the line has only the others
        cells = [cell for cell in cells if isinstance(cell, str)]
        if any(len(cell) > limit for cell in cells):  # the csv module's limit, on either path
            raise csv.Error(f"field larger than field limit ({limit})")
        yield start + offset, cells
