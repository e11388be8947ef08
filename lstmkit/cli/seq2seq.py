"""`lstmkit seq2seq`: learn string-to-string mappings from `source<TAB>target` files.

lstmkit seq2seq train.tsv test.tsv --out runs/s2s       train, evaluate exact match, save
lstmkit seq2seq --task dates --out runs/dates           the built-in generated date task
lstmkit seq2seq --model runs/dates/model.safetensors --predict "March 5, 2024"
"""

import time

from lstmkit.cli.common import (
    UsageError,
    add_common_arguments,
    note,
    output_dir,
    positive_int,
    pyplot,
    say,
    training_verbosity,
)
from lstmkit.cli.output import files_written
from lstmkit.cli.parser import refuse_together, refuse_without
from lstmkit.cli.summary import require_positive, save_interrupted_model
from lstmkit.data.damaged_files import reading
from lstmkit.io.atomic import write_csv, write_figure, write_json
from lstmkit.report import REPORT
from lstmkit.report.seq2seq import seq2seq_report

TASKS = ("dates", "addition")
ATTENTIONS = ("bahdanau", "luong_dot", "luong_general", "none")


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "seq2seq",
        help="train an encoder-decoder LSTM on string pairs, or predict with a saved one",
        description="Train a sequence-to-sequence model (bidirectional encoder, attention, "
        "greedy or beam decoding) on TRAIN, a file of source<TAB>target lines, or on a built-in "
        "generated task, and report the exact-match accuracy on TEST (else on TRAIN). With "
        "--model, predict the --predict inputs with a saved model instead.",
    )
    parser.add_argument("train", nargs="?", metavar="TRAIN", help="source<TAB>target lines")
    parser.add_argument("test", nargs="?", metavar="TEST", help="held-out pairs to score")
    parser.add_argument("--task", choices=TASKS, help="generated data instead of files")
    parser.add_argument(
        "--train-size", type=int, default=10000, help="generated training pairs (--task)"
    )
    parser.add_argument("--test-size", type=int, default=1000, help="generated test pairs")
    parser.add_argument("--model", metavar="FILE", help="a saved model to predict with")
    parser.add_argument("--predict", metavar="TEXT", action="append", help="input to map")
    parser.add_argument("--level", choices=("char", "word"), default="char")
    parser.add_argument("--cell", choices=("lstm", "gru"), default="lstm")
    parser.add_argument("--attention", choices=ATTENTIONS, default="bahdanau")
    parser.add_argument("--hidden-size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--beam-size", type=positive_int, default=1, help="1: greedy decoding")
    parser.add_argument("--max-length", type=positive_int, default=None, help="longest output")
    add_common_arguments(parser, training=True)
    parser.set_defaults(run=run)


def read_pairs(path) -> tuple[list[str], list[str]]:
    """source<TAB>target lines (blank lines skipped); errors name the file and line."""
    sources, targets = [], []
    with reading(path), open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) != 2 or not fields[0]:
                raise ValueError(
                    f"{path}:{number}: expected 'source<TAB>target' (one tab, a non-empty "
                    f"source); got {len(fields)} field(s): {line[:60]!r}"
                )
            sources.append(fields[0])
            targets.append(fields[1])
    if not sources:
        raise ValueError(f"{path}: no source<TAB>target pairs")
    return sources, targets


