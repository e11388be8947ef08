"""`lstmkit classify`: train a SequenceClassifier on a file of labelled sequences and test it."""

import sys

import numpy as np

from lstmkit.cli.common import (
    UsageError,
    add_common_arguments,
    first_network,
    output_dir,
    pyplot,
    say,
    training_verbosity,
)
from lstmkit.cli.distributed import add_distributed_argument, distributed_option
from lstmkit.cli.jobs import add_n_jobs_argument, n_jobs_option
from lstmkit.cli.output import files_written
from lstmkit.cli.parser import refuse_together, refuse_without
from lstmkit.cli.sequence_files import add_sequence_file_arguments, read_sequences, split_sequences
from lstmkit.cli.summary import (
    Stopwatch,
    require_positive,
    save_interrupted_model,
    say_nothing_saved,
    summary_line,
    table,
)
from lstmkit.io.atomic import write_csv, write_json
from lstmkit.report import REPORT
from lstmkit.report.classification import classification_report
from lstmkit.report.gates import GATES, gate_image

FILES = (
    "model.safetensors",
    "metrics.json",
    "predictions.csv",
    "confusion.png",
    GATES,
    REPORT,
)  # what --out DIR holds


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "classify",
        help="train a sequence classifier (.ts, .csv or .npz; default: JapaneseVowels)",
        description="Train an LSTM sequence classifier on TRAIN and report accuracy and the "
        "confusion matrix on TEST (or, without TEST, on a stratified part of TRAIN held out). "
        "With no file: the built-in JapaneseVowels data (9 speakers, 12 channels). Files: "
        ".ts/.ts.gz (UEA/UCR), .npz (X, y, optional lengths) or .csv (one row per time step "
        "with id, label and channel columns, or one row per univariate sequence with a label "
        "column); see docs/cli.md.",
    )
    parser.add_argument("train", nargs="?", metavar="TRAIN", help="training data")
    parser.add_argument("test", nargs="?", metavar="TEST", help="test data")
    add_sequence_file_arguments(parser)
    parser.add_argument(
        "--test-fraction",
        type=float,
        default=0.25,
        help="share of TRAIN held out for testing when no TEST is given (default 0.25)",
    )
    parser.add_argument("--cell", default="lstm", choices=("lstm", "gru", "rnn"))
    parser.add_argument(
        "--architecture",
        default="lstm-fcn",
        choices=("lstm", "lstm-fcn", "alstm-fcn"),
        help="the recurrent network beside a convolutional branch (LSTM-FCN, the default; "
        "ALSTM-FCN with attention), or alone (lstm)",
    )
    parser.add_argument("--hidden-size", type=int, default=64, help="units (default 64)")
    parser.add_argument("--epochs", type=int, default=300, help="most epochs (default 300)")
    parser.add_argument(
        "--patience", type=int, default=40, help="early-stopping patience (default 40)"
    )
    parser.add_argument(
        "--ensemble", type=int, default=None, help="networks averaged (default: the model's, 3)"
    )
    add_n_jobs_argument(parser)
    add_distributed_argument(parser)
    add_common_arguments(parser, training=True)
    parser.set_defaults(run=run)


def run(args) -> dict:
    from lstmkit.models import SequenceClassifier

    clock = Stopwatch()
    distributed = distributed_option(args)  # before any output: rank 0 alone writes
    require_positive(args, "hidden_size", "epochs", "patience")
    train, test, source = read_data(args)
    folder = output_dir(args)
    say(
        args,
        f"{source}: {len(train)} training and {len(test)} test sequences, "
        f"{plural(train.X[0].shape[1], 'channel')}, {plural(len(np.unique(train.y)), 'class')}",
    )
    model = SequenceClassifier(
        architecture=args.architecture,
        cell=args.cell,
        hidden_size=args.hidden_size,
        epochs=args.epochs,
        patience=args.patience,
        seed=args.seed,
        n_jobs=n_jobs_option(args),
        verbose=training_verbosity(args),
        distributed=distributed,
    )
    if args.ensemble is not None:
        require_positive(args, "ensemble")
        model.set_params(ensemble=args.ensemble)
    try:
        model.fit(train.X, train.y)
    except KeyboardInterrupt as interrupt:
        save_interrupted(model, interrupt, folder)
        raise
    metrics = report_classification(args, model, test, folder, "test")
    metrics.update(data=source, n_train=len(train), n_epochs=model.n_epochs_)
    best = int(np.argmin(model.history_["val_loss"])) + 1 if "val_loss" in model.history_ else None
    if folder is not None:
        model.save(folder / "model.safetensors")
        metrics["seconds"] = clock.seconds
        write_json(folder / "metrics.json", metrics)
        gates = plot_gates(model, test, folder)
        page = classification_report(
            folder, args, model, metrics, clock.seconds, "classify", images=gates
        )
        say(args, f"report: {page}")
    say(args, summary_line(clock.seconds, best, f"test accuracy {metrics['accuracy']:.4f}", folder))
    return {**metrics, "files": files_written(folder, *FILES)}


def plural(count, noun) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "es" if noun.endswith("s") else "s")


