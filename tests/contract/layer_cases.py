"""One small factory per public layer and task network, for the contract harness.

A `LayerCase` says how to build a tiny instance (`build(dtype, seed)`), what to feed it
(`inputs(rng, dtype)`, a flat dict of named arrays), how to run it (`forward(module, inputs)`,
whose outputs `lstmkit.testing.flatten_outputs` flattens) and how to run its backward pass for
one upstream gradient per flattened output (`backward(module, inputs, upstream)`, returning
{input name: gradient} for the inputs in `differentiable`). `bad_shapes` lists, per input,
shapes that forward must refuse with a ValueError naming that input and the shape received.

`defects` maps a check (a test's name without "test_", narrowed by its parameter where it has
one: "bad_shape[ids]", "dtype[float64]", "same_seed_same_model[Generator]",
"load_state_dict_refuses[missing_key]") to the known defect that makes it fail: the harness
marks that check `xfail(strict=True)`, so it turns red once the defect is fixed and the entry
must go. Sizes: N = 2 sequences, T <= 4 steps, a handful of features.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lstmkit.experiments.network import TaskNetwork
from lstmkit.models.char_lm_network import CharLMNetwork
from lstmkit.models.fcn_network import FCNNetwork
from lstmkit.models.forecast_network import ForecastEnsemble, ForecastNetwork
from lstmkit.models.seq2seq_decoder import Decoder
from lstmkit.models.seq2seq_network import Seq2SeqNetwork
from lstmkit.models.sequence_ensemble import SequenceEnsemble
from lstmkit.models.sequence_network import SequenceNetwork
from lstmkit.models.tagger_network import TaggerBatch, TaggerNetwork
from lstmkit.models.text_network import TextNetwork
from lstmkit.nn import (
    CRF,
    GRU,
    LSTM,
    RNN,
    Attention,
    BatchNorm1d,
    CharEncoder,
    Conv1d,
    Dropout,
    Embedding,
    GRUCell,
    LastStep,
    LayerNorm,
    Linear,
    LSTMCell,
    MaxPool,
    MeanPool,
    RNNCell,
    Sequential,
)
from lstmkit.random import spawn
from lstmkit.testing import flatten_outputs

LENGTHS = np.array([3, 2])  # two sequences of T = 3 steps, the second padded by one


@dataclass(frozen=True)
class LayerCase:
    name: str
    cls: type
    build: Callable  # (dtype, seed) -> module
    inputs: Callable  # (rng, dtype) -> {name: array}
    backward: Callable  # (module, inputs, upstream) -> {name: gradient}
    forward: Callable = lambda module, inputs: module(**inputs)
    differentiable: tuple = ()  # the float inputs whose gradients backward returns
    bad_shapes: dict = field(default_factory=dict)  # {input name: [shapes]}
    error_names: dict = field(default_factory=dict)  # {input name: the name errors give it}
    random_init: bool = True  # different seeds give different parameters (or dropout masks)
    # per flattened output, a dtype the design fixes for it (None: the module's dtype)
    output_dtypes: tuple | None = None
    defects: dict = field(default_factory=dict)  # {check: reason} -> xfail(strict=True)


# ---- inputs ---------------------------------------------------------------------------------


def floats(rng, dtype, *shape) -> np.ndarray:
    return rng.standard_normal(shape).astype(dtype)


def ids(rng, vocab, shape, lengths=None) -> np.ndarray:
    """Ids in 1..vocab-1, with the padding id 0 past each length (so it never reaches a loss:
    a padding row takes no gradient by design)."""
    values = rng.integers(1, vocab, size=shape)
    if lengths is not None:
        values[np.arange(shape[1]) >= lengths[:, None]] = 0
    return values


def sequences(rng, dtype, features=3, steps=3):
    return {"x": floats(rng, dtype, 2, steps, features), "lengths": LENGTHS}


# ---- forward and backward wiring ------------------------------------------------------------


def input_gradient(name):
    """backward for a module whose backward(*upstream) returns the gradient of one input."""
    return lambda module, inputs, upstream: {name: module.backward(*upstream)}


def no_input_gradient(module, inputs, upstream):
    module.backward(*upstream)
    return {}


# ---- the layers of lstmkit.nn ---------------------------------------------------------------


def linear_case(bias):
    return LayerCase(
        name="Linear" if bias else "Linear-nobias",
        cls=Linear,
        build=lambda dtype, seed: Linear(3, 2, bias=bias, dtype=dtype, seed=seed),
        inputs=lambda rng, dtype: {"x": floats(rng, dtype, 2, 3, 3)},
        backward=input_gradient("x"),
        differentiable=("x",),
        bad_shapes={"x": [(2, 3, 4), ()]},
    )


def embedding_case():
    return LayerCase(
        name="Embedding",
        cls=Embedding,
        build=lambda dtype, seed: Embedding(6, 3, padding_idx=0, dtype=dtype, seed=seed),
        inputs=lambda rng, dtype: {"ids": ids(rng, 6, (2, 3))},
        backward=no_input_gradient,
        # any shape of ids is valid, so there is no bad shape
    )


def dropout_case():
    return LayerCase(
        name="Dropout",
        cls=Dropout,
        build=lambda dtype, seed: Dropout(0.5, seed=seed),
        inputs=lambda rng, dtype: {"x": floats(rng, dtype, 2, 3, 4)},
        backward=input_gradient("x"),
        differentiable=("x",),
        # any shape is valid, so there is no bad shape
    )


def layer_norm_case(affine):
    return LayerCase(
        name="LayerNorm" if affine else "LayerNorm-noaffine",
        cls=LayerNorm,
        build=lambda dtype, seed: LayerNorm(4, elementwise_affine=affine, dtype=dtype),
        inputs=lambda rng, dtype: {"x": floats(rng, dtype, 2, 3, 4)},
        backward=input_gradient("x"),
        differentiable=("x",),
        bad_shapes={"x": [(2, 3, 5), ()]},
        random_init=False,
    )


def batch_norm_case(affine=True, batch_first=True):
    def inputs(rng, dtype):
        shape = (2, 3, 4) if batch_first else (3, 2, 4)
        return {"x": floats(rng, dtype, *shape), "lengths": LENGTHS}

    return LayerCase(
        name="BatchNorm1d"
        + ("" if affine else "-noaffine")
        + ("" if batch_first else "-timemajor"),
        cls=BatchNorm1d,
        build=lambda dtype, seed: BatchNorm1d(
            4, affine=affine, dtype=dtype, batch_first=batch_first
        ),
        inputs=inputs,
        backward=input_gradient("x"),
        differentiable=("x",),
        bad_shapes={"x": [(2, 3, 5), (2,)], "lengths": [(3,)]},
        random_init=False,
    )


def conv_case(batch_first=True, **options):
    """x (T = 4 steps so a stride-2 valid window fits) and lengths; x takes a gradient."""

    def inputs(rng, dtype):
        shape = (2, 4, 4) if batch_first else (4, 2, 4)
        return {"x": floats(rng, dtype, *shape), "lengths": np.array([4, 3])}

    return LayerCase(
        name="Conv1d"
        + "".join(f"-{key}{value}" for key, value in options.items())
        + ("" if batch_first else "-timemajor"),
        cls=Conv1d,
        build=lambda dtype, seed: Conv1d(
            4, 2, 2, dtype=dtype, seed=seed, batch_first=batch_first, **options
        ),
        inputs=inputs,
        backward=input_gradient("x"),
        differentiable=("x",),
        bad_shapes={"x": [(2, 4, 3), (2, 4)], "lengths": [(3,)]},
    )


def pool_case(cls, batch_first=True):
    def inputs(rng, dtype):
        shape = (2, 3, 4) if batch_first else (3, 2, 4)
        return {"y": floats(rng, dtype, *shape), "lengths": LENGTHS}

    return LayerCase(
        name=cls.__name__ + ("" if batch_first else "-timemajor"),
        cls=cls,
        build=lambda dtype, seed: cls(batch_first=batch_first),
        inputs=inputs,
        backward=input_gradient("y"),
        differentiable=("y",),
        bad_shapes={"y": [(2, 3)], "lengths": [(3,)]},
        random_init=False,
    )


def char_encoder_case():
    def inputs(rng, dtype):
        lengths = np.array([4, 2, 1])
        return {"char_ids": ids(rng, 5, (3, 4), lengths), "lengths": lengths}

    return LayerCase(
        name="CharEncoder",
        cls=CharEncoder,
        build=lambda dtype, seed: CharEncoder(5, char_dim=2, hidden_size=2, dtype=dtype, seed=seed),
        inputs=inputs,
        backward=no_input_gradient,
        bad_shapes={"char_ids": [(3,), (3, 4, 1)], "lengths": [(2,)]},
    )


def crf_case():
    def inputs(rng, dtype):
        lengths = np.array([4, 2])
        return {
            "emissions": floats(rng, dtype, 2, 4, 3),
            "tags": rng.integers(0, 3, size=(2, 4)),
            "lengths": lengths,
        }

    return LayerCase(
        name="CRF",
        cls=CRF,
        build=lambda dtype, seed: CRF(3, dtype=dtype),
        inputs=inputs,
        forward=lambda module, inputs: module(**inputs, reduction="none"),
        backward=input_gradient("emissions"),
        differentiable=("emissions",),
        bad_shapes={"emissions": [(2, 4), (2, 4, 2)], "tags": [(2, 3)], "lengths": [(3,)]},
        random_init=False,
        output_dtypes=("float64",),  # a log-likelihood: CRF sums path scores in float64
    )


def attention_case(kind):
    def build(dtype, seed):
        return Attention(3, 3, kind=kind, attention_size=2, dtype=dtype, seed=seed)

    def inputs(rng, dtype):
        return {
            "query": floats(rng, dtype, 2, 3),
            "keys": floats(rng, dtype, 2, 4, 3),
            "lengths": np.array([4, 2]),
        }

    def backward(module, inputs, upstream):
        dquery, dkeys = module.backward(*upstream)
        return {"query": dquery, "keys": dkeys}

    return LayerCase(
        name=f"Attention-{kind}",
        cls=Attention,
        build=build,
        inputs=inputs,
        backward=backward,
        differentiable=("query", "keys"),
        bad_shapes={"query": [(2, 4)], "keys": [(2, 4, 5), (2, 4)], "lengths": [(3,)]},
        random_init=kind != "luong_dot",
    )


def sequential_case():
    def build(dtype, seed):
        first, dropout, last = spawn(seed, 3)
        return Sequential(
            Linear(3, 4, dtype=dtype, seed=first),
            LayerNorm(4, dtype=dtype),
            Dropout(0.5, seed=dropout),
            Linear(4, 2, dtype=dtype, seed=last),
        )

    return LayerCase(
        name="Sequential",
        cls=Sequential,
        build=build,
        inputs=lambda rng, dtype: {"x": floats(rng, dtype, 2, 3, 3)},
        backward=input_gradient("x"),
        differentiable=("x",),
        bad_shapes={"x": [(2, 3, 4)]},
    )


# ---- the recurrent layers -------------------------------------------------------------------


def lstm_case(name, batch_first=True, **options):
    """x, h_0, c_0 and lengths as inputs; every output (y, h_n, c_n) takes a gradient."""
    layer = LSTM(3, 3, **options)  # only to read the state shapes
    slots = layer.num_layers * layer.num_directions
    h_size, c_size = layer.output_size, layer.hidden_size

    def inputs(rng, dtype):
        x_shape = (2, 3, 3) if batch_first else (3, 2, 3)
        return {
            "x": floats(rng, dtype, *x_shape),
            "h_0": floats(rng, dtype, slots, 2, h_size),
            "c_0": floats(rng, dtype, slots, 2, c_size),
            "lengths": LENGTHS,
        }

    def forward(module, inputs):
        return module(inputs["x"], (inputs["h_0"], inputs["c_0"]), inputs["lengths"])

    def backward(module, inputs, upstream):
        dy, dh_n, dc_n = upstream
        dx, (dh_0, dc_0) = module.backward(dy, (dh_n, dc_n))
        return {"x": dx, "h_0": dh_0, "c_0": dc_0}

    return LayerCase(
        name=name,
        cls=LSTM,
        build=lambda dtype, seed: LSTM(
            3, 3, batch_first=batch_first, dtype=dtype, seed=seed, **options
        ),
        inputs=inputs,
        forward=forward,
        backward=backward,
        differentiable=("x", "h_0", "c_0"),
        bad_shapes={
            "x": [(2, 3, 4), (2, 3)],
            "h_0": [(slots + 1, 2, h_size)],
            "c_0": [(slots, 2, c_size + 1)],
            "lengths": [(3,)],
        },
    )


def single_state_case(cls, name, **options):
    """GRU / RNN: x, h_0 and lengths as inputs; y and h_n take a gradient."""
    slots = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)

    def inputs(rng, dtype):
        return {**sequences(rng, dtype), "h_0": floats(rng, dtype, slots, 2, 2)}

    def forward(module, inputs):
        return module(inputs["x"], inputs["h_0"], inputs["lengths"])

    def backward(module, inputs, upstream):
        dx, dh_0 = module.backward(*upstream)
        return {"x": dx, "h_0": dh_0}

    return LayerCase(
        name=name,
        cls=cls,
        build=lambda dtype, seed: cls(3, 2, dtype=dtype, seed=seed, **options),
        inputs=inputs,
        forward=forward,
        backward=backward,
        differentiable=("x", "h_0"),
        bad_shapes={"x": [(2, 3, 4), (2, 3)], "h_0": [(slots, 2, 3)], "lengths": [(3,)]},
    )


def cell_case(cls, name, **options):
    """Two steps by hand, x0 then x1 from the state (h, c) or h: every state takes a
    gradient, and backward pops the cell's tape newest step first."""
    state_names = ("h", "c") if cls is LSTMCell else ("h",)

    def pack(arrays):
        return tuple(arrays) if len(arrays) > 1 else arrays[0]

    def inputs(rng, dtype):
        steps = {"x0": floats(rng, dtype, 2, 3), "x1": floats(rng, dtype, 2, 3)}
        return {**steps, **{state: floats(rng, dtype, 2, 2) for state in state_names}}

    def forward(module, inputs):
        first = module(inputs["x0"], pack([inputs[state] for state in state_names]))
        return first, module(inputs["x1"], first)

    def backward(module, inputs, upstream):
        dfirst_out, dsecond_out = upstream[: len(state_names)], upstream[len(state_names) :]
        dx1, dfirst = module.backward(pack(dsecond_out))
        dfirst = [a + b for a, b in zip(dfirst_out, flatten_outputs(dfirst), strict=True)]
        dx0, dinitial = module.backward(pack(dfirst))
        dstates = dict(zip(state_names, flatten_outputs(dinitial), strict=True))
        return {"x0": dx0, "x1": dx1, **dstates}

    return LayerCase(
        name=name,
        cls=cls,
        build=lambda dtype, seed: cls(3, 2, dtype=dtype, seed=seed, **options),
        inputs=inputs,
        forward=forward,
        backward=backward,
        differentiable=("x0", "x1", *state_names),
        bad_shapes={"x0": [(2, 4), (2,)], "h": [(2, 3)]},
        error_names={"x0": "x"},
    )


