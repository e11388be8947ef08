"""The performance suite: lstmkit against torch.nn (and onnxruntime) on the CPU -> RESULTS.md.

    python bench/run.py --threads 1 --seed 1             # writes bench/RESULTS.md
    python bench/run.py --threads 2 --seed 1             # writes bench/RESULTS_2threads.md
    python bench/run.py --quick                          # a smoke run; prints, writes nothing
    python bench/run.py --cells lstm --shapes 16,80,48,192 --random-shapes 0 --out /tmp/a.md

What is measured, per cell (LSTM, GRU, RNN) and shape (N, T, I, H, layers, directions), on a
fixed grid and on `--random-shapes` K shapes drawn from `--seed` (bench/harness.py):

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

Method (bench/harness.py): OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed before NumPy
loads (`--keep-openblas-env` keeps them); the BLAS pools are sized with threadpoolctl, torch
with torch.set_num_threads and onnxruntime with intra_op_num_threads, all to `--threads`.
After warm-up calls, `--rounds` rounds each visit every shape in a random order, and within a
shape the contenders alternate call by call, `--calls` calls each, in an order drawn per
round. A ratio is computed per round (median of lstmkit's calls over median of torch's) and
reported as the median over the rounds with its interquartile range and its range. The header
states the machine: CPU model, BLAS library, version and kernel, threads, versions. This is a
benchmark, not a test: pytest never collects it (tests/bench checks its method).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))  # lstm_vs_torch's and harness's
from harness import (  # noqa: E402
    clear_openblas_kernel_vars,
    git_commit,
    machine_lines,
    median_ms,
    prepare_threads,
    random_shapes,
    round_ratios,
    run_rounds,
    spread,
    thread_limits,
    write_atomically,
)
from lstm_vs_torch import (  # noqa: E402
    CELLS,
    REPO_ROOT,
    Config,
    build_torch_twin,
    check_agreement,
    forward_flops,
    make_inputs,
    parse_config,
)

GRID = (
    (1, 100, 32, 64),
    (32, 100, 32, 128),
    (64, 50, 128, 256),
    (32, 200, 64, 512),
    (128, 35, 256, 256),
    # the shapes issue 24 measured lstmkit losing on (beside N=32 T=100 I=32 H=128 above)
    (16, 80, 48, 192),
    (48, 60, 200, 320),
    (8, 300, 16, 96),
)
EXTRA = (64, 50, 128, 256)  # also run with 2 layers and bidirectional
QUICK_GRID = ((1, 20, 16, 32), (16, 20, 32, 64))
STREAM_SIZES = ((32, 64), (128, 256))  # (I, H) of the N = 1 streaming comparison
CONTENDERS = ("lstmkit_infer", "torch_infer", "ort_infer", "floor_infer",
              "lstmkit_train", "torch_train", "floor_train")  # fmt: skip
# the ratios a row reports, each from the same rounds: name -> (numerator, denominator)
RATIOS = {
    "infer": ("lstmkit_infer", "torch_infer"),
    "train": ("lstmkit_train", "torch_train"),
    "ort": ("lstmkit_infer", "ort_infer"),
    "floor_infer": ("floor_infer", "torch_infer"),
    "floor_train": ("floor_train", "torch_train"),
}


@dataclass
class Row:
    cell: str
    config: Config
    layers: int
    bidirectional: bool
    source: str = "grid"  # "grid" or "random": where the shape came from
    rounds: int = 0
    calls: int = 0
    ms: dict = field(default_factory=dict)  # contender -> median ms (None when unavailable)
    ratios: dict = field(default_factory=dict)  # RATIOS key -> Spread over the rounds
    memory: dict = field(default_factory=dict)  # "lstmkit"/"torch" -> peak bytes
    flops: float = 0.0

    @property
    def label(self) -> str:
        c = self.config
        extra = (f" L={self.layers}" if self.layers > 1 else "") + (
            " bidir" if self.bidirectional else ""
        )
        return f"N={c.batch} T={c.steps} I={c.input_size} H={c.hidden_size}{extra}"

    def ratio(self, key: str):
        """The median over the rounds of the ratio `key` (RATIOS), or None."""
        found = self.ratios.get(key)
        return None if found is None else found.median

    def record(self, samples: dict, rounds: int, calls: int) -> None:
        """Fill ms and ratios from `run_rounds`' samples of this row's contenders."""
        self.rounds, self.calls = rounds, calls
        self.ms = {name: median_ms(samples[name]) if name in samples else None
                   for name in CONTENDERS}  # fmt: skip
        for key, (mine, theirs) in RATIOS.items():
            if mine in samples and theirs in samples:
                self.ratios[key] = spread(round_ratios(samples[mine], samples[theirs]))


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


def streaming(cell, input_size, hidden, steps=200, rounds=15, seed=0):
    """Per-step microseconds (medians) of lstmkit `step` and torch's cell at N = 1, and the
    spread of their ratio, from interleaved rounds of one sequence each."""
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
    samples = run_rounds({"stream": {"lstmkit": mine, "torch": theirs}}, rounds, 1, 2, seed)
    times = samples["stream"]
    return {
        "lstmkit": 1e3 * median_ms(times["lstmkit"]) / steps,  # ms per sequence -> us per step
        "torch": 1e3 * median_ms(times["torch"]) / steps,
        "ratio": spread(round_ratios(times["lstmkit"], times["torch"])),
    }


def import_time(repeats=5):
    """Median seconds of `import lstmkit` (and of `import numpy` alone) in fresh interpreters."""
    code = "import time; t=time.perf_counter(); import {}; print(time.perf_counter()-t)"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    result = {"repeats": repeats}
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


def _ratio(row, key, bold=False):
    """A ratio cell: `median (q1-q3; min-max)` over the rounds, the median in bold if asked."""
    found = row.ratios.get(key)
    if found is None:
        return "n/a"
    median = f"**{found.median:.2f}**" if bold else f"{found.median:.2f}"
    return f"{median} ({found.q1:.2f}-{found.q3:.2f}; {found.low:.2f}-{found.high:.2f})"


def cell_table(rows, peak):
    head = (
        "| config | shapes | rounds x calls | lstmkit infer ms | torch infer ms | "
        "**infer ratio** (IQR; min-max) | ort infer ms | lstmkit/ort (IQR; min-max) | "
        "floor infer / torch | lstmkit train ms | torch train ms | "
        "**train ratio** (IQR; min-max) | floor train / torch | "
        "lstmkit GFLOP/s (% peak) infer, train | torch GFLOP/s (% peak) infer, train | "
        "train peak MB lstmkit / torch (tracemalloc) |"
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
        cells = [
            f"| {row.label}",
            row.source,
            f"{row.rounds} x {row.calls}",
            _f(row.ms.get("lstmkit_infer")),
            _f(row.ms.get("torch_infer")),
            _ratio(row, "infer", bold=True),
            _f(row.ms.get("ort_infer")),
            _ratio(row, "ort"),
            _f(row.ratio("floor_infer")),
            _f(row.ms.get("lstmkit_train")),
            _f(row.ms.get("torch_train")),
            _ratio(row, "train", bold=True),
            _f(row.ratio("floor_train")),
            f"{_f(rate['lstmkit_infer'], '.0f')} ({_f(pct['lstmkit_infer'], '.0f')}%), "
            f"{_f(rate['lstmkit_train'], '.0f')} ({_f(pct['lstmkit_train'], '.0f')}%)",
            f"{_f(rate['torch_infer'], '.0f')} ({_f(pct['torch_infer'], '.0f')}%), "
            f"{_f(rate['torch_train'], '.0f')} ({_f(pct['torch_train'], '.0f')}%)",
            f"{_f(_mb(mk), '.1f')} / {_f(_mb(th), '.1f')} "
            f"({_f(_mb(mk, 'tracemalloc_bytes'), '.1f')})",
        ]
        lines.append(" | ".join(cells) + " |")
    return "\n".join(lines)


def worst(rows, cell, keys):
    """(worst median ratio, its row) over the rows of `cell` and the ratios `keys`, or None."""
    found = [(r.ratio(k), r) for r in rows if r.cell == cell for k in keys]
    found = [(v, r) for v, r in found if v is not None]
    if not found:
        return None
    return max(found, key=lambda pair: pair[0])


def targets(rows, stream, imports):
    """(target, measured, met) lines of issue 24's targets (and the memory, streaming and
    import targets of the earlier issues), judged on each row's median ratio over the rounds;
    the worst row's spread is shown beside it."""
    out = []
    limits = {"lstm": 1.0, "gru": 0.6, "rnn": 0.6}
    for cell, limit in limits.items():
        for key, what in (("train", "training"), ("infer", "inference")):
            found = worst(rows, cell, [key])
            if found is None:
                continue
            value, row = found
            over = sum(1 for r in rows if r.cell == cell and (r.ratio(key) or 0) > limit)
            total = sum(1 for r in rows if r.cell == cell and r.ratio(key) is not None)
            measured = (
                f"worst {_ratio(row, key)} at {row.label} ({row.source}); "
                f"{over} of {total} shapes above"
            )
            out.append(
                (f"{CELLS[cell][0]} {what} <= {limit} of torch, every shape", measured, over == 0)
            )
    for row in rows:
        c = row.config
        if row.cell == "lstm" and c.batch == 1 and c.steps == 100 and row.ratios.get("ort"):
            value = row.ratio("ort")
            out.append(
                (f"LSTM inference {row.label} <= onnxruntime", _ratio(row, "ort"), value <= 1.0)
            )
    for (cell, size), r in stream.items():
        if cell == "lstm":
            ratio = r["ratio"]
            out.append((f"N=1 streaming LSTM step (I, H = {size}) <= 0.5 of LSTMCell",
                        ratio.text(), ratio.median <= 0.5))  # fmt: skip
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
        worst_memory = max(a / b for a, b in resolvable)
        measured = (
            f"{worse} of {len(resolvable)} rows above; worst ratio {worst_memory:.2f} "
            f"({len(mem) - len(resolvable)} rows under 1 MiB not compared)"
        )
        out.append(("training peak memory <= torch's (every row)", measured, worse == 0))
    if imports:
        out.append(
            ("import lstmkit < 0.5 s", f"{imports['lstmkit']:.3f} s", imports["lstmkit"] < 0.5)
        )
    return out


