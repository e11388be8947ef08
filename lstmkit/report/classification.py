"""report.html of `lstmkit classify` and `lstmkit textclf`: the data, the curves of every
ensemble member, the test accuracy beside the chance reference, per-class scores, the
confusion matrix (as a table and as the command's confusion.png).

Per class k of the confusion matrix M (true classes down, predicted across):

    recall_k = M[k, k] / sum_j M[k, j]        precision_k = M[k, k] / sum_i M[i, k]

and the chance reference is the accuracy of always answering the most frequent test class,
max_k sum_j M[k, j] / sum M.
"""

import numpy as np

from lstmkit.report import html
from lstmkit.report.card import card_rows
from lstmkit.report.curves import Curves, records_of
from lstmkit.report.document import Report, write_report

CLASS_HEADER = ["class", "test examples", "recall", "precision"]
CONFUSION = "confusion matrix (rows: true class, columns: predicted)"


def classification_report(folder, args, model, metrics: dict, seconds, command, data=(), images=()):
    """Write the report of `lstmkit <command>`; `metrics` is what metrics.json holds
    (accuracy, confusion, classes, data, n_train), `data` more (name, value) rows, `images`
    more (caption, PNG file) plots after the confusion matrix (classify's gate heatmaps)."""
    matrix = np.asarray(metrics["confusion"])
    classes = [str(label) for label in metrics["classes"]]
    summary = [
        ("data", metrics["data"]),
        ("training examples", metrics["n_train"]),
        ("test examples", int(matrix.sum())),
        ("classes", ", ".join(classes)),
        *data,
    ]
    report = Report(
        title=f"lstmkit {command}",
        data=summary,
        card=card_rows(args, seconds, model=model),
        curves=classifier_curves(model),
        tables=[
            ("test accuracy", ["method", "accuracy"], accuracy_rows(metrics["accuracy"], matrix)),
            ("per class", CLASS_HEADER, class_rows(matrix, classes)),
            (CONFUSION, ["true \\ predicted", *classes], confusion_rows(matrix, classes)),
        ],
        images=[("confusion matrix on the test data", "confusion.png"), *images],
    )
    return write_report(folder, report)


def classifier_curves(model) -> Curves:
    """One line per ensemble member (a TextClassifier has one network)."""
    histories = getattr(model, "member_histories_", None) or [model.history_]
    records = {f"member {k}": records_of(h) for k, h in enumerate(histories, start=1)}
    monitor = getattr(model, "monitor", "val_loss")
    metric = "val_accuracy" if any("val_accuracy" in r for r in records.values()) else None
    return Curves(records, monitor=monitor, maximize="loss" not in monitor, metric=metric)


def accuracy_rows(accuracy, matrix) -> list:
    total = matrix.sum()
    chance = matrix.sum(axis=1).max() / total if total else None
    return [
        ("LSTM classifier", html.number(accuracy)),
        ("always the most frequent test class (chance reference)", html.number(chance)),
    ]


def class_rows(matrix, classes) -> list:
    rows = []
    for k, label in enumerate(classes):
        truth, said = matrix[k].sum(), matrix[:, k].sum()
        recall = matrix[k, k] / truth if truth else None
        precision = matrix[k, k] / said if said else None
        rows.append((label, int(truth), html.number(recall), html.number(precision)))
    return rows


def confusion_rows(matrix, classes) -> list:
    return [[label, *row] for label, row in zip(classes, matrix.tolist(), strict=True)]
