"""Text classification benchmark: the UCI sentiment sentences (Amazon, IMDb, Yelp; 1000 each).

For each source file separately: one fixed, seeded, stratified 80/20 split (split seed 0);
lstmkit's TextClassifier (default settings) trained with several seeds on the 80 %, its
test accuracy as mean and standard deviation, and its training time; beside it a
bag-of-words logistic regression on the same split (binary word presence of the same
tokenizer, lowercased; L2 penalty with scikit-learn's default strength C = 1, written here
in NumPy and fitted to convergence by accelerated gradient descent). Published context:
bag-of-words logistic regression on these sets scores roughly 0.78-0.82.

Run from the repository root:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python bench/text_classification.py --seeds 3

Regularised LSTMs (issue 21; bench/variants.py): `--variant all` (or some of plain,
layer_norm, variational, weight_drop, zoneout, awd; `--set name=value` for one more) fits every
variant with the same seeds and prints a table beside plain. `--select` scores on a stratified
20 % validation part of each training split instead of the test split (the model trained on
the other 80 % of it), for choosing defaults without looking at the test data:

    OPENBLAS_NUM_THREADS=1 python bench/text_classification.py --variant all --select
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/variants.py
from variants import add_variant_arguments, chosen_variants, variant_table  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "text" / "uci_sentiment"
SOURCES = ("amazon_cells", "imdb", "yelp")


def stratified_80_20(labels, seed=0):
    """(train indices, test indices): 20 % of each class to the test side."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    test = []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        test.extend(members[: round(0.2 * len(members))])
    test = np.array(sorted(test))
    return np.setdiff1d(np.arange(len(labels)), test), test


def bag_of_words_logistic_regression(train_texts, train_labels, test_texts, c=1.0, steps=2000):
    """Test predictions of an L2-penalised (multinomial) logistic regression on binary word
    presence: minimise mean cross-entropy + ||W||^2 / (2 C n), bias not penalised.

    The features are kept sparse, as (row, column) pairs of the ones, so that x @ W is a sum
    of rows of W and x^T G a scatter-add: a sentence has ~15 words of ~2000."""
    from lstmkit.data import Vocabulary, word_tokenize
    from lstmkit.ops.softmax import softmax

    tokens = [word_tokenize(t, lowercase=True) for t in train_texts]
    vocabulary = Vocabulary.build(tokens, specials=())
    width = len(vocabulary) + 1  # the last column is the bias

    def features(token_lists):
        """(rows, columns) of the ones: each known word once per text, plus the bias."""
        pairs = set()
        for row, words in enumerate(token_lists):
            pairs.update((row, vocabulary.id_of(w)) for w in words if w in vocabulary)
            pairs.add((row, width - 1))
        rows, columns = np.array(sorted(pairs)).T
        return rows, columns

    def times(pairs, w, n_rows):  # x @ w
        rows, columns = pairs
        out = np.zeros((n_rows, w.shape[1]))
        np.add.at(out, rows, w[columns])
        return out

    def transposed_times(pairs, g):  # x^T @ g
        rows, columns = pairs
        out = np.zeros((width, g.shape[1]))
        np.add.at(out, columns, g[rows])
        return out

    x = features(tokens)
    classes, y = np.unique(train_labels, return_inverse=True)
    n, k = len(tokens), len(classes)
    onehot = np.eye(k)[y]
    penalty = np.ones((width, 1)) / (c * n)
    penalty[-1] = 0.0
    # Lipschitz constant of the gradient: ||x||_2^2 / (2n) + 1/(Cn), ||x||_2 by power iteration
    v = np.random.default_rng(0).standard_normal((width, 1))
    for _ in range(100):
        v = transposed_times(x, times(x, v, n))
        v /= np.linalg.norm(v)
    norm = 1.01 * np.linalg.norm(times(x, v, n))  # power iteration approaches from below
    lipschitz = 0.5 * norm**2 / n + 1 / (c * n)
    w = np.zeros((width, k))
    momentum, previous = w.copy(), w.copy()
    for step in range(1, steps + 1):  # Nesterov's accelerated gradient on a smooth convex loss
        p = softmax(times(x, momentum, n))
        gradient = transposed_times(x, p - onehot) / n + penalty * momentum
        w = momentum - gradient / lipschitz
        momentum = w + (step - 1) / (step + 2) * (w - previous)
        previous = w
    test_tokens = [word_tokenize(t, lowercase=True) for t in test_texts]
    return classes[times(features(test_tokens), w, len(test_tokens)).argmax(axis=1)]


def main(argv=None) -> None:
    sys.path.insert(0, str(REPO))

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="how many seeds from --seed")
    parser.add_argument("--seed", type=int, default=0, help="the first seed")
    parser.add_argument("--sources", nargs="+", default=list(SOURCES), choices=SOURCES)
    parser.add_argument(
        "--select",
        action="store_true",
        help="score on a validation part of the training split, not on the test split",
    )
    add_variant_arguments(parser)
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)
    variants = chosen_variants(args)
    if list(variants) == ["plain"]:
        rows = [plain_against_baseline(source, args.seeds, args.select) for source in args.sources]
        print_baseline_table(rows, args.seeds)
    else:
        rows = {source: compare_variants(source, variants, args) for source in args.sources}
        rows["mean of the sources"] = {
            variant: mean_over_sources(rows, variant) for variant in ["BoW LR", *variants]
        }
        where = "validation part of the training split" if args.select else "test split"
        print(f"\naccuracy on the {where}\n" + variant_table(rows, "accuracy"))
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=1))


