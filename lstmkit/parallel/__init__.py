"""Independent fits on several cores or machines (`n_jobs`), through joblib.

Ensemble members and backtest refits do not depend on each other: `map_in_order` runs them
one after another in this process for `n_jobs` None or 1 (joblib is not even imported), or
hands them to `joblib.Parallel` otherwise: worker processes on this machine by default, a Dask
cluster inside `with joblib.parallel_backend("dask"):` (docs/scaling.md). Every worker's BLAS
runs on one thread (`threads.one_thread`), so that n_jobs workers on n_jobs cores do not
oversubscribe them. Results come back in task order, whatever order the workers finish in.

n_jobs means what it means in scikit-learn: None or 1 one process, k > 1 k workers, -1 as
many as the backend has (every core), -2 all but one, and so on; 0 is refused.
"""

from lstmkit.parallel.dispatch import Interrupted, check_n_jobs, in_process, map_in_order

__all__ = ["Interrupted", "check_n_jobs", "in_process", "map_in_order"]
