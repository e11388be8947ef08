"""Fitted-state declarations: what an estimator learns, stated once, saved and loaded by one code.

An estimator lists what `fit` sets besides its network (`network_`, always saved with its own
class and configuration):

    fitted_state = {
        "classes_": Labels(),        # an array of labels (str / int): a JSON list + dtype
        "n_epochs_": Value(Integer(low=0)),  # a JSON value, here checked as a count
        "mean_": Numbers(),          # a numeric array: a tensor in the file
        "vocabulary_": Vocab(),      # a `Vocabulary`: its JSON form
        "naive_error_": Numbers(since_files=True),   # added later: absent from older files
    }

In a model file, JSON-kind values (`Value`, `Labels`, `Vocab`) sit in the header under
`config["fitted"][name]`, numeric arrays are the tensors `fitted.{name}`. Loading sets exactly
the declared names and nothing else: a file naming anything undeclared is refused, so a file
cannot plant attributes on the estimator. Files written before this module put vocabularies
under `config["vocabularies"]`; they are read from there too.
"""

import json
import math
from dataclasses import dataclass, field

import numpy as np

from lstmkit.data.vocabulary import Vocabulary


@dataclass(frozen=True)
class FittedValue:
    """Base of the declarations. `since_files`: absent from files written before it existed
    (restored as None; the estimator documents what None means)."""

    since_files: bool = field(default=False, kw_only=True)
    in_header = True  # stored in the JSON header (False: as a tensor)

    def to_file(self, value):
        return value

    def from_file(self, stored, name: str):
        return stored


@dataclass(frozen=True)
class Value(FittedValue):
    """A JSON value: number, string, bool, None, list or dict of those. `check`, a
    hyperparameter declaration (`Integer(low=1)`, `Choice(...)`), says what a loaded value may
    be, so that a file cannot hand the estimator a lookback of -5 or "twelve" features."""

    check: object = None

    def to_file(self, value):
        return value.item() if isinstance(value, np.generic) else value

    def from_file(self, stored, name: str):
        expected = None if self.check is None else self.check.problem(stored)
        if expected is not None:
            raise ValueError(f"fitted {name} must be {expected}; got {stored!r:.60}")
        return stored


@dataclass(frozen=True)
class Labels(FittedValue):
    """An array of labels (strings, integers, booleans, whole floats) that keeps its dtype.

    Loading checks the stored dtype and every label before building the array, so a file
    cannot declare a dtype that costs far more than it holds (`<U50000000` for one-letter
    labels): the array may take at most `BYTES_PER_STORED_BYTE` bytes per byte of its JSON
    plus `SLACK_BYTES` (room for labels narrower than their dtype, as NumPy keeps them).
    """

    BYTES_PER_STORED_BYTE = 64
    SLACK_BYTES = 2**16

    def to_file(self, value):
        value = np.asarray(value)
        if value.dtype.kind == "O":  # labels from pandas: stored as the text or integers they are
            value = np.array(value.tolist())
        return {"ndarray": value.tolist(), "dtype": value.dtype.str}

    def from_file(self, stored, name: str):
        if not isinstance(stored, dict) or set(stored) != {"ndarray", "dtype"}:
            raise ValueError(f"fitted {name} must be a stored label array; got {stored!r:.60}")
        labels, dtype = stored["ndarray"], _label_dtype(stored["dtype"], name)
        if not isinstance(labels, list):
            raise ValueError(f"fitted {name} must store its labels as a list; got {labels!r:.60}")
        for position, label in enumerate(labels):
            problem = _label_problem(label, dtype)
            if problem:
                raise ValueError(f"fitted {name}[{position}] is {label!r:.60}: {problem}")
        if len(set(labels)) != len(labels):  # a class twice: two outputs for one label
            raise ValueError(f"fitted {name} names a label more than once")
        budget = self.BYTES_PER_STORED_BYTE * len(json.dumps(labels)) + self.SLACK_BYTES
        if len(labels) * dtype.itemsize > budget:
            raise ValueError(
                f"fitted {name} declares dtype {dtype.str} for {len(labels)} labels "
                f"({len(labels) * dtype.itemsize} bytes), far wider than the labels stored"
            )
        return np.array(labels, dtype=dtype)


@dataclass(frozen=True)
class DistinctTexts:
    """A check for `Value`: a JSON list of distinct strings (a tagger's tags, in the order of
    its network's outputs)."""

    def problem(self, value) -> str | None:
        if not isinstance(value, list) or not all(isinstance(text, str) for text in value):
            return "a list of strings"
        return None if len(set(value)) == len(value) else "a list of distinct strings"