def write_report(path, env_lines, peak_rates, rows, stream, imports, command):
    """The report as Markdown: to `path`, or returned only when `path` is None."""
    peak = max(peak_rates.values())
    parts = ["# lstmkit performance against PyTorch (CPU) and onnxruntime", ""]
    parts += [f"Reproduce: `{command}`", ""]
    parts += [f"- {line}" for line in env_lines]
    parts += [
        f"- GEMM peak of this run (float32 1024x1024x1024, best of 7): NumPy "
        f"{peak_rates['numpy']:.0f} GFLOP/s, torch {peak_rates['torch']:.0f} GFLOP/s; "
        f"'% peak' below is against {peak:.0f}.",
        "- Method: after warm-up calls, each round visits every shape of a cell in a random "
        "order, and within a shape the contenders alternate call by call in an order drawn "
        "per round. A ratio (lstmkit / peer, below 1: lstmkit is faster) is taken per round, "
        "median of lstmkit's calls over median of the peer's, and given as the median over the "
        "rounds with its interquartile range and its range: `median (q1-q3; min-max)`. Times "
        "(ms) are medians of all timed calls. 'shapes': the fixed grid, or drawn at random "
        "(bench/harness.py RANGES) from the seed in the command above.",
        "- 'floor / torch' is the time of the bare GEMMs of lstmkit's scan alone "
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
        parts += ["| cell | I, H | lstmkit `step` | torch cell | ratio (IQR; min-max) |",
                  "|---|---|---|---|---|"]  # fmt: skip
        for (cell, size), r in stream.items():
            name = CELLS[cell][0]
            parts.append(
                f"| {name} vs nn.{name}Cell | {size} | {r['lstmkit']:.1f} | {r['torch']:.1f} "
                f"| {r['ratio'].text()} |"
            )
        parts.append("")
    if imports:
        parts += [
            f"Import: `import lstmkit` {imports['lstmkit']:.3f} s in a fresh interpreter "
            f"(median of {imports['repeats']}; `import numpy` alone {imports['numpy']:.3f} s).",
            "",
        ]
    parts += ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
    parts += [
        f"| {t} | {m} | {'yes' if ok else 'NO'} |" for t, m, ok in targets(rows, stream, imports)
    ]
    text = "\n".join(parts) + "\n"
    if path is not None:
        write_atomically(path, text)
    return text


# ---------------------------------------------------------------------------- main


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: small grid, 3 rounds of 2 calls, no memory probes; "
                        "prints the report and writes it only with --out")  # fmt: skip
    parser.add_argument("--threads", type=int, default=1, help="threads of every library (1)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (7; --quick 3)")
    parser.add_argument("--calls", type=int, help="calls per contender per round (5; --quick 2)")
    parser.add_argument("--warmups", type=int, help="untimed calls each before the rounds (2)")
    parser.add_argument("--random-shapes", type=int, metavar="K",
                        help="shapes drawn at random beside the grid (8; --quick 1)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random shapes and of the round orders (0)")  # fmt: skip
    parser.add_argument("--shapes", nargs="+", type=parse_config, metavar="N,T,I,H",
                        help="shapes to run instead of the fixed grid")  # fmt: skip
    parser.add_argument("--cells", nargs="+", choices=sorted(CELLS), default=["lstm", "gru", "rnn"])
    parser.add_argument("--no-memory", action="store_true", help="skip the memory probes")
    parser.add_argument("--tables-only", action="store_true",
                        help="skip memory probes, streaming and import timing")  # fmt: skip
    parser.add_argument("--keep-openblas-env", action="store_true",
                        help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE if set")  # fmt: skip
    parser.add_argument("--out", type=Path,
                        help="report file (default bench/RESULTS.md at 1 thread, "
                        "bench/RESULTS_<n>threads.md otherwise; none with --quick)")  # fmt: skip
    parser.add_argument("--memory-probe", nargs=8, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {"rounds": 3 if quick else 7, "calls": 2 if quick else 5,
                "warmups": 1 if quick else 2, "random_shapes": 1 if quick else 8}  # fmt: skip
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    for name in ("threads", "rounds", "calls"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1; got {getattr(args, name)}")
    if args.warmups < 0 or args.random_shapes < 0:
        parser.error("--warmups and --random-shapes must be at least 0")
    if args.out is None and not quick and not args.memory_probe:
        name = "RESULTS.md" if args.threads == 1 else f"RESULTS_{args.threads}threads.md"
        args.out = Path(__file__).with_name(name)
    return args


def plan_rows(args) -> list[Row]:
    """The rows of the run: per cell, the fixed grid (or --shapes), then the random shapes."""
    if args.shapes:
        grid = [(tuple(vars(c).values()), 1, False) for c in args.shapes]
    else:
        grid = [(c, 1, False) for c in (QUICK_GRID if args.quick else GRID)]
        if not args.quick:
            grid += [(EXTRA, 2, False), (EXTRA, 1, True)]
    drawn = [(shape, 1, False) for shape in random_shapes(args.random_shapes, args.seed)]
    rows = []
    for cell in args.cells:
        for source, shapes in (("grid", grid), ("random", drawn)):
            for sizes, layers, bidir in shapes:
                row = Row(cell, Config(*sizes), layers, bidir, source)
                row.flops = forward_flops(row.config, layers, 2 if bidir else 1, CELLS[cell][1])
                rows.append(row)
    return rows


def measure_cell(cell_rows, args) -> None:
    """Time every row of one cell in the same interleaved rounds (all shapes per round)."""
    calls = {}
    for index, row in enumerate(cell_rows):
        named, why = contenders(row.cell, row.config, row.layers, row.bidirectional,
                                args.threads, args.quick)  # fmt: skip
        if why:
            print(f"    {row.cell} {row.label}: no onnxruntime ({why})", flush=True)
        calls[index] = {name: f for name, f in named.items() if f is not None}
    samples = run_rounds(calls, args.rounds, args.calls, args.warmups, args.seed,
                         progress=lambda line: print(f"    {line}", flush=True))  # fmt: skip
    for index, row in enumerate(cell_rows):
        row.record(samples[index], args.rounds, args.calls)
        print(f"{row.cell} {row.label} ({row.source}): "
              + ", ".join(f"{k} {v.median:.2f}" for k, v in row.ratios.items()),
              flush=True)  # fmt: skip


def main(argv=None):
    args = parse_args(argv)
    if args.memory_probe:
        prepare_threads(args.threads)
        sys.path.insert(0, str(REPO_ROOT))
        library, cell, *sizes, layers, bidir = args.memory_probe
        with thread_limits(args.threads):
            import torch

            torch.set_num_threads(args.threads)
            sizes = [int(s) for s in sizes]
            print(json.dumps(memory_probe(library, cell, sizes, int(layers), bidir == "1")))
        return None
    numpy_was_loaded = "numpy" in sys.modules  # as when a test calls main
    removed = {}
    if not args.keep_openblas_env and not numpy_was_loaded:
        removed = clear_openblas_kernel_vars()  # before NumPy, torch or lstmkit load OpenBLAS
    if not numpy_was_loaded:
        prepare_threads(args.threads)
    sys.path.insert(0, str(REPO_ROOT))
    import torch

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        with thread_limits(args.threads) as how:
            return run(args, argv, how, removed, numpy_was_loaded)
    finally:
        torch.set_num_threads(previous_threads)


def run(args, argv, how, removed, numpy_was_loaded):
    import torch

    extra = [
        f"torch: {torch.get_num_threads()} intra-op threads (torch.set_num_threads), "
        f"{torch.get_num_interop_threads()} inter-op; onnxruntime: intra_op_num_threads "
        f"{args.threads}, inter_op 1",
        f"fused numba kernels: {'on' if _kernels_on() else 'off'}; float32, batch_first",
        f"checkout: {git_commit(REPO_ROOT)}",
    ]
    if numpy_was_loaded:
        extra.append("NumPy was loaded before the script set its environment (called in-process)")
    env_lines = machine_lines(args.threads, how, removed, extra)
    print("\n".join(env_lines), flush=True)
    peak_rates = gemm_peak(args.threads)
    print(f"GEMM peak: {peak_rates}", flush=True)
    rows = plan_rows(args)
    for cell in args.cells:
        measure_cell([row for row in rows if row.cell == cell], args)
    if not (args.no_memory or args.tables_only or args.quick):
        for row in rows:
            measure_memory(row, args.threads)
    stream, imports = {}, {}
    if not args.tables_only:
        for cell in args.cells:
            for size in STREAM_SIZES[:1] if args.quick else STREAM_SIZES:
                stream[(cell, size)] = streaming(
                    cell, *size, rounds=5 if args.quick else 15, seed=args.seed
                )
                print(f"stream {cell} {size}: {stream[(cell, size)]}", flush=True)
        imports = import_time(repeats=2 if args.quick else 5)
        print(f"import: {imports}", flush=True)
    env_lines.append(f"load average at the end: {os.getloadavg()[0]:.1f} (1 minute)")
    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = write_report(args.out, env_lines, peak_rates, rows, stream, imports, command.strip())
    print(text)
    if args.out is not None:
        print(f"wrote {args.out}")
    return text


def _kernels_on():
    from lstmkit.ops.jit import fused_kernels

    return fused_kernels() is not None


if __name__ == "__main__":
    main()
