"""Time-series classification on five UEA/UCR sets: lstmkit beside 1-NN DTW and MiniRocket.

For each data set in ../shared/data/timeseries/ (JapaneseVowels, BasicMotions, Coffee, ACSF1,
PickupGestureWiimoteZ) it fits `lstmkit.models.SequenceClassifier(seed=s)` on the TRAIN file
for seeds 0..n-1 and scores it on the TEST file; in the same run it fits aeon's 1-NN DTW
(full window, deterministic: one fit) and MiniRocket (random kernels: one fit per seed;
"n/a" for variable-length sets, which MiniRocket cannot take). It prints a Markdown table
ready for docs/benchmarks.md, the published LSTM-FCN / ALSTM-FCN accuracies where they exist,
and a line of machine and library versions.

aeon is a bench-only dependency (`pip install -e ".[bench]"`); lstmkit never imports it.

Run from the repository root:

    python bench/timeseries_classification.py                     # 5 seeds, all five sets
    python bench/timeseries_classification.py --skip-lstmkit      # the baselines alone
    python bench/timeseries_classification.py --seeds 2 --datasets Coffee \\
        --architecture lstm lstm-fcn alstm-fcn      # one column per architecture

Fit times are wall-clock and CPU seconds of the fit: on a machine shared with other jobs the
wall-clock time grows with the load, while the CPU time (one BLAS thread: the script sets
OPENBLAS_NUM_THREADS=1 unless it is set) is what the fit costs on an idle core.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads: CPU time = one core

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "timeseries"

# Published LSTM-FCN / ALSTM-FCN test accuracies, only where they could be checked.
# Coffee: Karim, Majumdar, Darabi, Chen, "LSTM Fully Convolutional Networks for Time Series
#   Classification", IEEE Access 6, 2018 (arXiv:1709.05206); the figures as the authors list them
#   in their repository, github.com/titu1994/LSTM-FCN, Results/train_loss_old_datasets.csv
#   (models chosen on training loss): LSTM-FCN 1.0, ALSTM-FCN 1.0 (1-NN DTW 1.0 there too).
# ACSF1 and PickupGestureWiimoteZ joined the UCR archive in 2018, after that paper, and are not
#   in it; no LSTM-FCN figure for BasicMotions was found. JapaneseVowels is in the multivariate
#   paper (Karim et al., "Multivariate LSTM-FCNs for Time Series Classification", Neural
#   Networks 116, 2019), whose per-set table could not be read here to check the figure: none is
#   given, and the best deep-learning figure of ../shared/data/README.md (FCN, Ismail Fawaz et
#   al. 2019) stands beside it instead.
PUBLISHED = {
    "JapaneseVowels": "none verified (MLSTM-FCN paper's table not checked); FCN 0.993",
    "BasicMotions": "none found; modern classifiers 1.00",
    "Coffee": "LSTM-FCN 1.000, ALSTM-FCN 1.000 (Karim et al. 2018)",
    "ACSF1": "none (set newer than the paper)",
    "PickupGestureWiimoteZ": "none (set newer than the paper)",
}


def load(name):
    """The TRAIN and TEST TSData of one data set."""
    from lstmkit.data import read_ts

    return tuple(read_ts(DATA / f"{name}_{part}.ts") for part in ("TRAIN", "TEST"))


def to_aeon(X):
    """lstmkit's (T, C) series as aeon wants them: one (N, C, T) array when the lengths are
    equal, else a list of (C, T) arrays (aeon's format for unequal lengths)."""
    series = [np.ascontiguousarray(x.T) for x in X]
    if len({s.shape[1] for s in series}) == 1:
        return np.stack(series)
    return series


def timed(fit_and_score):
    """Run fit_and_score() and return (its accuracy, the seconds it took)."""
    started = time.perf_counter()
    accuracy = fit_and_score()
    return accuracy, time.perf_counter() - started


def cpu_timed(fit):
    """Run fit() and return (wall-clock seconds, CPU seconds of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fit()
    return time.perf_counter() - wall, time.process_time() - cpu


def lstmkit_run(train, test, seed, architecture):
    """Fit SequenceClassifier with its defaults (plus `architecture` when given); return
    (test accuracy, fit wall-clock seconds, fit CPU seconds)."""
    from lstmkit.models import SequenceClassifier

    options = {} if architecture is None else {"architecture": architecture}
    model = SequenceClassifier(seed=seed, **options)
    wall, cpu = cpu_timed(lambda: model.fit(train.X, train.y))
    return model.score(test.X, test.y), wall, cpu


def warm_up(train):
    """Fit and score both aeon baselines once, untimed, on one case per class of `train`, so
    numba's compilation (tens of seconds on the first call) stays out of the measured times."""
    from lstmkit.data import TSData

    _, first = np.unique(train.y, return_index=True)
    cases = [train.X[i] for i in first]
    equal = len({len(x) for x in cases}) == 1
    sample = TSData(
        X=cases,
        y=train.y[first],
        class_labels=None,
        problem_name=None,
        equal_length=equal,
        has_missing=False,
    )
    dtw_run(sample, sample)
    minirocket_run(sample, sample, seed=0)


def check_aeon(parser):
    """Refuse to start without aeon, naming the install command, instead of failing with an
    import error in the middle of the first data set."""
    import importlib.util

    if importlib.util.find_spec("aeon") is None:
        parser.error('aeon is not installed; the baselines need it: pip install -e ".[bench]"')


def check_architectures(parser, architectures):
    """Refuse an unknown --architecture up front, not after the baselines."""
    from lstmkit.models import SequenceClassifier

    known = SequenceClassifier.hyperparameters["architecture"]
    for architecture in architectures:
        if architecture is not None and not known.accepts(architecture):
            parser.error(f"--architecture {architecture!r}: must be {known.expected()}")


def dtw_run(train, test):
    """1-NN with the full-window DTW distance; return (test accuracy, fit+predict seconds)."""
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    model = KNeighborsTimeSeriesClassifier(distance="dtw", n_neighbors=1)
    return timed(lambda: model.fit(to_aeon(train.X), train.y).score(to_aeon(test.X), test.y))


def minirocket_run(train, test, seed):
    """MiniRocket transform + ridge classifier (aeon's MiniRocketClassifier) seeded with
    `seed`; return (test accuracy, fit+predict seconds), or None for variable lengths."""
    from aeon.classification.convolution_based import MiniRocketClassifier

    if not (train.equal_length and test.equal_length and len(train.X[0]) == len(test.X[0])):
        return None
    model = MiniRocketClassifier(random_state=seed)
    return timed(lambda: model.fit(to_aeon(train.X), train.y).score(to_aeon(test.X), test.y))


def spread(values, digits=3):
    """'mean ± sd (min-max)' of a list of numbers (sd 0 for a single value)."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    mean = statistics.mean(values)
    return (
        f"{mean:.{digits}f} ± {sd:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"
    )


def shape_label(name, train):
    """'name (train cases, length, classes)' with 'variable' for unequal lengths."""
    lengths = train.lengths
    length = str(lengths[0]) if train.equal_length else f"variable {lengths.min()}-{lengths.max()}"
    channels = train.X[0].shape[1]
    extra = f", {channels} channels" if channels > 1 else ""
    return f"{name} ({len(train)}, {length}, {len(set(train.y))} classes{extra})"


def versions_line():
    """One line naming the machine and the library versions the numbers were measured with."""
    import aeon
    import sklearn

    return (
        f"Measured on {platform.machine()} with {os.cpu_count()} cores; Python "
        f"{platform.python_version()}, NumPy {np.__version__}, aeon {aeon.__version__}, "
        f"scikit-learn {sklearn.__version__}."
    )


def benchmark(name, args, deadline):
    """All methods on one data set; returns the row's cells and prints per-seed progress."""
    train, test = load(name)
    warm_up(train)
    dtw_accuracy, dtw_seconds = dtw_run(train, test)
    print(f"{name} 1-NN DTW: accuracy {dtw_accuracy:.4f}, {dtw_seconds:.1f} s", flush=True)
    rocket = [minirocket_run(train, test, seed) for seed in range(args.seeds)]
    if rocket[0] is None:
        rocket_cell = "n/a (variable lengths)"
    else:
        rocket_cell = (
            f"{spread([a for a, _ in rocket])}, {statistics.mean(s for _, s in rocket):.1f} s"
        )
    print(f"{name} MiniRocket: {rocket_cell}", flush=True)
    lstmkit_cells = []
    for architecture in [] if args.skip_lstmkit else args.architecture:
        lstmkit_cells.append(lstmkit_cell(name, train, test, architecture, args.seeds, deadline))
    return [
        shape_label(name, train),
        *lstmkit_cells,
        f"{dtw_accuracy:.3f}, {dtw_seconds:.1f} s",
        rocket_cell,
        PUBLISHED[name],
    ]


def lstmkit_cell(name, train, test, architecture, seeds, deadline):
    """The table cell of one architecture (None: the default) over seeds 0..seeds-1."""
    results = []
    for seed in range(seeds):
        if time.monotonic() > deadline:
            print(f"{name}: --max-minutes reached, seeds from {seed} skipped", flush=True)
            break
        results.append(lstmkit_run(train, test, seed, architecture))
        accuracy, wall, cpu = results[-1]
        print(
            f"{name} lstmkit {architecture or 'default'} seed {seed}: accuracy {accuracy:.4f}, "
            f"{wall:.1f} s ({cpu:.1f} s CPU)",
            flush=True,
        )
    if not results:
        return "not run"
    accuracies, walls, cpus = zip(*results, strict=True)
    return (
        f"{spread(list(accuracies))}, {len(results)} seeds, {statistics.mean(walls):.0f} s "
        f"({statistics.mean(cpus):.0f} s CPU, max {max(cpus):.0f} s)"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..n-1 (default 5)")
    parser.add_argument("--datasets", nargs="+", default=list(PUBLISHED), choices=list(PUBLISHED))
    parser.add_argument(
        "--architecture",
        nargs="+",
        default=[None],
        help="SequenceClassifier's architecture=, one table column each (default: the "
        "estimator's own default)",
    )
    parser.add_argument(
        "--skip-lstmkit", action="store_true", help="run the 1-NN DTW and MiniRocket baselines only"
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="start no further lstmkit fit after this many minutes (the baselines always run)",
    )
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    sys.path.insert(0, str(REPO))
    check_aeon(parser)
    check_architectures(parser, args.architecture)
    budget = float("inf") if args.max_minutes is None else 60 * args.max_minutes
    deadline = time.monotonic() + budget

    rows = [benchmark(name, args, deadline) for name in args.datasets]
    columns = [
        "data set (train, length, classes)",
        *(
            f"lstmkit ({architecture or 'default'}): test accuracy mean ± sd (min-max), fit time"
            for architecture in ([] if args.skip_lstmkit else args.architecture)
        ),
        "1-NN DTW (full window), fit + predict time",
        f"MiniRocket, {args.seeds} seeds, fit + predict time",
        "published LSTM-FCN / ALSTM-FCN",
    ]
    print("\n| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("\n" + versions_line())


if __name__ == "__main__":
    main()
