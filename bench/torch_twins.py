"""The torch twins of lstmkit's task networks, for bench/e2e.py: each is built from a fitted
lstmkit network's own sizes, its submodules and parameters named as lstmkit's, so that
lstmkit's weights load into it strictly (same names and shapes) and both compute the same
outputs; e2e.py checks that, then trains the twin as the Trainer trained lstmkit's network.

    SequenceNetwork  -> ClassifierTwin   packed LSTM/GRU/RNN, head, dropout, linear
    FCNNetwork       -> FCNTwin          LSTM-FCN / ALSTM-FCN (lstmkit/models/fcn_network.py)
    ForecastNetwork  -> ForecastTwin     LSTM, last step (+ covariates), linear
    CharLMNetwork    -> CharLMTwin       embedding, stacked LSTM, dropout, linear

torch is imported on first use (bench/e2e.py sets the thread counts before it loads).
"""

import functools


def recurrent_twin(layer):
    """torch.nn.LSTM / GRU / RNN (batch_first) with the sizes and options of lstmkit's
    `layer`; options torch has no counterpart for are refused."""
    import torch

    for option in ("dropout_input", "dropout_output", "weight_drop", "zoneout_cell",
                   "zoneout_hidden"):  # fmt: skip
        if getattr(layer, option, 0.0):
            raise ValueError(f"{option}={getattr(layer, option)} has no torch.nn counterpart")
    if getattr(layer, "linear_before_reset", True) is False:
        raise ValueError("GRU linear_before_reset=False has no torch.nn counterpart")
    kind = type(layer).__name__
    options = {}
    if kind == "RNN":
        options["nonlinearity"] = layer.nonlinearity
    if kind == "LSTM" and getattr(layer, "proj_size", 0):
        options["proj_size"] = layer.proj_size
    return getattr(torch.nn, kind)(
        layer.input_size,
        layer.hidden_size,
        num_layers=layer.num_layers,
        bias=layer.bias,
        batch_first=True,
        dropout=layer.dropout,
        bidirectional=layer.bidirectional,
        **options,
    )


def twin(network):
    """The torch network of an lstmkit task network (SequenceNetwork, FCNNetwork,
    ForecastNetwork or CharLMNetwork), built from its sizes, submodules named as lstmkit's so
    that the parameter names match."""
    classes = twin_classes()
    kind = type(network).__name__
    if kind not in classes:
        raise ValueError(f"no torch twin for {kind}; known: {sorted(classes)}")
    return classes[kind](network)


@functools.cache
def twin_classes() -> dict:
    """{lstmkit network class name: torch twin class}; defined on first use (needs torch).

    Each twin has `outputs(batch)` (the forward pass on one of the Trainer's batches),
    `lstmkit_outputs(network, batch)` (lstmkit's, for the parity check) and
    `step(batch, training, carry) -> (mean loss, count, carry)`, the torch counterpart of the
    estimator's step function."""
    classes = _recurrent_twins()
    classes["FCNNetwork"] = _fcn_twin(classes["SequenceNetwork"])
    return classes


