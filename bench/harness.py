"""The timing method of `bench/run.py`: interleaved rounds, ratios with their spread, seeded
random shapes, and a statement of the machine. Nothing here imports NumPy at module level, so
that `run.py` can set the BLAS environment before NumPy loads.

Why each piece is there (a benchmark that flatters is worse than none):

* Interleaving. A round visits every shape in a random order; within a shape the contenders
  (lstmkit, torch, onnxruntime, the GEMM floor) run in an order drawn afresh for each round and
  alternate call by call, `calls` times each:

      round r:  for case in shuffle(cases):
                    order = shuffle(contenders)
                    repeat calls times:  for name in order: time name()

  so a burst of load from elsewhere on the machine, or a drift in clock speed, hits both
  libraries alike instead of one library's whole block. Warm-up calls (JIT compilation, first
  allocations, BLAS thread start) run before the first round and are never timed.
* Ratios per round. The ratio of a round is median(lstmkit's calls) / median(torch's calls) in
  that round, both taken under the same conditions; the report gives the median of these
  ratios over the rounds with their interquartile range and their range (min-max), so that a
  reader sees how far one run can be trusted.
* Random shapes. Beside the fixed grid, `random_shapes(k, seed)` draws k shapes uniformly from
  RANGES (N in 1-64, T in 20-300, I in 8-256, H in 32-384) with a seed given on the command
  line: no fixed grid can be tuned to, and anyone can redraw the same shapes.
* The machine. `machine_lines` states the CPU model, the BLAS library, its version and the
  kernel it chose (its core type), the thread counts each library really runs with, the
  library versions and the load average, so that two results can be compared only where the
  machines are.
"""

import contextlib
import importlib.util
import os
import platform
import random
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# The ranges the random shapes are drawn from, inclusive: (low, high) per Config field.
RANGES = {
    "batch": (1, 64),
    "steps": (20, 300),
    "input_size": (8, 256),
    "hidden_size": (32, 384),
}

# OpenBLAS variables that select a slower kernel on some processors: the environment notes of
# this project's machines advise running benchmarks without them (unset both together).
OPENBLAS_KERNEL_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# Thread variables set before NumPy loads when threadpoolctl is not there to set the pool.
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# ---------------------------------------------------------------------------- shapes


def random_shapes(count: int, seed: int) -> list[tuple[int, int, int, int]]:
    """`count` shapes (N, T, I, H), each size drawn uniformly from RANGES with `seed`.

    The same (count, seed) gives the same shapes on every machine and Python version
    (`random.Random` is seeded from the int alone), and the first k shapes of a larger count
    are the k shapes of count k.
    """
    if count < 0:
        raise ValueError(f"count must be at least 0; got {count}")
    rng = random.Random(seed)
    return [tuple(rng.randint(*RANGES[field]) for field in RANGES) for _ in range(count)]


# ---------------------------------------------------------------------------- rounds


def round_orders(cases: Sequence, contenders: dict, rounds: int, seed: int) -> list[list]:
    """The schedule: per round, a list of (case, [contender names]) in the order they run.

    `contenders` maps each case to its contender names. Every round holds every case once and,
    for each case, every one of its contenders once; the order of the cases and of the
    contenders within each case is drawn anew per round from `seed`.
    """
    rng = random.Random(seed)
    schedule = []
    for _ in range(rounds):
        visit = list(cases)
        rng.shuffle(visit)
        round_plan = []
        for case in visit:
            names = list(contenders[case])
            rng.shuffle(names)
            round_plan.append((case, names))
        schedule.append(round_plan)
    return schedule


