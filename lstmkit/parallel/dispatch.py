"""`map_in_order`: independent tasks, in this process or through joblib, results in task order.

Bit-identical results for every n_jobs rest on the callers: everything random about a task
(its seeds, its data split) is fixed before dispatch and travels with the task, so a task
computes the same numbers in any process. The results travel back pickled, which keeps every
float exactly.
"""

import numbers
import os

from lstmkit.parallel.threads import one_thread

EXPECTED = "a nonzero integer (-1: every core, -2: all but one) or None"
EXTRA = 'pip install "lstmkit[parallel]"'


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while tasks ran in parallel. `done` holds the results of the first len(done)
    tasks, which had finished; the workers of the others were stopped and their work is lost."""

    def __init__(self, done: list):
        super().__init__(f"interrupted with {len(done)} of the parallel tasks finished")
        self.done = done


def check_n_jobs(n_jobs, name: str = "n_jobs"):
    """Return `n_jobs` if it is None or a nonzero integer, else raise ValueError naming it."""
    if n_jobs is None or _is_nonzero_integer(n_jobs):
        return n_jobs
    raise ValueError(f"{name} must be {EXPECTED}; got {n_jobs!r}")


def in_process(n_jobs) -> bool:
    """True for n_jobs None or 1: the tasks run here, one after another, as without n_jobs."""
    return n_jobs is None or n_jobs == 1


def map_in_order(function, tasks, n_jobs, on_result=None) -> list:
    """`[function(*task) for task in tasks]`, with `on_result(k, result)` called for each task's
    result in task order as soon as it and those before it are in (progress lines).

    In process (`in_process(n_jobs)`): a plain loop; an exception, Ctrl-C's included, comes
    out of the task that raised it unchanged. Otherwise `function` and the tasks are pickled
    to joblib's workers (so `function` must be a module-level function) and run under
    `one_thread`; Ctrl-C raises `Interrupted` with the results already in, after joblib has
    stopped the workers.
    """
    check_n_jobs(n_jobs)
    results = []
    if in_process(n_jobs):
        for task in tasks:
            _collect(results, function(*task), on_result)
        return results
    joblib = _joblib(n_jobs)
    parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator")
    try:
        caller = os.getpid()
        for result in parallel(joblib.delayed(_pinned)(function, task, caller) for task in tasks):
            _collect(results, result, on_result)
    except KeyboardInterrupt:
        raise Interrupted(results) from None
    return results


def _collect(results: list, result, on_result) -> None:
    results.append(result)
    if on_result is not None:
        on_result(len(results) - 1, result)


def _pinned(function, task, caller: int):
    """What a worker runs: one task, on one BLAS thread (`caller`: the dispatching process's
    id; joblib may run the task there itself)."""
    with one_thread(in_worker=os.getpid() != caller):
        return function(*task)


def _joblib(n_jobs):
    try:
        import joblib
        import threadpoolctl  # noqa: F401  (the workers pin their BLAS with it)
    except ImportError as error:
        raise ImportError(
            f"n_jobs={n_jobs} runs fits in parallel through joblib and threadpoolctl, which "
            f"are not installed ({error}); {EXTRA}, or use n_jobs=1"
        ) from error
    return joblib


def _is_nonzero_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value != 0
