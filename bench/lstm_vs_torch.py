"""Benchmark lstmkit.LSTM (or GRU, RNN with --cell) against its torch.nn twin on the CPU.

For each configuration (batch N, sequence length T, input size I, hidden size H) the script
builds an ``lstmkit.LSTM`` (GRU, RNN), copies its weights into the ``torch.nn`` twin so that
both compute the same function, checks once that outputs and gradients agree, and then times:

* inference: ``model.forward(x)`` against torch's forward under ``torch.inference_mode()``;
* training: forward plus backward with a fixed random ``dy`` (both compute the input gradient
  and all weight gradients).

Both libraries run with the same, explicitly set number of threads. After warm-up rounds the
measurements are interleaved (lstmkit, torch, lstmkit, torch, ...) and medians are reported,
together with the achieved GFLOP/s (forward counted as ``2*T*N*4H*(I+H)`` per layer and
direction, training as three times the forward). The number of rounds per configuration
follows a time budget, so cheap configurations get many rounds and expensive ones few.

Run it from the repository root::

    python bench/lstm_vs_torch.py                  # all default configs, ~3-5 minutes
    python bench/lstm_vs_torch.py --quick          # smoke run, a few rounds each
    python bench/lstm_vs_torch.py --configs 1 3    # a subset of the default configs
    python bench/lstm_vs_torch.py --configs 16,50,32,64 --layers 2 --bidirectional
    python bench/lstm_vs_torch.py --markdown results.md
    python bench/lstm_vs_torch.py --cell gru         # lstmkit.GRU vs torch.nn.GRU (also: rnn)

This is a benchmark, not a test: nothing here is collected by pytest.
"""

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

DEFAULT_CONFIGS = (
    (1, 100, 32, 64),
    (32, 100, 32, 128),
    (64, 50, 128, 256),
    (32, 200, 64, 512),
    (128, 35, 256, 256),
)

THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

# --cell -> (class name in lstmkit and torch.nn, gate blocks per step)
CELLS = {"lstm": ("LSTM", 4), "gru": ("GRU", 3), "rnn": ("RNN", 1)}

# The four measurements of one round, in the order they run.
STEP_NAMES = ("lstmkit_infer", "torch_infer", "lstmkit_train", "torch_train")


@dataclass(frozen=True)
class Config:
    """One benchmark shape (batch_first input of shape (batch, steps, input_size))."""

    batch: int
    steps: int
    input_size: int
    hidden_size: int

    @property
    def label(self) -> str:
        return f"N={self.batch} T={self.steps} I={self.input_size} H={self.hidden_size}"


@dataclass(frozen=True)
class RoundPolicy:
    """How many warm-up and timed rounds to run for each configuration."""

    warmups: int
    fixed_rounds: int | None
    budget_s: float
    min_rounds: int
    max_rounds: int


@dataclass(frozen=True)
class Result:
    """Median timings (seconds) of one configuration and the work they represent."""

    config: Config
    rounds: int
    medians: dict[str, float]
    forward_flops: float

    def gflops(self, step: str) -> float:
        flops = self.forward_flops * (3 if step.endswith("_train") else 1)
        return flops / self.medians[step] / 1e9


# --------------------------------------------------------------------------- arguments


