"""The one mapping between lstmkit's (PyTorch's) parameter layout and the ONNX operators'.

Per direction, ONNX stacks the gate blocks of W, R and B in its own order; lstmkit follows
PyTorch's:

    LSTM   ONNX i, o, f, c       lstmkit i, f, g, o     (ONNX's "c" is the candidate g)
    GRU    ONNX z, r, h          lstmkit r, z, n
    RNN    one block             one block
    B      ONNX [Wb, Rb]         lstmkit bias_ih = Wb, bias_hh = Rb (each reordered)
    P      ONNX [p_i, p_o, p_f]  lstmkit weight_ch rows i, f, o

`onnx_to_lstmkit` builds a direction's parameter dict (suffix-free names, as the cells take
them) from ONNX inputs; `lstmkit_to_onnx` goes back. ONNX export uses the same functions.
"""

import numpy as np

# lstmkit block k = ONNX block ORDER[k]
GATE_ORDER = {"lstm": (0, 2, 3, 1), "gru": (1, 0, 2), "rnn": (0,)}
# lstmkit weight_ch row k = ONNX P block PEEPHOLE_ORDER[k]
PEEPHOLE_ORDER = (0, 2, 1)


def reorder_blocks(array: np.ndarray, order, axis: int = 0) -> np.ndarray:
    """Split `array` into len(order) equal blocks along `axis`; return blocks[order[k]], k=0..."""
    blocks = np.split(np.asarray(array), len(order), axis=axis)
    return np.concatenate([blocks[k] for k in order], axis=axis)


def inverse(order) -> tuple:
    """The permutation that undoes `order`."""
    return tuple(int(k) for k in np.argsort(order))


def onnx_to_lstmkit(cell: str, W, R, B=None, P=None) -> dict:
    """One direction's ONNX W (G*H, I), R (G*H, H), B (2*G*H,), P (3H,) -> lstmkit params."""
    order = GATE_ORDER[cell]
    params = {"weight_ih": reorder_blocks(W, order), "weight_hh": reorder_blocks(R, order)}
    if B is not None:
        w_bias, r_bias = np.split(np.asarray(B), 2)
        params["bias_ih"] = reorder_blocks(w_bias, order)
        params["bias_hh"] = reorder_blocks(r_bias, order)
    if P is not None:
        params["weight_ch"] = reorder_blocks(P, PEEPHOLE_ORDER).reshape(3, -1)
    return params


def lstmkit_to_onnx(cell: str, params: dict) -> dict:
    """lstmkit params of one direction -> ONNX {"W", "R", "B"?, "P"?} for that direction.

    Without biases B is omitted (ONNX then uses zeros); without peepholes P is omitted.
    A projection (`weight_hr`) has no ONNX counterpart and is refused.
    """
    if "weight_hr" in params:
        raise ValueError("an LSTM with proj_size > 0 has no ONNX LSTM equivalent (no projection)")
    back = inverse(GATE_ORDER[cell])
    onnx = {
        "W": reorder_blocks(params["weight_ih"], back),
        "R": reorder_blocks(params["weight_hh"], back),
    }
    if "bias_ih" in params:
        onnx["B"] = np.concatenate(
            [reorder_blocks(params["bias_ih"], back), reorder_blocks(params["bias_hh"], back)]
        )
    if "weight_ch" in params:
        onnx["P"] = reorder_blocks(
            np.asarray(params["weight_ch"]).reshape(-1), inverse(PEEPHOLE_ORDER)
        )
    return onnx
