"""Sequence-tagging benchmarks of `SequenceTagger`, each beside a baseline computed here.

- UD English-EWT UPOS: train on train, early stopping on dev, token accuracy on test.
  Baseline: each word's most frequent training tag (unknown words: the most frequent tag
  overall); published: 86.2 % for that baseline, 95-97 % for BiLSTM taggers.
- Universal NER English-EWT (PER/ORG/LOC, IOB2): there is no train split in the shared data,
  so train on dev (a seeded 10 % of it held out for early stopping), test on test; entity
  F1 (conlleval). Baselines: the majority tag (all "O", F1 0) and a dictionary of the entity
  strings seen in training, each tagged with its most frequent type by greedy longest match.

Run (the machine is shared: one thread, in the background):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python bench/tagging.py --task ud \\
        --time-budget 2400 --json /tmp/tagging_ud.json

Regularised LSTMs (issue 21; bench/variants.py): `--variant` (some of plain, layer_norm,
variational, weight_drop, zoneout, awd, or all; `--set name=value` for one more) fits each
variant with seeds `--seed` .. `--seed + --seeds - 1` and prints a table beside plain (UD:
test and dev accuracy; NER: test entity F1):

    OPENBLAS_NUM_THREADS=1 python bench/tagging.py --task ud --variant weight_drop --seeds 3
"""

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/variants.py
from variants import add_variant_arguments, chosen_variants, variant_table  # noqa: E402

from lstmkit.data import read_tagged_tsv  # noqa: E402
from lstmkit.models import SequenceTagger  # noqa: E402
from lstmkit.models.tagging_metrics import entities, entity_scores, token_accuracy  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tagging"


def most_frequent_tag_baseline(train_sentences, train_tags, test_sentences):
    """Each word's most frequent training tag; unknown words get the overall most frequent."""
    by_word = defaultdict(Counter)
    overall = Counter()
    for sentence, tags in zip(train_sentences, train_tags, strict=True):
        for word, tag in zip(sentence, tags, strict=True):
            by_word[word][tag] += 1
            overall[tag] += 1
    fallback = overall.most_common(1)[0][0]
    return [
        [by_word[w].most_common(1)[0][0] if w in by_word else fallback for w in sentence]
        for sentence in test_sentences
    ]


def dictionary_baseline(train_sentences, train_tags, test_sentences):
    """Tag test word sequences that equal a training entity's words with that entity's most
    frequent type, longest match first, left to right; everything else O."""
    types = defaultdict(Counter)
    for sentence, tags in zip(train_sentences, train_tags, strict=True):
        for first, last, kind in entities(tags):
            types[tuple(sentence[first : last + 1])][kind] += 1
    longest = max((len(key) for key in types), default=0)
    predicted = []
    for sentence in test_sentences:
        tags, position = ["O"] * len(sentence), 0
        while position < len(sentence):
            for size in range(min(longest, len(sentence) - position), 0, -1):
                key = tuple(sentence[position : position + size])
                if key in types:
                    kind = types[key].most_common(1)[0][0]
                    tags[position : position + size] = [f"B-{kind}"] + [f"I-{kind}"] * (size - 1)
                    position += size
                    break
            else:
                position += 1
        predicted.append(tags)
    return predicted


def run_ud(args, settings: dict, seed: int) -> dict:
    folder = DATA / "ud_en_ewt"
    train = read_tagged_tsv(folder / "en_ewt-train.upos.tsv.gz")
    dev = read_tagged_tsv(folder / "en_ewt-dev.upos.tsv.gz")
    test = read_tagged_tsv(folder / "en_ewt-test.upos.tsv.gz")
    baseline = token_accuracy(test.tags, most_frequent_tag_baseline(*train, test.sentences))
    print(f"UD EWT UPOS most-frequent-tag baseline: test accuracy {baseline:.4f}", flush=True)
    model = make_model(args, settings, seed)
    started = time.perf_counter()
    model.fit(*train, validation_data=dev)
    seconds = time.perf_counter() - started
    validation_accuracy = model.history_["val_accuracy"]
    best = max(range(len(validation_accuracy)), key=validation_accuracy.__getitem__)
    result = {
        "task": "UD English-EWT UPOS (train / dev early stopping / test)",
        "test_accuracy": model.score(*test),
        "dev_accuracy": validation_accuracy[best],
        "baseline_most_frequent_tag": baseline,
        "epochs_run": model.n_epochs_,
        "best_epoch": best + 1,
        "train_seconds": seconds,
        "params": model.get_params(),
    }
    print(json.dumps(result, indent=2), flush=True)
    return result


