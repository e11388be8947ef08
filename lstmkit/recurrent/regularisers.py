"""The masks of the recurrent layers' regularisers (training mode), drawn and applied.

    inverted dropout:  m = keep / (1 - p),  keep = 1 with probability 1 - p,  so E[m] = 1
    variational:       one (N, F) mask per sequence and feature, the same at every step; drawn
                       in the user's batch order, then sorted like the batch (`layout.py`)
    weight drop:       weight_hh~ = weight_hh * M, one mask per direction and forward pass;
                       backward gives d weight_hh~, and d weight_hh = d weight_hh~ * M

`RecurrentLayer` draws them from its own generator, in a fixed order, and `last_masks` shows
them to users in the user's layout (`masks_to_user`). `LayerRegularisers` is the part of
`RecurrentLayer` that does so: which options are on, the masks each forward pass draws, and
the directions that run with them.
"""

import numpy as np

from lstmkit.cells.spec import StepNoise
from lstmkit.recurrent.directions import Direction
from lstmkit.recurrent.layout import BatchLayout

# The probability options of `lstmkit.LSTM` and `lstmkit.GRU`, in the order `repr` lists them.
REGULARISERS = (
    "dropout_input",
    "dropout_output",
    "dropout_state",
    "weight_drop",
    "zoneout_cell",
    "zoneout_hidden",
)


def refuse_clashes(options: list, clashes: dict) -> None:
    """Refuse in-recurrence `options` together with the variants of `clashes` (name: set?)."""
    present = [name for name, value in clashes.items() if value]
    if options and present:
        raise ValueError(
            f"{', '.join(options)} cannot be combined with {', '.join(present)} (the "
            "regularised cells have no peepholes, clip, coupled gates or ONNX-variant GRU)"
        )


class LayerRegularisers:
    """The regularisers of `RecurrentLayer` (a base class of it, not used alone): the options
    and the masks of one forward pass in training mode.

    Uses the layer's `_rng`, `dtype`, `training`, `cell`, `_directions`, `_record`,
    `_state_sizes()` and `_dropout_mask()`; `weight_drop`, `dropout_input` and `dropout_output`
    are set by `RecurrentLayer.__init__`.
    """

    # Options of the regularised cells (`lstmkit.cells.regularised`), set by the layers that
    # offer them (LSTM, GRU) before calling __init__, with the cell they replace.
    layer_norm = False
    dropout_state = 0.0
    zoneout_cell = 0.0
    zoneout_hidden = 0.0
    _plain_cell = None

    def _input_mask(self, layer: int, shape: tuple, layout: BatchLayout, masks: dict):
        """The mask of `layer`'s input (T, N, I_k): `dropout` between layers (one value per
        element) times `dropout_input` (one per sequence and feature); None when both are off."""
        mask = self._dropout_mask(layer, shape)
        if self.training and self.dropout_input > 0:
            variational = self._sequence_mask(self.dropout_input, shape[1:], layout)
            masks[f"input_l{layer}"] = variational
            mask = variational[None] if mask is None else mask * variational
        return mask

    def _sequence_mask(self, p: float, shape: tuple, layout: BatchLayout) -> np.ndarray:
        """An (N, F) variational mask from the layer's generator (`regularisers.py`)."""
        return sequence_mask(self._rng, p, shape, layout, self.dtype)

    def _in_recurrence_options(self) -> list:
        """The options set that act inside the recurrence (those of the regularised cells)."""
        values = {
            "layer_norm": self.layer_norm,
            "dropout_state": self.dropout_state,
            "zoneout_cell": self.zoneout_cell,
            "zoneout_hidden": self.zoneout_hidden,
        }
        return [name for name, value in values.items() if value]

    def _inference_cell(self):
        """The cell of evaluation mode (and of `step`): the plain cell (fused kernels included)
        where evaluation makes the regularised one equal to it (no layer_norm, no zoneout:
        dropout_state is off), else `self.cell`."""
        if self._plain_cell is None or self.evaluation_variants():
            return self.cell
        return self._plain_cell

    def _draw_noise(self, layout: BatchLayout) -> StepNoise | None:
        """One direction's masks for the in-recurrence options (training mode), or None:
        dropout_state's (N, P), zoneout's (T, N, P) for h and (T, N, H) for c, in scan order."""
        if not self._draws_noise():
            return None
        batch, steps = len(layout.lengths), len(layout.batch_sizes)
        sizes = self._state_sizes()
        state = zone_h = zone_c = None
        if self.dropout_state:
            state = self._sequence_mask(self.dropout_state, (batch, sizes[0]), layout)
        if self.zoneout_hidden:
            zone_h = self._zoneout_mask(self.zoneout_hidden, (steps, batch, sizes[0]))
        if self.zoneout_cell:
            zone_c = self._zoneout_mask(self.zoneout_cell, (steps, batch, sizes[1]))
        return StepNoise(state=state, zone_c=zone_c, zone_h=zone_h)

    def _zoneout_mask(self, p: float, shape: tuple):
        """1 (keep the previous value) with probability p, else 0."""
        return (self._rng.random(shape) < p).astype(self.dtype)

    def _call_directions(self, layer: int, layout: BatchLayout, masks: dict):
        """The directions that run `layer` in this forward pass, and the weight-drop folds.

        These are the layer's own directions unless this call draws masks (training mode with
        weight_drop or in-recurrence options) or evaluation runs a plainer cell."""
        cell = self.cell if self.training else self._inference_cell()
        dropping = self.training and self.weight_drop > 0
        if cell is self.cell and not dropping and not (self.training and self._draws_noise()):
            return self._directions[layer], []
        directions, folds = [], []
        for built in self._directions[layer]:
            suffix = f"_l{layer}" + ("_reverse" if built.reverse else "")
            weight_mask = None
            if dropping:
                shape = built.params["weight_hh"].shape
                weight_mask = inverted_mask(self._rng, shape, self.weight_drop, self.dtype)
            noise = self._draw_noise(layout) if self.training else None
            direction, fold = regularised_direction(built, cell, suffix, masks, weight_mask, noise)
            directions.append(direction)
            folds += [fold] if fold is not None else []
        return directions, folds

    def evaluation_variants(self) -> list:
        """The options set that still act in evaluation mode inside the recurrence
        (layer_norm, zoneout): what `to_torch` refuses (torch has no such layer) and ONNX
        export writes as a Scan of standard operators instead of an LSTM / GRU node."""
        return [name for name in self._in_recurrence_options() if name != "dropout_state"]

    def _draws_noise(self) -> bool:
        """Whether training-mode forward passes draw `StepNoise` for the cell."""
        return bool(self.dropout_state or self.zoneout_cell or self.zoneout_hidden)

    def last_masks(self) -> dict:
        """The random masks of the last forward pass, by name, in the user's batch order.

        Empty after an evaluation-mode pass or with every regulariser off. Names and shapes:
        `input_l{k}` (N, I_k) dropout_input; `output` (N, D*P) dropout_output;
        `weight_hh_l{k}[_reverse]` (G*H, P) weight_drop; with the regularised LSTM also
        `state_l{k}[_reverse]` (N, P) dropout_state, `zone_c_l{k}[_reverse]` (N, T, H) and
        `zone_h_l{k}[_reverse]` (N, T, P) zoneout (1 where the unit kept its previous value;
        [n, t] is the mask of the state at the user's step t). Dropout masks hold the
        inverted scaling, 0 or 1 / (1 - p). `dropout` between layers is not included.
        """
        record = self._record
        if record is None or not record.masks:
            return {}
        return masks_to_user(record.masks, record.layout)


