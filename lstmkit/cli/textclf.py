"""`lstmkit textclf`: train a TextClassifier on a `text<TAB>label` file and test it."""

import numpy as np

from lstmkit.cli.classify import FILES, report_classification, save_interrupted
from lstmkit.cli.common import UsageError, add_common_arguments, output_dir, say, training_verbosity
from lstmkit.cli.output import files_written
from lstmkit.cli.parser import refuse_together
from lstmkit.cli.regularisers import add_regulariser_arguments, regulariser_options
from lstmkit.cli.summary import Stopwatch, require_positive, summary_line
from lstmkit.io.atomic import write_json
from lstmkit.report.classification import classification_report


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "textclf",
        help="train a text classifier on text<TAB>label files",
        description="Train an LSTM text classifier (word embeddings, bidirectional LSTM, mean "
        "pooling) on TRAIN, a UTF-8 file of 'text<TAB>label' lines, and report accuracy and "
        "the confusion matrix on TEST (or, without TEST, on a stratified part of TRAIN held "
        "out). With --out: model.safetensors, metrics.json, predictions.csv.",
    )
    parser.add_argument("train", metavar="TRAIN", help="training file, text<TAB>label lines")
    parser.add_argument("test", nargs="?", metavar="TEST", help="test file, same format")
    parser.add_argument(
        "--test-fraction",
        type=float,
        default=0.2,
        help="share of TRAIN held out for testing when no TEST is given (default 0.2)",
    )
    parser.add_argument("--cell", default="lstm", choices=("lstm", "gru", "rnn"))
    parser.add_argument("--hidden-size", type=int, default=64, help="units (default 64)")
    parser.add_argument("--epochs", type=int, default=40, help="most epochs (default 40)")
    parser.add_argument(
        "--patience", type=int, default=5, help="early-stopping patience (default 5)"
    )
    parser.add_argument(
        "--vectors", default=None, help="pre-trained word vectors (GloVe / word2vec text file)"
    )
    add_regulariser_arguments(parser)
    add_common_arguments(parser, training=True)
    parser.set_defaults(run=run)


def run(args) -> dict:
    from lstmkit.models import TextClassifier

    clock = Stopwatch()
    require_positive(args, "hidden_size", "epochs", "patience")
    regularisers = regulariser_options(args, args.cell)
    train, test, source = read_data(args)
    folder = output_dir(args)
    classes = np.unique(train.y)
    say(args, f"{source}: {len(train)} training and {len(test)} test texts, {len(classes)} classes")
    model = TextClassifier(
        cell=args.cell,
        hidden_size=args.hidden_size,
        epochs=args.epochs,
        patience=args.patience,
        vectors=args.vectors,
        seed=args.seed,
        verbose=training_verbosity(args),
        **regularisers,
    )
    try:
        model.fit(train.X, train.y)
    except KeyboardInterrupt as interrupt:
        save_interrupted(model, interrupt, folder)
        raise
    if model.vectors_coverage_ is not None:
        coverage = model.vectors_coverage_
        say(args, f"pre-trained vectors cover {coverage['found']} of {coverage['total']} words")
    metrics = report_classification(args, model, test, folder, "test")
    metrics.update(
        data=source,
        n_train=len(train),
        n_epochs=model.n_epochs_,
        vocabulary_size=len(model.vocabulary_),
        vectors_coverage=model.vectors_coverage_,
    )
    history = model.history_
    best = int(np.argmin(history["val_loss"])) + 1 if "val_loss" in history else None
    if folder is not None:
        model.save(folder / "model.safetensors")
        metrics["seconds"] = clock.seconds
        write_json(folder / "metrics.json", metrics)
        vocabulary = [("vocabulary", f"{len(model.vocabulary_)} words")]
        page = classification_report(
            folder, args, model, metrics, clock.seconds, "textclf", vocabulary
        )
        say(args, f"report: {page}")
    say(args, summary_line(clock.seconds, best, f"test accuracy {metrics['accuracy']:.4f}", folder))
    return {**metrics, "files": files_written(folder, *FILES)}


def read_data(args):
    """(train, test, description) as `Sequences` of texts; without TEST, a stratified split."""
    from lstmkit.cli.sequence_files import Sequences, split_sequences
    from lstmkit.data.labelled_text import read_labelled_text

    def read(path):
        texts, labels = read_labelled_text(path)
        # ids: the example's number in its file (blank lines not counted), from 1
        return Sequences(texts, np.array(labels), list(range(1, len(texts) + 1)))

    refuse_together(
        args,
        "TEST",
        "test_fraction",
        "TEST is the test data; --test-fraction holds out part of TRAIN instead",
    )
    train = read(args.train)
    if args.test is not None:
        return train, read(args.test), f"{args.train} / {args.test}"
    if not 0 < args.test_fraction < 1:
        raise UsageError(f"--test-fraction must lie in (0, 1); got {args.test_fraction}")
    return (*split_sequences(train, args.test_fraction, args.seed), f"{args.train} (split)")
