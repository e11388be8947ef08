"""`lstmkit tag`: train a SequenceTagger on a tagged file (CoNLL-U or TSV/BIO) and test it."""

from pathlib import Path

import numpy as np

from lstmkit.cli.common import UsageError, add_common_arguments, output_dir, say, training_verbosity
from lstmkit.cli.output import files_written
from lstmkit.cli.parser import refuse_together
from lstmkit.cli.regularisers import add_regulariser_arguments, regulariser_options
from lstmkit.cli.summary import Stopwatch, require_positive, summary_line, table
from lstmkit.io.atomic import write_json, write_text
from lstmkit.report import REPORT
from lstmkit.report.tagging import ERRORS_PLOT, tagging_report


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "tag",
        help="train a sequence tagger (POS, NER) on a CoNLL-U or TSV/BIO file",
        description="Train a BiLSTM-CRF tagger (word and character features) on TRAIN and "
        "report token accuracy on TEST (or, without TEST, on a part of TRAIN held out), and "
        "entity precision/recall/F1 (conlleval) when the tags are BIO/IOB2. Files: CoNLL-U "
        "(.conllu, the UPOS column by default) or TSV with one FORM<TAB>TAG line per word and "
        "blank lines between sentences; .gz is read transparently.",
    )
    parser.add_argument("train", metavar="TRAIN", help="training file")
    parser.add_argument("test", nargs="?", metavar="TEST", help="test file")
    parser.add_argument(
        "--format",
        choices=("conllu", "tsv"),
        default=None,
        help="file format (default: conllu for .conllu[.gz] names, else tsv)",
    )
    parser.add_argument(
        "--column",
        default=None,
        help="tag column: a CoNLL-U name (upos, xpos...) or a 0-based index "
        "(default: upos for CoNLL-U, 1 for TSV)",
    )
    parser.add_argument("--dev", default=None, help="validation file for early stopping")
    parser.add_argument(
        "--test-fraction",
        type=float,
        default=0.2,
        help="share of TRAIN held out for testing when no TEST is given (default 0.2)",
    )
    parser.add_argument("--softmax", action="store_true", help="softmax head instead of a CRF")
    parser.add_argument("--hidden-size", type=int, default=100, help="BiLSTM units (100)")
    parser.add_argument("--epochs", type=int, default=30, help="most epochs (default 30)")
    parser.add_argument(
        "--patience", type=int, default=4, help="early-stopping patience (default 4)"
    )
    add_regulariser_arguments(parser)
    add_common_arguments(parser, training=True)
    parser.set_defaults(run=run)


def run(args) -> dict:
    from lstmkit.cli.classify import save_interrupted
    from lstmkit.models import SequenceTagger

    clock = Stopwatch()
    require_positive(args, "hidden_size", "epochs", "patience")
    regularisers = regulariser_options(args)
    train, test, dev, source = read_data(args)
    folder = output_dir(args)
    say(
        args,
        f"{source}: {len(train[0])} training and {len(test[0])} test sentences, "
        f"{sum(map(len, train[0]))} training words",
    )
    model = SequenceTagger(
        crf=not args.softmax,
        hidden_size=args.hidden_size,
        epochs=args.epochs,
        patience=args.patience,
        seed=args.seed,
        verbose=training_verbosity(args),
        **regularisers,
    )
    try:
        model.fit(*train, validation_data=dev)
    except KeyboardInterrupt as interrupt:
        save_interrupted(model, interrupt, folder)
        raise
    metrics, predicted = report(args, model, test)
    metrics.update(data=source, n_train=len(train[0]), n_epochs=model.n_epochs_)
    history = model.history_
    best = int(np.argmax(history["val_accuracy"])) + 1 if "val_accuracy" in history else None
    if folder is not None:
        model.save(folder / "model.safetensors")
        metrics["seconds"] = clock.seconds
        write_json(folder / "metrics.json", metrics)
        write_predictions(folder / "predictions.tsv", test, predicted)
        page = tagging_report(folder, args, model, metrics, test, predicted, clock.seconds)
        say(args, f"report: {page}")
    headline = f"test accuracy {metrics['accuracy']:.4f}"
    if "entity_f1" in metrics:
        headline += f", entity F1 {metrics['entity_f1']:.4f}"
    say(args, summary_line(clock.seconds, best, headline, folder))
    names = ("model.safetensors", "metrics.json", "predictions.tsv", ERRORS_PLOT, REPORT)
    return {**metrics, "files": files_written(folder, *names)}


def read_data(args):
    """(train, test, dev or None, description) as (sentences, tags) pairs."""
    from lstmkit.data.tagging_files import read_tagging_file
    from lstmkit.models.sequence_tagger import split_sentences

    column = args.column
    if column is not None and column.isdigit():
        column = int(column)

    def read(path):
        return tuple(read_tagging_file(path, format=args.format, column=column))

    refuse_together(
        args,
        "TEST",
        "test_fraction",
        "TEST is the test data; --test-fraction holds out part of TRAIN instead",
    )
    train = read(args.train)
    dev = None if args.dev is None else read(args.dev)
    if args.test is not None:
        return train, read(args.test), dev, f"{args.train} / {args.test}"
    if not 0 < args.test_fraction < 1:
        raise UsageError(f"--test-fraction must lie in (0, 1); got {args.test_fraction}")
    train, test = split_sentences(*train, args.test_fraction, args.seed)
    if test is None:
        raise ValueError(f"{args.train} has too few sentences to hold out a test part")
    return train, test, dev, f"{args.train} (split)"


def report(args, model, test) -> tuple[dict, list]:
    """Print token accuracy (and entity scores for BIO tags); returns (metrics, predictions)."""
    from lstmkit.models.tagging_metrics import entity_scores, is_bio, token_accuracy

    sentences, tags = test
    predicted = model.predict(sentences)
    accuracy = token_accuracy(tags, predicted)
    words = sum(map(len, tags))
    print(f"test token accuracy: {accuracy:.4f} ({words} words)")
    metrics = {"accuracy": accuracy, "tags": list(model.classes_)}
    if is_bio(tags):
        scores = entity_scores(tags, predicted)
        print(
            f"test entities: precision {scores['precision']:.4f}, recall "
            f"{scores['recall']:.4f}, F1 {scores['f1']:.4f} ({scores['true_entities']} gold, "
            f"{scores['predicted_entities']} predicted)"
        )
        rows = [
            [kind, f"{s['precision']:.4f}", f"{s['recall']:.4f}", f"{s['f1']:.4f}", s["support"]]
            for kind, s in scores["per_type"].items()
        ]
        say(args, table(["type", "precision", "recall", "F1", "gold"], rows))
        metrics.update(
            entity_precision=scores["precision"],
            entity_recall=scores["recall"],
            entity_f1=scores["f1"],
            per_type=scores["per_type"],
        )
    return metrics, predicted


def write_predictions(path: Path, test, predicted) -> None:
    """FORM<TAB>GOLD<TAB>PREDICTED per word, a blank line after each sentence."""
    lines = []
    for sentence, gold, guess in zip(*test, predicted, strict=True):
        lines.extend(f"{w}\t{g}\t{p}\n" for w, g, p in zip(sentence, gold, guess, strict=True))
        lines.append("\n")
    write_text(path, "".join(lines))
