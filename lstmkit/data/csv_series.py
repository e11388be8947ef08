"""Reader of a time series stored as CSV: one row per time step, a header row of column names.

    date,co2
    1958-03-29,316.1
    1958-04-05,
    1958-04-12,317.6

The separator is `,`, `;` or tab (the one the header holds most often); in a file separated by
`;` or tab a comma in a number is its decimal mark (`3,14`). Files compressed as `.gz`, `.bz2`,
`.xz` or `.zip` (one file inside) are read by their suffix. With pandas installed the table is
read by `pandas.read_csv` (`data.csv_table`), without it by the `csv` module: the same cells,
judged by the same rules below either way.

Dates (optional): ISO `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, `YYYY-MM-DD HH:MM[:SS]` (or with `T`),
and the compact `YYYYMMDD` (statsmodels' co2 data). They must strictly increase. Values are
numbers; a missing value is an empty cell, `NA`, `NaN` or `?` (case-insensitive), and how it is
filled is the `missing` policy. The count of missing values of each column is always reported,
whatever the policy, in `Series.missing_count`.

A date that appears twice is an error. So is a long-format file, several series stacked one
after the other (an id column such as `store`, then each store's dates and values), when its
dates start again for each series: it is refused, naming the id column, unless `series_id`
picks one of its series. (Stacked series without dates cannot be told from one series.)

A `Series` feeds `Forecaster.fit` as it is; the forecasts come back as a `Series` whose dates
continue its dates.
"""

import os
import re
from dataclasses import dataclass

import numpy as np

from lstmkit.data.csv_cells import (
    ACCEPTED_DATES,
    DATE_UNITS,
    MISSING_CELLS,
    cell_text,
    column_index,
    line_error,
    read_number,
    to_date,
)
from lstmkit.data.csv_table import (
    FieldCountError,
    damaged_archives,
    first_line,
    rows_of,
    separator,
    split_line,
)
from lstmkit.data.damaged_files import reading, refuse_nul
from lstmkit.data.pandas_import import pandas_if_installed

MISSING_POLICIES = ("interpolate", "ffill", "drop", "error")
# A cell shaped like a date in any common writing (2020-13-01, 1958/3, 03/29/1958, 29.03.1958,
# 2020-01-01 9h): in the first column it means dates were meant, so one that does not parse
# is an error, not a text column quietly left out. A decimal number (2020.5) does not match.
_DATE_LIKE = re.compile(
    r"(\d{4}[-/]\d{1,2}|\d{4}([-/.])\d{1,2}\2\d{1,2}|\d{1,2}([-/.])\d{1,2}\3\d{2,4})([ T].*)?",
    re.ASCII,
)


@dataclass
class Series:
    """A (possibly multivariate) time series read from a CSV file.

    values: (T, C) float64, missing values already filled by `missing_policy` (or their rows
        dropped with "drop"), so every value is finite.
    columns: the C column names, in the order of `values`' columns.
    dates: (T,) datetime64 array (unit of the finest date format in the file) or None.
    missing_count: {column: number of missing cells in the file}, counted before filling or
        dropping.
    missing_policy: the policy that was applied ("interpolate", "ffill", "drop" or "error").
    """

    values: np.ndarray
    columns: list
    dates: np.ndarray | None
    missing_count: dict
    missing_policy: str

    def __len__(self) -> int:
        return len(self.values)


