"""One thread per worker: a worker that runs one of n_jobs fits leaves the other cores to the
other workers, where its BLAS would otherwise start one thread per core in every worker
(n_jobs x cores threads on cores cores)."""

import signal
import threading
from contextlib import contextmanager


@contextmanager
def one_thread(in_worker: bool = True):
    """Inside: the BLAS (and OpenMP) thread pools of this process limited to one thread, and,
    `in_worker`, Ctrl-C ignored (the parent process alone handles it: it stops the workers,
    `dispatch`). Not in the caller's own process: joblib runs the tasks there when n_jobs
    comes to one core (-1 on one core, -2 on two), and Ctrl-C must still stop them.

    lstmkit's numba kernels are compiled without `parallel=True`, so numba starts no threads
    of its own to limit."""
    from threadpoolctl import threadpool_limits

    from lstmkit.ops.jit import preload_loops

    preload_loops()  # the compiled loops' BLAS (SciPy's) would load at the first fit, unlimited
    with threadpool_limits(limits=1), _without_ctrl_c(in_worker):
        yield


@contextmanager
def _without_ctrl_c(in_worker: bool):
    # a signal handler can be set from the main thread only; a Dask worker runs its tasks in
    # threads, which Python never interrupts anyway
    if not in_worker or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