def run_ner(args, settings: dict, seed: int) -> dict:
    folder = DATA / "uner_en_ewt"
    train = read_tagged_tsv(folder / "en_ewt-dev.ner.tsv.gz")
    test = read_tagged_tsv(folder / "en_ewt-test.ner.tsv.gz")
    majority = entity_scores(test.tags, [["O"] * len(s) for s in test.sentences])
    dictionary = entity_scores(test.tags, dictionary_baseline(*train, test.sentences))
    print(
        f"UNER EWT baselines: majority F1 {majority['f1']:.4f}, dictionary F1 "
        f"{dictionary['f1']:.4f}",
        flush=True,
    )
    model = make_model(args, settings, seed)
    started = time.perf_counter()
    model.fit(*train)
    seconds = time.perf_counter() - started
    predicted = model.predict(test.sentences)
    scores = entity_scores(test.tags, predicted)
    result = {
        "task": "Universal NER English-EWT (train on dev, test on test)",
        "test_entity_f1": scores["f1"],
        "test_entity_precision": scores["precision"],
        "test_entity_recall": scores["recall"],
        "per_type_f1": {k: v["f1"] for k, v in scores["per_type"].items()},
        "test_token_accuracy": token_accuracy(test.tags, predicted),
        "baseline_majority_f1": majority["f1"],
        "baseline_dictionary_f1": dictionary["f1"],
        "baseline_dictionary_precision": dictionary["precision"],
        "baseline_dictionary_recall": dictionary["recall"],
        "epochs_run": model.n_epochs_,
        "train_seconds": seconds,
        "params": model.get_params(),
    }
    print(json.dumps(result, indent=2), flush=True)
    return result


def make_model(args, settings: dict, seed: int) -> SequenceTagger:
    return SequenceTagger(
        crf=not args.softmax,
        epochs=args.epochs,
        time_budget=args.time_budget,
        seed=seed,
        verbose=0 if args.quiet else 1,
        **settings,
    )


# task: (runner, [(table's metric, the result's key)])
TASKS = {
    "ud": (run_ud, [("UD EWT test UPOS accuracy", "test_accuracy"), ("dev", "dev_accuracy")]),
    "ner": (run_ner, [("UNER EWT test entity F1", "test_entity_f1")]),
}


def run_variants(args, task: str) -> list:
    """Every chosen variant with every seed on `task`; prints the tables, returns results."""
    runner, metrics = TASKS[task]
    results, table = [], {metric: {task: {}} for metric, _ in metrics}
    for variant, settings in chosen_variants(args).items():
        for seed in range(args.seed, args.seed + args.seeds):
            result = {**runner(args, settings, seed), "variant": variant, "seed": seed}
            results.append(result)
            for metric, key in metrics:
                run = table[metric][task].setdefault(variant, {"scores": [], "seconds": []})
                run["scores"].append(result[key])
                run["seconds"].append(result["train_seconds"])
    for metric, _ in metrics:
        print(f"\n{metric}\n" + variant_table(table[metric], metric), flush=True)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=("ud", "ner", "all"), default="all")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--time-budget", type=float, default=None, help="seconds per fit")
    parser.add_argument("--softmax", action="store_true", help="softmax head instead of CRF")
    parser.add_argument("--seed", type=int, default=0, help="the first seed")
    parser.add_argument("--seeds", type=int, default=1, help="how many seeds from --seed")
    add_variant_arguments(parser)
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 1
    results = []
    for task in ("ud", "ner"):
        if args.task in (task, "all"):
            results.extend(run_variants(args, task))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
