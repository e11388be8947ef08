"""Parity of ``lstmkit.GRU`` / ``lstmkit.RNN`` with ``torch.nn.GRU`` / ``torch.nn.RNN``.

The same scheme as ``test_lstm_torch_parity.py``, for the single-state cells. Three cells are
compared: ``gru`` (``linear_before_reset=True``, the only variant torch has), ``rnn_tanh`` and
``rnn_relu``. Each case builds an lstmkit model, copies its ``state_dict()`` into an identically
configured torch module (``test_load_torch_init``: the other way round), runs both on the same
seeded input and compares:

* the outputs ``y`` and ``h_n``;
* for the loss ``sum(y * Ry) + sum(h_n * Rh)`` with random ``Ry``, ``Rh`` (torch: autograd;
  lstmkit: ``m.backward(Ry, Rh)``): the gradients of the input, of the initial state and of
  every parameter.

Variable-length batches go through torch's ``pack_padded_sequence(..., enforce_sorted=False)``;
``Ry`` is nonzero past each sequence's length, where it must have no effect.

Error measure, per array: ``lstmkit.testing.relative_error``; below 1e-10 in float64 and 1e-5
in float32. The largest error per cell and dtype, and where, is printed when the module
finishes (run pytest with ``-s``).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from lstmkit import GRU, RNN
from lstmkit.testing import relative_error

TOLERANCE = {"float64": 1e-10, "float32": 1e-5}
CELLS = ("gru", "rnn_tanh", "rnn_relu")

# (cell, dtype) -> (largest relative error seen, "case: array").
_LARGEST: dict[tuple[str, str], tuple[float, str]] = {
    (cell, dtype): (0.0, "-") for cell in CELLS for dtype in TOLERANCE
}


@pytest.fixture(scope="module", autouse=True)
def _report_largest_errors():
    yield
    print("\n[gru/rnn torch parity] largest relative error per cell and dtype:")
    for (cell, dtype), (err, where) in _LARGEST.items():
        print(f"  {cell:8s} {dtype}: {err:.3e}  (tolerance {TOLERANCE[dtype]:.0e}; at {where})")


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    cell: str
    name: str
    seed: int
    num_layers: int = 1
    bidirectional: bool = False
    batch_first: bool = True
    bias: bool = True
    lengths: str | None = None  # None, "mixed" (has 1 and T), "short" (all < T), "full" (all T)
    init_state: bool = False
    dtype: str = "float64"
    N: int = 3
    T: int = 5
    I: int = 4  # noqa: E741
    H: int = 5
    dropout: float = 0.0
    dstate: bool = True  # False: the loss ignores h_n and backward gets dstate=None

    def __post_init__(self):
        assert self.cell in CELLS and self.dtype in TOLERANCE
        assert 1 <= self.num_layers <= 3 and self.N >= 1 and self.T >= 1
        if self.lengths == "mixed":
            assert self.N >= 2 and self.T >= 2, "mixed lengths need N >= 2 and T >= 2"
        if self.lengths == "short":
            assert self.T >= 2, "short lengths need T >= 2"

    @property
    def id(self) -> str:
        parts = [
            self.cell,
            self.name,
            f"L{self.num_layers}",
            "bi" if self.bidirectional else "uni",
            "bf" if self.batch_first else "tf",
            "bias" if self.bias else "nobias",
            f"len-{self.lengths}" if self.lengths else "nolen",
            "h0" if self.init_state else "nostate",
            "f64" if self.dtype == "float64" else "f32",
            f"N{self.N}T{self.T}I{self.I}H{self.H}",
        ]
        parts += [f"drop{self.dropout}"] * bool(self.dropout) + ["nodstate"] * (not self.dstate)
        return "-".join(parts)

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1


def _hand_cases(cell: str, seed: int) -> list[Case]:
    c = seed
    return [
        Case(cell, "basic", c + 1),
        Case(cell, "single-step", c + 2, N=1, T=1, I=3, H=4),
        Case(cell, "single-seq", c + 3, N=1, T=7, I=2, H=3, init_state=True),
        Case(cell, "deep-bi-len", c + 4, num_layers=2, bidirectional=True, batch_first=False,
             lengths="mixed", init_state=True, N=4, T=6, I=3, H=4),
        Case(cell, "all-on-f32", c + 5, num_layers=3, bidirectional=True, lengths="mixed",
             init_state=True, dtype="float32", N=4, T=7, I=5, H=6),
        Case(cell, "nobias-short-len", c + 6, num_layers=3, bias=False, lengths="short",
             N=4, T=6, I=2, H=3),
        Case(cell, "tiny-units", c + 7, num_layers=2, bidirectional=True, N=2, T=3, I=1, H=1),
        Case(cell, "full-len", c + 8, num_layers=2, bidirectional=True, lengths="full",
             init_state=True, N=4, T=5, I=3, H=4),
        Case(cell, "no-dstate-f32", c + 9, num_layers=2, bidirectional=True, batch_first=False,
             lengths="mixed", init_state=True, dtype="float32", N=3, T=6, I=3, H=4,
             dstate=False),
    ]  # fmt: skip


# Factors of the random sample, chosen greedily so that every pair of factor values occurs.
FACTORS = {
    "num_layers": (1, 2, 3),
    "bidirectional": (False, True),
    "batch_first": (True, False),
    "bias": (True, False),
    "lengths": (None, "mixed"),
    "init_state": (False, True),
    "dtype": ("float64", "float32"),
}


def _factor_values(case: Case) -> dict:
    values = {name: getattr(case, name) for name in FACTORS}
    if values["lengths"] not in (None, "mixed"):
        values["lengths"] = "other"
    return values


def _pairs(values: dict) -> set:
    names = sorted(values)
    return {(a, values[a], b, values[b]) for a, b in itertools.combinations(names, 2)}


def _all_pairs() -> set:
    pairs = set()
    for a, b in itertools.combinations(sorted(FACTORS), 2):
        pairs |= {(a, va, b, vb) for va in FACTORS[a] for vb in FACTORS[b]}
    return pairs


def _random_cases(cell: str, count: int, seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    covered: set = set()
    cases = []
    for index in range(count):
        best, best_gain = None, -1
        for _ in range(48):
            choice = {name: values[rng.integers(len(values))] for name, values in FACTORS.items()}
            gain = len(_pairs(choice) - covered)
            if gain > best_gain:
                best, best_gain = choice, gain
        covered |= _pairs(best)
        cases.append(
            Case(
                cell,
                f"rand{index:02d}",
                seed + index,
                N=int(rng.integers(2, 5)),  # N = 1 and T = 1 are in the hand-written cases
                T=int(rng.integers(2, 8)),
                I=int(rng.integers(1, 7)),
                H=int(rng.integers(1, 7)),
                **best,
            )
        )
    return cases


CASES = {
    cell: _hand_cases(cell, 100 * (k + 1)) + _random_cases(cell, 16, seed=20250 + 1000 * k)
    for k, cell in enumerate(CELLS)
}
ALL_CASES = [case for cell in CELLS for case in CASES[cell]]


@pytest.mark.parametrize("cell", CELLS)
def test_cases_cover_all_factor_pairs(cell):
    """The case list itself: every pair of factor values is exercised, for every cell."""
    covered = set().union(*(_pairs(_factor_values(case)) for case in CASES[cell]))
    missing = _all_pairs() - covered
    assert not missing, f"{cell}: factor pairs not covered: {sorted(missing, key=str)}"
    assert len({case.id for case in CASES[cell]}) == len(CASES[cell]), "duplicate case ids"
    assert 20 <= len(CASES[cell]) <= 30


# --------------------------------------------------------------------------------------------
# Running both implementations
# --------------------------------------------------------------------------------------------


def make_lengths(case: Case, rng: np.random.Generator) -> np.ndarray | None:
    N, T = case.N, case.T
    if case.lengths is None:
        return None
    if case.lengths == "full":
        return np.full(N, T, dtype=np.int64)
    if case.lengths == "short":
        lengths = rng.integers(1, T, size=N)
        lengths[0] = 1
        if N >= 2:
            lengths[1] = T - 1
    else:  # "mixed": a length-1 and a full-length sequence
        lengths = rng.integers(1, T + 1, size=N)
        lengths[0], lengths[1] = 1, T
    lengths = rng.permutation(lengths).astype(np.int64)
    if N >= 2 and np.all(np.diff(lengths) <= 0) and lengths[0] != lengths[-1]:
        lengths = lengths[::-1].copy()  # never hand torch an already-sorted batch
    return lengths


@dataclasses.dataclass
class Inputs:
    x: np.ndarray
    lengths: np.ndarray | None
    h0: np.ndarray | None
    Ry: np.ndarray
    Rh: np.ndarray


def make_inputs(case: Case) -> Inputs:
    rng = np.random.default_rng(case.seed)
    dt = np.dtype(case.dtype)
    N, T, D, L, H = case.N, case.T, case.directions, case.num_layers, case.H
    x_shape = (N, T, case.I) if case.batch_first else (T, N, case.I)
    y_shape = (N, T, D * H) if case.batch_first else (T, N, D * H)
    x = rng.standard_normal(x_shape).astype(dt)
    lengths = make_lengths(case, rng)
    h0 = (0.5 * rng.standard_normal((D * L, N, H))).astype(dt) if case.init_state else None
    Ry = rng.standard_normal(y_shape).astype(dt)
    Rh = rng.standard_normal((D * L, N, H)).astype(dt)
    return Inputs(x, lengths, h0, Ry, Rh)


def _common_kwargs(case: Case) -> dict:
    return {
        "num_layers": case.num_layers,
        "bias": case.bias,
        "batch_first": case.batch_first,
        "dropout": case.dropout,
        "bidirectional": case.bidirectional,
    }


def make_lstmkit(case: Case, seed: int | None = None):
    seed = case.seed if seed is None else seed
    kwargs = {**_common_kwargs(case), "dtype": case.dtype, "seed": seed}
    if case.cell == "gru":
        return GRU(case.I, case.H, linear_before_reset=True, **kwargs)
    return RNN(case.I, case.H, nonlinearity=case.cell.removeprefix("rnn_"), **kwargs)


def make_torch(torch, case: Case):
    dtype = torch.float64 if case.dtype == "float64" else torch.float32
    if case.cell == "gru":
        return torch.nn.GRU(case.I, case.H, dtype=dtype, **_common_kwargs(case))
    nonlinearity = case.cell.removeprefix("rnn_")
    return torch.nn.RNN(
        case.I, case.H, nonlinearity=nonlinearity, dtype=dtype, **_common_kwargs(case)
    )


def _tensor(torch, array: np.ndarray, grad: bool = False):
    t = torch.from_numpy(np.array(array, copy=True))
    return t.requires_grad_(True) if grad else t


def run_torch(torch, case: Case, net, inputs: Inputs) -> dict:
    """Torch forward + autograd backward; returns numpy outputs and gradients."""
    shape = (case.directions * case.num_layers, case.N, case.H)
    net.zero_grad(set_to_none=True)
    x = _tensor(torch, inputs.x, grad=True)
    # No initial state: an explicit zero one, the same computation, and its gradient exists.
    h0_value = np.zeros(shape, case.dtype) if inputs.h0 is None else inputs.h0
    h0 = _tensor(torch, h0_value, grad=True)
    if inputs.lengths is None:
        y, h_n = net(x, h0)
    else:
        rnn_utils = torch.nn.utils.rnn
        packed = rnn_utils.pack_padded_sequence(
            x, torch.from_numpy(inputs.lengths), batch_first=case.batch_first, enforce_sorted=False
        )
        packed_y, h_n = net(packed, h0)
        y, _ = rnn_utils.pad_packed_sequence(
            packed_y, batch_first=case.batch_first, total_length=case.T
        )
    loss = (y * _tensor(torch, inputs.Ry)).sum()
    if case.dstate:
        loss = loss + (h_n * _tensor(torch, inputs.Rh)).sum()
    loss.backward()
    return {
        "y": y.detach().numpy().copy(),
        "h_n": h_n.detach().numpy().copy(),
        "dx": x.grad.numpy().copy(),
        "dh_0": h0.grad.numpy().copy(),
        "grads": {name: p.grad.detach().numpy().copy() for name, p in net.named_parameters()},
    }


def load_into_torch(torch, net, state_dict: dict) -> None:
    torch_keys = set(net.state_dict())
    assert set(state_dict) == torch_keys, (
        f"lstmkit state_dict keys {sorted(state_dict)} != torch keys {sorted(torch_keys)}"
    )
    net.load_state_dict({k: _tensor(torch, v) for k, v in state_dict.items()})


def assert_close(case: Case, name: str, actual, expected) -> None:
    """``actual`` matches torch's ``expected`` within the dtype's tolerance."""
    cid, dtype = case.id, case.dtype
    assert actual is not None, f"{cid}: {name} is None"
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (
        f"{cid}: {name} has shape {actual.shape}, torch has {expected.shape}"
    )
    assert actual.dtype == np.dtype(dtype), f"{cid}: {name} has dtype {actual.dtype}"
    assert np.all(np.isfinite(actual)), f"{cid}: {name} has non-finite values"
    err = relative_error(actual, expected)
    if err > _LARGEST[case.cell, dtype][0]:
        _LARGEST[case.cell, dtype] = (err, f"{cid}: {name}")
    tol = TOLERANCE[dtype]
    assert err < tol, f"{cid}: {name}: relative error {err:.3e} >= {tol:.0e} ({dtype})"


def check_parity(torch, case: Case, model, net, inputs: Inputs) -> None:
    """Run both implementations and compare outputs and all gradients."""
    cid = case.id
    ref = run_torch(torch, case, net, inputs)

    model.zero_grad()
    y, h_n = model.forward(
        inputs.x.copy(),
        state=None if inputs.h0 is None else inputs.h0.copy(),
        lengths=None if inputs.lengths is None else inputs.lengths.copy(),
    )
    assert isinstance(h_n, np.ndarray), f"{cid}: h_n must be one array, got {type(h_n)}"
    assert_close(case, "y", y, ref["y"])
    assert_close(case, "h_n", h_n, ref["h_n"])
    if inputs.lengths is not None:
        y_btf = y if case.batch_first else np.swapaxes(y, 0, 1)
        for n, length in enumerate(inputs.lengths):
            assert np.all(y_btf[n, length:] == 0), f"{cid}: y nonzero past length of sequence {n}"

    dx, dh_0 = model.backward(inputs.Ry.copy(), inputs.Rh.copy() if case.dstate else None)
    assert_close(case, "dx", dx, ref["dx"])
    if inputs.h0 is not None:
        assert_close(case, "dh_0", dh_0, ref["dh_0"])
    elif dh_0 is not None:
        # No initial state was given (zeros): if its gradient is returned, it must be the one
        # with respect to the zero state.
        assert_close(case, "dh_0", dh_0, ref["dh_0"])

    assert set(model.grads) == set(ref["grads"]), (
        f"{cid}: grads keys {sorted(model.grads)} != torch parameters {sorted(ref['grads'])}"
    )
    for name, expected in ref["grads"].items():
        assert_close(case, f"grad[{name}]", model.grads[name], expected)


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_parity_with_torch(torch, case):
    model = make_lstmkit(case)
    net = make_torch(torch, case)
    load_into_torch(torch, net, model.state_dict())
    check_parity(torch, case, model, net, make_inputs(case))


LOAD_CASES = [
    case
    for k, cell in enumerate(CELLS)
    for case in (
        Case(cell, "torch-init", 2000 + k, num_layers=2, bidirectional=True, lengths="mixed",
             init_state=True, N=4, T=6, I=3, H=4),
        Case(cell, "torch-init-f32", 2100 + k, num_layers=3, bias=False, batch_first=False,
             init_state=True, dtype="float32", N=3, T=5, I=4, H=5),
    )
]  # fmt: skip


@pytest.mark.parametrize("case", LOAD_CASES, ids=lambda case: case.id)
def test_load_torch_init(torch, case):
    """Torch's own random initialisation loaded into lstmkit gives the same results."""
    torch.manual_seed(case.seed)
    net = make_torch(torch, case)
    model = make_lstmkit(case, seed=case.seed + 7)
    torch_sd = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    model.load_state_dict(torch_sd)
    loaded = model.state_dict()
    assert list(loaded) == list(torch_sd), "lstmkit keys must follow torch's order"
    for k, v in torch_sd.items():
        np.testing.assert_array_equal(loaded[k], v, err_msg=f"{case.id}: loaded {k}")
        np.testing.assert_array_equal(model.params[k], v, err_msg=f"{case.id}: params[{k}]")
    check_parity(torch, case, model, net, make_inputs(case))


