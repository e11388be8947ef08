"""The cells of a CSV time series, one at a time: what counts as missing, which dates are
accepted and how they are read, numbers (with the decimal comma of `;`- and tab-separated
files), and the error that names the file and line. Shared by the one-series reader
(`csv_series.py`) and the panel reader (`panel_csv.py`), so both judge a cell alike.
"""

import math
import re

import numpy as np

# a missing value, compared in lower case: an empty cell, NA, NaN or ?
MISSING_CELLS = frozenset({"", "na", "nan", "?"})
_DATE_FORMATS = (  # (pattern, numpy unit); ASCII digits only, as NumPy reads them
    (re.compile(r"\d{4}", re.ASCII), "Y"),
    (re.compile(r"\d{4}-\d{2}", re.ASCII), "M"),
    (re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII), "D"),
    (re.compile(r"\d{8}", re.ASCII), "D"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", re.ASCII), "m"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}", re.ASCII), "s"),
)
ACCEPTED_DATES = "YYYY-MM-DD, YYYY-MM, YYYY, YYYYMMDD or YYYY-MM-DD HH:MM[:SS]"
DATE_UNITS = ("Y", "M", "D", "m", "s")  # coarse to fine
# a number written with a decimal comma (3,14 or -1,5e3): read as such where `,` is no separator
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+([eE][+-]?\d+)?", re.ASCII)


def line_error(name, number, problem) -> ValueError:
    """The error of a cell or row: "{name}, line {number}: {problem}"."""
    return ValueError(f"{name}, line {number}: {problem}")


def cell_text(text, sep) -> str:
    """A cell stripped; a decimal comma made a point where `,` is not the separator."""
    text = text.strip()
    if sep != "," and _DECIMAL_COMMA.fullmatch(text):
        return text.replace(",", ".")
    return text


def column_index(name, header, header_line, column, argument) -> int:
    """The index of `column` in the header, or an error naming `argument` and the columns."""
    if column not in header:
        raise ValueError(
            f"{name}: {argument} {column!r} is not a column of the header (line {header_line}); "
            f"the columns are {header}"
        )
    return header.index(column)


def to_date(text):
    """A date string -> np.datetime64, or None when it is not one of the accepted formats."""
    for pattern, unit in _DATE_FORMATS:
        if pattern.fullmatch(text):
            if len(text) == 8 and text.isdigit():
                text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
            try:
                return np.datetime64(text.replace(" ", "T"), unit)
            except ValueError:
                return None  # e.g. month 13 or 30 February
    return None


def read_number(name, number, text, column, missing=None) -> float:
    """A cell as a finite float; a missing one is NaN, or an error with missing='error'.
    Infinite values are refused: no model learns from them, and 1e400 is a typo more often
    than a value."""
    if text.lower() in MISSING_CELLS:
        if missing == "error":
            raise line_error(
                name, number, f"missing value ({text!r}) in column {column!r} with missing='error'"
            )
        return math.nan
    try:
        value = float(text)
    except ValueError:
        problem = f"cannot read {text!r} in column {column!r} as a number"
        raise line_error(name, number, problem) from None
    if math.isinf(value):
        raise line_error(name, number, f"{text!r} in column {column!r} is not a finite number")
    return value
