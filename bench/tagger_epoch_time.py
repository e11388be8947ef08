"""CPU time of one SequenceTagger epoch per regularised variant, as a ratio to plain.

Fits `SequenceTagger(epochs=1, validation_fraction=0)` on the first `--sentences` sentences of
UD English-EWT's training file for every variant of bench/variants.py, alternating the
variants `--repeats` times in one process and keeping each variant's fastest run, so that a
loaded machine slows every variant alike. CPU time (`time.process_time`) with one thread:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python bench/tagger_epoch_time.py

The variants that act inside the recurrence (layer_norm, dropout_state, zoneout) run the
NumPy time loop; weight_drop and the dropouts outside the recurrence keep the fused one.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/variants.py
from variants import VARIANTS  # noqa: E402

from lstmkit.data import read_tagged_tsv  # noqa: E402
from lstmkit.models import SequenceTagger  # noqa: E402

TRAIN = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "tagging"
    / "ud_en_ewt"
    / "en_ewt-train.upos.tsv.gz"
)


def epoch_seconds(sentences, tags, settings: dict, seed: int) -> float:
    """CPU seconds of one training epoch (the fit's set-up included)."""
    start = time.process_time()
    SequenceTagger(epochs=1, validation_fraction=0.0, seed=seed, **settings).fit(sentences, tags)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if not TRAIN.is_file():
        raise SystemExit(f"UD English-EWT not found at {TRAIN}")
    sentences, tags = read_tagged_tsv(TRAIN)
    sentences, tags = sentences[: args.sentences], tags[: args.sentences]
    runs = {name: [] for name in VARIANTS}
    for repeat in range(args.repeats):
        for name, settings in VARIANTS.items():
            runs[name].append(epoch_seconds(sentences, tags, settings, seed=repeat))
    plain = min(runs["plain"])
    print("| variant | CPU s per epoch (fastest) | runs | / plain |")
    print("|---|---|---|---|")
    for name, seconds in runs.items():
        listed = ", ".join(f"{s:.1f}" for s in seconds)
        print(f"| {name} | {min(seconds):.1f} | {listed} | {min(seconds) / plain:.2f} |")


if __name__ == "__main__":
    main()
