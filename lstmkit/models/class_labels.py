"""Class labels of the classifiers: checked once, the same way for sequences and texts.

Labels are strings, integers, booleans, or floats with whole values, one per sample, of at
least two classes; they come back from `predict` as given. A missing label (None or NaN) is
refused, naming its position, rather than becoming a class of its own; other floats are a
regression target, refused in scikit-learn's words ("Unknown label type: continuous").
"""

from collections.abc import Mapping

import numpy as np

from lstmkit.validation import describe


def class_labels(y, count: int, name: str = "y", sample: str = "sequence"):
    """(classes, index of each label in classes) of `count` labels named `name`."""
    if y is None:
        raise ValueError(
            f"the classifier requires {name} to be passed, but the target {name} is None; "
            f"give one label per {sample}"
        )
    y = label_array(y, count, name, sample)
    missing = _missing(y)
    if len(missing):
        raise ValueError(
            f"{name}[{missing[0]}] is {y[missing[0]]!r}: every {sample} needs a label "
            f"({len(missing)} missing)"
        )
    if y.dtype.kind == "f" and not np.all(y == np.round(y)):
        raise ValueError(
            f"Unknown label type: continuous. {name} must hold class labels (strings or "
            f"integers); got floats such as {y[y != np.round(y)][:1].tolist()}"
        )
    try:
        classes, targets = np.unique(y, return_inverse=True)
    except TypeError:  # an object array mixing types that do not compare (str and int)
        kinds = sorted({type(v).__name__ for v in y})
        raise ValueError(f"{name} must hold labels of one type; got {', '.join(kinds)}") from None
    if len(classes) < 2:
        raise ValueError(f"{name} must hold at least two classes; got 1 class: {classes.tolist()}")
    return classes, targets


def label_array(y, count: int, name: str = "y", sample: str = "sequence") -> np.ndarray:
    """`y` as a 1-D array of `count` labels, one per `sample` (for `fit` and for `score`)."""
    if y is None or isinstance(y, str | Mapping):
        raise ValueError(f"{name} must hold one label per {sample} ({count}); got {describe(y)}")
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != count:
        got = len(y) if y.ndim == 1 else f"shape {y.shape}"
        raise ValueError(f"{name} must hold one label per {sample} ({count}); got {got}")
    return y


def _missing(y: np.ndarray) -> np.ndarray:
    """Positions of None and NaN labels."""
    if y.dtype.kind == "f":
        return np.flatnonzero(np.isnan(y))
    if y.dtype.kind == "O":
        return np.flatnonzero([v is None or (isinstance(v, float) and np.isnan(v)) for v in y])
    return np.array([], dtype=np.int64)