def read_csv_series(
    path,
    value_columns=None,
    date_column=None,
    missing="interpolate",
    series_id=None,
    id_column=None,
) -> Series:
    """Read a CSV file of one time series (rows = time steps) into a Series.

    path: the file (compressed by its suffix or not); its first row names the columns.
    value_columns: the names of the value columns (a list, or one name); None takes every
        column other than the date column whose first non-missing cell is a number (text
        columns are skipped; a numeric column with a non-numeric cell further down is an error).
    date_column: the name of the date column; None looks at the first column: it is the date
        column when its first cell is a date with `-` separators, or when every cell is a
        `YYYY` / `YYYYMMDD` date and they strictly increase (a plain numeric column is not
        taken for years); False means no date column.
    missing: how missing values are handled:
        "interpolate": linearly in time between the neighbouring observed values (by date when
            there are dates, by row otherwise); leading and trailing gaps take the nearest
            observed value;
        "ffill": the last observed value; a leading gap takes the first observed value;
        "drop": rows with any missing value (in the value columns) are dropped;
        "error": the first missing value raises a ValueError naming its line and column.
    series_id: in a long-format file (several series stacked, an id column naming the series of
        each row), the id of the one series to read: only its rows are read, and the id column
        is left out. None (default): a file whose dates start again with each id is refused.
    id_column: the name of that id column; None guesses it: the first column whose values come
        in blocks, each id in one run of rows.

    Raises ValueError naming the file, line and problem for a malformed file (a wrong number
    of fields, a non-numeric value, an unparsable, repeated or non-increasing date, an unknown
    column, several series stacked).
    """
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing must be one of {MISSING_POLICIES}; got {missing!r}")
    if isinstance(value_columns, str):
        value_columns = [value_columns]
    name = os.fspath(path)
    header, rows, line_numbers = _read_rows(name)
    header, rows, line_numbers = _pick_series(
        name, header, rows, line_numbers, series_id, id_column
    )
    if date_column is None:
        date_index = _detect_date_column(name, header, rows, line_numbers)
    elif date_column is False:
        date_index = None
    else:
        date_index = column_index(name, header, line_numbers[0], date_column, "date_column")
    value_indices = _value_indices(name, header, line_numbers[0], rows, date_index, value_columns)
    if not value_indices:
        raise ValueError(_no_value_columns(name, header, rows, line_numbers, date_index))
    if series_id is None:
        _refuse_stacked(name, header, rows, line_numbers, date_index, value_indices)

    dates = None
    if date_index is not None:
        dates = _parse_dates(name, header[date_index], rows, line_numbers, date_index)
    columns = [header[i] for i in value_indices]
    values = np.empty((len(rows), len(value_indices)), dtype=np.float64)
    for r, (row, number) in enumerate(zip(rows, line_numbers[1:], strict=True)):
        for c, index in enumerate(value_indices):
            values[r, c] = read_number(name, number, row[index], header[index], missing)
    missing_mask = np.isnan(values)
    missing_count = {col: int(n) for col, n in zip(columns, missing_mask.sum(axis=0), strict=True)}
    values, dates = _fill(name, values, missing_mask, dates, columns, missing)
    return Series(
        values=values,
        columns=columns,
        dates=dates,
        missing_count=missing_count,
        missing_policy=missing,
    )


def _read_rows(name):
    """-> (header names, data rows as lists of stripped cells, their line numbers).

    line_numbers[0] is the header's line; line_numbers[1 + r] is data row r's.
    """
    with reading(name), damaged_archives(name):
        first = first_line(name)
        if first is None:
            raise ValueError(f"{name}: the file is empty (no header row)")
        start, text = first
        sep = separator(text)
        try:
            return _collect_rows(name, rows_of(name, sep, start, pandas_if_installed()), sep)
        except FieldCountError as error:  # pandas stops at the line, before the header is seen
            header = [cell.strip() for cell in split_line(text, sep)]
            raise line_error(name, error.line, _field_count(error.count, start, header)) from None


def _collect_rows(name, lines, sep):
    """The header and data rows of `lines` ((line number, cells) pairs), checked."""
    rows, line_numbers = [], []
    header = None
    for number, row in lines:
        if all(not cell.strip() for cell in row):
            continue  # blank line
        refuse_nul(name, number, row)
        cells = [cell_text(cell, sep) for cell in row]
        if header is None:
            header = cells
            line_numbers.append(number)
            _check_header(name, number, header)
        elif len(cells) != len(header):
            raise line_error(name, number, _field_count(len(cells), line_numbers[0], header))
        else:
            rows.append(cells)
            line_numbers.append(number)
    if header is None:
        raise ValueError(f"{name}: the file is empty (no header row)")
    if not rows:
        raise ValueError(f"{name}: no data rows after the header (line {line_numbers[0]})")
    return header, rows, line_numbers


def _field_count(count, header_line, header) -> str:
    return (
        f"{count} fields; the header (line {header_line}) has {len(header)} ({', '.join(header)})"
    )


def _check_header(name, number, header):
    seen = set()
    for position, column in enumerate(header):
        if not column:
            raise line_error(name, number, f"column {position + 1} of the header has no name")
        if column in seen:
            raise line_error(name, number, f"column name {column!r} appears twice in the header")
        seen.add(column)


