"""Seeded generators of the long-time-lag tasks of Hochreiter and Schmidhuber (1997), and two
later ones. Each returns a `SyntheticSequences` (x, lengths, y, legal).

adding_problem         the 1997 adding problem (length in [T, T + T/10], target 0.5 + (X1+X2)/4)
fixed_adding_problem   the fixed-length variant (target X1 + X2)
temporal_order         the temporal order problem, 4 or 8 classes
embedded_reber         the embedded Reber grammar, next-symbol targets and the legal next symbols
copy_task              recall K symbols after a lag

Every generator takes `seed`: None, an int, a np.random.Generator (drawn from, so advanced) or
a SeedSequence (see lstmkit.random); the same int gives the same data, bit for bit.
"""

from lstmkit.data.synthetic.adding import (
    ADDING_TOLERANCE,
    adding_problem,
    fixed_adding_problem,
)
from lstmkit.data.synthetic.base import SyntheticSequences
from lstmkit.data.synthetic.reber import (
    REBER_SYMBOLS,
    REBER_TRANSITIONS,
    embedded_reber,
    embedded_reber_string,
    reber_correct,
    reber_string,
)
from lstmkit.data.synthetic.recall import copy_task
from lstmkit.data.synthetic.temporal_order import (
    TEMPORAL_ORDER_TOLERANCE,
    TEMPORAL_SYMBOLS,
    temporal_order,
)

__all__ = [
    "ADDING_TOLERANCE",
    "REBER_SYMBOLS",
    "REBER_TRANSITIONS",
    "TEMPORAL_ORDER_TOLERANCE",
    "TEMPORAL_SYMBOLS",
    "SyntheticSequences",
    "adding_problem",
    "copy_task",
    "embedded_reber",
    "embedded_reber_string",
    "fixed_adding_problem",
    "reber_correct",
    "reber_string",
    "temporal_order",
]