def _recurrent_twins() -> dict:
    """The twins of the networks built around one recurrent layer."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    class ClassifierTwin(torch.nn.Module):
        """encoder (packed: each sequence stops at its length, in both directions) -> pool
        over the valid steps (max, mean or last) -> dropout -> linear; cross-entropy."""

        def __init__(self, network):
            super().__init__()
            self.head = network.head
            self.encoder = recurrent_twin(network.encoder)
            self.drop = torch.nn.Dropout(network.drop.p)
            self.output = torch.nn.Linear(network.output.in_features, network.output.out_features)

        def forward(self, x, lengths):
            y = self.encoded(x, lengths)
            return self.output(self.drop(self.pooled(y, lengths)))

        def encoded(self, x, lengths):
            """The encoder's outputs (N, T, D H), zero past each length."""
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            y, _ = self.encoder(packed)
            return pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])[0]

        def pooled(self, y, lengths):
            """The head over each sequence's valid steps: max, mean or the last one."""
            if self.head == "max":
                padding = ~valid_steps(lengths, y.shape[1])
                return y.masked_fill(padding[:, :, None], float("-inf")).amax(dim=1)
            if self.head == "mean":
                return y.sum(dim=1) / lengths[:, None].to(y.dtype)
            return y[torch.arange(len(y)), lengths - 1]

        def outputs(self, batch):
            return self(torch.from_numpy(batch.x), torch.from_numpy(batch.lengths))

        @staticmethod
        def lstmkit_outputs(network, batch):
            return network.forward(batch.x, batch.lengths)

        def step(self, batch, training, carry):
            logits = self.outputs(batch)
            target = torch.from_numpy(np.asarray(batch.y, dtype=np.int64))
            loss = F.cross_entropy(logits, target)
            (logits.argmax(dim=1) == target).sum().item()  # the accuracy lstmkit's step counts
            return loss, len(target), None

    class ForecastTwin(torch.nn.Module):
        """LSTM over the window -> last step (+ the horizon's covariates) -> linear: means and
        log-variances; Gaussian NLL with the log-variance clipped to +-LOG_VAR_LIMIT."""

        def __init__(self, network):
            super().__init__()
            from lstmkit.models.forecast_network import LOG_VAR_LIMIT

            self.limit = LOG_VAR_LIMIT
            self.size = network.horizon * network.outputs
            self.future_size = network.future_size
            self.encoder = recurrent_twin(network.encoder)
            self.head = torch.nn.Linear(network.head.in_features, network.head.out_features)

        def forward(self, x, future=None):
            y, _ = self.encoder(x)
            u = y[:, -1]
            if self.future_size:
                u = torch.cat([u, future], dim=1)
            return self.head(u)

        def _future(self, batch):
            return batch.y[:, self.size :] if self.future_size else None

        def outputs(self, batch):
            future = self._future(batch)
            return self(
                torch.from_numpy(batch.x), None if future is None else torch.from_numpy(future)
            )

        def lstmkit_outputs(self, network, batch):
            return network.forward(batch.x, self._future(batch))

        def step(self, batch, training, carry):
            out = self.outputs(batch)
            mean, log_var = out[:, : self.size], out[:, self.size :]
            var = torch.exp(torch.clamp(log_var, -self.limit, self.limit)).clamp_min(1e-6)
            target = torch.from_numpy(np.asarray(batch.y[:, : self.size], dtype=np.float32))
            loss = 0.5 * (torch.log(var) + (mean - target) ** 2 / var).mean()
            return loss, len(target), None

    class CharLMTwin(torch.nn.Module):
        """embedding -> stacked LSTM (state in, state out) -> dropout -> linear; training
        carries the state from chunk to chunk, cut from the graph (truncated BPTT)."""

        def __init__(self, network):
            super().__init__()
            self.embedding = torch.nn.Embedding(*network.embedding.weight.shape)
            self.lstm = recurrent_twin(network.lstm)
            self.drop = torch.nn.Dropout(network.drop.p)
            self.output = torch.nn.Linear(network.output.in_features, network.output.out_features)

        def forward(self, ids, state=None):
            y, state = self.lstm(self.embedding(ids), state)
            return self.output(self.drop(y)), state

        def outputs(self, batch, state=None):
            return self(torch.from_numpy(np.asarray(batch.inputs, dtype=np.int64)), state)

        @staticmethod
        def lstmkit_outputs(network, batch):
            return network.forward(batch.inputs)[0]

        def step(self, batch, training, carry):
            logits, state = self.outputs(batch, carry)
            target = torch.from_numpy(np.asarray(batch.targets, dtype=np.int64)).reshape(-1)
            carry = tuple(s.detach() for s in state)
            if training:
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target)
                return loss, target.numel(), carry
            # scoring, as lstmkit's: summed in float64 over the masked targets
            each = F.cross_entropy(
                logits.double().reshape(-1, logits.shape[-1]), target, reduction="none"
            )
            mask = torch.from_numpy(batch.mask.reshape(-1))
            count = int(mask.sum())
            return each[mask].sum() / max(count, 1), count, carry

        @staticmethod
        def schedule(optimizer):
            """lstmkit's: halve the learning rate after every epoch that is not the best."""
            return torch.optim.lr_scheduler.ReduceLROnPlateau(
                optimizer, mode="min", factor=0.5, patience=0, threshold=0.0,
                threshold_mode="abs", eps=0.0,
            )  # fmt: skip

    return {
        "SequenceNetwork": ClassifierTwin,
        "ForecastNetwork": ForecastTwin,
        "CharLMNetwork": CharLMTwin,
    }


# ---------------------------------------------------------------------------- LSTM-FCN


def valid_steps(lengths, steps: int):
    """(N, steps) bool: True at t < lengths[n]."""
    import torch

    return torch.arange(steps)[None, :] < lengths[:, None]