def read_data(args):
    """(train, test, description); without TEST, a stratified split of TRAIN."""
    refuse_together(
        args,
        "TEST",
        "test_fraction",
        "TEST is the test data; --test-fraction holds out part of TRAIN instead",
    )
    if args.train is None:
        refuse_without(args, "test_fraction", "TRAIN", "the built-in data has its own test part")
        train = read_sequences("japanese-vowels-train")
        test = read_sequences("japanese-vowels-test")
        return train, test, "JapaneseVowels (built-in)"
    options = {
        "label_column": args.label_column,
        "id_column": args.id_column,
        "layout": args.layout,
    }
    train = read_sequences(args.train, **options)
    if args.test is not None:
        return train, read_sequences(args.test, **options), f"{args.train} / {args.test}"
    if not 0 < args.test_fraction < 1:
        raise UsageError(f"--test-fraction must lie in (0, 1); got {args.test_fraction}")
    return (*split_sequences(train, args.test_fraction, args.seed), f"{args.train} (split)")


def report_classification(args, model, data, folder, name) -> dict:
    """Print accuracy and the confusion matrix on `data`; write predictions.csv and
    confusion.png to `folder` (when given). Returns the metrics."""
    probabilities = model.predict_proba(data.X)
    predicted = model.classes_[probabilities.argmax(axis=1)]
    truth = np.asarray(data.y).astype(model.classes_.dtype)
    labels = model.classes_.tolist()
    index = {label: k for k, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    unknown = sorted({str(t) for t in truth if t not in index})
    if unknown:
        raise ValueError(f"{name} data has labels the model never saw: {unknown[:5]}")
    for t, p in zip(truth, predicted, strict=True):
        matrix[index[t], index[p]] += 1
    accuracy = float(np.mean(predicted == truth))
    print(f"{name} accuracy: {accuracy:.4f} ({int(np.sum(predicted == truth))} of {len(truth)})")
    say(args, "confusion matrix (rows: true class, columns: predicted):")
    rows = [[str(label), *map(str, matrix[k])] for k, label in enumerate(labels)]
    say(args, table(["true \\ predicted", *map(str, labels)], rows))
    if folder is not None:
        write_csv(
            folder / "predictions.csv",
            ["id", "label", "predicted", "probability"],
            [
                (i, t, p, f"{q:.4f}")
                for i, t, p, q in zip(
                    data.ids, truth, predicted, probabilities.max(axis=1), strict=True
                )
            ],
        )
        plt = pyplot(args)
        if plt is not None:
            from lstmkit.viz.confusion import plot_confusion

            title = f"{name} accuracy {accuracy:.3f}"
            plot_confusion(plt, folder / "confusion.png", matrix, labels, title)
    return {"accuracy": accuracy, "confusion": matrix.tolist(), "classes": labels}


def plot_gates(model, data, folder) -> list:
    """gates.png: the first sequence of `data` through the first layer of the classifier's
    LSTM (the one `lstmkit inspect` reads), standardised and, for a recurrent_stride s > 1,
    cut into chunks of s steps as the network does; returns the report's image entries."""
    from lstmkit.models.step_chunks import chunk_steps

    network = first_network(model)
    stride = getattr(network, "recurrent_stride", 1)  # the LSTM-only network reads each step
    sequence = model._standardise([data.X[0]])[0]
    chunks = chunk_steps(sequence[None], None, stride)[0][0]
    what = f"test sequence {data.ids[0]} (label {data.y[0]})"
    member = "; the first ensemble member's" if getattr(model.network_, "members", 1) > 1 else ""
    if getattr(network.encoder, "bidirectional", False):
        member = ", forward direction" + member
    caption = (
        f"gates and states of the LSTM (first layer{member}) over {what}: "
        "per unit (down) and step (across)"
    )
    if stride > 1:
        caption += (
            f"; with recurrent_stride {stride} the LSTM reads {stride} consecutive steps as one, "
            f"so its {len(chunks)} steps are chunks of the sequence's {len(sequence)}"
        )
    return gate_image(folder, network.encoder, chunks, what, caption)


def save_interrupted(model, interrupt, folder) -> None:
    """After Ctrl-C in fit: save the best model so far (the Trainer put the best epoch's
    weights back; an ensemble keeps the members trained so far)."""
    history = getattr(interrupt, "history", None)
    network = getattr(model, "network_", None)
    members = getattr(network, "members", 1)
    if network is None or history is None or (history.epochs == 0 and members < 2):
        say_nothing_saved(history)
        return
    if history.epochs == 0:
        # an ensemble's next member was in its first epoch: keep the finished ones only
        network.keep_first(members - 1)
        model.n_epochs_ = getattr(model, "n_epochs_", 0)
        kept = members - 1
        what = f"the {kept} network{'s' if kept > 1 else ''} trained before the interruption"
    else:
        monitor = "val_loss" if "val_loss" in history else "loss"
        best = int(np.argmin(history[monitor]))
        model.history_, model.n_epochs_ = history, history.epochs
        what = f"epoch {best + 1} of {history.epochs}, {monitor} {history[monitor][best]:.4g}"
    path = save_interrupted_model(model, folder)
    print(
        f"interrupted: saved the best model so far ({what}) to {path}",
        file=sys.stderr,
    )
