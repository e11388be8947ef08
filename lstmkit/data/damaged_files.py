"""A damaged input file is the user's data error, reported by name, never a library traceback.

The readers open plain and gzip-compressed text through Python's `gzip` and `csv`, whose
errors say nothing of the file: a truncated `.gz` ends in EOFError, a file that is not gzip
at all in `BadGzipFile: Not a gzipped file (b'@p')`, a CSV field past the csv module's size
limit in `_csv.Error`. `reading(path)` wraps a reader's loop and turns each into a ValueError
that names the file and says what is wrong with it.
"""

import csv
import gzip
from contextlib import contextmanager


@contextmanager
def reading(path):
    """Run the body; a damaged file's gzip or csv error becomes a ValueError naming `path`."""
    try:
        yield
    except EOFError:
        raise ValueError(f"{path}: the compressed file ends early (truncated?)") from None
    except gzip.BadGzipFile:
        raise ValueError(f"{path}: not a gzip file, though its name ends in .gz") from None
    except csv.Error as error:
        raise ValueError(f"{path}: not readable as CSV ({error})") from None
