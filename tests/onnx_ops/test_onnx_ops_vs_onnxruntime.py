"""Randomized differential tests: ``lstmkit.onnx_ops`` against onnxruntime's CPU kernels.

Each case builds a one-node ONNX model (opset 14) for LSTM, GRU or RNN with ``onnx.helper``,
runs it with onnxruntime's ``CPUExecutionProvider`` on random float32 inputs, and runs
``lstmkit.onnx_ops`` on the same inputs twice: in float32 (the outputs must be float32) and in
float64 (the outputs must be float64). Every output the operator has (Y, Y_h and, for LSTM,
Y_c) is compared, Y including the zero padding past each sequence's length.

Cases: hand-picked ones (the plain operator; every activation in every slot, with explicit
alpha/beta where it takes them; the documented defaults of LeakyRelu, HardSigmoid, Elu and
ThresholdedRelu; a partly given alpha list; extremes of the shapes) and a seeded random sample
(50 per operator) chosen greedily so that every pair of factor values occurs (direction,
layout, B, sequence_lens, initial_h, clip, activations given or not, and per operator
initial_c, P, input_forget or linear_before_reset). T goes up to 50, batch 1..4, hidden 1..8.

What onnxruntime (1.32) does differently, and how the cases deal with it (from its sources,
onnxruntime/core/providers/cpu/rnn/, and checked by running it):

* layout = 1 is refused ("Batchwise recurrent operations (layout == 1) are not supported").
  onnxruntime runs the layout-0 tensors; lstmkit gets the transposed ones (X as [batch, seq,
  input], initial_h / initial_c as [batch, num_directions, hidden]) and its outputs are
  transposed back (Y [batch, seq, num_directions, hidden], Y_h / Y_c [batch, nd, hidden]).
* Unspecified alpha/beta of ThresholdedRelu, Affine and ScaledTanh are 0 in onnxruntime, not
  the ONNX default (ThresholdedRelu 1.0) or lstmkit's (Affine 1, 0; ScaledTanh 1, 1). When a
  case leaves any of those out for lstmkit, onnxruntime gets every value explicitly (defaults
  resolved); the defaults of LeakyRelu (0.01), HardSigmoid (0.2, 0.5) and Elu (1.0), which
  onnxruntime gets right, are left to it.
* RNN refuses activation names not spelled exactly (e.g. "tanh": "Invalid activation
  attribute"); LSTM and GRU accept any case. onnxruntime always gets the canonical spelling;
  lstmkit gets canonical, lower or upper case names.
* clip bounds the gate pre-activations only: C is not clipped before h(C) in LSTM.
* Its CPU kernels are float32 only; its sigmoid and tanh are fast approximations (MLAS, and a
  rational polynomial in GRU) accurate to a few float32 ulps.
* A case that onnxruntime refuses (an exception at session creation or run) is skipped with a
  reason that says so; refusals are listed when the module finishes (none at present).

Tolerance: ``|lstmkit - ort| <= RTOL * |ort| + ATOL * scale`` per output, with RTOL = ATOL =
1e-4 and scale = max(1, max |ort|) of that output. float32 rounding (about 6e-8 relative) and
onnxruntime's approximate activations, carried through a well-conditioned recurrence (see
``conditioned_inputs``: a 1e-6 relative change of the inputs moves the outputs by at most
1e-4 * scale), stay below about 1e-5 * scale; 1e-4 leaves a margin of about ten, while a wrong
gate order, bias half, activation parameter, clip or length handling changes outputs by 1e-2
or more. The largest differences seen, per operator and attribute, are printed when the module
finishes (``pytest -s``). R is 0.7 / sqrt(H) * N(0, 1), so that the recurrence is contractive
with saturating activations.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from lstmkit import onnx_ops

OPSET = 14
IR_VERSION = 8
RTOL = 1e-4
ATOL = 1e-4

OPS = ("LSTM", "GRU", "RNN")
FUNCTIONS = {"LSTM": onnx_ops.lstm, "GRU": onnx_ops.gru, "RNN": onnx_ops.rnn}
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
SLOTS = {"LSTM": 3, "GRU": 2, "RNN": 1}  # activations per direction
INPUTS = {
    "LSTM": ("X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"),
    "GRU": ("X", "W", "R", "B", "sequence_lens", "initial_h"),
    "RNN": ("X", "W", "R", "B", "sequence_lens", "initial_h"),
}
OUTPUTS = {"LSTM": ("Y", "Y_h", "Y_c"), "GRU": ("Y", "Y_h"), "RNN": ("Y", "Y_h")}
DEFAULT_ACTIVATIONS = {
    "LSTM": ("Sigmoid", "Tanh", "Tanh"),
    "GRU": ("Sigmoid", "Tanh"),
    "RNN": ("Tanh",),
}

ACTIVATIONS = (
    "Relu",
    "Tanh",
    "Sigmoid",
    "Affine",
    "LeakyRelu",
    "ThresholdedRelu",
    "ScaledTanh",
    "HardSigmoid",
    "Elu",
    "Softsign",
    "Softplus",
)
# name -> (takes alpha, takes beta)
TAKES = {
    "Relu": (False, False),
    "Tanh": (False, False),
    "Sigmoid": (False, False),
    "Affine": (True, True),
    "LeakyRelu": (True, False),
    "ThresholdedRelu": (True, False),
    "ScaledTanh": (True, True),
    "HardSigmoid": (True, True),
    "Elu": (True, False),
    "Softsign": (False, False),
    "Softplus": (False, False),
}
# Defaults (ONNX: those of the standalone operators of the same name). Only these activations
# are ever left without an explicit alpha/beta; Affine and ScaledTanh have no ONNX default.
DEFAULTS = {
    "LeakyRelu": (0.01, None),
    "ThresholdedRelu": (1.0, None),
    "HardSigmoid": (0.2, 0.5),
    "Elu": (1.0, None),
}
# onnxruntime's own defaults agree with ONNX for these (LSTM and GRU; its RNN uses 0).
ORT_DEFAULT_OK = {"LeakyRelu", "HardSigmoid", "Elu"}
# Activations with a bounded output: with only these, long sequences stay well conditioned.
BOUNDED = {"Tanh", "Sigmoid", "ScaledTanh", "HardSigmoid", "Softsign"}

# (op, attribute tag) -> (largest |lstmkit - ort|, the same over the output's scale, where)
_LARGEST: dict[tuple[str, str], tuple[float, float, str]] = {}
_REFUSED: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def _report_largest_differences():
    yield
    print("\n[onnx_ops vs onnxruntime] largest |lstmkit - onnxruntime| per operator and attribute,")
    print("  and the same divided by the output's scale = max(1, max |ort|)")
    print(f"  (tolerance rtol {RTOL:.0e}, atol {ATOL:.0e} * max(1, max|ort|))")
    for op in OPS:
        rows = sorted((tag, value) for (o, tag), value in _LARGEST.items() if o == op)
        for tag, (diff, relative, where) in rows:
            print(f"  {op:4s} {tag:28s} {diff:.2e} (/scale {relative:.2e})  at {where}")
    if _SHRUNK:
        print(
            "[onnx_ops vs onnxruntime] cases whose inputs were scaled down to be well conditioned:"
        )
        for case_id, shrink in _SHRUNK.items():
            print(f"  {case_id}: inputs but W times {shrink:.3g}")
    if _REFUSED:
        print("[onnx_ops vs onnxruntime] cases onnxruntime refused:")
        for line in _REFUSED:
            print(f"  {line}")


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    op: str
    name: str
    seed: int
    T: int = 5
    N: int = 3
    I: int = 4  # noqa: E741
    H: int = 5
    direction: str = "forward"
    layout: int = 0
    bias: bool = True
    lengths: str | None = None  # None, "full" (all T), "mixed" (has 1 and T)
    initial_h: bool = False
    initial_c: bool = False  # LSTM
    peepholes: bool = False  # LSTM
    clip: float | None = None
    input_forget: int = 0  # LSTM
    linear_before_reset: int = 0  # GRU
    # One name per slot and direction, canonical spelling; None: the operator's default.
    activations: tuple[str, ...] | None = None
    # "explicit": every alpha/beta given; "defaults": none given; "partial": the first half of
    # each list given, the rest from the defaults.
    params: str = "explicit"
    spelling: str = "canonical"  # how lstmkit gets the names: "canonical", "lower", "upper"
    pass_hidden_size: bool = True  # hidden_size given to lstmkit (onnxruntime always gets it)

    def __post_init__(self):
        assert self.op in OPS and self.direction in ("forward", "reverse", "bidirectional")
        assert 1 <= self.T <= 50 and 1 <= self.N <= 4 and 1 <= self.H <= 8 and self.I >= 1
        if self.lengths == "mixed":
            assert self.N >= 2 and self.T >= 2, "mixed lengths need N >= 2 and T >= 2"
        if self.activations is not None:
            assert len(self.activations) == SLOTS[self.op] * self.num_directions
            assert all(name in TAKES for name in self.activations)
        if self.params != "explicit":
            for name in self.resolved_activations:
                assert TAKES[name] == (False, False) or name in DEFAULTS, (
                    f"{name} has no default alpha/beta"
                )
        if self.op != "LSTM":
            assert not (self.initial_c or self.peepholes or self.input_forget)
        if self.op != "GRU":
            assert not self.linear_before_reset

    @property
    def num_directions(self) -> int:
        return 2 if self.direction == "bidirectional" else 1

    @property
    def resolved_activations(self) -> tuple[str, ...]:
        if self.activations is None:
            return DEFAULT_ACTIVATIONS[self.op] * self.num_directions
        return self.activations

    @property
    def id(self) -> str:
        parts = [
            self.op.lower(),
            self.name,
            {"forward": "fw", "reverse": "rev"}.get(self.direction, "bi"),
        ]
        parts += ["layout1"] * (self.layout == 1)
        parts += ["B" if self.bias else "noB"]
        parts += [f"len-{self.lengths}"] * (self.lengths is not None)
        parts += ["h0"] * self.initial_h + ["c0"] * self.initial_c + ["P"] * self.peepholes
        parts += [f"clip{self.clip:g}"] if self.clip is not None else []
        parts += ["input_forget"] * self.input_forget + ["lbr"] * self.linear_before_reset
        if self.activations is not None:
            parts.append("acts=" + ",".join(self.activations))
            if self.params != "explicit":
                parts.append(self.params)
        parts += [f"T{self.T}N{self.N}I{self.I}H{self.H}"]
        return "-".join(parts)

    def tags(self) -> list[str]:
        """The attribute labels under which this case's differences are recorded."""
        tags = ["all", f"direction={self.direction}", f"layout={self.layout}"]
        tags.append("B" if self.bias else "no B")
        tags.append(f"sequence_lens={self.lengths}")
        tags += ["initial_h"] * self.initial_h + ["initial_c"] * self.initial_c
        tags += ["P"] * self.peepholes
        tags.append("clip" if self.clip is not None else "no clip")
        if self.op == "LSTM":
            tags.append(f"input_forget={self.input_forget}")
        if self.op == "GRU":
            tags.append(f"linear_before_reset={self.linear_before_reset}")
        if self.activations is None:
            tags.append("activations=default")
        else:
            tags += [f"activation={name}" for name in sorted(set(self.activations))]
            tags.append(f"alpha/beta={self.params}")
        return tags