def run_rounds(
    calls: dict,
    rounds: int,
    calls_per_round: int,
    warmups: int,
    seed: int,
    clock: Callable[[], float] = time.perf_counter,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Time `calls` ({case: {name: callable}}) in interleaved rounds (module docstring).

    Returns {case: {name: [[seconds of each call] per round]}}: `rounds` lists of
    `calls_per_round` times for every case and contender. Each contender is called `warmups`
    times before the first round, untimed.
    """
    if rounds < 1 or calls_per_round < 1 or warmups < 0:
        raise ValueError(
            f"rounds and calls per round must be at least 1 and warm-ups at least 0; got "
            f"{rounds}, {calls_per_round}, {warmups}"
        )
    for case, named in calls.items():
        for _ in range(warmups):
            for f in named.values():
                f()
        if progress:
            progress(f"warmed up {case}")
    samples = {case: {name: [] for name in named} for case, named in calls.items()}
    schedule = round_orders(list(calls), {c: list(n) for c, n in calls.items()}, rounds, seed)
    for index, round_plan in enumerate(schedule, start=1):
        for case, names in round_plan:
            times = {name: [] for name in names}
            for _ in range(calls_per_round):
                for name in names:
                    start = clock()
                    calls[case][name]()
                    times[name].append(clock() - start)
            for name in names:
                samples[case][name].append(times[name])
        if progress:
            progress(f"round {index}/{rounds} done")
    return samples


@dataclass(frozen=True)
class Spread:
    """The median of some values, their quartiles (q1, q3: the interquartile range) and their
    range (low, high), over `count` values."""

    median: float
    q1: float
    q3: float
    low: float
    high: float
    count: int

    def text(self, spec: str = ".2f") -> str:
        """`median (q1-q3; low-high)`, the form of the tables."""
        return (
            f"{self.median:{spec}} ({self.q1:{spec}}-{self.q3:{spec}}; "
            f"{self.low:{spec}}-{self.high:{spec}})"
        )


def spread(values: Sequence[float]) -> Spread:
    """Median, quartiles and range of `values` (at least one). The quartiles are the medians
    of the lower and upper halves, the middle value belonging to both when the count is odd
    (Tukey's hinges): for 1, 2, 3, 4, 5 they are 2 and 4; for one value all five are it."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("spread needs at least one value; got none")
    n = len(ordered)
    half = (n + 1) // 2
    return Spread(
        median=statistics.median(ordered),
        q1=statistics.median(ordered[:half]),
        q3=statistics.median(ordered[n - half :]),
        low=ordered[0],
        high=ordered[-1],
        count=n,
    )


def round_ratios(mine: Sequence[Sequence[float]], theirs: Sequence[Sequence[float]]) -> list:
    """Per round, median(mine's call times) / median(theirs'); the two must have as many
    rounds."""
    if len(mine) != len(theirs):
        raise ValueError(f"both need the same number of rounds; got {len(mine)} and {len(theirs)}")
    return [statistics.median(a) / statistics.median(b) for a, b in zip(mine, theirs, strict=True)]


def median_ms(rounds: Sequence[Sequence[float]]) -> float:
    """The median of every call of every round, in milliseconds."""
    return 1e3 * statistics.median([t for one_round in rounds for t in one_round])


# ---------------------------------------------------------------------------- environment


def clear_openblas_kernel_vars(environ=os.environ) -> dict:
    """Remove OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (both together) from `environ`; returns
    the values that were there. Must run before NumPy loads to have any effect."""
    return {name: environ.pop(name) for name in OPENBLAS_KERNEL_VARS if name in environ}


def prepare_threads(threads: int) -> bool:
    """Before NumPy loads: when threadpoolctl is missing, set OMP/OPENBLAS/MKL_NUM_THREADS
    (the only way left to size the BLAS pool); returns whether it did. With threadpoolctl no
    variable is set and `thread_limits` sizes the pools once they are loaded."""
    if importlib.util.find_spec("threadpoolctl") is not None:
        return False
    for name in THREAD_ENV_VARS:
        os.environ[name] = str(threads)
    return True


@contextlib.contextmanager
def thread_limits(threads: int):
    """Within the block, every BLAS and OpenMP pool loaded so far (NumPy's, torch's) runs
    `threads` threads (threadpoolctl), and the previous sizes come back after it, so that a
    caller's process (a test) is left as it was. Yields how the pools were set."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield f"{', '.join(THREAD_ENV_VARS)}={threads} before NumPy loaded (no threadpoolctl)"
        return
    if importlib.util.find_spec("scipy") is not None:
        # lstmkit's compiled time loops call SciPy's BLAS, a pool of its own that would load
        # only at the first layer run, after the limits are set, and keep its default threads
        import scipy.linalg.cython_blas  # noqa: F401
    with threadpool_limits(limits=threads):
        yield f"threadpoolctl.threadpool_limits({threads})"


def cpu_model(cpuinfo: str | None = None) -> str:
    """The CPU's model name from /proc/cpuinfo (`cpuinfo`: its text, for tests), else what
    `platform` knows."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            cpuinfo = ""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "cpu model") and value.strip():
            return value.strip()
    return platform.processor() or platform.machine() or "unknown CPU"


def blas_pools() -> list[str]:
    """One line per thread pool threadpoolctl finds: library, version, kernel (core type),
    threading layer and threads; an explanation when threadpoolctl is missing."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ['thread pools: threadpoolctl missing (pip install "lstmkit[bench]")']
    lines = []
    for pool in threadpool_info():
        details = [pool.get("user_api")]
        if pool.get("architecture"):
            details.append(f"kernel {pool['architecture']}")
        if pool.get("threading_layer"):
            details.append(pool["threading_layer"])
        name = " ".join(str(p) for p in (pool.get("internal_api"), pool.get("version")) if p)
        lines.append(
            f"{name} ({', '.join(str(d) for d in details if d)}): {pool.get('num_threads')} "
            f"threads, {Path(pool.get('filepath', '?')).name}"
        )
    return lines


def library_versions() -> str:
    """Versions of Python, NumPy, torch, onnxruntime, numba and lstmkit (those installed)."""
    parts = [f"Python {platform.python_version()}"]
    for name in ("numpy", "torch", "onnxruntime", "numba", "lstmkit"):
        try:
            parts.append(f"{name} {importlib.import_module(name).__version__}")
        except ImportError:
            parts.append(f"{name} not installed")
    return ", ".join(parts)


def git_commit(folder: Path) -> str:
    """The short commit of the checkout at `folder`, saying so when it has uncommitted
    changes to tracked files."""

    def git(*words) -> str:
        command = ["git", "-C", str(folder), *words]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" +uncommitted changes" if dirty else "")


def machine_lines(threads: int, how: str, removed: dict, extra: Sequence[str] = ()) -> list[str]:
    """The statement of the machine and its settings for a report's header.

    `threads`: the count asked for; `how`: how the BLAS pools were set (`thread_limits`);
    `removed`: the OpenBLAS kernel variables cleared before NumPy loaded
    (`clear_openblas_kernel_vars`); `extra`: lines the caller adds (torch's threads, say).
    """
    import numpy as np

    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        numpy_blas = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
        configuration = blas.get("openblas configuration")
    except (AttributeError, KeyError, TypeError, ValueError):  # older NumPy, unusual builds
        numpy_blas, configuration = "unknown", None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    kept = {name: os.environ[name] for name in OPENBLAS_KERNEL_VARS if name in os.environ}
    if removed:
        kernel_vars = f"removed before NumPy loaded ({removed}), as the environment notes advise"
    elif kept:
        kernel_vars = f"kept as set ({kept}): OpenBLAS may run a slower kernel"
    else:
        kernel_vars = "not set"
    lines = [
        f"CPU: {cpu_model()}; {cores} cores available to this process "
        f"({os.cpu_count()} logical CPUs), {platform.machine()}, {platform.system()}",
        f"NumPy's BLAS: {numpy_blas}" + (f" (built as: {configuration})" if configuration else ""),
        *(f"thread pool: {line}" for line in blas_pools()),
        f"OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: {kernel_vars}",
        f"threads: {threads} asked for each library; BLAS pools set by {how}",
        *extra,
        f"versions: {library_versions()}",
        f"load average at start: {os.getloadavg()[0]:.1f} (1 minute)",
        f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
    ]
    return lines


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file renamed over it (no half-written
    report if the run is stopped)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
