"""Numeric sequence inputs of the sequence estimators, in the layout the user states.

A batch of N sequences with C channels comes as one of:

- a list of N arrays, each (T_i, C) with layout "NTC" or (C, T_i) with layout "NCT" (aeon's
  and sktime's list of unequal-length series), or (T_i,) for one channel;
- a 3-D array (N, T, C) with layout "NTC" (lstmkit's default), or (N, C, T) with layout
  "NCT" (the default of aeon and sktime), plus optional `lengths` (N,) of valid steps;
- a 2-D array (N, T): N univariate sequences (the same in both layouts).

`as_sequences` returns a list of (T_i, C) float64 arrays. Nothing in a shape tells time from
channels, so the layout is never guessed: when the reading gives a sequence more channels
than steps (a BasicMotions array (N, 6, 100) read as "NTC" would give 6 steps of 100
channels), a warning says which reading was used and how to choose the other.
"""

import warnings

import numpy as np

from lstmkit.validation import float_array

LAYOUTS = ("NTC", "NCT")


def as_sequences(X, lengths=None, n_features=None, layout="NTC") -> list[np.ndarray]:
    """A list of (T_i, C) float64 arrays from X in `layout` (see the module docstring).

    `n_features`: the channel count X must have (at predict time), None to take it from X.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be 'NTC' or 'NCT'; got {layout!r}")
    if isinstance(X, list | tuple):
        if lengths is not None:
            raise ValueError("lengths goes with a padded array X; X is a list of sequences")
        sequences = [_one_sequence(s, index, layout) for index, s in enumerate(X)]
    else:
        sequences = padded_views(X, lengths, layout)
    if not sequences:
        raise ValueError("X must hold at least one sequence; got none")
    channels = n_features if n_features is not None else sequences[0].shape[-1]
    for index, s in enumerate(sequences):
        if s.shape[1] != channels or len(s) == 0:
            raise ValueError(_shape_message(index, s, channels, layout))
        if np.isinf(s).any():
            raise ValueError(f"X[{index}] contains infinite values")
    if n_features is None:
        _warn_if_ambiguous(X, sequences, layout)
    return sequences


def _one_sequence(s, index: int, layout: str) -> np.ndarray:
    s = float_array(s, f"X[{index}]")
    if s.ndim == 1:
        return s[:, None]
    if s.ndim != 2:
        expected = "(T, C)" if layout == "NTC" else "(C, T)"
        raise ValueError(f"X[{index}] must be a 1-D or {expected} array; got shape {s.shape}")
    return s if layout == "NTC" else s.T


def padded_views(X, lengths, layout: str = "NTC", name: str = "X") -> list[np.ndarray]:
    """One (T_i, C) view of a padded array X per sequence (`lengths` valid steps; None: all
    T). Errors call X `name`."""
    # a memory-mapped float array (np.load(path, mmap_mode="r")) stays on disk: its
    # sequences are views, read batch by batch, where a float64 copy would load it whole
    if not (isinstance(X, np.memmap) and X.dtype.kind == "f"):
        X = float_array(X, name)
    if X.ndim == 2:
        X = X[:, :, None]
    elif X.ndim == 3 and layout == "NCT":
        X = X.transpose(0, 2, 1)
    elif X.ndim != 3:
        hint = "; Reshape your data: one sequence x is x[None]" if X.ndim == 1 else ""
        raise ValueError(
            f"{name} must be a list of sequences, a 3-D array ({_axes(layout)}) or a 2-D array "
            f"(N, T); got shape {X.shape}{hint}"
        )
    steps = X.shape[1]
    if steps == 0:
        raise ValueError(f"{name} has 0 time steps (shape {X.shape}); a sequence needs at least 1")
    if lengths is None:
        lengths = np.full(len(X), steps)
    lengths = np.asarray(lengths)
    if (
        lengths.shape != (len(X),)
        or lengths.dtype.kind not in "iu"
        or (len(X) and (lengths.min() < 1 or lengths.max() > steps))
    ):
        raise ValueError(
            f"lengths must be ({len(X)},) integers in 1..{steps}; got {lengths.dtype} array "
            f"of shape {lengths.shape}"
        )
    return [X[n, : int(length)] for n, length in enumerate(lengths)]


def _axes(layout: str) -> str:
    return "N, T, C" if layout == "NTC" else "N, C, T"


def _shape_message(index: int, s: np.ndarray, channels: int, layout: str) -> str:
    shown = s.shape if layout == "NTC" else s.shape[::-1]
    expected = f"(T, {channels})" if layout == "NTC" else f"({channels}, T)"
    message = f"X[{index}] must have shape {expected} with T >= 1 (layout={layout!r}); got {shown}"
    if s.shape[0] == channels:
        other = "NCT" if layout == "NTC" else "NTC"
        message += f"; if X is laid out ({_axes(other)}), pass layout={other!r}"
    return message


def _warn_if_ambiguous(X, sequences, layout: str) -> None:
    steps, channels = len(sequences[0]), sequences[0].shape[1]
    if channels <= steps or channels == 1:
        return
    other = "NCT" if layout == "NTC" else "NTC"
    shape = np.shape(X) if not isinstance(X, list | tuple) else f"list of {np.shape(X[0])}"
    warnings.warn(
        f"X {shape} was read with layout={layout!r} ({_axes(layout)}) as sequences of "
        f"{steps} steps with {channels} channels, more channels than steps; if X is laid out "
        f"({_axes(other)}) (aeon and sktime use (N, C, T)), pass layout={other!r}",
        UserWarning,
        stacklevel=4,
    )