# ---- the task networks of lstmkit.models ----------------------------------------------------

SEQUENCE_OPTIONS = {"hidden_size": 2, "num_layers": 2, "dropout": 0.5}


def sequence_network_case(cell, head):
    return LayerCase(
        name=f"SequenceNetwork-{cell}-{head}",
        cls=SequenceNetwork,
        build=lambda dtype, seed: SequenceNetwork(
            3, 2, cell=cell, head=head, dtype=dtype, seed=seed, **SEQUENCE_OPTIONS
        ),
        inputs=sequences,
        backward=input_gradient("x"),
        differentiable=("x",),
        bad_shapes={"x": [(2, 3, 4), (2, 3)], "lengths": [(3,)]},
    )


def fcn_network_case(architecture):
    return LayerCase(
        name=f"FCNNetwork-{architecture}",
        cls=FCNNetwork,
        build=lambda dtype, seed: FCNNetwork(
            3, 2, architecture, filters=2, dtype=dtype, seed=seed, **SEQUENCE_OPTIONS
        ),
        inputs=sequences,
        backward=input_gradient("x"),
        differentiable=("x",),
        bad_shapes={"x": [(2, 3, 4), (2, 3)], "lengths": [(3,)]},
    )


def members_forward(module, inputs):
    """Every member's output: an ensemble is trained member by member."""
    return tuple(module.member(k)(**inputs) for k in range(module.members))