def split_source(source: str, select: bool):
    """((train texts, labels), (scored texts, labels)) of one source: its fixed 80/20 split,
    or with `select` the training part split again 80/20 (split seed 1)."""
    from lstmkit.data.labelled_text import read_labelled_text

    texts, labels = read_labelled_text(DATA / f"{source}_labelled.txt")
    train, test = stratified_80_20(labels)
    if select:
        inner_train, validation = stratified_80_20([labels[i] for i in train], seed=1)
        train, test = train[inner_train], train[validation]
    pick = lambda items, idx: [items[i] for i in idx]  # noqa: E731
    return (pick(texts, train), pick(labels, train)), (pick(texts, test), pick(labels, test))


def fit_and_score(train, scored, seed: int, settings: dict) -> tuple[float, float, int]:
    """(accuracy on `scored`, seconds, epochs) of a TextClassifier with `settings`."""
    from lstmkit.models import TextClassifier

    started = time.perf_counter()
    model = TextClassifier(seed=seed, **settings).fit(*train)
    seconds = time.perf_counter() - started
    return model.score(scored[0], np.array(scored[1])), seconds, model.n_epochs_


def compare_variants(source: str, variants: dict, args) -> dict:
    """{variant: {"scores", "seconds", "epochs"}} over args.seeds seeds from args.seed, and the
    bag-of-words logistic regression's as the variant "BoW LR" (one score: it draws nothing)."""
    train, scored = split_source(source, args.select)
    started = time.perf_counter()
    baseline = float(np.mean(bag_of_words_logistic_regression(*train, scored[0]) == scored[1]))
    seconds = time.perf_counter() - started
    results = {"BoW LR": {"scores": [baseline], "seconds": [seconds], "epochs": [0]}}
    for variant, settings in variants.items():
        run = results[variant] = {"scores": [], "seconds": [], "epochs": []}
        for seed in range(args.seed, args.seed + args.seeds):
            score, seconds, epochs = fit_and_score(train, scored, seed, settings)
            run["scores"].append(score)
            run["seconds"].append(seconds)
            run["epochs"].append(epochs)
            print(
                f"{source} {variant} seed {seed}: {score:.3f} ({seconds:.0f} s, {epochs} epochs)",
                flush=True,
            )
    return results


def mean_over_sources(rows: dict, variant: str) -> dict:
    """Per seed, the mean over the sources (so that the spread is the seeds')."""
    runs = [by_variant[variant] for by_variant in rows.values()]
    return {
        key: [statistics.mean(values) for values in zip(*(run[key] for run in runs), strict=True)]
        for key in ("scores", "seconds", "epochs")
    }


def plain_against_baseline(source: str, seeds: int, select: bool) -> dict:
    """The default model's scores over `seeds` beside the bag-of-words logistic regression."""
    train, scored = split_source(source, select)
    y_scored = np.array(scored[1])
    started = time.perf_counter()
    baseline = float(np.mean(bag_of_words_logistic_regression(*train, scored[0]) == y_scored))
    baseline_seconds = time.perf_counter() - started
    scores, seconds, epochs = [], [], []
    for seed in range(seeds):
        score, took, epoch_count = fit_and_score(train, scored, seed, {})
        scores.append(score)
        seconds.append(took)
        epochs.append(epoch_count)
        print(f"{source} seed {seed}: {score:.3f} ({took:.0f} s, {epoch_count} epochs)", flush=True)
    return {
        "source": source,
        "train": len(train[0]),
        "test": len(scored[0]),
        "bow_lr": baseline,
        "bow_lr_seconds": baseline_seconds,
        "lstm_mean": statistics.mean(scores),
        "lstm_std": statistics.stdev(scores) if len(scores) > 1 else 0.0,
        "lstm_scores": scores,
        "lstm_seconds_mean": statistics.mean(seconds),
        "lstm_epochs": epochs,
    }


def print_baseline_table(rows: list, seeds: int) -> None:
    print(f"\n| source | BoW LR | TextClassifier (mean ± sd, {seeds} seeds) | train time / seed |")
    print("|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['source']} | {r['bow_lr']:.3f} | {r['lstm_mean']:.3f} ± {r['lstm_std']:.3f} "
            f"| {r['lstm_seconds_mean']:.0f} s |"
        )
    if len(rows) > 1:
        print(
            f"| mean | {statistics.mean(r['bow_lr'] for r in rows):.3f} | "
            f"{statistics.mean(r['lstm_mean'] for r in rows):.3f} | |"
        )


if __name__ == "__main__":
    main()