def _detect_date_column(name, header, rows, line_numbers):
    """0 when the first column holds dates (see read_csv_series), else None.

    A first column whose first value is shaped like a date but is not a valid one in an
    accepted format is an error naming its line: the user meant dates, and reading the file
    without them would go unnoticed.
    """
    found = next(
        (
            (row[0], number)
            for row, number in zip(rows, line_numbers[1:], strict=True)
            if row[0].lower() not in MISSING_CELLS
        ),
        None,
    )
    if found is None:
        return None
    first, number = found
    if "-" in first and to_date(first) is not None:
        return 0
    if first.isascii() and first.isdigit():
        return 0 if _increasing_dates(rows) else None
    if _DATE_LIKE.fullmatch(first):
        raise line_error(
            name,
            number,
            f"{first!r} in the first column {header[0]!r} looks like a date but is not a valid "
            f"date in an accepted format ({ACCEPTED_DATES}); give date_column=False to read "
            "the file without dates",
        )
    return None


def _increasing_dates(rows) -> bool:
    """True when every first cell is a `YYYY` / `YYYYMMDD` date and they strictly increase."""
    dates = [to_date(row[0]) for row in rows]
    if any(d is None for d in dates):
        return False
    return all(a < b for a, b in zip(dates, dates[1:], strict=False))


def _value_indices(name, header, header_line, rows, date_index, value_columns):
    if value_columns is not None:
        indices = []
        for column in value_columns:
            index = column_index(name, header, header_line, column, "value column")
            if index == date_index:
                raise ValueError(f"{name}: column {column!r} is the date column, not a value")
            if index in indices:
                raise ValueError(f"{name}: value column {column!r} is named twice")
            indices.append(index)
        return indices
    return [
        index
        for index in range(len(header))
        if index != date_index and _column_kind(rows, index)[0] == "numeric"
    ]


def _column_kind(rows, index):
    """(kind, r): kind "numeric" or "text" by the column's first value, in row r; ("missing",
    None) for a column without any value (nothing says it is numeric)."""
    for r, row in enumerate(rows):
        text = row[index]
        if text.lower() in MISSING_CELLS:
            continue
        try:
            float(text)
        except ValueError:
            return "text", r
        return "numeric", r
    return "missing", None


def _no_value_columns(name, header, rows, line_numbers, date_index) -> str:
    """Why no column of the file can be a value column, column by column."""
    reasons = []
    for index, column in enumerate(header):
        if index == date_index:
            continue
        kind, r = _column_kind(rows, index)
        if kind == "missing":
            reasons.append(f"column {column!r} has no values (all {len(rows)} cells are missing)")
        else:
            text = rows[r][index]
            reasons.append(
                f"column {column!r} is text ({text[:40]!r} on line {line_numbers[1 + r]})"
            )
    if not reasons:
        reasons.append(f"the only column is the date column {header[date_index]!r}")
    return f"{name}: no numeric value columns found: " + "; ".join(reasons)


def _parse_dates(name, column, rows, line_numbers, index) -> np.ndarray:
    dates = []
    for row, number in zip(rows, line_numbers[1:], strict=True):
        text = row[index]
        if text.lower() in MISSING_CELLS:
            raise line_error(name, number, f"missing date in the date column {column!r}")
        date = to_date(text)
        if date is None:
            raise line_error(
                name,
                number,
                f"cannot read {text!r} in the date column {column!r} as a date "
                f"(expected {ACCEPTED_DATES})",
            )
        dates.append(date)
    finest = max((np.datetime_data(d.dtype)[0] for d in dates), key=DATE_UNITS.index)
    dates = np.array(dates, dtype=f"datetime64[{finest}]")
    steps = np.diff(dates)
    if np.any(steps <= np.timedelta64(0, finest)):
        bad = int(np.argmax(steps <= np.timedelta64(0, finest))) + 1
        if steps[bad - 1] == np.timedelta64(0, finest):
            raise line_error(
                name,
                line_numbers[1 + bad],
                f"date {rows[bad][index]!r} repeats line {line_numbers[bad]}'s (a duplicated "
                "timestamp: one value per date); dates must strictly increase",
            )
        raise line_error(
            name,
            line_numbers[1 + bad],
            f"date {rows[bad][index]!r} does not come after {rows[bad - 1][index]!r} "
            f"(line {line_numbers[bad]}); dates must strictly increase",
        )
    return dates


