"""The copy (recall) task with a configurable lag (as in Arjovsky et al. 2016, after
Hochreiter and Schmidhuber 1997).

Alphabet: `symbols` data symbols (ids 0..symbols-1), then BLANK (id symbols) and GO (id
symbols + 1), one-hot inputs of size symbols + 2. With K = `length` data symbols and lag L:

    input   s_1 .. s_K, then L - 1 blanks, GO, then K blanks       total K + L + K steps
    target  blank for the first K + L steps, then s_1 .. s_K

so each symbol must be held for L + K steps. A sequence is correct when all K recalled
symbols are right.
"""

import numpy as np

from lstmkit.data.synthetic.base import SyntheticSequences, check_count, one_hot
from lstmkit.random import as_generator


def copy_task(n, lag, *, length=10, symbols=8, seed=None, dtype="float32") -> SyntheticSequences:
    """n copy sequences: x (n, 2K + L, symbols + 2), y (n, 2K + L) ids (blank = symbols)."""
    n = check_count(n, "n")
    lag = check_count(lag, "lag")
    length = check_count(length, "length")
    symbols = check_count(symbols, "symbols", 2)
    rng = as_generator(seed)
    blank, go = symbols, symbols + 1
    steps = 2 * length + lag
    data = rng.integers(0, symbols, size=(n, length))
    inputs = np.full((n, steps), blank, dtype=np.int64)
    inputs[:, :length] = data
    inputs[:, length + lag - 1] = go
    y = np.full((n, steps), blank, dtype=np.int64)
    y[:, length + lag :] = data
    x = one_hot(inputs, symbols + 2, dtype)
    return SyntheticSequences(x, np.full(n, steps, dtype=np.int64), y)
