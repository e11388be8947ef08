"""Reader of the UEA/UCR `.ts` time-series format (classification and regression archives).

A `.ts` file holds `#` comment lines, a header of `@keyword value` lines, then `@data` and one
case per line::

    @problemName Example
    @timeStamps false
    @missing true
    @univariate false
    @dimensions 2
    @equalLength false
    @classLabel true walk run
    @data
    1.0,2.0,?:0.5,0.25,0.0:walk

Channels are separated by `:`, values by `,`; the class label (`@classLabel true <labels...>`)
or regression target (`@targetLabel true`) is the last `:` field. `?` (or `NaN`) is a missing
value, read as np.nan. Header keywords and their true/false values are case-insensitive.

Rules this reader enforces (each violation is a ValueError naming the file and line):
- every case has the same number of channels, equal to `@dimensions` when given
  (1 when `@univariate true`);
- the channels of one case have the same length: a case is a (T, C) array, so a case whose
  channels differ in length is reported, never padded or cut;
- a class label is one of `@classLabel`'s, a target is a number;
- `@equalLength true` / `@seriesLength n` hold for the data when given;
- `@timeStamps true` (values written as `(time, value)` pairs) is not supported;
- an unknown or repeated header keyword is an error (a misspelt `@classLabels` would
  otherwise turn the labels into a channel).
`@missing` is not enforced: `TSData.has_missing` says what the data hold.
Variable-length cases stay variable: `TSData.X` is a list of (T_i, C) arrays; `padded()`
forms one (N, T_max, C) array with the lengths beside it.
"""

import gzip
import math
import os
from dataclasses import dataclass

import numpy as np

from lstmkit.data.damaged_files import reading
from lstmkit.data.sequences import pad_sequences

_MISSING = frozenset({"?", "nan"})
_BOOLEAN_KEYS = ("timestamps", "missing", "univariate", "equallength")
_KNOWN_KEYS = (
    "problemname",
    "timestamps",
    "missing",
    "univariate",
    "dimensions",
    "dimension",
    "equallength",
    "serieslength",
    "classlabel",
    "targetlabel",
    "data",
)


@dataclass
class TSData:
    """The cases of a `.ts` file.

    X: list of N float64 arrays shaped (T_i, C): time x channels, lengths as in the file.
    y: (N,) array of class labels (strings, as written) or float targets; None without either.
    class_labels: the labels declared by `@classLabel true ...` (a tuple) or None.
    problem_name: `@problemName`, or None.
    equal_length: True when all cases have the same length (checked on the data).
    has_missing: True when any value is missing (np.nan in X).
    """

    X: list
    y: np.ndarray | None
    class_labels: tuple | None
    problem_name: str | None
    equal_length: bool
    has_missing: bool

    def __len__(self) -> int:
        return len(self.X)

    @property
    def lengths(self) -> np.ndarray:
        """(N,) int64: the number of time steps of each case."""
        return np.array([len(x) for x in self.X], dtype=np.int64)

    @property
    def n_channels(self) -> int:
        """C, the number of channels of every case."""
        return self.X[0].shape[1]

    def padded(self, dtype=np.float64, value=0.0) -> tuple[np.ndarray, np.ndarray]:
        """(N, T_max, C) array with steps past each case's length set to `value`, and lengths."""
        return pad_sequences(self.X, dtype=dtype, value=value)


class _Header:
    def __init__(self):
        self.values = {}  # key -> parsed value
        self.lines = {}  # key -> line number where it was given


