"""Seq2Seq on the generated string tasks: exact match on held-out pairs, greedy and beam.

    python bench/seq2seq.py --task dates --attention bahdanau --out /tmp/s2s_dates
    python bench/seq2seq.py --task addition --attention none --out /tmp/s2s_add_none
    python bench/seq2seq.py --table /tmp/s2s_*/result.json        # the markdown table
    python bench/seq2seq.py --plot /tmp/s2s_dates/model.safetensors \
        --source "Tuesday, March 5, 2024" --png docs/images/attention_dates.png

One call trains one model on `--train` pairs, then scores `--test` pairs drawn in the same
call (sources are unique, so the test pairs never occur in training) with greedy decoding and
with beam search; it writes result.json (accuracies, training time, epochs) and the model
into --out. Timings are wall time on the machine it ran on (run with OMP_NUM_THREADS=1 when
the machine is shared).
"""

import argparse
import json
import signal
import sys
import time
from pathlib import Path

from lstmkit.data.string_tasks import addition_pairs, date_pairs
from lstmkit.models.seq2seq import Seq2Seq
from lstmkit.training import TrainingInterrupted

GENERATORS = {"dates": date_pairs, "addition": addition_pairs}
DEFAULT_TRAIN = {"dates": 20_000, "addition": 50_000}


def run(args) -> dict:
    train_size = args.train or DEFAULT_TRAIN[args.task]
    sources, targets = GENERATORS[args.task](train_size + args.test, seed=args.seed)
    attention = None if args.attention == "none" else args.attention
    model = Seq2Seq(
        attention=attention,
        cell=args.cell,
        hidden_size=args.hidden_size,
        epochs=args.epochs,
        seed=args.seed,
        verbose=args.verbose,
    )
    started = time.perf_counter()
    stopped = False
    if args.time_limit:
        signal.signal(signal.SIGALRM, _out_of_time)
        signal.alarm(args.time_limit)
    try:
        model.fit(sources[:train_size], targets[:train_size])
    except TrainingInterrupted:
        stopped = True  # the model holds the best epoch's weights
    signal.alarm(0)
    fit_seconds = time.perf_counter() - started
    test_sources, test_targets = sources[train_size:], targets[train_size:]
    result = {
        "task": args.task,
        "attention": args.attention,
        "cell": args.cell,
        "hidden_size": args.hidden_size,
        "train": train_size,
        "test": args.test,
        "epochs": model.n_epochs_,
        "fit_seconds": round(fit_seconds, 1),
        "stopped_by_time_limit": stopped,
    }
    for beam in (1, args.beam):
        started = time.perf_counter()
        accuracy = model.score(test_sources, test_targets, beam_size=beam)
        result[f"exact_beam{beam}"] = accuracy
        result[f"predict_seconds_beam{beam}"] = round(time.perf_counter() - started, 1)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        model.save(out / "model.safetensors")
        (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def _out_of_time(signum, frame):
    raise KeyboardInterrupt  # the Trainer restores the best epoch and stops


def table(paths) -> str:
    rows = [json.loads(Path(p).read_text()) for p in paths]
    lines = [
        "| task | attention | cell, H | train pairs | epochs | training time | "
        "exact match, greedy | exact match, beam 5 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: (r["task"], r["attention"])):
        beam = next(k for k in r if k.startswith("exact_beam") and k != "exact_beam1")
        lines.append(
            f"| {r['task']} | {r['attention']} | {r['cell']}, {r['hidden_size']} | {r['train']} | "
            f"{r['epochs']} | {r['fit_seconds'] / 60:.1f} min | {100 * r['exact_beam1']:.2f} % | "
            f"{100 * r[beam]:.2f} % |"
        )
    return "\n".join(lines)


def plot(model_path, source, png) -> None:
    from lstmkit.cli.common import pyplot
    from lstmkit.cli.seq2seq import plot_attention

    plt = pyplot()
    if plt is None:
        sys.exit("matplotlib is not installed")
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    plot_attention(Seq2Seq.load(model_path), source, png, plt)
    print(f"wrote {png}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", choices=sorted(GENERATORS), default="dates")
    parser.add_argument(
        "--attention",
        default="bahdanau",
        choices=["bahdanau", "luong_dot", "luong_general", "none"],
    )
    parser.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
    parser.add_argument("--hidden-size", type=int, default=128)
    parser.add_argument("--train", type=int, default=None)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--time-limit", type=int, default=None, help="stop training after this many seconds"
    )
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--out", default=None)
    parser.add_argument("--table", nargs="*", default=None, help="result.json files")
    parser.add_argument("--plot", default=None, help="a saved model to plot attention of")
    parser.add_argument("--source", default="Tuesday, March 5, 2024")
    parser.add_argument("--png", default="docs/images/attention_dates.png")
    args = parser.parse_args()
    if args.table is not None:
        print(table(args.table))
    elif args.plot:
        plot(args.plot, args.source, args.png)
    else:
        print(json.dumps(run(args)))


if __name__ == "__main__":
    main()
