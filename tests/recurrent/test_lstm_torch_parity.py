"""Parity of ``lstmkit.LSTM`` with ``torch.nn.LSTM``: forward values and every gradient.

Each case builds an lstmkit model, copies its ``state_dict()`` into an identically configured
``torch.nn.LSTM`` (and, in ``test_load_torch_init``, the other way round), runs both on the same
seeded input, and compares:

* the outputs ``y``, ``h_n`` and ``c_n``;
* for the loss ``sum(y * Ry) + sum(h_n * Rh) + sum(c_n * Rc)`` with random ``Ry``, ``Rh``, ``Rc``
  (torch: autograd; lstmkit: ``m.backward(Ry, (Rh, Rc))``): the gradients of the input, of the
  initial state and of every parameter.

Variable-length batches (``lengths``) are checked against torch's
``pack_padded_sequence(..., enforce_sorted=False)`` / ``pad_packed_sequence(..., total_length=T)``;
``Ry`` is deliberately nonzero past each sequence's length, where it must have no effect.

Error measure, per array: ``lstmkit.testing.relative_error``, the largest absolute difference
over the largest magnitude. It must
stay below 1e-10 in float64 and 1e-5 in float32. The largest error seen per dtype, and where, is
printed when the module finishes (run pytest with ``-s`` to see it).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from lstmkit import LSTM
from lstmkit.testing import relative_error

# torch notes that projections bypass oneDNN; irrelevant here.
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections:UserWarning")

TOLERANCE = {"float64": 1e-10, "float32": 1e-5}

# dtype -> (largest relative error seen, "case: array") over the whole module.
_LARGEST: dict[str, tuple[float, str]] = {"float64": (0.0, "-"), "float32": (0.0, "-")}


@pytest.fixture(scope="module", autouse=True)
def _report_largest_errors():
    yield
    print("\n[lstm torch parity] largest relative error per dtype:")
    for dtype, (err, where) in _LARGEST.items():
        print(f"  {dtype}: {err:.3e}  (tolerance {TOLERANCE[dtype]:.0e}; at {where})")


# --------------------------------------------------------------------------------------------
# Comparison helpers
# --------------------------------------------------------------------------------------------


def assert_close(case_id: str, name: str, actual, expected, dtype: str) -> None:
    """Assert that ``actual`` matches torch's ``expected`` within the dtype's tolerance."""
    assert actual is not None, f"{case_id}: {name} is None"
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (
        f"{case_id}: {name} has shape {actual.shape}, torch has {expected.shape}"
    )
    assert np.all(np.isfinite(actual)), f"{case_id}: {name} has non-finite values"
    err = relative_error(actual, expected)
    if err > _LARGEST[dtype][0]:
        _LARGEST[dtype] = (err, f"{case_id}: {name}")
    tol = TOLERANCE[dtype]
    assert err < tol, f"{case_id}: {name}: relative error {err:.3e} >= {tol:.0e} ({dtype})"


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    seed: int
    num_layers: int = 1
    bidirectional: bool = False
    proj_size: int = 0
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

    def __post_init__(self):
        assert 1 <= self.num_layers <= 3 and self.N >= 1 and self.T >= 1
        assert 0 <= self.proj_size < self.H
        assert self.dtype in TOLERANCE
        if self.lengths == "mixed":
            assert self.N >= 2 and self.T >= 2, "mixed lengths need N >= 2 and T >= 2"
        if self.lengths == "short":
            assert self.T >= 2, "short lengths need T >= 2"

    @property
    def id(self) -> str:
        parts = [
            self.name,
            f"L{self.num_layers}",
            "bi" if self.bidirectional else "uni",
            f"proj{self.proj_size}" if self.proj_size else "noproj",
            "bf" if self.batch_first else "tf",
            "bias" if self.bias else "nobias",
            f"len-{self.lengths}" if self.lengths else "nolen",
            "h0c0" if self.init_state else "nostate",
            "f64" if self.dtype == "float64" else "f32",
            f"N{self.N}T{self.T}I{self.I}H{self.H}",
        ]
        if self.dropout:
            parts.append(f"drop{self.dropout}")
        return "-".join(parts)

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def h_out(self) -> int:
        return self.proj_size or self.H


HAND_CASES = [
    Case("basic", 101),
    Case("single-step", 102, N=1, T=1, I=3, H=4),
    Case("single-seq", 103, N=1, T=7, I=2, H=3, init_state=True),
    Case(
        "deep-bi-proj-len",
        104,
        num_layers=2,
        bidirectional=True,
        proj_size=2,
        batch_first=False,
        lengths="mixed",
        init_state=True,
        N=4,
        T=6,
        I=3,
        H=4,
    ),
    Case(
        "all-on-f32",
        105,
        num_layers=3,
        bidirectional=True,
        proj_size=3,
        lengths="mixed",
        init_state=True,
        dtype="float32",
        N=4,
        T=7,
        I=5,
        H=6,
    ),
    Case("nobias-short-len", 106, num_layers=3, bias=False, lengths="short", N=4, T=6, I=2, H=3),
    Case(
        "bi-len-f32",
        107,
        bidirectional=True,
        lengths="mixed",
        init_state=True,
        dtype="float32",
        N=4,
        T=7,
        I=6,
        H=5,
    ),
    Case("proj1", 108, num_layers=2, proj_size=1, bias=False, N=2, T=4, I=3, H=6),
    Case("tiny-units", 109, num_layers=2, bidirectional=True, N=2, T=3, I=1, H=1),
    Case(
        "tf-nobias-f32",
        110,
        num_layers=3,
        bidirectional=True,
        proj_size=2,
        batch_first=False,
        bias=False,
        lengths="mixed",
        init_state=True,
        dtype="float32",
        N=3,
        T=5,
        I=4,
        H=4,
    ),
    Case(
        "short-len-f32",
        111,
        num_layers=2,
        bidirectional=True,
        lengths="short",
        dtype="float32",
        N=3,
        T=6,
        I=3,
        H=4,
    ),
    Case(
        "full-len",
        112,
        num_layers=2,
        bidirectional=True,
        proj_size=2,
        lengths="full",
        init_state=True,
        N=4,
        T=5,
        I=3,
        H=4,
    ),
    Case(
        "two-seqs-len",
        113,
        bidirectional=True,
        batch_first=False,
        lengths="mixed",
        N=2,
        T=7,
        I=2,
        H=3,
    ),
]

# Factors of the random sample; it is chosen greedily so that every pair of factor values occurs.
FACTORS = {
    "num_layers": (1, 2, 3),
    "bidirectional": (False, True),
    "proj": (False, True),
    "batch_first": (True, False),
    "bias": (True, False),
    "lengths": (None, "mixed"),
    "init_state": (False, True),
    "dtype": ("float64", "float32"),
}


def _factor_values(case: Case) -> dict:
    return {
        "num_layers": case.num_layers,
        "bidirectional": case.bidirectional,
        "proj": case.proj_size > 0,
        "batch_first": case.batch_first,
        "bias": case.bias,
        "lengths": case.lengths if case.lengths in (None, "mixed") else "other",
        "init_state": case.init_state,
        "dtype": case.dtype,
    }


def _pairs(values: dict) -> set:
    names = sorted(values)
    return {(a, values[a], b, values[b]) for a, b in itertools.combinations(names, 2)}


def _all_pairs() -> set:
    pairs = set()
    for a, b in itertools.combinations(sorted(FACTORS), 2):
        for va in FACTORS[a]:
            for vb in FACTORS[b]:
                pairs.add((a, va, b, vb))
    return pairs


def _random_cases(count: int, seed: int) -> list[Case]:
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
        H = int(rng.integers(2, 7))
        N = int(rng.integers(2, 5))  # N = 1 and T = 1 are covered by the hand-written cases
        T = int(rng.integers(2, 8))
        cases.append(
            Case(
                f"rand{index:02d}",
                1000 + index,
                num_layers=best["num_layers"],
                bidirectional=best["bidirectional"],
                proj_size=int(rng.integers(1, H)) if best["proj"] else 0,
                batch_first=best["batch_first"],
                bias=best["bias"],
                lengths=best["lengths"],
                init_state=best["init_state"],
                dtype=best["dtype"],
                N=N,
                T=T,
                I=int(rng.integers(1, 7)),
                H=H,
            )
        )
    return cases


RANDOM_CASES = _random_cases(24, seed=20240607)
ALL_CASES = HAND_CASES + RANDOM_CASES


def test_cases_cover_all_factor_pairs():
    """The case list itself: every pair of factor values is exercised by some case."""
    covered = set().union(*(_pairs(_factor_values(case)) for case in ALL_CASES))
    missing = _all_pairs() - covered
    assert not missing, f"factor pairs not covered: {sorted(missing, key=str)}"
    assert len({case.id for case in ALL_CASES}) == len(ALL_CASES), "duplicate case ids"


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
    state: tuple[np.ndarray, np.ndarray] | None
    Ry: np.ndarray
    Rh: np.ndarray
    Rc: np.ndarray


def make_inputs(case: Case) -> Inputs:
    rng = np.random.default_rng(case.seed)
    dt = np.dtype(case.dtype)
    N, T, D, L = case.N, case.T, case.directions, case.num_layers
    x_shape = (N, T, case.I) if case.batch_first else (T, N, case.I)
    y_shape = (N, T, D * case.h_out) if case.batch_first else (T, N, D * case.h_out)
    x = rng.standard_normal(x_shape).astype(dt)
    lengths = make_lengths(case, rng)
    state = None
    if case.init_state:
        h0 = (0.5 * rng.standard_normal((D * L, N, case.h_out))).astype(dt)
        c0 = (0.5 * rng.standard_normal((D * L, N, case.H))).astype(dt)
        state = (h0, c0)
    Ry = rng.standard_normal(y_shape).astype(dt)
    Rh = rng.standard_normal((D * L, N, case.h_out)).astype(dt)
    Rc = rng.standard_normal((D * L, N, case.H)).astype(dt)
    return Inputs(x, lengths, state, Ry, Rh, Rc)


def make_lstmkit(case: Case, seed: int | None = None) -> LSTM:
    return LSTM(
        case.I,
        case.H,
        num_layers=case.num_layers,
        bias=case.bias,
        batch_first=case.batch_first,
        dropout=case.dropout,
        bidirectional=case.bidirectional,
        proj_size=case.proj_size,
        dtype=case.dtype,
        seed=case.seed if seed is None else seed,
    )


def make_torch(torch, case: Case):
    return torch.nn.LSTM(
        case.I,
        case.H,
        num_layers=case.num_layers,
        bias=case.bias,
        batch_first=case.batch_first,
        dropout=case.dropout,
        bidirectional=case.bidirectional,
        proj_size=case.proj_size,
        dtype=torch.float64 if case.dtype == "float64" else torch.float32,
    )


def _tensor(torch, array: np.ndarray, grad: bool = False):
    t = torch.from_numpy(np.array(array, copy=True))
    return t.requires_grad_(True) if grad else t


def run_torch(torch, case: Case, net, inputs: Inputs, use_h: bool = True, use_c: bool = True):
    """Torch forward + autograd backward; returns numpy outputs and gradients."""
    D, L, N = case.directions, case.num_layers, case.N
    dt = np.dtype(case.dtype)
    net.zero_grad(set_to_none=True)
    x = _tensor(torch, inputs.x, grad=True)
    if inputs.state is None:
        # Explicit zero initial state: the same computation as hx=None, and its gradient exists.
        h0 = _tensor(torch, np.zeros((D * L, N, case.h_out), dt), grad=True)
        c0 = _tensor(torch, np.zeros((D * L, N, case.H), dt), grad=True)
    else:
        h0 = _tensor(torch, inputs.state[0], grad=True)
        c0 = _tensor(torch, inputs.state[1], grad=True)
    if inputs.lengths is None:
        y, (h_n, c_n) = net(x, (h0, c0))
    else:
        rnn_utils = torch.nn.utils.rnn
        packed = rnn_utils.pack_padded_sequence(
            x,
            torch.from_numpy(inputs.lengths),
            batch_first=case.batch_first,
            enforce_sorted=False,
        )
        packed_y, (h_n, c_n) = net(packed, (h0, c0))
        y, _ = rnn_utils.pad_packed_sequence(
            packed_y, batch_first=case.batch_first, total_length=case.T
        )
    loss = (y * _tensor(torch, inputs.Ry)).sum()
    if use_h:
        loss = loss + (h_n * _tensor(torch, inputs.Rh)).sum()
    if use_c:
        loss = loss + (c_n * _tensor(torch, inputs.Rc)).sum()
    loss.backward()
    grads = {name: p.grad.detach().numpy().copy() for name, p in net.named_parameters()}
    return {
        "y": y.detach().numpy().copy(),
        "h_n": h_n.detach().numpy().copy(),
        "c_n": c_n.detach().numpy().copy(),
        "dx": x.grad.numpy().copy(),
        "dh_0": h0.grad.numpy().copy(),
        "dc_0": c0.grad.numpy().copy(),
        "grads": grads,
    }


def load_into_torch(torch, net, state_dict: dict) -> None:
    torch_keys = set(net.state_dict())
    assert set(state_dict) == torch_keys, (
        f"lstmkit state_dict keys {sorted(state_dict)} != torch keys {sorted(torch_keys)}"
    )
    net.load_state_dict({k: _tensor(torch, v) for k, v in state_dict.items()})


def check_parity(torch, case: Case, model: LSTM, net, inputs: Inputs, dstate="both") -> None:
    """Run both implementations and compare outputs and all gradients."""
    cid, dtype = case.id, case.dtype
    use_h = dstate in ("both", "h")
    use_c = dstate in ("both", "c")
    ref = run_torch(torch, case, net, inputs, use_h=use_h, use_c=use_c)

    model.zero_grad()
    y, (h_n, c_n) = model.forward(
        inputs.x.copy(),
        state=None if inputs.state is None else (inputs.state[0].copy(), inputs.state[1].copy()),
        lengths=None if inputs.lengths is None else inputs.lengths.copy(),
    )
    for name, value in (("y", y), ("h_n", h_n), ("c_n", c_n)):
        assert np.asarray(value).dtype == np.dtype(dtype), (
            f"{cid}: {name} has dtype {np.asarray(value).dtype}, expected {dtype}"
        )
        assert_close(cid, name, value, ref[name], dtype)
    if inputs.lengths is not None:
        y_btf = y if case.batch_first else np.swapaxes(y, 0, 1)
        for n, length in enumerate(inputs.lengths):
            assert np.all(y_btf[n, length:] == 0), f"{cid}: y nonzero past length of sequence {n}"

    dstate_arg = {
        "both": (inputs.Rh.copy(), inputs.Rc.copy()),
        "h": (inputs.Rh.copy(), None),
        "c": (None, inputs.Rc.copy()),
        "none": None,
    }[dstate]
    dx, dstate0 = model.backward(inputs.Ry.copy(), dstate_arg)
    assert_close(cid, "dx", dx, ref["dx"], dtype)
    if inputs.state is not None:
        dh_0, dc_0 = dstate0
        assert_close(cid, "dh_0", dh_0, ref["dh_0"], dtype)
        assert_close(cid, "dc_0", dc_0, ref["dc_0"], dtype)
    elif dstate0 is not None:
        # No initial state was given (zeros): its gradient may be omitted, but if returned it
        # must be the gradient with respect to the zero state.
        for name, value in zip(("dh_0", "dc_0"), dstate0, strict=True):
            if value is not None:
                assert_close(cid, name, value, ref[name], dtype)

    assert set(model.grads) == set(ref["grads"]), (
        f"{cid}: grads keys {sorted(model.grads)} != torch parameters {sorted(ref['grads'])}"
    )
    for name, expected in ref["grads"].items():
        assert_close(cid, f"grad[{name}]", model.grads[name], expected, dtype)


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
    Case(
        "torch-init",
        201,
        num_layers=2,
        bidirectional=True,
        proj_size=2,
        lengths="mixed",
        init_state=True,
        N=4,
        T=6,
        I=3,
        H=4,
    ),
    Case(
        "torch-init-f32",
        202,
        num_layers=3,
        bias=False,
        batch_first=False,
        init_state=True,
        dtype="float32",
        N=3,
        T=5,
        I=4,
        H=5,
    ),
]


@pytest.mark.parametrize("case", LOAD_CASES, ids=lambda case: case.id)
def test_load_torch_init(torch, case):
    """Torch's own random initialisation loaded into lstmkit gives the same results."""
    torch.manual_seed(case.seed)
    net = make_torch(torch, case)
    model = make_lstmkit(case, seed=case.seed + 7)
    torch_sd = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    model.load_state_dict(torch_sd)
    loaded = model.state_dict()
    assert set(loaded) == set(torch_sd)
    for k, v in torch_sd.items():
        assert loaded[k].shape == v.shape, f"{k}: shape {loaded[k].shape} != {v.shape}"
        np.testing.assert_array_equal(loaded[k], v, err_msg=f"{case.id}: loaded {k}")
        np.testing.assert_array_equal(model.params[k], v, err_msg=f"{case.id}: params[{k}]")
    check_parity(torch, case, model, net, make_inputs(case))


