"""Decoding a `Seq2SeqNetwork`: greedy (a batch at once) and beam search (one source at a time).

Both produce at most `max_length` tokens and then <eos>: at step `max_length` only <eos> may
follow, so every output ends with <eos> and the searched space is "every string of at most
max_length tokens, then <eos>". Tokens in `banned` (<pad>, <unk>, <bos>) are never produced.

A hypothesis y_1..y_L (y_L = <eos>) scores

    score = sum_t log p(y_t | y_<t, x) / L ** length_penalty

(length normalisation: with length_penalty = 0 it is the plain log-probability, which favours
short outputs; 1 is the mean log-probability per token).

Beam search keeps the `beam_size` best partial hypotheses by their log-probability: each step
expands every one by every token, keeps the beam_size best of all the extensions, moves those
that end in <eos> to the finished list (scored with the normalisation) and goes on with the
others, until none is left. The result is the best finished one. With beam_size = 1 that is
exactly greedy decoding; with a beam as large as the number of partial hypotheses it is
exhaustive.
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
    network, source_ids, source_length, *, bos, eos, banned, max_length, beam_size, length_penalty
) -> Decoded:
    """The best hypothesis for ONE source (ids (S,)) found with a beam of `beam_size`."""
    memory, state = network.start(source_ids[None, :source_length], np.array([source_length]))
    alive = [([], 0.0, [])]  # (token ids, log-probability, attention rows)
    finished = []
    for t in range(max_length + 1):
        memory = _repeat_memory(memory, len(alive))
        logprobs, state, weights = network.step(
            np.array([h[0][-1] if h[0] else bos for h in alive]), state, memory
        )
        _forbid(logprobs, banned, eos, final=t == max_length)
        totals = np.array([h[1] for h in alive])[:, None] + logprobs
        flat = totals.reshape(-1)
        count = min(beam_size, int(np.isfinite(flat).sum()))
        best = np.argsort(-flat, kind="stable")[:count]
        parents, tokens = np.divmod(best, logprobs.shape[1])
        survivors, rows = [], []
        for parent, token, total in zip(parents, tokens, flat[best], strict=True):
            ids, _, attention = alive[parent]
            attention = attention + ([weights[parent]] if weights is not None else [])
            hypothesis = (ids + [int(token)], float(total), attention)
            if token == eos:
                finished.append(hypothesis)
            else:
                survivors.append(hypothesis)
                rows.append(parent)
        if not survivors:
            break
        alive, state = survivors, state.select(np.array(rows))
    ids, total, attention = max(
        finished, key=lambda h: _normalised(h[1], len(h[0]), length_penalty)
    )
    return Decoded(
        ids,
        _normalised(total, len(ids), length_penalty),
        np.array(attention) if attention else None,
    )


def _repeat_memory(memory, count: int):
    """The attention memory of one source repeated for `count` hypotheses."""
    if memory is None or memory.keys.shape[0] == count:
        return memory
    return replace(
        memory,
        keys=np.repeat(memory.keys[:1], count, axis=0),
        mask=np.repeat(memory.mask[:1], count, axis=0),
        projected=None
        if memory.projected is None
        else np.repeat(memory.projected[:1], count, axis=0),
    )