def available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def parse_config(text: str) -> Config:
    """A config is either a 1-based index into the defaults or an ``N,T,I,H`` tuple."""
    text = text.strip()
    if text.isdigit():
        index = int(text)
        if not 1 <= index <= len(DEFAULT_CONFIGS):
            raise argparse.ArgumentTypeError(
                f"config index {index} is outside 1..{len(DEFAULT_CONFIGS)}"
            )
        return Config(*DEFAULT_CONFIGS[index - 1])
    parts = text.replace("x", ",").split(",")
    try:
        sizes = [int(part) for part in parts]
    except ValueError:
        sizes = []
    if len(sizes) != 4 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"config {text!r} is neither an index nor four positive integers N,T,I,H"
        )
    return Config(*sizes)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    default_list = ", ".join(
        f"{i}: {Config(*sizes).label}" for i, sizes in enumerate(DEFAULT_CONFIGS, start=1)
    )
    parser = argparse.ArgumentParser(
        description="Time lstmkit.LSTM/GRU/RNN against torch.nn's (CPU, float32, batch_first).",
        epilog=f"Default configs: {default_list}.",
    )
    parser.add_argument(
        "--configs",
        nargs="+",
        type=parse_config,
        metavar="CFG",
        help="configs to run: 1-based indices of the defaults and/or N,T,I,H tuples",
    )
    parser.add_argument(
        "--cell",
        choices=sorted(CELLS),
        default="lstm",
        help="which layer to benchmark (default: %(default)s)",
    )
    parser.add_argument("--layers", type=int, default=1, help="number of stacked layers")
    parser.add_argument(
        "--bidirectional", action="store_true", help="benchmark bidirectional layers"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=available_cpus(),
        help="threads for BLAS and torch (default: the CPU cores available, %(default)s)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        help="timed rounds per config (default: as many as --budget allows)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=30.0,
        help="seconds of timed rounds per config when --repeats is not given (%(default)s)",
    )
    parser.add_argument(
        "--warmups", type=int, default=2, help="untimed rounds per config (%(default)s)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 1 warm-up and 3 timed rounds per config",
    )
    parser.add_argument(
        "--atol",
        type=float,
        default=1e-4,
        help="tolerance of the lstmkit/torch agreement check (%(default)s; gradients get 10x)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for weights and inputs")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="also write the table here")
    args = parser.parse_args(argv)
    if args.threads < 1 or args.layers < 1:
        parser.error("--threads and --layers must be at least 1")
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    args.configs = args.configs or [Config(*sizes) for sizes in DEFAULT_CONFIGS]
    return args


def round_policy(args: argparse.Namespace) -> RoundPolicy:
    if args.quick:
        return RoundPolicy(
            warmups=1, fixed_rounds=args.repeats or 3, budget_s=0.0, min_rounds=1, max_rounds=1
        )
    return RoundPolicy(
        warmups=args.warmups,
        fixed_rounds=args.repeats,
        budget_s=args.budget,
        min_rounds=5,
        max_rounds=100,
    )


# --------------------------------------------------------------------------- environment


def pin_threads(threads: int) -> None:
    """Must run before numpy (and its BLAS) is first imported."""
    for name in THREAD_ENV_VARS:
        os.environ[name] = str(threads)


def blas_description() -> str:
    import numpy as np

    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except (AttributeError, KeyError, TypeError, ValueError):  # older numpy, unusual build
        return "unknown"
    return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()


def environment_lines(threads: int, layers: int, bidirectional: bool, cell: str) -> list[str]:
    import numpy as np
    import torch

    return [
        (
            f"threads: {threads} (numpy BLAS via {', '.join(THREAD_ENV_VARS[:3])}; "
            f"torch.get_num_threads()={torch.get_num_threads()})"
        ),
        f"numpy {np.__version__}, BLAS: {blas_description()}",
        (
            f"torch {torch.__version__}, Python {platform.python_version()}, "
            f"{platform.machine()} {platform.processor() or platform.system()}"
        ),
        f"cell: {CELLS[cell][0]}, layers: {layers}, bidirectional: {bidirectional}, "
        "dtype: float32, batch_first",
        *load_warning(threads),
    ]


def load_warning(threads: int) -> list[str]:
    """A warning line when other processes already keep the cores busy (noisy timings)."""
    if not hasattr(os, "getloadavg"):
        return []
    load = os.getloadavg()[0]
    if load + threads <= available_cpus() + 0.5:
        return []
    message = (
        f"WARNING: 1-minute load average is {load:.1f} on {available_cpus()} cores; "
        "other processes compete for the CPU and the timings will be noisy"
    )
    return [message]


# --------------------------------------------------------------------------- models


def forward_flops(config: Config, layers: int, directions: int, gates: int = 4) -> float:
    """GEMM FLOPs of one forward pass: 2*T*N*G*H*(in+H) per layer and direction (G gates)."""
    total = 0.0
    layer_input = config.input_size
    for _ in range(layers):
        per_direction = (
            2
            * config.steps
            * config.batch
            * gates
            * config.hidden_size
            * (layer_input + config.hidden_size)
        )
        total += directions * per_direction
        layer_input = directions * config.hidden_size
    return total


def build_lstmkit_model(config: Config, args: argparse.Namespace):
    import lstmkit

    return getattr(lstmkit, CELLS[args.cell][0])(
        config.input_size,
        config.hidden_size,
        num_layers=args.layers,
        batch_first=True,
        bidirectional=args.bidirectional,
        dtype="float32",
        seed=args.seed,
    )


