"""report.html of `lstmkit tag`: the data, the curves, token accuracy and entity scores, and
the errors by tag (a table, and tag_errors.png written beside the report).

For each gold tag t, over the test words w whose gold tag is t:

    words_t = #{w}      wrong_t = #{w : predicted(w) != t}      error rate_t = wrong_t / words_t

and the tag most often predicted in its place.
"""

from collections import Counter

from lstmkit.report import html
from lstmkit.report.card import card_rows
from lstmkit.report.curves import Curves, records_of
from lstmkit.report.document import Report, write_report
from lstmkit.report.figures import pyplot

ERRORS_PLOT = "tag_errors.png"
ERRORS_HEADER = ["gold tag", "words", "tagged wrong", "error rate", "most often tagged instead"]


def tag_errors(gold, predicted) -> list:
    """Per gold tag, most errors first: (tag, words, wrong, error rate, the wrong tag given
    most often or "-")."""
    words, wrong, instead = Counter(), Counter(), {}
    for gold_tags, guesses in zip(gold, predicted, strict=True):
        for tag, guess in zip(gold_tags, guesses, strict=True):
            words[tag] += 1
            if guess != tag:
                wrong[tag] += 1
                instead.setdefault(tag, Counter())[guess] += 1
    rows = [
        (tag, words[tag], wrong[tag], wrong[tag] / words[tag],
         instead[tag].most_common(1)[0][0] if tag in instead else "-")
        for tag in words
    ]  # fmt: skip
    return sorted(rows, key=lambda row: (-row[2], str(row[0])))


def tagging_report(folder, args, model, metrics: dict, test, predicted, seconds):
    """Write the report; `metrics` as metrics.json holds it, `test` the (sentences, tags)
    scored and `predicted` the model's tags."""
    sentences, gold = test
    errors = tag_errors(gold, predicted)
    plt = pyplot()
    if plt is not None:
        from lstmkit.viz.tag_errors import plot_tag_errors

        tags, words, wrong = ([row[k] for row in errors] for k in range(3))
        plot_tag_errors(plt, folder / ERRORS_PLOT, tags, words, wrong, "test errors by gold tag")
    data = [
        ("data", metrics["data"]),
        ("training sentences", metrics["n_train"]),
        ("test sentences", len(sentences)),
        ("test words", sum(map(len, sentences))),
        ("tags", ", ".join(map(str, metrics["tags"]))),
    ]
    report = Report(
        title="lstmkit tag",
        data=data,
        card=card_rows(args, seconds, model=model),
        curves=tagger_curves(model),
        tables=[
            ("test scores", ["score", "value"], score_rows(metrics)),
            *entity_table(metrics),
            (
                "errors by tag",
                ERRORS_HEADER,
                [(*row[:3], html.number(row[3]), row[4]) for row in errors],
            ),
        ],  # fmt: skip
        images=[("test words tagged wrong, by gold tag", ERRORS_PLOT)],
    )
    return write_report(folder, report)


def tagger_curves(model) -> Curves:
    """The tagger keeps the epoch of best validation accuracy (of least loss without it)."""
    history = records_of(model.history_)
    metric = "val_accuracy" if "val_accuracy" in history else None
    return Curves({"tagger": history}, monitor="val_accuracy", maximize=True, metric=metric)


SCORES = {
    "accuracy": "token accuracy",
    "entity_precision": "entity precision",
    "entity_recall": "entity recall",
    "entity_f1": "entity F1",
}


def score_rows(metrics) -> list:
    return [(label, html.number(metrics[n])) for n, label in SCORES.items() if n in metrics]


def entity_table(metrics) -> list:
    """Entity scores per type (BIO tags only)."""
    if "per_type" not in metrics:
        return []
    rows = [
        (kind, *(html.number(s[k]) for k in ("precision", "recall", "f1")), s["support"])
        for kind, s in metrics["per_type"].items()
    ]
    return [("entities by type", ["type", "precision", "recall", "F1", "gold"], rows)]
