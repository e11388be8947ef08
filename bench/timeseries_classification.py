"""Sequence classification on the UEA data sets, with SequenceClassifier's default settings.

For each data set in ../shared/data/timeseries/ (JapaneseVowels, BasicMotions) it fits
`lstmkit.models.SequenceClassifier(seed=s)` on the TRAIN file for several seeds and prints the
TEST accuracy (mean, standard deviation, min, max) and the training time, beside the numbers
published for other methods (../shared/data/README.md).

Run from the repository root:

    python bench/timeseries_classification.py               # 5 seeds, both data sets
    python bench/timeseries_classification.py --seeds 2 --datasets JapaneseVowels
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "timeseries"
PUBLISHED = {
    "JapaneseVowels": "FCN 0.993, ResNet 0.992, MLP 0.976, echo-state RNN 0.965; target >= 0.98",
    "BasicMotions": "modern classifiers 1.00; target >= 0.95",
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..n-1 (default 5)")
    parser.add_argument("--datasets", nargs="+", default=list(PUBLISHED), choices=list(PUBLISHED))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from lstmkit.data import read_ts
    from lstmkit.models import SequenceClassifier

    rows = []
    for name in args.datasets:
        train, test = (read_ts(DATA / f"{name}_{part}.ts") for part in ("TRAIN", "TEST"))
        accuracies, seconds = [], []
        for seed in range(args.seeds):
            started = time.perf_counter()
            model = SequenceClassifier(seed=seed).fit(train.X, train.y)
            seconds.append(time.perf_counter() - started)
            accuracies.append(model.score(test.X, test.y))
            print(
                f"{name} seed {seed}: accuracy {accuracies[-1]:.4f}, "
                f"{model.n_epochs_} epochs, {seconds[-1]:.1f} s",
                flush=True,
            )
        rows.append((name, accuracies, seconds))

    print(
        "\n| data set | test accuracy, mean ± sd (min-max) over seeds | train time per fit | "
        "published / target |"
    )
    print("|---|---|---|---|")
    for name, accuracies, seconds in rows:
        spread = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
        print(
            f"| {name} | {statistics.mean(accuracies):.4f} ± {spread:.4f} "
            f"({min(accuracies):.4f}-{max(accuracies):.4f}), {len(accuracies)} seeds | "
            f"{statistics.mean(seconds):.1f} s | {PUBLISHED[name]} |"
        )


if __name__ == "__main__":
    main()