def plot_attention(model, source: str, path, plt) -> None:
    """Heat map of the attention weights of the prediction for `source`, saved as PNG."""
    [text], [weights] = model.predict([source], return_attention=True)
    if weights is None:
        raise UsageError("the model has no attention to plot (it was trained with none)")
    rows = [*(list(text) if model.level == "char" else text.split()), "<eos>"]
    columns = list(source) if model.level == "char" else source.split()
    figure, axes = plt.subplots(figsize=(max(4, 0.32 * len(columns) + 1.5), 0.32 * len(rows) + 1.5))
    image = axes.imshow(weights, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    axes.set_xticks(range(len(columns)), [c if c != " " else "␣" for c in columns])
    axes.set_yticks(range(len(rows)), rows)
    axes.set_xlabel("source")
    axes.set_ylabel("output")
    axes.set_title(f"{source!r} -> {text!r}")
    figure.colorbar(image, ax=axes, fraction=0.04)
    figure.tight_layout()
    write_figure(path, figure, dpi=120)
    plt.close(figure)


def run(args) -> dict:
    for training in ("TRAIN", "task"):
        refuse_together(args, "model", training, "--model predicts with a saved model")
    refuse_without(args, "predict", "model", "the saved model to predict with")
    if args.model:
        return _predict(args)
    return _train(args)


def _predict(args) -> dict:
    from lstmkit.cli.model_io import model_path
    from lstmkit.models.seq2seq import Seq2Seq

    if not args.predict:
        raise UsageError("--model needs at least one --predict TEXT")
    model = Seq2Seq.load(model_path(args.model))
    outputs = model.predict(args.predict, beam_size=args.beam_size, max_length=args.max_length)
    for source, output in zip(args.predict, outputs, strict=True):
        print(f"{source}\t{output}")
    out = output_dir(args)
    if out is not None:
        plt = pyplot(args)
        if plt is not None and model.attention is not None:
            plot_attention(model, args.predict[0], out / "attention.png", plt)
    return {
        "model": args.model,
        "predictions": [
            {"source": source, "output": output}
            for source, output in zip(args.predict, outputs, strict=True)
        ],
        "files": files_written(out, "attention.png"),
    }


def _data(args):
    from lstmkit.data.string_tasks import addition_pairs, date_pairs

    if args.task and args.train:
        raise UsageError("give either TRAIN (a file) or --task, not both")
    if args.task:
        require_positive(args, "train_size", "test_size")
        generate = date_pairs if args.task == "dates" else addition_pairs
        sources, targets = generate(args.train_size + args.test_size, seed=args.seed)
        cut = args.train_size
        return (sources[:cut], targets[:cut]), (sources[cut:], targets[cut:]), "test"
    if not args.train:
        raise UsageError("give TRAIN (a source<TAB>target file), --task, or --model")
    train = read_pairs(args.train)
    if args.test:
        return train, read_pairs(args.test), "test"
    return train, train, "train"


def _train(args) -> dict:
    from lstmkit.models.seq2seq import Seq2Seq
    from lstmkit.training import TrainingInterrupted

    require_positive(args, "hidden_size", "epochs", "batch_size", "beam_size")
    if not args.lr > 0:  # NaN too
        raise UsageError(f"--lr must be a positive number; got {args.lr}")
    (train_sources, train_targets), (test_sources, test_targets), scored_on = _data(args)
    model = Seq2Seq(
        level=args.level,
        cell=args.cell,
        attention=None if args.attention == "none" else args.attention,
        hidden_size=args.hidden_size,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        beam_size=args.beam_size,
        max_length=args.max_length,
        seed=args.seed,
        verbose=training_verbosity(args),
    )
    out = output_dir(args)
    started = time.perf_counter()
    try:
        model.fit(train_sources, train_targets)
    except TrainingInterrupted:
        if out is not None and model.history_.epochs:
            path = save_interrupted_model(model, out)
            note(args, f"interrupted: the best epoch's model is in {path}")
        raise
    seconds = time.perf_counter() - started
    predictions = model.predict(test_sources)
    right = [p == t for p, t in zip(predictions, test_targets, strict=True)]
    accuracy = sum(right) / len(right)
    metrics = {
        f"{scored_on}_exact_match": accuracy,
        "epochs": model.n_epochs_,
        "fit_seconds": round(seconds, 2),
        "train_pairs": len(train_sources),
        f"{scored_on}_pairs": len(test_sources),
        "beam_size": args.beam_size,
    }
    where = ""
    if out is not None:
        model.save(out / "model.safetensors")
        write_json(out / "metrics.json", metrics)
        rows = zip(test_sources, test_targets, predictions, right, strict=True)
        write_csv(out / "predictions.csv", ["source", "target", "prediction", "correct"], rows)
        plt = pyplot(args)
        if plt is not None and model.attention is not None:
            plot_attention(model, test_sources[0], out / "attention.png", plt)
        scored = zip(test_sources, test_targets, predictions, right, strict=True)
        page = seq2seq_report(out, args, model, metrics, scored, seconds)
        say(args, f"report: {page}")
        where = f", files in {out}"
    print(
        f"seq2seq: {seconds:.1f} s, {model.n_epochs_} epochs (best restored), "
        f"{scored_on} exact match {100 * accuracy:.2f} % on {len(test_sources)} pairs{where}"
    )
    names = ("model.safetensors", "metrics.json", "predictions.csv", "attention.png", REPORT)
    return {**metrics, "files": files_written(out, *names)}
