"""PyTorch conversion: `to_torch(layer)` and `from_torch(module)`, weights copied exactly.

lstmkit's parameters already have PyTorch's names, shapes and gate order (LSTM i, f, g, o;
GRU r, z, n with the reset applied after the recurrent product), so a conversion builds the
twin with the same constructor arguments and copies the state dict. Supported, both ways:

    lstmkit LSTM (proj_size too)  <->  torch.nn.LSTM
    lstmkit GRU                   <->  torch.nn.GRU   (only linear_before_reset=True, torch's)
    lstmkit RNN                   <->  torch.nn.RNN   (tanh or relu)
    Linear, Embedding, LayerNorm, Dropout  <->  their torch.nn namesakes
    Sequential of those           <->  torch.nn.Sequential

What torch cannot express is refused with the reason (peepholes, clip, input_forget, the
ONNX-variant GRU, and the LSTM's and GRU's layer_norm and zoneout, which act inside the
recurrence even in evaluation mode). A layer with dropout_input, dropout_output,
dropout_state or weight_drop converts as its evaluation-mode weights: the twin is the plain
torch layer, which applies none of these regularisers, also in training mode. The
evaluation/training mode is carried over.
torch is imported only when one of these functions is called; `import lstmkit` never imports
it.
"""

import numpy as np

from lstmkit.module import Module
from lstmkit.nn.dropout import Dropout
from lstmkit.nn.embedding import Embedding
from lstmkit.nn.layer_norm import LayerNorm
from lstmkit.nn.linear import Linear
from lstmkit.nn.sequential import Sequential
from lstmkit.recurrent import GRU, LSTM, RNN

DTYPES = {"float32": "float32", "float64": "float64"}


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError(
            "lstmkit.interop.torch needs PyTorch: pip install torch (or 'lstmkit[torch]')"
        ) from None
    return torch


# ---- lstmkit -> torch -------------------------------------------------------------------------


def to_torch(layer: Module):
    """The torch.nn twin of an lstmkit layer (or Sequential), with the same weights."""
    torch = _torch()
    nn = torch.nn
    if isinstance(layer, Sequential):
        twin = nn.Sequential(*(to_torch(m) for m in layer))
        return twin.train(layer.training)
    dtype = getattr(torch, getattr(layer, "dtype", np.dtype("float32")).name)
    if isinstance(layer, (LSTM, GRU, RNN)):
        twin = _recurrent_to_torch(nn, layer, dtype)
    elif isinstance(layer, Linear):
        twin = nn.Linear(
            layer.in_features, layer.out_features, bias=layer.bias is not None, dtype=dtype
        )
    elif isinstance(layer, Embedding):
        twin = nn.Embedding(
            layer.num_embeddings, layer.embedding_dim, padding_idx=layer.padding_idx, dtype=dtype
        )
    elif isinstance(layer, LayerNorm):
        twin = nn.LayerNorm(
            layer.normalized_shape,
            eps=layer.eps,
            elementwise_affine=layer.elementwise_affine,
            dtype=dtype,
        )
    elif isinstance(layer, Dropout):
        twin = nn.Dropout(layer.p)
    else:
        raise TypeError(
            f"to_torch cannot convert {type(layer).__name__}; convertible: LSTM, GRU, RNN, "
            "Linear, Embedding, LayerNorm, Dropout, Sequential"
        )
    state = {name: torch.from_numpy(np.array(value)) for name, value in layer.params.items()}
    twin.load_state_dict(state, strict=True)
    return twin.train(layer.training)