KEY_CASES = [
    Case("keys", 301, num_layers=3, bidirectional=True, proj_size=2, H=4),
    Case("keys-nobias", 302, num_layers=2, bias=False, dtype="float32"),
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
        for k, v in arrays.items():
            assert np.asarray(v).dtype == np.dtype(case.dtype), f"{label}[{k}] dtype {v.dtype}"


DROPOUT_CASES = [
    Case(
        "eval-dropout",
        401,
        num_layers=3,
        bidirectional=True,
        proj_size=2,
        lengths="mixed",
        init_state=True,
        N=4,
        T=6,
        I=3,
        H=4,
        dropout=0.5,
    ),
    Case(
        "eval-dropout-f32",
        402,
        num_layers=2,
        batch_first=False,
        init_state=True,
        dtype="float32",
        N=3,
        T=5,
        I=4,
        H=5,
        dropout=0.3,
    ),
]


@pytest.mark.parametrize("case", DROPOUT_CASES, ids=lambda case: case.id)
def test_dropout_inactive_in_eval(torch, case):
    model = make_lstmkit(case)
    model.eval()
    net = make_torch(torch, case)
    net.eval()
    load_into_torch(torch, net, model.state_dict())
    check_parity(torch, case, model, net, make_inputs(case))


DSTATE_CASE = Case(
    "dstate",
    501,
    num_layers=2,
    bidirectional=True,
    proj_size=2,
    lengths="mixed",
    init_state=True,
    N=3,
    T=5,
    I=3,
    H=4,
)


@pytest.mark.parametrize("dstate", ["none", "h", "c"], ids=lambda d: f"dstate-{d}")
def test_partial_upstream_state_gradient(torch, dstate):
    """dstate=None, (dh_n, None) and (None, dc_n): missing parts count as zero gradient."""
    case = dataclasses.replace(DSTATE_CASE, name=f"dstate-{dstate}")
    model = make_lstmkit(case)
    net = make_torch(torch, case)
    load_into_torch(torch, net, model.state_dict())
    check_parity(torch, case, model, net, make_inputs(case), dstate=dstate)


ACCUMULATE_CASE = Case(
    "accumulate",
    601,
    num_layers=2,
    bidirectional=True,
    proj_size=2,
    lengths="mixed",
    init_state=True,
    N=3,
    T=5,
    I=3,
    H=4,
)


def test_backward_accumulates_grads(torch):
    case = ACCUMULATE_CASE
    inputs = make_inputs(case)
    model = make_lstmkit(case)
    net = make_torch(torch, case)
    load_into_torch(torch, net, model.state_dict())
    ref = run_torch(torch, case, net, inputs)

    def forward_backward():
        model.forward(
            inputs.x.copy(),
            state=(inputs.state[0].copy(), inputs.state[1].copy()),
            lengths=inputs.lengths.copy(),
        )
        return model.backward(inputs.Ry.copy(), (inputs.Rh.copy(), inputs.Rc.copy()))

    model.zero_grad()
    for k, g in model.grads.items():
        assert not np.any(g), f"grads[{k}] not zero after zero_grad()"
    dx1, (dh1, dc1) = forward_backward()
    once = {k: np.array(v, copy=True) for k, v in model.grads.items()}
    dx2, (dh2, dc2) = forward_backward()
    for k, expected in ref["grads"].items():
        assert_close(case.id, f"once grad[{k}]", once[k], expected, case.dtype)
        assert_close(case.id, f"twice grad[{k}]", model.grads[k], 2 * expected, case.dtype)
    # Input and state gradients are returned per call, not accumulated.
    assert_close(case.id, "dx (2nd call)", dx2, ref["dx"], case.dtype)
    assert_close(case.id, "dh_0 (2nd call)", dh2, ref["dh_0"], case.dtype)
    assert_close(case.id, "dc_0 (2nd call)", dc2, ref["dc_0"], case.dtype)

    model.zero_grad()
    for k, g in model.grads.items():
        assert not np.any(g), f"grads[{k}] not zero after zero_grad()"
    forward_backward()
    for k, expected in once.items():
        np.testing.assert_array_equal(model.grads[k], expected, err_msg=f"grads[{k}] after reset")
