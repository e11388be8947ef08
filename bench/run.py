"""The performance suite: lstmkit against torch.nn (and onnxruntime) on the CPU -> RESULTS.md.

    python bench/run.py                 # the full grid, writes bench/RESULTS.md
    python bench/run.py --quick         # a small grid with few rounds (a smoke run)
    python bench/run.py --threads 1 --cells lstm --out /tmp/lstm.md

What is measured, per cell (LSTM, GRU, RNN) and configuration (N, T, I, H, layers, directions):

* inference: lstmkit `forward` against torch's forward under `torch.inference_mode()` and an
  onnxruntime session of the same layer (lstmkit's ONNX export, lengths off);
* training: forward plus backward with a fixed `dy` (input gradient and every weight gradient);
* the GEMM floor: the time of the bare GEMMs lstmkit's scan calls (input projection, one
  recurrent product per step, and in backward one product per step plus the weight and input
  gradients), with no element-wise work at all: what lstmkit cannot beat with NumPy's BLAS;
* achieved GFLOP/s (forward 2*T*N*G*H*(in+H) per layer and direction, G gate blocks; training
  3x forward) and its share of the GEMM peak measured at the start of the same run;
* peak memory of one training step, each library in a fresh subprocess (see `memory_probe`);
* streaming at N = 1: one `step` call (state in, state out) against torch's `nn.LSTMCell`
  (GRUCell, RNNCell) called per step;
* the wall time of `import lstmkit` in a fresh interpreter.

Method: the thread count is set before NumPy loads, through OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS (threadpoolctl is not needed), and with
torch.set_num_threads and onnxruntime's intra_op_num_threads for the peers. After warm-up rounds
the contenders run interleaved (one call each per round, round after round) and the medians are
reported, so a ratio compares times taken under the same machine load. This is a benchmark,
not a test: pytest never collects it.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))  # lstm_vs_torch's helpers
from lstm_vs_torch import (  # noqa: E402
    CELLS,
    REPO_ROOT,
    Config,
    available_cpus,
    blas_description,
    build_torch_twin,
    check_agreement,
    forward_flops,
    make_inputs,
    pin_threads,
)

GRID = (
    (1, 100, 32, 64),
    (32, 100, 32, 128),
    (64, 50, 128, 256),
    (32, 200, 64, 512),
    (128, 35, 256, 256),
)
EXTRA = (64, 50, 128, 256)  # also run with 2 layers and bidirectional
QUICK_GRID = ((1, 20, 16, 32), (16, 20, 32, 64))
STREAM_SIZES = ((32, 64), (128, 256))  # (I, H) of the N = 1 streaming comparison
CONTENDERS = ("lstmkit_infer", "torch_infer", "ort_infer", "floor_infer",
              "lstmkit_train", "torch_train", "floor_train")  # fmt: skip


@dataclass
class Row:
    cell: str
    config: Config
    layers: int
    bidirectional: bool
    rounds: int = 0
    ms: dict = field(default_factory=dict)  # contender -> median ms (None when unavailable)
    memory: dict = field(default_factory=dict)  # "lstmkit"/"torch" -> peak bytes
    flops: float = 0.0

    @property
    def label(self) -> str:
        c = self.config
        extra = (f" L={self.layers}" if self.layers > 1 else "") + (
            " bidir" if self.bidirectional else ""
        )
        return f"N={c.batch} T={c.steps} I={c.input_size} H={c.hidden_size}{extra}"

    def ratio(self, mine: str, theirs: str):
        a, b = self.ms.get(mine), self.ms.get(theirs)
        return None if a is None or b is None else a / b


# ---------------------------------------------------------------------------- models


def build_lstmkit(cell, config, layers, bidirectional, seed=0):
    import lstmkit

    return getattr(lstmkit, CELLS[cell][0])(
        config.input_size,
        config.hidden_size,
        num_layers=layers,
        bidirectional=bidirectional,
        seed=seed,
    )


def build_ort_session(model, threads):
    """An onnxruntime session of `model` (lstmkit's exporter), or None with the reason."""
    try:
        import onnxruntime as ort

        from lstmkit.interop.onnx.export import to_onnx
    except ImportError as error:
        return None, f"onnxruntime or lstmkit's ONNX export unavailable ({error})"
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    proto = to_onnx(model, lengths=False)
    session = ort.InferenceSession(
        proto.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return session, None


def gemm_floor(model, x, cell):
    """Callables running only the GEMMs of lstmkit's forward / forward+backward."""
    import numpy as np

    gates, steps, batch = CELLS[cell][1], x.shape[1], x.shape[0]
    hidden, directions = model.hidden_size, model.num_directions
    dtype = np.float32
    rng = np.random.default_rng(0)
    plan = []  # per layer and direction: (W_ih, W_hh, X (T*N, in))
    width = x.shape[2]
    for _ in range(model.num_layers):
        for _ in range(directions):
            w_ih = rng.standard_normal((gates * hidden, width), dtype=dtype)
            w_hh = rng.standard_normal((gates * hidden, hidden), dtype=dtype)
            plan.append((w_ih, w_hh, rng.standard_normal((steps * batch, width), dtype=dtype)))
        width = directions * hidden
    z = np.empty((steps * batch, gates * hidden), dtype)
    h = rng.standard_normal((steps, batch, hidden), dtype=dtype)
    dz = rng.standard_normal((steps, batch, gates * hidden), dtype=dtype)
    out_h = np.empty((batch, gates * hidden), dtype)
    out_dh = np.empty((batch, hidden), dtype)

    def forward():
        for w_ih, w_hh, xs in plan:  # with the transposed weights made contiguous, as the scans
            np.matmul(xs, np.ascontiguousarray(w_ih.T), out=z)
            w_hh_t = np.ascontiguousarray(w_hh.T)
            for t in range(steps):
                np.matmul(h[t], w_hh_t, out=out_h)

    def train():
        forward()
        for w_ih, w_hh, xs in plan:
            for t in range(steps - 1, -1, -1):
                np.matmul(dz[t], w_hh, out=out_dh)
            flat = dz.reshape(-1, gates * hidden)
            _ = flat.T @ xs, flat.T @ h.reshape(-1, hidden), flat @ w_ih

    return forward, train


def contenders(cell, config, layers, bidirectional, threads, quick):
    """{name: callable} of one row, after checking that lstmkit and torch agree."""
    import torch

    model = build_lstmkit(cell, config, layers, bidirectional)
    args = SimpleNamespace(cell=cell, layers=layers, bidirectional=bidirectional)
    twin = build_torch_twin(model, config, args)
    x, dy = make_inputs(config, model.num_directions * config.hidden_size, seed=0)
    check_agreement(model, twin, x, dy, atol=1e-4)
    x_t, dy_t = torch.from_numpy(x), torch.from_numpy(dy)
    x_train = torch.from_numpy(x.copy()).requires_grad_(True)
    session, why = build_ort_session(model, threads)
    floor_infer, floor_train = gemm_floor(model, x, cell)

    def lstmkit_train():
        model.zero_grad()
        model.forward(x)
        model.backward(dy)

    def torch_infer():
        with torch.inference_mode():
            twin(x_t)

    def torch_train():
        twin.zero_grad()
        x_train.grad = None
        twin(x_train)[0].backward(dy_t)

    calls = {
        "lstmkit_infer": lambda: model.forward(x),
        "torch_infer": torch_infer,
        "ort_infer": None if session is None else (lambda: session.run(None, {"x": x})),
        "floor_infer": floor_infer,
        "lstmkit_train": lstmkit_train,
        "torch_train": torch_train,
        "floor_train": floor_train,
    }
    return calls, why


# ---------------------------------------------------------------------------- timing


def interleaved(calls, budget_s, warmups=2, min_rounds=3, max_rounds=60):
    """Warm up, then rounds of one call each; returns (rounds, {name: median ms})."""
    active = {name: f for name, f in calls.items() if f is not None}
    start = time.perf_counter()
    for _ in range(warmups):
        for f in active.values():
            f()
    per_round = (time.perf_counter() - start) / warmups
    rounds = max(min_rounds, min(max_rounds, int(budget_s / max(per_round, 1e-9))))
    samples = {name: [] for name in active}
    for _ in range(rounds):
        for name, f in active.items():
            t0 = time.perf_counter()
            f()
            samples[name].append(time.perf_counter() - t0)
    medians = {name: 1e3 * statistics.median(v) for name, v in samples.items()}
    return rounds, {name: medians.get(name) for name in calls}


def gemm_peak(threads):
    """Best float32 GEMM rate (GFLOP/s) of NumPy's BLAS and of torch, 1024^3, same threads."""
    import numpy as np
    import torch

    a = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
    out = np.empty_like(a)
    ta, tout = torch.from_numpy(a), torch.from_numpy(out)
    rates = {}
    for name, f in (
        ("numpy", lambda: np.matmul(a, a, out=out)),
        ("torch", lambda: torch.mm(ta, ta, out=tout)),
    ):
        f()
        best = min(_timed(f) for _ in range(7))
        rates[name] = 2 * 1024**3 / best / 1e9
    return rates


def _timed(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def streaming(cell, input_size, hidden, steps=200, rounds=15):
    """Median per-step microseconds: lstmkit `step` vs torch's cell, N = 1, interleaved."""
    import numpy as np
    import torch

    model = build_lstmkit(cell, Config(1, steps, input_size, hidden), 1, False)
    name = CELLS[cell][0]
    twin = getattr(torch.nn, name + "Cell")(input_size, hidden)
    twin.load_state_dict({k[:-3]: torch.from_numpy(v) for k, v in model.params.items()})
    xs = np.random.default_rng(0).standard_normal((steps, 1, input_size), dtype=np.float32)
    xs_t = torch.from_numpy(xs)
    state0 = None

    def mine():
        state = state0
        for x in xs:
            _, state = model.step(x, state)
        return state

    def theirs():
        state = (torch.zeros(1, hidden), torch.zeros(1, hidden)) if cell == "lstm" else None
        with torch.inference_mode():
            for x in xs_t:
                state = twin(x, state)
        return state

    h_mine, h_theirs = mine(), theirs()
    h_mine = h_mine[0] if isinstance(h_mine, tuple) else h_mine
    h_theirs = h_theirs[0] if isinstance(h_theirs, tuple) else h_theirs
    diff = float(np.abs(h_mine[0] - h_theirs.numpy()).max())
    if diff > 1e-4:
        raise SystemExit(f"{name} step disagrees with torch's cell by {diff:.1e}")
    _, medians = interleaved({"lstmkit": mine, "torch": theirs}, 0, 2, rounds, rounds)
    return {k: 1e3 * v / steps for k, v in medians.items()}  # ms per sequence -> us per step


def import_time(repeats=5):
    """Median seconds of `import lstmkit` (and of `import numpy` alone) in fresh interpreters."""
    code = "import time; t=time.perf_counter(); import {}; print(time.perf_counter()-t)"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    result = {}
    for module in ("numpy", "lstmkit"):
        runs = [
            float(subprocess.check_output([sys.executable, "-c", code.format(module)], env=env))
            for _ in range(repeats)
        ]
        result[module] = statistics.median(runs)
    return result


# ---------------------------------------------------------------------------- memory


MEMORY_RESOLUTION_BYTES = 1 << 20


def memory_probe(library, cell, sizes, layers, bidirectional):
    """Peak resident memory added by one training step, measured inside this fresh process.

    After a warm-up step (one-time initialisation is not counted), the kernel's peak-RSS mark
    is reset (`/proc/self/clear_refs` <- 5), one step runs, and the result is VmHWM minus the
    RSS before the step. The parent sets MALLOC_MMAP_THRESHOLD_=65536 so that large buffers are
    returned to the system when freed (glibc would otherwise keep them and hide later peaks).
    For lstmkit it also reports tracemalloc's peak of NumPy's allocations.
    """
    import tracemalloc

    import numpy as np

    config = Config(*sizes)
    model = build_lstmkit(cell, config, layers, bidirectional)
    x, dy = make_inputs(config, model.num_directions * config.hidden_size, seed=0)
    if library == "torch":
        import torch

        args = SimpleNamespace(cell=cell, layers=layers, bidirectional=bidirectional)
        twin = build_torch_twin(model, config, args)
        xt = torch.from_numpy(x).requires_grad_(True)
        dyt = torch.from_numpy(dy)

        def step():
            twin.zero_grad()
            xt.grad = None
            twin(xt)[0].backward(dyt)
    else:

        def step():
            model.zero_grad()
            model.forward(x)
            model.backward(dy)

    step()
    traced = None
    if library == "lstmkit":
        tracemalloc.start()
        step()
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    before = _status_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    step()
    peak = _status_kb("VmHWM")
    del np
    return {"rss_peak_bytes": 1024 * (peak - before), "tracemalloc_bytes": traced}


def _status_kb(field_name):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field_name} not in /proc/self/status")


def measure_memory(row, threads):
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", PYTHONPATH=str(REPO_ROOT))
    for library in ("lstmkit", "torch"):
        spec = [library, row.cell, *map(str, vars(row.config).values()), str(row.layers)]
        spec.append("1" if row.bidirectional else "0")
        command = [sys.executable, __file__, "--threads", str(threads), "--memory-probe", *spec]
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        try:
            row.memory[library] = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            row.memory[library] = None
            print(f"    memory probe failed for {library}: {out.stderr[-300:]}", flush=True)


# ---------------------------------------------------------------------------- report


def _f(value, spec=".2f", suffix=""):
    return "n/a" if value is None else f"{value:{spec}}{suffix}"


def _mb(probe, key="rss_peak_bytes"):
    return None if not probe or probe.get(key) is None else probe[key] / 2**20


def cell_table(rows, peak):
    head = (
        "| config | rounds | lstmkit infer ms | torch infer ms | **infer ratio** | ort infer ms "
        "| lstmkit/ort | floor infer / torch | lstmkit train ms | torch train ms | "
        "**train ratio** | floor train / torch | lstmkit GFLOP/s (% peak) infer, train | "
        "torch GFLOP/s (% peak) infer, train | train peak MB lstmkit / torch (tracemalloc) |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for row in rows:
        rate = {}
        for name in ("lstmkit_infer", "torch_infer", "lstmkit_train", "torch_train"):
            ms = row.ms.get(name)
            flops = row.flops * (3 if name.endswith("train") else 1)
            rate[name] = None if not ms else flops / (ms / 1e3) / 1e9
        pct = {k: None if v is None else 100 * v / peak for k, v in rate.items()}
        mk, th = row.memory.get("lstmkit"), row.memory.get("torch")
        lines.append(
            " | ".join(
                [
                    f"| {row.label}",
                    str(row.rounds),
                    _f(row.ms.get("lstmkit_infer")),
                    _f(row.ms.get("torch_infer")),
                    f"**{_f(row.ratio('lstmkit_infer', 'torch_infer'))}**",
                    _f(row.ms.get("ort_infer")),
                    _f(row.ratio("lstmkit_infer", "ort_infer")),
                    _f(row.ratio("floor_infer", "torch_infer")),
                    _f(row.ms.get("lstmkit_train")),
                    _f(row.ms.get("torch_train")),
                    f"**{_f(row.ratio('lstmkit_train', 'torch_train'))}**",
                    _f(row.ratio("floor_train", "torch_train")),
                    f"{_f(rate['lstmkit_infer'], '.0f')} ({_f(pct['lstmkit_infer'], '.0f')}%), "
                    f"{_f(rate['lstmkit_train'], '.0f')} ({_f(pct['lstmkit_train'], '.0f')}%)",
                    f"{_f(rate['torch_infer'], '.0f')} ({_f(pct['torch_infer'], '.0f')}%), "
                    f"{_f(rate['torch_train'], '.0f')} ({_f(pct['torch_train'], '.0f')}%)",
                    f"{_f(_mb(mk), '.1f')} / {_f(_mb(th), '.1f')} "
                    f"({_f(_mb(mk, 'tracemalloc_bytes'), '.1f')})",
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def targets(rows, stream, imports):
    """(target, measured, met) lines of the issue's targets."""

    def ratios(cell, key):
        return [r.ratio(f"lstmkit_{key}", f"torch_{key}") for r in rows if r.cell == cell]

    out = []
    lstm_train, lstm_infer = ratios("lstm", "train"), ratios("lstm", "infer")
    if lstm_train:
        med = statistics.median(lstm_train)
        out.append(("LSTM training, median config <= 1.0", f"{med:.2f}", med <= 1.0))
        out.append(("LSTM training, every config <= 1.25", f"max {max(lstm_train):.2f}",
                    max(lstm_train) <= 1.25))  # fmt: skip
        out.append(("LSTM inference, every config <= 1.25", f"max {max(lstm_infer):.2f}",
                    max(lstm_infer) <= 1.25))  # fmt: skip
    for cell in ("gru", "rnn"):
        both = ratios(cell, "train") + ratios(cell, "infer")
        if both:
            worst = max(both)
            out.append((f"{cell.upper()} training and inference, every config <= 0.8",
                        f"max {worst:.2f}", worst <= 0.8))  # fmt: skip
    for (cell, size), r in stream.items():
        if cell == "lstm":
            ratio = r["lstmkit"] / r["torch"]
            out.append((f"N=1 streaming LSTM step (I, H = {size}) <= 0.5 of LSTMCell",
                        f"{ratio:.2f}", ratio <= 0.5))  # fmt: skip
    mem = [
        (r.memory["lstmkit"]["rss_peak_bytes"], r.memory["torch"]["rss_peak_bytes"])
        for r in rows
        if r.memory.get("lstmkit") and r.memory.get("torch")
    ]
    # a step that adds under 1 MiB is below what resident-memory deltas resolve (pages,
    # allocator arenas): such rows are left out of the comparison rather than divided by ~0
    resolvable = [(a, b) for a, b in mem if max(a, b) >= MEMORY_RESOLUTION_BYTES]
    if resolvable:
        worse = sum(a > b for a, b in resolvable)
        worst = max(a / b for a, b in resolvable)
        measured = (
            f"{worse} of {len(resolvable)} rows above; worst ratio {worst:.2f} "
            f"({len(mem) - len(resolvable)} rows under 1 MiB not compared)"
        )
        out.append(("training peak memory <= torch's (every row)", measured, worse == 0))
    if imports:
        out.append(
            ("import lstmkit < 0.5 s", f"{imports['lstmkit']:.3f} s", imports["lstmkit"] < 0.5)
        )
    return out


def write_report(path, env_lines, peak_rates, rows, stream, imports, command):
    peak = max(peak_rates.values())
    parts = ["# lstmkit performance against PyTorch (CPU) and onnxruntime", ""]
    parts += [f"Reproduce: `{command}`", ""]
    parts += [f"- {line}" for line in env_lines]
    parts += [
        f"- GEMM peak of this run (float32 1024x1024x1024, best of 7): NumPy "
        f"{peak_rates['numpy']:.0f} GFLOP/s, torch {peak_rates['torch']:.0f} GFLOP/s; "
        f"'% peak' below is against {peak:.0f}.",
        "- Ratios are lstmkit / peer from the same interleaved rounds (below 1: lstmkit is "
        "faster). 'floor / torch' is the time of the bare GEMMs of lstmkit's scan alone "
        "(no element-wise work) over torch's time: the bound of the NumPy+BLAS design.",
        "- Training peak memory: resident memory added by one forward+backward step, each "
        "library in a fresh process (VmHWM after resetting it via /proc/self/clear_refs, minus "
        "VmRSS before; glibc's mmap threshold fixed at 64 KiB so freed buffers leave). In "
        "brackets: tracemalloc's peak of lstmkit's NumPy allocations in the same step.",
        "",
    ]
    for cell in ("lstm", "gru", "rnn"):
        cell_rows = [r for r in rows if r.cell == cell]
        if cell_rows:
            parts += [f"## {CELLS[cell][0]}", "", cell_table(cell_rows, peak), ""]
    if stream:
        parts += ["## Streaming, N = 1, one step per call (microseconds per step)", ""]
        parts += ["| cell | I, H | lstmkit `step` | torch cell | ratio |", "|---|---|---|---|---|"]
        for (cell, size), r in stream.items():
            name = CELLS[cell][0]
            parts.append(
                f"| {name} vs nn.{name}Cell | {size} | {r['lstmkit']:.1f} | {r['torch']:.1f} "
                f"| {r['lstmkit'] / r['torch']:.2f} |"
            )
        parts.append("")
    if imports:
        parts += [
            f"Import: `import lstmkit` {imports['lstmkit']:.3f} s in a fresh interpreter "
            f"(median of 5; `import numpy` alone {imports['numpy']:.3f} s).",
            "",
        ]
    parts += ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
    parts += [
        f"| {t} | {m} | {'yes' if ok else 'NO'} |" for t, m, ok in targets(rows, stream, imports)
    ]
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------- main


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small grid, few rounds")
    parser.add_argument("--threads", type=int, default=available_cpus())
    parser.add_argument("--budget", type=float, default=12.0, help="seconds of rounds per row")
    parser.add_argument("--cells", nargs="+", choices=sorted(CELLS), default=["lstm", "gru", "rnn"])
    parser.add_argument("--no-memory", action="store_true", help="skip the memory probes")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    parser.add_argument("--memory-probe", nargs=8, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    pin_threads(args.threads)  # before NumPy, torch or lstmkit load their thread pools
    sys.path.insert(0, str(REPO_ROOT))
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    if args.memory_probe:
        library, cell, *sizes, layers, bidir = args.memory_probe
        sizes = [int(s) for s in sizes]
        print(json.dumps(memory_probe(library, cell, sizes, int(layers), bidir == "1")))
        return

    grid = [(c, 1, False) for c in (QUICK_GRID if args.quick else GRID)]
    if not args.quick:
        grid += [(EXTRA, 2, False), (EXTRA, 1, True)]
    budget = 1.0 if args.quick else args.budget
    env_lines = [
        f"threads: {args.threads} for everyone (NumPy's BLAS via OMP/OPENBLAS/MKL_NUM_THREADS "
        f"set before import; torch.set_num_threads; onnxruntime intra_op_num_threads)",
        f"numpy {np.__version__} ({blas_description()}), torch {torch.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}, {available_cpus()} cores",
        f"fused numba kernels: {'on' if _kernels_on() else 'off'}; float32, batch_first",
        f"load average at start: {os.getloadavg()[0]:.1f} (a shared machine: read ratios)",
        f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
    ]
    print("\n".join(env_lines), flush=True)
    peak_rates = gemm_peak(args.threads)
    print(f"GEMM peak: {peak_rates}", flush=True)
    rows = []
    for cell in args.cells:
        for sizes, layers, bidir in grid:
            row = Row(cell, Config(*sizes), layers, bidir)
            row.flops = forward_flops(row.config, layers, 2 if bidir else 1, CELLS[cell][1])
            calls, why = contenders(cell, row.config, layers, bidir, args.threads, args.quick)
            row.rounds, row.ms = interleaved(calls, budget)
            if not args.no_memory:
                measure_memory(row, args.threads)
            rows.append(row)
            print(f"{cell} {row.label}: " + ", ".join(f"{k} {_f(v)}" for k, v in row.ms.items())
                  + (f" [ort: {why}]" if why else ""), flush=True)  # fmt: skip
    stream = {}
    for cell in args.cells:
        for size in STREAM_SIZES[:1] if args.quick else STREAM_SIZES:
            stream[(cell, size)] = streaming(cell, *size, rounds=5 if args.quick else 15)
            print(f"stream {cell} {size}: {stream[(cell, size)]}", flush=True)
    imports = import_time()
    print(f"import: {imports}", flush=True)
    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    write_report(args.out, env_lines, peak_rates, rows, stream, imports, command.strip())
    print(args.out.read_text())


def _kernels_on():
    from lstmkit.ops.jit import fused_kernels

    return fused_kernels() is not None


if __name__ == "__main__":
    main()