def _recurrent_to_torch(nn, layer, dtype):
    refused = {
        "peepholes": getattr(layer, "peepholes", False),
        "clip": getattr(layer, "clip", None) is not None,
        "input_forget": getattr(layer, "input_forget", False),
        "linear_before_reset=False": not getattr(layer, "linear_before_reset", True),
    }
    problems = [name for name, present in refused.items() if present]
    problems += layer.evaluation_variants()
    if problems:
        raise ValueError(
            f"{layer!r} has {', '.join(problems)}, which torch.nn.{type(layer).__name__} does "
            "not support (torch's GRU applies the reset after the recurrent product; torch has "
            "no layer-normalised or zoneout LSTM)"
        )
    common = dict(
        input_size=layer.input_size,
        hidden_size=layer.hidden_size,
        num_layers=layer.num_layers,
        bias=layer.bias,
        batch_first=layer.batch_first,
        dropout=layer.dropout,
        bidirectional=layer.bidirectional,
        dtype=dtype,
    )
    if isinstance(layer, LSTM):
        return nn.LSTM(proj_size=layer.proj_size, **common)
    if isinstance(layer, GRU):
        return nn.GRU(**common)
    return nn.RNN(nonlinearity=layer.nonlinearity, **common)


# ---- torch -> lstmkit -------------------------------------------------------------------------


def from_torch(module):
    """The lstmkit twin of a torch.nn module (or nn.Sequential), with the same weights."""
    torch = _torch()
    nn = torch.nn
    if isinstance(module, nn.Sequential):
        converted = []
        for position, child in enumerate(module):
            try:
                converted.append(from_torch(child))
            except TypeError as error:
                raise TypeError(f"nn.Sequential[{position}]: {error}") from None
        return Sequential(*converted).train(module.training)
    if isinstance(module, nn.Dropout):
        return Dropout(module.p).train(module.training)
    dtype = _dtype_of(module)
    if isinstance(module, (nn.LSTM, nn.GRU, nn.RNN)):
        twin = _recurrent_from_torch(nn, module, dtype)
    elif isinstance(module, nn.Linear):
        twin = Linear(
            module.in_features, module.out_features, bias=module.bias is not None, dtype=dtype
        )
    elif isinstance(module, nn.Embedding):
        if module.max_norm is not None:
            raise ValueError("nn.Embedding with max_norm has no lstmkit equivalent")
        twin = Embedding(
            module.num_embeddings, module.embedding_dim, padding_idx=module.padding_idx, dtype=dtype
        )
    elif isinstance(module, nn.LayerNorm):
        twin = _layer_norm_from_torch(module, dtype)
    else:
        raise TypeError(
            f"from_torch cannot convert {type(module).__name__}; convertible: nn.LSTM, nn.GRU, "
            "nn.RNN, nn.Linear, nn.Embedding, nn.LayerNorm, nn.Dropout, nn.Sequential"
        )
    twin.load_state_dict({k: v.detach().cpu().numpy() for k, v in module.state_dict().items()})
    return twin.train(module.training)


def _recurrent_from_torch(nn, module, dtype):
    common = dict(
        num_layers=module.num_layers,
        bias=module.bias,
        batch_first=module.batch_first,
        dropout=float(module.dropout),
        bidirectional=module.bidirectional,
        dtype=dtype,
    )
    if isinstance(module, nn.LSTM):
        return LSTM(module.input_size, module.hidden_size, proj_size=module.proj_size, **common)
    if isinstance(module, nn.GRU):
        return GRU(module.input_size, module.hidden_size, **common)
    return RNN(module.input_size, module.hidden_size, nonlinearity=module.nonlinearity, **common)


def _layer_norm_from_torch(module, dtype):
    if len(module.normalized_shape) != 1:
        raise ValueError(
            "lstmkit's LayerNorm normalises the last axis only; got normalized_shape "
            f"{tuple(module.normalized_shape)}"
        )
    if module.elementwise_affine and getattr(module, "bias", None) is None:
        raise ValueError("nn.LayerNorm with bias=False has no lstmkit equivalent")
    return LayerNorm(
        module.normalized_shape[0],
        eps=module.eps,
        elementwise_affine=module.elementwise_affine,
        dtype=dtype,
    )


def _dtype_of(module) -> str:
    parameters = list(module.parameters())
    name = str(parameters[0].dtype).removeprefix("torch.") if parameters else "float32"
    if name not in DTYPES:
        raise ValueError(
            f"{type(module).__name__} has parameters of dtype {name}; lstmkit takes float32 or "
            "float64 (convert with module.float() or module.double() first)"
        )
    return DTYPES[name]