def members_backward(module, inputs, upstream):
    """Each member's backward for its own output; the input gradients add up."""
    grads = [module.member(k).backward(u) for k, u in enumerate(upstream)]
    return {} if grads[0] is None else {"x": sum(grads)}


def sequence_ensemble_case():
    return LayerCase(
        name="SequenceEnsemble",
        cls=SequenceEnsemble,
        build=lambda dtype, seed: SequenceEnsemble(
            3, 2, cell="gru", head="mean", members=2, dtype=dtype, seed=seed, **SEQUENCE_OPTIONS
        ),
        inputs=sequences,
        forward=members_forward,
        backward=members_backward,
        differentiable=("x",),
        bad_shapes={"x": [(2, 3, 4)], "lengths": [(3,)]},
    )


def forecast_inputs(rng, dtype):
    return {"x": floats(rng, dtype, 2, 3, 3), "future": floats(rng, dtype, 2, 2)}


def forecast_network_case():
    return LayerCase(
        name="ForecastNetwork",
        cls=ForecastNetwork,
        build=lambda dtype, seed: ForecastNetwork(
            3, 2, future_size=2, hidden_size=2, dtype=dtype, seed=seed
        ),
        inputs=forecast_inputs,
        backward=no_input_gradient,
        bad_shapes={"x": [(2, 3, 4)], "future": [(2, 3), (2,)]},
    )