@dataclass(frozen=True)
class Numbers(FittedValue):
    """A numeric array (scalers, histories), stored as a tensor; finite unless `nan_ok`
    (where NaN means "undefined", e.g. a MASE scale). A NaN scaler would silently turn every
    input into NaN or zeros, so one is refused both when saving and when loading."""

    nan_ok: bool = False
    in_header = False

    def to_file(self, value):
        value = np.asarray(value)
        if not self.nan_ok and not np.all(np.isfinite(value)):
            raise ValueError("cannot save: a fitted array holds NaN or infinite values")
        return value

    def from_file(self, stored, name: str):
        if not isinstance(stored, np.ndarray) or stored.dtype.kind not in "fiu":
            raise ValueError(f"fitted {name} must be a numeric array")
        if not self.nan_ok and not np.all(np.isfinite(stored)):
            raise ValueError(f"fitted {name} holds NaN or infinite values")
        return stored


@dataclass(frozen=True)
class Vocab(FittedValue):
    """A `Vocabulary`, stored as its JSON form."""

    def to_file(self, value):
        return value.to_json()

    def from_file(self, stored, name: str):
        try:
            return Vocabulary.from_json(stored)
        except ValueError as error:
            raise ValueError(f"fitted {name}: {error}") from None


def _label_dtype(stored, name: str) -> np.dtype:
    """The dtype a file gives for a label array: text, integers, booleans or floats only."""
    try:
        dtype = np.dtype(stored) if isinstance(stored, str) else None
    except (TypeError, ValueError):
        dtype = None
    if dtype is None or dtype.kind not in "Uiubf":
        raise ValueError(
            f"fitted {name} has dtype {stored!r:.60}; label arrays hold text, integers, "
            "booleans or floats"
        )
    return dtype


def _label_problem(label, dtype: np.dtype) -> str | None:
    """Why `label` (read from JSON) cannot be an element of dtype `dtype`, or None."""
    if dtype.kind == "U":
        if not isinstance(label, str):
            return "expected a string"
        width = dtype.itemsize // 4
        return f"longer than its dtype {dtype.str}" if width and len(label) > width else None
    if dtype.kind == "b":
        return None if isinstance(label, bool) else "expected true or false"
    if dtype.kind == "f":
        finite = isinstance(label, (int, float)) and not isinstance(label, bool)
        return None if finite and math.isfinite(label) else "expected a finite number"
    if not isinstance(label, int) or isinstance(label, bool):
        return "expected an integer"
    limits = np.iinfo(dtype)
    if not limits.min <= label <= limits.max:
        return f"out of the range of {dtype}"
    return None


def export_fitted(estimator) -> tuple[dict, dict]:
    """(header values, arrays) of the declared fitted state of `estimator`."""
    header, arrays = {}, {}
    for name, kind in type(estimator).fitted_state.items():
        value = getattr(estimator, name)
        if kind.in_header:
            header[name] = None if value is None else kind.to_file(value)
        elif value is not None:
            try:
                arrays[f"fitted.{name}"] = kind.to_file(value)
            except ValueError as error:
                raise ValueError(f"{error}: {name}") from None
    return header, arrays


def restore_fitted(estimator, config: dict, arrays: dict) -> None:
    """Set the declared fitted state of `estimator` from a file's config and arrays."""
    declared = type(estimator).fitted_state
    header = {}
    for key in ("fitted", "vocabularies"):  # vocabularies: files written before fitted_state
        if not isinstance(config.get(key, {}), dict):
            raise ValueError(f"the file's {key!r} must be an object; got {config[key]!r:.60}")
        header.update(config.get(key, {}))
    stored_arrays = {k[len("fitted.") :]: v for k, v in arrays.items() if k.startswith("fitted.")}
    undeclared = sorted((set(header) | set(stored_arrays)) - set(declared))
    if undeclared:
        raise ValueError(
            f"the file sets {undeclared}, which {type(estimator).__name__} does not declare "
            "as fitted state"
        )
    for name, kind in declared.items():
        source = header if kind.in_header else stored_arrays
        if name not in source:
            if not kind.since_files:
                raise ValueError(f"the file lacks the fitted state {name!r}")
            setattr(estimator, name, None)
            continue
        # a null is the declaration's to judge: a checked value or an array is never None
        setattr(estimator, name, kind.from_file(source[name], name))