def chunk_steps(x, lengths, stride: int):
    """lstmkit/models/step_chunks.py's chunks: `stride` steps read as one, zero past each length.

    x (N, T, C), lengths (N,) -> chunks (N, ceil(T / s), s C), ceil(lengths / s)
    """
    import torch.nn.functional as F

    n, steps, channels = x.shape
    count = -(-steps // stride)
    padded = F.pad(x, (0, 0, 0, count * stride - steps))  # zero steps up to a multiple of s
    padded = padded * valid_steps(lengths, count * stride)[:, :, None]
    return padded.reshape(n, count, stride * channels), (lengths + stride - 1) // stride


def conv_twin(conv):
    """torch.nn.Conv1d with the sizes and options of lstmkit's `conv` (same padding names)."""
    import torch

    return torch.nn.Conv1d(
        conv.in_channels,
        conv.out_channels,
        conv.kernel_size,
        stride=conv.stride,
        padding=conv.padding,
        dilation=conv.dilation,
        groups=conv.groups,
        bias=conv.bias is not None,
    )


def conv_lengths(conv, lengths):
    """Each sequence's output length from torch.nn.Conv1d `conv`, span = d (k - 1):

    floor((lengths + pads - span - 1) / s) + 1,  pads = span ("same"), 0 ("valid") or 2 p
    """
    (kernel,), (stride,), (dilation,) = conv.kernel_size, conv.stride, conv.dilation
    span = dilation * (kernel - 1)
    pads = 2 * conv.padding[0] if not isinstance(conv.padding, str) else 0
    if conv.padding == "same":
        pads = span
    return (lengths + pads - span - 1) // stride + 1


def _fcn_twin(classifier_twin):
    """The FCNNetwork's twin class, built on the SequenceNetwork's (same encoder, head,
    dropout and output layer; same outputs, lstmkit_outputs and step)."""
    import torch

    class MaskedBatchNorm1d(torch.nn.Module):
        """lstmkit's BatchNorm1d (nn/batch_norm.py) over (N, T, C) with a valid-step mask;
        torch.nn.BatchNorm1d would count the padding in its statistics. Per channel, over
        the M valid steps of the batch:

            training:    mean = (1 / M) sum z,  var = (1 / M) sum (z - mean)^2
                         running_mean = (1 - momentum) running_mean + momentum mean
                         running_var  = (1 - momentum) running_var + momentum var M / (M - 1)
                         (momentum None: 1 / num_batches_tracked, a cumulative average)
            evaluation:  mean, var = running_mean, running_var
            y = (z - mean) / sqrt(var + eps) * weight + bias,   0 past each length
        """

        def __init__(self, norm):
            super().__init__()
            self.eps, self.momentum = norm.eps, norm.momentum
            size = norm.num_features
            affine = norm.weight is not None
            self.weight = torch.nn.Parameter(torch.ones(size)) if affine else None
            self.bias = torch.nn.Parameter(torch.zeros(size)) if affine else None
            tracking = norm.running_mean is not None
            self.register_buffer("running_mean", torch.zeros(size) if tracking else None)
            self.register_buffer("running_var", torch.ones(size) if tracking else None)
            count = torch.tensor(0, dtype=torch.long) if tracking else None
            self.register_buffer("num_batches_tracked", count)

        def forward(self, z, valid):
            if self.training or self.running_mean is None:
                rows = z[valid]  # (M, C): the valid steps of every sequence
                mean, var = rows.mean(dim=0), rows.var(dim=0, correction=0)
                if self.training and self.running_mean is not None:
                    self._update_running_stats(mean.detach(), var.detach(), len(rows))
            else:
                mean, var = self.running_mean, self.running_var
            y = (z - mean) * torch.rsqrt(var + self.eps)
            if self.weight is not None:
                y = y * self.weight + self.bias
            return y * valid[:, :, None]

        @torch.no_grad()
        def _update_running_stats(self, mean, var, count: int):
            self.num_batches_tracked += 1
            momentum = self.momentum
            if momentum is None:
                momentum = 1.0 / int(self.num_batches_tracked)
            unbiased = var * (count / (count - 1))
            self.running_mean.copy_((1 - momentum) * self.running_mean + momentum * mean)
            self.running_var.copy_((1 - momentum) * self.running_var + momentum * unbiased)

    class AdditiveAttention(torch.nn.Module):
        """lstmkit's Attention(kind="bahdanau") (nn/attention.py), one query q per item over
        keys k (N, S, K), the valid positions only:

            e[n, s] = v . tanh(weight_key k[n, s] + bias + weight_query q[n])
            a = softmax over the valid s of e;  context[n] = sum_s a[n, s] k[n, s]
        """

        def __init__(self, attention):
            super().__init__()
            if attention.kind != "bahdanau":
                raise ValueError(f"attention kind {attention.kind!r} has no twin here")
            size = attention.attention_size or attention.key_size
            shapes = {
                "weight_query": (size, attention.query_size),
                "weight_key": (size, attention.key_size),
                "bias": (size,),
                "v": (size,),
            }
            for name, shape in shapes.items():  # lstmkit's initialisation, U(+-1/sqrt(fan_in))
                bound = (shape[-1] if len(shape) == 2 else size) ** -0.5
                self.register_parameter(
                    name, torch.nn.Parameter(torch.empty(shape).uniform_(-bound, bound))
                )

        def forward(self, query, keys, valid):
            projected = keys @ self.weight_key.T + self.bias
            hidden = torch.tanh(projected + (query @ self.weight_query.T)[:, None, :])
            scores = (hidden @ self.v).masked_fill(~valid, float("-inf"))
            return (torch.softmax(scores, dim=1)[:, :, None] * keys).sum(dim=1)

    class FCNTwin(classifier_twin):
        """LSTM-FCN / ALSTM-FCN (lstmkit/models/fcn_network.py):

        recurrent:      u, m = chunk_steps(x, lengths, s);  y = encoder(u) (packed, m)
                        r = dropout(head(y, m)), attended over y first for ALSTM-FCN
        convolutional:  per block k: z = relu(norm_k(conv_k(z zeroed past lengths)))
                        lengths -> conv_k's output lengths; g = mean of z over them
        logits = linear([r, g])
        """

        def __init__(self, network):
            super().__init__(network)
            self.stride = network.recurrent_stride
            if network.architecture == "alstm-fcn":
                self.attention = AdditiveAttention(network.attention)
            self.blocks = 0
            while hasattr(network, f"conv{self.blocks}"):  # the blocks lstmkit's network has
                k = self.blocks
                setattr(self, f"conv{k}", conv_twin(getattr(network, f"conv{k}")))
                setattr(self, f"norm{k}", MaskedBatchNorm1d(getattr(network, f"norm{k}")))
                self.blocks += 1

        def forward(self, x, lengths):
            g = self.convolutional(x, lengths)
            return self.output(torch.cat([self.recurrent(x, lengths), g], dim=1))

        def recurrent(self, x, lengths):
            u, lengths = chunk_steps(x, lengths, self.stride)
            y = self.encoded(u, lengths)
            r = self.pooled(y, lengths)
            if hasattr(self, "attention"):
                r = self.attention(r, y, valid_steps(lengths, y.shape[1]))
            return self.drop(r)

        def convolutional(self, x, lengths):
            z = x
            for k in range(self.blocks):
                conv = getattr(self, f"conv{k}")
                z = z * valid_steps(lengths, z.shape[1])[:, :, None]  # zeros past each length
                z = conv(z.transpose(1, 2)).transpose(1, 2)
                lengths = conv_lengths(conv, lengths)
                z = torch.relu(getattr(self, f"norm{k}")(z, valid_steps(lengths, z.shape[1])))
            return z.sum(dim=1) / lengths[:, None].to(z.dtype)  # z is zero past each length

    return FCNTwin


# ---------------------------------------------------------------------------- training mode


def follows_training(model) -> bool:
    """Whether `model`'s training-mode pass can follow lstmkit's: its only randomness is
    dropout modules (`follow_dropout`), none inside torch's recurrent layers."""
    import torch

    return all(m.dropout == 0 or m.num_layers == 1
               for m in model.modules() if isinstance(m, torch.nn.RNNBase))  # fmt: skip


def follow_dropout(network, model) -> None:
    """Make each torch.nn.Dropout of `model` apply the mask that lstmkit's Dropout of the same
    name drew in `network`'s last forward pass (the two libraries' random streams differ)."""
    import torch

    for name, layer in network.named_modules():
        if type(layer).__name__ != "Dropout" or layer._mask is None:
            continue  # no mask: evaluation mode or p = 0, the identity on both sides
        model.get_submodule(name).register_forward_hook(_times(torch.from_numpy(layer._mask)))


def _times(mask):
    """A forward hook whose module's output becomes its input times `mask`."""
    return lambda _module, inputs, _output: inputs[0] * mask
