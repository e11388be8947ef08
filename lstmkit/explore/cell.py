"""The cell the explorer page shows: its weights and the sequences it can step through.

The weights are one LSTM step's, in lstmkit's layout (`lstmkit.cells.lstm`): `weight_ih`
(4H, I), `weight_hh` (4H, H), `bias_ih` and `bias_hh` (4H,), the 4H rows stacked in the gate
order i, f, g, o, as PyTorch stacks them. The page computes, per step,

    z  = weight_ih @ x + bias_ih + weight_hh @ h + bias_hh         [z_i z_f z_g z_o]
    i  = sigmoid(z_i)   f = sigmoid(z_f)   g = tanh(z_g)   o = sigmoid(z_o)
    c' = f * c + i * g
    h' = o * tanh(c')

which is `lstm_step` without its variants: a layer with peepholes, a projection, clipping or
coupled gates is refused rather than shown with a step it does not take.
"""

from dataclasses import dataclass, field

import numpy as np

from lstmkit.cells.lstm import DEFAULT_OPTIONS
from lstmkit.viz.gates import direction_params

WEIGHT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
EXAMPLE_STEPS = 12  # length of the built-in example sequences


@dataclass(frozen=True)
class ExplorerCell:
    """An LSTM cell for the explorer page.

    weights: {name: float64 array} of WEIGHT_NAMES; sequences: (name, (T, I) array) pairs the
    page steps through, h and c starting at 0; title: what the page says the cell is.
    """

    weights: dict
    title: str
    sequences: list = field(default_factory=list)

    @property
    def input_size(self) -> int:
        return self.weights["weight_ih"].shape[1]

    @property
    def hidden_size(self) -> int:
        return self.weights["weight_hh"].shape[1]

    def to_json(self) -> dict:
        """The page's data: weights and sequences as nested lists of floats (exact in JSON)."""
        return {
            "title": self.title,
            "weights": {name: self.weights[name].tolist() for name in WEIGHT_NAMES},
            "sequences": [{"name": name, "x": x.tolist()} for name, x in self.sequences],
        }


def seeded_cell(input_size: int, hidden_size: int, seed: int) -> ExplorerCell:
    """A small cell with the seeded weights `lstmkit trace` uses (forget bias 1) and the
    built-in example sequences."""
    from lstmkit.recurrent.lstm import LSTM

    layer = LSTM(input_size, hidden_size, forget_bias=1.0, dtype="float64", seed=seed)
    title = f"an LSTM cell with seeded weights (seed {seed})"
    return layer_cell(layer, title, example_sequences(input_size))


def layer_cell(layer, title: str, sequences) -> ExplorerCell:
    """The first layer's forward-direction cell of an lstmkit LSTM `layer`."""
    refused = _variants(layer)
    if refused:
        raise ValueError(
            f"explore shows the plain LSTM step; this LSTM has {' and '.join(refused)}"
        )
    params = direction_params(layer, 0, False)
    weights = {name: np.asarray(params[name], dtype=np.float64) for name in WEIGHT_NAMES[:2]}
    for name in WEIGHT_NAMES[2:]:  # a layer built with bias=False adds nothing
        weights[name] = np.asarray(params.get(name, np.zeros(4 * layer.hidden_size)), np.float64)
    for name, x in sequences:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != layer.input_size:
            raise ValueError(
                f"sequence {name!r} must have shape (T, {layer.input_size}); got {x.shape}"
            )
    sequences = [(name, np.asarray(x, np.float64)) for name, x in sequences]
    return ExplorerCell(weights, title, sequences)


def _variants(layer) -> list[str]:
    """The variants of the step a layer uses that the page's plain step does not take."""
    found = []
    if layer.peepholes:
        found.append("peepholes")
    if layer.proj_size:
        found.append(f"a projection (proj_size={layer.proj_size})")
    if layer.options != DEFAULT_OPTIONS:
        found.append("clipping or coupled input and forget gates")
    return found


def example_sequences(input_size: int, steps: int = EXAMPLE_STEPS) -> list:
    """Two sequences that show the cell's memory: a pulse (every feature 1 at step 1, then 0:
    what the cell wrote, f decides how long it keeps), and a slow sine per feature."""
    pulse = np.zeros((steps, input_size))
    pulse[1] = 1.0
    t = np.arange(steps)[:, None]
    sine = np.sin(2 * np.pi * t / steps + np.pi * np.arange(input_size) / input_size)
    return [("pulse at step 1", pulse), ("sine", sine)]
