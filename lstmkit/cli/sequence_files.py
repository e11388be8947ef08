"""Labelled sequences from a file, for `lstmkit classify`, `predict`, `evaluate` and `inspect`.

Formats, by the file's extension (a built-in name such as `japanese-vowels-test` works too):

- `.ts` or `.ts.gz`: the UEA/UCR time-series format (`lstmkit.data.ts_format`).
- `.npz`: arrays `X` (N, T, C) or (N, T) of numbers, optional `y` (N,) and `lengths` (N,);
  read by `lstmkit.data.npz_files`, which never unpickles (object arrays are refused).
- `.csv` with a header row, in one of two layouts:
  * long (when the header has the id column, default `id`): one row per time step,
    `id,label,<channel columns...>`; the rows of one sequence share its id (in time order;
    sequences come in the order their ids first appear) and its label;
  * wide (no id column): one row per univariate sequence, `label,<t1>,<t2>,...`; empty cells
    at the end of a row make that sequence shorter.
  The label column (default `label`) may be absent when only predicting. Empty cells, `NA`,
  `NaN` and `?` in a channel are missing values (NaN).

Whatever the format, a channel must have a finite value somewhere: data that is all missing
is refused rather than trained on.
"""

import csv
import os
from dataclasses import dataclass

import numpy as np

from lstmkit.data.csv_cells import read_number
from lstmkit.data.damaged_files import reading, refuse_nul
from lstmkit.data.npz_files import NUMERIC_KINDS, read_npz_arrays


@dataclass
class Sequences:
    """X: list of (T_i, C) float64 arrays; y: (N,) labels or None; ids: N names for output."""

    X: list
    y: np.ndarray | None
    ids: list

    def __len__(self) -> int:
        return len(self.X)


def split_sequences(data: Sequences, fraction: float, seed) -> tuple[Sequences, Sequences]:
    """(kept, held): a stratified `fraction` of `data` held out (the classifiers' own splitter
    on indices, so X may hold anything: arrays, texts)."""
    from lstmkit.data.sequences import SequenceData
    from lstmkit.models.sequence_classifier import stratified_split

    codes = np.unique(data.y, return_inverse=True)[1]
    indexed = SequenceData([np.zeros(1)] * len(data), np.arange(len(data)))
    kept, held = stratified_split(indexed, codes, fraction, seed)
    if held is None:
        raise ValueError("too few examples to hold out a test part; give a TEST file")

    def subset(part):
        chosen = part.targets
        return Sequences([data.X[i] for i in chosen], data.y[chosen], [data.ids[i] for i in chosen])

    return subset(kept), subset(held)


def add_sequence_file_arguments(parser) -> None:
    """The options of `read_sequences`: --label-column and --id-column (CSV files) and
    --layout (how a 3-D X in an .npz file is laid out: the reading is never guessed)."""
    parser.add_argument(
        "--label-column", help="CSV label column (default: the column 'label', if any)"
    )
    parser.add_argument(
        "--id-column", help="CSV sequence id column (default: the column 'id', if any)"
    )
    parser.add_argument(
        "--layout",
        default="NTC",
        choices=("NTC", "NCT"),
        help="how a 3-D X in an .npz file is laid out: NTC (sequences, time, channels; "
        "default) or NCT (sequences, channels, time: aeon's and sktime's)",
    )


def read_sequences(name, label_column=None, id_column=None, labels=True, layout="NTC") -> Sequences:
    """Read sequences from a file or built-in name; `labels=True` requires labels. `layout`
    says how a 3-D X in an .npz file is laid out ("NTC" or "NCT", see
    `lstmkit.models.sequence_input`). In a CSV file, `label_column` and `id_column` name the
    labels and the sequence ids; None takes the columns "label" and "id" when the file has
    them, while a name the user gave must be a column of the file."""
    from lstmkit.datasets import resolve

    path = os.fspath(resolve(name))
    lowered = path.lower()
    if lowered.endswith((".ts", ".ts.gz")):
        from lstmkit.data.ts_format import read_ts

        data = read_ts(path)
        result = Sequences(list(data.X), data.y, [str(k) for k in range(len(data))])
    elif lowered.endswith(".npz"):
        result = _read_npz(path, layout)
    elif lowered.endswith(".csv"):
        result = _read_csv(path, label_column, id_column)
    else:
        raise ValueError(f"{path}: unknown file type; expected .ts, .ts.gz, .csv or .npz")
    _refuse_empty_channels(path, result.X)
    if labels and result.y is None:
        where = f"a '{label_column or 'label'}' column" if lowered.endswith(".csv") else "labels"
        raise ValueError(f"{path}: the file has no labels (expected {where})")
    return result


