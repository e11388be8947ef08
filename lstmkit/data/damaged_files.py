"""A damaged input file is the user's data error, reported by name, never a library traceback.

The readers open plain and gzip-compressed text through Python's `gzip`, `csv` and text
decoding, whose errors say nothing of the file: a truncated `.gz` ends in EOFError, a file that
is not gzip at all in `BadGzipFile: Not a gzipped file (b'@p')`, damaged compressed data in
`zlib.error` or `BadGzipFile: CRC check failed`, a CSV field past the csv module's size limit
in `_csv.Error`, a byte that is not UTF-8 in UnicodeDecodeError (whose position counts from
the start of some buffer, not of the file). `reading(path)` wraps a reader's loop and turns
each into a ValueError that names the file and says what is wrong with it; a byte that is not
UTF-8 is located by a second pass over the file (its line and byte offset), made only once
the error has happened.
"""

import codecs
import csv
import gzip
import zlib
from contextlib import contextmanager

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16


@contextmanager
def reading(path):
    """Run the body; a damaged file's gzip, csv or decoding error becomes a ValueError naming
    `path` (and, for a byte that is not UTF-8, its line and offset)."""
    try:
        yield
    except EOFError:
        raise ValueError(f"{path}: the compressed file ends early (truncated?)") from None
    except gzip.BadGzipFile as error:
        if str(error).startswith("Not a gzipped file"):
            raise ValueError(f"{path}: not a gzip file, though its name ends in .gz") from None
        raise ValueError(f"{path}: the compressed file is damaged ({error})") from None
    except zlib.error as error:
        raise ValueError(f"{path}: the compressed file is damaged ({error})") from None
    except csv.Error as error:
        raise ValueError(f"{path}: not readable as CSV ({error})") from None
    except UnicodeDecodeError as error:
        raise ValueError(not_utf8_message(path, error.reason)) from None


def not_utf8_message(path, reason) -> str:
    """'<path>, line N: not UTF-8 text (byte 0x.. at byte offset K; <reason>)' for the first
    byte of `path` that does not decode, found by reading the file again."""
    try:
        found = _first_undecodable_byte(path)
    except (OSError, EOFError, zlib.error):  # BadGzipFile is an OSError
        found = None  # the file changed or vanished since: say what is known
    advice = "save it as UTF-8"
    if found is None:
        return f"{path}: not UTF-8 text ({reason}); {advice}"
    line, offset, byte = found
    return (
        f"{path}, line {line}: not UTF-8 text (byte 0x{byte:02x} at byte offset {offset}; "
        f"{reason}); {advice}"
    )


def _first_undecodable_byte(path):
    """(line, byte offset, byte value) of the first byte that is not UTF-8, or None.

    Offsets count in the decompressed text of a gzip file. Lines end at "\\n", "\\r\\n" or a
    lone "\\r", as the readers' text files split them.
    """
    with open(path, "rb") as raw:
        compressed = raw.read(2) == GZIP_MAGIC
    opener = gzip.open if compressed else open
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines, after_cr = 0, 1, False
    with opener(path, "rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            pending = len(decoder.getstate()[0])  # bytes of a character begun in the last chunk
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                lines += _line_breaks(chunk[: max(error.start - pending, 0)], after_cr)
                return lines, offset - pending + error.start, error.object[error.start]
            if not chunk:
                return None
            lines += _line_breaks(chunk, after_cr)
            after_cr = chunk.endswith(b"\r")
            offset += len(chunk)


def _line_breaks(data: bytes, after_cr: bool) -> int:
    """Line endings in `data` ("\\r\\n" counts once, also when split between two chunks)."""
    count = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    return count - 1 if after_cr and data.startswith(b"\n") else count


def refuse_nul(path, number, cells) -> None:
    """A NUL character has no place in a text file: it is binary data, or text saved as UTF-16
    (whose ASCII letters decode as UTF-8 between NULs). Named here, rather than left to fail
    later as a cell that is not a number or a column that is not numeric."""
    for position, cell in enumerate(cells, start=1):
        if "\x00" in cell:
            raise ValueError(
                f"{path}, line {number}: field {position} holds a NUL byte (\\x00); a binary "
                "file, or text saved as UTF-16? save it as UTF-8 text"
            )