def forecast_ensemble_case():
    return LayerCase(
        name="ForecastEnsemble",
        cls=ForecastEnsemble,
        build=lambda dtype, seed: ForecastEnsemble(
            3, 2, future_size=2, hidden_size=2, members=2, dtype=dtype, seed=seed
        ),
        inputs=forecast_inputs,
        forward=members_forward,
        backward=members_backward,
        bad_shapes={"x": [(2, 3, 4)], "future": [(2, 3)]},
    )


def text_network_case():
    return LayerCase(
        name="TextNetwork",
        cls=TextNetwork,
        build=lambda dtype, seed: TextNetwork(
            6, 3, 2, hidden_size=2, pooling="max", embedding_dropout=0.5, dtype=dtype, seed=seed
        ),
        inputs=lambda rng, dtype: {"ids": ids(rng, 6, (2, 3), LENGTHS), "lengths": LENGTHS},
        backward=no_input_gradient,
        bad_shapes={"ids": [(2,), (2, 3, 1)], "lengths": [(3,)]},
    )


TAGGER_SIZES = {"word_dim": 3, "char_dim": 2, "char_hidden_size": 3, "hidden_size": 2}


def tagger_network_case():
    """The network's emissions and the CRF head's per-sentence loss on them, as the tagger
    trains it (the CRF is a child of the network, its loss is computed by the estimator)."""

    def inputs(rng, dtype):
        char_lengths = np.array([4, 2, 3, 4])
        return {
            "word_ids": ids(rng, 6, (2, 3), LENGTHS),
            "lengths": LENGTHS,
            "char_ids": ids(rng, 5, (4, 4), char_lengths),
            "char_lengths": char_lengths,
            "word_index": np.array([[0, 1, 2], [3, 0, 0]]),
            "tags": rng.integers(0, 3, size=(2, 3)),
        }

    def forward(module, inputs):
        batch = TaggerBatch(**inputs, indices=np.arange(2))
        emissions = module(batch)
        return emissions, module.crf_head(emissions, batch.tags, batch.lengths, reduction="none")

    def backward(module, inputs, upstream):
        demissions, dnll = upstream
        module.backward(demissions + module.crf_head.backward(dnll))
        return {}

    return LayerCase(
        name="TaggerNetwork",
        cls=TaggerNetwork,
        build=lambda dtype, seed: TaggerNetwork(6, 5, 3, dtype=dtype, seed=seed, **TAGGER_SIZES),
        inputs=inputs,
        forward=forward,
        backward=backward,
        bad_shapes={"word_ids": [(2,)], "char_ids": [(4,)], "word_index": [(2, 2), (2,)]},
        output_dtypes=(None, "float64"),  # the CRF's loss is float64, as CRF's own case
    )


