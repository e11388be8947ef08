"""Decoding a `Seq2SeqNetwork`: greedy (a batch at once) and beam search (one source at a time).

Both produce at most `max_length` tokens and then <eos>: at step `max_length` only <eos> may
follow, so every output ends with <eos> and the searched space is "every string of at most
max_length tokens, then <eos>". Tokens in `banned` (<pad>, <unk>, <bos>) are never produced.

A hypothesis y_1..y_L (y_L = <eos>) scores

    score = sum_t log p(y_t | y_<t, x) / L ** length_penalty

(length normalisation: with length_penalty = 0 it is the plain log-probability, which favours
short outputs; 1 is the mean log-probability per token).

Beam search keeps, per source, the `beam_size` best partial hypotheses by log-probability:
each step expands every one by every token, keeps the beam_size best of all the extensions,
moves those that end in <eos> to the finished list (scored with the normalisation) and goes on
with the others, until none is left. The result is the best finished one. With beam_size = 1
that is exactly greedy decoding; with a beam as large as the number of partial hypotheses it
is exhaustive. The hypotheses of all the sources of a batch run together, as rows of one batch.
"""

from dataclasses import dataclass, replace

import numpy as np


@dataclass
class Decoded:
    """One output: token ids (ending with <eos>), its score and attention rows (L, S) or None."""

    ids: list
    score: float
    attention: np.ndarray | None


def _forbid(logprobs, banned, eos, final: bool):
    logprobs[:, banned] = -np.inf
    if final:  # the last step may only end the output
        keep = logprobs[:, eos].copy()
        logprobs[:] = -np.inf
        logprobs[:, eos] = keep


def _normalised(total: float, length: int, length_penalty: float) -> float:
    return total / (length**length_penalty)


def greedy_decode(
    network, source_ids, source_lengths, *, bos, eos, banned, max_length, length_penalty=1.0
):
    """The most probable next token at every step, for a padded batch; a list of `Decoded`."""
    memory, state = network.start(source_ids, source_lengths)
    batch = len(source_lengths)
    ids = np.full(batch, bos)
    outputs = [[] for _ in range(batch)]
    rows = [[] for _ in range(batch)]
    totals = np.zeros(batch)
    done = np.zeros(batch, bool)
    for t in range(max_length + 1):
        logprobs, state, weights = network.step(ids, state, memory)
        _forbid(logprobs, banned, eos, final=t == max_length)
        ids = logprobs.argmax(axis=1)
        for n in np.flatnonzero(~done):
            outputs[n].append(int(ids[n]))
            totals[n] += logprobs[n, ids[n]]
            if weights is not None:
                rows[n].append(weights[n, : source_lengths[n]])
        done |= ids == eos
        if done.all():
            break
    return [
        Decoded(
            outputs[n],
            _normalised(totals[n], len(outputs[n]), length_penalty),
            np.array(rows[n]) if rows[n] else None,
        )
        for n in range(batch)
    ]


def beam_search(
    network, source_ids, source_lengths, *, bos, eos, banned, max_length, beam_size, length_penalty
) -> list:
    """The best hypothesis of every source of a padded batch (ids (N, S), lengths (N,)),
    found with a beam of `beam_size` per source; a list of `Decoded`.

    The alive hypotheses of all sources are decoded together as the rows of one batch;
    `origin[r]` is the source of row r, and each source picks its own best extensions.
    """
    source_lengths = np.asarray(source_lengths)
    memory, state = network.start(source_ids, source_lengths)
    full_memory = memory
    alive = [[([], 0.0, [])] for _ in source_lengths]  # per source: (ids, log p, attention)
    finished = [[] for _ in source_lengths]
    origin = np.arange(len(source_lengths))
    for t in range(max_length + 1):
        previous = [h[0][-1] if h[0] else bos for hyps in alive for h in hyps]
        logprobs, state, weights = network.step(np.array(previous), state, memory)
        _forbid(logprobs, banned, eos, final=t == max_length)
        next_alive, parents, row = [], [], 0
        for n, hypotheses in enumerate(alive):
            rows = slice(row, row + len(hypotheses))
            row += len(hypotheses)
            survivors = []
            if hypotheses:
                totals = np.array([h[1] for h in hypotheses])[:, None] + logprobs[rows]
                flat = totals.reshape(-1)
                count = min(beam_size, int(np.isfinite(flat).sum()))
                best = np.argsort(-flat, kind="stable")[:count]
                for parent, token in zip(*np.divmod(best, logprobs.shape[1]), strict=True):
                    ids, _, attention = hypotheses[parent]
                    if weights is not None:
                        attention = attention + [weights[rows.start + parent, : source_lengths[n]]]
                    hypothesis = (ids + [int(token)], float(totals[parent, token]), attention)
                    if token == eos:
                        finished[n].append(hypothesis)
                    else:
                        survivors.append(hypothesis)
                        parents.append(rows.start + parent)
            next_alive.append(survivors)
        if not parents:
            break
        alive, parents = next_alive, np.array(parents)
        state, origin = state.select(parents), origin[parents]
        memory = _select_memory(full_memory, origin)
    return [_best(hypotheses, length_penalty) for hypotheses in finished]


def _best(finished, length_penalty) -> Decoded:
    ids, total, attention = max(
        finished, key=lambda h: _normalised(h[1], len(h[0]), length_penalty)
    )
    return Decoded(
        ids,
        _normalised(total, len(ids), length_penalty),
        np.array(attention) if attention else None,
    )


def _select_memory(memory, rows):
    """The attention memory of the sources of each row (None without attention)."""
    if memory is None:
        return None
    return replace(
        memory,
        keys=memory.keys[rows],
        mask=memory.mask[rows],
        projected=None if memory.projected is None else memory.projected[rows],
    )