def _hand_cases(op: str, seed: int) -> list[Case]:
    lstm, gru = op == "LSTM", op == "GRU"
    extra = {"initial_c": True, "peepholes": True} if lstm else {}
    cases = [
        Case(op, "plain", seed),
        Case(op, "T1-N1-H1", seed + 1, T=1, N=1, I=1, H=1),
        Case(op, "long", seed + 2, T=50, N=4, I=3, H=8, initial_h=True, lengths="mixed", **extra),
        Case(op, "all-on-bi", seed + 3, T=17, N=4, I=5, H=6, direction="bidirectional",
             lengths="mixed", initial_h=True, clip=1.5, **extra),
        Case(op, "all-on-rev-layout1", seed + 4, T=9, N=3, I=2, H=7, direction="reverse",
             layout=1, lengths="mixed", initial_h=True, clip=2.0, **extra),
        Case(op, "bi-layout1", seed + 5, T=6, N=2, I=3, H=4, direction="bidirectional",
             layout=1, initial_h=True, **extra),
        Case(op, "full-lengths-rev", seed + 6, T=8, N=4, direction="reverse", lengths="full"),
        Case(op, "no-hidden-size", seed + 7, direction="bidirectional", pass_hidden_size=False),
        Case(op, "clip0.5", seed + 8, T=20, clip=0.5),
        Case(op, "lower-case-names", seed + 9, direction="bidirectional",
             activations=DEFAULT_ACTIVATIONS[op] * 2, spelling="lower"),
        Case(op, "upper-case-names", seed + 10,
             activations=("HardSigmoid", "Softsign", "ScaledTanh")[: SLOTS[op]],
             spelling="upper"),
    ]  # fmt: skip
    if lstm:
        cases += [
            Case(op, "peepholes", seed + 11, T=12, peepholes=True, initial_c=True),
            Case(op, "input-forget", seed + 12, T=12, input_forget=1, initial_c=True),
            Case(op, "input-forget-P-bi", seed + 13, T=10, direction="bidirectional",
                 input_forget=1, peepholes=True, initial_h=True, initial_c=True,
                 lengths="mixed"),
            Case(op, "input-forget-clip", seed + 14, T=12, input_forget=1, clip=1.0,
                 initial_c=True),
            Case(op, "c0-only", seed + 15, initial_c=True, direction="reverse"),
        ]  # fmt: skip
    if gru:
        cases += [
            Case(op, "lbr", seed + 11, T=12, linear_before_reset=1),
            Case(op, "lbr-bi-len", seed + 12, T=10, direction="bidirectional",
                 linear_before_reset=1, lengths="mixed", initial_h=True),
            Case(op, "lbr-clip", seed + 13, T=12, linear_before_reset=1, clip=1.0),
            Case(op, "lbr-noB", seed + 14, linear_before_reset=1, bias=False, initial_h=True),
        ]  # fmt: skip
    # Every activation in every slot, with explicit alpha/beta; bidirectional so that the
    # second direction's activations (and the alpha/beta consumption order) are exercised.
    base = DEFAULT_ACTIVATIONS[op]
    for k, name in enumerate(ACTIVATIONS):
        for slot in range(SLOTS[op]):
            acts = list(base) + list(base)
            acts[SLOTS[op] + slot] = name  # the reverse direction's slot
            acts[(slot + 1) % SLOTS[op]] = name  # and another slot of the forward one
            if name == "Tanh" and op == "RNN":
                acts = ["LeakyRelu", "Tanh"]
            cases.append(
                Case(op, f"act-{name}-slot{slot}", seed + 100 + 10 * k + slot, T=8, N=2, I=3,
                     H=4, direction="bidirectional", activations=tuple(acts),
                     lengths="mixed", initial_h=True)
            )  # fmt: skip
    # Defaults of the activations that have them, alone and partly given.
    for k, name in enumerate(sorted(DEFAULTS)):
        acts = tuple(([name] + list(base[1:])) * 2)
        if op == "RNN":
            acts = (name, "Tanh")
        cases.append(
            Case(
                op,
                f"default-{name}",
                seed + 300 + k,
                T=8,
                direction="bidirectional",
                activations=acts,
                params="defaults",
            )
        )
    partial = {
        "LSTM": ("LeakyRelu", "HardSigmoid", "Elu"),
        "GRU": ("HardSigmoid", "Elu"),
        "RNN": ("LeakyRelu",),
    }[op]
    cases.append(
        Case(
            op,
            "partial-alpha-beta",
            seed + 310,
            T=8,
            direction="bidirectional",
            activations=partial + partial[::-1],
            params="partial",
        )
    )
    return cases


