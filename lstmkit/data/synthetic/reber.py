"""The embedded Reber grammar (Hochreiter and Schmidhuber 1997, section 5.1, experiment 1).

The Reber grammar is a finite automaton; each state has two outgoing symbols, each taken with
probability 1/2 (REBER_TRANSITIONS: state -> [(symbol, next state), ...]):

    0 -B-> 1     1 -T-> 2 | -P-> 3     2 -S-> 2 | -X-> 4     3 -T-> 3 | -V-> 5
    4 -X-> 3 | -S-> 6     5 -P-> 4 | -V-> 6     6 -E-> end

The embedded grammar wraps one Reber string: B, then T or P, the inner string, the SAME T or
P again, then E. Predicting that second T/P needs the symbol seen at step 1, a lag the length
of the inner string, with the inner string's symbols in between as distraction.

Next-symbol prediction: the input at step t is symbol t, the target symbol t + 1; `legal[n, t]`
marks every symbol the grammar allows after the prefix up to t. A string is processed
correctly when at every step the outputs of the legal next symbols are the most active ones
(the k largest outputs, k the number of legal symbols, are exactly the legal set).
"""

import numpy as np

from lstmkit.data.synthetic.base import SyntheticSequences, check_count, one_hot
from lstmkit.random import as_generator

REBER_SYMBOLS = ("B", "T", "P", "S", "X", "V", "E")
REBER_TRANSITIONS = {
    0: (("B", 1),),
    1: (("T", 2), ("P", 3)),
    2: (("S", 2), ("X", 4)),
    3: (("T", 3), ("V", 5)),
    4: (("X", 3), ("S", 6)),
    5: (("P", 4), ("V", 6)),
    6: (("E", None),),
}


def reber_string(rng: np.random.Generator) -> tuple[list[str], list[set[str]]]:
    """One Reber string and, for each of its symbols, the set of symbols legal after it."""
    state, symbols, legal = 0, [], []
    while state is not None:
        options = REBER_TRANSITIONS[state]
        symbol, state = options[rng.integers(len(options))] if len(options) > 1 else options[0]
        symbols.append(symbol)
        legal.append({s for s, _ in REBER_TRANSITIONS[state]} if state is not None else set())
    return symbols, legal


def embedded_reber_string(rng: np.random.Generator) -> tuple[list[str], list[set[str]]]:
    """One embedded Reber string and the legal next symbols after each of its symbols."""
    wrap = "TP"[rng.integers(2)]
    inner, _ = reber_string(rng)
    symbols = ["B", wrap, *inner, wrap, "E"]
    return symbols, legal_next_symbols(symbols)


def legal_next_symbols(symbols) -> list[set[str]]:
    """For an embedded Reber string, the set of symbols the grammar allows after each symbol
    (the empty set after the final E); a ValueError names the first illegal symbol."""
    symbols = list(symbols)
    legal = [{"T", "P"}, {"B"}]
    if len(symbols) < 9 or symbols[0] != "B" or symbols[1] not in "TP" or symbols[-1] != "E":
        raise ValueError(f"not an embedded Reber string: {''.join(symbols)!r}")
    state = 0
    for position, symbol in enumerate(symbols[2:-2], start=2):
        moves = dict(REBER_TRANSITIONS[state]) if state is not None else {}
        if symbol not in moves:
            raise ValueError(
                f"not an embedded Reber string: {''.join(symbols)!r} ({symbol!r} at {position})"
            )
        state = moves[symbol]
        legal.append({s for s, _ in REBER_TRANSITIONS[state]} if state is not None else set())
    if state is not None or symbols[-2] != symbols[1]:
        raise ValueError(f"not an embedded Reber string: {''.join(symbols)!r}")
    legal[-1] = {symbols[1]}  # after the inner E: the wrapping symbol, remembered from step 1
    return [*legal, {"E"}, set()]


def embedded_reber(n, *, seed=None, dtype="float32") -> SyntheticSequences:
    """n embedded Reber strings for next-symbol prediction.

    x (n, L_max, 7) one-hot of every symbol but the last; y (n, L_max) the id of the next
    symbol (-1 past the length); legal (n, L_max, 7) the legal next symbols; lengths (n,) the
    string lengths minus one.
    """
    n = check_count(n, "n")
    rng = as_generator(seed)
    strings = [embedded_reber_string(rng) for _ in range(n)]
    lengths = np.array([len(symbols) - 1 for symbols, _ in strings], dtype=np.int64)
    steps = int(lengths.max())
    index = {s: k for k, s in enumerate(REBER_SYMBOLS)}
    ids = np.full((n, steps + 1), -1, dtype=np.int64)
    legal = np.zeros((n, steps, len(REBER_SYMBOLS)), dtype=bool)
    for row, (symbols, allowed) in enumerate(strings):
        ids[row, : len(symbols)] = [index[s] for s in symbols]
        for t, options in enumerate(allowed[:-1]):
            legal[row, t, [index[s] for s in options]] = True
    inputs = np.where(np.arange(steps)[None, :] < lengths[:, None], ids[:, :-1], -1)
    x = one_hot(inputs, len(REBER_SYMBOLS), dtype)
    return SyntheticSequences(x, lengths, ids[:, 1:], legal)


def reber_correct(scores: np.ndarray, legal: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(N,) bool: at every valid step the k highest scores are exactly the k legal symbols.

    scores (N, T, 7) any monotone outputs (logits or probabilities); legal (N, T, 7) bool.
    """
    k = legal.sum(axis=-1, keepdims=True)
    rank = np.argsort(np.argsort(-scores, axis=-1, kind="stable"), axis=-1)
    step_ok = np.all((rank < k) == legal, axis=-1)
    valid = np.arange(scores.shape[1])[None, :] < lengths[:, None]
    return np.all(step_ok | ~valid, axis=1)
