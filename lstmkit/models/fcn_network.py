"""LSTM-FCN and ALSTM-FCN (Karim et al. 2017): a recurrent branch beside a fully convolutional
branch, their two summaries concatenated into one output layer.

    recurrent branch:  u, m = chunk_steps(x, lengths, s)   s steps read as one (step_chunks.py)
                       y, _ = encoder(u, m)                LSTM, GRU or RNN
                       r    = head(y, m)                   last valid step, mean or max
          (attention)  r, _ = attention(r, y, m)           ALSTM-FCN: r attends over y
                       r    = dropout(r)
    convolutional:     z    = x
                       3 x: z = relu(batch_norm(conv(z, lengths), lengths))
                            filters f, 2 f, f (the paper's 128, 256, 128), kernels 8, 5, 3;
                            the first with stride q (lengths -> its output lengths)
                       g    = mean of z over the valid steps
    logits = linear([r, g])

Variable lengths end to end: the convolutions (each sequence's output length follows from its
own length) read the steps past each length as zeros and write zeros there, the batch
normalisation counts valid steps only, the pool averages valid steps only, and the recurrent
layer and its head take `lengths`. So, in evaluation mode, a sequence in a padded batch gets
exactly the logits it gets alone.

Where this differs from the paper, and why:
- The paper's "dimension shuffle" (the LSTM reads a univariate series as one step of T
  features) needs every series to have the same T. Here the recurrent branch reads
  `recurrent_stride` steps as one (`step_chunks.py`): 1 reads step by step, as the
  SequenceNetwork's encoder does; a stride >= T is the dimension shuffle; in between, a long
  series takes ceil(T / stride) recurrent steps. Any stride keeps variable lengths exact.
- The paper's first convolution has stride 1. Here its stride q (`conv_stride`) may be larger
  (with k // 2 zero steps of padding on each side, so T_out = floor(T / q) + 1): the two wider
  blocks after it, most of an epoch's work (f x 2 f and 2 f x f products at every step), then
  run on T / q steps. For ACSF1's 1460 steps, q = 1 makes an epoch cost about 300 GFLOP.
- The paper's LSTM branch is one unidirectional LSTM (8 to 128 cells) read at its last step,
  with dropout 0.8; here it is the classifier's encoder and head (`cell`, `hidden_size`,
  `bidirectional`, `head`, `dropout`), so that "lstm" and "lstm-fcn" differ by the
  convolutional branch only.
- ALSTM-FCN's attention LSTM attends inside the recurrence; here the head's summary attends
  over the encoder's outputs (`nn.Attention`, additive), masked by `lengths`.
- The convolutions have no bias: the batch normalisation right after each subtracts any
  per-channel constant again, so a bias would only take a zero gradient.
"""

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.models.sequence_network import (
    CELLS,
    HEADS,
    SequenceNetwork,
    check_choice,
    recurrent_encoder,
)
from lstmkit.models.step_chunks import chunk_steps, unchunk_gradient
from lstmkit.module import Module
from lstmkit.nn.attention import Attention
from lstmkit.nn.batch_norm import BatchNorm1d
from lstmkit.nn.conv import Conv1d
from lstmkit.nn.dropout import Dropout
from lstmkit.nn.linear import Linear
from lstmkit.nn.pooling import MeanPool
from lstmkit.random import spawn
from lstmkit.validation import check_positive_int

ARCHITECTURES = ("lstm-fcn", "alstm-fcn")
CONV_STEPS = 384  # "auto" conv_stride: the blocks after the first run on at most ~this many steps
KERNELS = (8, 5, 3)  # the paper's kernel sizes of the three convolutional blocks
WIDTHS = (1, 2, 1)  # the blocks' filters as multiples of `filters` (128, 256, 128 in the paper)


