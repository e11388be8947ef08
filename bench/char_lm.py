"""Character language model benchmark: tinyshakespeare, first 90 % train, last 10 % validation.

Reports the validation loss in nats per character beside the published context (a 6-layer
character GPT, nanoGPT's shakespeare_char: 1.47; the unigram distribution: 3.35, recomputed
here from the training counts) and the training time on this machine; prints a sample.

The budget --minutes is read on --clock: "wall" (default) or "cpu", the CPU time of the
process (time.process_time). With one thread, CPU time is what a quiet machine would spend
in wall time, so "cpu" gives every run the same budget however loaded a shared machine is.

Run from the repository root (one thread, as the benchmark was measured):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 19 python bench/char_lm.py \
        --minutes 60 --clock cpu --hidden 512 --layers 2 --out /tmp/charlm_bench
    python bench/char_lm.py --minutes 2 --hidden 128     # a quick look

With --out, the model is saved there after every improving epoch (model.safetensors) and the
learning curve is written to curve.json (per epoch: loss, val_nats_per_char, lr, seconds,
cpu_seconds, chars trained), so a long run leaves its results even if stopped.

Regularised LSTMs (issue 21; bench/variants.py): `--variant` (some of plain, layer_norm,
variational, weight_drop, zoneout, awd, or all; `--set name=value` for one more) trains each
variant for --minutes with seeds --seed .. --seed + --seeds - 1 (--out DIR/VARIANT/seedS) and
prints the validation nats/char of every variant beside plain at the same budget:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python bench/char_lm.py --minutes 60 \
        --variant awd --seeds 3 --out /tmp/charlm_variants
    python bench/char_lm.py --minutes 1 --hidden 64 --variant weight_drop     # a quick look
"""

import argparse
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/variants.py
from variants import add_variant_arguments, chosen_variants, describe, variant_table  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
TEXT = REPO.parent / "shared" / "data" / "text" / "tinyshakespeare.txt"


def unigram_nats(train: str, validation: str) -> float:
    """Cross-entropy of the validation characters under the training character frequencies."""
    counts = Counter(train)
    total = sum(counts.values())
    return -sum(math.log(counts[c] / total) for c in validation[1:]) / (len(validation) - 1)


def main(argv=None) -> None:
    sys.path.insert(0, str(REPO))

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="training time budget")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="the clock --minutes is read on: wall time, or the CPU time of this process",
    )
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--embedding", type=int, default=64)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0, help="the first seed")
    parser.add_argument("--seeds", type=int, default=1, help="how many seeds from --seed")
    parser.add_argument("--out", type=Path, default=None)
    add_variant_arguments(parser)
    args = parser.parse_args(argv)

    text = TEXT.read_text(encoding="utf-8")
    cut = int(len(text) * 0.9)
    train, validation = text[:cut], text[cut:]
    print(f"train {len(train)} chars, validation {len(validation)} chars", flush=True)
    print(f"unigram baseline: {unigram_nats(train, validation):.3f} nats/char", flush=True)
    variants = chosen_variants(args)
    several = len(variants) > 1 or args.seeds > 1
    table = {"tinyshakespeare": {}}
    for variant, settings in variants.items():
        run = table["tinyshakespeare"][variant] = {"scores": [], "seconds": []}
        for seed in range(args.seed, args.seed + args.seeds):
            out = args.out / variant / f"seed{seed}" if several and args.out else args.out
            result, seconds = train_one(args, settings, seed, out, train, validation)
            run["scores"].append(result["nats_per_char"])
            run["seconds"].append(seconds)
            print(f"{variant} ({describe(settings)}) seed {seed}: {result}", flush=True)
    print(
        f"\nvalidation nats/char after {args.minutes:g} {args.clock} min; published: char GPT 1.47"
    )
    print(variant_table(table, "validation nats/char", lower_is_better=True))


def train_one(args, settings: dict, seed: int, out, train: str, validation: str):
    """(evaluate's result, seconds on args.clock) of one model with `settings` trained for
    args.minutes on that clock."""
    from lstmkit.models import CharLanguageModel

    hyperparameters = dict(
        embedding_dim=args.embedding,
        hidden_size=args.hidden,
        num_layers=args.layers,
        dropout=args.dropout,
        lr=args.lr,
        epochs=1000,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        max_time=args.minutes * 60,
        patience=3,
        seed=seed,
        verbose=1,
    )
    model = CharLanguageModel(**{**hyperparameters, **settings})  # --set overrides any of them
    best = [math.inf]

    def on_epoch(fitted, record):
        print(json.dumps(record), flush=True)
        if out is None:
            return
        out.mkdir(parents=True, exist_ok=True)
        (out / "curve.json").write_text(json.dumps(fitted.history_, indent=1))
        if record["val_nats_per_char"] < best[0]:
            best[0] = record["val_nats_per_char"]
            fitted.save(out / "model.safetensors")

    clock = CLOCKS[args.clock]
    started, wall_started, cpu_started = clock(), time.perf_counter(), time.process_time()
    model.fit(train, validation_text=validation, on_epoch=on_epoch, clock=clock)
    seconds = clock() - started
    wall, cpu = time.perf_counter() - wall_started, time.process_time() - cpu_started
    result = model.evaluate(validation)
    print(
        f"\n{args.layers}x{args.hidden} LSTM: validation {result['nats_per_char']:.3f} nats/char "
        f"({result['bits_per_char']:.3f} bits/char) after {model.n_epochs_} epochs, "
        f"{model.n_chars_trained_} characters, {wall / 60:.1f} wall min, {cpu / 60:.1f} CPU min "
        "(incl. validation)"
    )
    print("published: 6-layer char GPT 1.47 nats/char; unigram 3.35")
    sample = model.sample("ROMEO:\n", length=500, temperature=0.8, seed=0)
    print("\nsample (prime 'ROMEO:\\n', temperature 0.8, seed 0):\nROMEO:\n" + sample)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "sample.txt").write_text("ROMEO:\n" + sample)
        summary = {**vars(args), "out": str(out), "budget_minutes": args.minutes, "seed": seed}
        summary.update(result, settings=settings, epochs=model.n_epochs_)
        summary.update(chars=model.n_chars_trained_, minutes=wall / 60, cpu_minutes=cpu / 60)
        (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    return result, seconds


if __name__ == "__main__":
    main()
