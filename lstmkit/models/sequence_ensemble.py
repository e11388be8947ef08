"""Several SequenceNetworks trained apart (different seeds and validation splits), whose class
probabilities are averaged:

    p = (1 / M) * sum_k softmax(logits_k)        M = members

Averaging a few networks steadies a classifier learned from a few hundred sequences, where
one network's result depends on its initialisation and on which sequences early stopping
held out (JapaneseVowels over five seeds: docs/benchmarks.md).
"""

import numpy as np

from lstmkit.models.fcn_network import classifier_network
from lstmkit.models.sequence_network import SequenceNetwork
from lstmkit.module import Module
from lstmkit.ops.softmax import softmax
from lstmkit.random import child, spawn


class SequenceEnsemble(Module):
    """`members` networks of one shape (SequenceNetworks, or FCNNetworks for `architecture`
    "lstm-fcn" / "alstm-fcn", whose convolutional blocks have `filters`, 2 `filters`,
    `filters` filters, the first with stride `conv_stride`, and whose recurrent branch reads
    `recurrent_stride` steps as one); member k is initialised from `member_seeds(seed, k)[0]`.

    `seed`: None, an int, a np.random.Generator or a SeedSequence (see lstmkit.random).
    """

    def __init__(
        self,
        input_size,
        output_size,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        head="mean",
        dropout=0.0,
        members=1,
        dtype="float32",
        seed=None,
        architecture="lstm",
        filters=128,
        recurrent_stride=1,
        conv_stride=1,
    ):
        super().__init__()
        self.input_size, self.output_size = input_size, output_size
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.bidirectional, self.head, self.dropout = bidirectional, head, dropout
        self.members, self.dtype = members, dtype
        self.architecture, self.filters = architecture, filters
        self.recurrent_stride, self.conv_stride = recurrent_stride, conv_stride
        for k in range(members):
            network = classifier_network(
                input_size,
                output_size,
                architecture,
                filters,
                (recurrent_stride, conv_stride),
                cell=cell,
                hidden_size=hidden_size,
                num_layers=num_layers,
                bidirectional=bidirectional,
                head=head,
                dropout=dropout,
                dtype=dtype,
                seed=member_seeds(seed, k)[0],
            )
            setattr(self, f"member{k}", network)

    def member(self, k) -> SequenceNetwork:
        return getattr(self, f"member{k}")

    def probabilities(self, x, lengths=None) -> np.ndarray:
        """Mean of the members' softmax outputs, (N, output_size) float64 (eval mode)."""
        total = 0.0
        for k in range(self.members):
            logits = self.member(k).eval().forward(x, lengths).astype(np.float64)
            total = total + softmax(logits)
        return total / self.members

    def keep_first(self, count: int) -> None:
        """Drop every member after the first `count` (after an interrupted fit)."""
        for k in range(count, self.members):
            setattr(self, f"member{k}", None)
            delattr(self, f"member{k}")
        self.members = count


def member_seed(seed, k):
    """Member k's seed: child k of `seed` (`lstmkit.random.child`), so that the members of
    distinct seeds never share a stream (`seed + 1000 k` did: member 1 of seed 0 was member 0
    of seed 1000). An int seed gives the same child at every call; a Generator is drawn from
    (advanced) at each call."""
    return child(seed, k)


def member_seeds(seed, k) -> tuple:
    """(network, split, shuffle): the seeds of member k's initialisation, validation split and
    batch shuffling, three children of `member_seed(seed, k)`, so that no two of them share a
    stream (the Trainer spawns its epochs from its seed as the network spawns its layers)."""
    return tuple(spawn(member_seed(seed, k), 3))