def inverted_mask(rng, shape: tuple, p: float, dtype) -> np.ndarray:
    """keep / (1 - p), keep = 1 with probability 1 - p: E[mask] = 1 (inverted dropout)."""
    keep = 1.0 - p
    return (rng.random(shape) < keep).astype(dtype) / dtype.type(keep)


def sequence_mask(rng, p: float, shape: tuple, layout: BatchLayout, dtype) -> np.ndarray:
    """An (N, F) inverted-dropout mask drawn in the user's batch order, returned sorted."""
    mask = inverted_mask(rng, shape, p, dtype)
    return mask if layout.order is None else mask[layout.order]


def regularised_direction(built: Direction, cell, suffix: str, masks: dict, weight_mask, noise):
    """`built` with cell `cell`, weight_hh * weight_mask (None: as is) and the cell's `noise`
    (None: none); the masks are recorded in `masks` under their names + `suffix`.

    Returns (direction, fold): fold = (gradient of weight_hh, gradient of the dropped
    weight_hh, weight_mask) for `fold_weight_drop`, or None without weight drop.
    """
    params, grads, fold = dict(built.params), built.grads, None
    if weight_mask is not None:
        masks["weight_hh" + suffix] = weight_mask
        params["weight_hh"] = params["weight_hh"] * weight_mask
        grads = {**grads, "weight_hh": np.zeros_like(weight_mask)}
        fold = (built.grads["weight_hh"], grads["weight_hh"], weight_mask)
    if noise is not None:
        params["noise"] = noise
        for name in ("state", "zone_c", "zone_h"):
            if getattr(noise, name) is not None:
                masks[name + suffix] = getattr(noise, name)
    return Direction(cell, params, built.reverse, grads), fold


def fold_weight_drop(folds) -> None:
    """d weight_hh += d weight_hh~ * M for every dropped direction."""
    for grad, dropped_grad, weight_mask in folds:
        grad += dropped_grad * weight_mask


def masks_to_user(masks: dict, layout: BatchLayout) -> dict:
    """The recorded masks in the user's batch order; zoneout's (T, N, F) in scan order become
    (N, T, F) in the user's time order (a reverse direction's flipped back)."""
    inverse = layout.inverse_order
    result = {}
    for name, mask in masks.items():
        if name.startswith("zone_"):
            flip = layout.reverse if name.endswith("_reverse") else np.array
            result[name] = layout.to_user(flip(mask), batch_first=True)
        elif name.startswith("weight_hh") or inverse is None:
            result[name] = mask.copy()
        else:
            result[name] = mask[inverse]
    return result