def read_ts(path) -> TSData:
    """Read a UEA/UCR `.ts` file (or a gzip-compressed `.ts.gz`) into a TSData (see the
    module docstring for the rules).

    Raises ValueError naming the file, the line number and the problem for a malformed file,
    FileNotFoundError when the file does not exist.
    """
    name = os.fspath(path)
    header = _Header()
    cases, targets, case_lines = [], [], []
    in_data = False
    opener = gzip.open if name.endswith(".gz") else open  # `.ts.gz`: gzip-compressed
    with reading(name), opener(name, "rt", encoding="utf-8-sig") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                if not line.startswith("@"):
                    raise _error(
                        name,
                        number,
                        "data line before @data (the header must end with a line '@data')",
                    )
                in_data = _read_header_line(name, number, line, header)
                continue
            if line.startswith("@"):
                raise _error(name, number, f"header line {line.split()[0]!r} after @data")
            values, target = _read_case(name, number, line, header)
            cases.append(values)
            targets.append(target)
            case_lines.append(number)
    if not in_data:
        raise ValueError(f"{name}: no '@data' line; a .ts file's header must end with @data")
    if not cases:
        raise ValueError(f"{name}: no cases after '@data' (the data section is empty)")
    return _assemble(name, header, cases, targets, case_lines)


def _error(name, number, problem) -> ValueError:
    return ValueError(f"{name}, line {number}: {problem}")


def _read_header_line(name, number, line, header) -> bool:
    """Record one `@keyword value` line; returns True for `@data`."""
    keyword, _, rest = line[1:].partition(" ")
    key = keyword.lower()
    rest = rest.strip()
    if key not in _KNOWN_KEYS:
        known = ", ".join("@" + k for k in _KNOWN_KEYS)
        raise _error(name, number, f"unknown header keyword '@{keyword}'; known: {known}")
    if key == "dimension":
        key = "dimensions"
    if key in header.values:
        raise _error(name, number, f"'@{keyword}' given twice (first on line {header.lines[key]})")
    header.lines[key] = number
    if key == "data":
        if rest:
            raise _error(name, number, f"'@data' must stand alone on its line; got {line!r}")
        if header.values.get("classlabel") is not None and header.values.get("targetlabel"):
            raise _error(name, number, "both @classLabel true and @targetLabel true given")
        header.values["data"] = True
        return True
    if key == "problemname":
        header.values[key] = rest or None
    elif key in _BOOLEAN_KEYS or key == "targetlabel":
        value = _boolean(name, number, keyword, rest)
        if key == "timestamps" and value:
            raise _error(
                name,
                number,
                "@timeStamps true (values as (time, value) pairs) is not supported; "
                "only @timeStamps false files can be read",
            )
        header.values[key] = value
    elif key in ("dimensions", "serieslength"):
        # ASCII digits, and few enough for int() (it refuses more than 4300 digits)
        if not (rest.isascii() and rest.isdigit() and len(rest) <= 18) or int(rest) < 1:
            raise _error(name, number, f"'@{keyword}' needs a positive integer; got {rest!r}")
        header.values[key] = int(rest)
    elif key == "classlabel":
        flag, _, labels = rest.partition(" ")
        if _boolean(name, number, keyword, flag):
            declared = tuple(labels.split())
            if not declared:
                raise _error(name, number, "'@classLabel true' must list the class labels")
            if len(set(declared)) != len(declared):
                raise _error(name, number, f"@classLabel lists a label twice: {declared}")
            header.values[key] = declared
        else:
            if labels.strip():
                raise _error(name, number, "'@classLabel false' takes no labels")
            header.values[key] = None
    return False


def _boolean(name, number, keyword, text) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise _error(name, number, f"'@{keyword}' needs true or false; got {text!r}")
    return lowered == "true"


def _read_case(name, number, line, header):
    """One data line -> (list of per-channel float arrays, label string / float / None)."""
    fields = line.split(":")
    labels = header.values.get("classlabel")
    has_target = bool(header.values.get("targetlabel"))
    target = None
    if labels is not None or has_target:
        if len(fields) < 2:
            kind = "class label" if labels is not None else "target"
            raise _error(name, number, f"case has no {kind} (expected 'values:...:{kind}')")
        text = fields.pop().strip()
        if labels is not None:
            if text not in labels:
                raise _error(
                    name,
                    number,
                    f"class label {text!r} is not among @classLabel's {list(labels)} "
                    f"(line {header.lines['classlabel']})",
                )
            target = text
        else:
            target = _number(name, number, text, "target")
            if math.isnan(target):
                raise _error(name, number, f"the regression target is missing ({text!r})")
    channels = [_channel(name, number, text, index) for index, text in enumerate(fields)]
    return channels, target


