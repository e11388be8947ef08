"""Bad input to ``lstmkit.onnx_ops.lstm`` / ``gru`` / ``rnn``: a ValueError or TypeError whose
message names the offending input or attribute.

Each test starts from a valid call (checked to run in ``test_valid_inputs_run``) and breaks one
thing: the rank or a dimension of X, W, R, B, P, initial_h, initial_c or sequence_lens;
hidden_size against W; the activations (unknown name, wrong count); sequence_lens values
outside 1..T; direction; layout. Shapes are chosen with T, batch, input and hidden sizes all
different (5, 3, 4, 6), so that a dimension mix-up cannot pass by accident.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from lstmkit import onnx_ops

OPS = ("LSTM", "GRU", "RNN")
FUNCTIONS = {"LSTM": onnx_ops.lstm, "GRU": onnx_ops.gru, "RNN": onnx_ops.rnn}
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
SLOTS = {"LSTM": 3, "GRU": 2, "RNN": 1}
DEFAULT_ACTIVATIONS = {
    "LSTM": ["Sigmoid", "Tanh", "Tanh"],
    "GRU": ["Sigmoid", "Tanh"],
    "RNN": ["Tanh"],
}
DIRECTIONS = ("forward", "reverse", "bidirectional")
T, N, I, H = 5, 3, 4, 6  # noqa: E741


def valid(op: str, direction: str = "forward", layout: int = 0) -> tuple[dict, dict]:
    """(inputs, attributes) of a valid call with every optional input given."""
    rng = np.random.default_rng(7)
    nd, G = (2 if direction == "bidirectional" else 1), GATES[op]

    def normal(*shape):
        return 0.5 * rng.standard_normal(shape)

    batch_major = layout == 1
    inputs = {
        "X": normal(N, T, I) if batch_major else normal(T, N, I),
        "W": normal(nd, G * H, I),
        "R": normal(nd, G * H, H),
        "B": normal(nd, 2 * G * H),
        "sequence_lens": np.array([T, 1, 3], dtype=np.int32),
        "initial_h": normal(N, nd, H) if batch_major else normal(nd, N, H),
    }
    if op == "LSTM":
        inputs["initial_c"] = normal(N, nd, H) if batch_major else normal(nd, N, H)
        inputs["P"] = normal(nd, 3 * H)
    attributes = {
        "hidden_size": H,
        "direction": direction,
        "activations": DEFAULT_ACTIVATIONS[op] * nd,
        "layout": layout,
    }
    return inputs, attributes


def expect_error(op: str, inputs: dict, attributes: dict, names: str) -> None:
    """The call raises ValueError or TypeError naming one of ``names`` ('|'-separated)."""
    with pytest.raises((ValueError, TypeError)) as info:
        FUNCTIONS[op](**inputs, **attributes)
    message = str(info.value)
    pattern = "|".join(
        rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])" for n in names.split("|")
    )
    assert re.search(pattern, message), (
        f"{op}: the {type(info.value).__name__} message does not name {names}: {message!r}"
    )


def broken(op: str, direction: str = "forward", layout: int = 0, **changes):
    """``valid`` with some inputs/attributes replaced (a callable gets the old value)."""
    inputs, attributes = valid(op, direction, layout)
    for key, value in changes.items():
        target = inputs if key in inputs else attributes
        target[key] = value(target.get(key)) if callable(value) else value
    return inputs, attributes


@pytest.mark.parametrize("layout", [0, 1])
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("op", OPS)
def test_valid_inputs_run(op, direction, layout):
    """The starting point of every other test here is accepted."""
    inputs, attributes = valid(op, direction, layout)
    outputs = FUNCTIONS[op](**inputs, **attributes)
    nd = 2 if direction == "bidirectional" else 1
    y_shape = (N, T, nd, H) if layout else (T, nd, N, H)
    assert outputs[0].shape == y_shape
    assert outputs[1].shape == ((N, nd, H) if layout else (nd, N, H))


# --- X ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(T, N), (T, N, I, 1), (T * N * I,)], ids=["2d", "4d", "1d"])
@pytest.mark.parametrize("op", OPS)
def test_x_rank(op, shape):
    expect_error(op, *broken(op, X=np.zeros(shape)), "X")


# --- W ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS)
def test_w_leading_dim_forward(op):
    """direction forward takes one direction's weights, not two."""
    inputs, attributes = broken(op, W=lambda w: np.concatenate([w, w]))
    expect_error(op, inputs, attributes, "W")


