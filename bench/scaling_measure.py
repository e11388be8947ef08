"""Measured speed-ups of issue 18's two kinds of parallelism, each configuration in a fresh
process with its thread count fixed before NumPy loads:

* n_jobs: the default SequenceClassifier (JapaneseVowels) and the default Forecaster (the
  airline series; and a panel of 200 synthetic monthly series) fitted with n_jobs=1 at 1 and
  2 BLAS threads, and with n_jobs=2 (each worker pinned to one thread);
* MPI data parallelism: the char LM (2x256, tinyshakespeare's first 200,000 characters, one
  epoch) and the Forecaster on the 200-series panel (one member, 20 epochs) trained at the
  same global batch by 1 rank x 1 thread, 1 rank x 2 threads and 2 ranks x 1 thread
  (`mpiexec -n 2`, distributed="mpi", per-rank batch half the global one).

Every configuration is run --repeats times and the fastest wall-clock time of `fit` (process
start and imports excluded) is kept: on a shared machine the fastest run is the one least
disturbed. The MPI rows also give the compute time of one step, which `bench/scaling.py
--step-seconds` takes to project to 8-128 ranks. Run from the repository root on an idle
machine (the load average is printed beside each table):

    python bench/scaling_measure.py njobs
    python bench/scaling_measure.py mpi
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEXT = REPO.parent / "shared" / "data" / "text" / "tinyshakespeare.txt"
CHARLM_CHARS = 200_000
PANEL_SERIES = 200


def panel(n_series: int = PANEL_SERIES):
    """n monthly series of 60-144 values: level, trend, a yearly cycle and noise (seeded)."""
    import numpy as np

    rng = np.random.default_rng(0)
    series = []
    for _ in range(n_series):
        n = int(rng.integers(60, 145))
        t = np.arange(n)
        cycle = rng.uniform(0.05, 0.3) * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6.3))
        trend = rng.uniform(-0.004, 0.01) * t
        noise = 0.05 * rng.standard_normal(n)
        series.append(rng.uniform(50, 5000) * np.exp(trend + cycle + noise))
    return series


def fit_job(job: str, n_jobs: int, distributed) -> dict:
    """Fit `job`; {"seconds": fit's wall time, "steps": optimiser steps or None}."""
    from lstmkit.models import CharLanguageModel, Forecaster, SequenceClassifier

    ranks = 1 if distributed is None else int(os.environ.get("PMI_SIZE", "1"))
    if job == "classifier":
        from lstmkit.datasets import load_japanese_vowels

        data = load_japanese_vowels("train")
        model, args = SequenceClassifier(seed=0, n_jobs=n_jobs), (data.X, data.y)
    elif job == "forecaster-airline":
        from lstmkit.datasets import load_airline

        model, args = Forecaster(seed=0, n_jobs=n_jobs), (load_airline().values[:, 0],)
    elif job == "forecaster-panel":
        model = Forecaster(horizon=18, period=12, seed=0, n_jobs=n_jobs)
        args = (panel(),)
    elif job == "forecaster-panel-mpi":
        model = Forecaster(
            horizon=18, period=12, seed=0, ensemble=1, epochs=20, patience=None,
            batch_size=32 // ranks, distributed=distributed,
        )  # fmt: skip
        args = (panel(),)
    elif job == "charlm-mpi":
        text = TEXT.read_text(encoding="utf-8")[:CHARLM_CHARS]
        model = CharLanguageModel(
            seed=0, epochs=1, patience=None, batch_size=32 // ranks, distributed=distributed
        )
        args = (text,)
    else:
        raise ValueError(f"job: unknown {job!r}")
    started = time.perf_counter()
    model.fit(*args)
    seconds = time.perf_counter() - started
    steps = None
    if job == "charlm-mpi":
        steps = model.n_chars_trained_ // (32 * model.seq_len)
    return {"seconds": seconds, "steps": steps}


def run_child(job: str, threads: int, n_jobs: int = 1, ranks: int = 1) -> dict:
    """Run one configuration in a fresh process (under mpiexec for ranks > 1)."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    child = [sys.executable, __file__, "child", job, str(n_jobs), "mpi" if ranks > 1 else "-"]
    command = ["mpiexec", "-n", str(ranks), *child] if ranks > 1 else child
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def best_of(repeats: int, job: str, **config) -> dict:
    runs = [run_child(job, **config) for _ in range(repeats)]
    return min(runs, key=lambda run: run["seconds"])


def load() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def njobs_table(repeats: int) -> None:
    print(f"load average before: {load()}")
    print("| fit | n_jobs=1, 1 thread | n_jobs=1, 2 threads | n_jobs=2 (1 thread each) "
          "| speed-up vs 1 thread | vs 2 threads |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for job in ("classifier", "forecaster-airline", "forecaster-panel"):
        one = best_of(repeats, job, threads=1)["seconds"]
        two_threads = best_of(repeats, job, threads=2)["seconds"]
        two_jobs = best_of(repeats, job, threads=1, n_jobs=2)["seconds"]
        print(f"| {job} | {one:.1f} s | {two_threads:.1f} s | {two_jobs:.1f} s "
              f"| {one / two_jobs:.2f} | {two_threads / two_jobs:.2f} |", flush=True)  # fmt: skip
    print(f"load average after: {load()}")


def mpi_table(repeats: int) -> None:
    print(f"load average before: {load()}")
    print("| fit (same global batch) | 1 rank x 1 thread | 1 rank x 2 threads "
          "| 2 ranks x 1 thread | speed-up vs 1x1 | vs 1x2 | step, 1x1 |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for job in ("charlm-mpi", "forecaster-panel-mpi"):
        one = best_of(repeats, job, threads=1)
        two_threads = best_of(repeats, job, threads=2)["seconds"]
        two_ranks = best_of(repeats, job, threads=1, ranks=2)["seconds"]
        step = f"{one['seconds'] / one['steps'] * 1e3:.0f} ms" if one["steps"] else "-"
        print(f"| {job} | {one['seconds']:.1f} s | {two_threads:.1f} s | {two_ranks:.1f} s "
              f"| {one['seconds'] / two_ranks:.2f} | {two_threads / two_ranks:.2f} "
              f"| {step} |", flush=True)  # fmt: skip
    print(f"load average after: {load()}")


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "child":
        job, n_jobs, distributed = argv[1], int(argv[2]), None if argv[3] == "-" else argv[3]
        result = fit_job(job, n_jobs, distributed)
        rank = int(os.environ.get("PMI_RANK", "0"))
        if rank == 0:
            print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", choices=("njobs", "mpi"))
    parser.add_argument("--repeats", type=int, default=2, help="runs per configuration (2)")
    args = parser.parse_args(argv)
    {"njobs": njobs_table, "mpi": mpi_table}[args.table](args.repeats)


if __name__ == "__main__":
    main()
