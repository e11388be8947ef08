"""Reader of many series stacked in one CSV (the long layout): one row per series and date.

    unique_id,ds,y
    N0001,1990-01,2140.0
    N0001,1990-02,2350.5
    N0002,1985-07,870.25

Each id's rows make one series; the ids keep their order of first appearance, and the rows of
an id may come in any order (they are sorted by date). The file is read by the rules of
`csv_series` (separators, compression, cells, dates, missing values and their `missing`
policy, applied to each series alone). Errors name the file, line and column: a column that is
not in the header, an empty id, a date that cannot be read or that an id has twice, a value
that is not a number.
"""

import os

import numpy as np

from lstmkit.data.csv_cells import (
    ACCEPTED_DATES,
    DATE_UNITS,
    MISSING_CELLS,
    column_index,
    line_error,
    read_number,
    to_date,
)
from lstmkit.data.csv_series import MISSING_POLICIES, Series, _fill, _read_rows


def read_panel_csv(path, id_column, value_column, date_column=None, missing="interpolate"):
    """{id: Series} of the long CSV at `path`, in the order the ids first appear.

    id_column, value_column: the names of the id and value columns; date_column: the name of
    the date column (None: no dates, rows in file order). Each Series holds one column named
    value_column, its dates (or None), and the missing count of its own rows.
    """
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing must be one of {MISSING_POLICIES}; got {missing!r}")
    name = os.fspath(path)
    header, rows, lines = _read_rows(name)
    columns = {"id column": id_column, "value column": value_column}
    if date_column is not None:
        columns["date column"] = date_column
    index = {
        role: column_index(name, header, lines[0], column, role) for role, column in columns.items()
    }
    groups = {}
    for row, line in zip(rows, lines[1:], strict=True):
        key = row[index["id column"]]
        if not key or key.lower() in MISSING_CELLS:
            raise line_error(name, line, f"the id column {id_column!r} is empty")
        groups.setdefault(key, []).append((row, line))
    return {key: _series(name, key, group, index, header, missing) for key, group in groups.items()}


def _series(name, key, group, index, header, missing) -> Series:
    """One id's rows (cells, line number) as a Series, sorted by date."""
    date_index, value_index = index.get("date column"), index["value column"]
    column = header[value_index]
    dates = None
    if date_index is not None:
        parsed = [_date(name, line, row[date_index], header[date_index]) for row, line in group]
        order = sorted(range(len(group)), key=lambda i: parsed[i])
        group, parsed = [group[i] for i in order], [parsed[i] for i in order]
        _refuse_twice(name, key, group, parsed, header[date_index])
        finest = max((np.datetime_data(d.dtype)[0] for d in parsed), key=DATE_UNITS.index)
        dates = np.array(parsed, dtype=f"datetime64[{finest}]")
    values = np.array(
        [[read_number(name, line, row[value_index], column, missing)] for row, line in group]
    )
    mask = np.isnan(values)
    values, dates = _fill(name, values, mask, dates, [column], missing)
    return Series(values, [column], dates, {column: int(mask.sum())}, missing)


def _date(name, line, text, column) -> np.datetime64:
    date = to_date(text)
    if date is None:
        raise line_error(
            name,
            line,
            f"cannot read {text!r} in the date column {column!r} as a date (expected "
            f"{ACCEPTED_DATES})",
        )
    return date


def _refuse_twice(name, key, group, dates, column) -> None:
    for (_, line), (_, before), date, previous in zip(
        group[1:], group, dates[1:], dates, strict=False
    ):
        if date == previous:
            raise line_error(
                name,
                line,
                f"the date {str(date)!r} (column {column!r}) appears twice for series {key!r} "
                f"(also line {before}); each (id, date) pair must have one row",
            )