@pytest.mark.parametrize("op", OPS)
def test_w_leading_dim_bidirectional(op):
    """bidirectional takes two directions' weights, not one."""
    inputs, attributes = broken(op, "bidirectional", W=lambda w: w[:1])
    expect_error(op, inputs, attributes, "W")


@pytest.mark.parametrize("op", OPS)
def test_w_rank(op):
    expect_error(op, *broken(op, W=lambda w: w[0]), "W")


@pytest.mark.parametrize("op", OPS)
def test_w_input_size_differs_from_x(op):
    inputs, attributes = broken(op, W=lambda w: np.concatenate([w, w[:, :, :1]], axis=2))
    expect_error(op, inputs, attributes, "W|X")


@pytest.mark.parametrize("op", ["LSTM", "GRU"])
def test_w_rows_not_a_multiple_of_the_gates(op):
    """Without hidden_size, W's rows must be gates * hidden."""
    inputs, attributes = broken(op, W=lambda w: w[:, :-1], hidden_size=None)
    expect_error(op, inputs, attributes, "W")


@pytest.mark.parametrize("op", OPS)
def test_hidden_size_disagrees_with_w(op):
    expect_error(op, *broken(op, hidden_size=H + 1), "hidden_size|W")


@pytest.mark.parametrize("op", OPS)
def test_hidden_size_disagrees_with_w_bidirectional(op):
    expect_error(op, *broken(op, "bidirectional", hidden_size=H - 1), "hidden_size|W")


# --- R ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r[:, :, :-1],  # [nd, G*H, H-1]
        lambda r: r[:, :-1, :],  # [nd, G*H-1, H]
        lambda r: np.concatenate([r, r]),  # [2, G*H, H] for forward
        lambda r: r[0],  # rank 2
    ],
    ids=["last-dim", "rows", "leading-dim", "rank"],
)
@pytest.mark.parametrize("op", OPS)
def test_r_shape(op, change):
    expect_error(op, *broken(op, R=change), "R")


@pytest.mark.parametrize("op", OPS)
def test_r_leading_dim_bidirectional(op):
    expect_error(op, *broken(op, "bidirectional", R=lambda r: r[:1]), "R")


# --- B ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b[:, :-1],  # 2*G*H - 1
        lambda b: b[:, : b.shape[1] // 2],  # only Wb, no Rb
        lambda b: b[0],  # rank 1
        lambda b: np.concatenate([b, b]),  # two directions for forward
    ],
    ids=["length", "half", "rank", "leading-dim"],
)
@pytest.mark.parametrize("op", OPS)
def test_b_shape(op, change):
    expect_error(op, *broken(op, B=change), "B")


# --- P (LSTM) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p[:, :-1],  # 3H - 1
        lambda p: np.concatenate([p, p[:, :H]], axis=1),  # 4H
        lambda p: p[0],  # rank 1
        lambda p: np.concatenate([p, p]),  # two directions for forward
    ],
    ids=["length", "4H", "rank", "leading-dim"],
)
def test_p_shape(change):
    expect_error("LSTM", *broken("LSTM", P=change), "P")


def test_p_leading_dim_bidirectional():
    expect_error("LSTM", *broken("LSTM", "bidirectional", P=lambda p: p[:1]), "P")


# --- initial_h / initial_c -------------------------------------------------------------------