# Factors of the random sample; every pair of their values occurs in some case.
COMMON_FACTORS = {
    "direction": ("forward", "reverse", "bidirectional"),
    "layout": (0, 1),
    "bias": (True, False),
    "lengths": (None, "full", "mixed"),
    "initial_h": (False, True),
    "clip": (False, True),
    "acts": ("default", "random", "random-defaults"),
}
OP_FACTORS = {
    "LSTM": {"initial_c": (False, True), "peepholes": (False, True), "input_forget": (0, 1)},
    "GRU": {"linear_before_reset": (0, 1)},
    "RNN": {},
}


def _factors(op: str) -> dict:
    return {**COMMON_FACTORS, **OP_FACTORS[op]}


def _pairs(values: dict) -> set:
    names = sorted(values)
    return {(a, values[a], b, values[b]) for a, b in itertools.combinations(names, 2)}


def _all_pairs(op: str) -> set:
    factors = _factors(op)
    pairs = set()
    for a, b in itertools.combinations(sorted(factors), 2):
        pairs |= {(a, va, b, vb) for va in factors[a] for vb in factors[b]}
    return pairs


def _random_activations(op: str, nd: int, rng: np.random.Generator, defaults: bool):
    pool = [n for n in ACTIVATIONS if TAKES[n] == (False, False) or n in DEFAULTS]
    pool = pool if defaults else list(ACTIVATIONS)
    return tuple(str(pool[i]) for i in rng.integers(len(pool), size=SLOTS[op] * nd))