def _fill(name, values, mask, dates, columns, missing):
    """Apply the missing-value policy; returns (values, dates)."""
    if missing == "drop":
        keep = ~mask.any(axis=1)
        if not keep.any():
            raise ValueError(f"{name}: every row has a missing value; missing='drop' leaves none")
        return values[keep], None if dates is None else dates[keep]
    steps = len(values)
    for c, column in enumerate(columns):
        observed = ~mask[:, c]
        if observed.all():
            continue
        if not observed.any():
            raise ValueError(
                f"{name}: column {column!r} has no values (all {steps} missing); "
                f"missing={missing!r} cannot fill it"
            )
        if missing == "interpolate":
            time = np.arange(steps, dtype=np.float64) if dates is None else dates.astype(np.int64)
            time = time.astype(np.float64)
            values[~observed, c] = np.interp(time[~observed], time[observed], values[observed, c])
        else:  # ffill
            source = np.where(observed, np.arange(steps), -1)
            source = np.maximum.accumulate(source)
            source[source < 0] = int(np.argmax(observed))
            values[:, c] = values[source, c]
    return values, dates


# ---- several series stacked (long format) ------------------------------------------------------


def _pick_series(name, header, rows, line_numbers, series_id, id_column):
    """With `series_id`: the rows of that series only, and the header and rows without their id
    column; without it, everything as it is (id_column then has nothing to do)."""
    if series_id is None:
        if id_column is not None:
            raise ValueError(
                f"id_column is {id_column!r} but series_id is None: give series_id, the id of "
                "the series to read"
            )
        return header, rows, line_numbers
    if id_column is None:
        index = next((i for i in range(len(header)) if _in_blocks(rows, i)), None)
        if index is None:
            raise ValueError(
                f"{name}: series_id is {series_id!r}, but no column holds series ids (values in "
                "blocks, one run of rows per series); name it with id_column"
            )
    else:
        index = column_index(name, header, line_numbers[0], id_column, "id_column")
    keep = [r for r, row in enumerate(rows) if row[index] == str(series_id)]
    if not keep:
        raise ValueError(
            f"{name}: series_id {series_id!r} is not in the id column {header[index]!r}; its "
            f"ids are {_ids(rows, index)}"
        )

    def without_id(cells):
        return cells[:index] + cells[index + 1 :]

    kept_lines = [line_numbers[0]] + [line_numbers[1 + r] for r in keep]
    return without_id(header), [without_id(rows[r]) for r in keep], kept_lines


def _refuse_stacked(name, header, rows, line_numbers, date_index, value_indices):
    """Refuse several series stacked: a column of ids in blocks while dates start again."""
    ids = next((i for i in range(len(header)) if i != date_index and _in_blocks(rows, i)), None)
    if ids is None:
        return
    date_columns = [date_index] if date_index is not None else []
    date_columns += [i for i in range(len(header)) if i not in value_indices and i != ids]
    for column in dict.fromkeys(date_columns):
        restart = _restart(rows, column)
        if restart is not None:
            raise line_error(
                name,
                line_numbers[1 + restart],
                f"several series stacked in one file (long format): column {header[ids]!r} "
                f"names {len({row[ids] for row in rows})} series ({_ids(rows, ids)}) and the "
                f"dates of column {header[column]!r} start again ({rows[restart][column]!r} after "
                f"{rows[restart - 1][column]!r}); give series_id (one of the ids) to read one "
                "series, or store one column per series",
            )


def _in_blocks(rows, index) -> bool:
    """Whether the column's values come in runs, each value in one run, at least two runs and
    fewer values than rows (ids of stacked series, not one label per row)."""
    values = [row[index] for row in rows]
    if any(value.lower() in MISSING_CELLS for value in values):
        return False
    runs = 1 + sum(a != b for a, b in zip(values, values[1:], strict=False))
    distinct = len(set(values))
    return 2 <= runs == distinct <= len(values) // 2


def _restart(rows, index):
    """The first row whose date does not come after the one before, when every cell of the
    column is a date; else None."""
    dates = [to_date(row[index]) for row in rows]
    if any(date is None for date in dates):
        return None
    return next((r for r in range(1, len(dates)) if not dates[r - 1] < dates[r]), None)


def _ids(rows, index) -> str:
    """The ids of an id column, in order of appearance (the first few)."""
    ids = list(dict.fromkeys(row[index] for row in rows))
    shown = ", ".join(repr(i) for i in ids[:5])
    return shown + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
