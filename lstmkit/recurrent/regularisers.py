"""The masks of the recurrent layers' regularisers (training mode), drawn and applied.

    inverted dropout:  m = keep / (1 - p),  keep = 1 with probability 1 - p,  so E[m] = 1
    variational:       one (N, F) mask per sequence and feature, the same at every step; drawn
                       in the user's batch order, then sorted like the batch (`layout.py`)
    weight drop:       weight_hh~ = weight_hh * M, one mask per direction and forward pass;
                       backward gives d weight_hh~, and d weight_hh = d weight_hh~ * M

`RecurrentLayer` draws them from its own generator, in a fixed order, and `last_masks` shows
them to users in the user's layout (`masks_to_user`).
"""

import numpy as np

from lstmkit.recurrent.directions import Direction
from lstmkit.recurrent.layout import BatchLayout


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