def _channel(name, number, text, index) -> np.ndarray:
    tokens = [token.strip() for token in text.split(",")]
    tokens = ["nan" if token.lower() in _MISSING else token for token in tokens]
    try:
        values = np.array(tokens, dtype=np.float64)
    except ValueError:
        values = None
    if values is None or not np.all(np.isfinite(values) | np.isnan(values)):
        # slow path: find the value at fault (or read what NumPy's parser declined)
        what = "value {} of channel " + str(index + 1)
        values = np.array(
            [_number(name, number, token, what.format(k + 1)) for k, token in enumerate(tokens)]
        )
    return values


def _number(name, number, token, what) -> float:
    if token.lower() in _MISSING:
        return math.nan
    try:
        value = float(token)
    except ValueError:
        shown = "an empty value" if token == "" else f"{token!r}"
        raise _error(name, number, f"{what}: cannot read {shown} as a number") from None
    if math.isinf(value):
        raise _error(name, number, f"{what}: {token!r} is not a finite number")
    return value


def _assemble(name, header, cases, targets, case_lines) -> TSData:
    declared = header.values.get("dimensions")
    if header.values.get("univariate"):
        if declared is not None and declared != 1:
            raise _error(
                name,
                header.lines["dimensions"],
                f"@univariate true but @dimensions {declared}",
            )
        declared, source = 1, f"@univariate true on line {header.lines['univariate']}"
    elif declared is not None:
        source = f"@dimensions on line {header.lines['dimensions']}"
    else:
        declared, source = len(cases[0]), f"the first case, line {case_lines[0]}"

    X = []
    for channels, number in zip(cases, case_lines, strict=True):
        if len(channels) != declared:
            raise _error(
                name, number, f"case has {len(channels)} channels; expected {declared} ({source})"
            )
        lengths = [len(c) for c in channels]
        if len(set(lengths)) > 1:
            raise _error(
                name,
                number,
                f"the channels of this case have different lengths {lengths}; "
                "every channel of a case must have the same number of values",
            )
        X.append(np.stack(channels, axis=1))

    lengths = [len(x) for x in X]
    _check_declared_lengths(name, header, lengths, case_lines)
    class_labels = header.values.get("classlabel")
    if class_labels is not None:
        y = np.array(targets, dtype=str)
    elif header.values.get("targetlabel"):
        y = np.array(targets, dtype=np.float64)
    else:
        y = None
    return TSData(
        X=X,
        y=y,
        class_labels=class_labels,
        problem_name=header.values.get("problemname"),
        equal_length=len(set(lengths)) == 1,
        has_missing=any(bool(np.isnan(x).any()) for x in X),
    )


def _check_declared_lengths(name, header, lengths, case_lines):
    """`@equalLength true` and `@seriesLength n` must hold for the cases read."""
    if header.values.get("equallength") and len(set(lengths)) > 1:
        first = next(i for i, t in enumerate(lengths) if t != lengths[0])
        raise _error(
            name,
            case_lines[first],
            f"case has length {lengths[first]} but the first case (line {case_lines[0]}) has "
            f"{lengths[0]}, and @equalLength true is declared on line "
            f"{header.lines['equallength']}",
        )
    series_length = header.values.get("serieslength")
    if series_length is not None and header.values.get("equallength", True):
        for t, number in zip(lengths, case_lines, strict=True):
            if t != series_length:
                raise _error(
                    name,
                    number,
                    f"case has length {t}; @seriesLength on line "
                    f"{header.lines['serieslength']} declares {series_length}",
                )