def _refuse_empty_channels(path, X) -> None:
    """A channel without one finite value in any sequence carries no information: a model
    would train on, or predict from, a constant and never say so (issue 23, item 15)."""
    finite = np.zeros(X[0].shape[1], dtype=bool)
    for sequence in X:
        finite |= np.isfinite(sequence).any(axis=0)
    if not finite.any():
        count = sum(sequence.size for sequence in X)
        raise ValueError(f"{path}: no finite value in the sequences (all {count} are missing/NaN)")
    if not finite.all():
        channel = int(np.argmin(finite))
        raise ValueError(
            f"{path}: channel {channel} (0-based) has no finite value in any sequence "
            "(all missing/NaN)"
        )


def _read_npz(path, layout) -> Sequences:
    kinds = {"X": NUMERIC_KINDS, "lengths": "iu", "y": NUMERIC_KINDS + "US"}
    arrays = read_npz_arrays(path, kinds, required=("X",))
    from lstmkit.models.sequence_input import as_sequences

    try:
        X = as_sequences(arrays["X"], arrays.get("lengths"), layout=layout)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    y = arrays.get("y")
    if y is not None and y.shape != (len(X),):
        raise ValueError(f"{path}: y must have shape ({len(X)},) (one label per X); got {y.shape}")
    return Sequences(X, y, [str(k) for k in range(len(X))])


def _read_csv(path, label_column, id_column) -> Sequences:
    with reading(path), open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        rows = []
        for row in reader:
            if any(row):
                refuse_nul(path, reader.line_num, row)
                rows.append((reader.line_num, [cell.strip() for cell in row]))
    if not rows:
        raise ValueError(f"{path}: the file is empty (no header row)")
    (header_line, header), body = rows[0], rows[1:]
    if not body:
        raise ValueError(f"{path}: no data rows after the header (line {header_line})")
    for number, row in body:
        if len(row) != len(header):
            raise ValueError(
                f"{path}, line {number}: {len(row)} fields; the header has {len(header)}"
            )
    label = _column(path, header, label_column, "label", "--label-column")
    id_index = _column(path, header, id_column, "id", "--id-column")
    if id_index is not None:
        return _long_layout(path, header, body, id_index, label)
    return _wide_layout(path, header, body, label)


def _column(path, header, chosen, usual, option) -> int | None:
    """The index of the column `chosen` (None: the column named `usual`, if any). A chosen
    name the file lacks is an error: ignoring it would read the file in another layout, or
    without labels, and never say so."""
    if chosen is None:
        return header.index(usual) if usual in header else None
    if chosen not in header:
        raise ValueError(f"{path}: no column {chosen!r} ({option}); the header has {header}")
    return header.index(chosen)


def _long_layout(path, header, body, id_index, label_index) -> Sequences:
    channels = [k for k in range(len(header)) if k not in (id_index, label_index)]
    if not channels:
        raise ValueError(f"{path}: no channel columns besides {header}")
    steps, labels = {}, {}
    for number, row in body:
        key = row[id_index]
        steps.setdefault(key, []).append(
            [read_number(path, number, row[k], header[k]) for k in channels]
        )
        if label_index is not None:
            first = labels.setdefault(key, (row[label_index], number))
            if first[0] != row[label_index]:
                raise ValueError(
                    f"{path}, line {number}: label {row[label_index]!r} of id {key!r} differs "
                    f"from its label {first[0]!r} on line {first[1]}"
                )
    ids = list(steps)
    y = None if label_index is None else np.array([labels[key][0] for key in ids])
    return Sequences([np.array(steps[key]) for key in ids], y, ids)


def _wide_layout(path, header, body, label_index) -> Sequences:
    columns = [k for k in range(len(header)) if k != label_index]
    if not columns:
        raise ValueError(f"{path}: no value columns besides {header}")
    X, y = [], []
    for number, row in body:
        cells = [row[k] for k in columns]
        while cells and cells[-1] == "":
            cells.pop()  # a shorter sequence
        if not cells:
            raise ValueError(f"{path}, line {number}: the row has no values")
        values = [
            read_number(path, number, text, header[k])
            for text, k in zip(cells, columns, strict=False)
        ]
        X.append(np.array(values)[:, None])
        if label_index is not None:
            y.append(row[label_index])
    ids = [str(k) for k in range(len(X))]
    return Sequences(X, None if label_index is None else np.array(y), ids)