def _random_cases(op: str, count: int, seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    factors = _factors(op)
    covered: set = set()
    cases = []
    for index in range(count):
        best, best_gain = None, -1
        for _ in range(64):
            choice = {name: values[rng.integers(len(values))] for name, values in factors.items()}
            gain = len(_pairs(choice) - covered)
            if gain > best_gain:
                best, best_gain = choice, gain
        covered |= _pairs(best)
        values = dict(best)
        nd = 2 if values["direction"] == "bidirectional" else 1
        acts_kind = values.pop("acts")
        activations, params = None, "explicit"
        if acts_kind != "default":
            defaults = acts_kind == "random-defaults"
            activations = _random_activations(op, nd, rng, defaults)
            params = "defaults" if defaults else "explicit"
        clip = round(float(rng.uniform(0.5, 3.0)), 2) if values.pop("clip") else None
        unbounded = activations is not None and not set(activations) <= BOUNDED
        T = int(rng.integers(2, 13 if (unbounded and clip is None) else 51))
        N = int(rng.integers(2 if values["lengths"] == "mixed" else 1, 5))
        cases.append(
            Case(
                op,
                f"rand{index:02d}",
                seed + index,
                T=T,
                N=N,
                I=int(rng.integers(1, 7)),
                H=int(rng.integers(1, 9)),
                clip=clip,
                activations=activations,
                params=params,
                spelling=("canonical", "lower", "upper")[int(rng.integers(3))],
                pass_hidden_size=bool(rng.integers(4)),
                **values,
            )
        )
    return cases


CASES = {
    op: _hand_cases(op, 1000 * (k + 1)) + _random_cases(op, 50, seed=70000 + 1000 * k)
    for k, op in enumerate(OPS)
}
ALL_CASES = [case for op in OPS for case in CASES[op]]


@pytest.mark.parametrize("op", OPS)
def test_cases_cover_every_attribute(op):
    """The case list itself: factor pairs, every activation, defaults, readable unique ids."""
    cases = CASES[op]
    random_cases = [c for c in cases if c.name.startswith("rand")]
    covered = set()
    for c in random_cases:
        values = {name: getattr(c, name) for name in _factors(op) if name not in ("acts", "clip")}
        values["clip"] = c.clip is not None
        values["acts"] = (
            "default" if c.activations is None
            else "random" if c.params == "explicit" else "random-defaults"
        )  # fmt: skip
        covered |= _pairs(values)
    missing = _all_pairs(op) - covered
    assert not missing, f"{op}: factor pairs not covered: {sorted(missing, key=str)}"
    used = {name for c in cases if c.activations for name in c.activations}
    assert used == set(ACTIVATIONS)
    defaulted = {
        name for c in cases if c.activations and c.params != "explicit"
        for name in c.activations if name in DEFAULTS
    }  # fmt: skip
    assert defaulted == set(DEFAULTS)
    assert any(c.T == 50 for c in cases) and any(c.T == 1 for c in cases)
    assert {c.N for c in cases} == {1, 2, 3, 4} and {c.H for c in cases} >= {1, 8}
    assert len({c.id for c in cases}) == len(cases), "duplicate case ids"


# --------------------------------------------------------------------------------------------
# Inputs and attributes
# --------------------------------------------------------------------------------------------


def _lengths(case: Case, rng: np.random.Generator) -> np.ndarray | None:
    if case.lengths is None:
        return None
    if case.lengths == "full":
        return np.full(case.N, case.T, dtype=np.int32)
    lengths = rng.integers(1, case.T + 1, size=case.N)
    lengths[0], lengths[1] = 1, case.T
    return rng.permutation(lengths).astype(np.int32)


def make_inputs(case: Case, shrink: float = 1.0) -> dict[str, np.ndarray | None]:
    """float32 inputs in layout 0, by ONNX input name (None: not given).

    ``shrink`` scales every input but W down (so every pre-activation, roughly): the test uses
    it when a case's recurrence would amplify rounding errors (see ``conditioned_inputs``).
    """
    rng = np.random.default_rng(case.seed)
    nd, G, T, N, I, H = case.num_directions, GATES[case.op], case.T, case.N, case.I, case.H  # noqa: E741
    f32 = np.float32

    def normal(scale, shape):
        return (scale * shrink * rng.standard_normal(shape)).astype(f32)

    W = (0.5 * rng.standard_normal((nd, G * H, I))).astype(f32)
    # With clip, X so large that the input part of a pre-activation has a standard deviation
    # of three times the threshold: clipping happens often.
    w_rms = float(np.sqrt(np.mean(np.square(W.astype(np.float64)))))
    x_scale = 3.0 * case.clip / (math.sqrt(I) * w_rms) if case.clip is not None else 1.0
    inputs = {
        "X": normal(x_scale, (T, N, I)),
        "W": W,
        "R": normal(0.7 / math.sqrt(H), (nd, G * H, H)),
        "B": normal(0.5, (nd, 2 * G * H)) if case.bias else None,
        "sequence_lens": _lengths(case, rng),
        "initial_h": normal(0.8, (nd, N, H)) if case.initial_h else None,
    }
    if case.op == "LSTM":
        inputs["initial_c"] = normal(1.0, (nd, N, H)) if case.initial_c else None
        inputs["P"] = normal(0.5, (nd, 3 * H)) if case.peepholes else None
    return inputs


def _random_parameter(name: str, rng: np.random.Generator) -> tuple[float | None, float | None]:
    """A non-default (alpha, beta) for the activation (None where it takes none)."""
    u = lambda lo, hi: round(float(rng.uniform(lo, hi)), 3)  # noqa: E731
    return {
        "Affine": lambda: (u(0.5, 1.5) * (1 if rng.integers(2) else -1), u(-0.5, 0.5)),
        "LeakyRelu": lambda: (u(0.05, 0.5), None),
        "ThresholdedRelu": lambda: (u(0.1, 0.8), None),
        "ScaledTanh": lambda: (u(0.5, 1.5), u(0.5, 1.5)),
        "HardSigmoid": lambda: (u(0.1, 0.5), u(0.3, 0.7)),
        "Elu": lambda: (u(0.3, 2.0), None),
    }.get(name, lambda: (None, None))()


@dataclasses.dataclass
class Attributes:
    lstmkit: dict  # keyword arguments for lstmkit.onnx_ops
    ort: dict  # attributes of the onnxruntime node


def make_attributes(case: Case) -> Attributes:
    rng = np.random.default_rng(case.seed + 12345)
    op, names = case.op, case.resolved_activations
    # The value each slot's activation uses, and the ONNX-ordered lists given to lstmkit.
    explicit = [_random_parameter(name, rng) for name in names]
    alphas = [a for a, _ in explicit if a is not None]
    betas = [b for _, b in explicit if b is not None]
    if case.params == "defaults":
        given_alphas, given_betas = [], []
    elif case.params == "partial":
        given_alphas, given_betas = alphas[: (len(alphas) + 1) // 2], betas[: (len(betas) + 1) // 2]
    else:
        given_alphas, given_betas = alphas, betas
    resolved = []  # (alpha, beta) per slot, 0.0 where the activation takes none
    defaulted = set()  # activations that use a default alpha or beta
    ia = ib = 0
    for name in names:
        takes_alpha, takes_beta = TAKES[name]
        alpha = beta = 0.0
        if takes_alpha:
            alpha = given_alphas[ia] if ia < len(given_alphas) else DEFAULTS[name][0]
            defaulted |= {name} if ia >= len(given_alphas) else set()
            ia += 1
        if takes_beta:
            beta = given_betas[ib] if ib < len(given_betas) else DEFAULTS[name][1]
            defaulted |= {name} if ib >= len(given_betas) else set()
            ib += 1
        resolved.append((alpha, beta))

    common = {"hidden_size": case.H, "direction": case.direction}
    if case.clip is not None:
        common["clip"] = case.clip
    if op == "LSTM" and case.input_forget:
        common["input_forget"] = 1
    if op == "GRU" and case.linear_before_reset:
        common["linear_before_reset"] = 1

    kit = {**common, "layout": case.layout}
    if not case.pass_hidden_size:
        kit["hidden_size"] = None
    if case.activations is not None:
        spell = {"canonical": str, "lower": str.lower, "upper": str.upper}[case.spelling]
        kit["activations"] = [spell(name) for name in names]
        if given_alphas:
            kit["activation_alpha"] = list(given_alphas)
        if given_betas:
            kit["activation_beta"] = list(given_betas)

    ort = dict(common)
    ort["activations"] = list(names)
    if defaulted <= ORT_DEFAULT_OK:  # onnxruntime's own defaults are right for these
        alpha_list, beta_list = given_alphas, given_betas
    else:  # every value explicit, defaults resolved
        alpha_list = [a for name, (a, _) in zip(names, resolved, strict=True) if TAKES[name][0]]
        beta_list = [b for name, (_, b) in zip(names, resolved, strict=True) if TAKES[name][1]]
    if alpha_list:
        ort["activation_alpha"] = list(alpha_list)
    if beta_list:
        ort["activation_beta"] = list(beta_list)
    return Attributes(kit, ort)


# --------------------------------------------------------------------------------------------
# Running both
# --------------------------------------------------------------------------------------------


class OrtRefused(Exception):
    pass


def run_onnxruntime(onnx, onnxruntime, op: str, inputs: dict, attributes: dict) -> dict:
    """Outputs of a one-node model; raises OrtRefused when onnxruntime will not run it."""
    helper, tensor = onnx.helper, onnx.TensorProto
    names = INPUTS[op]
    last = max(k for k, name in enumerate(names) if inputs.get(name) is not None)
    node_inputs, graph_inputs, feeds = [], [], {}
    for name in names[: last + 1]:
        value = inputs.get(name)
        if value is None:
            node_inputs.append("")
            continue
        node_inputs.append(name)
        elem = tensor.INT32 if name == "sequence_lens" else tensor.FLOAT
        graph_inputs.append(helper.make_tensor_value_info(name, elem, list(value.shape)))
        feeds[name] = value
    outputs = list(OUTPUTS[op])
    T, N, _ = inputs["X"].shape
    nd, H = inputs["W"].shape[0], attributes["hidden_size"]
    shapes = {"Y": [T, nd, N, H], "Y_h": [nd, N, H], "Y_c": [nd, N, H]}
    node = helper.make_node(op, node_inputs, outputs, **attributes)
    graph = helper.make_graph(
        [node],
        f"{op.lower()}_one_node",
        graph_inputs,
        [helper.make_tensor_value_info(name, tensor.FLOAT, shapes[name]) for name in outputs],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        session = onnxruntime.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        values = session.run(outputs, feeds)
    except Exception as error:  # onnxruntime raises its own exception classes
        raise OrtRefused(f"{type(error).__name__}: {error}") from error
    return dict(zip(outputs, values, strict=True))


def _to_layout1(inputs: dict) -> dict:
    moved = dict(inputs)
    for name in ("X", "initial_h", "initial_c"):
        if moved.get(name) is not None:
            moved[name] = np.ascontiguousarray(moved[name].transpose(1, 0, 2))
    return moved


def _from_layout1(name: str, value: np.ndarray) -> np.ndarray:
    # Y: [batch, seq, nd, hidden] -> [seq, nd, batch, hidden]; Y_h, Y_c: [batch, nd, hidden].
    return value.transpose(1, 2, 0, 3) if name == "Y" else value.transpose(1, 0, 2)


def run_lstmkit(case: Case, inputs: dict, kwargs: dict, dtype) -> dict:
    """lstmkit's outputs, in layout 0, with the inputs cast to ``dtype``."""
    cast = {
        name: (value if value is None or name == "sequence_lens" else value.astype(dtype))
        for name, value in inputs.items()
    }
    if case.layout == 1:
        cast = _to_layout1(cast)
    before = {name: value.copy() for name, value in cast.items() if value is not None}
    result = FUNCTIONS[case.op](**cast, **kwargs)
    for name, value in before.items():
        assert np.array_equal(cast[name], value), f"{case.id}: lstmkit modified its input {name}"
    assert isinstance(result, tuple) and len(result) == len(OUTPUTS[case.op]), (
        f"{case.id}: expected {len(OUTPUTS[case.op])} outputs, got {type(result).__name__} "
        f"of length {len(result) if isinstance(result, tuple) else '-'}"
    )
    out = {}
    for name, value in zip(OUTPUTS[case.op], result, strict=True):
        assert isinstance(value, np.ndarray), f"{case.id}: {name} is {type(value).__name__}"
        assert value.dtype == np.dtype(dtype), f"{case.id}: {name} has dtype {value.dtype}"
        out[name] = _from_layout1(name, value) if case.layout == 1 else value
    return out


def compare(case: Case, dtype_name: str, got: dict, expected: dict) -> None:
    for name, ort_value in expected.items():
        value = got[name]
        assert value.shape == ort_value.shape, (
            f"{case.id} [{dtype_name}] {name}: shape {value.shape}, onnxruntime {ort_value.shape}"
        )
        assert np.all(np.isfinite(value)), f"{case.id} [{dtype_name}] {name}: non-finite values"
        diff = float(np.max(np.abs(value.astype(np.float64) - ort_value.astype(np.float64))))
        scale = max(1.0, float(np.max(np.abs(ort_value))))
        where = f"{case.id} {name} {dtype_name}"
        for tag in case.tags() + [f"dtype={dtype_name}"]:
            if diff >= _LARGEST.get((case.op, tag), (-1.0, 0.0, ""))[0]:
                _LARGEST[(case.op, tag)] = (diff, diff / scale, where)
        np.testing.assert_allclose(
            value,
            ort_value,
            rtol=RTOL,
            atol=ATOL * scale,
            err_msg=f"{case.id} [{dtype_name}] {name} differs from onnxruntime "
            f"(max abs diff {diff:.3e}, scale {scale:.3g})",
        )


# Conditioning. With activations that neither saturate nor stay below 1 (Softplus, Relu,
# Affine, ThresholdedRelu, ... in the LSTM/GRU gates) a recurrence can grow geometrically and
# amplify float32 rounding far beyond any fixed tolerance; such differences say nothing about
# the operator. So each case's inputs must pass two checks against onnxruntime alone (lstmkit
# plays no part): outputs below MAX_MAGNITUDE, and a relative perturbation of PERTURBATION in
# every float input changes the outputs by at most MAX_AMPLIFICATION * PERTURBATION * scale
# (rounding differences of about 1e-7 then stay below about 1e-5, a tenth of the tolerance).
# A case that fails them is retried with its inputs but W scaled down (``shrink``); the shrink
# used is listed when the module finishes.
MAX_MAGNITUDE = 1e3
PERTURBATION = 1e-6
MAX_AMPLIFICATION = 100.0
_SHRUNK: dict[str, float] = {}


def _amplification(onnx, onnxruntime, case, attributes, inputs, expected) -> float:
    rng = np.random.default_rng(case.seed + 999)
    perturbed = {
        name: value
        if value is None or name == "sequence_lens"
        else (value * (1 + PERTURBATION * rng.standard_normal(value.shape))).astype(np.float32)
        for name, value in inputs.items()
    }
    moved = run_onnxruntime(onnx, onnxruntime, case.op, perturbed, attributes)
    scale = max(1.0, max(float(np.max(np.abs(v))) for v in expected.values()))
    change = max(float(np.max(np.abs(moved[k] - expected[k]))) for k in expected)
    return change / scale / PERTURBATION if math.isfinite(change) else math.inf


def conditioned_inputs(onnx, onnxruntime, case: Case, attributes: dict):
    """(inputs, onnxruntime outputs) for which the comparison is well conditioned."""
    for attempt in range(10):
        shrink = 0.6**attempt
        inputs = make_inputs(case, shrink=shrink)
        expected = run_onnxruntime(onnx, onnxruntime, case.op, inputs, attributes)
        if not all(np.all(np.abs(value) < MAX_MAGNITUDE) for value in expected.values()):
            continue
        amplification = _amplification(onnx, onnxruntime, case, attributes, inputs, expected)
        if amplification <= MAX_AMPLIFICATION:
            if attempt:
                _SHRUNK[case.id] = shrink
            return inputs, expected
    pytest.fail(f"{case.id}: no well-conditioned inputs found")


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_matches_onnxruntime(onnx, onnxruntime, case):
    attributes = make_attributes(case)
    try:
        inputs, expected = conditioned_inputs(onnx, onnxruntime, case, attributes.ort)
    except OrtRefused as refusal:
        _REFUSED.append(f"{case.id}: {refusal}")
        pytest.skip(f"onnxruntime refuses this case: {refusal}")
    for dtype in (np.float32, np.float64):
        got = run_lstmkit(case, inputs, attributes.lstmkit, dtype)
        compare(case, np.dtype(dtype).name, got, expected)


@pytest.mark.parametrize("op", OPS)
def test_clip_cases_do_clip(onnx, onnxruntime, op):
    """The clip cases test clipping: in most of them clip changes onnxruntime's outputs.

    (Not in every one: e.g. a HardSigmoid that saturates below the threshold makes clip a no-op.)
    """
    changed, idle = [], []
    for case in (c for c in CASES[op] if c.clip is not None):
        attributes = make_attributes(case).ort
        try:
            inputs, expected = conditioned_inputs(onnx, onnxruntime, case, attributes)
        except OrtRefused:
            continue
        unclipped = {k: v for k, v in attributes.items() if k != "clip"}
        free = run_onnxruntime(onnx, onnxruntime, op, inputs, unclipped)
        same = np.allclose(free["Y"], expected["Y"], rtol=0, atol=1e-3)
        (idle if same else changed).append(case.id)
    print(
        f"\n[{op}] clip cases where clip changes the outputs: {len(changed)} of "
        f"{len(changed) + len(idle)}; where it does not: {idle}"
    )
    assert len(changed) >= 10 and len(changed) >= 0.8 * (len(changed) + len(idle)), idle


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_thresholdedrelu_at_its_threshold(onnx, onnxruntime, dtype):
    """ThresholdedRelu is x for x > alpha, else 0: exactly at alpha it gives 0.

    That is the ThresholdedRelu operator's definition and onnxruntime's (the recurrent
    operators' own list of activations writes "x if x >= alpha", the one place where the two
    texts disagree). Random inputs never land on the threshold, so this pins it by hand: a
    one-step RNN with W = 1, R = 0 and no bias, whose pre-activations are exactly X.
    """
    alpha = 0.5
    X = np.array([[[0.5], [0.25], [1.0], [-0.5]]], dtype=np.float32)  # [T=1, batch=4, input=1]
    W = np.ones((1, 1, 1), np.float32)
    R = np.zeros((1, 1, 1), np.float32)
    attributes = {"hidden_size": 1, "activations": ["ThresholdedRelu"], "activation_alpha": [alpha]}
    expected = run_onnxruntime(onnx, onnxruntime, "RNN", {"X": X, "W": W, "R": R}, attributes)
    spec = np.array([0.0, 0.0, 1.0, 0.0])  # x > alpha ? x : 0
    np.testing.assert_array_equal(expected["Y_h"].ravel(), spec)  # onnxruntime follows it
    Y, Y_h = onnx_ops.rnn(X.astype(dtype), W.astype(dtype), R.astype(dtype), **attributes)
    np.testing.assert_array_equal(
        Y_h.ravel(), spec, err_msg="ThresholdedRelu(x) at x == alpha must be 0 (x > alpha)"
    )