class FCNNetwork(Module):
    """LSTM-FCN (or ALSTM-FCN) over padded batches (N, T, C) with lengths.

    Args:
        input_size, output_size: C and the number of classes.
        architecture: "lstm-fcn" or "alstm-fcn" (attention of the head's output over the
            recurrent layer's outputs, Bahdanau's additive score).
        cell, hidden_size, num_layers, bidirectional, head, dropout: the recurrent branch, as
            in `SequenceNetwork`; the dropout acts on that branch's summary (as in the paper).
        filters: f, the first block's filters; the blocks have f, 2 f, f.
        recurrent_stride: s, the steps the recurrent branch reads as one (1: step by step).
        conv_stride: q, the first convolution's stride (1: the paper's network).
        dtype: "float32" (default) or "float64".
        seed: None, an int, a np.random.Generator or a SeedSequence (lstmkit.random); each
            layer draws from its own child of it.
    """

    def __init__(
        self,
        input_size,
        output_size,
        architecture="lstm-fcn",
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        head="mean",
        dropout=0.0,
        filters=128,
        recurrent_stride=1,
        conv_stride=1,
        dtype="float32",
        seed=None,
    ):
        super().__init__()
        check_choice(architecture, ARCHITECTURES, "architecture")
        check_choice(cell, CELLS, "cell")
        check_choice(head, HEADS, "head")
        self.input_size, self.output_size = input_size, output_size
        self.architecture, self.cell, self.hidden_size = architecture, cell, hidden_size
        self.num_layers, self.bidirectional, self.head = num_layers, bidirectional, head
        self.dropout, self.dtype = dropout, dtype
        self.filters = check_positive_int(filters, "filters")
        self.recurrent_stride = check_positive_int(recurrent_stride, "recurrent_stride")
        self.conv_stride = check_positive_int(conv_stride, "conv_stride")
        seeds = spawn(seed, 4 + len(KERNELS))  # encoder, attention, dropout, output, convs
        self.encoder = recurrent_encoder(self, seeds[0], input_size * self.recurrent_stride)
        self.pool = HEADS[head]()
        width = hidden_size * (2 if bidirectional else 1)
        if architecture == "alstm-fcn":
            self.attention = Attention(width, width, dtype=dtype, seed=seeds[1])
        self.drop = Dropout(dropout, seed=seeds[2])
        channels = input_size
        for k, (kernel, scale) in enumerate(zip(KERNELS, WIDTHS, strict=True)):
            # no bias: the batch normalisation right after it would cancel it (docstring)
            stride = self.conv_stride if k == 0 else 1
            conv = Conv1d(
                channels,
                scale * self.filters,
                kernel,
                stride=stride,
                padding="same" if stride == 1 else kernel // 2,
                bias=False,
                dtype=dtype,
                seed=seeds[4 + k],
            )
            setattr(self, f"conv{k}", conv)
            setattr(self, f"norm{k}", BatchNorm1d(scale * self.filters, dtype=dtype))
            channels = scale * self.filters
        self.average = MeanPool()
        self.output = Linear(width + channels, output_size, dtype=dtype, seed=seeds[3])
        self._cache = None

    def forward(self, x, lengths=None):
        """logits (N, output_size) for x (N, T, C) and optional lengths (N,)."""
        # the convolutions first: they check x and lengths before the chunks reshape them
        convolutional, active = self._convolutional_forward(x, lengths)
        recurrent = self._recurrent_forward(x, lengths)
        self._cache = (recurrent.shape[1], active, x.shape[1], lengths)
        return self.output(np.concatenate([recurrent, convolutional], axis=1))

    def backward(self, dlogits):
        """Backpropagate dL/dlogits into every parameter's gradient; returns dL/dx."""
        if self._cache is None:
            raise NoForwardPassError(
                "FCNNetwork.backward called before forward: run forward(x) first"
            )
        width, active, steps, lengths = self._cache
        dfeatures = self.output.backward(dlogits)
        dx = self._recurrent_backward(dfeatures[:, :width], steps, lengths)
        return dx + self._convolutional_backward(dfeatures[:, width:], active)

    # ---- the two branches ----------------------------------------------------------------------

    def _recurrent_forward(self, x, lengths):
        x, lengths = chunk_steps(x, lengths, self.recurrent_stride)
        y, _ = self.encoder(x, lengths=lengths)
        summary = self.pool(y, lengths)
        if self.architecture == "alstm-fcn":
            summary, _ = self.attention(summary, y, lengths=lengths)
        return self.drop(summary)

    def _recurrent_backward(self, dsummary, steps, lengths):
        dsummary = self.drop.backward(dsummary)
        dy = 0.0
        if self.architecture == "alstm-fcn":
            dsummary, dy = self.attention.backward(dsummary)
        dy = dy + self.pool.backward(dsummary)
        dchunks, _ = self.encoder.backward(dy)
        return unchunk_gradient(dchunks, steps, self.input_size, lengths)

    def _convolutional_forward(self, x, lengths):
        """(the mean over valid steps of the last block's output, each block's ReLU mask)."""
        z, active = x, []
        for k in range(len(KERNELS)):
            z = self._conv(k)(z, lengths)
            if lengths is not None:
                lengths = self._conv(k).output_lengths(lengths)
            z = self._norm(k)(z, lengths)
            active.append(z > 0)
            z = z * active[-1]  # ReLU
        return self.average(z, lengths), active

    def _convolutional_backward(self, dsummary, active):
        dz = self.average.backward(dsummary)
        for k in reversed(range(len(KERNELS))):
            dz = self._conv(k).backward(self._norm(k).backward(dz * active[k]))
        return dz

    def _conv(self, k) -> Conv1d:
        return getattr(self, f"conv{k}")

    def _norm(self, k) -> BatchNorm1d:
        return getattr(self, f"norm{k}")


def auto_conv_stride(longest: int) -> int:
    """The first convolution's stride for series of up to `longest` steps: 1 up to CONV_STEPS
    steps, else ceil(longest / CONV_STEPS), so that an epoch's cost stops growing with the
    length (measured on ACSF1, docs/benchmarks.md)."""
    return max(1, -(-int(longest) // CONV_STEPS))


def classifier_network(
    input_size, output_size, architecture="lstm", filters=128, strides=(1, 1), **options
):
    """The network of one classifier: a `SequenceNetwork` for "lstm", else an `FCNNetwork`
    (`options`: cell, hidden_size, ..., seed, which both take; `strides`: the FCNNetwork's
    recurrent_stride and conv_stride)."""
    if architecture == "lstm":
        return SequenceNetwork(input_size, output_size, **options)
    return FCNNetwork(
        input_size,
        output_size,
        architecture,
        filters=filters,
        recurrent_stride=strides[0],
        conv_stride=strides[1],
        **options,
    )