def char_lm_network_case():
    """ids and an initial state in; the logits take a gradient (the network's backward drops
    the state's gradient: truncated BPTT cuts there)."""

    def inputs(rng, dtype):
        return {
            "ids": ids(rng, 5, (2, 3)),
            "h_0": floats(rng, dtype, 2, 2, 2),
            "c_0": floats(rng, dtype, 2, 2, 2),
        }

    def forward(module, inputs):
        logits, _ = module(inputs["ids"], (inputs["h_0"], inputs["c_0"]))
        return logits

    return LayerCase(
        name="CharLMNetwork",
        cls=CharLMNetwork,
        build=lambda dtype, seed: CharLMNetwork(
            5, embedding_dim=2, hidden_size=2, num_layers=2, dropout=0.5, dtype=dtype, seed=seed
        ),
        inputs=inputs,
        forward=forward,
        backward=no_input_gradient,
        bad_shapes={"ids": [(2,)], "h_0": [(1, 2, 2)]},
    )


def seq2seq_network_case(cell, attention, bidirectional):
    options = {"cell": cell, "attention": attention, "bidirectional": bidirectional}

    def inputs(rng, dtype):
        source_lengths = np.array([4, 2])
        return {
            "source_ids": ids(rng, 6, (2, 4), source_lengths),
            "source_lengths": source_lengths,
            "target_inputs": ids(rng, 5, (2, 3)),
        }

    return LayerCase(
        name=f"Seq2SeqNetwork-{cell}-{attention}",
        cls=Seq2SeqNetwork,
        build=lambda dtype, seed: Seq2SeqNetwork(
            6, 5, embedding_size=2, hidden_size=4, dtype=dtype, seed=seed, **options
        ),
        inputs=inputs,
        backward=no_input_gradient,
        bad_shapes={
            "source_ids": [(2,)],
            "source_lengths": [(3,)],
            "target_inputs": [(2,), (3, 3)],
        },
    )