KEY_CASES = [
    case
    for k, cell in enumerate(CELLS)
    for case in (
        Case(cell, "keys", 3000 + k, num_layers=3, bidirectional=True, H=4),
        Case(cell, "keys-nobias", 3100 + k, num_layers=2, bias=False, dtype="float32"),
    )
]


@pytest.mark.parametrize("case", KEY_CASES, ids=lambda case: case.id)
def test_params_and_grads_match_torch_layout(torch, case):
    model = make_lstmkit(case)
    net = make_torch(torch, case)
    expected = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    for label, arrays in (
        ("params", model.params),
        ("grads", model.grads),
        ("state_dict()", model.state_dict()),
    ):
        got = {k: tuple(np.shape(v)) for k, v in arrays.items()}
        assert got == expected, f"{case.id}: {label} layout {got} != torch {expected}"
        assert list(arrays) == list(expected), f"{case.id}: {label} order differs from torch"
        for k, v in arrays.items():
            assert np.asarray(v).dtype == np.dtype(case.dtype), f"{label}[{k}] dtype {v.dtype}"


DROPOUT_CASES = [
    case
    for k, cell in enumerate(CELLS)
    for case in (
        Case(cell, "eval-dropout", 4000 + k, num_layers=3, bidirectional=True, lengths="mixed",
             init_state=True, N=4, T=6, I=3, H=4, dropout=0.5),
        Case(cell, "eval-dropout-f32", 4100 + k, num_layers=2, batch_first=False,
             init_state=True, dtype="float32", N=3, T=5, I=4, H=5, dropout=0.3),
    )
]  # fmt: skip


@pytest.mark.parametrize("case", DROPOUT_CASES, ids=lambda case: case.id)
def test_dropout_inactive_in_eval(torch, case):
    model = make_lstmkit(case).eval()
    net = make_torch(torch, case).eval()
    load_into_torch(torch, net, model.state_dict())
    check_parity(torch, case, model, net, make_inputs(case))