def build_torch_twin(lstmkit_model, config: Config, args: argparse.Namespace):
    """The torch.nn twin (LSTM, GRU or RNN) holding exactly the lstmkit model's weights."""
    import numpy as np
    import torch

    model = getattr(torch.nn, CELLS[args.cell][0])(
        config.input_size,
        config.hidden_size,
        num_layers=args.layers,
        batch_first=True,
        bidirectional=args.bidirectional,
    )
    state = {
        name: torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))
        for name, value in lstmkit_model.params.items()
    }
    model.load_state_dict(state, strict=True)
    return model


def make_inputs(config: Config, output_width: int, seed: int):
    """Input x and output gradient dy (float32, fixed seed)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((config.batch, config.steps, config.input_size), dtype=np.float32)
    dy = rng.standard_normal((config.batch, config.steps, output_width), dtype=np.float32)
    return x, dy


# --------------------------------------------------------------------------- agreement


def scaled_max_diff(mine, reference) -> float:
    """Max absolute difference, divided by the reference's magnitude once it exceeds 1."""
    import numpy as np

    mine = np.asarray(mine, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(reference))))
    return float(np.max(np.abs(mine - reference))) / scale


def check_agreement(lstmkit_model, torch_model, x, dy, atol: float) -> str:
    """Run both once (forward and backward); fail loudly if they disagree."""
    import torch

    lstmkit_model.zero_grad()
    y, finals = lstmkit_model.forward(x)
    dx, _ = lstmkit_model.backward(dy)

    torch_model.zero_grad()
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    yt, torch_finals = torch_model(xt)
    yt.backward(torch.from_numpy(dy))

    # the LSTM returns (h_n, c_n), the GRU and RNN h_n alone
    pairs = zip(*(f if isinstance(f, tuple) else (f,) for f in (finals, torch_finals)), strict=True)
    output_diff = max(
        [scaled_max_diff(y, yt.detach().numpy())]
        + [scaled_max_diff(mine, theirs.detach().numpy()) for mine, theirs in pairs]
    )
    grad_diffs = [scaled_max_diff(dx, xt.grad.numpy())]
    lstmkit_grads = getattr(lstmkit_model, "grads", {}) or {}
    for name, parameter in torch_model.named_parameters():
        if name in lstmkit_grads and parameter.grad is not None:
            grad_diffs.append(scaled_max_diff(lstmkit_grads[name], parameter.grad.numpy()))
    grad_diff = max(grad_diffs)

    summary = f"max diff: outputs {output_diff:.1e}, gradients {grad_diff:.1e} (scaled)"
    if output_diff > atol or grad_diff > 10 * atol:
        raise SystemExit(f"lstmkit and torch disagree ({summary}); timings would be meaningless")
    return summary


# --------------------------------------------------------------------------- timing


def make_steps(lstmkit_model, torch_model, x, dy) -> dict:
    """The four timed callables, keyed by STEP_NAMES."""
    import torch

    x_infer = torch.from_numpy(x)
    x_train = torch.from_numpy(x.copy()).requires_grad_(True)
    dy_torch = torch.from_numpy(dy)

    def lstmkit_infer():
        lstmkit_model.forward(x)

    def torch_infer():
        with torch.inference_mode():
            torch_model(x_infer)

    def lstmkit_train():
        lstmkit_model.zero_grad()
        lstmkit_model.forward(x)
        lstmkit_model.backward(dy)

    def torch_train():
        torch_model.zero_grad()
        x_train.grad = None
        y, _ = torch_model(x_train)
        y.backward(dy_torch)

    return {
        "lstmkit_infer": lstmkit_infer,
        "torch_infer": torch_infer,
        "lstmkit_train": lstmkit_train,
        "torch_train": torch_train,
    }


def run_round(steps: dict, samples: dict[str, list[float]]) -> float:
    """One interleaved round of all steps; returns its total wall time."""
    round_start = time.perf_counter()
    for name in STEP_NAMES:
        start = time.perf_counter()
        steps[name]()
        samples[name].append(time.perf_counter() - start)
    return time.perf_counter() - round_start


def rounds_for(policy: RoundPolicy, round_seconds: float) -> int:
    if policy.fixed_rounds is not None:
        return policy.fixed_rounds
    affordable = int(policy.budget_s / max(round_seconds, 1e-9))
    return max(policy.min_rounds, min(policy.max_rounds, affordable))