def decoder_case(cell, attention):
    """The decoder alone: the initial state and the keys are inputs that take gradients."""

    def inputs(rng, dtype):
        return {
            "inputs": ids(rng, 5, (2, 3)),
            "h0": floats(rng, dtype, 2, 3),
            "c0": floats(rng, dtype, 2, 3),
            "keys": floats(rng, dtype, 2, 4, 3),
            "mask": np.arange(4) < np.array([[4], [2]]),
        }

    def forward(module, inputs):
        state = module.initial_state(inputs["h0"], inputs["c0"])
        return module(inputs["inputs"], state, module.memory(inputs["keys"], inputs["mask"]))

    def backward(module, inputs, upstream):
        dkeys, dh0, dc0 = module.backward(*upstream)
        grads = {"keys": dkeys, "h0": dh0, "c0": dc0}
        return {name: grad for name, grad in grads.items() if grad is not None}

    differentiable = (
        ("h0",) + (("c0",) if cell == "lstm" else ()) + (("keys",) if attention else ())
    )
    return LayerCase(
        name=f"Decoder-{cell}-{attention}",
        cls=Decoder,
        build=lambda dtype, seed: Decoder(
            5, 2, 3, 3, cell=cell, attention=attention, dtype=dtype, seed=seed
        ),
        inputs=inputs,
        forward=forward,
        backward=backward,
        differentiable=differentiable,
        bad_shapes={
            "inputs": [(2,), (3, 3)],
            "h0": [(2, 4), (2,)],
            **({"c0": [(3, 3)]} if cell == "lstm" else {}),
            **({"keys": [(2, 4, 5)]} if attention else {}),
        },
    )