INITIAL_STATE_CHANGES = {
    "batch": lambda s: s[:, :-1],
    "hidden": lambda s: s[:, :, :-1],
    "directions": lambda s: np.concatenate([s, s]),
    "rank": lambda s: s[0],
}


@pytest.mark.parametrize("change", INITIAL_STATE_CHANGES.values(), ids=INITIAL_STATE_CHANGES)
@pytest.mark.parametrize("op", OPS)
def test_initial_h_shape(op, change):
    expect_error(op, *broken(op, initial_h=change), "initial_h")


@pytest.mark.parametrize("op", OPS)
def test_initial_h_in_layout0_shape_with_layout1(op):
    """layout 1 wants initial_h as [batch, num_directions, hidden]."""
    inputs, attributes = broken(op, layout=1, initial_h=lambda s: s.transpose(1, 0, 2))
    expect_error(op, inputs, attributes, "initial_h")


@pytest.mark.parametrize("change", INITIAL_STATE_CHANGES.values(), ids=INITIAL_STATE_CHANGES)
def test_initial_c_shape(change):
    expect_error("LSTM", *broken("LSTM", initial_c=change), "initial_c")


# --- activations -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Swish", "Gelu", ""])
@pytest.mark.parametrize("op", OPS)
def test_unknown_activation_name(op, name):
    def change(acts):
        return [name] + acts[1:]

    expect_error(op, *broken(op, activations=change), "activations")


@pytest.mark.parametrize("op", OPS)
def test_unknown_activation_name_in_second_direction(op):
    def change(acts):
        return acts[:-1] + ["Mish"]

    expect_error(op, *broken(op, "bidirectional", activations=change), "activations")


WRONG_COUNTS = [
    # (op, direction, count): the right counts are 3/6 (LSTM), 2/4 (GRU), 1/2 (RNN). RNN
    # forward with 2 is left out: the ONNX schema's default is ["Tanh", "Tanh"] even there.
    ("LSTM", "forward", 2),
    ("LSTM", "forward", 4),
    ("LSTM", "bidirectional", 3),
    ("LSTM", "bidirectional", 5),
    ("GRU", "forward", 1),
    ("GRU", "forward", 3),
    ("GRU", "bidirectional", 2),
    ("RNN", "forward", 3),
    ("RNN", "bidirectional", 1),
    ("RNN", "bidirectional", 3),
]


@pytest.mark.parametrize(("op", "direction", "count"), WRONG_COUNTS)
def test_wrong_number_of_activations(op, direction, count):
    activations = (["Tanh"] * 6)[:count]
    expect_error(op, *broken(op, direction, activations=activations), "activations")


# --- sequence_lens ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lengths",
    [[T, 0, 3], [T + 1, 1, 3], [T, -1, 3], [0, 0, 0]],
    ids=["zero", "above-T", "negative", "all-zero"],
)
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("op", OPS)
def test_sequence_lens_out_of_range(op, direction, lengths):
    inputs, attributes = broken(op, direction, sequence_lens=np.array(lengths, dtype=np.int32))
    expect_error(op, inputs, attributes, "sequence_lens")


@pytest.mark.parametrize(
    "lengths",
    [np.array([T, 1], np.int32), np.array([T, 1, 3, 2], np.int32), np.full((N, 1), T, np.int32)],
    ids=["short", "long", "rank2"],
)
@pytest.mark.parametrize("op", OPS)
def test_sequence_lens_wrong_shape(op, lengths):
    expect_error(op, *broken(op, sequence_lens=lengths), "sequence_lens")


# --- direction, layout -----------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["sideways", "", "both", "backward"])
@pytest.mark.parametrize("op", OPS)
def test_bad_direction(op, direction):
    inputs, attributes = valid(op)
    attributes["direction"] = direction
    attributes.pop("activations")
    expect_error(op, inputs, attributes, "direction")


@pytest.mark.parametrize("layout", [2, -1])
@pytest.mark.parametrize("op", OPS)
def test_bad_layout(op, layout):
    expect_error(op, *broken(op, layout=layout), "layout")