def time_steps(steps: dict, policy: RoundPolicy) -> tuple[int, dict[str, float]]:
    """Warm up, then run interleaved rounds; returns (rounds, median seconds per step)."""
    warmup_samples = {name: [] for name in STEP_NAMES}
    round_seconds = 0.0
    for _ in range(max(1, policy.warmups)):
        round_seconds = run_round(steps, warmup_samples)
    rounds = rounds_for(policy, round_seconds)

    samples = {name: [] for name in STEP_NAMES}
    gc.collect()
    for _ in range(rounds):
        run_round(steps, samples)
    return rounds, {name: statistics.median(times) for name, times in samples.items()}


def benchmark_config(config: Config, args: argparse.Namespace, policy: RoundPolicy) -> Result:
    directions = 2 if args.bidirectional else 1
    lstmkit_model = build_lstmkit_model(config, args)
    torch_model = build_torch_twin(lstmkit_model, config, args)
    x, dy = make_inputs(config, directions * config.hidden_size, args.seed)

    print(f"  {check_agreement(lstmkit_model, torch_model, x, dy, args.atol)}", flush=True)
    rounds, medians = time_steps(make_steps(lstmkit_model, torch_model, x, dy), policy)
    return Result(
        config, rounds, medians, forward_flops(config, args.layers, directions, CELLS[args.cell][1])
    )


# --------------------------------------------------------------------------- report

TABLE_HEADER = (
    "config",
    "rounds",
    "lstmkit infer ms",
    "torch infer ms",
    "infer ratio",
    "lstmkit train ms",
    "torch train ms",
    "train ratio",
    "lstmkit infer GFLOP/s",
    "torch infer GFLOP/s",
    "lstmkit train GFLOP/s",
    "torch train GFLOP/s",
)


def table_row(result: Result) -> list[str]:
    ms = {name: 1e3 * seconds for name, seconds in result.medians.items()}
    return [
        result.config.label,
        str(result.rounds),
        f"{ms['lstmkit_infer']:.2f}",
        f"{ms['torch_infer']:.2f}",
        f"{ms['lstmkit_infer'] / ms['torch_infer']:.2f}x",
        f"{ms['lstmkit_train']:.2f}",
        f"{ms['torch_train']:.2f}",
        f"{ms['lstmkit_train'] / ms['torch_train']:.2f}x",
        *(f"{result.gflops(name):.1f}" for name in STEP_NAMES),
    ]


def markdown_table(results: list[Result]) -> str:
    rows = [list(TABLE_HEADER)] + [table_row(result) for result in results]
    widths = [max(len(row[column]) for row in rows) for column in range(len(TABLE_HEADER))]

    def line(cells: list[str]) -> str:
        padded = [
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            ":" + "-" * (width + 1) if column == 0 else "-" * (width + 1) + ":"
            for column, width in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])


def write_markdown(path: Path, environment: list[str], table: str, cell: str) -> None:
    name, gates = CELLS[cell]
    notes = [
        "Median wall time per call; ratio = lstmkit / torch (below 1 means lstmkit is faster).",
        f"FLOPs: forward 2*T*N*{gates}H*(I+H) per layer and direction; training 3x forward.",
    ]
    lines = [f"# lstmkit.{name} vs torch.nn.{name} (CPU)", ""]
    lines += [f"- {item}" for item in environment + notes]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n\n" + table + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    pin_threads(args.threads)  # before numpy, torch or lstmkit load their thread pools

    import torch

    torch.set_num_threads(args.threads)
    sys.path.insert(0, str(REPO_ROOT))  # benchmark the checkout this script belongs to

    environment = environment_lines(args.threads, args.layers, args.bidirectional, args.cell)
    print("\n".join(environment), flush=True)
    policy = round_policy(args)

    results = []
    for index, config in enumerate(args.configs, start=1):
        print(f"[{index}/{len(args.configs)}] {config.label}", flush=True)
        results.append(benchmark_config(config, args, policy))

    table = markdown_table(results)
    print()
    print(table)
    print("\nratio = lstmkit / torch (below 1: lstmkit is faster); times are medians in ms.")
    if args.markdown is not None:
        write_markdown(args.markdown, environment, table, args.cell)
        print(f"wrote {args.markdown}")


if __name__ == "__main__":
    main()