def task_network_case(cell, per_step, **options):
    """The experiments' network: one output per sequence (at its last valid step) or per
    step; x takes a gradient."""
    name = f"TaskNetwork-{cell}" + ("-perstep" if per_step else "")
    return LayerCase(
        name=name,
        cls=TaskNetwork,
        build=lambda dtype, seed: TaskNetwork(
            3, 2, cell, 2, per_step=per_step, dtype=dtype, seed=seed, **options
        ),
        inputs=sequences,
        backward=input_gradient("x"),
        differentiable=("x",),
        bad_shapes={"x": [(2, 3, 4), (2, 3)], "lengths": [(3,)]},
    )


CASES = [
    linear_case(bias=True),
    linear_case(bias=False),
    embedding_case(),
    dropout_case(),
    layer_norm_case(affine=True),
    layer_norm_case(affine=False),
    batch_norm_case(),
    batch_norm_case(affine=False, batch_first=False),
    conv_case(),
    conv_case(batch_first=False, stride=2, padding="valid", groups=2),
    pool_case(LastStep),
    pool_case(MeanPool, batch_first=False),
    pool_case(MaxPool),
    char_encoder_case(),
    crf_case(),
    attention_case("bahdanau"),
    attention_case("luong_dot"),
    attention_case("luong_general"),
    sequential_case(),
    lstm_case("LSTM-2layer-bidirectional-dropout", num_layers=2, bidirectional=True, dropout=0.5),
    lstm_case("LSTM-proj-peepholes-timemajor", batch_first=False, proj_size=2, peepholes=True),
    lstm_case(
        "LSTM-regularised-2layer-bidirectional",
        num_layers=2,
        bidirectional=True,
        layer_norm=True,
        dropout_input=0.3,
        dropout_output=0.3,
        dropout_state=0.3,
        weight_drop=0.3,
        zoneout_cell=0.3,
        zoneout_hidden=0.3,
    ),
    lstm_case("LSTM-weight_drop-proj", proj_size=2, weight_drop=0.3, dropout_output=0.3),
    single_state_case(
        GRU, "GRU-2layer-bidirectional-dropout", num_layers=2, bidirectional=True, dropout=0.5
    ),
    single_state_case(
        GRU,
        "GRU-regularised",
        layer_norm=True,
        dropout_input=0.3,
        dropout_output=0.3,
        dropout_state=0.3,
        weight_drop=0.3,
        zoneout_hidden=0.3,
    ),
    single_state_case(RNN, "RNN-relu", nonlinearity="relu"),
    cell_case(LSTMCell, "LSTMCell"),
    cell_case(GRUCell, "GRUCell-nobias", bias=False),
    cell_case(RNNCell, "RNNCell-relu", nonlinearity="relu"),
    sequence_network_case("lstm", "mean"),
    sequence_network_case("rnn", "max"),
    sequence_ensemble_case(),
    fcn_network_case("lstm-fcn"),
    fcn_network_case("alstm-fcn"),
    forecast_network_case(),
    forecast_ensemble_case(),
    text_network_case(),
    tagger_network_case(),
    char_lm_network_case(),
    # every attention kind is in a composite; bahdanau with the decoder's random keys, because
    # in a freshly initialised tiny seq2seq its parameters' gradients are about 1e-5 of the
    # others' and sit at the round-off floor of central differences (analytic ones correct)
    seq2seq_network_case("lstm", "luong_dot", bidirectional=True),
    seq2seq_network_case("gru", "luong_general", bidirectional=False),
    decoder_case("lstm", "bahdanau"),
    decoder_case("gru", None),
    task_network_case("lstm", per_step=False, input_bias=-1.0),
    task_network_case("rnn", per_step=True),
]
